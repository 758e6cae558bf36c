package main

import (
	"context"
	"time"
)

// Limits of following the agent after the posting phase.
const (
	pollEvery  = 100 * time.Millisecond
	drainLimit = 60 * time.Second // after the last ack
	// quietLimit ends the wait when every turn is handled but replies have
	// stopped growing without the outbox emptying (sends failing and
	// backing off, say): more waiting would measure the back-off.
	quietLimit = 2 * time.Second
)

// delivery is what the server made of the acknowledged messages, as its
// /metrics told.
type delivery struct {
	Last      counters      // the last good scrape, since the run started
	LastReply time.Duration // from the first post to the last scrape that saw replies grow
	Handled   bool          // every acked message got a turn (done or failed)
	TimedOut  bool          // drainLimit passed first

	ScrapeErrors int
	ScrapeErr    error // the last one
}

// repliesPerSec is the end-to-end rate: replies delivered over the time
// from the first post to the last delivery seen.
func (d delivery) repliesPerSec() float64 {
	if d.LastReply <= 0 {
		return 0
	}
	return d.Last.Sent / d.LastReply.Seconds()
}

// watchDelivery scrapes /metrics every pollEvery from start. It watches
// the whole run so that it sees when the last reply went out even if that
// was while messages were still being posted. Once the number of acked
// messages arrives on acked, it returns when the agent has handled that
// many and the replies are out (the outbox is empty and a scrape saw no
// growth, or nothing grew for quietLimit), or when drainLimit has passed.
// The posting phase before that is bounded by its own message count and
// request timeouts.
func watchDelivery(ctx context.Context, srv fleet, start time.Time, base counters, acked <-chan int) delivery {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	var (
		d          delivery
		want       = -1
		deadline   time.Time
		prevSent   = base.Sent
		lastGrowth = start
	)
	for {
		select {
		case <-ctx.Done():
			return d
		case n := <-acked:
			want, deadline, acked = n, time.Now().Add(drainLimit), nil
		case <-tick.C:
		}
		c, err := srv.scrape(ctx)
		now := time.Now()
		if err != nil {
			d.ScrapeErrors++
			d.ScrapeErr = err
		} else {
			grew := c.Sent > prevSent
			if grew {
				prevSent, lastGrowth = c.Sent, now
			}
			d.Last, d.LastReply = c.since(base), lastGrowth.Sub(start)
			d.Handled = want >= 0 && d.Last.TurnsDone+d.Last.TurnsFailed >= float64(want)
			drained := !grew && c.OutboxPending == 0
			if d.Handled && (drained || now.Sub(lastGrowth) >= quietLimit) {
				return d
			}
		}
		if want >= 0 && now.After(deadline) {
			d.TimedOut = true
			return d
		}
	}
}

package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// rateResult is what the fixed-rate run measured.
type rateResult struct {
	tally
	Target    int           // messages per second asked for
	Window    time.Duration // over which they were scheduled
	Scheduled int
	Elapsed   time.Duration // from the first scheduled send to the last answer
	MaxLag    time.Duration // how late the generator itself started a send
	End       counters      // the server's counters over the run
}

// achieved is acknowledged messages per second over the run.
func (r rateResult) achieved() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Acked) / r.Elapsed.Seconds()
}

// runRate posts o.Rate messages a second for o.Duration to a fresh
// server, then reads what its agent made of them.
func runRate(ctx context.Context, srv fleet, o options) (rateResult, error) {
	client := newClient(o.Conns)
	defer client.CloseIdleConnections()
	p := newPoster(client, srv.bases(), o.Bot)
	base, err := srv.scrape(ctx)
	if err != nil {
		return rateResult{}, fmt.Errorf("rate: %w", err)
	}
	r := rateResult{Target: o.Rate, Window: o.Duration, Scheduled: o.rateMessages()}
	start := time.Now()
	outs, lag := sendAtRate(ctx, p, o, start)
	r.Elapsed, r.MaxLag = time.Since(start), lag
	r.tally = tallyOutcomes(outs)
	if err := ctx.Err(); err != nil {
		return r, fmt.Errorf("rate: %w", err)
	}
	end, err := srv.scrape(ctx)
	if err != nil {
		return r, fmt.Errorf("rate: %w", err)
	}
	r.End = end.since(base)
	return r, nil
}

// sendAtRate is the open loop: message i is due at start + i/o.Rate
// seconds, whether or not earlier ones have been answered, and its latency
// counts from when it was due. A server that stalls therefore shows the
// wait of every message that queued behind the stall, instead of the
// generator politely slowing down and hiding it (coordinated omission).
// At most 4×o.Conns requests are in flight; when that many are stuck the
// generator waits too, and the wait still counts from the due time. It
// returns when every answer is in, with how late the generator itself
// was at worst.
func sendAtRate(ctx context.Context, p *poster, o options, start time.Time) ([]outcome, time.Duration) {
	total := o.rateMessages()
	outs := make([]outcome, total)
	sem := make(chan struct{}, 4*o.Conns)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var (
		wg     sync.WaitGroup
		maxLag time.Duration
	)
	for i := range total {
		due := start.Add(time.Duration(i) * time.Second / time.Duration(o.Rate))
		if !sleepUntil(ctx, timer, due) || !acquire(ctx, sem) {
			break
		}
		maxLag = max(maxLag, time.Since(due))
		c, k := i%o.Conversations, i/o.Conversations
		wg.Go(func() {
			defer func() { <-sem }()
			out := p.post(ctx, sessionID("rate", c), "r"+strconv.Itoa(i), c, k)
			out.Latency = time.Since(due)
			outs[i] = out // each index has one writer; read after Wait
		})
	}
	wg.Wait()
	return outs, maxLag
}

// sleepUntil waits for t on timer, and reports false if ctx ended first.
func sleepUntil(ctx context.Context, timer *time.Timer, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer.Reset(d)
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// acquire takes a slot of sem, and reports false if ctx ended first.
func acquire(ctx context.Context, sem chan struct{}) bool {
	select {
	case sem <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

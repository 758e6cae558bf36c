package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// throughputResult is what the throughput run measured.
type throughputResult struct {
	tally
	Wall     time.Duration // of the posting phase
	Delivery delivery
}

// ackRate is acknowledged messages per second of the posting phase.
func (r throughputResult) ackRate() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return float64(r.Acked) / r.Wall.Seconds()
}

// runThroughput has o.Conns workers post o.N messages as fast as the server
// acknowledges them, spread over o.Conversations sessions, then follows
// /metrics until the agent has handled them and the replies are out.
func runThroughput(ctx context.Context, srv fleet, o options) (throughputResult, error) {
	client := newClient(o.Conns)
	defer client.CloseIdleConnections()
	p := newPoster(client, srv.bases(), o.Bot)

	base, err := srv.scrape(ctx)
	if err != nil {
		return throughputResult{}, fmt.Errorf("throughput: %w", err)
	}
	start := time.Now()
	acked := make(chan int, 1)
	delivered := make(chan delivery, 1)
	go func() { delivered <- watchDelivery(ctx, srv, start, base, acked) }()

	outs := postAll(ctx, p, o)
	r := throughputResult{tally: tallyOutcomes(outs), Wall: time.Since(start)}
	acked <- r.Acked
	r.Delivery = <-delivered
	if err := ctx.Err(); err != nil {
		return r, fmt.Errorf("throughput: %w", err)
	}
	return r, nil
}

// postAll is the closed loop: each of o.Conns workers posts its next
// message as soon as the previous one is acknowledged, until o.N are
// made. Message i goes to conversation i mod o.Conversations, so that each
// conversation gets its messages in script order and no two workers write
// to one conversation at once (as long as o.Conns ≤ o.Conversations).
func postAll(ctx context.Context, p *poster, o options) []outcome {
	return closedLoop(ctx, o.N, o.Conns, func(i int) outcome {
		c, k := i%o.Conversations, i/o.Conversations
		return p.post(ctx, sessionID("tput", c), "t"+strconv.Itoa(i), c, k)
	})
}

// closedLoop has conns workers call post(i) for i from 0 to n-1, each
// starting its next call as soon as its previous one returned, and
// returns the outcomes by i with their latencies. It stops early when ctx
// ends (the outcomes not made stay zero).
func closedLoop(ctx context.Context, n, conns int, post func(i int) outcome) []outcome {
	outs := make([]outcome, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t0 := time.Now()
				out := post(i)
				out.Latency = time.Since(t0)
				outs[i] = out // each index has one writer; read after Wait
			}
		})
	}
	wg.Wait()
	return outs
}

// Package jobloop is the one loop of Concierge's background workers: the
// outbox, the hand-off webhooks and the media fetcher each claim a batch
// of due jobs from the store under a lease, work it, and look again.
// The loop decides when to look again; the worker decides what a pass is.
//
// It imports only the standard library; any package may use it.
package jobloop

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"
)

// DefaultMaxBackoff is the longest wait after failed passes when
// Config.MaxBackoff is zero: long enough that a database that is down
// for minutes costs a handful of log lines, short enough that work
// resumes soon after it is back.
const DefaultMaxBackoff = 30 * time.Second

// Config tunes one loop.
type Config struct {
	// Name starts the loop's log lines ("outbox", "media").
	Name string
	// Poll is the wait between passes that found no more work.
	Poll time.Duration
	// MaxBackoff caps the wait after failed passes; zero means
	// DefaultMaxBackoff.
	MaxBackoff time.Duration
	// Wake, when it receives, ends a wait early: new work was committed
	// in this process.
	Wake <-chan struct{}
	Log  *slog.Logger
}

// Pass does one batch of work. more says that the batch was full, so
// more may be due at once. An error (the store could not be reached) is
// the loop's to log and to back off from; a job's own failure is the
// pass's to record, not an error.
type Pass func(ctx context.Context) (more bool, err error)

// Run calls pass until ctx ends: at once again while it says more, else
// after Poll or a wake. After a failed pass it waits Poll, then twice as
// long after each further failure up to MaxBackoff, with jitter so that
// replicas that failed together do not retry together. It logs the first
// failure, then only the 2nd, 4th, 8th … in a row, and the recovery, so
// a database that is down does not fill the log.
func Run(ctx context.Context, cfg Config, pass Pass) {
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	failures := 0
	for ctx.Err() == nil {
		more, err := pass(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := cfg.Poll
		switch {
		case err != nil:
			failures++
			if failures&(failures-1) == 0 { // a power of two
				cfg.Log.Error(cfg.Name+": pass failed", "err", err, "failures", failures)
			}
			wait = Backoff(cfg.Poll, cfg.MaxBackoff, failures-1)
		case failures > 0:
			cfg.Log.Info(cfg.Name+": recovered", "after_failures", failures)
			failures = 0
		}
		if err == nil && more {
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-cfg.Wake:
		}
		t.Stop()
	}
}

// Backoff is the wait before retry n (from 0): base doubled n times, at
// most limit, then jittered to between half of it and all of it.
func Backoff(base, limit time.Duration, n int) time.Duration {
	d := base
	if d <= 0 {
		return 0
	}
	for range n {
		if d >= limit {
			break
		}
		d *= 2
	}
	d = min(d, limit)
	return d/2 + rand.N(d/2+1)
}

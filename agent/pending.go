package agent

import "context"

// RunPending handles every pending turn now, in the caller's goroutine,
// batch after batch until none is left, and reports how many turns were
// done and how many failed (their customer got an apology). It is Run
// without the waiting: `concierge test` drives a conversation one message
// at a time and needs each answer before it sends the next, with the same
// batches, skips and Handled callback as the server.
func (r *Runner) RunPending(ctx context.Context) (done, failed int, err error) {
	for {
		d, f, err := r.runTurns(ctx)
		if d+f > 0 {
			r.Handled(d, f)
		}
		done, failed = done+d, failed+f
		if err != nil || d+f == 0 {
			return done, failed, err
		}
	}
}

// RunPending handles every pending planned turn now, one at a time in the
// caller's goroutine (lease, plan outside any transaction, apply), until
// none is left; see Runner.RunPending. A turn whose plan failed counts as
// done when the brain answered without the plan, as in Run.
func (r *PlannedRunner) RunPending(ctx context.Context) (done, failed int, err error) {
	if len(r.Bots) == 0 {
		return 0, 0, nil
	}
	for {
		if err := ctx.Err(); err != nil {
			// take would give each leased turn back, and find it again.
			return done, failed, err
		}
		did, ok, err := r.take(ctx)
		r.count(ok)
		switch {
		case ok == nil:
		case *ok:
			done++
		default:
			failed++
		}
		if err != nil || !did {
			return done, failed, err
		}
	}
}

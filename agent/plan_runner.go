package agent

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/tracing"
)

// TurnFunc and FailFunc are the store's callbacks for one turn.
type (
	TurnFunc func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error
	FailFunc func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event, cause error) error
)

// Lease is one conversation's turn held by one planned runner worker: no
// other worker (of any replica) takes a turn of that conversation until
// the lease is released or runs out.
type Lease struct {
	Conv  concierge.ConversationID
	Event int64 // the inbound message being handled
	Seq   int64 // its place in the transcript
	Token string
}

// ErrLeaseLost is returned by ApplyTurn when the lease ran out and another
// worker took the conversation; the plan is dropped and theirs wins.
var ErrLeaseLost = errors.New("agent: turn lease lost")

// PlanStore is the planned runner's view of storage.
type PlanStore interface {
	// LeaseTurn leases, for ttl, the conversation of one of bots whose
	// oldest pending inbound event is the oldest of all unleased ones,
	// and calls read with that event inside the short transaction that
	// takes the lease. It returns nil, nil when there is nothing to do.
	LeaseTurn(ctx context.Context, bots []concierge.BotID, ttl time.Duration, read TurnFunc) (*Lease, error)
	// ApplyTurn runs turn in a transaction that first checks the lease
	// is still l's and the event still pending, marks the event done (or
	// failed, calling fail) and releases the lease; ErrLeaseLost if not.
	ApplyTurn(ctx context.Context, l *Lease, turn TurnFunc, fail FailFunc) (done bool, err error)
	// ReleaseTurn gives the lease up without handling the event.
	ReleaseTurn(ctx context.Context, l *Lease) error
	// History returns the last limit transcript lines of conv between
	// seqs after and before (both excluded), oldest first, read without
	// a write transaction.
	History(ctx context.Context, conv concierge.ConversationID, after, before int64, limit int) ([]Line, error)
	// Notes returns what the planning brain keeps of conv.
	Notes(ctx context.Context, conv concierge.ConversationID) (Notes, error)
}

// PlannedRunner handles the turns of bots whose brain is a Planner (the
// LLM brain), apart from the rules runner's batches: each of its workers
// leases one conversation, plans outside any transaction and applies the
// plan in a short one. Conversations run in parallel; one conversation's
// events run in order.
type PlannedRunner struct {
	Agent    *Agent
	Store    PlanStore
	Bots     []concierge.BotID
	Workers  int           // parallel conversations (default 8)
	LeaseTTL time.Duration // must outlast a turn's planning (default 2m)
	Poll     time.Duration // default 250ms
	Log      *slog.Logger
	Handled  func(done, failed int)
	// Traces records a "turn" span per turn, from its lease to its
	// commit, linked to the ingest span; the model's calls and the
	// tools are its children. Nil records nothing.
	Traces trace.TracerProvider

	wake chan struct{}
}

// NewPlannedRunner returns a PlannedRunner for bots with defaults.
func NewPlannedRunner(a *Agent, st PlanStore, bots []concierge.BotID, log *slog.Logger, handled func(done, failed int)) *PlannedRunner {
	if handled == nil {
		handled = func(int, int) {}
	}
	return &PlannedRunner{Agent: a, Store: st, Bots: bots, Workers: 8, LeaseTTL: 2 * time.Minute, Poll: 250 * time.Millisecond,
		Log: log, Handled: handled, wake: make(chan struct{}, 1)}
}

// Wake makes an idle worker look for events now. It never blocks.
func (r *PlannedRunner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run handles planned turns until ctx ends; a turn being planned when ctx
// ends is given up (its lease released) and runs again later.
func (r *PlannedRunner) Run(ctx context.Context) {
	if len(r.Bots) == 0 {
		return
	}
	var wg sync.WaitGroup
	for range max(r.Workers, 1) {
		wg.Add(1)
		go func() { defer wg.Done(); r.work(ctx) }()
	}
	wg.Wait()
}

func (r *PlannedRunner) work(ctx context.Context) {
	tick := time.NewTicker(r.Poll)
	defer tick.Stop()
	for ctx.Err() == nil {
		did, err := r.one(ctx)
		if err != nil {
			r.Log.Error("agent: planned turn", "err", err)
		}
		if did {
			r.Wake() // there may be more; let a sibling look too
			continue
		}
		select {
		case <-ctx.Done():
		case <-r.wake:
		case <-tick.C:
		}
	}
}

// one handles one leased turn; it reports whether there was one.
func (r *PlannedRunner) one(ctx context.Context) (bool, error) {
	did, done, err := r.take(ctx)
	r.count(done)
	return did, err
}

// count passes a stored turn's outcome to Handled; nil is no outcome.
func (r *PlannedRunner) count(done *bool) {
	switch {
	case done == nil:
	case *done:
		r.Handled(1, 0)
	default:
		r.Handled(0, 1)
	}
}

// take leases, plans and applies one turn. It reports whether there was
// one and, when its outcome was stored, whether it was done (true) or
// failed (false); done is nil when the turn was given up or taken by
// another worker.
func (r *PlannedRunner) take(ctx context.Context) (did bool, done *bool, err error) {
	var snap *Snapshot
	l, err := r.Store.LeaseTurn(context.WithoutCancel(ctx), r.Bots, r.LeaseTTL,
		func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
			var err error
			snap, err = r.Agent.TakeSnapshot(ctx, tx, conv, ev)
			return err
		})
	if err != nil || l == nil {
		return false, nil, err
	}
	ctx, span := turnSpan(ctx, r.Traces, "turn", &snap.Conv, &snap.Event)
	defer func() { tracing.End(span, err) }()
	plan, err := r.plan(ctx, snap, l.Seq)
	if err != nil {
		r.Log.WarnContext(ctx, "agent: plan failed; the brain answers without it", "conversation", l.Conv, "err", err)
		plan = &Plan{Fallback: true, Reason: "error"}
	}
	if ctx.Err() != nil {
		return true, nil, r.Store.ReleaseTurn(context.WithoutCancel(ctx), l)
	}
	ok, err := r.Store.ApplyTurn(context.WithoutCancel(ctx), l, r.Agent.ApplyFunc(plan), tracedFail(r.Traces, r.Agent.Fail))
	if errors.Is(err, ErrLeaseLost) {
		r.Log.WarnContext(ctx, "agent: turn lease lost; plan dropped", "conversation", l.Conv)
		return true, nil, nil
	}
	if err != nil {
		return true, nil, err
	}
	if !ok {
		tracing.Fail(span, "turn failed")
	}
	return true, &ok, nil
}

// historyLines is how much of the transcript a plan reads at most.
const historyLines = 60

func (r *PlannedRunner) plan(ctx context.Context, snap *Snapshot, seq int64) (*Plan, error) {
	notes, err := r.Store.Notes(ctx, snap.Conv.ID)
	if err != nil {
		return nil, err
	}
	snap.Notes = notes
	lines, err := r.Store.History(ctx, snap.Conv.ID, notes.Through, seq, historyLines)
	if err != nil {
		return nil, err
	}
	snap.History = lines
	return r.Agent.PlanTurn(ctx, snap)
}

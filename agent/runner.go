package agent

import (
	"context"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/conciergehq/concierge"
)

// TurnStore is the runner's view of storage: it hands over pending inbound
// events in batches, one transaction per batch, each conversation's events
// in order.
type TurnStore interface {
	RunTurns(ctx context.Context, limit int,
		turn func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error,
		fail func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event, cause error) error,
	) (done, failed int, err error)
}

// SkippingTurnStore is a TurnStore that can leave some bots' events out
// of its batches; the Runner uses it when Skip is set.
type SkippingTurnStore interface {
	RunTurnsExcept(ctx context.Context, skip []concierge.BotID, limit int,
		turn func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error,
		fail func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event, cause error) error,
	) (done, failed int, err error)
}

// Runner drives the agent over the store's pending events.
type Runner struct {
	Agent *Agent
	Store TurnStore
	Batch int           // events per transaction (default 256)
	Poll  time.Duration // how often to look when not woken (default 250ms)
	Log   *slog.Logger
	// Handled is called after each committed batch (to wake the outbox
	// and count turns); it must not block.
	Handled func(done, failed int)
	// Skip are bots whose turns a PlannedRunner handles (their brain
	// must not run inside a batch's transaction).
	Skip []concierge.BotID
	// Traces records a "turn" span per event, linked to the ingest span
	// that stored it (see turnSpan); nil records nothing.
	Traces trace.TracerProvider

	wake chan struct{}
}

// NewRunner returns a Runner with defaults.
func NewRunner(a *Agent, st TurnStore, log *slog.Logger, handled func(done, failed int)) *Runner {
	if handled == nil {
		handled = func(int, int) {}
	}
	return &Runner{Agent: a, Store: st, Batch: 256, Poll: 250 * time.Millisecond, Log: log, Handled: handled, wake: make(chan struct{}, 1)}
}

// Wake makes the runner look for events now; ingestion calls it after each
// commit. It never blocks.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run handles events until ctx ends. Several goroutines may Run the same
// Runner when the store lets transactions of different conversations run
// at once (PostgreSQL); a wake-up reaches one of them and the others poll. The batch in progress when ctx ends is
// finished (its transaction is not cut short), so shutdown loses no turn.
func (r *Runner) Run(ctx context.Context) {
	tick := time.NewTicker(r.Poll)
	defer tick.Stop()
	for ctx.Err() == nil {
		// The batch runs on a context that outlives ctx: a turn half
		// done at shutdown would be rolled back and run again anyway,
		// but finishing it is cheaper and keeps the ack promise simple.
		done, failed, err := r.runTurns(context.WithoutCancel(ctx))
		if err != nil {
			r.Log.Error("agent: run turns", "err", err)
		}
		if done+failed > 0 {
			r.Handled(done, failed)
		}
		if err == nil && done+failed >= r.Batch {
			continue
		}
		select {
		case <-ctx.Done():
		case <-r.wake:
		case <-tick.C:
		}
	}
}

func (r *Runner) runTurns(ctx context.Context) (done, failed int, err error) {
	turn, fail := traced(r.Traces, r.Agent.Turn), tracedFail(r.Traces, r.Agent.Fail)
	if ss, ok := r.Store.(SkippingTurnStore); ok && len(r.Skip) > 0 {
		return ss.RunTurnsExcept(ctx, r.Skip, r.Batch, turn, fail)
	}
	return r.Store.RunTurns(ctx, r.Batch, turn, fail)
}

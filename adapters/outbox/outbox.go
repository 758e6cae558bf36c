// Package outbox delivers the agent's outbound messages through the channel
// adapters: it leases conversations with messages due, sends each
// conversation's messages one at a time and in order (different
// conversations in parallel, so a slow platform never makes one customer
// wait behind another), retries failures with exponential backoff, and
// records every outcome in batches.
//
// Delivery is at least once: a crash between a platform accepting a message
// and the outcome being recorded sends that message again after the lease
// expires. Only cmd/concierge imports this package.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/jobloop"
	"github.com/conciergehq/concierge/internal/tracing"
)

// Store is the outbox's view of storage.
type Store interface {
	// ClaimOutbox leases up to limit conversations with messages due and
	// returns their pending messages, in order.
	ClaimOutbox(ctx context.Context, limit int, lease time.Duration) ([][]concierge.Outbound, error)
	// FinishOutbox records outcomes and releases the conversations' leases.
	FinishOutbox(ctx context.Context, ds []concierge.Delivery, convs []concierge.ConversationID) error
}

// Senders finds the adapter of a bot's channel; nil means the channel is
// not configured, and the message fails.
type Senders func(bot concierge.BotID, ch concierge.Channel) concierge.Sender

// Config tunes a Dispatcher; zero values take the defaults.
type Config struct {
	Batch       int           // conversations claimed at once (default 256)
	InFlight    int           // conversations being sent at once (default 1024)
	Lease       time.Duration // how long a claim lasts if this process dies (default 30s)
	SendTimeout time.Duration // per message (default 10s)
	MaxAttempts int           // then the message is marked failed (default 10)
	BaseDelay   time.Duration // first retry delay (default 1s)
	MaxDelay    time.Duration // retry delay cap (default 5m)
	Poll        time.Duration // how often to look when not woken (default 250ms)
	Grace       time.Duration // how long sends in flight may finish after shutdown begins (default 5s)
	// Traces records a "send" span per delivery attempt, linked to the
	// span that produced the message (its turn); nil records nothing.
	Traces trace.TracerProvider
}

func (c *Config) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Batch, 256)
	def(&c.InFlight, 1024)
	def(&c.MaxAttempts, 10)
	defd(&c.Lease, 30*time.Second)
	defd(&c.SendTimeout, 10*time.Second)
	defd(&c.BaseDelay, time.Second)
	defd(&c.MaxDelay, 5*time.Minute)
	defd(&c.Poll, 250*time.Millisecond)
	defd(&c.Grace, 5*time.Second)
}

// Metrics receives what the dispatcher did; nil methods are not called.
type Metrics interface {
	Sent(ch concierge.Channel)
	SendFailed(ch concierge.Channel, status concierge.DeliveryStatus)
}

// Dispatcher is the outbox's sender loop.
type Dispatcher struct {
	tracer  trace.Tracer
	store   Store
	senders Senders
	cfg     Config
	log     *slog.Logger
	metrics Metrics
	now     func() time.Time
	wake    chan struct{}
	results chan result
	slots   chan struct{}
}

type result struct {
	ds   []concierge.Delivery
	conv concierge.ConversationID
}

// New returns a Dispatcher; call Run.
func New(st Store, senders Senders, cfg Config, log *slog.Logger, m Metrics) *Dispatcher {
	cfg.defaults()
	return &Dispatcher{tracer: tracing.Tracer(cfg.Traces), store: st, senders: senders, cfg: cfg, log: log, metrics: m, now: time.Now,
		wake: make(chan struct{}, 1), results: make(chan result, cfg.InFlight), slots: make(chan struct{}, cfg.InFlight)}
}

// Wake makes the dispatcher look for work now; the turn runner calls it
// after committing messages. It never blocks.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run sends until ctx ends, then waits for the sends in flight and records
// their outcomes before returning.
func (d *Dispatcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	finished := make(chan struct{})
	go func() { d.finish(); close(finished) }()
	// Sends in flight at shutdown get a grace period to finish; after it,
	// waiting ones (a rate limiter, a slow platform) are cut short and
	// their messages stay pending for the next start.
	sendCtx, cancelSends := context.WithCancel(context.Background())
	defer cancelSends()
	stop := context.AfterFunc(ctx, func() {
		t := time.NewTimer(d.cfg.Grace)
		defer t.Stop()
		select {
		case <-t.C:
			cancelSends()
		case <-sendCtx.Done():
		}
	})
	defer stop()
	jobloop.Run(ctx, jobloop.Config{Name: "outbox", Poll: d.cfg.Poll, Wake: d.wake, Log: d.log}, func(ctx context.Context) (bool, error) {
		free := cap(d.slots) - len(d.slots)
		if free == 0 {
			return false, nil
		}
		batch, err := d.store.ClaimOutbox(ctx, min(d.cfg.Batch, free), d.cfg.Lease)
		if err != nil {
			return false, fmt.Errorf("claim: %w", err)
		}
		for _, msgs := range batch {
			d.slots <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				d.results <- result{ds: d.sendAll(sendCtx, msgs), conv: msgs[0].Conversation}
				<-d.slots
			}()
		}
		return len(batch) > 0 && len(batch) == d.cfg.Batch, nil // a full batch: more may be waiting
	})
	wg.Wait()
	close(d.results)
	<-finished
}

// finish records outcomes in batches: whatever has arrived while the
// previous batch was being written goes in the next one.
func (d *Dispatcher) finish() {
	for r := range d.results {
		ds := r.ds
		convs := []concierge.ConversationID{r.conv}
	more:
		for len(convs) < 512 {
			select {
			case r2, ok := <-d.results:
				if !ok {
					break more
				}
				ds = append(ds, r2.ds...)
				convs = append(convs, r2.conv)
			default:
				break more
			}
		}
		// A background context: outcomes must be written even while
		// shutting down, or the messages would be sent twice.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := d.store.FinishOutbox(ctx, ds, convs); err != nil {
			d.log.Error("outbox: record outcomes", "err", err, "messages", len(ds))
		}
		cancel()
	}
}

// sendAll sends one conversation's messages in order, stopping at the
// first that fails so none overtakes it.
func (d *Dispatcher) sendAll(ctx context.Context, msgs []concierge.Outbound) []concierge.Delivery {
	out := make([]concierge.Delivery, 0, len(msgs))
	start := d.now()
	for i := range msgs {
		if ctx.Err() != nil {
			break // shutting down: the rest stay pending
		}
		if i > 0 && d.now().Sub(start) > d.cfg.Lease/2 {
			// The lease would run out mid-conversation and another
			// sender could start on it; leave the rest for the next claim.
			break
		}
		m := &msgs[i]
		dl := d.send(ctx, m)
		out = append(out, dl)
		if dl.Status != concierge.DeliverySent {
			break
		}
	}
	return out
}

func (d *Dispatcher) send(base context.Context, m *concierge.Outbound) (dl concierge.Delivery) {
	// The send starts a trace of its own, linked to the turn that wrote
	// the message: it runs later, in a batch of other conversations.
	base, span := d.tracer.Start(base, "send", append(tracing.LinkTo(m.TraceParent), trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("concierge.bot", string(m.Bot)), attribute.String("concierge.channel", string(m.Channel)),
			attribute.Int64("concierge.conversation", int64(m.Conversation)), attribute.Int64("concierge.message", m.ID),
			attribute.Int("concierge.attempt", m.Attempts+1)))...)
	defer func() {
		span.SetAttributes(attribute.String("concierge.delivery", string(dl.Status)))
		if dl.Status != concierge.DeliverySent {
			tracing.Fail(span, dl.Error)
		}
		span.End()
	}()
	dl = concierge.Delivery{ID: m.ID, Conversation: m.Conversation, Status: concierge.DeliverySent}
	s := d.senders(m.Bot, m.Channel)
	var err error
	if s == nil {
		err = concierge.Errorf(concierge.CodeUnavailable, "outbox", "channel %s of bot %s is not configured", m.Channel, m.Bot)
	} else {
		ctx, cancel := context.WithTimeout(base, d.cfg.SendTimeout)
		err = s.Send(ctx, m)
		cancel()
	}
	switch {
	case err != nil && base.Err() != nil:
		// Cut short by shutdown, not refused by the platform: due again
		// at once on the next start.
		dl.Status, dl.NextAttempt, dl.Error, dl.Interrupted = concierge.DeliveryRetry, d.now(), "interrupted by shutdown", true
		return dl
	case err == nil:
		if d.metrics != nil {
			d.metrics.Sent(m.Channel)
		}
		return dl
	case errors.Is(err, concierge.ErrUndeliverable):
		dl.Status = concierge.Undeliverable
	case m.Attempts+1 >= d.cfg.MaxAttempts:
		dl.Status = concierge.DeliveryFailed
	default:
		dl.Status = concierge.DeliveryRetry
		dl.NextAttempt = d.now().Add(d.delay(m.Attempts))
		// A platform that said when to come back (Telegram's 429
		// retry_after) is not tried earlier.
		var ra interface{ RetryAfter() time.Duration }
		if errors.As(err, &ra) {
			if at := d.now().Add(ra.RetryAfter()); at.After(dl.NextAttempt) {
				dl.NextAttempt = at
			}
		}
	}
	dl.Error = err.Error()
	d.log.WarnContext(base, "outbox: send failed", "bot", m.Bot, "channel", m.Channel, "conversation", m.Conversation,
		"attempt", m.Attempts+1, "status", dl.Status, "err", err)
	if d.metrics != nil {
		d.metrics.SendFailed(m.Channel, dl.Status)
	}
	return dl
}

// delay is the wait before retry n+1: exponential from BaseDelay, capped,
// with "full jitter" on the upper half so that many conversations failing
// together (a platform outage) do not retry in lockstep.
func (d *Dispatcher) delay(attempts int) time.Duration {
	return jobloop.Backoff(d.cfg.BaseDelay, d.cfg.MaxDelay, attempts)
}

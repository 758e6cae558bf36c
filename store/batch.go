package store

import (
	"context"

	"go.opentelemetry.io/otel/attribute"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/tracing"
)

// Ingester is a group committer in front of DB.Ingest. Webhook handlers
// call Ingest concurrently; one goroutine gathers whatever requests are
// waiting, writes them in one transaction and one fsync, and answers each.
// Under load a batch forms while the previous commit is in flight, so
// durability costs one fsync per batch instead of one per message; at low
// load a request commits alone and waits for no timer.
type Ingester struct {
	db       *DB
	reqs     chan *ingestReq
	maxBatch int
	// committed is called after each successful commit so that the turn
	// runner wakes at once instead of polling.
	committed func()
	// media, if set, is called after a commit that stored a customer's
	// file, so that the media fetcher wakes only for those (a voice note
	// holds its conversation until it is heard).
	media func()
}

// WakeOnMedia sets f to be called after a commit that stored a new media
// event. Call it before Run.
func (in *Ingester) WakeOnMedia(f func()) { in.media = f }

// wake calls the callbacks after a commit of reqs.
func (in *Ingester) wake(reqs []*ingestReq) {
	in.committed()
	if in.media == nil {
		return
	}
	for _, r := range reqs {
		if r.err != nil {
			continue
		}
		for i, ev := range r.evs {
			if ev.Kind == concierge.EventMedia && i < len(r.out) && !r.out[i].Duplicate {
				in.media()
				return
			}
		}
	}
}

type ingestReq struct {
	ctx  context.Context
	evs  []concierge.Event
	out  []Ingested
	err  error
	done chan struct{}
}

// NewIngester returns an Ingester; call Run to start it. committed may be nil.
func NewIngester(db *DB, maxBatch int, committed func()) *Ingester {
	if maxBatch <= 0 {
		maxBatch = 256
	}
	if committed == nil {
		committed = func() {}
	}
	return &Ingester{db: db, reqs: make(chan *ingestReq, 4*maxBatch), maxBatch: maxBatch, committed: committed}
}

// Ingest stores evs durably and returns what happened to each. It blocks
// until the batch holding them is committed or ctx ends; when ctx ends
// first, the events may or may not be stored, and the caller must not
// acknowledge them (the platform's retry is then de-duplicated).
//
// Under the webhook's span in ctx, it records an "ingest" span, whose
// traceparent is stored with each event for its turn to link to.
func (in *Ingester) Ingest(ctx context.Context, evs []concierge.Event) (out []Ingested, err error) {
	ctx, span := tracing.Child(ctx, "ingest", attribute.Int("concierge.events", len(evs)))
	defer func() { tracing.End(span, err) }()
	r := &ingestReq{ctx: ctx, evs: evs, done: make(chan struct{})}
	select {
	case in.reqs <- r:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case <-r.done:
		return r.out, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Run commits batches until ctx ends, then drains what is queued.
func (in *Ingester) Run(ctx context.Context) {
	batch := make([]*ingestReq, 0, in.maxBatch)
	for {
		var first *ingestReq
		select {
		case first = <-in.reqs:
		case <-ctx.Done():
			// Answer what is queued so no handler waits forever;
			// a shut-down server acknowledges nothing more.
			for {
				select {
				case r := <-in.reqs:
					r.err = ctx.Err()
					close(r.done)
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
		n := len(first.evs)
	gather:
		for n < in.maxBatch {
			select {
			case r := <-in.reqs:
				batch = append(batch, r)
				n += len(r.evs)
			default:
				break gather
			}
		}
		in.commit(batch)
	}
}

func (in *Ingester) commit(batch []*ingestReq) {
	// Requests whose caller gave up are left out; their events are not
	// acknowledged, so they must not be half-counted either.
	live := batch[:0]
	for _, r := range batch {
		if r.ctx.Err() != nil {
			r.err = r.ctx.Err()
			close(r.done)
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	err := in.db.InTx(context.Background(), func(tx *Tx) error {
		for _, r := range live {
			r.out = make([]Ingested, len(r.evs))
			trace := tracing.TraceParent(r.ctx)
			for i := range r.evs {
				res, err := tx.ingest(context.Background(), &r.evs[i], trace)
				if err != nil {
					return err
				}
				r.out[i] = res
			}
		}
		return nil
	})
	if err != nil && len(live) > 1 {
		// One bad request must not fail its neighbours: retry each alone.
		for _, r := range live {
			r.out, r.err = in.db.Ingest(context.WithoutCancel(r.ctx), r.evs)
			close(r.done)
		}
		in.wake(live)
		return
	}
	for _, r := range live {
		r.err = err
		if err != nil {
			r.out = nil
		}
		close(r.done)
	}
	if err == nil {
		in.wake(live)
	}
}

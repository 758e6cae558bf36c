package store_test

import (
	"context"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/tracing"
	"github.com/conciergehq/concierge/store"
)

// traceparent is the W3C traceparent of a sampled span context.
func traceparent(sc trace.SpanContext) string {
	return "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"
}

// TestTraceContextCrossesTheStore checks that the ingest span's
// traceparent is stored with the inbound row and handed to the turn (by
// RunTurns and by LeaseTurn/ApplyTurn), and that the span a message is
// emitted in is stored with the outbound row and handed to its sender.
func TestTraceContextCrossesTheStore(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		rec := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
		tracer := tracing.Tracer(tp)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		in := store.NewIngester(db, 16, nil)
		go in.Run(ctx)

		// A webhook's span; the Ingester records "ingest" under it.
		wctx, webhook := tracer.Start(ctx, "webhook")
		if _, err := in.Ingest(wctx, []concierge.Event{textEvent("a", "k1", "hello")}); err != nil {
			t.Fatal(err)
		}
		webhook.End()
		// No span: nothing to link to.
		if _, err := in.Ingest(ctx, []concierge.Event{textEvent("b", "k2", "hi")}); err != nil {
			t.Fatal(err)
		}
		var ingest sdktrace.ReadOnlySpan
		for _, s := range rec.Ended() {
			if s.Name() == "ingest" {
				if ingest != nil {
					t.Fatal("two ingest spans: one was recorded without a webhook span")
				}
				ingest = s
			}
		}
		if ingest == nil || ingest.Parent().SpanID() != webhook.SpanContext().SpanID() {
			t.Fatalf("ingest span %v is not the webhook's child", ingest)
		}

		got := map[concierge.ChatID]string{}
		var turnSC trace.SpanContext
		_, _, err := db.RunTurns(ctx, 10, func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
			got[conv.Chat] = ev.TraceParent
			ctx, span := tracer.Start(ctx, "turn")
			defer span.End()
			if conv.Chat == "a" {
				turnSC = span.SpanContext()
			} else {
				ctx = context.Background() // emitted outside any span
			}
			_, err := tx.Emit(ctx, conv, "bot", concierge.Message{Kind: concierge.MessageText, Text: "re " + ev.Text})
			return err
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := traceparent(ingest.SpanContext()); got["a"] != want {
			t.Errorf("turn of a: event traceparent %q, want the ingest span's %q", got["a"], want)
		}
		if got["b"] != "" {
			t.Errorf("turn of b: event traceparent %q, want none", got["b"])
		}

		batch, err := db.ClaimOutbox(ctx, 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		sent := map[concierge.ChatID]string{}
		var ds []concierge.Delivery
		var convs []concierge.ConversationID
		for _, msgs := range batch {
			for _, o := range msgs {
				sent[o.Chat] = o.TraceParent
				ds = append(ds, concierge.Delivery{ID: o.ID, Conversation: o.Conversation, Status: concierge.DeliverySent})
			}
			convs = append(convs, msgs[0].Conversation)
		}
		if want := traceparent(turnSC); sent["a"] != want {
			t.Errorf("outbound of a: traceparent %q, want the turn span's %q", sent["a"], want)
		}
		if v, ok := sent["b"]; !ok || v != "" {
			t.Errorf("outbound of b: traceparent %q (claimed %v), want none", v, ok)
		}
		if err := db.FinishOutbox(ctx, ds, convs); err != nil {
			t.Fatal(err)
		}

		// The leased path (LLM bots) hands the traceparent over too.
		wctx, webhook = tracer.Start(ctx, "webhook")
		if _, err := in.Ingest(wctx, []concierge.Event{textEvent("c", "k3", "hey")}); err != nil {
			t.Fatal(err)
		}
		webhook.End()
		want := ""
		for _, s := range rec.Ended() {
			if s.Name() == "ingest" && s.Parent().SpanID() == webhook.SpanContext().SpanID() {
				want = traceparent(s.SpanContext())
			}
		}
		var leased, applied string
		l, err := db.LeaseTurn(ctx, []concierge.BotID{"shop"}, time.Minute, func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
			leased = ev.TraceParent
			return nil
		})
		if err != nil || l == nil {
			t.Fatalf("LeaseTurn = %v, %v", l, err)
		}
		if _, err := db.ApplyTurn(ctx, l, func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
			applied = ev.TraceParent
			return nil
		}, nil); err != nil {
			t.Fatal(err)
		}
		if want == "" || leased != want || applied != want {
			t.Errorf("leased turn: traceparent %q at lease, %q at apply, want %q", leased, applied, want)
		}
	})
}

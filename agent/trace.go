package agent

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/tracing"
)

// turnSpan starts the span of one turn of conv about ev. It starts a trace
// of its own, linked to the ingest span that stored ev (its traceparent
// came through the store), since a turn runs later than its webhook and
// in a batch with other customers' turns. The messages the turn emits
// keep this span's traceparent, so that their sends link to it.
func turnSpan(ctx context.Context, tp trace.TracerProvider, name string, conv *concierge.Conversation, ev *concierge.Event) (context.Context, trace.Span) {
	opts := append(tracing.LinkTo(ev.TraceParent), trace.WithAttributes(
		attribute.String("concierge.bot", string(conv.Bot)),
		attribute.String("concierge.channel", string(conv.Channel)),
		attribute.Int64("concierge.conversation", int64(conv.ID)),
		attribute.String("concierge.event.kind", string(ev.Kind)),
	))
	return tracing.Tracer(tp).Start(ctx, name, opts...)
}

// traced wraps a turn function in a "turn" span.
func traced(tp trace.TracerProvider, turn TurnFunc) TurnFunc {
	return func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) (err error) {
		ctx, span := turnSpan(ctx, tp, "turn", conv, ev)
		defer func() { tracing.End(span, err) }()
		return turn(ctx, tx, conv, ev)
	}
}

// tracedFail wraps a fail function in a "turn.fail" span, so that the
// apology it sends, and its log line, are tied to the failed turn's
// cause.
func tracedFail(tp trace.TracerProvider, fail FailFunc) FailFunc {
	return func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event, cause error) (err error) {
		ctx, span := turnSpan(ctx, tp, "turn.fail", conv, ev)
		tracing.Fail(span, cause.Error())
		defer span.End()
		return fail(ctx, tx, conv, ev, cause)
	}
}

// inTool marks a context inside a tool's span.
type inTool struct{}

// toolSpan starts the span of one tool call (a Tools method, called by a
// brain or replayed from a plan) under the turn's span, and returns the
// function that ends it. A tool that calls another (add_to_cart sets a
// quantity and reads the cart) is one span, not three. Tracing off, it
// costs a context lookup.
func toolSpan(ctx context.Context, name string) (context.Context, func()) {
	if !trace.SpanContextFromContext(ctx).IsValid() || ctx.Value(inTool{}) != nil {
		return ctx, func() {}
	}
	ctx, span := tracing.Child(ctx, "tool "+name, attribute.String("concierge.tool", name))
	return context.WithValue(ctx, inTool{}, true), func() { span.End() }
}

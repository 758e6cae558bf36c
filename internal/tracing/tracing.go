// Package tracing holds Concierge's small OpenTelemetry helpers: the
// tracer provider built from the standard OTEL_* variables (env.go), the
// W3C traceparent that carries a span across the store, and an
// slog.Handler that stamps log records with the active span (log.go).
//
// Only the roots of the pipeline's traces hold a provider, handed to them
// by cmd/concierge: the webhook (webhooks), the turn (agent's runners)
// and the send (the outbox). Everything under a root (ingest, brain,
// tools, model calls) starts its span with Child, which takes the
// provider of the span already in the context, so no package needs a
// global and a context without a span costs nothing. Any package may
// import this one; it imports no feature.
package tracing

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Scope is the instrumentation scope of every span Concierge starts.
const Scope = "github.com/conciergehq/concierge"

// Tracer returns tp's tracer for Concierge, or a no-op one when tp is nil
// (tracing off, or a part built without a provider in a test).
func Tracer(tp trace.TracerProvider) trace.Tracer {
	if tp == nil {
		return noop.NewTracerProvider().Tracer(Scope)
	}
	return tp.Tracer(Scope)
}

// Child starts a span under the one in ctx, from that span's provider. With
// no recording span in ctx it starts nothing that records.
func Child(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	parent := trace.SpanFromContext(ctx)
	if !parent.SpanContext().IsValid() {
		return ctx, parent // the no-op span of an empty context
	}
	return parent.TracerProvider().Tracer(Scope).Start(ctx, name, trace.WithAttributes(attrs...))
}

// End ends span, marking it failed with err's message when err is not nil.
// Errors reaching here are the ones the pipeline already logs and stores,
// which are stripped of credentials where they leave an adapter or client
// (STYLE.md rule 11), so the message is safe to export.
func End(span trace.Span, err error) {
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// Fail marks span failed with msg without ending it.
func Fail(span trace.Span, msg string) { span.SetStatus(codes.Error, msg) }

var w3c = propagation.TraceContext{}

// TraceParent returns the W3C traceparent of the span in ctx, or "" when
// there is none (tracing off): what the store keeps with a row so that
// the work that later reads the row can link back to the span that wrote
// it.
func TraceParent(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ""
	}
	c := propagation.MapCarrier{}
	w3c.Inject(ctx, c)
	return c.Get("traceparent")
}

// LinkTo returns the start option that links a new span to the span of
// traceparent; no option (nil) when traceparent is empty or not valid.
// The new span starts its own trace: a turn runs later than the webhook
// that stored its event, often in a batch with other customers' turns,
// so it is linked to its cause rather than made its child.
func LinkTo(traceparent string) []trace.SpanStartOption {
	sc, ok := Parse(traceparent)
	if !ok {
		return nil
	}
	return []trace.SpanStartOption{trace.WithLinks(trace.Link{SpanContext: sc})}
}

// Parse reads a W3C traceparent.
func Parse(traceparent string) (trace.SpanContext, bool) {
	if traceparent == "" {
		return trace.SpanContext{}, false
	}
	ctx := w3c.Extract(context.Background(), propagation.MapCarrier{"traceparent": traceparent})
	sc := trace.SpanContextFromContext(ctx)
	return sc, sc.IsValid()
}

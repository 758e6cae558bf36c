package tracing

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Provider is the server's tracer provider and how to flush it.
type Provider struct {
	trace.TracerProvider
	// Exporting is true when spans leave the process (an OTLP exporter is
	// set up); false for the no-op provider of tracing off.
	Exporting bool
	// Describe says where spans go, for the start-up log ("" when off).
	Describe string
	shutdown func(context.Context) error
	flush    func(context.Context) error
}

// ForceFlush exports the spans ended so far now, instead of at the
// batcher's next tick (tests; a no-op when tracing is off).
func (p *Provider) ForceFlush(ctx context.Context) error {
	if p.flush == nil {
		return nil
	}
	return p.flush(ctx)
}

// Shutdown exports the spans still buffered and stops the exporter. It is
// a no-op when tracing is off.
func (p *Provider) Shutdown(ctx context.Context) error {
	if p.shutdown == nil {
		return nil
	}
	return p.shutdown(ctx)
}

// FromEnv builds the tracer provider from the standard OpenTelemetry
// variables, read through getenv. Tracing is off (a no-op provider, no
// exporter, nothing leaves the process) unless an OTLP endpoint is set or
// OTEL_TRACES_EXPORTER=otlp asks for one; OTEL_SDK_DISABLED=true and
// OTEL_TRACES_EXPORTER=none turn it off whatever else is set. Off by
// default departs from the specification, whose default exporter is otlp,
// on purpose: a shop started with `make run` must not try to reach a
// collector on localhost:4318.
//
// Read here: OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER (otlp or none),
// OTEL_EXPORTER_OTLP_TRACES_PROTOCOL / OTEL_EXPORTER_OTLP_PROTOCOL
// (http/protobuf, the default, or grpc), OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
// / OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_SERVICE_NAME (default
// "concierge"). The SDK and exporter read the rest themselves from the
// process environment: OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER(_ARG),
// OTEL_BSP_*, and OTEL_EXPORTER_OTLP_(TRACES_)HEADERS, _TIMEOUT,
// _COMPRESSION, _CERTIFICATE, _INSECURE.
func FromEnv(ctx context.Context, getenv func(string) string, version string) (*Provider, error) {
	off := &Provider{TracerProvider: noop.NewTracerProvider()}
	tg, on, err := otlpTarget(getenv, tracesSignal)
	if err != nil {
		return nil, err
	}
	if !on {
		return off, nil
	}
	var exporter sdktrace.SpanExporter
	if tg.grpc {
		exporter, err = otlptracegrpc.New(ctx, grpcOpts(tg, otlptracegrpc.WithEndpointURL)...)
	} else {
		exporter, err = otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(tg.url))
	}
	if err != nil {
		return nil, fmt.Errorf("tracing: exporter: %w", err)
	}
	where := tg.where
	res, err := newResource(ctx, getenv, version)
	if err != nil {
		return nil, errors.Join(err, exporter.Shutdown(ctx))
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
	return &Provider{TracerProvider: tp, Exporting: true, Describe: withoutCredentials(where), shutdown: tp.Shutdown, flush: tp.ForceFlush}, nil
}

// newResource describes this process: service.name (OTEL_SERVICE_NAME,
// default concierge), service.version, the SDK, and
// OTEL_RESOURCE_ATTRIBUTES.
func newResource(ctx context.Context, getenv func(string) string, version string) (*resource.Resource, error) {
	base := []attribute.KeyValue{attribute.String("service.name", "concierge")}
	if version != "" {
		base = append(base, attribute.String("service.version", version))
	}
	opts := []resource.Option{resource.WithTelemetrySDK(), resource.WithAttributes(base...), resource.WithFromEnv()}
	// Later options win: OTEL_SERVICE_NAME beats a service.name in
	// OTEL_RESOURCE_ATTRIBUTES, as the specification says, and both beat
	// the default.
	if name := strings.TrimSpace(getenv("OTEL_SERVICE_NAME")); name != "" {
		opts = append(opts, resource.WithAttributes(attribute.String("service.name", name)))
	}
	res, err := resource.New(ctx, opts...)
	if err != nil && res == nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	// A partial resource (a malformed OTEL_RESOURCE_ATTRIBUTES entry)
	// still describes the service; the SDK keeps the entries it read.
	return res, nil
}

// withoutCredentials drops a URL's user info and query from what is
// logged of an endpoint.
func withoutCredentials(where string) string {
	proto, raw, ok := strings.Cut(where, " ")
	if !ok {
		return where
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return proto + " (endpoint not shown)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return proto + " " + u.String()
}

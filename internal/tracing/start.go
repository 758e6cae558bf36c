package tracing

import (
	"context"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// lastExport bounds the export of what is still buffered when serve ends.
const lastExport = 5 * time.Second

// Start builds serve's tracer provider from the OTEL_* variables (FromEnv:
// off unless an OTLP endpoint is set) and returns the function that
// exports what is still buffered when serve ends.
func Start(ctx context.Context, getenv func(string) string, version string, log *slog.Logger) (trace.TracerProvider, func(), error) {
	p, err := FromEnv(ctx, getenv, version)
	if err != nil {
		return nil, nil, err
	}
	if !p.Exporting {
		return p, func() {}, nil
	}
	log.Info("traces exported", "to", p.Describe)
	return p, func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lastExport)
		defer cancel()
		if err := p.Shutdown(ctx); err != nil {
			log.Error("traces: last export", "err", err)
		}
	}, nil
}

// StartExport builds one OTLP export of serve (metrics or logs) with
// build, from the OTEL_* variables (off unless an endpoint is set), and
// returns it and the function that exports what is still buffered when
// serve ends.
func StartExport(ctx context.Context, what string, log *slog.Logger, build func() (*Export, error)) (*Export, func(), error) {
	e, err := build()
	if err != nil {
		return nil, nil, err
	}
	if !e.Exporting() {
		return e, func() {}, nil
	}
	log.Info(what+" exported", "to", e.Describe)
	return e, func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lastExport)
		defer cancel()
		if err := e.Shutdown(ctx); err != nil {
			log.Error(what+": last export", "err", err)
		}
	}, nil
}

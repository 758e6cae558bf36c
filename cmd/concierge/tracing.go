package main

import (
	"context"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/conciergehq/concierge/internal/tracing"
)

// startTracing builds serve's tracer provider from the OTEL_* variables
// (tracing.FromEnv: off unless an OTLP endpoint is set) and returns the
// function that exports what is still buffered when serve ends.
func startTracing(ctx context.Context, getenv func(string) string, log *slog.Logger) (trace.TracerProvider, func(), error) {
	p, err := tracing.FromEnv(ctx, getenv, readBuildInfo().Version)
	if err != nil {
		return nil, nil, err
	}
	if !p.Exporting {
		return p, func() {}, nil
	}
	log.Info("traces exported", "to", p.Describe)
	return p, func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := p.Shutdown(ctx); err != nil {
			log.Error("traces: last export", "err", err)
		}
	}, nil
}

// startExport builds one OTLP export of serve (metrics or logs) with
// build from the OTEL_* variables (off unless an endpoint is set) and
// returns it and the function that exports what is still buffered when
// serve ends.
func startExport(ctx context.Context, what string, log *slog.Logger, build func() (*tracing.Export, error)) (*tracing.Export, func(), error) {
	e, err := build()
	if err != nil {
		return nil, nil, err
	}
	if !e.Exporting() {
		return e, func() {}, nil
	}
	log.Info(what+" exported", "to", e.Describe)
	return e, func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := e.Shutdown(ctx); err != nil {
			log.Error(what+": last export", "err", err)
		}
	}, nil
}

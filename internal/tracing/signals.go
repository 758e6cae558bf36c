package tracing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/contrib/bridges/otelslog"
	otelprom "go.opentelemetry.io/contrib/bridges/prometheus"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Export is the OTLP export of one signal other than traces: metrics or
// logs. Its zero value exports nothing.
type Export struct {
	// Describe says where the signal goes, for the start-up log ("" when
	// off).
	Describe string
	flush    func(context.Context) error
	shutdown func(context.Context) error
	handler  slog.Handler
}

// Exporting reports whether the signal leaves the process.
func (e *Export) Exporting() bool { return e.shutdown != nil }

// ForceFlush exports what was recorded so far now, instead of at the
// next interval (tests; a no-op when off).
func (e *Export) ForceFlush(ctx context.Context) error {
	if e.flush == nil {
		return nil
	}
	return e.flush(ctx)
}

// Shutdown exports what is still buffered and stops the exporter (a
// no-op when off).
func (e *Export) Shutdown(ctx context.Context) error {
	if e.shutdown == nil {
		return nil
	}
	return e.shutdown(ctx)
}

// MetricsFromEnv pushes the metrics of g (the server's Prometheus
// registry, the same that /metrics serves) over OTLP, read at each export
// through the OpenTelemetry Prometheus bridge, so that one set of
// metrics is defined once and reaches both a Prometheus scraper and an
// OTLP collector. It is off unless the variables ask for it, as traces
// (otlpTarget, signal METRICS); OTEL_METRIC_EXPORT_INTERVAL (default 60 s)
// and OTEL_METRIC_EXPORT_TIMEOUT are read by the SDK.
func MetricsFromEnv(ctx context.Context, getenv func(string) string, version string, g prometheus.Gatherer) (*Export, error) {
	tg, on, err := otlpTarget(getenv, metricsSignal)
	if err != nil || !on {
		return &Export{}, err
	}
	var exp sdkmetric.Exporter
	if tg.grpc {
		exp, err = otlpmetricgrpc.New(ctx, grpcOpts(tg, otlpmetricgrpc.WithEndpointURL)...)
	} else {
		exp, err = otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(tg.url))
	}
	if err != nil {
		return nil, fmt.Errorf("tracing: metrics exporter: %w", err)
	}
	res, err := newResource(ctx, getenv, version)
	if err != nil {
		return nil, errors.Join(err, exp.Shutdown(ctx))
	}
	reader := sdkmetric.NewPeriodicReader(exp, sdkmetric.WithProducer(otelprom.NewMetricProducer(otelprom.WithGatherer(g))))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithResource(res))
	return &Export{Describe: tg.where, flush: mp.ForceFlush, shutdown: mp.Shutdown}, nil
}

// LogsFromEnv sends the server's log records over OTLP too, as well as
// to standard error: Handler is what the logger adds. It is off unless
// the variables ask for it, as traces (otlpTarget, signal LOGS); the
// batch processor reads OTEL_BLRP_*. A record logged in a span carries
// its trace and span ids as OTLP fields.
func LogsFromEnv(ctx context.Context, getenv func(string) string, version string) (*Export, error) {
	tg, on, err := otlpTarget(getenv, logsSignal)
	if err != nil || !on {
		return &Export{}, err
	}
	var exp sdklog.Exporter
	if tg.grpc {
		exp, err = otlploggrpc.New(ctx, grpcOpts(tg, otlploggrpc.WithEndpointURL)...)
	} else {
		exp, err = otlploghttp.New(ctx, otlploghttp.WithEndpointURL(tg.url))
	}
	if err != nil {
		return nil, fmt.Errorf("tracing: logs exporter: %w", err)
	}
	res, err := newResource(ctx, getenv, version)
	if err != nil {
		return nil, errors.Join(err, exp.Shutdown(ctx))
	}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewBatchProcessor(exp)), sdklog.WithResource(res))
	return &Export{Describe: tg.where, flush: lp.ForceFlush, shutdown: lp.Shutdown,
		handler: otelslog.NewHandler("github.com/conciergehq/concierge", otelslog.WithLoggerProvider(lp))}, nil
}

// Tee returns log with its records also sent over OTLP at level and
// above, or log itself when logs are not exported.
func (e *Export) Tee(log *slog.Logger, level slog.Leveler) *slog.Logger {
	if e.handler == nil {
		return log
	}
	return slog.New(slog.NewMultiHandler(log.Handler(), leveled{e.handler, level}))
}

// leveled drops the records below its level, which the OTLP handler
// would otherwise all send.
type leveled struct {
	slog.Handler
	level slog.Leveler
}

func (h leveled) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level.Level() && h.Handler.Enabled(ctx, l)
}

func (h leveled) WithAttrs(attrs []slog.Attr) slog.Handler {
	return leveled{h.Handler.WithAttrs(attrs), h.level}
}

func (h leveled) WithGroup(name string) slog.Handler {
	return leveled{h.Handler.WithGroup(name), h.level}
}

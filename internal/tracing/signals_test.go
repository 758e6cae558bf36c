package tracing_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conciergehq/concierge/internal/tracing"
	"github.com/conciergehq/concierge/internal/tracing/tracingtest"
)

// TestMetricsAndLogsOffByDefault: without an endpoint, or with the
// signal's exporter set to none or the SDK disabled, nothing is
// exported; an exporter or a protocol it cannot do is refused.
func TestMetricsAndLogsOffByDefault(t *testing.T) {
	col := tracingtest.New(t)
	ctx := context.Background()
	for name, vars := range map[string]map[string]string{
		"nothing set":    {},
		"SDK disabled":   {"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": col.URL},
		"exporters none": {"OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": col.URL},
		"traces only":    {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": col.URL + "/v1/traces"},
	} {
		m, err := tracing.MetricsFromEnv(ctx, env(vars), "", prometheus.NewRegistry())
		if err != nil || m.Exporting() {
			t.Errorf("%s: metrics exporting=%v (%v), want off", name, m.Exporting(), err)
		}
		l, err := tracing.LogsFromEnv(ctx, env(vars), "")
		if err != nil || l.Exporting() {
			t.Errorf("%s: logs exporting=%v (%v), want off", name, l.Exporting(), err)
		}
		log := slog.New(slog.DiscardHandler)
		if l.Tee(log, slog.LevelInfo) != log {
			t.Errorf("%s: the logger changed with logs off", name)
		}
	}
	if _, err := tracing.MetricsFromEnv(ctx, env(map[string]string{"OTEL_METRICS_EXPORTER": "prometheus"}), "", prometheus.NewRegistry()); err == nil ||
		!strings.Contains(err.Error(), `OTEL_METRICS_EXPORTER="prometheus": only otlp and none`) {
		t.Errorf("OTEL_METRICS_EXPORTER=prometheus: %v", err)
	}
	if _, err := tracing.LogsFromEnv(ctx, env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": col.URL, "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "http/json"}), ""); err == nil ||
		!strings.Contains(err.Error(), `"http/json": only http/protobuf and grpc`) {
		t.Errorf("logs over http/json: %v", err)
	}
	if len(col.Metrics())+len(col.Logs()) != 0 {
		t.Errorf("the collector received %d metrics and %d logs with export off", len(col.Metrics()), len(col.Logs()))
	}
}

// TestMetricsFromEnvPushesRegistry: the Prometheus registry's metrics
// reach an OTLP collector, with the service's resource, through the
// common endpoint (path /v1/metrics) or the metrics' own.
func TestMetricsFromEnvPushesRegistry(t *testing.T) {
	for name, vars := range map[string]func(url string) map[string]string{
		"common endpoint": func(u string) map[string]string {
			return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": u, "OTEL_SERVICE_NAME": "shop-m"}
		},
		"metrics endpoint": func(u string) map[string]string {
			return map[string]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": u + "/v1/metrics", "OTEL_SERVICE_NAME": "shop-m"}
		},
	} {
		t.Run(name, func(t *testing.T) {
			col := tracingtest.New(t)
			ctx := context.Background()
			reg := prometheus.NewRegistry()
			sends := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "concierge_test_sends_total", Help: "test"}, []string{"outcome"})
			reg.MustRegister(sends)
			sends.WithLabelValues("sent").Add(3)
			sends.WithLabelValues("failed").Inc()
			m, err := tracing.MetricsFromEnv(ctx, env(vars(col.URL)), "v1.2.3", reg)
			if err != nil {
				t.Fatal(err)
			}
			if !m.Exporting() || !strings.Contains(m.Describe, "OTLP/HTTP") || !strings.HasSuffix(m.Describe, "/v1/metrics") {
				t.Fatalf("exporting=%v to %q", m.Exporting(), m.Describe)
			}
			if err := m.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			var found *tracingtest.Metric
			got := col.Metrics()
			for i := range got {
				if strings.HasPrefix(got[i].Name, "concierge_test_sends") {
					found = &got[i]
				}
			}
			if found == nil {
				t.Fatalf("the registry's counter did not reach the collector: %+v", got)
			}
			if found.Points != 2 || found.Resource["service.name"] != "shop-m" || found.Resource["service.version"] != "v1.2.3" {
				t.Errorf("metric %+v: want 2 points (one per outcome) from shop-m v1.2.3", *found)
			}
			if n, bad := col.Requests(); n != 0 || len(bad) != 0 {
				t.Errorf("%d trace exports, bad requests %v", n, bad)
			}
		})
	}
}

// TestLogsFromEnvTee: records at the logger's level and above go both to
// the logger's own output and to the collector, where one logged in a
// span carries its trace id; records below the level go to neither.
func TestLogsFromEnvTee(t *testing.T) {
	col := tracingtest.New(t)
	ctx := context.Background()
	vars := env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": col.URL})
	l, err := tracing.LogsFromEnv(ctx, vars, "v1")
	if err != nil || !l.Exporting() || !strings.HasSuffix(l.Describe, "/v1/logs") {
		t.Fatalf("logs: exporting=%v to %q (%v)", l.Exporting(), l.Describe, err)
	}
	var out bytes.Buffer
	base, err := tracing.NewLogger(&out, "text", slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	log := l.Tee(base, slog.LevelInfo).With("bot", "shop")
	p, err := tracing.FromEnv(ctx, vars, "v1")
	if err != nil {
		t.Fatal(err)
	}
	sctx, span := tracing.Tracer(p).Start(ctx, "webhook")
	log.InfoContext(sctx, "webhook accepted", "events", 2)
	span.End()
	log.Debug("below the level")
	log.Warn("outside a span")
	if err := l.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	got := col.Logs()
	if len(got) != 2 {
		t.Fatalf("the collector got %d records, want 2: %+v", len(got), got)
	}
	in, out2 := got[0], got[1]
	traceID := span.SpanContext().TraceID().String()
	if in.Body != "webhook accepted" || in.TraceID != traceID || in.Attrs["bot"] != "shop" || in.Attrs["events"] != "2" ||
		in.Severity != "SEVERITY_NUMBER_INFO" {
		t.Errorf("record in a span: %+v, want its trace %s and attributes", in, traceID)
	}
	if out2.Body != "outside a span" || out2.TraceID != "" || out2.Severity != "SEVERITY_NUMBER_WARN" {
		t.Errorf("record outside a span: %+v", out2)
	}
	if s := out.String(); !strings.Contains(s, "webhook accepted") || !strings.Contains(s, "trace_id="+traceID) ||
		!strings.Contains(s, "outside a span") || strings.Contains(s, "below the level") {
		t.Errorf("standard error lost or gained records:\n%s", s)
	}
}

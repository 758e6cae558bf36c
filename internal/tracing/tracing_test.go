package tracing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/conciergehq/concierge/internal/tracing"
	"github.com/conciergehq/concierge/internal/tracing/tracingtest"
)

// env is a getenv over a map.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnvIsOffByDefault(t *testing.T) {
	col := tracingtest.New(t)
	cases := map[string]map[string]string{
		"nothing set":      {},
		"SDK disabled":     {"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": col.URL},
		"exporter none":    {"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": col.URL},
		"only a name":      {"OTEL_SERVICE_NAME": "shop"},
		"disabled (TRUE)":  {"OTEL_SDK_DISABLED": "TRUE", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": col.URL + "/v1/traces"},
		"only the sampler": {"OTEL_TRACES_SAMPLER": "always_on"},
	}
	for name, vars := range cases {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			p, err := tracing.FromEnv(ctx, env(vars), "v1")
			if err != nil {
				t.Fatal(err)
			}
			if p.Exporting {
				t.Fatalf("exporting to %s", p.Describe)
			}
			sctx, span := tracing.Tracer(p).Start(ctx, "webhook")
			if span.IsRecording() {
				t.Error("a span of tracing off records")
			}
			if tp := tracing.TraceParent(sctx); tp != "" {
				t.Errorf("traceparent of tracing off = %q, want none", tp)
			}
			span.End()
			if err := p.ForceFlush(ctx); err != nil {
				t.Fatal(err)
			}
			if err := p.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
	if n, bad := col.Requests(); n != 0 || len(bad) != 0 {
		t.Errorf("the collector got %d exports (%v) from tracing that is off", n, bad)
	}
}

func TestFromEnvRefusesWhatItCannotDo(t *testing.T) {
	for name, vars := range map[string]map[string]string{
		"zipkin exporter": {"OTEL_TRACES_EXPORTER": "zipkin"},
		"http/json":       {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := tracing.FromEnv(context.Background(), env(vars), ""); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

// TestFromEnvExportsOTLPHTTP sends spans to the fake collector through the
// real exporter, configured only by the standard variables.
func TestFromEnvExportsOTLPHTTP(t *testing.T) {
	for name, vars := range map[string]func(url string) map[string]string{
		"base endpoint": func(u string) map[string]string {
			return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": u, "OTEL_SERVICE_NAME": "shop-a"}
		},
		"traces endpoint, exporter named": func(u string) map[string]string {
			return map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": u + "/v1/traces", "OTEL_TRACES_EXPORTER": "otlp",
				"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_SERVICE_NAME": "shop-a"}
		},
	} {
		t.Run(name, func(t *testing.T) {
			col := tracingtest.New(t)
			ctx := context.Background()
			p, err := tracing.FromEnv(ctx, env(vars(col.URL)), "v1.2.3")
			if err != nil {
				t.Fatal(err)
			}
			if !p.Exporting || !strings.Contains(p.Describe, "OTLP/HTTP") {
				t.Fatalf("Exporting=%v to %q", p.Exporting, p.Describe)
			}
			rctx, root := tracing.Tracer(p).Start(ctx, "webhook")
			_, child := tracing.Child(rctx, "ingest")
			child.End()
			root.End()
			if err := p.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			spans := col.Spans()
			if len(spans) != 2 {
				t.Fatalf("got %d spans:%s", len(spans), tracingtest.Dump(spans))
			}
			w, in := col.Named("webhook"), col.Named("ingest")
			if len(w) != 1 || len(in) != 1 || in[0].ParentSpanID != w[0].SpanID || in[0].TraceID != w[0].TraceID {
				t.Fatalf("ingest is not the webhook's child:%s", tracingtest.Dump(spans))
			}
			if got := w[0].Resource["service.name"]; got != "shop-a" {
				t.Errorf("service.name = %q", got)
			}
			if got := w[0].Resource["service.version"]; got != "v1.2.3" {
				t.Errorf("service.version = %q", got)
			}
			if w[0].Scope != tracing.Scope {
				t.Errorf("scope = %q", w[0].Scope)
			}
		})
	}
}

func TestFromEnvGRPCBuildsWithoutDialling(t *testing.T) {
	// Nothing listens there: the gRPC exporter connects lazily, so the
	// provider is built and spans are dropped at export, not at start.
	p, err := tracing.FromEnv(context.Background(), env(map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}), "")
	if err != nil {
		t.Fatal(err)
	}
	if !p.Exporting || !strings.HasPrefix(p.Describe, "OTLP/gRPC") {
		t.Fatalf("Exporting=%v to %q", p.Exporting, p.Describe)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // do not wait for the unreachable collector
	p.Shutdown(ctx)
}

func TestDescribeHidesCredentials(t *testing.T) {
	p, err := tracing.FromEnv(context.Background(), env(map[string]string{
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://user:s3cretpass@collector.example:4318/v1/traces?api_key=k3ykeyk3y"}), "")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(context.Background())
	if strings.Contains(p.Describe, "s3cretpass") || strings.Contains(p.Describe, "k3ykeyk3y") || !strings.Contains(p.Describe, "collector.example") {
		t.Fatalf("Describe = %q", p.Describe)
	}
}

func TestTraceParentAndLink(t *testing.T) {
	col := tracingtest.New(t)
	p, err := tracing.FromEnv(context.Background(), env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": col.URL}), "")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(context.Background())
	ctx, span := tracing.Tracer(p).Start(context.Background(), "ingest")
	defer span.End()
	tp := tracing.TraceParent(ctx)
	sc := span.SpanContext()
	want := "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"
	if tp != want {
		t.Fatalf("TraceParent = %q, want %q", tp, want)
	}
	got, ok := tracing.Parse(tp)
	if !ok || got.TraceID() != sc.TraceID() || got.SpanID() != sc.SpanID() {
		t.Fatalf("Parse(%q) = %v, %v", tp, got, ok)
	}
	if len(tracing.LinkTo(tp)) != 1 {
		t.Error("no link to a valid traceparent")
	}
	for _, bad := range []string{"", "garbage", "00-00000000000000000000000000000000-0000000000000000-01"} {
		if opts := tracing.LinkTo(bad); opts != nil {
			t.Errorf("LinkTo(%q) = %v, want none", bad, opts)
		}
	}
	if _, child := tracing.Child(context.Background(), "brain"); child.IsRecording() {
		t.Error("Child without a parent records")
	}
}

func TestLoggerFormats(t *testing.T) {
	col := tracingtest.New(t)
	p, err := tracing.FromEnv(context.Background(), env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": col.URL}), "")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(context.Background())
	ctx, span := tracing.Tracer(p).Start(context.Background(), "turn")
	defer span.End()
	sc := span.SpanContext()

	var buf bytes.Buffer
	log, err := tracing.NewLogger(&buf, "json", slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	log.With("bot", "maison").InfoContext(ctx, "in a span", "n", 3)
	log.Info("outside")
	log.DebugContext(ctx, "below the level")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines:\n%s", len(lines), buf.String())
	}
	var in, out map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &in); err != nil {
		t.Fatalf("%v: %s", err, lines[0])
	}
	if err := json.Unmarshal([]byte(lines[1]), &out); err != nil {
		t.Fatalf("%v: %s", err, lines[1])
	}
	for k, v := range map[string]any{"level": "INFO", "msg": "in a span", "bot": "maison", "n": 3.0,
		"trace_id": sc.TraceID().String(), "span_id": sc.SpanID().String()} {
		if in[k] != v {
			t.Errorf("%s = %v, want %v in %s", k, in[k], v, lines[0])
		}
	}
	if _, ok := in["time"]; !ok {
		t.Errorf("no time in %s", lines[0])
	}
	if _, ok := out["trace_id"]; ok {
		t.Errorf("a record outside any span has a trace id: %s", lines[1])
	}

	buf.Reset()
	log, err = tracing.NewLogger(&buf, "text", slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	log.InfoContext(ctx, "in a span")
	if s := buf.String(); !strings.Contains(s, "msg=\"in a span\" trace_id="+sc.TraceID().String()+" span_id="+sc.SpanID().String()) {
		t.Errorf("text line = %q", s)
	}
	if _, err := tracing.NewLogger(&buf, "yaml", slog.LevelInfo); err == nil {
		t.Error("format yaml accepted")
	}
}

package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/internal/tracing"
	"github.com/conciergehq/concierge/internal/tracing/tracingtest"
)

// otelVars are the variables FromEnv, MetricsFromEnv and LogsFromEnv read; the tests blank them so that
// the environment of the machine running them does not leak in.
var otelVars = []string{"OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT",
	"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_SERVICE_NAME",
	"OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
	"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL"}

// tracedShop starts the sample shop with serve's tracer provider, built
// from the process environment as serve builds it, and a JSON logger at
// debug level whose output is returned, with the function that stops the
// shop (after which every span has ended).
func tracedShop(t *testing.T, vars map[string]string) (*shop, *tracing.Provider, *syncBuffer, func()) {
	t.Helper()
	for _, k := range otelVars {
		t.Setenv(k, vars[k])
	}
	logs := &syncBuffer{}
	log, err := tracing.NewLogger(logs, "json", slog.LevelDebug)
	if err != nil {
		t.Fatal(err)
	}
	tp, flush, err := tracing.Start(context.Background(), os.Getenv, readBuildInfo().Version, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(flush)
	s, stop := startMain(t, &Main{ConfigPath: writeBot(t, sampleBot(t)), DBURL: tempSQLite(t), Traces: tp, Log: log})
	return s, tp.(*tracing.Provider), logs, stop
}

// TestTracesEndToEnd sends a message through the real pipeline (the web
// widget's HTTP endpoint, the store, the rules brain, the outbox) with
// traces exported over OTLP/HTTP to a fake collector, configured only by
// OTEL_* variables, and checks the spans' relations: webhook → ingest
// (child), turn → ingest (link), brain and tools under the turn, send →
// turn (link); and that a log line carries the webhook's trace id.
func TestTracesEndToEnd(t *testing.T) {
	col := tracingtest.New(t)
	s, tp, logs, stop := tracedShop(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": col.URL, "OTEL_SERVICE_NAME": "concierge-e2e"})
	if !tp.Exporting {
		t.Fatal("tracing is off with an endpoint set")
	}
	c := s.customer("en")
	if es := c.say("I look for a desk lamp"); len(es) == 0 {
		t.Fatal("no reply")
	}
	// Once the server has stopped, every span has ended.
	stop()
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := col.Spans()
	dump := tracingtest.Dump(spans)
	one := func(name string) tracingtest.Span {
		t.Helper()
		got := col.Named(name)
		if len(got) != 1 {
			t.Fatalf("%d %q spans, want 1:%s", len(got), name, dump)
		}
		return got[0]
	}
	webhook, ingest, turn, brain := one("webhook"), one("ingest"), one("turn"), one("brain")
	if webhook.ParentSpanID != "" || webhook.Kind != "SPAN_KIND_SERVER" || webhook.Attrs["http.route"] != "/chat/:bot/api/messages" ||
		webhook.Attrs["http.response.status_code"] != "202" || webhook.Attrs["concierge.bot"] != "maison-lumiere" {
		t.Errorf("webhook span is not the root server span of the widget's POST:%s", dump)
	}
	if webhook.Resource["service.name"] != "concierge-e2e" {
		t.Errorf("service.name = %q", webhook.Resource["service.name"])
	}
	if ingest.TraceID != webhook.TraceID || ingest.ParentSpanID != webhook.SpanID {
		t.Errorf("ingest is not the webhook's child:%s", dump)
	}
	if turn.ParentSpanID != "" || turn.TraceID == webhook.TraceID {
		t.Errorf("turn is not a trace of its own:%s", dump)
	}
	if !linksTo(turn, ingest) {
		t.Errorf("turn does not link to the ingest span:%s", dump)
	}
	if turn.Attrs["concierge.channel"] != "web" || turn.Attrs["concierge.bot"] != "maison-lumiere" {
		t.Errorf("turn attributes %v", turn.Attrs)
	}
	if brain.TraceID != turn.TraceID || brain.ParentSpanID != turn.SpanID {
		t.Errorf("brain is not the turn's child:%s", dump)
	}
	tools := 0
	for _, sp := range spans {
		if strings.HasPrefix(sp.Name, "tool ") {
			tools++
			if sp.TraceID != turn.TraceID || sp.ParentSpanID != brain.SpanID {
				t.Errorf("%s is not the brain's child:%s", sp.Name, dump)
			}
		}
	}
	if tools == 0 {
		t.Errorf("a search for a lamp called no tool:%s", dump)
	}
	sends := col.Named("send")
	if len(sends) == 0 {
		t.Fatalf("no send span:%s", dump)
	}
	for _, sp := range sends {
		if sp.ParentSpanID != "" || !linksTo(sp, turn) || sp.Attrs["concierge.channel"] != "web" || sp.Attrs["concierge.delivery"] != "sent" {
			t.Errorf("send span does not link to the turn, or was not sent:%s", dump)
		}
	}

	// A log line carries the webhook's trace id.
	found := false
	for _, line := range strings.Split(logs.String(), "\n") {
		var rec map[string]any
		if line == "" || json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		if rec["trace_id"] == webhook.TraceID && rec["span_id"] == webhook.SpanID {
			found = true
		}
	}
	if !found {
		t.Errorf("no log line with the webhook's trace id %s:\n%s", webhook.TraceID, logs.String())
	}
	if n, bad := col.Requests(); n == 0 || len(bad) > 0 {
		t.Errorf("collector: %d exports, bad requests %v", n, bad)
	}
}

func linksTo(s, to tracingtest.Span) bool {
	for _, l := range s.Links {
		if l.TraceID == to.TraceID && l.SpanID == to.SpanID {
			return true
		}
	}
	return false
}

// TestNoTracesWithoutOTEL: with no OTEL_* variable set, or tracing turned
// off by one, a message goes through the pipeline with nothing exported,
// no traceparent stored, and no trace id logged. The collector listens,
// and in the "off" cases the endpoint even names it.
func TestNoTracesWithoutOTEL(t *testing.T) {
	col := tracingtest.New(t)
	for name, vars := range map[string]map[string]string{
		"nothing set":   {},
		"SDK disabled":  {"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": col.URL},
		"exporter none": {"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": col.URL},
	} {
		t.Run(name, func(t *testing.T) {
			s, tp, logs, _ := tracedShop(t, vars)
			if tp.Exporting {
				t.Fatalf("exporting to %s", tp.Describe)
			}
			c := s.customer("en")
			if es := c.say("I look for a desk lamp"); len(es) == 0 {
				t.Fatal("no reply")
			}
			db, err := sql.Open("sqlite", strings.TrimPrefix(s.m.DBURL, "sqlite:"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var rows, traced int
			if err := db.QueryRow(`SELECT count(*), count(NULLIF(traceparent, '')) FROM messages`).Scan(&rows, &traced); err != nil {
				t.Fatal(err)
			}
			if rows < 2 || traced != 0 {
				t.Errorf("%d of %d messages have a traceparent", traced, rows)
			}
			if strings.Contains(logs.String(), "trace_id") {
				t.Errorf("a log line has a trace id:\n%s", logs.String())
			}
			if !strings.Contains(logs.String(), `"msg":"webhook"`) {
				t.Errorf("the webhook's debug line is missing, so the check above proves nothing:\n%s", logs.String())
			}
		})
	}
	if n, bad := col.Requests(); n != 0 || len(bad) != 0 {
		t.Errorf("the collector got %d exports (%v)", n, bad)
	}
}

// TestServeLogFormatJSON runs `concierge serve --log-format json` and
// checks that every line it logs is one JSON object with time, level and
// msg; and that an unknown format is refused.
func TestServeLogFormatJSON(t *testing.T) {
	for _, k := range otelVars {
		t.Setenv(k, "")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	args := []string{"serve", "--config", writeBot(t, sampleBot(t)), "--db", tempSQLite(t), "--addr", "127.0.0.1:0", "--log-format", "json"}
	go func() {
		code := run(ctx, args, strings.NewReader(""), io.Discard, pw, func(string) string { return "" })
		pw.Close()
		done <- code
	}()
	sc := bufio.NewScanner(pr)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if strings.Contains(sc.Text(), "concierge listening") {
			cancel() // listening: stop it, and read the rest of its log
		}
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d:\n%s", code, strings.Join(lines, "\n"))
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if len(lines) < 2 {
		t.Fatalf("serve logged %d lines:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Errorf("not JSON: %q", l)
			continue
		}
		for _, k := range []string{"time", "level", "msg"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("no %s in %q", k, l)
			}
		}
	}
	if !strings.Contains(strings.Join(lines, "\n"), `"msg":"concierge listening"`) {
		t.Errorf("no listening line:\n%s", strings.Join(lines, "\n"))
	}

	var stderr strings.Builder
	if code := run(context.Background(), []string{"serve", "--config", "x.yaml", "--log-format", "xml"}, strings.NewReader(""), io.Discard, &stderr, func(string) string { return "" }); code != 2 {
		t.Errorf("--log-format xml: exit %d, want 2 (%s)", code, stderr.String())
	}
}

// TestLLMTurnSpans: a turn of an LLM bot (leased, planned outside any
// transaction, applied in a short one) is one "turn" span linked to the
// ingest span, with the model's calls (model name, token counts) and the
// tool calls under its brain spans, and its send linked to it. The spans
// are those startMain records.
func TestLLMTurnSpans(t *testing.T) {
	f := newFakeModel(t, func(req openai.ChatCompletionRequest) (int, any) {
		if _, res := turn(req); len(res) == 0 {
			return calls(call("compare_products", `{"skus":["LAMP-01","LAMP-02"]}`))
		}
		return say("La Zénith est variable, l'Aurore est moins chère.")
	})
	y := strings.Replace(sampleBot(t), "kind: rules ", "kind: llm   ", 1)
	y = strings.Replace(y, `    api_key: "${LLM_API_KEY:-}"`, "    api_key: \"${LLM_API_KEY:-}\"\n    headers: { X-Gateway: shop-1 }", 1)
	env := map[string]string{"LLM_BASE_URL": f.srv.URL + "/v1", "LLM_MODEL": "test-model", "LLM_API_KEY": "test-key"}
	s, stop := startMain(t, &Main{ConfigPath: writeBot(t, y), DBURL: tempSQLite(t), Getenv: func(k string) string { return env[k] }})
	if es := s.customer("fr").say("Quelle différence entre l'Aurore et la Zénith ?"); len(es) == 0 {
		t.Fatal("no reply")
	}
	stop()
	spans := s.spans.Ended()
	var b strings.Builder
	byName := map[string][]sdktrace.ReadOnlySpan{}
	for _, sp := range spans {
		byName[sp.Name()] = append(byName[sp.Name()], sp)
		fmt.Fprintf(&b, "\n  %s span=%s parent=%s links=%d %v", sp.Name(), sp.SpanContext().SpanID(), sp.Parent().SpanID(), len(sp.Links()), sp.Attributes())
	}
	dump := b.String()
	if len(byName["ingest"]) != 1 || len(byName["turn"]) != 1 {
		t.Fatalf("want one ingest and one turn span:%s", dump)
	}
	ingest, tr := byName["ingest"][0], byName["turn"][0]
	if l := tr.Links(); len(l) != 1 || l[0].SpanContext.SpanID() != ingest.SpanContext().SpanID() {
		t.Errorf("turn does not link to the ingest span:%s", dump)
	}
	brains := map[string]bool{}
	for _, br := range byName["brain"] {
		if br.Parent().SpanID() != tr.SpanContext().SpanID() {
			t.Errorf("brain is not the turn's child:%s", dump)
		}
		brains[br.SpanContext().SpanID().String()] = true
	}
	// One brain span plans (the model's calls), one applies the plan.
	if len(brains) != 2 {
		t.Errorf("%d brain spans, want 2 (plan, apply):%s", len(brains), dump)
	}
	calls := byName["llm.chat"]
	if len(calls) != 2 {
		t.Fatalf("%d llm.chat spans, want 2:%s", len(calls), dump)
	}
	var in, out int64
	for _, c := range calls {
		if !brains[c.Parent().SpanID().String()] {
			t.Errorf("llm.chat is not under a brain span:%s", dump)
		}
		for _, kv := range c.Attributes() {
			switch kv.Key {
			case "gen_ai.usage.input_tokens":
				in += kv.Value.AsInt64()
			case "gen_ai.usage.output_tokens":
				out += kv.Value.AsInt64()
			case "gen_ai.request.model":
				if kv.Value.AsString() != "test-model" {
					t.Errorf("model %q", kv.Value.AsString())
				}
			}
		}
	}
	// The fake model counts 200+20 tokens for a tool call, 100+10 for text.
	if in != 300 || out != 30 {
		t.Errorf("tokens in %d, out %d; want 300, 30:%s", in, out, dump)
	}
	// compare_products runs twice: planned against the snapshot, then
	// replayed through the real tools.
	if got := len(byName["tool compare_products"]); got != 2 {
		t.Errorf("%d compare_products spans, want 2:%s", got, dump)
	}
	for _, tl := range byName["tool compare_products"] {
		if !brains[tl.Parent().SpanID().String()] {
			t.Errorf("tool is not under a brain span:%s", dump)
		}
	}
	if len(byName["send"]) == 0 {
		t.Fatalf("no send span:%s", dump)
	}
	for _, sd := range byName["send"] {
		if l := sd.Links(); len(l) != 1 || l[0].SpanContext.SpanID() != tr.SpanContext().SpanID() {
			t.Errorf("send does not link to the turn:%s", dump)
		}
	}
}

// TestServeExportsMetricsAndLogs runs `concierge serve` as a user would,
// with only OTEL_EXPORTER_OTLP_ENDPOINT pointing at a fake collector: the
// Prometheus metrics (concierge_build_info among them) are pushed at the
// export interval, and the log lines reach the collector too, until and
// including the last one at the stop.
func TestServeExportsMetricsAndLogs(t *testing.T) {
	col := tracingtest.New(t)
	for _, k := range otelVars {
		t.Setenv(k, "")
	}
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "100") // ms, read by the SDK
	vars := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": col.URL}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--config", "../../examples/maison-lumiere.yaml", "--db", tempSQLite(t), "--addr", "127.0.0.1:0"},
			strings.NewReader(""), io.Discard, &stderr, func(k string) string { return vars[k] })
	}()
	has := func(name string) bool {
		for _, m := range col.Metrics() {
			if m.Name == name && m.Points > 0 {
				return true
			}
		}
		return false
	}
	logged := func(body string) bool {
		for _, l := range col.Logs() {
			if l.Body == body && l.Resource["service.name"] == "concierge" {
				return true
			}
		}
		return false
	}
	testenv.WaitFor(t, "no concierge_build_info metric and start-up log at the collector", 20*time.Second, func() bool {
		return has("concierge_build_info") && logged("concierge listening")
	})
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d:\n%s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop within 20 s")
	}
	if !logged("concierge stopped") {
		t.Errorf("the last log line did not reach the collector: %+v", col.Logs())
	}
	if s := stderr.String(); !strings.Contains(s, "metrics exported") || !strings.Contains(s, "logs exported") {
		t.Errorf("serve did not say where metrics and logs go:\n%s", s)
	}
	if _, bad := col.Requests(); len(bad) > 0 {
		t.Errorf("bad exports: %v", bad)
	}
}

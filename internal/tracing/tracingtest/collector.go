// Package tracingtest is a fake OpenTelemetry collector for tests: an
// httptest server that speaks OTLP/HTTP with protobuf bodies (POST
// /v1/traces, /v1/metrics and /v1/logs, gzip or not) as the
// specification describes, and records every span, metric and log record
// it receives. Only tests import it.
package tracingtest

import (
	"compress/gzip"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	common "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/proto"
)

// Span is one received span, with ids in hex as in a traceparent.
type Span struct {
	Name         string
	TraceID      string
	SpanID       string
	ParentSpanID string // "" for a root
	Kind         string // SPAN_KIND_SERVER …
	Attrs        map[string]string
	Links        []Link
	Events       []Event
	StatusCode   string // STATUS_CODE_UNSET, _OK or _ERROR
	StatusMsg    string
	Resource     map[string]string
	Scope        string
}

// Link is a span's link to another.
type Link struct{ TraceID, SpanID string }

// Event is a span's event (an exception, …).
type Event struct {
	Name  string
	Attrs map[string]string
}

// Collector is the fake collector.
type Collector struct {
	*httptest.Server

	mu       sync.Mutex
	spans    []Span
	requests int // traces exports
	bad      []string
	metrics  []Metric
	logs     []LogRecord
}

// Metric is one received metric (one per export that carried it).
type Metric struct {
	Name     string
	Points   int // data points
	Resource map[string]string
}

// LogRecord is one received log record.
type LogRecord struct {
	Body     string
	Severity string // SEVERITY_NUMBER_INFO …
	TraceID  string // "" outside a span
	Attrs    map[string]string
	Resource map[string]string
}

// New starts a collector, closed when the test ends.
func New(t testing.TB) *Collector {
	c := &Collector{}
	c.Server = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.Close)
	return c
}

func (c *Collector) serve(w http.ResponseWriter, r *http.Request) {
	fail := func(code int, msg string) {
		c.mu.Lock()
		c.bad = append(c.bad, msg)
		c.mu.Unlock()
		http.Error(w, msg, code)
	}
	var req proto.Message
	switch {
	case r.Method != http.MethodPost:
	case r.URL.Path == "/v1/traces":
		req = &coltrace.ExportTraceServiceRequest{}
	case r.URL.Path == "/v1/metrics":
		req = &colmetrics.ExportMetricsServiceRequest{}
	case r.URL.Path == "/v1/logs":
		req = &collogs.ExportLogsServiceRequest{}
	}
	if req == nil {
		fail(http.StatusNotFound, fmt.Sprintf("%s %s: not an OTLP export", r.Method, r.URL.Path))
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-protobuf" {
		fail(http.StatusUnsupportedMediaType, "content type "+ct)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			fail(http.StatusBadRequest, err.Error())
			return
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		fail(http.StatusBadRequest, err.Error())
		return
	}
	if err := proto.Unmarshal(b, req); err != nil {
		fail(http.StatusBadRequest, "decode: "+err.Error())
		return
	}
	var resp proto.Message
	switch req := req.(type) {
	case *coltrace.ExportTraceServiceRequest:
		c.traces(req)
		resp = &coltrace.ExportTraceServiceResponse{}
	case *colmetrics.ExportMetricsServiceRequest:
		c.metricsOf(req)
		resp = &colmetrics.ExportMetricsServiceResponse{}
	case *collogs.ExportLogsServiceRequest:
		c.logsOf(req)
		resp = &collogs.ExportLogsServiceResponse{}
	}
	out, _ := proto.Marshal(resp)
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(out)
}

func (c *Collector) metricsOf(req *colmetrics.ExportMetricsServiceRequest) {
	var got []Metric
	for _, rm := range req.GetResourceMetrics() {
		res := attrs(rm.GetResource().GetAttributes())
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				n := len(m.GetSum().GetDataPoints()) + len(m.GetGauge().GetDataPoints()) + len(m.GetHistogram().GetDataPoints()) +
					len(m.GetSummary().GetDataPoints()) + len(m.GetExponentialHistogram().GetDataPoints())
				got = append(got, Metric{Name: m.GetName(), Points: n, Resource: res})
			}
		}
	}
	c.mu.Lock()
	c.metrics = append(c.metrics, got...)
	c.mu.Unlock()
}

func (c *Collector) logsOf(req *collogs.ExportLogsServiceRequest) {
	var got []LogRecord
	for _, rl := range req.GetResourceLogs() {
		res := attrs(rl.GetResource().GetAttributes())
		for _, sl := range rl.GetScopeLogs() {
			for _, l := range sl.GetLogRecords() {
				got = append(got, LogRecord{Body: value(l.GetBody()), Severity: l.GetSeverityNumber().String(),
					TraceID: hex.EncodeToString(l.GetTraceId()), Attrs: attrs(l.GetAttributes()), Resource: res})
			}
		}
	}
	c.mu.Lock()
	c.logs = append(c.logs, got...)
	c.mu.Unlock()
}

// Metrics returns the metrics received so far, in arrival order.
func (c *Collector) Metrics() []Metric {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Metric(nil), c.metrics...)
}

// Logs returns the log records received so far, in arrival order.
func (c *Collector) Logs() []LogRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]LogRecord(nil), c.logs...)
}

func (c *Collector) traces(req *coltrace.ExportTraceServiceRequest) {
	var got []Span
	for _, rs := range req.GetResourceSpans() {
		res := attrs(rs.GetResource().GetAttributes())
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				sp := Span{
					Name: s.GetName(), TraceID: hex.EncodeToString(s.GetTraceId()), SpanID: hex.EncodeToString(s.GetSpanId()),
					ParentSpanID: hex.EncodeToString(s.GetParentSpanId()), Kind: s.GetKind().String(),
					Attrs: attrs(s.GetAttributes()), StatusCode: s.GetStatus().GetCode().String(), StatusMsg: s.GetStatus().GetMessage(),
					Resource: res, Scope: ss.GetScope().GetName(),
				}
				for _, l := range s.GetLinks() {
					sp.Links = append(sp.Links, Link{TraceID: hex.EncodeToString(l.GetTraceId()), SpanID: hex.EncodeToString(l.GetSpanId())})
				}
				for _, e := range s.GetEvents() {
					sp.Events = append(sp.Events, Event{Name: e.GetName(), Attrs: attrs(e.GetAttributes())})
				}
				got = append(got, sp)
			}
		}
	}
	c.mu.Lock()
	c.spans = append(c.spans, got...)
	c.requests++
	c.mu.Unlock()
}

// attrs flattens OTLP attributes to strings (ints in decimal, arrays
// joined by commas), which is all the tests compare.
func attrs(kvs []*common.KeyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[kv.GetKey()] = value(kv.GetValue())
	}
	return m
}

func value(v *common.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *common.AnyValue_StringValue:
		return x.StringValue
	case *common.AnyValue_IntValue:
		return fmt.Sprint(x.IntValue)
	case *common.AnyValue_BoolValue:
		return fmt.Sprint(x.BoolValue)
	case *common.AnyValue_DoubleValue:
		return fmt.Sprint(x.DoubleValue)
	case *common.AnyValue_BytesValue:
		return string(x.BytesValue)
	case *common.AnyValue_ArrayValue:
		var parts []string
		for _, e := range x.ArrayValue.GetValues() {
			parts = append(parts, value(e))
		}
		return strings.Join(parts, ",")
	default:
		return fmt.Sprint(v)
	}
}

// Spans returns the spans received so far, in arrival order.
func (c *Collector) Spans() []Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Span(nil), c.spans...)
}

// Requests returns how many traces exports were received, and the bad
// requests (anything that was not a decodable OTLP/HTTP export).
func (c *Collector) Requests() (n int, bad []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests, append([]string(nil), c.bad...)
}

// Named returns the received spans called name.
func (c *Collector) Named(name string) []Span {
	var out []Span
	for _, s := range c.Spans() {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// Dump lists spans one a line, for a failing test's message.
func Dump(spans []Span) string {
	var b strings.Builder
	for _, s := range spans {
		keys := make([]string, 0, len(s.Attrs))
		for k := range s.Attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(&b, "\n  %s trace=%s span=%s parent=%s links=%v status=%s", s.Name, s.TraceID, s.SpanID, s.ParentSpanID, s.Links, s.StatusCode)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%q", k, s.Attrs[k])
		}
	}
	return b.String()
}

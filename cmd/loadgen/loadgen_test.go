package main

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseMetrics(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []sample
	}{
		{
			name: "comments and blank lines are skipped",
			in:   "# HELP up Is it up.\n# TYPE up gauge\n\nup 1\n",
			want: []sample{{Name: "up", Value: 1}},
		},
		{
			name: "labels",
			in:   `concierge_messages_sent_total{channel="web"} 31234` + "\n",
			want: []sample{{Name: "concierge_messages_sent_total", Labels: map[string]string{"channel": "web"}, Value: 31234}},
		},
		{
			name: "several labels, spaces and a trailing comma",
			in:   `http_requests_total{ route="/chat/:bot/api/messages" , status="202", } 7`,
			want: []sample{{Name: "http_requests_total", Labels: map[string]string{"route": "/chat/:bot/api/messages", "status": "202"}, Value: 7}},
		},
		{
			name: "escaped quote, backslash and newline in a label value",
			in:   `m{msg="say \"hi\"\\now\nthen"} 2`,
			want: []sample{{Name: "m", Labels: map[string]string{"msg": "say \"hi\"\\now\nthen"}, Value: 2}},
		},
		{
			name: "braces and equals inside a quoted value",
			in:   `m{path="/a{b}=c"} 3`,
			want: []sample{{Name: "m", Labels: map[string]string{"path": "/a{b}=c"}, Value: 3}},
		},
		{
			name: "timestamp is ignored",
			in:   "m 4 1712345678000\n",
			want: []sample{{Name: "m", Value: 4}},
		},
		{
			name: "scientific notation and +Inf bucket",
			in:   "a 1.5e+06\nb_bucket{le=\"+Inf\"} 30000\n",
			want: []sample{
				{Name: "a", Value: 1.5e6},
				{Name: "b_bucket", Labels: map[string]string{"le": "+Inf"}, Value: 30000},
			},
		},
		{
			name: "empty label set",
			in:   "m{} 5",
			want: []sample{{Name: "m", Labels: map[string]string{}, Value: 5}},
		},
		{
			name: "nothing",
			in:   "",
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMetrics(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("parseMetrics: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestParseMetricsSpecialValues(t *testing.T) {
	got, err := parseMetrics(strings.NewReader("a NaN\nb +Inf\nc -Inf\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || !math.IsNaN(got[0].Value) || !math.IsInf(got[1].Value, 1) || !math.IsInf(got[2].Value, -1) {
		t.Errorf("got %v", got)
	}
}

func TestParseMetricsErrors(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"no value", "lonely_metric\n", "line 1: no value"},
		{"no value after labels", `m{a="b"}` + "\n", "want a value"},
		{"bad value", "m twelve", "value"},
		{"too many fields", "m 1 2 3", "want a value"},
		{"unterminated labels", `m{a="b"`, "no closing brace"},
		{"value where a label should be", `m{a="b" 1`, "no '='"},
		{"unterminated value", `m{a="b} 1`, "no closing quote"},
		{"unquoted value", `m{a=b} 1`, "not quoted"},
		{"label without equals", `m{a} 1`, "no '='"},
		{"error names the line", "# ok\nok 1\nbad\n", "line 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseMetrics(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

// metricsPage is a trimmed scrape of a real server.
const metricsPage = `# HELP concierge_inbox_pending Inbound events stored and not yet handled (queue depth).
# TYPE concierge_inbox_pending gauge
concierge_inbox_pending 12
# HELP concierge_messages_sent_total Outbound messages delivered, by channel.
# TYPE concierge_messages_sent_total counter
concierge_messages_sent_total{channel="cli"} 3
concierge_messages_sent_total{channel="web"} 29871
# HELP concierge_outbox_pending Outbound messages not yet delivered.
# TYPE concierge_outbox_pending gauge
concierge_outbox_pending 0
# HELP concierge_send_failures_total Failed send attempts, by channel and outcome (retry, failed, undeliverable).
# TYPE concierge_send_failures_total counter
concierge_send_failures_total{channel="web",status="retry"} 2
concierge_send_failures_total{channel="web",status="failed"} 1
# HELP concierge_turns_total Inbound events handled by the agent, by result.
# TYPE concierge_turns_total counter
concierge_turns_total{result="done"} 29988
concierge_turns_total{result="failed"} 0
# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
`

func TestReadCounters(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want counters
	}{
		{
			name: "full scrape",
			in:   metricsPage,
			want: counters{Sent: 29871, SendFailures: 3, TurnsDone: 29988, CPUSeconds: 12.5, InboxPending: 12, OutboxPending: 0},
		},
		{
			// Counter vectors have no series before their first
			// increment; gauges the server did not export read as -1.
			name: "fresh server",
			in:   "# HELP go_goroutines x\ngo_goroutines 9\n",
			want: counters{InboxPending: -1, OutboxPending: -1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := parseMetrics(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := readCounters(s); got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestCountersSince(t *testing.T) {
	base := counters{Sent: 10, SendFailures: 1, TurnsDone: 8, TurnsFailed: 2, CPUSeconds: 0.5, InboxPending: 5, OutboxPending: 6}
	now := counters{Sent: 15, SendFailures: 1, TurnsDone: 12, TurnsFailed: 3, CPUSeconds: 2, InboxPending: 1, OutboxPending: 0}
	want := counters{Sent: 5, TurnsDone: 4, TurnsFailed: 1, CPUSeconds: 1.5, InboxPending: 1, OutboxPending: 0}
	if got := now.since(base); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// ds turns milliseconds into durations.
func ds(msecs ...int) []time.Duration {
	out := make([]time.Duration, len(msecs))
	for i, m := range msecs {
		out[i] = time.Duration(m) * time.Millisecond
	}
	return out
}

// upTo returns 1ms … n ms.
func upTo(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i+1) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one sample, p50", ds(7), 50, 7 * time.Millisecond},
		{"one sample, p99", ds(7), 99, 7 * time.Millisecond},
		{"two samples, p50 is the lower", ds(1, 2), 50, 1 * time.Millisecond},
		{"two samples, p99 is the upper", ds(1, 2), 99, 2 * time.Millisecond},
		{"odd count median", ds(1, 2, 3, 4, 5), 50, 3 * time.Millisecond},
		{"even count median", ds(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of 100 is the 99th, not the max", upTo(100), 99, 99 * time.Millisecond},
		{"p99 of 1000", upTo(1000), 99, 990 * time.Millisecond},
		{"p99.9 of 1000", upTo(1000), 99.9, 999 * time.Millisecond},
		{"p99 of 10 is the max", upTo(10), 99, 10 * time.Millisecond},
		{"p100 is the max", upTo(1000), 100, 1000 * time.Millisecond},
		{"p0 is the min", upTo(10), 0, 1 * time.Millisecond},
		{"above 100 is clamped", upTo(10), 150, 10 * time.Millisecond},
		{"repeated values", ds(1, 1, 1, 9), 50, 1 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(%d samples, %v) = %v, want %v", len(tt.sorted), tt.p, got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		in   []time.Duration
		want latencies
	}{
		{"empty", nil, latencies{}},
		{"unsorted input", ds(30, 10, 20), latencies{N: 3, P50: 20 * time.Millisecond, P99: 30 * time.Millisecond, Max: 30 * time.Millisecond}},
		{"one outlier", append(ds(5, 5, 5, 5, 5, 5, 5, 5, 5), time.Second), latencies{N: 10, P50: 5 * time.Millisecond, P99: time.Second, Max: time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := summarize(tt.in); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTallyOutcomes(t *testing.T) {
	ms := time.Millisecond
	outs := []outcome{
		{Made: true, Status: 202, Latency: 3 * ms},
		{Made: true, Status: 202, Latency: 1 * ms},
		{Made: true, Status: 202, Latency: 2 * ms, Duplicate: true},
		{Made: true, Status: 500, Latency: 50 * ms},
		{Made: true, Status: 503},
		{Made: true, Status: 500},
		{Made: true, Err: errors.New("post: connection refused")},
		{Made: true, Err: errors.New("post: second")},
		{Made: true, Status: statusBadAck},
		{}, // never made
	}
	got := tallyOutcomes(outs)
	if got.Requests != 9 || got.Acked != 3 || got.Duplicates != 1 || got.errorCount() != 6 {
		t.Errorf("requests %d acked %d duplicates %d errors %d, want 9 3 1 6", got.Requests, got.Acked, got.Duplicates, got.errorCount())
	}
	if want := "202 not accepted×1, 500×2, 503×1, transport×2"; got.errorSummary() != want {
		t.Errorf("errorSummary = %q, want %q", got.errorSummary(), want)
	}
	if got.FirstErr != "post: connection refused" {
		t.Errorf("FirstErr = %q", got.FirstErr)
	}
	// Only acked requests count towards latency.
	if want := (latencies{N: 3, P50: 2 * ms, P99: 3 * ms, Max: 3 * ms}); got.Latency != want {
		t.Errorf("Latency = %+v, want %+v", got.Latency, want)
	}
	if r := got.errorRate(); r != 6.0/9 {
		t.Errorf("errorRate = %v", r)
	}
}

func TestErrorRate(t *testing.T) {
	tests := []struct {
		name     string
		t        tally
		want     float64
		overLine bool
	}{
		{"no requests", tally{}, 0, false},
		{"all acked", tally{Requests: 1000, Acked: 1000}, 0, false},
		{"exactly 1% passes", tally{Requests: 1000, Acked: 990}, 0.01, false},
		{"just over 1% fails", tally{Requests: 1000, Acked: 989}, 0.011, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.t.errorRate()
			if math.Abs(got-tt.want) > 1e-12 || (got > maxErrorRate) != tt.overLine {
				t.Errorf("errorRate = %v (over the line: %v), want %v (%v)", got, got > maxErrorRate, tt.want, tt.overLine)
			}
		})
	}
}

func TestParseVmHWM(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int64
		wantErr bool
	}{
		{"real status", "Name:\tconcierge\nVmPeak:\t 1300000 kB\nVmHWM:\t   81236 kB\nVmRSS:\t   80000 kB\n", 81236 << 10, false},
		{"missing", "Name:\tconcierge\n", 0, true},
		{"bad unit", "VmHWM:\t 12 MB\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseVmHWM(strings.NewReader(tt.in))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestSlogField(t *testing.T) {
	line := `time=2026-05-01T10:00:00.000Z level=ERROR msg="outbox: send failed" channel=web err="dial: refused"`
	tests := []struct{ key, want string }{
		{"time", "2026-05-01T10:00:00.000Z"},
		{"level", "ERROR"},
		{"msg", "outbox: send failed"},
		{"channel", "web"},
		{"err", "dial: refused"},
		{"missing", ""},
	}
	for _, tt := range tests {
		if got := slogField(line, tt.key); got != tt.want {
			t.Errorf("slogField(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct{ line, want string }{
		{`time=x level=INFO msg=listening`, ""},
		{`time=x level=WARN msg="slow turn"`, "WARN"},
		{`time=x level=ERROR msg="turn failed"`, "ERROR"},
		{`panic: runtime error: index out of range`, "ERROR"},
		{`concierge serve: listen tcp: address already in use`, "ERROR"},
		{`goroutine 1 [running]:`, ""},
	}
	for _, tt := range tests {
		if got := classify(tt.line); got != tt.want {
			t.Errorf("classify(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

func TestSessionIDsAreValid(t *testing.T) {
	for _, c := range []int{0, 1, 1999, 9_999_999} {
		for _, run := range []string{"tput", "rate"} {
			s := sessionID(run, c)
			if len(s) < 16 || len(s) > 64 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != "" {
				t.Errorf("sessionID(%q, %d) = %q does not fit [A-Za-z0-9_-]{16,64}", run, c, s)
			}
		}
	}
}

func TestShopperMessageKeepsOneLocalePerConversation(t *testing.T) {
	for c := range 6 {
		first, _ := shopperMessage(c, 0)
		for k := range 20 {
			if loc, text := shopperMessage(c, k); loc != first || text == "" {
				t.Errorf("conversation %d message %d: locale %q text %q, want locale %q", c, k, loc, text, first)
			}
		}
	}
}

func TestCommandLine(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"/tmp/go-build123/b001/exe/loadgen", "-bin", "./bin/concierge"}, "go run ./cmd/loadgen -bin ./bin/concierge"},
		{[]string{"./loadgen", "-out", "my results.md"}, "loadgen -out 'my results.md'"},
	}
	for _, tt := range tests {
		if got := commandLine(tt.argv); got != tt.want {
			t.Errorf("commandLine(%q) = %q, want %q", tt.argv, got, tt.want)
		}
	}
}

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// sample is one line of the Prometheus text exposition format:
// name{label="value",…} value [timestamp].
type sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// parseMetrics reads the Prometheus text format as served by GET /metrics.
// It reads only what loadgen needs and is strict about the rest: comment
// and blank lines are skipped, the optional timestamp is ignored, and label
// values may hold the format's three escapes (\\, \" and \n). A malformed
// line is an error rather than a silent zero, because a zero would read as
// "nothing delivered".
func parseMetrics(r io.Reader) ([]sample, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var out []sample
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		s, err := parseSample(text)
		if err != nil {
			return nil, fmt.Errorf("metrics: line %d: %w", line, err)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("metrics: read: %w", err)
	}
	return out, nil
}

// parseSample parses one non-comment line.
func parseSample(line string) (sample, error) {
	i := strings.IndexAny(line, "{ \t")
	if i <= 0 {
		return sample{}, fmt.Errorf("no value in %q", line)
	}
	s := sample{Name: line[:i]}
	rest := line[i:]
	if rest[0] == '{' {
		labels, after, err := parseLabels(rest[1:])
		if err != nil {
			return sample{}, fmt.Errorf("%s: %w", s.Name, err)
		}
		s.Labels, rest = labels, after
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 || len(fields) > 2 {
		return sample{}, fmt.Errorf("%s: want a value and an optional timestamp, got %q", s.Name, rest)
	}
	v, err := strconv.ParseFloat(fields[0], 64) // also reads NaN, +Inf and -Inf
	if err != nil {
		return sample{}, fmt.Errorf("%s: value: %w", s.Name, err)
	}
	s.Value = v
	return s, nil
}

// parseLabels reads `key="value",…}` (the text after the opening brace)
// and returns the labels and the text after the closing brace. Each turn
// of the loop consumes at least one byte, so it ends.
func parseLabels(s string) (map[string]string, string, error) {
	labels := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return nil, "", errors.New("labels: no closing brace")
		}
		if s[0] == '}' {
			return labels, s[1:], nil
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return nil, "", fmt.Errorf("labels: no '=' in %q", s)
		}
		key := strings.TrimSpace(s[:eq])
		s = strings.TrimLeft(s[eq+1:], " \t")
		if s == "" || s[0] != '"' {
			return nil, "", fmt.Errorf("labels: value of %s is not quoted", key)
		}
		val, n, err := unquoteLabel(s[1:])
		if err != nil {
			return nil, "", fmt.Errorf("labels: %s: %w", key, err)
		}
		labels[key] = val
		s = strings.TrimLeft(s[1+n:], " \t")
		s = strings.TrimPrefix(s, ",")
	}
}

// unquoteLabel reads a label value up to its closing quote (s starts just
// after the opening one) and returns the value and the number of bytes
// read, closing quote included.
func unquoteLabel(s string) (string, int, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 == len(s) {
				return "", 0, errors.New("value ends in a backslash")
			}
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case '\\', '"':
				b.WriteByte(s[i])
			default: // not an escape the format defines: keep it as written
				b.WriteByte('\\')
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, errors.New("value has no closing quote")
}

// sum adds up the series called name whose labels include every pair of
// want. A counter vector has no series until it is first incremented, so
// "no match" is 0, not an error.
func sum(samples []sample, name string, want map[string]string) float64 {
	var total float64
	for _, s := range samples {
		if s.Name == name && hasLabels(s.Labels, want) {
			total += s.Value
		}
	}
	return total
}

// gauge returns the value of the single series called name, and whether
// there was one.
func gauge(samples []sample, name string) (float64, bool) {
	for _, s := range samples {
		if s.Name == name {
			return s.Value, true
		}
	}
	return 0, false
}

func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// counters are the server's pipeline metrics that loadgen follows.
type counters struct {
	// Counters, since the server started.
	Sent         float64 // concierge_messages_sent_total{channel="web"}: replies delivered
	SendFailures float64 // concierge_send_failures_total{channel="web"}, every status
	TurnsDone    float64 // concierge_turns_total{result="done"}
	TurnsFailed  float64 // concierge_turns_total{result="failed"}
	CPUSeconds   float64 // process_cpu_seconds_total: the server's user+system CPU time

	// Gauges; -1 when the server could not count (its store timed out) or
	// did not export them.
	InboxPending  float64 // concierge_inbox_pending
	OutboxPending float64 // concierge_outbox_pending
}

// readCounters picks loadgen's metrics of the web chat out of one scrape.
func readCounters(samples []sample) counters { return readChannelCounters(samples, "web") }

// readChannelCounters picks loadgen's metrics out of one scrape, with the
// replies of channel.
func readChannelCounters(samples []sample, channel string) counters {
	ch := map[string]string{"channel": channel}
	c := counters{
		Sent:          sum(samples, "concierge_messages_sent_total", ch),
		SendFailures:  sum(samples, "concierge_send_failures_total", ch),
		TurnsDone:     sum(samples, "concierge_turns_total", map[string]string{"result": "done"}),
		TurnsFailed:   sum(samples, "concierge_turns_total", map[string]string{"result": "failed"}),
		CPUSeconds:    sum(samples, "process_cpu_seconds_total", nil),
		InboxPending:  -1,
		OutboxPending: -1,
	}
	if v, ok := gauge(samples, "concierge_inbox_pending"); ok {
		c.InboxPending = v
	}
	if v, ok := gauge(samples, "concierge_outbox_pending"); ok {
		c.OutboxPending = v
	}
	return c
}

// since returns c with base's counters subtracted; gauges are kept as
// they are.
func (c counters) since(base counters) counters {
	c.Sent -= base.Sent
	c.SendFailures -= base.SendFailures
	c.TurnsDone -= base.TurnsDone
	c.TurnsFailed -= base.TurnsFailed
	c.CPUSeconds -= base.CPUSeconds
	return c
}

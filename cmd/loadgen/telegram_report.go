package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// telegramReport is everything -channel telegram prints.
type telegramReport struct {
	Date                  time.Time
	Machine               machine
	Command               string
	Settings              string
	LoadBefore, LoadAfter string
	Pairs                 []tgPair
}

// tgPair is the two runs of one platform latency; a run is nil when it did
// not happen.
type tgPair struct {
	Latency   time.Duration
	Concierge *tgResult
	Baseline  *tgResult
}

func newTelegramReport(o options, argv []string) telegramReport {
	return telegramReport{
		Date:       time.Now(),
		Machine:    probeMachine(o.Bin),
		LoadBefore: loadAverage(),
		Command:    commandLine(argv),
		Settings: fmt.Sprintf("-channel telegram -conns %d -conversations %d -n %d -platform-latency %s -drain %v -config %s -bot %s",
			o.Conns, o.Conversations, o.N, o.Latencies.String(), o.Drain, o.Config, o.Bot),
	}
}

// headRows are the lines about the whole invocation.
func (r telegramReport) headRows() []row {
	m := r.Machine
	return []row{
		{"date", r.Date.Format("2006-01-02 15:04:05 MST")},
		{"machine", fmt.Sprintf("%d CPUs (nproc), %s, loadgen %s, server %s", m.CPUs, m.Arch, m.Go, m.Server)},
		{"load average (1 min)", fmt.Sprintf("%s at start, %s at end", r.LoadBefore, r.LoadAfter)},
		{"command", r.Command},
		{"settings", r.Settings},
		{"baseline", "cmd/loadgen/echobot: go-telegram-bot-api v5.5.1, HandleUpdate then bot.Send(NewMessage(chat, text)) before the 200, nothing stored; its HTTP client keeps 256 idle connections to the Bot API"},
	}
}

// cmpRow is one line of a pair's table: a label, each program's figure,
// and Concierge ÷ echo bot where a ratio means something.
type cmpRow struct {
	Label, Concierge, Baseline, Ratio string
}

// pairRows compares the two runs of one latency.
func pairRows(p tgPair) []cmpRow {
	c, b := p.Concierge, p.Baseline
	each := func(f func(*tgResult) string) (string, string) {
		cs, bs := "not run", "not run"
		if c != nil {
			cs = f(c)
		}
		if b != nil {
			bs = f(b)
		}
		return cs, bs
	}
	val := func(f func(*tgResult) float64) (float64, float64) {
		var cv, bv float64
		if c != nil {
			cv = f(c)
		}
		if b != nil {
			bv = f(b)
		}
		return cv, bv
	}
	var rows []cmpRow
	add := func(label string, f func(*tgResult) string, ratio string) {
		cs, bs := each(f)
		rows = append(rows, cmpRow{label, cs, bs, ratio})
	}
	p50 := func(r *tgResult) float64 { return float64(r.Latency.P50) }
	p99 := func(r *tgResult) float64 { return float64(r.Latency.P99) }

	add("load average at start", func(r *tgResult) string { return r.Load }, "")
	add("ack throughput", func(r *tgResult) string {
		return fmt.Sprintf("%.0f msg/s (%d/%d in %s)", r.ackRate(), r.Acked, r.Requests, secs(r.Wall))
	}, ratio(val((*tgResult).ackRate)))
	add("ack latency p50", func(r *tgResult) string { return latencyOr(r, r.Latency.P50) }, ratio(val(p50)))
	add("ack latency p99", func(r *tgResult) string { return latencyOr(r, r.Latency.P99) }, ratio(val(p99))+" (lower is better)")
	add("ack latency max", func(r *tgResult) string { return latencyOr(r, r.Latency.Max) }, "")
	add("errors", func(r *tgResult) string { return errorLine(r.tally) }, "")
	add("replies delivered", repliesLine, "")
	add("replies/s end to end", func(r *tgResult) string {
		return fmt.Sprintf("%.0f replies/s (last reply %s after the first post)", r.repliesPerSec(), secs(r.LastReply))
	}, ratio(val((*tgResult).repliesPerSec)))
	add("turns (understood, stored)", turnsLine, "")
	add("CPU per message", func(r *tgResult) string {
		s := cpuPerMsg(r.CPUAck, r.Acked)
		if r.CPUEnd > r.CPUAck+0.005 {
			s += fmt.Sprintf("; %.2f s more while replies drained", r.CPUEnd-r.CPUAck)
		}
		return s
	}, ratio(val(func(r *tgResult) float64 {
		if r.Acked == 0 {
			return 0
		}
		return r.CPUAck / float64(r.Acked)
	})))
	add("peak RSS (VmHWM)", func(r *tgResult) string {
		if r.PeakRSS == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.1f MiB", float64(r.PeakRSS)/(1<<20))
	}, "")
	add("Bot API rule breaches", func(r *tgResult) string {
		if r.NBreaches == 0 {
			return "none"
		}
		return fmt.Sprintf("%d, e.g. %s", r.NBreaches, strings.Join(r.Breaches, "; "))
	}, "")
	add("stop (SIGTERM to exit)", func(r *tgResult) string {
		switch {
		case !r.Started:
			return "n/a"
		case r.Stop >= stopLimit:
			return fmt.Sprintf("not within %v: killed", stopLimit)
		}
		return secs(r.Stop)
	}, "")
	add("log", func(r *tgResult) string {
		switch {
		case !r.Started:
			return "n/a"
		case r.LogErr != nil:
			return r.LogErr.Error()
		}
		return fmt.Sprintf("%d errors, %d warnings in %d lines", r.Log.Errors, r.Log.Warnings, r.Log.Lines)
	}, "")
	return rows
}

func latencyOr(r *tgResult, d time.Duration) string {
	if r.Latency.N == 0 {
		return "n/a (no acks)"
	}
	return ms(d)
}

func repliesLine(r *tgResult) string {
	s := fmt.Sprintf("%d for %d acked updates", r.Replies, r.Acked)
	if r.SendErrs > 0 {
		s += fmt.Sprintf(", %d sends refused by the fake", r.SendErrs)
	}
	w := r.Watch
	switch {
	case w.TimedOut:
		s += " — the wait for replies ended (-drain)"
	case !w.Handled:
		s += " — interrupted"
	}
	return s
}

func turnsLine(r *tgResult) string {
	c := r.Watch.Last.Counters
	if c == nil {
		return "none (replies before the ack; nothing stored)"
	}
	s := fmt.Sprintf("%.0f done, %.0f failed", c.TurnsDone, c.TurnsFailed)
	if r.Watch.LastTurn > 0 {
		s += fmt.Sprintf(" (%.0f/s, last %s after the first post)", (c.TurnsDone+c.TurnsFailed)/r.Watch.LastTurn.Seconds(), secs(r.Watch.LastTurn))
	}
	s += fmt.Sprintf("; messages sent %.0f, failed send attempts %.0f, outbox pending at end %s", c.Sent, c.SendFailures, pending(c.OutboxPending))
	if r.Watch.Scrapes > 0 {
		s += fmt.Sprintf("; %d scrapes failed (last: %v)", r.Watch.Scrapes, r.Watch.ScrapeErr)
	}
	return s
}

func cpuPerMsg(cpu float64, msgs int) string {
	if cpu <= 0 || msgs == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f µs (%.2f s for %d)", 1e6*cpu/float64(msgs), cpu, msgs)
}

// ratio is a ÷ b as "0.56×", or "n/a" when either is missing.
func ratio(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "n/a"
	}
	switch q := a / b; {
	case q >= 10:
		return fmt.Sprintf("%.0f×", q)
	case q >= 0.1:
		return fmt.Sprintf("%.2f×", q)
	default:
		return fmt.Sprintf("%.3f×", q)
	}
}

// latencyTitle names a pair's section.
func latencyTitle(d time.Duration) string {
	return fmt.Sprintf("Telegram webhook, fake Bot API answering after %s", msShort(d))
}

func msShort(d time.Duration) string {
	return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)), "0"), ".") + " ms"
}

// failures are the reasons to exit 1 once the runs are done: a run with
// too many failed requests. Slowness is never one.
func (r telegramReport) failures() []string {
	var out []string
	for _, p := range r.Pairs {
		for _, x := range []*tgResult{p.Concierge, p.Baseline} {
			if x != nil && x.errorRate() > maxErrorRate {
				out = append(out, fmt.Sprintf("%s, platform latency %v: %d of %d requests failed (%.2f%% > %.0f%%): %s",
					x.Target, p.Latency, x.errorCount(), x.Requests, 100*x.errorRate(), 100*maxErrorRate, x.errorSummary()))
			}
		}
	}
	return out
}

// problems lists the programs' log errors and warnings, by run.
func (r telegramReport) problems() []string {
	var out []string
	for _, p := range r.Pairs {
		for _, x := range []*tgResult{p.Concierge, p.Baseline} {
			if x == nil {
				continue
			}
			for _, pr := range x.Log.Problems {
				out = append(out, fmt.Sprintf("%s at %s, %d×: %s", x.Target, msShort(p.Latency), pr.Count, pr.Example))
			}
		}
	}
	return out
}

// write prints the report for a terminal.
func (r telegramReport) write(w io.Writer) {
	head := r.headRows()
	width := 0
	for _, x := range head {
		width = max(width, len(x.Label))
	}
	fmt.Fprintln(w, "Concierge load test: Telegram")
	for _, x := range head {
		fmt.Fprintf(w, "  %-*s  %s\n", width, x.Label, x.Value)
	}
	for _, p := range r.Pairs {
		fmt.Fprintf(w, "%s\n", latencyTitle(p.Latency))
		rows := pairRows(p)
		lw := 0
		for _, x := range rows {
			lw = max(lw, len(x.Label))
		}
		for _, x := range rows {
			fmt.Fprintf(w, "  %-*s  %s: %s\n", lw, x.Label, targetConcierge, x.Concierge)
			fmt.Fprintf(w, "  %-*s  %s: %s\n", lw, "", targetEchobot, x.Baseline)
			if x.Ratio != "" {
				fmt.Fprintf(w, "  %-*s  Concierge ÷ echo bot: %s\n", lw, "", x.Ratio)
			}
		}
	}
	if ps := r.problems(); len(ps) > 0 {
		fmt.Fprintln(w, "Log problems (most frequent first):")
		for _, p := range ps {
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
}

// markdown writes the report as a section with one table per latency.
func (r telegramReport) markdown(w io.Writer) {
	fmt.Fprintf(w, "\n### Telegram load test, %s\n\n| | |\n|---|---|\n", r.Date.Format("2006-01-02 15:04 MST"))
	for _, x := range r.headRows() {
		fmt.Fprintf(w, "| %s | %s |\n", x.Label, mdCell(x.Value))
	}
	for _, p := range r.Pairs {
		fmt.Fprintf(w, "\n%s:\n\n| | %s | %s | Concierge ÷ echo bot |\n|---|---|---|---|\n", latencyTitle(p.Latency), targetConcierge, targetEchobot)
		for _, x := range pairRows(p) {
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", x.Label, mdCell(x.Concierge), mdCell(x.Baseline), mdCell(x.Ratio))
		}
	}
	if ps := r.problems(); len(ps) > 0 {
		fmt.Fprintln(w, "\nLog problems:")
		for _, p := range ps {
			fmt.Fprintf(w, "- %s\n", mdCell(p))
		}
	}
}

func appendTelegramMarkdown(path string, r telegramReport) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("out: %w", err)
	}
	r.markdown(f)
	if err := f.Close(); err != nil {
		return fmt.Errorf("out: %w", err)
	}
	return nil
}

package main

import (
	"debug/buildinfo"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// report is everything loadgen prints. The runs are nil when they did not
// happen (the first failed, or Ctrl-C).
type report struct {
	Date     time.Time
	Machine  machine
	Command  string
	Settings string
	// LoadBefore and LoadAfter are the 1-minute load average when loadgen
	// started and finished: figures taken on a machine busy with
	// something else are not comparable, and this says so.
	LoadBefore, LoadAfter string

	Throughput       *throughputResult
	ThroughputServer *serverStats
	Rate             *rateResult
	RateServer       *serverStats
	// Postgres is what PostgreSQL spent over both runs, on -db
	// postgres:// only (pgcost.go).
	Postgres *pgCost
}

func newReport(o options, argv []string) report {
	return report{
		Date:       time.Now(),
		Machine:    probeMachine(o.Bin),
		LoadBefore: loadAverage(),
		Command:    commandLine(argv),
		Settings: fmt.Sprintf("-conns %d -conversations %d -n %d -rate %d -duration %v -config %s -bot %s -replicas %d -db %s",
			o.Conns, o.Conversations, o.N, o.Rate, o.Duration, o.Config, o.Bot, o.Replicas, dbKind(o.DB)),
	}
}

// dbKind names the database of the runs without its URL.
func dbKind(db string) string {
	if db == "" {
		return "sqlite(temporary)"
	}
	if isPostgresURL(db) {
		return "postgres"
	}
	return "given"
}

// machine says where the figures were taken, since they mean nothing
// without it.
type machine struct {
	CPUs   int    // as nproc counts them: the CPUs this process may use
	Arch   string // uname -m
	Go     string // the toolchain loadgen was built with
	Server string // the toolchain and revision of the server binary
}

func probeMachine(bin string) machine {
	m := machine{CPUs: runtime.NumCPU(), Arch: runtime.GOARCH, Go: runtime.Version(), Server: "unknown build"}
	if out, err := exec.Command("uname", "-m").Output(); err == nil {
		m.Arch = strings.TrimSpace(string(out))
	}
	if bi, err := buildinfo.ReadFile(bin); err == nil {
		m.Server = bi.GoVersion
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value[:min(12, len(s.Value))]
			case "vcs.modified":
				if s.Value == "true" {
					modified = " (modified)"
				}
			}
		}
		if rev != "" {
			m.Server += ", rev " + rev + modified
		}
	}
	return m
}

// loadAverage returns the 1-minute load average from /proc/loadavg, or
// "n/a" where there is none.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "n/a"
	}
	return f[0]
}

// commandLine is the command as the user would type it again. Under `go
// run` the program is a temporary build, so it is named by its source.
func commandLine(argv []string) string {
	prog := filepath.Base(argv[0])
	if strings.Contains(argv[0], "go-build") {
		prog = "go run ./cmd/loadgen"
	}
	parts := []string{prog}
	for _, a := range argv[1:] {
		if isPostgresURL(a) {
			a = hidePassword(a) // the report is shared; the database's password is not
		}
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(parts, " ")
}

// hidePassword replaces the password of a database URL with xxxxx, and
// the whole URL when it does not parse.
func hidePassword(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return u.Redacted()
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// row is one line of the report.
type row struct{ Label, Value string }

func (r report) rows() []row {
	m := r.Machine
	rows := []row{
		{"date", r.Date.Format("2006-01-02 15:04:05 MST")},
		{"machine", fmt.Sprintf("%d CPUs (nproc), %s, loadgen %s, server %s", m.CPUs, m.Arch, m.Go, m.Server)},
		{"load average (1 min)", fmt.Sprintf("%s at start, %s at end", r.LoadBefore, r.LoadAfter)},
		{"command", r.Command},
		{"settings", r.Settings},
	}
	if t := r.Throughput; t != nil {
		rows = append(rows, throughputRows(*t)...)
	}
	if rt := r.Rate; rt != nil {
		rows = append(rows, rateRows(*rt)...)
	}
	rows = append(rows,
		row{"peak RSS (VmHWM)", fmt.Sprintf("throughput run %s, fixed-rate run %s", peakRSS(r.ThroughputServer), peakRSS(r.RateServer))},
		row{"server log", fmt.Sprintf("throughput run %s; fixed-rate run %s", logLine(r.ThroughputServer), logLine(r.RateServer))},
	)
	if r.Postgres != nil {
		rows = append(rows, r.Postgres.rows()...)
	}
	return rows
}

func throughputRows(t throughputResult) []row {
	d := t.Delivery
	state := ""
	switch {
	case d.TimedOut:
		state = fmt.Sprintf(" — NOT ALL HANDLED after waiting %v", drainLimit)
	case !d.Handled:
		state = " — interrupted"
	}
	rows := []row{
		{"ack throughput", fmt.Sprintf("%.0f msg/s (%d/%d acked in %s)", t.ackRate(), t.Acked, t.Requests, secs(t.Wall))},
		{"ack latency", latencyLine(t.Latency)},
		{"errors", errorLine(t.tally)},
		{"replies delivered", fmt.Sprintf("%.0f for %d acked messages; turns %.0f done, %.0f failed; send failures %.0f; pending at end: inbox %s, outbox %s%s",
			d.Last.Sent, t.Acked, d.Last.TurnsDone, d.Last.TurnsFailed, d.Last.SendFailures, pending(d.Last.InboxPending), pending(d.Last.OutboxPending), state)},
		{"replies/s end to end", fmt.Sprintf("%.0f replies/s (last reply seen %s after the first post)", d.repliesPerSec(), secs(d.LastReply))},
		{"server CPU", cpuLine(d.Last.CPUSeconds, t.Acked)},
	}
	if d.ScrapeErrors > 0 {
		rows = append(rows, row{"metrics scrapes failed", fmt.Sprintf("%d (last: %v)", d.ScrapeErrors, d.ScrapeErr)})
	}
	return rows
}

func rateRows(r rateResult) []row {
	return []row{
		{"fixed rate", fmt.Sprintf("target %d msg/s for %v: achieved %.0f msg/s (%d/%d acked in %s; generator late by at most %s)",
			r.Target, r.Window, r.achieved(), r.Acked, r.Scheduled, secs(r.Elapsed), ms(r.MaxLag))},
		{"fixed-rate ack latency", latencyLine(r.Latency) + " (from the due time)"},
		{"fixed-rate errors", errorLine(r.tally)},
		{"fixed-rate agent at end", fmt.Sprintf("turns %.0f done, %.0f failed; %.0f replies delivered; inbox %s pending",
			r.End.TurnsDone, r.End.TurnsFailed, r.End.Sent, pending(r.End.InboxPending))},
		{"fixed-rate server CPU", cpuLine(r.End.CPUSeconds, r.Acked)},
	}
}

// cpuLine gives the server's CPU time per message, which, unlike the
// rates, holds up when something else is using the machine.
func cpuLine(cpu float64, msgs int) string {
	if cpu <= 0 || msgs == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f s user+system, %.0f µs per message", cpu, 1e6*cpu/float64(msgs))
}

func latencyLine(l latencies) string {
	if l.N == 0 {
		return "n/a (no acks)"
	}
	return fmt.Sprintf("p50 %s · p99 %s · max %s", ms(l.P50), ms(l.P99), ms(l.Max))
}

func errorLine(t tally) string {
	if t.errorCount() == 0 && t.Duplicates == 0 {
		return "none"
	}
	s := fmt.Sprintf("%s (%.2f%% of %d)", t.errorSummary(), 100*t.errorRate(), t.Requests)
	if t.FirstErr != "" {
		s += "; first transport error: " + t.FirstErr
	}
	if t.Duplicates > 0 {
		s += fmt.Sprintf("; %d acks said duplicate for fresh ids", t.Duplicates)
	}
	return s
}

func peakRSS(st *serverStats) string {
	if st == nil || st.PeakRSS == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MiB", float64(st.PeakRSS)/(1<<20))
}

func logLine(st *serverStats) string {
	switch {
	case st == nil || !st.Started:
		return "n/a"
	case st.LogErr != nil:
		return st.LogErr.Error()
	}
	return fmt.Sprintf("%d errors, %d warnings in %d lines", st.Log.Errors, st.Log.Warnings, st.Log.Lines)
}

func pending(v float64) string {
	if v < 0 {
		return "?"
	}
	return fmt.Sprintf("%.0f", v)
}

func ms(d time.Duration) string   { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

// problems lists the server log's errors and warnings, by run.
func (r report) problems() []string {
	var out []string
	for _, x := range []struct {
		run string
		st  *serverStats
	}{{"throughput", r.ThroughputServer}, {"fixed-rate", r.RateServer}} {
		if x.st == nil {
			continue
		}
		for _, p := range x.st.Log.Problems {
			out = append(out, fmt.Sprintf("%s run, %d×: %s", x.run, p.Count, p.Example))
		}
	}
	return out
}

// failures are the reasons to exit 1 once the runs are done: too many
// failed requests. Slowness is never one.
func (r report) failures() []string {
	var out []string
	check := func(run string, t tally) {
		if t.errorRate() > maxErrorRate {
			out = append(out, fmt.Sprintf("%s run: %d of %d requests failed (%.2f%% > %.0f%%): %s",
				run, t.errorCount(), t.Requests, 100*t.errorRate(), 100*maxErrorRate, t.errorSummary()))
		}
	}
	if r.Throughput != nil {
		check("throughput", r.Throughput.tally)
	}
	if r.Rate != nil {
		check("fixed-rate", r.Rate.tally)
	}
	return out
}

// write prints the report for a terminal.
func (r report) write(w io.Writer) {
	rows := r.rows()
	width := 0
	for _, x := range rows {
		width = max(width, len(x.Label))
	}
	fmt.Fprintln(w, "Concierge load test")
	for _, x := range rows {
		fmt.Fprintf(w, "  %-*s  %s\n", width, x.Label, x.Value)
	}
	if ps := r.problems(); len(ps) > 0 {
		fmt.Fprintln(w, "Server log problems (most frequent first):")
		for _, p := range ps {
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
}

// markdown writes the report as a section with a table, to be appended
// to a results file run after run.
func (r report) markdown(w io.Writer) {
	fmt.Fprintf(w, "\n### Load test, %s\n\n| | |\n|---|---|\n", r.Date.Format("2006-01-02 15:04 MST"))
	for _, x := range r.rows() {
		fmt.Fprintf(w, "| %s | %s |\n", x.Label, mdCell(x.Value))
	}
	if ps := r.problems(); len(ps) > 0 {
		fmt.Fprintln(w, "\nServer log problems:")
		for _, p := range ps {
			fmt.Fprintf(w, "- %s\n", mdCell(p))
		}
	}
}

// mdCell keeps a value inside its table cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

func appendMarkdown(path string, r report) error {
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

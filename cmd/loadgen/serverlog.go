package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// logSummary is what the server's log says went wrong during a run.
type logSummary struct {
	Lines    int
	Errors   int // level=ERROR, panics, and the command's own failure line
	Warnings int // level=WARN
	// Problems groups the errors and warnings by message, most frequent
	// first, at most maxProblems of them.
	Problems []problem
}

type problem struct {
	Count   int
	Example string // the first line with this message, cut to maxLineLen
}

const (
	maxProblems = 8
	maxLineLen  = 400
)

// scanLog reads the server's log. The server logs with slog's text
// handler (time=… level=… msg=…); lines in any other shape are a panic
// trace or the command's last words, and count as errors when they start
// like one.
func scanLog(path string) (logSummary, error) {
	f, err := os.Open(path)
	if err != nil {
		return logSummary{}, fmt.Errorf("server log: %w", err)
	}
	defer f.Close()
	var s logSummary
	byMsg := map[string]*problem{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		s.Lines++
		level := classify(line)
		switch level {
		case "":
			continue
		case "WARN":
			s.Warnings++
		default:
			s.Errors++
		}
		key := level + " " + slogField(line, "msg")
		if p := byMsg[key]; p != nil {
			p.Count++
			continue
		}
		byMsg[key] = &problem{Count: 1, Example: cut(line, maxLineLen)}
	}
	if err := sc.Err(); err != nil {
		return s, fmt.Errorf("server log: %w", err)
	}
	s.Problems = topProblems(byMsg, maxProblems)
	return s, nil
}

// classify returns "ERROR" or "WARN" for a line worth reporting, "" for
// the others.
func classify(line string) string {
	switch lvl := slogField(line, "level"); {
	case lvl == "ERROR" || lvl == "WARN":
		return lvl
	case lvl != "":
		return ""
	}
	for _, p := range []string{"panic:", "fatal error:", "concierge serve:"} {
		if strings.HasPrefix(line, p) {
			return "ERROR"
		}
	}
	return ""
}

// slogField returns the value of key=value in a line of slog's text
// handler, unquoting a quoted value, or "" when key is absent.
func slogField(line, key string) string {
	i := strings.Index(line, " "+key+"=")
	switch {
	case strings.HasPrefix(line, key+"="):
		i = 0
	case i >= 0:
		i++
	default:
		return ""
	}
	v := line[i+len(key)+1:]
	if strings.HasPrefix(v, `"`) {
		if q, err := strconv.QuotedPrefix(v); err == nil {
			if u, err := strconv.Unquote(q); err == nil {
				return u
			}
		}
		return v
	}
	if j := strings.IndexByte(v, ' '); j >= 0 {
		v = v[:j]
	}
	return v
}

func topProblems(byMsg map[string]*problem, n int) []problem {
	out := make([]problem, 0, len(byMsg))
	for _, p := range byMsg {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Example < out[j].Example
	})
	return out[:min(n, len(out))]
}

// tail returns the last n lines of the file at path, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func indent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }

// cut shortens s to at most n bytes, without splitting a UTF-8 sequence.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

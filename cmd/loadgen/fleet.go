package main

import (
	"context"
	"fmt"
)

// fleet is the servers of one run: the one server on its temporary SQLite
// file (the default), or -replicas servers on the one PostgreSQL database
// of -db. The posts go round-robin over them, as a load balancer would
// spread them, and the counters are read from every one.
type fleet []*server

// bases returns each server's http://127.0.0.1:PORT.
func (f fleet) bases() []string {
	b := make([]string, len(f))
	for i, s := range f {
		b[i] = s.base
	}
	return b
}

// scrape reads the web chat's counters from every server and adds them
// up (see sumCounters). One failed scrape fails the whole.
func (f fleet) scrape(ctx context.Context) (counters, error) {
	cs := make([]counters, len(f))
	for i, s := range f {
		c, err := s.scrape(ctx)
		if err != nil {
			return counters{}, fmt.Errorf("replica %d: %w", i+1, err)
		}
		cs[i] = c
	}
	return sumCounters(cs), nil
}

// sumCounters adds the counters of several replicas: each counts only
// what it did itself (its replies, its turns, its CPU). The queue gauges
// count rows of the one shared database, so every replica reports the
// same queue, read at slightly different moments: the sum would count it
// N times, so the largest is kept, and -1 (could not count) wins.
func sumCounters(cs []counters) counters {
	var t counters
	for i, c := range cs {
		t.Sent += c.Sent
		t.SendFailures += c.SendFailures
		t.TurnsDone += c.TurnsDone
		t.TurnsFailed += c.TurnsFailed
		t.CPUSeconds += c.CPUSeconds
		if i == 0 {
			t.InboxPending, t.OutboxPending = c.InboxPending, c.OutboxPending
			continue
		}
		t.InboxPending = maxGauge(t.InboxPending, c.InboxPending)
		t.OutboxPending = maxGauge(t.OutboxPending, c.OutboxPending)
	}
	return t
}

// maxGauge is the larger of two gauge readings, or -1 if either is
// unknown.
func maxGauge(a, b float64) float64 {
	if a < 0 || b < 0 {
		return -1
	}
	return max(a, b)
}

// mergeStats folds the stats of every replica of a run into one: the
// peak RSS of the largest replica, every crash, and the log lines,
// errors and warnings of all of them (the problems of the first replica
// that had any).
func mergeStats(sts []*serverStats) *serverStats {
	m := &serverStats{}
	for i, st := range sts {
		if i == 0 {
			m.Started = st.Started
		}
		m.Started = m.Started && st.Started
		m.PeakRSS = max(m.PeakRSS, st.PeakRSS)
		if st.Crashed != nil {
			m.Crashed = joinErr(m.Crashed, fmt.Errorf("replica %d: %w", i+1, st.Crashed))
		}
		if st.LogErr != nil {
			m.LogErr = joinErr(m.LogErr, fmt.Errorf("replica %d: %w", i+1, st.LogErr))
		}
		m.Log.Lines += st.Log.Lines
		m.Log.Errors += st.Log.Errors
		m.Log.Warnings += st.Log.Warnings
		if len(m.Log.Problems) == 0 {
			m.Log.Problems = st.Log.Problems
		}
	}
	return m
}

func joinErr(a, b error) error {
	if a == nil {
		return b
	}
	return fmt.Errorf("%w; %w", a, b)
}

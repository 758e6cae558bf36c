package main

import (
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// percentile returns the p-th percentile (0 < p ≤ 100) of sorted by the
// nearest-rank method: the smallest sample that at least p% of the samples
// are less than or equal to. It is a real observed latency, never an
// interpolation, and 0 when there are no samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	// The epsilon keeps p*n that is whole in exact arithmetic (99*100/100)
	// from rounding up to the next rank through a float error.
	rank := int(math.Ceil(p*float64(n)/100 - 1e-9))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// latencies summarises a set of latency samples.
type latencies struct {
	N             int
	P50, P99, Max time.Duration
}

// summarize sorts samples in place and summarises them.
func summarize(samples []time.Duration) latencies {
	slices.Sort(samples)
	l := latencies{N: len(samples), P50: percentile(samples, 50), P99: percentile(samples, 99)}
	if l.N > 0 {
		l.Max = samples[l.N-1]
	}
	return l
}

// outcome is the result of one POST. The zero value is a request that was
// never made (the run was interrupted first).
type outcome struct {
	Made      bool
	Status    int // HTTP status; 0 when no response arrived
	Duplicate bool
	Err       error // transport error, when Status is 0
	Latency   time.Duration
}

// tally counts the outcomes of one run.
type tally struct {
	Requests   int
	Acked      int // 202
	Duplicates int // 202 with "duplicate":true, which loadgen never asks for
	Errors     map[string]int
	FirstErr   string    // the first transport error, to say why
	Latency    latencies // of the acked requests
}

// tallyOutcomes counts the outcomes of posts to the web chat, whose ack
// is a 202.
func tallyOutcomes(outs []outcome) tally { return tallyAcks(outs, http.StatusAccepted) }

// tallyAcks counts outs, of which those with status ack are acks. Errors
// are keyed by HTTP status, or "transport" when no response arrived.
func tallyAcks(outs []outcome, ack int) tally {
	t := tally{Errors: map[string]int{}}
	lat := make([]time.Duration, 0, len(outs))
	for _, o := range outs {
		if !o.Made {
			continue
		}
		t.Requests++
		switch {
		case o.Status == ack:
			t.Acked++
			lat = append(lat, o.Latency)
			if o.Duplicate {
				t.Duplicates++
			}
		case o.Status == statusBadAck:
			t.Errors["202 not accepted"]++
		case o.Status == 0:
			t.Errors["transport"]++
			if t.FirstErr == "" && o.Err != nil {
				t.FirstErr = o.Err.Error()
			}
		default:
			t.Errors[strconv.Itoa(o.Status)]++
		}
	}
	t.Latency = summarize(lat)
	return t
}

// errorCount is the number of requests that were not acknowledged.
func (t tally) errorCount() int { return t.Requests - t.Acked }

// errorRate is the share of requests that were not acknowledged.
func (t tally) errorRate() float64 {
	if t.Requests == 0 {
		return 0
	}
	return float64(t.errorCount()) / float64(t.Requests)
}

// errorSummary reads like "500×3, transport×1", in a stable order.
func (t tally) errorSummary() string {
	if len(t.Errors) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(t.Errors))
	for k := range t.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "×" + strconv.Itoa(t.Errors[k])
	}
	return strings.Join(parts, ", ")
}

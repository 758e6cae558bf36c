package main

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestCoalesce: a burst of calls runs f once after the window; a call
// after that runs it again, and a call made while f runs is not lost.
func TestCoalesce(t *testing.T) {
	var n atomic.Int32
	var again func()
	calledDuring := make(chan struct{})
	f := func() {
		if n.Add(1) == 2 {
			again() // a change announced while the streams are being woken
			close(calledDuring)
		}
	}
	c := coalesce(20*time.Millisecond, f)
	again = c
	for range 100 {
		c()
	}
	waitFor(t, func() bool { return n.Load() == 1 }, "one call after a burst")
	time.Sleep(60 * time.Millisecond) // past the window: nothing else
	if got := n.Load(); got != 1 {
		t.Fatalf("%d calls after a burst of 100, want 1", got)
	}
	c()
	<-calledDuring
	waitFor(t, func() bool { return n.Load() == 3 }, "the call made during f")
}

func waitFor(t *testing.T, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

package server

import (
	"context"
	"sync"
	"testing"
	"time"
)

// fakeAfter is a timer for coalesceAfter that fires when the test says.
type fakeAfter struct {
	mu        sync.Mutex
	scheduled int
	stopped   chan struct{} // closed by the first stop
	pending   func()
}

func (a *fakeAfter) after(g func()) func() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.scheduled++
	a.pending = g
	return func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.pending == nil {
			return false
		}
		a.pending = nil
		close(a.stopped)
		return true
	}
}

// fire runs the pending call, as the timer would.
func (a *fakeAfter) fire(t *testing.T) {
	t.Helper()
	a.mu.Lock()
	g := a.pending
	a.pending = nil
	a.mu.Unlock()
	if g == nil {
		t.Fatal("no call pending")
	}
	g()
}

func (a *fakeAfter) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.scheduled
}

// TestCoalesce: a burst of calls schedules f once; a call after it runs
// schedules it again, and a call made while f runs is not lost. When the
// context ends, the pending call is cancelled and later calls schedule
// nothing.
func TestCoalesce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := fakeAfter{stopped: make(chan struct{})}
	var n int
	var c func()
	c = coalesceAfter(ctx, a.after, func() {
		n++
		if n == 2 {
			c() // a change announced while the streams are being woken
		}
	})
	for range 100 {
		c()
	}
	if s := a.count(); s != 1 {
		t.Fatalf("a burst of 100 scheduled %d calls, want 1", s)
	}
	a.fire(t)
	if n != 1 {
		t.Fatalf("%d calls after a burst, want 1", n)
	}
	c()
	a.fire(t) // f runs and is called again meanwhile
	if s := a.count(); n != 2 || s != 3 {
		t.Fatalf("%d calls and %d scheduled, want 2 and 3 (the call made during f)", n, s)
	}
	cancel()
	select {
	case <-a.stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("the pending call was not stopped when the context ended")
	}
	c()
	if s := a.count(); s != 3 {
		t.Fatalf("a call after the context ended scheduled one (%d in all)", s)
	}
}

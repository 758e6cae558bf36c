package agentcommercetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

// hang is how long a test waits for what should come at once before it
// calls it a hang: a bound that fails the test, not a synchronisation.
const hang = 20 * time.Second

// HeldPayer is a payment handler held inside its charge: Charge signals
// that it has entered and then waits until Release. A completion through
// it stays in progress for as long as the test wants, so that what other
// requests answer meanwhile can be checked without sleeping.
type HeldPayer struct {
	entered chan struct{}
	release chan struct{}
	once    sync.Once
	charges atomic.Int32
}

// NewHeldPayer returns a payer that holds every charge until Release.
func NewHeldPayer() *HeldPayer {
	return &HeldPayer{entered: make(chan struct{}, 16), release: make(chan struct{})}
}

// Charge counts the charge, signals it and waits for Release.
func (p *HeldPayer) Charge(ctx context.Context, o *concierge.Order, token string) (string, error) {
	p.charges.Add(1)
	p.entered <- struct{}{}
	<-p.release
	return "held:" + string(o.ID), nil
}

// WaitEntered returns once a charge is held, and fails t if none comes.
func (p *HeldPayer) WaitEntered(t testing.TB) {
	t.Helper()
	select {
	case <-p.entered:
	case <-time.After(hang):
		t.Fatal("the completion never reached the payment handler")
	}
}

// Release lets the held charges, and every later one, go on. Calling it
// again does nothing.
func (p *HeldPayer) Release() { p.once.Do(func() { close(p.release) }) }

// Charges is how many charges were made.
func (p *HeldPayer) Charges() int { return int(p.charges.Load()) }

// During runs call while p holds a completion and returns its result. A
// call that has not answered within 20 s waited for the completion,
// which is what it must not do: t fails, p is released so that the call
// ends, and its answer is still returned for the caller's checks.
func During[T any](t testing.TB, p *HeldPayer, what string, call func() T) T {
	t.Helper()
	got := make(chan T, 1)
	go func() { got <- call() }()
	select {
	case v := <-got:
		return v
	case <-time.After(hang):
		t.Errorf("%s waited for the completion in progress", what)
		p.Release()
		return <-got
	}
}

package outbox_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/outbox"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

// gated is a platform whose sends wait until the test opens the gate; it
// counts the sends it was asked for.
type gated struct {
	mu      sync.Mutex
	calls   int
	started chan struct{} // receives once per send started
	gate    chan struct{}
	answer  error // what a send returns once the gate opens
}

func newGated() *gated { return &gated{started: make(chan struct{}, 16), gate: make(chan struct{})} }

func (g *gated) Send(ctx context.Context, m *concierge.Outbound) error {
	g.mu.Lock()
	g.calls++
	g.mu.Unlock()
	g.started <- struct{}{}
	select {
	case <-g.gate:
		return g.answer
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *gated) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls
}

// claimLog is a store that records when each of its claims started.
type claimLog struct {
	*store.DB
	mu     sync.Mutex
	starts []time.Time
}

func (c *claimLog) ClaimOutbox(ctx context.Context, limit int, lease time.Duration) ([][]concierge.Outbound, error) {
	c.mu.Lock()
	c.starts = append(c.starts, time.Now())
	c.mu.Unlock()
	return c.DB.ClaimOutbox(ctx, limit, lease)
}

// claimedAfter reports whether a claim started after t.
func (c *claimLog) claimedAfter(t time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.starts) > 0 && c.starts[len(c.starts)-1].After(t)
}

// mortal is a replica's store that stops claiming once it is dead, as a
// killed process would; a finish still goes through, as a late outcome
// of a replica that was only stalled would.
type mortal struct {
	*store.DB
	dead atomic.Bool
}

func (m *mortal) ClaimOutbox(ctx context.Context, limit int, lease time.Duration) ([][]concierge.Outbound, error) {
	if m.dead.Load() {
		return nil, nil
	}
	return m.DB.ClaimOutbox(ctx, limit, lease)
}

// replicaPair runs fn with two stores on one database (a SQLite file, a
// fresh PostgreSQL schema), as two replicas (or, on SQLite, a process and
// its own next claim) see it, with one reply due in chat c0.
func replicaPair(t *testing.T, fn func(t *testing.T, a, b *store.DB)) {
	for _, c := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "o.db") }},
		{"postgres", func(t *testing.T) string { return testenv.PostgresURL(t) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			url := c.url(t)
			a := openStore(t, url)
			b := openStore(t, url)
			seed(t, a, 1, 1)
			fn(t, a, b)
		})
	}
}

// startDispatcher runs a dispatcher over st sending to p until stop is
// called (it returns once the outcomes are recorded) or the test ends.
func startDispatcher(t *testing.T, st outbox.Store, p concierge.Sender, lease time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	d := outbox.New(st, func(concierge.BotID, concierge.Channel) concierge.Sender { return p },
		outbox.Config{Lease: lease, Poll: 5 * time.Millisecond, SendTimeout: time.Minute, Grace: time.Millisecond},
		slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// startHeartbeat runs db's heartbeat (which renews its leases) until
// stop is called or the test ends. On PostgreSQL the replica is
// registered when it returns, as serve registers it before its workers
// start.
func startHeartbeat(t *testing.T, db *store.DB, cfg store.HeartbeatConfig) (stop func()) {
	t.Helper()
	if db.Dialect() == store.Postgres {
		if _, err := db.Heartbeat(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { db.RunHeartbeat(ctx, cfg); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// testLease is the outbox lease of the tests: short, so that a send
// outlasts several of them quickly, and long against the 20 ms beat, so
// that a loaded machine's scheduling delays do not let it run out.
const testLease = time.Second

// testLog logs to the test's output, shown when it fails.
func testLog(t *testing.T) *slog.Logger { return slog.New(slog.NewTextHandler(t.Output(), nil)) }

// TestSendOutlastingLeaseNotSentTwice: replica A's send takes many times
// the outbox lease while A is alive; its heartbeat renews the lease, so
// replica B, claiming every 5 ms all along, never sends the message too
// (without renewal it would after 1 s). The message is recorded sent
// once A's send returns.
func TestSendOutlastingLeaseNotSentTwice(t *testing.T) {
	replicaPair(t, func(t *testing.T, a, b *store.DB) {
		startHeartbeat(t, a, store.HeartbeatConfig{Every: 20 * time.Millisecond, Log: testLog(t)})
		startHeartbeat(t, b, store.HeartbeatConfig{Every: 20 * time.Millisecond, Log: testLog(t)})
		pa, pb := newGated(), newGated()
		startDispatcher(t, a, pa, testLease)
		<-pa.started
		sendStart := time.Now()
		bLog := &claimLog{DB: b}
		startDispatcher(t, bLog, pb, testLease)
		// B keeps claiming until well past the end of A's first lease.
		testenv.WaitFor(t, "B made no claim 3 leases after A's send began", 20*time.Second, func() bool {
			return bLog.claimedAfter(sendStart.Add(3 * testLease))
		})
		if n := pb.count(); n != 0 {
			t.Fatalf("B sent the message A was still sending (%d sends)", n)
		}
		close(pa.gate)
		testenv.WaitFor(t, "the message is not recorded sent", 10*time.Second, func() bool {
			n, err := a.PendingOutbound(context.Background())
			return err == nil && n == 0
		})
		if na, nb := pa.count(), pb.count(); na != 1 || nb != 0 {
			t.Fatalf("sends: A %d, B %d; want A once, B never", na, nb)
		}
	})
}

// TestSendOfDeadHolderTakenOver: renewal does not keep a dead holder's
// work. A's send hangs, with a lease of a minute, and A dies: on
// PostgreSQL its heartbeat stops and B reaps it once its beat is 300 ms
// old; on SQLite B starts as the restarted process (TakeOver). B then
// sends the message long before the lease would have run out. A's late
// outcome, a failure, is refused: the message stays recorded as B sent it.
func TestSendOfDeadHolderTakenOver(t *testing.T) {
	replicaPair(t, func(t *testing.T, a, b *store.DB) {
		ctx := context.Background()
		stopBeatA := startHeartbeat(t, a, store.HeartbeatConfig{Every: 20 * time.Millisecond, Log: testLog(t)})
		pa, pb := newGated(), newGated()
		pa.answer = errors.New("503 service unavailable")
		close(pb.gate) // B's platform answers at once
		ma := &mortal{DB: a}
		stopA := startDispatcher(t, ma, pa, time.Minute)
		<-pa.started
		ma.dead.Store(true)
		stopBeatA()
		if b.Dialect() == store.SQLite {
			if err := b.TakeOver(ctx); err != nil {
				t.Fatal(err)
			}
		}
		startHeartbeat(t, b, store.HeartbeatConfig{Every: 20 * time.Millisecond, Stale: 300 * time.Millisecond, Log: testLog(t)})
		startDispatcher(t, b, pb, time.Minute)
		testenv.WaitFor(t, "B did not take over the dead holder's send", 10*time.Second, func() bool {
			n, err := b.PendingOutbound(ctx)
			return err == nil && n == 0
		})
		close(pa.gate)
		stopA()
		if na, nb := pa.count(), pb.count(); na != 1 || nb != 1 {
			t.Fatalf("sends: A %d, B %d; want one each", na, nb)
		}
		tr, err := b.Transcript(ctx, "shop", concierge.ChannelWeb, "c0", 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range tr {
			if e.Dir == "out" && (e.Status != "sent" || e.Message.Text != "m1") {
				t.Fatalf("reply %q recorded %s after A's late failure, want sent", e.Message.Text, e.Status)
			}
		}
	})
}

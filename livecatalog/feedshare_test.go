package livecatalog_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/livecatalog"
	"github.com/conciergehq/concierge/store"
)

// clock is a time the test moves; replicas on one clock stand for
// servers whose clocks agree. Its timers (After) fire when Advance moves
// the time past them, and Waiting tells when the loops waiting on them
// have finished their work and wait again.
type clock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []timer
	changed chan struct{} // closed and replaced when a timer is added
}

type timer struct {
	at time.Time
	ch chan time.Time
}

// newClock starts on a whole millisecond, as the store keeps times.
func newClock() *clock {
	return &clock{now: time.UnixMilli(1_796_000_000_000).UTC(), changed: make(chan struct{})}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.timers = append(c.timers, timer{c.now.Add(d), ch})
	close(c.changed)
	c.changed = make(chan struct{})
	return ch
}

// Advance moves the time and fires the timers it passes.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	left := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(c.now) {
			left = append(left, t)
			continue
		}
		t.ch <- c.now
	}
	c.timers = left
}

// Waiting returns when n timers wait, failing the test after 10 s.
func (c *clock) Waiting(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		c.mu.Lock()
		got, changed := len(c.timers), c.changed
		c.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("%d timers wait, want %d", got, n)
		}
	}
}

func (fs *feedServer) count() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.requests)
}

// shopReplica is one server of the shop: a live catalog with a url feed
// (refreshed hourly) feeding the agent's shop, as cmd wires it, on its
// own handle on the shared database.
type shopReplica struct {
	cat  *livecatalog.Catalog
	shop *agent.Shop
}

func newShopReplica(t *testing.T, url string, db *store.DB, clk *clock) *shopReplica {
	t.Helper()
	bot := &concierge.Bot{ID: "shop", Locales: []concierge.Locale{"en"}, Currency: "EUR"}
	shop, err := agent.NewShop(bot, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := remoteCatalogAt(url, shop, nil, 0, db, clk)
	if err := c.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &shopReplica{cat: c, shop: shop}
}

// sells reports whether a customer of r finds sku now, at which price.
func (r *shopReplica) sells(sku concierge.SKU) int64 {
	p := r.shop.Current().Bot.Product(sku)
	if p == nil {
		return -1
	}
	return p.Price.Minor
}

// TestReplicasShareOneFetch: two replicas of one shop on one database
// fetch the supplier's feed once per interval between them: the second
// to start serves the first's copy, neither fetches before the interval
// is up, one of them fetches when it is (even when both try at the same
// instant), and the other serves the new product after its next poll
// without fetching, its status showing the other's read.
func TestReplicasShareOneFetch(t *testing.T) {
	eachStore(t, func(t *testing.T, open func() *store.DB) {
		ctx := context.Background()
		clk := newClock()
		fs := newFeedServer(t, acpFeed(map[string]string{"LAMP-01": "49.00"}), `"v1"`)
		a := newShopReplica(t, fs.URL, open(), clk)
		clk.Advance(time.Minute)
		b := newShopReplica(t, fs.URL, open(), clk)
		if n := fs.count(); n != 1 {
			t.Fatalf("two replicas started with %d fetches, want 1", n)
		}
		if a.sells("LAMP-01") != 4900 || b.sells("LAMP-01") != 4900 {
			t.Fatalf("after start: A %d, B %d", a.sells("LAMP-01"), b.sells("LAMP-01"))
		}
		first := a.cat.Status()[0].LastSuccess
		if got := b.cat.Status()[0]; !got.LastSuccess.Equal(first) || got.LastError != "" {
			t.Fatalf("B's status %+v, want A's read of %v", got, first)
		}

		// Within the interval nobody fetches, on any tick.
		fs.set(acpFeed(map[string]string{"LAMP-01": "49.00", "LAMP-09": "59.00"}), `"v2"`, "")
		clk.Advance(30 * time.Minute)
		for _, r := range []*shopReplica{a, b} {
			if err := r.cat.RefreshDue(ctx); err != nil {
				t.Fatal(err)
			}
			if err := r.cat.Sync(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if n := fs.count(); n != 1 {
			t.Fatalf("%d fetches within the interval, want 1", n)
		}

		// The interval is up: B ticks first and fetches; A's tick finds
		// the fresh copy and does not fetch; A's next poll serves it.
		clk.Advance(31 * time.Minute)
		if err := b.cat.RefreshDue(ctx); err != nil {
			t.Fatal(err)
		}
		if err := a.cat.RefreshDue(ctx); err != nil {
			t.Fatal(err)
		}
		if n := fs.count(); n != 2 {
			t.Fatalf("%d fetches after one interval, want 2", n)
		}
		if b.sells("LAMP-09") != 5900 || a.sells("LAMP-09") != -1 {
			t.Fatalf("before A's poll: A %d, B %d", a.sells("LAMP-09"), b.sells("LAMP-09"))
		}
		if err := a.cat.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if a.sells("LAMP-09") != 5900 {
			t.Fatalf("A does not sell B's new product after its poll: %+v", a.cat.Products())
		}
		if got := a.cat.Status()[0]; !got.LastSuccess.Equal(clk.Now()) || got.Products != 2 {
			t.Fatalf("A's status %+v, want B's read at %v", got, clk.Now())
		}
		if n := fs.count(); n != 2 {
			t.Fatalf("A's poll fetched: %d fetches", n)
		}

		// Both due at the same instant, racing: one fetch (a 304).
		clk.Advance(time.Hour + time.Second)
		var wg sync.WaitGroup
		for _, r := range []*shopReplica{a, b} {
			wg.Go(func() {
				if err := r.cat.RefreshDue(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := fs.count(); n != 3 {
			t.Fatalf("%d fetches after two replicas raced, want 3", n)
		}
		for _, r := range []*shopReplica{a, b} {
			if err := r.cat.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			if got := r.cat.Status()[0]; !got.LastSuccess.Equal(clk.Now()) || got.LastError != "" || r.sells("LAMP-09") != 5900 {
				t.Fatalf("after the 304: %+v, LAMP-09 at %d", got, r.sells("LAMP-09"))
			}
		}
	})
}

// TestReplicasKeepLastGoodOnFailure: the feed fails; both replicas keep
// serving the last good products and both report the failure, whichever
// fetched; the retries are one per retry wait between them, and the
// first good read after clears the failure on both.
func TestReplicasKeepLastGoodOnFailure(t *testing.T) {
	eachStore(t, func(t *testing.T, open func() *store.DB) {
		ctx := context.Background()
		clk := newClock()
		fs := newFeedServer(t, acpFeed(map[string]string{"LAMP-01": "49.00"}), `"v1"`)
		a := newShopReplica(t, fs.URL, open(), clk)
		b := newShopReplica(t, fs.URL, open(), clk)
		good := clk.Now()
		fs.set("", `"v1"`, "500")

		tick := func(want int) {
			t.Helper()
			for _, r := range []*shopReplica{a, b} {
				r.cat.RefreshDue(ctx) // a failure is in Status
			}
			for _, r := range []*shopReplica{a, b} {
				if err := r.cat.Sync(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if n := fs.count(); n != want {
				t.Fatalf("%d fetches, want %d", n, want)
			}
		}
		clk.Advance(time.Hour + time.Second)
		tick(2) // A fetches and fails; B, within the retry wait, does not
		for name, r := range map[string]*shopReplica{"A": a, "B": b} {
			st := r.cat.Status()[0]
			if st.LastError != "HTTP 500" || st.Failures != 1 || !st.LastSuccess.Equal(good) || r.sells("LAMP-01") != 4900 {
				t.Fatalf("%s after the failure: %+v, LAMP-01 at %d", name, st, r.sells("LAMP-01"))
			}
		}
		clk.Advance(30 * time.Second)
		tick(2) // within the retry wait
		clk.Advance(31 * time.Second)
		tick(3) // one retry between them
		for name, r := range map[string]*shopReplica{"A": a, "B": b} {
			if st := r.cat.Status()[0]; st.Failures != 2 || r.sells("LAMP-01") != 4900 {
				t.Fatalf("%s after the retry: %+v", name, st)
			}
		}

		fs.set(acpFeed(map[string]string{"LAMP-01": "39.00"}), `"v2"`, "")
		clk.Advance(time.Minute + time.Second)
		tick(4)
		for name, r := range map[string]*shopReplica{"A": a, "B": b} {
			if st := r.cat.Status()[0]; st.LastError != "" || !st.LastSuccess.Equal(clk.Now()) || r.sells("LAMP-01") != 3900 {
				t.Fatalf("%s after the feed came back: %+v, LAMP-01 at %d", name, st, r.sells("LAMP-01"))
			}
		}
	})
}

// TestWithoutClaimerEachFetches: a store that keeps copies but cannot
// claim (an older FeedStore) leaves each replica fetching on its own, as
// before.
func TestWithoutClaimerEachFetches(t *testing.T) {
	db := openStore(t, "sqlite:"+t.TempDir()+"/shop.db")
	ctx := context.Background()
	clk := newClock()
	fs := newFeedServer(t, acpFeed(map[string]string{"LAMP-01": "49.00"}), `"v1"`)
	for range 2 {
		c := remoteCatalogAt(fs.URL, newSink(), nil, 0, copiesOnly{db}, clk)
		if err := c.Load(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := fs.count(); n != 2 {
		t.Fatalf("%d fetches, want one per replica", n)
	}
}

// copiesOnly is a Store and FeedStore that is not a FeedClaimer.
type copiesOnly struct{ db *store.DB }

func (s copiesOnly) CatalogChanges(ctx context.Context, bot concierge.BotID, after int64) ([]concierge.CatalogChange, int64, error) {
	return s.db.CatalogChanges(ctx, bot, after)
}

func (s copiesOnly) ChangeCatalog(ctx context.Context, bot concierge.BotID, skus []concierge.SKU,
	fn func(map[concierge.SKU]concierge.CatalogChange) ([]concierge.CatalogChange, map[concierge.SKU]int, error)) error {
	return s.db.ChangeCatalog(ctx, bot, skus, fn)
}

func (s copiesOnly) SeedStock(ctx context.Context, bot concierge.BotID, ps []concierge.Product) error {
	return s.db.SeedStock(ctx, bot, ps)
}

func (s copiesOnly) SetStockOnHand(ctx context.Context, bot concierge.BotID, onHand map[concierge.SKU]int) error {
	return s.db.SetStockOnHand(ctx, bot, onHand)
}

func (s copiesOnly) CatalogFeed(ctx context.Context, bot concierge.BotID, source string) (concierge.CatalogFeedCopy, bool, error) {
	return s.db.CatalogFeed(ctx, bot, source)
}

func (s copiesOnly) SaveCatalogFeed(ctx context.Context, bot concierge.BotID, f concierge.CatalogFeedCopy) (int64, error) {
	return s.db.SaveCatalogFeed(ctx, bot, f)
}

func (s copiesOnly) TouchCatalogFeed(ctx context.Context, bot concierge.BotID, f concierge.CatalogFeedCopy) error {
	return s.db.TouchCatalogFeed(ctx, bot, f)
}

var (
	_ livecatalog.FeedClaimer = (*store.DB)(nil)
	_ livecatalog.FeedStore   = copiesOnly{}
)

// TestSlowerReadYieldsToStored: a replica whose read the store refuses,
// because another replica's read was fetched later (a slow fetch, a clock
// behind), serves the stored read after its next poll, so that the
// replicas agree.
func TestSlowerReadYieldsToStored(t *testing.T) {
	eachStore(t, func(t *testing.T, open func() *store.DB) {
		ctx := context.Background()
		clkA, clkB := newClock(), newClock()
		fs := newFeedServer(t, acpFeed(map[string]string{"LAMP-01": "49.00"}), `"v1"`)
		a := newShopReplica(t, fs.URL, open(), clkA)
		b := newShopReplica(t, fs.URL, open(), clkB)
		fs.set(acpFeed(map[string]string{"LAMP-01": "39.00"}), `"v2"`, "")
		clkB.Advance(2 * time.Hour)
		if err := b.cat.RefreshAll(ctx); err != nil {
			t.Fatal(err)
		}
		if err := a.cat.Sync(ctx); err != nil || a.sells("LAMP-01") != 3900 {
			t.Fatalf("A did not pick up B's read: %v, %d", err, a.sells("LAMP-01"))
		}
		fs.set(acpFeed(map[string]string{"LAMP-01": "29.00"}), `"v3"`, "")
		clkA.Advance(time.Hour) // A's read is the earlier one
		if err := a.cat.RefreshAll(ctx); err != nil {
			t.Fatal(err)
		}
		if got := a.sells("LAMP-01"); got != 2900 {
			t.Fatalf("A serves %d after its own read", got)
		}
		if err := a.cat.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if got := a.sells("LAMP-01"); got != 3900 || b.sells("LAMP-01") != 3900 {
			t.Fatalf("A serves %d, B %d: want the stored read, 3900", got, b.sells("LAMP-01"))
		}
	})
}

// TestRunSharesOneFetch: two replicas running (Run) on the test's clock:
// when the interval is up, their timers fire together and one of them
// fetches; after the next poll both sell the new product; and until the
// next interval neither fetches again.
func TestRunSharesOneFetch(t *testing.T) {
	eachStore(t, func(t *testing.T, open func() *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		clk := newClock()
		fs := newFeedServer(t, acpFeed(map[string]string{"LAMP-01": "49.00"}), `"v1"`)
		a := newShopReplica(t, fs.URL, open(), clk)
		b := newShopReplica(t, fs.URL, open(), clk)
		var wg sync.WaitGroup
		defer wg.Wait()
		defer cancel()
		for _, r := range []*shopReplica{a, b} {
			wg.Go(func() { r.cat.Run(ctx) })
		}
		// Each replica waits on a refresh timer and a poll timer.
		clk.Waiting(t, 4)

		fs.set(acpFeed(map[string]string{"LAMP-01": "49.00", "LAMP-09": "59.00"}), `"v2"`, "")
		clk.Advance(time.Hour + time.Second) // every timer fires
		clk.Waiting(t, 4)
		if n := fs.count(); n != 2 {
			t.Fatalf("%d fetches when the interval was up, want 2", n)
		}
		clk.Advance(livecatalog.DefaultPoll) // the polls
		clk.Waiting(t, 4)
		if a.sells("LAMP-09") != 5900 || b.sells("LAMP-09") != 5900 {
			t.Fatalf("after a poll: A sells LAMP-09 at %d, B at %d", a.sells("LAMP-09"), b.sells("LAMP-09"))
		}
		for range 3 {
			clk.Advance(15 * time.Minute)
			clk.Waiting(t, 4)
		}
		if n := fs.count(); n != 2 {
			t.Fatalf("%d fetches within the next interval, want 2", n)
		}
		clk.Advance(16 * time.Minute)
		clk.Waiting(t, 4)
		if n := fs.count(); n != 3 {
			t.Fatalf("%d fetches after the next interval, want 3", n)
		}
	})
}

package acp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce/acp"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
)

// fakeClock is a pusher's clock: now is set by the test, and each wait
// the pusher starts is handed to the test, which fires it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers chan fakeTimer
}

type fakeTimer struct {
	d time.Duration
	c chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	t := fakeTimer{d: d, c: make(chan time.Time, 1)}
	c.timers <- t
	return t.c
}

// next is the result of a replica's next attempt and the wait it then
// starts.
func next(t *testing.T, results <-chan acp.FeedPushResult, timers <-chan fakeTimer) (acp.FeedPushResult, fakeTimer) {
	t.Helper()
	select {
	case r := <-results:
		return r, <-timers
	case <-time.After(20 * time.Second): // a hang, not a synchronisation
		t.Fatal("no push attempt")
		return acp.FeedPushResult{}, fakeTimer{}
	}
}

// TestFeedPushOnChange: two replicas on one database keep an agent's
// feed. The agent is unreachable at first: the replica that tries gets
// the failure, recorded without the token, and retries after Retry,
// while the other replica does not hammer the agent meanwhile. Once the
// agent is reachable the retry pushes. A catalog change wakes both
// replicas at once and the agent gets one push of it (one PATCH, the new
// price), without waiting for the period; a wake with nothing changed
// pushes nothing; when the period is out one replica pushes again. Both
// databases.
func TestFeedPushOnChange(t *testing.T) {
	act.EachDB(t, func(t *testing.T, dbURL string) {
		db := act.OpenStore(t, dbURL)
		var live atomic.Pointer[concierge.Bot]
		shop := feedShops()[1] // plain: a lamp and a bulb
		live.Store(shop.Bot)
		shop.Live = live.Load
		fake := newFakeFeedAPI(t)
		var down atomic.Bool
		down.Store(true)
		agent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if down.Load() {
				http.Error(w, "unavailable", http.StatusServiceUnavailable)
				return
			}
			fake.ServeHTTP(w, r)
		}))
		defer agent.Close()
		api := &acp.FeedAPI{BaseURL: agent.URL, Token: agentToken}
		down.Store(false)
		meta, err := api.CreateFeed(context.Background(), "", "k")
		if err != nil {
			t.Fatal(err)
		}
		down.Store(true)

		clock := &fakeClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
		type replica struct {
			pusher  *acp.FeedPusher
			results chan acp.FeedPushResult
			timers  chan fakeTimer
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		defer func() { cancel(); wg.Wait() }()
		start := func() replica {
			r := replica{results: make(chan acp.FeedPushResult, 8), timers: make(chan fakeTimer, 8)}
			c := &fakeClock{timers: r.timers}
			h := acp.New(acp.Config{Service: act.NewService(t, db, shop), BaseURL: "https://shop.example",
				Keys: map[concierge.BotID][]string{"plain": {apiKey}}})
			r.pusher = h.FeedPusher(acp.FeedPushConfig{
				Pushes: []acp.FeedPush{{Bot: "plain", Locale: "en", API: api, FeedID: meta.ID, Every: time.Hour}},
				Claims: db, Retry: time.Minute, Now: clock.Now, After: c.After,
				Done: func(res acp.FeedPushResult) { r.results <- res },
			})
			wg.Go(func() { r.pusher.Run(ctx) })
			return r
		}

		a := start()
		res, wait := next(t, a.results, a.timers)
		if res.Err == nil || res.Skipped || wait.d != time.Minute || strings.Contains(res.Err.Error(), agentToken) {
			t.Fatalf("first push to an unreachable agent: %+v, then waits %v; want a failure (no token), retried in 1m", res, wait.d)
		}
		st, err := db.FeedPush(context.Background(), "plain", meta.ID)
		if err != nil || st.LastError == "" || !st.FailedAt.Equal(clock.Now()) || strings.Contains(st.LastError, agentToken) {
			t.Fatalf("stored state after the failure: %+v %v", st, err)
		}
		b := start()
		if res, wait := next(t, b.results, b.timers); !res.Skipped || wait.d != time.Hour {
			t.Fatalf("the other replica during the retry wait: %+v, then waits %v; want skipped", res, wait.d)
		}
		if fake.count() != 0 {
			t.Fatalf("%d PATCHes reached the unreachable agent", fake.count())
		}

		down.Store(false)
		clock.advance(time.Minute + time.Second)
		wait.c <- clock.Now()
		res, wait = next(t, a.results, a.timers)
		if res.Err != nil || res.Skipped || res.Current != 2 || wait.d != time.Hour {
			t.Fatalf("retry once the agent is up: %+v, then waits %v", res, wait.d)
		}
		held, err := api.Products(context.Background(), meta.ID)
		if err != nil || len(held) != 2 || fake.count() != 1 {
			t.Fatalf("the agent holds %d products (%v) after %d PATCHes, want 2 after 1", len(held), err, fake.count())
		}

		// The lamp's price changes: both replicas hear of it at once.
		changed := *live.Load()
		changed.Products = append([]concierge.Product(nil), changed.Products...)
		changed.Products[0].Price.Minor = 5900
		live.Store(&changed)
		a.pusher.Changed("plain")
		b.pusher.Changed("plain")
		ra, _ := next(t, a.results, a.timers)
		rb, _ := next(t, b.results, b.timers)
		if ra.Err != nil || rb.Err != nil || ra.Skipped == rb.Skipped {
			t.Fatalf("after the change: %+v and %+v, want one push and one skipped", ra, rb)
		}
		if fake.count() != 2 {
			t.Errorf("%d PATCHes after the change, want 2 (the retry's and one of the change)", fake.count())
		}
		held, _ = api.Products(context.Background(), meta.ID)
		if price := held[0].Variants[0].Price; len(held) != 2 || price == nil || price.Amount != 5900 {
			t.Errorf("the agent's lamp after the change: %+v", held[0].Variants[0])
		}

		// Woken with nothing changed: nothing is pushed.
		a.pusher.Changed("plain")
		b.pusher.Changed("plain")
		ra, wa := next(t, a.results, a.timers)
		rb, wb := next(t, b.results, b.timers)
		if !ra.Skipped || !rb.Skipped || fake.count() != 2 {
			t.Errorf("woken with the same catalog: %+v %+v, %d PATCHes; want both skipped", ra, rb, fake.count())
		}

		// The period is out: both waits end, one replica pushes again.
		clock.advance(time.Hour + time.Second)
		wa.c <- clock.Now()
		wb.c <- clock.Now()
		ra, _ = next(t, a.results, a.timers)
		rb, _ = next(t, b.results, b.timers)
		if ra.Err != nil || rb.Err != nil || ra.Skipped == rb.Skipped || fake.count() != 3 {
			t.Errorf("after the period: %+v %+v, %d PATCHes; want one push (3 in all)", ra, rb, fake.count())
		}
	})
}

// count is how many PATCHes the agent has had.
func (f *fakeFeedAPI) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.patches
}

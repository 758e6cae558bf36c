package acp_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/acp"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
	"github.com/conciergehq/concierge/store"
)

// feedReplica is one replica's feed pusher: the result of each attempt,
// and each wait it starts, on channels.
type feedReplica struct {
	pusher  *acp.FeedPusher
	results chan acp.FeedPushResult
	timers  chan fakeTimer
}

// startReplica runs a replica's pusher of pushes, over db, until ctx
// ends (wg waits for it).
func startReplica(t *testing.T, ctx context.Context, wg *sync.WaitGroup, db *store.DB, shop *agentcommerce.Shop, clock *fakeClock, log *lockedBuffer, pushes ...acp.FeedPush) feedReplica {
	r := feedReplica{results: make(chan acp.FeedPushResult, 16), timers: make(chan fakeTimer, 16)}
	c := &fakeClock{timers: r.timers}
	h := acp.New(acp.Config{Service: act.NewService(t, db, shop), BaseURL: "https://shop.example",
		Keys: map[concierge.BotID][]string{shop.Bot.ID: {apiKey}}, Log: slog.New(slog.NewTextHandler(log, nil))})
	r.pusher = h.FeedPusher(acp.FeedPushConfig{Pushes: pushes, Claims: db, Retry: time.Minute, Now: clock.Now, After: c.After,
		Done: func(res acp.FeedPushResult) { r.results <- res }})
	wg.Go(func() { r.pusher.Run(ctx) })
	return r
}

// result is a replica's next result (a hang fails the test, it is no
// synchronisation).
func result(t *testing.T, r feedReplica) acp.FeedPushResult {
	t.Helper()
	select {
	case res := <-r.results:
		return res
	case <-time.After(20 * time.Second):
		t.Fatal("no push attempt")
		return acp.FeedPushResult{}
	}
}

// apiDigest is how the store names a Feed API: the sha-256 of its URL.
func apiDigest(url string) string {
	sum := sha256.Sum256([]byte(strings.TrimRight(url, "/")))
	return hex.EncodeToString(sum[:])
}

// TestFeedCreateRace: a feed without feed_id is created once with
// POST /feeds, whatever the replicas do, and its id is kept in the
// database. The agent here does not honour Idempotency-Key on creation
// (the spec only says SHOULD), so any second POST would be a second
// feed. Two replicas start at once; the agent holds the first POST
// until the other replica has made its attempt, which must not POST but
// wait; released, the first replica stores the id and pushes the
// catalog. The waiting replica then reuses the id, and so does a
// replica started later (a restart): one POST, one feed. Then, without
// the hold, fresh races on fresh agents: each ends with one POST and
// one feed. Both databases.
func TestFeedCreateRace(t *testing.T) {
	act.EachDB(t, func(t *testing.T, dbURL string) {
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		defer func() { cancel(); wg.Wait() }()
		db := act.OpenStore(t, dbURL)
		shop := feedShops()[1] // plain: a lamp and a bulb
		fake := newFakeFeedAPI(t)
		fake.keyless = true
		posted, release := make(chan struct{}, 4), make(chan struct{})
		agent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path == "/feeds" {
				posted <- struct{}{}
				<-release
			}
			fake.ServeHTTP(w, r)
		}))
		defer agent.Close()
		unhold := sync.OnceFunc(func() { close(release) })
		defer unhold() // a failure below must not leave a POST held
		log := &lockedBuffer{}
		clock := &fakeClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
		push := acp.FeedPush{Bot: "plain", Locale: "en", API: &acp.FeedAPI{BaseURL: agent.URL, Token: agentToken}, TargetCountry: "FR", Every: time.Hour}
		a := startReplica(t, ctx, &wg, db, shop, clock, log, push)
		b := startReplica(t, ctx, &wg, db, shop, clock, log, push)

		select {
		case <-posted:
		case <-time.After(20 * time.Second):
			t.Fatal("no replica created the feed")
		}
		// The other replica's attempt, while the creation is held.
		var winner, loser feedReplica
		var waiting acp.FeedPushResult
		select {
		case waiting = <-a.results:
			winner, loser = b, a
		case waiting = <-b.results:
			winner, loser = a, b
		case <-time.After(20 * time.Second):
			t.Fatal("the replica that did not create the feed made no attempt (did it POST too?)")
		}
		if waiting.Err != nil || !waiting.Skipped || waiting.Created || waiting.FeedID != "" {
			t.Fatalf("the other replica during the creation: %+v, want skipped without a feed id", waiting)
		}
		lw := <-loser.timers
		if lw.d != time.Minute {
			t.Errorf("the other replica waits %v, want the retry period (1m)", lw.d)
		}
		if len(posted) != 0 {
			t.Fatal("the other replica POSTed /feeds too")
		}
		unhold()
		created := result(t, winner)
		if created.Err != nil || !created.Created || created.FeedID == "" || created.Current != 2 || created.Locale != "en" {
			t.Fatalf("the creating replica: %+v, want the feed created and 2 products pushed", created)
		}
		<-winner.timers
		st, err := db.CreatedFeedState(ctx, "plain", "en", apiDigest(agent.URL))
		if err != nil || st.FeedID != created.FeedID || !st.CreatedAt.Equal(clock.Now()) {
			t.Fatalf("stored: %+v %v, want feed %s", st, err, created.FeedID)
		}
		fake.mu.Lock()
		meta := fake.feeds[created.FeedID].meta
		fake.mu.Unlock()
		if meta.TargetCountry != "FR" {
			t.Errorf("the feed's metadata: %+v", meta)
		}

		// The waiting replica's retry reuses the id; the products were
		// just pushed by the other, so it sends nothing.
		clock.advance(time.Minute + time.Second)
		lw.c <- clock.Now()
		if r := result(t, loser); r.Err != nil || r.Created || r.FeedID != created.FeedID || !r.Skipped {
			t.Errorf("the other replica after the creation: %+v, want feed %s, skipped", r, created.FeedID)
		}
		// A replica started later (a restart) reuses it too.
		c := startReplica(t, ctx, &wg, db, shop, clock, log, push)
		if r := result(t, c); r.Err != nil || r.Created || r.FeedID != created.FeedID {
			t.Errorf("a replica started later: %+v, want feed %s", r, created.FeedID)
		}
		fake.mu.Lock()
		posts, feeds, patches := fake.posts, len(fake.feeds), fake.patches
		fake.mu.Unlock()
		if posts != 1 || feeds != 1 || patches != 1 {
			t.Errorf("the agent got %d POST /feeds, holds %d feeds, got %d PATCHes; want 1, 1, 1", posts, feeds, patches)
		}
		if strings.Contains(log.String(), agentToken) || !strings.Contains(log.String(), "acp: feed created") {
			t.Errorf("log:\n%s", log)
		}

		// Races without the hold, each on a fresh agent (a fresh row).
		for i := range 8 {
			fake := newFakeFeedAPI(t)
			fake.keyless = true
			agent := httptest.NewServer(fake)
			ctx, cancel := context.WithCancel(ctx)
			var wg sync.WaitGroup
			push := acp.FeedPush{Bot: "plain", Locale: "en", API: &acp.FeedAPI{BaseURL: agent.URL, Token: agentToken}, Every: time.Hour}
			a := startReplica(t, ctx, &wg, db, shop, clock, log, push)
			b := startReplica(t, ctx, &wg, db, shop, clock, log, push)
			ra, rb := result(t, a), result(t, b)
			cancel()
			wg.Wait()
			agent.Close()
			if ra.Err != nil || rb.Err != nil || ra.Created == rb.Created {
				t.Errorf("race %d: %+v and %+v, want one creation", i, ra, rb)
			}
			if fake.posts != 1 || len(fake.feeds) != 1 {
				t.Errorf("race %d: %d POST /feeds, %d feeds; want 1 and 1", i, fake.posts, len(fake.feeds))
			}
		}
	})
}

// fire ends the wait r started last.
func fire(t *testing.T, r feedReplica) {
	t.Helper()
	fireWait(t, r, 0)
}

// fireWait ends r's next wait of d (any wait when d is 0); the waits of
// other lengths it passes stay waiting.
func fireWait(t *testing.T, r feedReplica, d time.Duration) {
	t.Helper()
	for {
		select {
		case w := <-r.timers:
			if d == 0 || w.d == d {
				w.c <- time.Time{}
				return
			}
		case <-time.After(20 * time.Second):
			t.Fatal("the replica is not waiting")
		}
	}
}

// TestFeedCreateRefused: an agent that refuses the creation (and echoes
// the bearer token in its message) leaves no token in the result, the
// log or the stored row; the failure is waited out by every replica and
// retried by one after the retry period, under the same Idempotency-Key,
// which then creates the feed. Both databases.
func TestFeedCreateRefused(t *testing.T) {
	act.EachDB(t, func(t *testing.T, dbURL string) {
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		defer func() { cancel(); wg.Wait() }()
		db := act.OpenStore(t, dbURL)
		shop := feedShops()[1]
		fake := newFakeFeedAPI(t)
		var refuse atomic.Bool
		refuse.Store(true)
		var keys []string
		var mu sync.Mutex
		agent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path == "/feeds" {
				mu.Lock()
				keys = append(keys, r.Header.Get("Idempotency-Key"))
				mu.Unlock()
				if refuse.Load() {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusBadRequest)
					fmt.Fprintf(w, `{"type":"invalid_request","code":"invalid_target_country","message":"no feeds for %s","param":"target_country"}`, r.Header.Get("Authorization"))
					return
				}
			}
			fake.ServeHTTP(w, r)
		}))
		defer agent.Close()
		log := &lockedBuffer{}
		clock := &fakeClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
		push := acp.FeedPush{Bot: "plain", Locale: "en", API: &acp.FeedAPI{BaseURL: agent.URL, Token: agentToken}, Every: time.Hour}
		a := startReplica(t, ctx, &wg, db, shop, clock, log, push)
		r := result(t, a)
		if r.Err == nil || r.FeedID != "" || !strings.Contains(r.Err.Error(), "invalid_target_country") || strings.Contains(r.Err.Error(), agentToken) {
			t.Fatalf("refused creation: %+v", r)
		}
		st, err := db.CreatedFeedState(ctx, "plain", "en", apiDigest(agent.URL))
		if err != nil || st.FeedID != "" || st.LastError == "" || strings.Contains(st.LastError, agentToken) {
			t.Fatalf("stored after the refusal: %+v %v", st, err)
		}
		b := startReplica(t, ctx, &wg, db, shop, clock, log, push)
		if r := result(t, b); r.Err != nil || !r.Skipped || r.FeedID != "" {
			t.Errorf("another replica during the retry wait: %+v, want skipped", r)
		}
		mu.Lock()
		n := len(keys)
		mu.Unlock()
		if n != 1 {
			t.Fatalf("%d POST /feeds during the retry wait, want 1", n)
		}
		refuse.Store(false)
		clock.advance(time.Minute + time.Second)
		fire(t, a)
		if r := result(t, a); r.Err != nil || !r.Created || r.FeedID == "" || r.Current != 2 {
			t.Fatalf("retry: %+v", r)
		}
		if len(keys) != 2 || keys[0] != keys[1] || keys[0] == "" {
			t.Errorf("creation keys %q, want the same key twice", keys)
		}
		if strings.Contains(log.String(), agentToken) || !strings.Contains(log.String(), "invalid_target_country") {
			t.Errorf("log:\n%s", log)
		}
	})
}

// TestFeedPushLocales: a bot with two languages keeps one feed per
// language on the agent, both created from the bot file (no feed id):
// two replicas push each feed once between them, each with its products
// in its language (what GET /acp/{bot}/feed?locale= serves), its own
// Idempotency-Keys and its own claim row; a price change is pushed once
// to each feed. Both databases.
func TestFeedPushLocales(t *testing.T) {
	act.EachDB(t, func(t *testing.T, dbURL string) {
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		defer func() { cancel(); wg.Wait() }()
		db := act.OpenStore(t, dbURL)
		var live atomic.Pointer[concierge.Bot]
		shop := feedShops()[3] // locales: fr, en
		live.Store(shop.Bot)
		shop.Live = live.Load
		fake := newFakeFeedAPI(t)
		agent := httptest.NewServer(fake)
		defer agent.Close()
		api := &acp.FeedAPI{BaseURL: agent.URL, Token: agentToken}
		log := &lockedBuffer{}
		clock := &fakeClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
		pushes := []acp.FeedPush{
			{Bot: "locales", Locale: "fr", API: api, TargetCountry: "FR", Every: time.Hour},
			{Bot: "locales", Locale: "en", API: api, Every: time.Hour},
		}
		a := startReplica(t, ctx, &wg, db, shop, clock, log, pushes...)
		b := startReplica(t, ctx, &wg, db, shop, clock, log, pushes...)
		// Until each replica knows both feeds: a replica that finds a feed
		// being created by the other waits the retry period, which ends
		// (once) after both creations.
		ids := map[concierge.Locale]string{}
		pushed := map[concierge.Locale]int{}
		replicas := []feedReplica{a, b}
		known := []map[concierge.Locale]bool{{}, {}}
		var pending []int // replicas waiting for a creation
		created := 0
		for len(known[0])+len(known[1]) < 4 {
			var res acp.FeedPushResult
			var i int
			select {
			case res = <-a.results:
			case res = <-b.results:
				i = 1
			case <-time.After(20 * time.Second):
				t.Fatalf("no push attempt; known %v", known)
			}
			switch {
			case res.Err != nil:
				t.Fatalf("%+v", res)
			case res.FeedID == "":
				pending = append(pending, i)
			case known[i][res.Locale]:
				t.Fatalf("%s attempted twice: %+v", res.Locale, res)
			default:
				known[i][res.Locale] = true
				if id, ok := ids[res.Locale]; ok && id != res.FeedID {
					t.Fatalf("%s: feeds %s and %s", res.Locale, id, res.FeedID)
				}
				ids[res.Locale] = res.FeedID
				if !res.Skipped {
					pushed[res.Locale]++
				}
				if res.Created {
					created++
				}
			}
			if created == 2 && len(pending) > 0 {
				clock.advance(time.Minute + time.Second)
				for _, i := range pending {
					fireWait(t, replicas[i], time.Minute)
				}
				pending = nil
			}
		}
		if len(ids) != 2 || ids["fr"] == ids["en"] || pushed["fr"] != 1 || pushed["en"] != 1 {
			t.Fatalf("feeds %v, pushed %v; want two feeds each pushed once", ids, pushed)
		}
		fake.mu.Lock()
		posts, feeds, patches, keys := fake.posts, len(fake.feeds), fake.patches, len(fake.keys)
		country := fake.feeds[ids["fr"]].meta.TargetCountry
		fake.mu.Unlock()
		if posts != 2 || feeds != 2 || patches != 2 || keys != 2 || country != "FR" {
			t.Errorf("the agent: %d POSTs, %d feeds, %d PATCHes, %d keys, fr country %q; want 2, 2, 2, 2, FR", posts, feeds, patches, keys, country)
		}
		h := acp.New(acp.Config{Service: act.NewService(t, db, shop), BaseURL: "https://shop.example", Keys: map[concierge.BotID][]string{"locales": {apiKey}}})
		digests := map[string]bool{}
		for loc, id := range ids {
			held, err := api.Products(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := h.Products(ctx, "locales", loc)
			got, _ := json.Marshal(held)
			exp, _ := json.Marshal(want)
			if string(got) != string(exp) {
				t.Errorf("feed %s (%s) holds\n%s\nwant\n%s", id, loc, got, exp)
			}
			st, err := db.FeedPush(ctx, "locales", id)
			if err != nil || st.Digest == "" {
				t.Errorf("%s's claim row: %+v %v", loc, st, err)
			}
			digests[st.Digest] = true
		}
		if len(digests) != 2 {
			t.Errorf("the two feeds' rows have %d digests, want 2", len(digests))
		}
		if fr, _ := api.Products(ctx, ids["fr"]); len(fr) == 0 || fr[0].Title != "Chaussures de trail Alpina" {
			t.Errorf("the French feed: %+v", fr)
		}
		if en, _ := api.Products(ctx, ids["en"]); len(en) == 0 || en[0].Title != "Alpina trail shoes" {
			t.Errorf("the English feed: %+v", en)
		}

		// A price change: each feed gets one PATCH with it.
		changed := *live.Load()
		changed.Products = append([]concierge.Product(nil), changed.Products...)
		changed.Products[2].Price.Minor = 990 // the socks
		live.Store(&changed)
		a.pusher.Changed("locales")
		b.pusher.Changed("locales")
		n := 0
		for _, r := range []feedReplica{a, b} {
			for range 2 {
				res := result(t, r)
				if res.Err != nil || res.FeedID == "" {
					t.Fatalf("after the change: %+v", res)
				}
				if !res.Skipped {
					n++
				}
			}
		}
		fake.mu.Lock()
		patches = fake.patches
		fake.mu.Unlock()
		if n != 2 || patches != 4 {
			t.Errorf("after the change: %d pushes, %d PATCHes in all; want 2 and 4", n, patches)
		}
		for loc, id := range ids {
			held, _ := api.Products(ctx, id)
			if socks := held[len(held)-1]; socks.ID != "SOCKS" || socks.Variants[0].Price == nil || socks.Variants[0].Price.Amount != 990 {
				t.Errorf("%s: the socks after the change: %+v", loc, socks)
			}
		}
		if strings.Contains(log.String(), agentToken) {
			t.Errorf("a token is in the log:\n%s", log)
		}
	})
}

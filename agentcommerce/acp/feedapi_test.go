package acp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce/acp"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
)

const agentToken = "agent-feed-token-abcdef"

// fakeFeedAPI is an agent-hosted Feed API as
// spec/2026-04-17/openapi/openapi.feed.yaml and rfcs/rfc.product_feeds.md
// define it: bearer auth, API-Version required, request bodies checked
// against the schema (400 with the flat error otherwise), POST /feeds
// 201 (idempotent by Idempotency-Key), GET /feeds/{id} and
// GET /feeds/{id}/products (404 feed_not_found), PATCH upserting by
// Product.id and advancing updated_at.
type fakeFeedAPI struct {
	t                *testing.T
	create, upsert   *jsonschema.Resolved
	mu               sync.Mutex
	feeds            map[string]*fakeFeed
	created          map[string]string // Idempotency-Key → feed id
	patches, badKeys int
	keys             map[string]bool // Idempotency-Keys of PATCHes
	// posts counts POST /feeds; keyless makes the agent one that does
	// not support Idempotency-Key on creation (the spec's "SHOULD ...
	// where supported"): each POST is a new feed.
	posts   int
	keyless bool
}

type fakeFeed struct {
	meta     acp.FeedMetadata
	order    []string
	products map[string]json.RawMessage
}

func newFakeFeedAPI(t *testing.T) *fakeFeedAPI {
	return &fakeFeedAPI{t: t, create: feedSchema(t, "CreateFeedRequest"), upsert: feedSchema(t, "UpsertProductsRequest"),
		feeds: map[string]*fakeFeed{}, created: map[string]string{}, keys: map[string]bool{}}
}

func (f *fakeFeedAPI) fail(w http.ResponseWriter, status int, code, msg, param string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"type": "invalid_request", "code": code, "message": msg, "param": param})
}

func (f *fakeFeedAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+agentToken {
		f.fail(w, 401, "unauthorized", "bearer token required", "")
		return
	}
	if r.Header.Get("API-Version") != acp.Version {
		f.fail(w, 400, "unsupported_api_version", "API-Version required", "")
		return
	}
	body, _ := io.ReadAll(r.Body)
	valid := func(rs *jsonschema.Resolved) bool {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			f.fail(w, 400, "invalid_json", err.Error(), "")
			return false
		}
		if err := rs.Validate(v); err != nil {
			f.t.Errorf("%s %s: body invalid against the spec's schema: %v\n%s", r.Method, r.URL.Path, err, body)
			f.fail(w, 400, "invalid_product_payload", err.Error(), "")
			return false
		}
		return true
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if parts[0] != "feeds" {
		f.fail(w, 404, "not_found", "no such endpoint", "")
		return
	}
	if len(parts) == 1 && r.Method == http.MethodPost {
		f.posts++
		key := r.Header.Get("Idempotency-Key")
		if key == "" {
			f.badKeys++
		}
		if !valid(f.create) {
			return
		}
		id, ok := f.created[key]
		if !ok || key == "" || f.keyless {
			var req struct {
				TargetCountry string `json:"target_country"`
			}
			json.Unmarshal(body, &req)
			id = fmt.Sprintf("feed_%d", len(f.feeds)+1)
			f.feeds[id] = &fakeFeed{meta: acp.FeedMetadata{ID: id, TargetCountry: req.TargetCountry, UpdatedAt: "2026-03-01T00:00:00Z"}, products: map[string]json.RawMessage{}}
			f.created[key] = id
		}
		f.json(w, 201, f.feeds[id].meta)
		return
	}
	feed := f.feeds[parts[1]]
	if len(parts) > 3 || feed == nil {
		f.fail(w, 404, "feed_not_found", "Feed not found", "id")
		return
	}
	switch {
	case len(parts) == 2 && r.Method == http.MethodGet:
		f.json(w, 200, feed.meta)
	case len(parts) == 3 && parts[2] == "products" && r.Method == http.MethodGet:
		ps := []json.RawMessage{}
		for _, id := range feed.order {
			ps = append(ps, feed.products[id])
		}
		f.json(w, 200, map[string]any{"products": ps})
	case len(parts) == 3 && parts[2] == "products" && r.Method == http.MethodPatch:
		f.patches++
		if key := r.Header.Get("Idempotency-Key"); key == "" {
			f.badKeys++
		} else {
			f.keys[key] = true
		}
		if !valid(f.upsert) {
			return
		}
		var req struct {
			Products []json.RawMessage `json:"products"`
		}
		json.Unmarshal(body, &req)
		for _, p := range req.Products {
			var id struct {
				ID string `json:"id"`
			}
			json.Unmarshal(p, &id)
			if _, ok := feed.products[id.ID]; !ok {
				feed.order = append(feed.order, id.ID)
			}
			feed.products[id.ID] = p
		}
		feed.meta.UpdatedAt = time.Date(2026, 3, 1, 0, 0, f.patches, 0, time.UTC).Format(time.RFC3339)
		f.json(w, 200, map[string]any{"id": feed.meta.ID, "accepted": true})
	default:
		f.fail(w, 405, "method_not_allowed", "method not allowed", "")
	}
}

func (f *fakeFeedAPI) json(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// TestFeedPush: the merchant's side of the Feed API against a local
// agent that speaks the spec's protocol. A feed is created (the same
// Idempotency-Key twice makes one feed); the catalog is pushed in
// batches whose bodies the agent validates against the schema, so that
// the agent then holds exactly what GET /acp/{bot}/feed serves; a product
// the agent held that the catalog lacks comes back unavailable and
// discontinued; pushing again sends the same keys (nothing new); a wrong
// token and an unknown feed are the agent's errors, and the token is in
// no error. Both databases (stock is live).
func TestFeedPush(t *testing.T) {
	act.EachDB(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		db := act.OpenStore(t, dbURL)
		shops := feedShops()
		keys := map[concierge.BotID][]string{}
		for _, s := range shops {
			keys[s.Bot.ID] = []string{apiKey}
		}
		h := acp.New(acp.Config{Service: act.NewService(t, db, shops...), BaseURL: "https://shop.example", Keys: keys})
		fake := newFakeFeedAPI(t)
		agent := httptest.NewServer(fake)
		defer agent.Close()
		api := &acp.FeedAPI{BaseURL: agent.URL, Token: agentToken, BatchSize: 2}

		meta, err := api.CreateFeed(ctx, "fr", "create-1")
		if err != nil || meta.ID == "" || meta.TargetCountry != "FR" {
			t.Fatalf("create: %+v %v", meta, err)
		}
		again, err := api.CreateFeed(ctx, "FR", "create-1")
		if err != nil || again.ID != meta.ID || len(fake.feeds) != 1 {
			t.Fatalf("create again with the same key: %+v %v, %d feeds", again, err, len(fake.feeds))
		}
		// The agent holds a product from an earlier catalog.
		stale := `{"id":"OLD","title":"Old lamp","variants":[{"id":"OLD-1","title":"Old lamp","availability":{"available":true,"status":"in_stock"}}]}`
		fake.feeds[meta.ID].order, fake.feeds[meta.ID].products["OLD"] = []string{"OLD"}, json.RawMessage(stale)

		current, gone, err := h.Push(ctx, api, meta.ID, "locales", "en")
		if err != nil || current != 2 || gone != 1 {
			t.Fatalf("push: %d current, %d discontinued, %v", current, gone, err)
		}
		if fake.patches != 2 || fake.badKeys != 0 { // 3 products in batches of 2
			t.Errorf("%d PATCHes (want 2), %d without Idempotency-Key", fake.patches, fake.badKeys)
		}
		held, err := api.Products(ctx, meta.ID)
		if err != nil {
			t.Fatal(err)
		}
		want, err := h.Products(ctx, "locales", "en")
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(held[1:])
		exp, _ := json.Marshal(want)
		if string(got) != string(exp) {
			t.Errorf("the agent holds\n%s\nwant the served feed\n%s", got, exp)
		}
		if held[0].ID != "OLD" || held[0].Variants[0].Availability == nil || held[0].Variants[0].Availability.Available ||
			held[0].Variants[0].Availability.Status != "discontinued" || held[0].Variants[0].Title != "Old lamp" {
			t.Errorf("the product the catalog lost: %+v", held[0])
		}
		m, err := api.Feed(ctx, meta.ID)
		if err != nil || m.UpdatedAt == "2026-03-01T00:00:00Z" {
			t.Errorf("feed after the push: %+v %v (updated_at should advance)", m, err)
		}

		// The same catalog again: the same batches, so the same keys.
		before := len(fake.keys)
		if _, _, err := h.Push(ctx, api, meta.ID, "locales", "en"); err != nil {
			t.Fatal(err)
		}
		if len(fake.keys) != before {
			t.Errorf("pushing the same catalog again used %d new Idempotency-Keys", len(fake.keys)-before)
		}

		var ae *acp.FeedAPIError
		if _, err := api.Feed(ctx, "feed_nope"); !errors.As(err, &ae) || ae.Status != 404 || ae.Code != "feed_not_found" {
			t.Errorf("unknown feed: %v", err)
		}
		bad := &acp.FeedAPI{BaseURL: agent.URL, Token: "wrong-" + agentToken}
		_, _, err = h.Push(ctx, bad, meta.ID, "locales", "en")
		if !errors.As(err, &ae) || ae.Status != 401 || strings.Contains(err.Error(), agentToken) {
			t.Errorf("wrong token: %v", err)
		}
		if _, _, err := h.Push(ctx, api, meta.ID, "nobody", "en"); err == nil {
			t.Error("pushed the feed of a bot that does not speak ACP")
		}
	})
}

// logRecords is a slog handler that hands each record's message and
// attributes, as text, to a channel: the test waits on the job's logs.
type logRecords chan string

func (l logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l logRecords) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l logRecords) WithGroup(string) slog.Handler            { return l }
func (l logRecords) Handle(_ context.Context, r slog.Record) error {
	var b bytes.Buffer
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&b, " %s=%v", a.Key, a.Value); return true })
	l <- b.String()
	return nil
}

// TestFeedPushJob: the background job pushes each configured feed as it
// starts (without waiting a period), logs a refused push without the
// token and goes on, and returns when its context ends.
func TestFeedPushJob(t *testing.T) {
	db := act.OpenStore(t, act.SQLite(t))
	shops := feedShops()
	logs := make(logRecords, 8)
	h := acp.New(acp.Config{Service: act.NewService(t, db, shops...), BaseURL: "https://shop.example",
		Keys: map[concierge.BotID][]string{"variants": {apiKey}, "plain": {apiKey}}, Log: slog.New(logs)})
	fake := newFakeFeedAPI(t)
	agent := httptest.NewServer(fake)
	defer agent.Close()
	api := &acp.FeedAPI{BaseURL: agent.URL, Token: agentToken}
	meta, err := api.CreateFeed(context.Background(), "", "k")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.RunFeedPushes(ctx, []acp.FeedPush{
			{Bot: "variants", Locale: "en", API: api, FeedID: meta.ID, Every: time.Hour},
			{Bot: "plain", Locale: "en", API: &acp.FeedAPI{BaseURL: agent.URL, Token: "wrong-token-" + agentToken}, FeedID: meta.ID, Every: time.Hour},
		})
	}()
	var pushed, failed string
	for pushed == "" || failed == "" {
		switch l := <-logs; {
		case strings.HasPrefix(l, "acp: feed pushed"):
			pushed = l
		case strings.HasPrefix(l, "acp: feed push failed"):
			failed = l
		}
	}
	cancel()
	<-done
	if !strings.Contains(pushed, "bot=variants") || !strings.Contains(failed, "bot=plain") || !strings.Contains(failed, "unauthorized") {
		t.Errorf("logs:\n%s\n%s", pushed, failed)
	}
	if strings.Contains(pushed+failed, agentToken) {
		t.Errorf("a token is in the log:\n%s\n%s", pushed, failed)
	}
	held, err := api.Products(context.Background(), meta.ID)
	if err != nil || len(held) != 1 || held[0].ID != "TRAIL" || len(held[0].Variants) != 3 {
		t.Errorf("the agent holds %+v %v, want the variants shop's TRAIL with 3 variants", held, err)
	}
}

// TestFeedAPIErrorsNameNoCredential: with the agent unreachable, or
// answering an error that echoes the request, the error (which is logged
// and stored with a failed push) names neither the bearer token nor a
// credential the configured URL carries in its query or user part; a
// *FeedAPIError is still found by errors.As.
func TestFeedAPIErrorsNameNoCredential(t *testing.T) {
	const inURL = "url-secret-0123456789"
	down := httptest.NewServer(http.NotFoundHandler())
	base := strings.Replace(down.URL, "http://", "http://merchant:"+inURL+"@", 1) + "/v1?key=" + inURL
	down.Close() // unreachable from here on
	api := &acp.FeedAPI{BaseURL: base, Token: agentToken}
	_, err := api.Feed(context.Background(), "feed_1")
	if err == nil {
		t.Fatal("Feed on an unreachable agent: no error")
	}
	for _, secret := range []string{inURL, agentToken} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q names a credential", err)
		}
	}

	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"type":"invalid_request","code":"unauthorized","message":"bad token %s"}`, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	}))
	defer echo.Close()
	api = &acp.FeedAPI{BaseURL: echo.URL, Token: agentToken}
	_, err = api.Feed(context.Background(), "feed_1")
	var fe *acp.FeedAPIError
	if !errors.As(err, &fe) || fe.Status != http.StatusUnauthorized {
		t.Fatalf("err = %v, want a *FeedAPIError 401", err)
	}
	if strings.Contains(err.Error(), agentToken) {
		t.Errorf("error %q echoes the token", err)
	}
}

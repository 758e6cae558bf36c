package acp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/acp"
	"github.com/conciergehq/concierge/checkout"
	"github.com/conciergehq/concierge/checkout/sandbox"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

const apiKey = "acp-test-key-0123456789"

// storeGlue and checkoutGlue adapt the real store and checkout, as cmd
// does.
type storeGlue struct{ db *store.DB }

func (g storeGlue) InTx(ctx context.Context, fn func(agentcommerce.Tx) error) error {
	return g.db.InTx(ctx, func(tx *store.Tx) error { return fn(tx) })
}

func (g storeGlue) PruneIdempotencyKeys(ctx context.Context, before time.Time) (int64, error) {
	return g.db.PruneIdempotencyKeys(ctx, before)
}

type checkoutGlue struct{ *checkout.Service }

func (g checkoutGlue) Paid(ctx context.Context, tx concierge.Tx, bot concierge.BotID, p concierge.Payment) (string, error) {
	r, err := g.Service.Paid(ctx, tx, bot, p)
	return string(r), err
}

// heldPayer is a Payer whose Charge waits, once entered is signalled,
// until release is closed: a request held in flight.
type heldPayer struct {
	entered chan struct{}
	release chan struct{}
	charges atomic.Int32
}

func (p *heldPayer) Charge(ctx context.Context, o *concierge.Order, token string) (string, error) {
	p.charges.Add(1)
	p.entered <- struct{}{}
	<-p.release
	return "held:" + string(o.ID), nil
}

type fixture struct {
	db   *store.DB
	svc  *agentcommerce.Service
	srv  *httptest.Server
	shop *agentcommerce.Shop
	now  atomic.Pointer[time.Time]
}

func (f *fixture) clock() time.Time { return *f.now.Load() }

func (f *fixture) advance(d time.Duration) {
	t := f.clock().Add(d)
	f.now.Store(&t)
}

// eachStore runs fn on SQLite and on PostgreSQL (skipped locally when no
// server answers, failed in CI).
func eachStore(t *testing.T, payer agentcommerce.Payer, fn func(t *testing.T, f *fixture)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newFixture(t, "sqlite:"+filepath.Join(t.TempDir(), "t.db"), payer)) })
	t.Run("postgres", func(t *testing.T) { fn(t, newFixture(t, testenv.PostgresURL(t), payer)) })
}

func newFixture(t *testing.T, url string, payer agentcommerce.Payer) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db}
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	f.now.Store(&start)
	db.SetClock(f.clock)
	p, err := sandbox.New(sandbox.Config{Secret: bytes.Repeat([]byte("s"), 32), BaseURL: "http://localhost"})
	if err != nil {
		t.Fatal(err)
	}
	bot := &concierge.Bot{ID: "shop-a", Name: "Shop", Locales: []concierge.Locale{"en"}, Currency: "EUR",
		Products: []concierge.Product{
			{SKU: "LAMP-01", Name: map[concierge.Locale]string{"en": "Aurore lamp"}, Price: concierge.Money{Minor: 4900, Currency: "EUR"}, Stock: 12},
		},
		Policies: concierge.Policies{OrderTTL: 30 * time.Minute}}
	shop := &agentcommerce.Shop{Bot: bot, Handlers: map[string]agentcommerce.Payer{"sandbox": payer},
		Shipping: []agentcommerce.ShippingOption{{ID: "standard", Title: map[concierge.Locale]string{"en": "Standard"},
			Price: concierge.Money{Minor: 490, Currency: "EUR"}}},
		WidgetURL: "http://localhost/chat/shop-a", OrderEvents: map[agentcommerce.Protocol]bool{agentcommerce.ACP: true}}
	if err := db.SeedStock(ctx, bot.ID, append(bot.Products, shop.ShippingProducts()...)); err != nil {
		t.Fatal(err)
	}
	f.svc = agentcommerce.New(storeGlue{db}, checkoutGlue{checkout.New(map[concierge.BotID]concierge.PaymentProvider{bot.ID: p}, nil)}, []*agentcommerce.Shop{shop})
	f.svc.Now = f.clock
	f.shop = shop
	mux := http.NewServeMux()
	acp.New(acp.Config{Service: f.svc, BaseURL: "http://localhost", Keys: map[concierge.BotID][]string{bot.ID: {apiKey}}}).Register(mux)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// post sends an ACP request and returns its status, JSON body and headers.
func (f *fixture) post(t *testing.T, path, key, body string) (int, map[string]any, http.Header) {
	t.Helper()
	return postTo(t, f.srv.URL, path, key, body, nil)
}

// postTo sends an authorised ACP request with extra headers to the
// server at base.
func postTo(t *testing.T, base, path, key, body string, extra map[string]string) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("API-Version", acp.Version)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	for k, v := range extra {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, nil, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Errorf("POST %s: %d %s: not JSON", path, resp.StatusCode, b)
	}
	return resp.StatusCode, out, resp.Header
}

// ready creates a session that is ready for payment and returns its id.
func (f *fixture) ready(t *testing.T) string {
	t.Helper()
	st, s, _ := f.post(t, "/acp/shop-a/checkout_sessions", "create-1", `{"line_items":[{"item":{"id":"LAMP-01"},"quantity":1}],
		"buyer":{"email":"jane@example.com"},
		"fulfillment_details":{"address":{"name":"Jane","line_one":"1 rue de la Paix","city":"Lyon","state":"","postal_code":"69001","country":"FR"}}}`)
	if st != http.StatusCreated || s["status"] != "ready_for_payment" {
		t.Fatalf("create: %d %v", st, s)
	}
	return s["id"].(string)
}

const pay = `{"payment_data":{"handler_id":"sandbox","instrument":{"type":"card","credential":{"type":"token","token":"success_token"}}}}`

// TestIdempotencyInFlight: while a complete is still being handled, the
// same request with the same Idempotency-Key gets 409
// idempotency_in_flight with Retry-After, another body with that key 422
// idempotency_conflict; once the first ends, the retry replays it and the
// payment was charged once.
func TestIdempotencyInFlight(t *testing.T) {
	payer := &heldPayer{entered: make(chan struct{}), release: make(chan struct{})}
	eachStore(t, payer, func(t *testing.T, f *fixture) {
		payer.charges.Store(0)
		id := f.ready(t)
		path := "/acp/shop-a/checkout_sessions/" + id + "/complete"
		type answer struct {
			status int
			body   map[string]any
		}
		first := make(chan answer, 1)
		go func() {
			st, b, _ := f.post(t, path, "pay-1", pay)
			first <- answer{st, b}
		}()
		<-payer.entered // the first request is now inside Charge

		st, b, h := f.post(t, path, "pay-1", pay)
		if st != http.StatusConflict || b["code"] != "idempotency_in_flight" || b["type"] != "invalid_request" || h.Get("Retry-After") == "" {
			t.Errorf("same request in flight: %d %v Retry-After=%q", st, b, h.Get("Retry-After"))
		}
		st, b, _ = f.post(t, path, "pay-1", `{"payment_data":{"handler_id":"sandbox","instrument":{"type":"card","credential":{"type":"token","token":"other"}}}}`)
		if st != http.StatusUnprocessableEntity || b["code"] != "idempotency_conflict" {
			t.Errorf("other body in flight: %d %v", st, b)
		}

		close(payer.release)
		a := <-first
		if a.status != http.StatusOK || a.body["status"] != "completed" {
			t.Fatalf("first: %d %v", a.status, a.body)
		}
		payer.release = make(chan struct{}) // for the next store
		st, b, h = f.post(t, path, "pay-1", pay)
		if st != http.StatusOK || h.Get("Idempotent-Replayed") != "true" || b["status"] != "completed" {
			t.Errorf("retry after: %d %v replayed=%q", st, b, h.Get("Idempotent-Replayed"))
		}
		st, b, _ = f.post(t, path, "pay-1", `{"payment_data":{"handler_id":"sandbox"}}`)
		if st != http.StatusUnprocessableEntity || b["code"] != "idempotency_conflict" {
			t.Errorf("other body after: %d %v", st, b)
		}
		if n := payer.charges.Load(); n != 1 {
			t.Errorf("charged %d times, want 1", n)
		}
	})
}

// eventGlue adapts the store's agent_events queue, as cmd does.
type eventGlue struct{ db *store.DB }

func (g eventGlue) WatchOrders(ctx context.Context) (int64, error) { return g.db.WatchAgentOrders(ctx) }

func (g eventGlue) ClaimEvents(ctx context.Context, p agentcommerce.Protocol, limit int, lease time.Duration) ([]agentcommerce.Event, error) {
	rows, err := g.db.ClaimAgentEvents(ctx, string(p), limit, lease)
	out := make([]agentcommerce.Event, len(rows))
	for i, r := range rows {
		out[i] = agentcommerce.Event{ID: r.ID, Token: r.Token, Attempts: r.Attempts, Bot: r.Bot, Protocol: agentcommerce.Protocol(r.Protocol),
			Session: r.Session, Order: r.Order, Type: agentcommerce.EventType(r.Type), State: r.OrderState, CreatedAt: r.CreatedAt}
	}
	return out, err
}

func (g eventGlue) FinishEvent(ctx context.Context, e *agentcommerce.Event, r agentcommerce.EventResult) (bool, error) {
	status := map[agentcommerce.EventOutcome]string{agentcommerce.EventSent: store.HookSent, agentcommerce.EventFailed: store.HookFailed,
		agentcommerce.EventRetry: store.HookPending}[r.Outcome]
	return g.db.FinishAgentEvent(ctx, &store.AgentEvent{ID: e.ID, Token: e.Token}, status, r.Next, r.Counted, r.Error)
}

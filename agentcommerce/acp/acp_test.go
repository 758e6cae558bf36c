package acp_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
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

const apiKey = "acp-test-key-0123456789"

// lockedBuffer is a log sink that concurrent requests may write to.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type fixture struct {
	url  string
	logs *lockedBuffer // what the handler and the service logged
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
	act.EachDB(t, func(t *testing.T, url string) { fn(t, newFixture(t, url, payer)) })
}

func newFixture(t *testing.T, url string, payer agentcommerce.Payer) *fixture {
	t.Helper()
	db := act.OpenStore(t, url)
	f := &fixture{url: url, db: db, logs: &lockedBuffer{}}
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	f.now.Store(&start)
	db.SetClock(f.clock)
	bot := &concierge.Bot{ID: "shop-a", Name: "Shop", Locales: []concierge.Locale{"en"}, Currency: "EUR",
		Products: []concierge.Product{
			{SKU: "LAMP-01", Name: map[concierge.Locale]string{"en": "Aurore lamp"}, Price: concierge.Money{Minor: 4900, Currency: "EUR"}, Stock: 12},
		},
		Policies: concierge.Policies{OrderTTL: 30 * time.Minute}}
	shop := &agentcommerce.Shop{Bot: bot, Handlers: map[string]agentcommerce.Payer{"sandbox": payer},
		Shipping: []agentcommerce.ShippingOption{{ID: "standard", Title: map[concierge.Locale]string{"en": "Standard"},
			Price: concierge.Money{Minor: 490, Currency: "EUR"}}},
		WidgetURL: "http://localhost/chat/shop-a", OrderEvents: map[agentcommerce.Protocol]bool{agentcommerce.ACP: true}}
	f.svc = act.NewService(t, db, shop)
	f.svc.Now = f.clock
	log := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.svc.Log = log
	f.shop = shop
	mux := http.NewServeMux()
	acp.New(acp.Config{Service: f.svc, BaseURL: "http://localhost", Keys: map[concierge.BotID][]string{bot.ID: {apiKey}}, Log: log,
		// The refusal tables send more than the default burst of 30.
		RatePerMinute: 1200}).Register(mux)
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
	st, out, b, h := act.Do(t, req)
	if st != 0 && out == nil {
		t.Errorf("POST %s: %d %s: not JSON", path, st, b)
	}
	return st, out, h
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
	act.EachDB(t, func(t *testing.T, url string) {
		payer := act.NewHeldPayer()
		defer payer.Release()
		f := newFixture(t, url, payer)
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
		payer.WaitEntered(t) // the first request is now inside Charge

		st, b, h := f.post(t, path, "pay-1", pay)
		if st != http.StatusConflict || b["code"] != "idempotency_in_flight" || b["type"] != "invalid_request" || h.Get("Retry-After") == "" {
			t.Errorf("same request in flight: %d %v Retry-After=%q", st, b, h.Get("Retry-After"))
		}
		st, b, _ = f.post(t, path, "pay-1", `{"payment_data":{"handler_id":"sandbox","instrument":{"type":"card","credential":{"type":"token","token":"other"}}}}`)
		if st != http.StatusUnprocessableEntity || b["code"] != "idempotency_conflict" {
			t.Errorf("other body in flight: %d %v", st, b)
		}

		payer.Release()
		a := <-first
		if a.status != http.StatusOK || a.body["status"] != "completed" {
			t.Fatalf("first: %d %v", a.status, a.body)
		}
		st, b, h = f.post(t, path, "pay-1", pay)
		if st != http.StatusOK || h.Get("Idempotent-Replayed") != "true" || b["status"] != "completed" {
			t.Errorf("retry after: %d %v replayed=%q", st, b, h.Get("Idempotent-Replayed"))
		}
		st, b, _ = f.post(t, path, "pay-1", `{"payment_data":{"handler_id":"sandbox"}}`)
		if st != http.StatusUnprocessableEntity || b["code"] != "idempotency_conflict" {
			t.Errorf("other body after: %d %v", st, b)
		}
		if n := payer.Charges(); n != 1 {
			t.Errorf("charged %d times, want 1", n)
		}
	})
}

// TestIdempotencyInFlightAcrossReplicas: two ACP servers on one database.
// While the first handles a complete (held inside Charge, its
// transaction open), the second answers the same request 409
// idempotency_in_flight with Retry-After and another body 422, at once;
// afterwards the second replays the first's response, and the payment
// was charged once.
func TestIdempotencyInFlightAcrossReplicas(t *testing.T) {
	act.EachDB(t, func(t *testing.T, url string) {
		payer := act.NewHeldPayer()
		defer payer.Release()
		a, b := newFixture(t, url, payer), newFixture(t, url, payer)
		id := a.ready(t)
		path := "/acp/shop-a/checkout_sessions/" + id + "/complete"
		type answer struct {
			status int
			body   map[string]any
		}
		first := make(chan answer, 1)
		go func() {
			st, body, _ := a.post(t, path, "pay-1", pay)
			first <- answer{st, body}
		}()
		payer.WaitEntered(t) // the first request is inside Charge on replica a

		st, body, h := b.post(t, path, "pay-1", pay)
		if st != http.StatusConflict || body["code"] != "idempotency_in_flight" || h.Get("Retry-After") == "" {
			t.Errorf("same request on replica b: %d %v Retry-After=%q", st, body, h.Get("Retry-After"))
		}
		st, body, _ = b.post(t, path, "pay-1", `{"payment_data":{"handler_id":"sandbox","instrument":{"type":"card","credential":{"type":"token","token":"other"}}}}`)
		if st != http.StatusUnprocessableEntity || body["code"] != "idempotency_conflict" {
			t.Errorf("other body on replica b: %d %v", st, body)
		}
		payer.Release()
		got := <-first
		if got.status != http.StatusOK || got.body["status"] != "completed" {
			t.Fatalf("first: %d %v", got.status, got.body)
		}
		st, body, h = b.post(t, path, "pay-1", pay)
		if st != http.StatusOK || h.Get("Idempotent-Replayed") != "true" || body["status"] != "completed" {
			t.Errorf("retry on replica b: %d %v replayed=%q", st, body, h.Get("Idempotent-Replayed"))
		}
		if n := payer.Charges(); n != 1 {
			t.Errorf("charged %d times, want 1", n)
		}
	})
}

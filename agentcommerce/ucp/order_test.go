package ucp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
	"github.com/conciergehq/concierge/agentcommerce/httpsig"
	"github.com/conciergehq/concierge/agentcommerce/ucp"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

// delivery is one request the platform's webhook receiver got, with
// what its signature check said.
type delivery struct {
	header http.Header
	body   []byte
	order  map[string]any
	sigErr error
}

// orderShop is a shop selling a physical lamp over UCP with order
// webhooks to recv, on the store at url.
type orderShop struct {
	db  *store.DB
	srv *httptest.Server
	h   *ucp.Handler
	key *httpsig.PrivateKey
	svc *agentcommerce.Service
	now atomic.Pointer[time.Time]
}

func (s *orderShop) clock() time.Time { return *s.now.Load() }

func (s *orderShop) advance(d time.Duration) {
	t := s.clock().Add(d)
	s.now.Store(&t)
}

// newOrderShop serves UCP with cfg (Service, BaseURL, Bots, Now and
// SigningKeys are set here) and order webhooks to webhook, if any.
func newOrderShop(t *testing.T, url, webhook string, cfg ucp.Config) *orderShop {
	t.Helper()
	db := act.OpenStore(t, url)
	s := &orderShop{db: db}
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	s.now.Store(&start)
	db.SetClock(s.clock)
	bot := &concierge.Bot{ID: "shop-a", Name: "Shop", Locales: []concierge.Locale{"en"}, Currency: "EUR",
		Products: []concierge.Product{{SKU: "LAMP-01", Name: map[concierge.Locale]string{"en": "Aurore lamp"},
			Price: concierge.Money{Minor: 4900, Currency: "EUR"}, Stock: 12}},
		Policies: concierge.Policies{OrderTTL: 30 * time.Minute}}
	sh := &agentcommerce.Shop{Bot: bot, Handlers: map[string]agentcommerce.Payer{"sandbox": agentcommerce.Sandbox{}},
		Shipping: []agentcommerce.ShippingOption{{ID: "standard", Title: map[concierge.Locale]string{"en": "Standard"},
			Price: concierge.Money{Minor: 490, Currency: "EUR"}}},
		WidgetURL: "http://localhost/chat/shop-a", OrderEvents: map[agentcommerce.Protocol]bool{agentcommerce.UCP: true}}
	var err error
	if s.key, err = httpsig.GenerateES256(); err != nil {
		t.Fatal(err)
	}
	svc := act.NewService(t, db, sh)
	svc.Now = s.clock
	s.svc = svc
	cfg.Service, cfg.BaseURL, cfg.Bots, cfg.Now = svc, "http://localhost", []concierge.BotID{bot.ID}, s.clock
	cfg.SigningKeys = map[concierge.BotID]*httpsig.PrivateKey{bot.ID: s.key}
	if webhook != "" {
		cfg.WebhookURLs = map[concierge.BotID]string{bot.ID: webhook}
	} else {
		sh.OrderEvents = nil
	}
	s.h = ucp.New(cfg)
	mux := http.NewServeMux()
	s.h.Register(mux)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// call makes an unsigned UCP request and returns its status and body.
func (s *orderShop) call(t *testing.T, method, path, key, body string) (int, map[string]any) {
	return s.callAs(t, nil, method, path, key, body)
}

// callAs makes a UCP request as platform p (signed with its key), or
// unsigned as https://platform.example when p is nil.
func (s *orderShop) callAs(t *testing.T, p *platform, method, path, key, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("UCP-Agent", `profile="https://platform.example/.well-known/ucp"`)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	if p != nil {
		p.sign(t, req, body)
	}
	st, out, b, _ := act.Do(t, req)
	if out == nil {
		t.Fatalf("%s %s: %d %s", method, path, st, b)
	}
	return st, out
}

// buy checks out one lamp shipped to Lyon, paid in the sandbox, and
// returns the session and order ids.
func (s *orderShop) buy(t *testing.T) (session, order string) {
	return s.buyAs(t, nil, "")
}

// buyAs is buy with the checkout created by platform p (nil: unsigned),
// its idempotency keys suffixed with k.
func (s *orderShop) buyAs(t *testing.T, p *platform, k string) (session, order string) {
	t.Helper()
	st, c := s.callAs(t, p, "POST", "/ucp/shop-a/checkout-sessions", "k-create"+k, `{"buyer":{"email":"jane@example.com"},
		"line_items":[{"item":{"id":"LAMP-01"},"quantity":1}],
		"fulfillment":{"methods":[{"type":"shipping","destinations":[{"street_address":"1 rue de la Paix","address_locality":"Lyon","postal_code":"69001","address_country":"FR"}],
		"groups":[{"selected_option_id":"standard"}]}]}}`)
	if st != http.StatusCreated || c["status"] != "ready_for_complete" {
		t.Fatalf("create: %d %v", st, c)
	}
	session = c["id"].(string)
	st, done := s.call(t, "POST", "/ucp/shop-a/checkout-sessions/"+session+"/complete", "k-pay"+k,
		`{"payment":{"instruments":[{"id":"pi_1","handler_id":"sandbox","type":"card","credential":{"type":"token","token":"success_token"}}]}}`)
	o, _ := done["order"].(map[string]any)
	if st != http.StatusOK || done["status"] != "completed" || o == nil {
		t.Fatalf("complete: %d %v", st, done)
	}
	return session, o["id"].(string)
}

// required is testdata/order_required.json: the spec's required fields.
type required struct {
	Order, LineItem, Quantity, Expectation, FulfillmentEvent, Adjustment []string
	LineItemStatus, AdjustmentStatus, WebhookHeaders                     []string
}

func loadRequired(t *testing.T) required {
	b, err := os.ReadFile("testdata/order_required.json")
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Order            []string `json:"order"`
		LineItem         []string `json:"line_item"`
		Quantity         []string `json:"quantity"`
		Expectation      []string `json:"expectation"`
		FulfillmentEvent []string `json:"fulfillment_event"`
		Adjustment       []string `json:"adjustment"`
		LineItemStatus   []string `json:"line_item_status"`
		AdjStatus        []string `json:"adjustment_status"`
		WebhookHeaders   []string `json:"webhook_headers"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return required{r.Order, r.LineItem, r.Quantity, r.Expectation, r.FulfillmentEvent, r.Adjustment, r.LineItemStatus, r.AdjStatus, r.WebhookHeaders}
}

// has fails t for each of keys that obj lacks.
func has(t *testing.T, what string, obj any, keys []string) {
	t.Helper()
	m, ok := obj.(map[string]any)
	if !ok {
		t.Errorf("%s is %T, not an object", what, obj)
		return
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s lacks required %q: %v", what, k, m)
		}
	}
}

func first(v any) any {
	if a, ok := v.([]any); ok && len(a) > 0 {
		return a[0]
	}
	return nil
}

// checkOrder checks an order entity against the spec's required fields.
func checkOrder(t *testing.T, req required, o map[string]any) {
	t.Helper()
	has(t, "order", o, req.Order)
	li := first(o["line_items"])
	has(t, "line item", li, req.LineItem)
	if m, ok := li.(map[string]any); ok {
		has(t, "quantity", m["quantity"], req.Quantity)
		if st, _ := m["status"].(string); !slices.Contains(req.LineItemStatus, st) {
			t.Errorf("line item status %q", st)
		}
	}
	ful, _ := o["fulfillment"].(map[string]any)
	has(t, "expectation", first(ful["expectations"]), req.Expectation)
	if ev := first(ful["events"]); ev != nil {
		has(t, "fulfillment event", ev, req.FulfillmentEvent)
	}
	if adj := first(o["adjustments"]); adj != nil {
		has(t, "adjustment", adj, req.Adjustment)
		if st, _ := adj.(map[string]any)["status"].(string); !slices.Contains(req.AdjustmentStatus, st) {
			t.Errorf("adjustment status %q", st)
		}
	}
}

// TestOrderWebhooks: a completed UCP checkout sends the platform the
// order entity, signed with the business's key (RFC 9421 with
// Content-Digest) under UCP-Agent, Webhook-Id and Webhook-Timestamp;
// the receiver's 500 is retried once due with the same Webhook-Id, the
// 2xx marks it sent and it is never sent again; the order's shipment
// and refund then arrive as full snapshots, each once (the refund's still
// showing the shipment). No secret of the
// webhook URL reaches the log or the stored error.
func TestOrderWebhooks(t *testing.T) {
	req := loadRequired(t)
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			got := make(chan delivery, 10)
			var calls atomic.Int32
			var shop *orderShop
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				d := delivery{header: r.Header, body: b}
				json.Unmarshal(b, &d.order)
				// The platform's check: the digest, then the signature by
				// the key the business profile publishes.
				if d.sigErr = httpsig.CheckDigest(r.Header.Get("Content-Digest"), b); d.sigErr == nil {
					_, d.sigErr = httpsig.Verify(httpsig.FromRequest(r), []httpsig.JWK{shop.key.JWK()},
						[]string{"@method", "@authority", "@path", "content-digest", "content-type"}, shop.clock())
				}
				got <- d
				if calls.Add(1) == 1 {
					http.Error(w, "try later", http.StatusInternalServerError)
					return
				}
				w.Write([]byte(`{"ucp":{"version":"` + ucp.Version + `"}}`))
			}))
			defer recv.Close()
			url := "sqlite:" + filepath.Join(t.TempDir(), "t.db")
			if db == "postgres" {
				url = testenv.PostgresURL(t)
			}
			shop = newOrderShop(t, url, recv.URL+"/webhooks/partners/test_partner/events/order?token=url-token-secret", ucp.Config{})
			var logs bytes.Buffer
			wh := agentcommerce.NewWebhooks(agentcommerce.WebhookConfig{Protocol: agentcommerce.UCP, Events: act.Events{DB: shop.db}, Requests: shop.h,
				Log: slog.New(slog.NewTextHandler(&logs, nil)), Now: shop.clock, BaseDelay: 10 * time.Second})

			if n, err := wh.RunOnce(ctx); err != nil || n != 0 {
				t.Fatalf("before any order: %d %v", n, err)
			}
			session, orderID := shop.buy(t)

			// First send: the receiver fails; the event waits for its retry.
			if n, err := wh.RunOnce(ctx); err != nil || n != 1 {
				t.Fatalf("first send: %d %v", n, err)
			}
			d1 := <-got
			if n, err := wh.RunOnce(ctx); err != nil || n != 0 {
				t.Fatalf("retry before it is due: %d %v", n, err)
			}
			shop.advance(time.Minute)
			if n, err := wh.RunOnce(ctx); err != nil || n != 1 {
				t.Fatalf("retry: %d %v", n, err)
			}
			d2 := <-got
			if n, err := wh.RunOnce(ctx); err != nil || n != 0 || calls.Load() != 2 {
				t.Fatalf("after the 2xx: claimed %d, receiver called %d times, %v", n, calls.Load(), err)
			}
			for _, h := range req.WebhookHeaders {
				if d2.header.Get(h) == "" {
					t.Errorf("no %s header", h)
				}
			}
			id := d2.header.Get("Webhook-Id")
			if _, err := uuid.Parse(id); err != nil || d1.header.Get("Webhook-Id") != id || !bytes.Equal(d1.body, d2.body) {
				t.Errorf("a retry is the same event: Webhook-Id %q then %q (%v)", d1.header.Get("Webhook-Id"), id, err)
			}
			if _, err := strconv.ParseInt(d2.header.Get("Webhook-Timestamp"), 10, 64); err != nil {
				t.Errorf("Webhook-Timestamp %q is not unix seconds", d2.header.Get("Webhook-Timestamp"))
			}
			if d2.header.Get("UCP-Agent") != `profile="http://localhost/ucp/shop-a/.well-known/ucp"` {
				t.Errorf("UCP-Agent %q", d2.header.Get("UCP-Agent"))
			}
			if d1.sigErr != nil || d2.sigErr != nil {
				t.Errorf("signature: %v / %v", d1.sigErr, d2.sigErr)
			}
			other, _ := httpsig.GenerateES256()
			forged := httptest.NewRequest("POST", "/webhooks/partners/test_partner/events/order?token=url-token-secret", bytes.NewReader(d2.body))
			forged.Host = strings.TrimPrefix(recv.URL, "http://")
			forged.Header = d2.header
			impostor := other.JWK()
			impostor.Kid = shop.key.JWK().Kid // another key under the business's kid
			if _, err := httpsig.Verify(httpsig.FromRequest(forged), []httpsig.JWK{impostor}, nil, shop.clock()); err == nil {
				t.Error("the webhook verifies with another key")
			}
			if _, err := httpsig.Verify(httpsig.FromRequest(forged), []httpsig.JWK{shop.key.JWK()}, nil, shop.clock()); err != nil {
				t.Errorf("the same request rebuilt does not verify with the business's key: %v", err)
			}

			o := d2.order
			checkOrder(t, req, o)
			if o["id"] != orderID || o["checkout_id"] != session || o["event_id"] != id || o["currency"] != "EUR" ||
				o["permalink_url"] != "http://localhost/chat/shop-a?checkout="+session {
				t.Errorf("created order: %s", d2.body)
			}
			li := first(o["line_items"]).(map[string]any)
			if li["status"] != "processing" || li["quantity"].(map[string]any)["total"] != 1.0 || li["item"].(map[string]any)["price"] != 4900.0 {
				t.Errorf("line item: %v", li)
			}
			exp := first(o["fulfillment"].(map[string]any)["expectations"]).(map[string]any)
			if exp["description"] != "Standard" || exp["destination"].(map[string]any)["address_country"] != "FR" {
				t.Errorf("expectation: %v", exp)
			}
			if tot := o["totals"].([]any); tot[len(tot)-1].(map[string]any)["amount"] != 5390.0 {
				t.Errorf("totals: %v", tot)
			}
			if _, ok := o["ucp"].(map[string]any)["capabilities"].(map[string]any)[ucp.OrderCapability]; !ok {
				t.Errorf("ucp: %v", o["ucp"])
			}

			// The order ships, then is refunded: each is one full snapshot.
			for _, step := range []struct {
				to    concierge.OrderState
				check func(o map[string]any) bool
			}{
				{concierge.OrderFulfilled, func(o map[string]any) bool {
					ev, _ := first(o["fulfillment"].(map[string]any)["events"]).(map[string]any)
					return ev != nil && ev["type"] == "shipped" && first(o["line_items"]).(map[string]any)["status"] == "fulfilled"
				}},
				{concierge.OrderRefunded, func(o map[string]any) bool {
					// The refund, and still the earlier shipment: a full
					// snapshot, not the latest change.
					adj, _ := first(o["adjustments"]).(map[string]any)
					ev, _ := first(o["fulfillment"].(map[string]any)["events"]).(map[string]any)
					return adj != nil && adj["type"] == "refund" && adj["amount"] == 5390.0 && ev != nil && ev["type"] == "shipped" &&
						first(o["line_items"]).(map[string]any)["status"] == "fulfilled"
				}},
			} {
				err := shop.db.InTx(ctx, func(tx *store.Tx) error {
					o, err := tx.Order(ctx, concierge.OrderID(orderID))
					if err != nil {
						return err
					}
					return tx.TransitionOrder(ctx, o, step.to)
				})
				if err != nil {
					t.Fatal(err)
				}
				before := calls.Load()
				if n, err := wh.RunOnce(ctx); err != nil || n != 1 {
					t.Fatalf("%s: %d %v", step.to, n, err)
				}
				d := <-got
				checkOrder(t, req, d.order)
				if d.sigErr != nil || !step.check(d.order) || d.header.Get("Webhook-Id") == id || d.order["id"] != orderID {
					t.Errorf("%s: %v %s", step.to, d.sigErr, d.body)
				}
				if n, err := wh.RunOnce(ctx); err != nil || n != 0 || calls.Load() != before+1 {
					t.Fatalf("after %s: claimed %d, receiver called %d times, %v", step.to, n, calls.Load()-before, err)
				}
			}
			if strings.Contains(logs.String(), "url-token-secret") {
				t.Errorf("the log holds the URL's token: %s", logs.String())
			}
			if !strings.Contains(logs.String(), "HTTP 500") {
				t.Errorf("the failure is not logged: %s", logs.String())
			}
		})
	}
}

// platform is an agent platform over TLS: its profile publishes its
// signing key and, in the order capability's config, its order webhook,
// which it serves and whose deliveries it checks against the business's
// key.
type platform struct {
	// unsigned names the profile in UCP-Agent without signing: a claim.
	unsigned bool
	key      *httpsig.PrivateKey
	srv      *httptest.Server
	got      chan delivery
	shop     *orderShop
	// version is the protocol version its profile declares; "" is
	// ucp.Version.
	version string
}

func newPlatform(t *testing.T) *platform {
	t.Helper()
	k, err := httpsig.GenerateES256()
	if err != nil {
		t.Fatal(err)
	}
	p := &platform{key: k, got: make(chan delivery, 10)}
	p.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/ucp" {
			v := p.version
			if v == "" {
				v = ucp.Version
			}
			json.NewEncoder(w).Encode(map[string]any{
				"ucp": map[string]any{"version": v, "capabilities": map[string]any{
					ucp.OrderCapability: []any{map[string]any{"version": ucp.Version, "config": map[string]any{"webhook_url": p.srv.URL + "/webhooks/orders"}}}}},
				"signing_keys": []httpsig.JWK{k.JWK()}})
			return
		}
		b, _ := io.ReadAll(r.Body)
		d := delivery{header: r.Header, body: b}
		json.Unmarshal(b, &d.order)
		if d.sigErr = httpsig.CheckDigest(r.Header.Get("Content-Digest"), b); d.sigErr == nil {
			_, d.sigErr = httpsig.Verify(httpsig.FromRequest(r), []httpsig.JWK{p.shop.key.JWK()},
				[]string{"@method", "@authority", "@path", "content-digest", "content-type"}, p.shop.clock())
		}
		p.got <- d
		w.Write([]byte(`{}`))
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// sign signs req as the platform, naming its profile in UCP-Agent.
func (p *platform) sign(t *testing.T, req *http.Request, body string) {
	t.Helper()
	req.Header.Set("UCP-Agent", `profile="`+p.srv.URL+`/.well-known/ucp"`)
	if p.unsigned {
		return
	}
	components := []string{"@method", "@authority", "@path", "ucp-agent"}
	if req.Header.Get("Idempotency-Key") != "" {
		components = append(components, "idempotency-key")
	}
	if body != "" {
		req.Header.Set("Content-Digest", httpsig.Digest([]byte(body)))
		components = append(components, "content-digest", "content-type")
	}
	m := httpsig.Message{Method: req.Method, Authority: req.URL.Host, Path: req.URL.EscapedPath(), Header: req.Header}
	in, sig, err := httpsig.Sign(m, "sig1", components, p.key, p.shop.clock())
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Signature-Input", in)
	req.Header.Set("Signature", sig)
}

// TestGetOrderAndPlatformWebhook: a platform whose signed request created
// a checkout reads its order back with Get Order (signed), and receives
// its order events at the webhook its profile declares, signed by the
// business. Unsigned, another platform's and unknown-order reads get the
// spec's error messages and no order; a forged read is refused with 401;
// an unsigned checkout's order sends no event (its profile is a claim).
func TestGetOrderAndPlatformWebhook(t *testing.T) {
	req := loadRequired(t)
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			url := "sqlite:" + filepath.Join(t.TempDir(), "t.db")
			if db == "postgres" {
				url = testenv.PostgresURL(t)
			}
			p, stranger := newPlatform(t), newPlatform(t)
			// One client trusts both platforms' test certificates (they
			// share httptest's).
			shop := newOrderShop(t, url, "", ucp.Config{Keys: &ucp.ProfileKeys{Client: p.srv.Client()}})
			p.shop, stranger.shop = shop, shop
			wh := agentcommerce.NewWebhooks(agentcommerce.WebhookConfig{Protocol: agentcommerce.UCP, Events: act.Events{DB: shop.db}, Requests: shop.h,
				Client: p.srv.Client(), Now: shop.clock})

			// An unsigned checkout naming the platform's profile gets no
			// event.
			shop.buyAs(t, &platform{unsigned: true, srv: p.srv}, "-unsigned")
			if n, err := wh.RunOnce(ctx); err != nil || n != 0 {
				t.Fatalf("unsigned checkout: claimed %d events, %v", n, err)
			}

			session, orderID := shop.buyAs(t, p, "-signed")
			if n, err := wh.RunOnce(ctx); err != nil || n != 1 {
				t.Fatalf("signed checkout: claimed %d events, %v", n, err)
			}
			d := <-p.got
			if d.sigErr != nil || d.order["id"] != orderID || d.order["checkout_id"] != session {
				t.Errorf("event at the platform's webhook: %v %s", d.sigErr, d.body)
			}
			if n, err := wh.RunOnce(ctx); err != nil || n != 0 {
				t.Fatalf("after the 2xx: claimed %d, %v", n, err)
			}

			path := "/ucp/shop-a/orders/" + orderID
			st, o := shop.callAs(t, p, "GET", path, "", "")
			if st != http.StatusOK || o["id"] != orderID || o["checkout_id"] != session {
				t.Fatalf("get order: %d %v", st, o)
			}
			checkOrder(t, req, o)
			for _, c := range []struct {
				name string
				as   *platform
				path string
				code string
			}{
				{"unsigned", nil, path, "unauthorized"},
				{"unsigned, naming the platform", &platform{unsigned: true, srv: p.srv}, path, "unauthorized"},
				{"another platform", stranger, path, "unauthorized"},
				{"unknown order", p, "/ucp/shop-a/orders/ord_nope", "not_found"},
			} {
				st, out := shop.callAs(t, c.as, "GET", c.path, "", "")
				msg, _ := first(out["messages"]).(map[string]any)
				if st != http.StatusOK || msg == nil || msg["code"] != c.code || msg["severity"] != "unrecoverable" || out["id"] != nil {
					t.Errorf("%s: %d %v, want 200 %s", c.name, st, out, c.code)
				}
			}
			// Signed with a key that is not in the profile under its kid.
			forger := &platform{key: stranger.key, srv: p.srv, shop: shop}
			forger.key.KeyID = p.key.KeyID
			if st, out := shop.callAs(t, forger, "GET", path, "", ""); st != http.StatusUnauthorized || out["code"] != "signature_invalid" {
				t.Errorf("forged: %d %v", st, out)
			}
		})
	}
}

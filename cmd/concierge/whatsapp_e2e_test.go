package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/whatsapp/whatsapptest"
	"github.com/conciergehq/concierge/internal/testenv"
)

const (
	waPhoneID   = "1122334455667"
	waToken     = "TEST_ACCESS_TOKEN"
	waAppSecret = "test_app_secret_0123456789abcdef"
	waVerify    = "my-verify-token"
	whSecret    = "whsec_test_0123456789abcdefghijklmnopqrstuv"
)

// waShop is the sample shop with a WhatsApp number on a fake Graph API and
// Stripe on stripe-mock (and its web widget still on).
type waShop struct {
	*shop
	graph *whatsapptest.Server
}

func startWAShop(t *testing.T, edits ...func(cfg string) string) *waShop {
	t.Helper()
	mock := testenv.StripeMock(t)
	graph := whatsapptest.New(waToken)
	t.Cleanup(graph.Close)
	head := fmt.Sprintf(`bot: maison-lumiere
name: Maison Lumière
locales: [en, fr, zh]
currency: EUR
channels:
  web: { enabled: true }
  whatsapp:
    phone_number_id: %q
    access_token: %q
    app_secret: %q
    verify_token: %q
    graph_api_url: %q
    templates:
      order_paid: { name: order_update, language: en_US }
payments:
  stripe: { secret_key: sk_test_123, webhook_secret: %q, api_base: %q }
`, waPhoneID, waToken, waAppSecret, waVerify, graph.URL+"/v21.0", whSecret, mock)
	// The sample's catalog under this head, which replaces its channels
	// and payments.
	withWhatsApp := func(cfg string) string {
		i := strings.Index(cfg, "\ncatalog:")
		if i < 0 {
			t.Fatal("the sample bot file has no catalog")
		}
		return head + cfg[i:]
	}
	s := startShopWith(t, "", append([]func(string) string{withWhatsApp}, edits...)...)
	return &waShop{shop: s, graph: graph}
}

// post signs body as Meta does and posts it to the WhatsApp webhook.
func (s *waShop) post(body []byte, sig string) (int, map[string]any) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.base+"/webhooks/maison-lumiere/whatsapp", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set("X-Hub-Signature-256", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// idle waits until the pipeline has nothing in flight.
func (s *waShop) idle() {
	s.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		in, err1 := s.m.DB.PendingInbound(ctx)
		out, err2 := s.m.DB.PendingOutbound(ctx)
		if err1 == nil && err2 == nil && in == 0 && out == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatal("pipeline still busy after 10s")
}

// stripe signs a Stripe event with stripe-go's test helper and posts it.
func (s *waShop) stripe(body []byte, at time.Time) (int, string) {
	s.t.Helper()
	sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: whSecret, Timestamp: at})
	req, _ := http.NewRequest(http.MethodPost, s.base+"/webhooks/maison-lumiere/stripe", bytes.NewReader(body))
	req.Header.Set("Stripe-Signature", sig.Header)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out["result"]
}

// sessionEvent is a Stripe event about order's Checkout Session, built
// from the shared fixture of its type.
func sessionEvent(t *testing.T, fixture, eventID string, o *concierge.Order, amount int64) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("../../checkout/stripe/testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	json.Unmarshal(raw, &ev)
	ev["id"] = eventID
	obj := ev["data"].(map[string]any)["object"].(map[string]any)
	obj["id"] = "cs_test_" + string(o.ID)
	obj["client_reference_id"] = string(o.ID)
	obj["metadata"] = map[string]any{"order_id": string(o.ID), "bot": string(o.Bot)}
	obj["amount_total"] = amount
	obj["amount_subtotal"] = amount
	obj["currency"] = strings.ToLower(o.Total.Currency)
	b, _ := json.Marshal(ev)
	return b
}

// waCustomer is one WhatsApp customer.
type waCustomer struct {
	s    *waShop
	wa   string
	n    int
	seen int // messages of the fake already read
}

func (s *waShop) customer(wa string) *waCustomer { return &waCustomer{s: s, wa: wa} }

// send posts one inbound message and returns what the bot sent back.
func (c *waCustomer) send(m map[string]any) []whatsapptest.Sent {
	c.s.t.Helper()
	body := whatsapptest.Notification(waPhoneID, map[string]string{c.wa: "Test Customer"}, []map[string]any{m}, nil)
	if code, res := c.s.post(body, whatsapptest.Sign(waAppSecret, body)); code != http.StatusOK || res["messages"] != 1.0 {
		c.s.t.Fatalf("webhook: %d %v", code, res)
	}
	return c.replies()
}

func (c *waCustomer) replies() []whatsapptest.Sent {
	c.s.t.Helper()
	c.s.idle()
	all := c.s.graph.SentTo(c.wa)
	out := all[c.seen:]
	c.seen = len(all)
	return out
}

func (c *waCustomer) say(text string) []whatsapptest.Sent {
	c.n++
	return c.send(whatsapptest.TextMessage(c.wa, fmt.Sprintf("wamid.%s.%d", c.wa, c.n), text, time.Now()))
}

// pick chooses a row of a list (or presses a reply button) whose id
// starts with prefix, skipping ids in skip.
func (c *waCustomer) pick(sent []whatsapptest.Sent, prefix string, skip ...string) (string, []whatsapptest.Sent) {
	c.s.t.Helper()
	for _, m := range sent {
	choices:
		for _, id := range m.Choices() {
			if !strings.HasPrefix(id, prefix) {
				continue
			}
			for _, s := range skip {
				if id == s {
					continue choices
				}
			}
			kind := "button_reply"
			if m.Interactive() == "list" {
				kind = "list_reply"
			}
			c.n++
			return id, c.send(whatsapptest.ReplyMessage(c.wa, fmt.Sprintf("wamid.%s.%d", c.wa, c.n), kind, id, "title", time.Now()))
		}
	}
	c.s.t.Fatalf("no choice %q in %s", prefix, waDump(sent))
	return "", nil
}

func waDump(sent []whatsapptest.Sent) string {
	var b strings.Builder
	for _, m := range sent {
		fmt.Fprintf(&b, "\n  %s/%s %q %v %s", m.Type, m.Interactive(), clipText(m.Text()), m.Choices(), m.CTA())
	}
	return b.String()
}

func clipText(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

func waText(sent []whatsapptest.Sent) string {
	var parts []string
	for _, m := range sent {
		parts = append(parts, m.Text())
	}
	return strings.Join(parts, "\n")
}

// checkoutToLink goes from the cart to the payment link: check out, agree
// to the data policy when asked, and return the CTA message.
func (c *waCustomer) checkoutToLink(cart []whatsapptest.Sent) whatsapptest.Sent {
	c.s.t.Helper()
	_, next := c.pick(cart, "checkout")
	for _, m := range next {
		for _, id := range m.Choices() {
			if id == "consent:yes" {
				_, next = c.pick(next, "consent:yes")
			}
		}
	}
	for _, m := range next {
		if m.Interactive() == "cta_url" {
			return m
		}
	}
	c.s.t.Fatalf("no payment link in %s", waDump(next))
	return whatsapptest.Sent{}
}

func (c *waCustomer) order() *concierge.Order {
	c.s.t.Helper()
	ctx := context.Background()
	conv, err := c.s.m.DB.FindConversation(ctx, "maison-lumiere", concierge.ChannelWhatsApp, concierge.ChatID(c.wa))
	if err != nil || conv.Memory.LastOrder == "" {
		c.s.t.Fatalf("no order for %s: %v", c.wa, err)
	}
	o, err := c.s.m.DB.GetOrder(ctx, conv.Memory.LastOrder)
	if err != nil {
		c.s.t.Fatal(err)
	}
	return o
}

// TestWhatsAppStripePurchase is the WhatsApp and Stripe purchase end to end: a WhatsApp customer
// searches in English, picks two products from a list, pays through the
// Stripe link (a signed checkout.session.completed), and is told the order
// is paid, once however often Stripe repeats it; a second customer lets
// the session expire and the stock comes back.
func TestWhatsAppStripePurchase(t *testing.T) {
	s := startWAShop(t)
	ctx := context.Background()
	ann := s.customer("33612345678")

	found := ann.say("do you have bedside lamps?")
	var list whatsapptest.Sent
	for _, m := range found {
		if m.Interactive() == "list" {
			list = m
		}
	}
	if list.ID == "" || len(list.Choices()) < 4 {
		t.Fatalf("search: want a list of products, got %s", waDump(found))
	}
	first, _ := ann.pick([]whatsapptest.Sent{list}, "add:")
	_, cart := ann.pick([]whatsapptest.Sent{list}, "add:", first)
	if !strings.Contains(waText(cart), "€") {
		t.Fatalf("cart: %s", waDump(cart))
	}
	t.Logf("search:%s\ncart:%s", waDump(found), waDump(cart))
	link := ann.checkoutToLink(cart)
	if !strings.HasPrefix(link.CTA(), "https://") || !strings.Contains(link.CTA(), "stripe.com") {
		t.Fatalf("payment link %q", link.CTA())
	}
	o := ann.order()
	if len(o.Lines) != 2 || o.Provider != "stripe" || o.State != concierge.OrderPending {
		t.Fatalf("order %+v", o)
	}
	stockBefore, _ := s.m.DB.StockLevels(ctx, "maison-lumiere")

	paid := sessionEvent(t, "checkout_session_completed.json", "evt_paid_1", o, o.Total.Minor)
	for i, want := range []string{"paid", "duplicate", "duplicate"} {
		if code, res := s.stripe(paid, time.Now()); code != 200 || res != want {
			t.Fatalf("delivery %d of the completed event: %d %q, want %q", i+1, code, res, want)
		}
	}
	told := ann.replies()
	t.Logf("paid:%s", waDump(told))
	if len(told) != 1 || !strings.Contains(waText(told), "paid") || !strings.Contains(waText(told), string(o.ID)) {
		t.Fatalf("after payment the customer was told %s", waDump(told))
	}
	if got, _ := s.m.DB.GetOrder(ctx, o.ID); got.State != concierge.OrderPaid {
		t.Fatalf("order state %s", got.State)
	}
	if pays, _ := s.m.DB.Payments(ctx, o.ID); len(pays) != 1 || pays[0].Amount != o.Total {
		t.Fatalf("payments %+v", pays)
	}

	// Delivery statuses land on the message they report, forward only.
	wamid := told[0].ID
	st := whatsapptest.Notification(waPhoneID, nil, nil, []map[string]any{
		whatsapptest.Status(ann.wa, wamid, "read", time.Now()),
		whatsapptest.Status(ann.wa, wamid, "delivered", time.Now()),
	})
	if code, res := s.post(st, whatsapptest.Sign(waAppSecret, st)); code != 200 || res["statuses"] != 1.0 {
		t.Fatalf("statuses: %d %v", code, res)
	}
	if d, err := s.m.DB.Delivery(ctx, "maison-lumiere", concierge.ChannelWhatsApp, wamid); err != nil || d.Status != "read" {
		t.Fatalf("delivery %+v, %v", d, err)
	}

	// The second customer lets the session expire.
	bob := s.customer("447700900123")
	found = bob.say("I'm looking for a desk lamp")
	_, cart = bob.pick(found, "add:")
	bob.checkoutToLink(cart)
	o2 := bob.order()
	held, _ := s.m.DB.StockLevels(ctx, "maison-lumiere")
	expired := sessionEvent(t, "checkout_session_expired.json", "evt_exp_1", o2, o2.Total.Minor)
	if code, res := s.stripe(expired, time.Now()); code != 200 || res != "expired" {
		t.Fatalf("expired event: %d %q", code, res)
	}
	if code, res := s.stripe(expired, time.Now()); code != 200 || res != "not_pending" {
		t.Fatalf("expired event again: %d %q", code, res)
	}
	if got, _ := s.m.DB.GetOrder(ctx, o2.ID); got.State != concierge.OrderExpired {
		t.Fatalf("order state %s", got.State)
	}
	after, _ := s.m.DB.StockLevels(ctx, "maison-lumiere")
	for _, l := range o2.Lines {
		if after[l.SKU] != held[l.SKU]+l.Quantity {
			t.Fatalf("stock of %s: %d while held, %d after expiry; want %d back", l.SKU, held[l.SKU], after[l.SKU], l.Quantity)
		}
	}
	if told := bob.replies(); !strings.Contains(waText(told), string(o2.ID)) || !strings.Contains(waText(told), "not paid in time") {
		t.Fatalf("after expiry bob was told %s", waDump(told))
	}
	// Ann's paid order kept its stock.
	for _, l := range o.Lines {
		if after[l.SKU] > stockBefore[l.SKU] && !containsSKU(o2, l.SKU) {
			t.Fatalf("stock of paid %s came back", l.SKU)
		}
	}
}

func containsSKU(o *concierge.Order, sku concierge.SKU) bool {
	for _, l := range o.Lines {
		if l.SKU == sku {
			return true
		}
	}
	return false
}

// TestStripeAmountMismatch: a completed session whose amount differs from
// the order does not pay it; the order waits and people are asked.
func TestStripeAmountMismatch(t *testing.T) {
	s := startWAShop(t)
	c := s.customer("33698765432")
	_, cart := c.pick(c.say("a warm bedside lamp"), "add:")
	c.checkoutToLink(cart)
	o := c.order()
	if code, res := s.stripe(sessionEvent(t, "checkout_session_completed.json", "evt_short", o, o.Total.Minor-100), time.Now()); code != 200 || res != "problem" {
		t.Fatalf("short payment: %d %q", code, res)
	}
	ctx := context.Background()
	if got, _ := s.m.DB.GetOrder(ctx, o.ID); got.State != concierge.OrderPending {
		t.Fatalf("order state %s", got.State)
	}
	conv, _ := s.m.DB.FindConversation(ctx, "maison-lumiere", concierge.ChannelWhatsApp, concierge.ChatID(c.wa))
	if conv.State != concierge.StateWaiting {
		t.Fatalf("conversation state %s, want waiting for a person", conv.State)
	}
}

// TestWebWidgetOffersStripe: with Stripe configured, the web widget's
// payment button is a Stripe Checkout link.
func TestWebWidgetOffersStripe(t *testing.T) {
	s := startWAShop(t)
	c := s.shop.customer("en")
	pm := find(t, c.press(c.press(c.say("tell me more about the Zenith"), "buy:LAMP-02"), "consent:yes"), concierge.MessagePayment)
	pr := pm.Message.Payment
	if pr.Provider != "stripe" || pr.Sandbox || !strings.Contains(pr.URL, "stripe.com") || pr.Label == "" {
		t.Fatalf("payment request %+v", pr)
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/telegram/telegramtest"
	"github.com/conciergehq/concierge/adapters/web"
	"github.com/conciergehq/concierge/internal/testenv"
)

// Approved refunds executed through the real provider paths: Stripe (on
// stripe-mock, behind a proxy that sees every call) and Telegram Stars (on
// the fake Bot API), each also failing first and then retried from the
// inbox. The sandbox path is TestInboxRefundDecision's.

// stripeCall is one request the proxy passed on, or answered itself.
type stripeCall struct {
	method, path string
	key          string     // the Idempotency-Key header
	form         url.Values // a POST's parameters
	failed       bool       // the proxy answered 500 instead of stripe-mock
}

// stripeProxy stands between the server and stripe-mock: it records every
// call, and answers the next fails refund creations with a 500 that
// stripe-go is told not to retry, as Stripe does for an error it cannot
// recover from in the same request.
type stripeProxy struct {
	*httptest.Server
	mu    sync.Mutex
	calls []stripeCall
	fails int
	// succeed answers confirmed PaymentIntents as Stripe does for a
	// card that pays ("status": "succeeded"), which stripe-mock's fixed
	// fixture (always requires_payment_method) cannot.
	succeed bool
}

func newStripeProxy(t *testing.T) *stripeProxy {
	t.Helper()
	target, err := url.Parse(testenv.StripeMock(t))
	if err != nil {
		t.Fatal(err)
	}
	p := &stripeProxy{}
	forward := httputil.NewSingleHostReverseProxy(target)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		form, _ := url.ParseQuery(string(body))
		c := stripeCall{method: r.Method, path: r.URL.Path, key: r.Header.Get("Idempotency-Key"), form: form}
		p.mu.Lock()
		if r.Method == http.MethodPost && r.URL.Path == "/v1/refunds" && p.fails > 0 {
			p.fails--
			c.failed = true
		}
		p.calls = append(p.calls, c)
		p.mu.Unlock()
		if p.succeed && r.Method == http.MethodPost && r.URL.Path == "/v1/payment_intents" && form.Get("confirm") == "true" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"id":"pi_e2e_%d","object":"payment_intent","amount":%s,"currency":%q,"status":"succeeded","payment_method":%q}`,
				len(p.calls), form.Get("amount"), form.Get("currency"), form.Get("payment_method"))
			return
		}
		if c.failed {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Stripe-Should-Retry", "false")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"error":{"type":"api_error","message":"An unknown error occurred"}}`)
			return
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

// failNext makes the next n refund creations fail.
func (p *stripeProxy) failNext(n int) {
	p.mu.Lock()
	p.fails = n
	p.mu.Unlock()
}

// refunds returns the refund creations seen so far.
func (p *stripeProxy) refunds() []stripeCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []stripeCall
	for _, c := range p.calls {
		if c.method == http.MethodPost && c.path == "/v1/refunds" {
			out = append(out, c)
		}
	}
	return out
}

// startShopConfig runs the server on the sample bot file with the
// replacements applied (each must match), on a fresh SQLite database.
func startShopConfig(t *testing.T, replace map[string]string) *shop {
	t.Helper()
	return startShopWith(t, "", func(cfg string) string { return rewrite(t, cfg, replace) })
}

// startStripeRefunds runs the sample shop with Stripe payments through
// a recording proxy to stripe-mock, and sue, a supervisor, signed in to
// the inbox.
func startStripeRefunds(t *testing.T) (*shop, *stripeProxy, *person) {
	t.Helper()
	proxy := newStripeProxy(t)
	s := startShopConfig(t, map[string]string{
		"payments:\n  sandbox: { enabled: true }": fmt.Sprintf("payments:\n  stripe: { secret_key: sk_test_123, webhook_secret: %q, api_base: %q }", whSecret, proxy.URL),
	})
	return s, proxy, signedInSupervisor(s)
}

// startStarsRefunds runs the sample shop on Telegram, paid in Stars,
// with sue, a supervisor, signed in to the inbox.
func startStarsRefunds(t *testing.T) (*tgShop, *person) {
	t.Helper()
	s := startTelegramShop(t, "webhook")
	return s, signedInSupervisor(s.shop)
}

// signedInSupervisor adds sue, a supervisor of every bot, and signs her in.
func signedInSupervisor(s *shop) *person {
	s.t.Helper()
	s.addPerson("sue", concierge.RoleSupervisor, 5)
	sue := s.person("sue")
	sue.signIn()
	return sue
}

// stripeRefundAsked has c buy a desk lamp, pays it through a signed
// Stripe webhook (event is the event's id) and has c ask for a refund.
// It returns the order, its open proposal and its conversation page,
// which sue has opened.
func stripeRefundAsked(t *testing.T, s *shop, sue *person, c *customer, event string) (*concierge.Order, *concierge.Proposal, string) {
	t.Helper()
	found := c.say("a desk lamp please")
	pm := find(t, c.press(c.press(found, "buy:LAMP-02"), "consent:yes"), concierge.MessagePayment)
	if pr := pm.Message.Payment; pr == nil || pr.Sandbox || !strings.Contains(pr.URL, "stripe") {
		t.Fatalf("payment request %+v; want a Stripe link", pr)
	}
	o, err := s.m.DB.GetOrder(context.Background(), pm.Message.Payment.Order)
	if err != nil || o.Provider != "stripe" {
		t.Fatalf("order %+v, %v; want a Stripe order", o, err)
	}
	wa := &waShop{shop: s}
	if code, res := wa.stripe(sessionEvent(t, "checkout_session_completed.json", event, o, o.Total.Minor), time.Now()); code != 200 || res != "paid" {
		t.Fatalf("checkout.session.completed: %d %q", code, res)
	}
	if paid := c.replies(); !strings.Contains(dump(paid), "is paid") {
		t.Fatalf("after paying the customer was told %s", dump(paid))
	}
	find(t, c.say("I want a refund, the lamp arrived broken"), concierge.MessageHandoff)
	pr := proposalOf(t, s, o.Conversation)
	if pr.Order != o.ID || pr.Amount != o.Total || pr.Status != concierge.ProposalOpen {
		t.Fatalf("proposal %+v; want one open for %s of %+v", pr, o.ID, o.Total)
	}
	page := fmt.Sprintf("/inbox/c/%d", o.Conversation)
	sue.get(page)
	return o, pr, page
}

// starsRefundAsked has c buy the 30 € gift card, pays it in Stars with
// the charge id charge and has c ask for a refund. It returns the order,
// its proposal, its conversation page (which sue has opened) and the
// invoice.
func starsRefundAsked(t *testing.T, s *tgShop, sue *person, c *tgCustomer, charge string) (*concierge.Order, *concierge.Proposal, string, telegramtest.Call) {
	t.Helper()
	inv := findCall(t, c.press(c.press(c.say("je cherche une carte cadeau"), "buy:GIFT-30"), "consent:yes"), "sendInvoice")
	if inv.Params.Get("currency") != "XTR" {
		t.Fatalf("invoice in %s; want Stars", inv.Params.Get("currency"))
	}
	if confirm := c.pay(inv, charge); !strings.Contains(dumpCalls(confirm), "payée") {
		t.Fatalf("no confirmation: %s", dumpCalls(confirm))
	}
	order := concierge.OrderID(strings.TrimPrefix(inv.Params.Get("payload"), "order:"))
	o, err := s.m.DB.GetOrder(context.Background(), order)
	if err != nil || o.State != concierge.OrderPaid || o.Provider != "telegram" {
		t.Fatalf("order %+v, %v; want paid through Telegram", o, err)
	}
	if !strings.Contains(dumpCalls(c.say("je veux être remboursé")), "remboursements sont décidés") {
		t.Fatal("the refund request was not passed on")
	}
	pr := proposalOf(t, s.shop, o.Conversation)
	if pr.Order != o.ID || pr.Amount != o.Total {
		t.Fatalf("proposal %+v; want one for %s of %+v", pr, o.ID, o.Total)
	}
	page := fmt.Sprintf("/inbox/c/%d", o.Conversation)
	sue.get(page)
	return o, pr, page, inv
}

// proposalOf returns the one refund proposal of a conversation.
func proposalOf(t *testing.T, s *shop, conv concierge.ConversationID) *concierge.Proposal {
	t.Helper()
	ps, err := s.m.DB.Proposals(context.Background(), conv)
	if err != nil || len(ps) != 1 {
		t.Fatalf("proposals of conversation %d: %+v, %v; want one", conv, ps, err)
	}
	return ps[0]
}

// refundState is what the store holds about an order's refund.
type refundState struct {
	refunds   []concierge.Refund
	order     concierge.OrderState
	status    concierge.ProposalStatus
	ref, fail string
}

func refundStateOf(t *testing.T, s *shop, order concierge.OrderID, conv concierge.ConversationID) refundState {
	t.Helper()
	ctx := context.Background()
	rs, err := s.m.DB.Refunds(ctx, order)
	if err != nil {
		t.Fatal(err)
	}
	o, err := s.m.DB.GetOrder(ctx, order)
	if err != nil {
		t.Fatal(err)
	}
	pr := proposalOf(t, s, conv)
	return refundState{refunds: rs, order: o.State, status: pr.Status, ref: pr.RefundRef, fail: pr.RefundError}
}

// checkNotRefunded checks that a failed execution recorded nothing but
// the error, which the conversation page shows with a Retry button.
func checkNotRefunded(t *testing.T, s *shop, order concierge.OrderID, conv concierge.ConversationID, pid int64, page, why string) {
	t.Helper()
	st := refundStateOf(t, s, order, conv)
	if len(st.refunds) != 0 || st.order != concierge.OrderPaid || st.status != concierge.ProposalApproved || st.ref != "" || !strings.Contains(st.fail, why) {
		t.Errorf("after a failed refund: %+v; want no refund, order paid, proposal approved with an error saying %q", st, why)
	}
	for _, want := range []string{fmt.Sprintf(`id="refund-%d"`, pid), "Not refunded yet", why, fmt.Sprintf(`id="retry-refund-%d"`, pid)} {
		if !strings.Contains(page, want) {
			t.Errorf("the conversation page after a failed refund lacks %q", want)
		}
	}
}

// TestInboxRefundStripe executes approved refunds of Stripe-paid web
// orders against stripe-mock. The first succeeds at once: one refund
// creation for the payment intent of the order's Checkout Session, with
// the proposal's idempotency key. The second fails at Stripe first: the
// proposal stays approved with the error on the conversation page, and
// nothing is recorded or said; Retry then refunds with the same key, and
// a second Retry (and a replayed approval) changes nothing.
func TestInboxRefundStripe(t *testing.T) {
	s, proxy, sue := startStripeRefunds(t)
	buyAndAsk := func(c *customer, event string) (*concierge.Order, *concierge.Proposal, string) {
		t.Helper()
		return stripeRefundAsked(t, s, sue, c, event)
	}
	// checkRefunded checks one refund recorded from exactly one
	// successful refund creation, and the customer told once.
	checkRefunded := func(c *customer, o *concierge.Order, pr *concierge.Proposal, view string) {
		t.Helper()
		st := refundStateOf(t, s, o.ID, o.Conversation)
		if len(st.refunds) != 1 || st.order != concierge.OrderRefunded || st.status != concierge.ProposalApproved || st.fail != "" ||
			!strings.HasPrefix(st.ref, "re_") || st.refunds[0].ProviderRef != st.ref || st.refunds[0].Provider != "stripe" || st.refunds[0].Amount != o.Total {
			t.Errorf("after the refund: %+v; want one Stripe refund re_… of %+v recorded, the order refunded, the proposal executed", st, o.Total)
		}
		if !strings.Contains(view, fmt.Sprintf("Refunded: %s", st.ref)) {
			t.Errorf("the conversation page does not show %q", "Refunded: "+st.ref)
		}
		var ok int
		for _, call := range proxy.refunds() {
			if call.form.Get("metadata[order_id]") != string(o.ID) {
				continue
			}
			if call.key != fmt.Sprintf("concierge-refund-%s-proposal-%d", o.ID, pr.ID) {
				t.Errorf("refund creation with idempotency key %q; want the proposal's", call.key)
			}
			if call.form.Get("amount") != fmt.Sprint(o.Total.Minor) || !strings.HasPrefix(call.form.Get("payment_intent"), "pi_") ||
				call.form.Get("reason") != "requested_by_customer" {
				t.Errorf("refund creation %v; want %d of the session's payment intent, requested by the customer", call.form, o.Total.Minor)
			}
			if !call.failed {
				ok++
			}
		}
		if ok != 1 {
			t.Errorf("%d refund creations reached Stripe for %s; want 1", ok, o.ID)
		}
		told := 0
		for _, e := range c.history() {
			if strings.Contains(e.Message.Text, "refund for order "+string(o.ID)) {
				told++
			}
		}
		if told != 1 {
			t.Errorf("the customer was told of the refund %d times; want once", told)
		}
	}

	t.Run("approved", func(t *testing.T) {
		c := s.customer("en")
		o, pr, _ := buyAndAsk(c, "evt_paid_approved")
		view := sue.mustPost(fmt.Sprintf("/inbox/p/%d/decide", pr.ID), url.Values{"decision": {"approve"}})
		c.waitFor("the refund notice", func(e web.Entry) bool { return strings.Contains(e.Message.Text, "refund for order "+string(o.ID)) })
		checkRefunded(c, o, pr, view)
	})

	t.Run("failed then retried", func(t *testing.T) {
		c := s.customer("en")
		o, pr, page := buyAndAsk(c, "evt_paid_retried")
		before := len(proxy.refunds())
		proxy.failNext(1)
		view := sue.mustPost(fmt.Sprintf("/inbox/p/%d/decide", pr.ID), url.Values{"decision": {"approve"}})
		checkNotRefunded(t, s, o.ID, o.Conversation, pr.ID, view, "Stripe answered 500")
		_, view = sue.get(page) // and still so when the page is opened again
		checkNotRefunded(t, s, o.ID, o.Conversation, pr.ID, view, "Stripe answered 500")
		if n := len(proxy.refunds()) - before; n != 1 {
			t.Errorf("%d refund creations for the failed approval; want 1 (stripe-go told not to retry)", n)
		}
		c.postSilently("any news?") // the pipeline settles; nothing was announced
		for _, e := range c.history() {
			if strings.Contains(e.Message.Text, "refund for order") {
				t.Errorf("the customer was told of a refund that failed: %q", e.Message.Text)
			}
		}
		// A replayed approval is refused and does not execute again.
		if code, _ := sue.post(fmt.Sprintf("/inbox/p/%d/decide", pr.ID), url.Values{"decision": {"approve"}}); code != http.StatusConflict {
			t.Errorf("a replayed approval: %d, want 409", code)
		}
		if n := len(proxy.refunds()) - before; n != 1 {
			t.Errorf("the replayed approval called Stripe: %d refund creations, want 1", n)
		}

		retry := fmt.Sprintf("/inbox/p/%d/refund", pr.ID)
		view = sue.mustPost(retry, url.Values{})
		c.waitFor("the refund notice", func(e web.Entry) bool { return strings.Contains(e.Message.Text, "refund for order "+string(o.ID)) })
		checkRefunded(c, o, pr, view)
		after := refundStateOf(t, s, o.ID, o.Conversation)

		// Retrying a done refund changes nothing and calls nobody.
		view = sue.mustPost(retry, url.Values{})
		if again := refundStateOf(t, s, o.ID, o.Conversation); fmt.Sprint(again) != fmt.Sprint(after) {
			t.Errorf("a retry after success changed %+v into %+v", after, again)
		}
		calls := proxy.refunds()[before:]
		t.Logf("refund creations for %s: %+v", o.ID, calls)
		if len(calls) != 2 || !calls[0].failed || calls[1].failed || calls[0].key != calls[1].key {
			t.Errorf("refund creations %+v; want one failed then one passed, with the same key", calls)
		}
		checkRefunded(c, o, pr, view)
	})
}

// TestInboxRefundTelegramStars executes approved refunds of gift cards
// paid in Telegram Stars through refundStarPayment on the fake Bot API:
// once straight away, with the customer's user id and the payment's
// charge id; and once after a Bot API error, which leaves the proposal
// approved with the error on the page until Retry refunds it, once.
// Telegram's own refunded_payment update then records nothing more.
func TestInboxRefundTelegramStars(t *testing.T) {
	s, sue := startStarsRefunds(t)
	buyAndAsk := func(c *tgCustomer, charge string) (*concierge.Order, *concierge.Proposal, string, telegramtest.Call) {
		t.Helper()
		return starsRefundAsked(t, s, sue, c, charge)
	}
	refundCalls := func(charge string) []telegramtest.Call {
		var out []telegramtest.Call
		for _, call := range s.fake.Calls("refundStarPayment") {
			if call.Params.Get("telegram_payment_charge_id") == charge {
				out = append(out, call)
			}
		}
		return out
	}
	checkRefunded := func(c *tgCustomer, o *concierge.Order, charge, view string, told []telegramtest.Call) {
		t.Helper()
		st := refundStateOf(t, s.shop, o.ID, o.Conversation)
		if len(st.refunds) != 1 || st.order != concierge.OrderRefunded || st.status != concierge.ProposalApproved || st.fail != "" ||
			st.ref != charge || st.refunds[0].Provider != "telegram" || st.refunds[0].ProviderRef != charge || st.refunds[0].Amount != o.Total {
			t.Errorf("after the refund: %+v; want one Telegram refund %s of %+v, the order refunded, the proposal executed", st, charge, o.Total)
		}
		if !strings.Contains(view, "Refunded: "+charge) {
			t.Errorf("the conversation page does not show %q", "Refunded: "+charge)
		}
		if !strings.Contains(dumpCalls(told), "Votre remboursement de la commande "+string(o.ID)) {
			t.Errorf("the customer was told %s; want the refund of %s", dumpCalls(told), o.ID)
		}
	}

	t.Run("approved", func(t *testing.T) {
		c := s.customer("fr")
		const charge = "stxREFUNDED1"
		o, pr, _, inv := buyAndAsk(c, charge)
		view := sue.mustPost(fmt.Sprintf("/inbox/p/%d/decide", pr.ID), url.Values{"decision": {"approve"}})
		checkRefunded(c, o, charge, view, c.replies())
		calls := refundCalls(charge)
		if len(calls) != 1 || calls[0].Params.Get("user_id") != fmt.Sprint(c.id) {
			t.Errorf("refundStarPayment calls %+v; want one for user %d", calls, c.id)
		}
		// Telegram reports the refund, twice: it is the one recorded.
		for range 2 {
			c.post(map[string]any{"message": c.message(map[string]any{"refunded_payment": map[string]any{
				"currency": "XTR", "total_amount": invoiceTotal(inv), "invoice_payload": inv.Params.Get("payload"),
				"telegram_payment_charge_id": charge}})})
		}
		c.quiet()
		if rs, err := s.m.DB.Refunds(context.Background(), o.ID); err != nil || len(rs) != 1 {
			t.Errorf("refunds after Telegram reported it: %+v, %v; want still one", rs, err)
		}
	})

	// A card payment through Telegram's payment provider is not in Stars:
	// refundStarPayment cannot return it, so the inbox must not call it
	// (nor record a refund that moved no money); the supervisor is told
	// to refund it in the provider's dashboard.
	t.Run("card payment", func(t *testing.T) {
		c := s.customer("fr")
		const charge = "tg_card_charge_1"
		inv := findCall(t, c.press(c.press(c.say("je cherche une lampe de bureau"), "buy:LAMP-02"), "consent:yes"), "sendInvoice")
		if inv.Params.Get("currency") != "EUR" || inv.Params.Get("provider_token") == "" {
			t.Fatalf("invoice %v; want a card payment in EUR", inv.Params)
		}
		c.pay(inv, charge)
		order := concierge.OrderID(strings.TrimPrefix(inv.Params.Get("payload"), "order:"))
		o, err := s.m.DB.GetOrder(context.Background(), order)
		if err != nil || o.State != concierge.OrderPaid {
			t.Fatalf("order %+v, %v; want paid", o, err)
		}
		c.say("je veux être remboursé")
		pr := proposalOf(t, s.shop, o.Conversation)
		sue.get(fmt.Sprintf("/inbox/c/%d", o.Conversation))
		view := sue.mustPost(fmt.Sprintf("/inbox/p/%d/decide", pr.ID), url.Values{"decision": {"approve"}})
		checkNotRefunded(t, s.shop, o.ID, o.Conversation, pr.ID, view, "dashboard")
		if calls := refundCalls(charge); len(calls) != 0 {
			t.Errorf("refundStarPayment called for a card payment: %+v", calls)
		}
	})

	t.Run("failed then retried", func(t *testing.T) {
		c := s.customer("fr")
		const charge = "stxRETRIED1"
		o, pr, page, _ := buyAndAsk(c, charge)
		s.fake.Fail("refundStarPayment", http.StatusInternalServerError, 0, "Internal Server Error: try again later")
		view := sue.mustPost(fmt.Sprintf("/inbox/p/%d/decide", pr.ID), url.Values{"decision": {"approve"}})
		checkNotRefunded(t, s.shop, o.ID, o.Conversation, pr.ID, view, "try again later")
		_, view = sue.get(page)
		checkNotRefunded(t, s.shop, o.ID, o.Conversation, pr.ID, view, "try again later")
		if told := c.quiet(); strings.Contains(dumpCalls(told), "remboursement de la commande") {
			t.Errorf("the customer was told of a refund that failed: %s", dumpCalls(told))
		}
		if n := len(refundCalls(charge)); n != 1 {
			t.Errorf("%d refundStarPayment calls after the failure; want 1", n)
		}

		retry := fmt.Sprintf("/inbox/p/%d/refund", pr.ID)
		view = sue.mustPost(retry, url.Values{})
		checkRefunded(c, o, charge, view, c.replies())
		after := refundStateOf(t, s.shop, o.ID, o.Conversation)
		view = sue.mustPost(retry, url.Values{})
		if again := refundStateOf(t, s.shop, o.ID, o.Conversation); fmt.Sprint(again) != fmt.Sprint(after) {
			t.Errorf("a retry after success changed %+v into %+v", after, again)
		}
		if !strings.Contains(view, "Refunded: "+charge) {
			t.Errorf("after a second retry the page does not show the refund")
		}
		calls := refundCalls(charge)
		if len(calls) != 2 {
			t.Errorf("refundStarPayment calls %+v; want the failed one and one that succeeded", calls)
		}
		for _, call := range calls {
			if call.Params.Get("user_id") != fmt.Sprint(c.id) {
				t.Errorf("refundStarPayment for user %s; want %d", call.Params.Get("user_id"), c.id)
			}
		}
		if told := c.quiet(); len(told) != 0 {
			t.Errorf("a retry after success said %s", dumpCalls(told))
		}
	})
}

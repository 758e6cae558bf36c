package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout/sandbox"
	"github.com/conciergehq/concierge/checkout/wechatpay"
	"github.com/conciergehq/concierge/internal/testenv"
)

// decline opens the sandbox page of a payment message and presses
// "Decline (test)"; the page must come back saying the card was declined
// and still offer to pay.
func (s *shop) decline(pr *concierge.PaymentRequest) {
	s.t.Helper()
	if pr == nil || pr.URL == "" || !pr.Sandbox {
		s.t.Fatalf("payment request = %+v", pr)
	}
	resp, err := http.Get(pr.URL)
	if err != nil {
		s.t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `id="decline-button">Decline (test)</button>`) {
		s.t.Fatalf("sandbox page without a Decline (test) button: %d %s", resp.StatusCode, page)
	}
	u, _ := url.Parse(pr.URL)
	resp, err = http.PostForm(pr.URL, url.Values{sandbox.FormToken: {u.Query().Get(sandbox.FormToken)}, sandbox.FormOutcome: {sandbox.OutcomeDeclined}})
	if err != nil {
		s.t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "payment-error") || !strings.Contains(string(page), `id="pay-button"`) {
		s.t.Fatalf("after declining: %d %s", resp.StatusCode, page)
	}
}

// redeliver posts the sandbox's signed failure notification f again, as a
// provider retrying a delivery would, and returns the webhook's result.
func (s *shop) redeliver(o *concierge.Order, f concierge.PaymentFailure) string {
	s.t.Helper()
	n := sandbox.Notification{ID: f.ProviderRef, Type: sandbox.TypePaymentFailed, Bot: "maison-lumiere", Order: o.ID, Amount: o.Total,
		Created: f.At.Unix(), Code: f.Code, Reason: f.Reason}
	body, _ := json.Marshal(n)
	req, _ := http.NewRequest(http.MethodPost, s.base+"/webhooks/maison-lumiere/sandbox", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(sandbox.HeaderSignature, s.sandboxProvider().Sign(body, time.Now()))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		s.t.Fatalf("redelivery: %d %v %v", resp.StatusCode, out, err)
	}
	return out["result"]
}

// TestPaymentDeclinedTwiceHandsOff: a web customer's sandbox payment is
// declined twice. Each time the customer is told in the chat and the order
// keeps waiting; a redelivered failure notification counts for nothing;
// the second failure hands the conversation off, and it waits in the inbox
// queue with reason payment_problem and a packet that counts two failed
// attempts. On SQLite and PostgreSQL.
func TestPaymentDeclinedTwiceHandsOff(t *testing.T) {
	for _, db := range []struct{ name, url string }{{"sqlite", ""}, {"postgres", "postgres"}} {
		t.Run(db.name, func(t *testing.T) {
			dbURL := db.url
			if dbURL == "postgres" {
				dbURL = testenv.PostgresURL(t)
			}
			s := startShop(t, dbURL)
			ctx := context.Background()
			c := s.customer("en")
			consent := c.press(c.say("a warm bedside lamp under 60 euros"), "buy:LAMP-01")
			pm := find(t, c.press(consent, "consent:yes"), concierge.MessagePayment).Message.Payment
			order, err := s.m.DB.GetOrder(ctx, pm.Order)
			if err != nil {
				t.Fatal(err)
			}
			conv := c.conversation()

			failures := func(want int) []concierge.PaymentFailure {
				t.Helper()
				fs, err := s.m.DB.PaymentFailures(ctx, order.ID)
				if err != nil || len(fs) != want {
					t.Fatalf("failures %+v, %v; want %d", fs, err, want)
				}
				return fs
			}
			told := func(attempt int) []string {
				t.Helper()
				var texts []string
				for _, e := range c.replies() {
					texts = append(texts, string(e.Message.Kind)+": "+e.Message.Text)
				}
				if len(texts) == 0 || !strings.Contains(texts[0], "did not go through") || !strings.Contains(texts[0], string(order.ID)) {
					t.Fatalf("after decline %d the chat says %q; want that the payment of %s did not go through", attempt, texts, order.ID)
				}
				return texts
			}

			s.decline(pm)
			if got := told(1); len(got) != 1 {
				t.Errorf("after the first decline the chat says %q, want one message", got)
			}
			first := failures(1)[0]
			if first.Provider != sandbox.ProviderName || first.Code != sandbox.DeclineCode {
				t.Errorf("first failure %+v", first)
			}
			if res := s.redeliver(order, first); res != "duplicate" {
				t.Errorf("redelivered failure: %q, want duplicate", res)
			}
			failures(1)
			if st, _ := s.m.DB.GetConversation(ctx, conv); st.State != concierge.StateBot {
				t.Errorf("conversation %s after one failure and its redelivery, want bot", st.State)
			}

			s.decline(pm)
			second := told(2)
			if len(second) != 2 || !strings.HasPrefix(second[1], string(concierge.MessageHandoff)+": ") {
				t.Errorf("after the second decline the chat says %q; want the failure, then the hand-off notice", second)
			}
			fs := failures(2)
			if res := s.redeliver(order, fs[1]); res != "duplicate" {
				t.Errorf("redelivered second failure: %q, want duplicate", res)
			}
			failures(2)
			if o, _ := s.m.DB.GetOrder(ctx, order.ID); o.State != concierge.OrderPending {
				t.Errorf("order %s, want still pending", o.State)
			}

			cs, err := s.m.DB.Cases(ctx, conv)
			if err != nil || len(cs) != 1 || cs[0].Conversation.State != concierge.StateWaiting || cs[0].Reason != concierge.HandoffPayment {
				t.Fatalf("cases %+v, %v; want one waiting for %q", cs, err, concierge.HandoffPayment)
			}
			hs, _ := s.m.DB.Handoffs(ctx, conv)
			if len(hs) != 1 {
				t.Errorf("%d hand-offs, want 1: %+v", len(hs), hs)
			}

			s.addPerson("alice", concierge.RoleAgent, 3)
			alice := s.person("alice")
			alice.signIn()
			code, queue := alice.get("/inbox?state=waiting&reason=" + string(concierge.HandoffPayment))
			if code != http.StatusOK || !strings.Contains(queue, fmt.Sprintf(`data-conversation="%d"`, conv)) {
				t.Fatalf("queue of waiting payment problems (%d) does not list conversation %d:\n%s", code, conv, queue)
			}
			code, page := alice.get(fmt.Sprintf("/inbox/c/%d", conv))
			if code != http.StatusOK || !strings.Contains(page, "2 failed payment attempts on order "+string(order.ID)) || !strings.Contains(page, sandbox.DeclineCode) {
				t.Fatalf("conversation page (%d) has no packet counting 2 failed attempts with the decline code:\n%s", code, page)
			}
		})
	}
}

// intentFailedEvent is a payment_intent.payment_failed event about
// order's PaymentIntent, built from the fixture: Checkout copied the
// order's metadata onto the PaymentIntent, and charge names the attempt.
func intentFailedEvent(t *testing.T, fixture, eventID string, o *concierge.Order, bot, charge string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("../../checkout/stripe/testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	json.Unmarshal(raw, &ev)
	ev["id"] = eventID
	obj := ev["data"].(map[string]any)["object"].(map[string]any)
	obj["id"] = "pi_test_" + string(o.ID)
	obj["metadata"] = map[string]any{"order_id": string(o.ID), "bot": bot}
	obj["amount"] = o.Total.Minor
	obj["latest_charge"] = charge
	obj["last_payment_error"].(map[string]any)["charge"] = charge
	b, _ := json.Marshal(ev)
	return b
}

// TestStripePaymentFailures posts signed Stripe events to the webhook
// handler of a WhatsApp customer's order paid by Stripe link: a declined
// card counts once however often Stripe repeats it and the customer is
// told; a bank debit's PaymentIntent failure is left to its session event;
// another bot's or a forged event changes nothing; the failed session
// event is the second failure and hands the conversation off with
// reason payment_problem and a packet quoting Stripe's reasons.
func TestStripePaymentFailures(t *testing.T) {
	s := startWAShop(t)
	c := s.customer("33611122233")
	_, cart := c.pick(c.say("a warm bedside lamp"), "add:")
	c.checkoutToLink(cart)
	o := c.order()
	ctx := context.Background()
	count := func(want int) {
		t.Helper()
		if fs, err := s.m.DB.PaymentFailures(ctx, o.ID); err != nil || len(fs) != want {
			t.Fatalf("failures %+v, %v; want %d", fs, err, want)
		}
	}

	declined := intentFailedEvent(t, "payment_intent_payment_failed.json", "evt_declined_1", o, "maison-lumiere", "ch_test_"+string(o.ID)+"_1")
	for i, want := range []string{"failed", "duplicate", "duplicate"} {
		if code, res := s.stripe(declined, time.Now()); code != http.StatusOK || res != want {
			t.Fatalf("declined card, delivery %d: %d %q; want %q", i+1, code, res, want)
		}
	}
	count(1)
	if text := waText(c.replies()); strings.Count(text, "did not go through") != 1 || !strings.Contains(text, string(o.ID)) {
		t.Fatalf("after a declined card WhatsApp got %q; want one message that the payment of %s did not go through", text, o.ID)
	}

	sepa := intentFailedEvent(t, "payment_intent_payment_failed_sepa.json", "evt_sepa_pi", o, "maison-lumiere", "py_test_"+string(o.ID))
	if code, res := s.stripe(sepa, time.Now()); code != http.StatusOK || res != "ignored" {
		t.Fatalf("bank debit PaymentIntent failure: %d %q; want ignored (its session event counts it)", code, res)
	}
	other := intentFailedEvent(t, "payment_intent_payment_failed.json", "evt_other_bot", o, "atelier-nord", "ch_other")
	if code, res := s.stripe(other, time.Now()); code != http.StatusOK || res != "other_bot" {
		t.Fatalf("another bot's failure: %d %q", code, res)
	}
	forged := intentFailedEvent(t, "payment_intent_payment_failed.json", "evt_forged", o, "maison-lumiere", "ch_forged")
	req, _ := http.NewRequest(http.MethodPost, s.base+"/webhooks/maison-lumiere/stripe", strings.NewReader(string(forged)))
	req.Header.Set("Stripe-Signature", fmt.Sprintf("t=%d,v1=%064x", time.Now().Unix(), 1))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("forged event: %v %v; want 401", resp, err)
	} else {
		resp.Body.Close()
	}
	count(1)

	async := sessionEvent(t, "checkout_session_async_payment_failed.json", "evt_async_failed", o, o.Total.Minor)
	for i, want := range []string{"handed_off", "duplicate"} {
		if code, res := s.stripe(async, time.Now()); code != http.StatusOK || res != want {
			t.Fatalf("failed bank debit, delivery %d: %d %q; want %q", i+1, code, res, want)
		}
	}
	count(2)
	if got, _ := s.m.DB.GetOrder(ctx, o.ID); got.State != concierge.OrderPending {
		t.Errorf("order %s, want still pending", got.State)
	}
	conv, _ := s.m.DB.FindConversation(ctx, "maison-lumiere", concierge.ChannelWhatsApp, concierge.ChatID(c.wa))
	if conv.State != concierge.StateWaiting {
		t.Fatalf("conversation %s, want waiting", conv.State)
	}
	p, err := s.m.DB.Packet(ctx, conv.ID)
	if err != nil || p == nil || p.Reason != concierge.HandoffPayment || !strings.Contains(p.Summary, "2 failed payment attempts") ||
		!strings.Contains(p.Summary, "insufficient_funds") || !strings.Contains(p.Summary, "async_payment_failed") {
		t.Fatalf("packet %+v, %v; want payment_problem with 2 attempts and both reasons", p, err)
	}
}

// TestWeChatPayFailedNotification posts signed result_code FAIL
// notifications for a WeChat customer's order to the WeChat Pay webhook:
// each attempt is acknowledged (SUCCESS, so WeChat Pay stops repeating
// it), counted once however often it is repeated, and told to the
// customer in Chinese; the second attempt hands the conversation off.
func TestWeChatPayFailedNotification(t *testing.T) {
	s := startWXShop(t, false)
	c := &wxCustomer{s: s, openid: "oDeclined"}
	next := c.choose(c.choose(c.say("有台灯吗"), "add:"), "checkout")
	for _, m := range next {
		if m.MsgMenu != nil {
			for _, it := range m.MsgMenu.List {
				if v, _ := s.m.DB.ButtonValue(context.Background(), "maison-lumiere", it.ID); v == "consent:yes" {
					c.choose(next, "consent:yes")
				}
			}
		}
	}
	ctx := context.Background()
	conv, _ := s.m.DB.FindConversation(ctx, "maison-lumiere", concierge.ChannelWeChat, "oDeclined")
	o, err := s.m.DB.GetOrder(ctx, conv.Memory.LastOrder)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.m.WeChatPayProvider("maison-lumiere").Prepay(ctx, "maison-lumiere", o, wechatpay.TradeNative, "", ""); err != nil {
		t.Fatal(err)
	}
	told := func() int {
		t.Helper()
		s.idle()
		es, err := s.m.DB.Transcript(ctx, "maison-lumiere", concierge.ChannelWeChat, "oDeclined", 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range es {
			if e.Message != nil && strings.Contains(e.Message.Text, "付款") && strings.Contains(e.Message.Text, "未成功") {
				n++
			}
		}
		return n
	}
	post := func(note []byte) {
		t.Helper()
		if code, body := s.post("/webhooks/maison-lumiere/wechatpay", note); code != http.StatusOK || body != string(wechatpay.Reply(true, "")) {
			t.Fatalf("failed payment notification: %d %s", code, body)
		}
	}
	first, err := s.pay.FailedNotification(string(o.ID), "attempt-1", "NOTENOUGH", "余额不足", wechatpay.SignHMACSHA256)
	if err != nil {
		t.Fatal(err)
	}
	post(first)
	post(first) // WeChat Pay repeats it
	if fs, _ := s.m.DB.PaymentFailures(ctx, o.ID); len(fs) != 1 || fs[0].Code != "NOTENOUGH" || fs[0].Reason != "余额不足" {
		t.Fatalf("failures %+v, want one NOTENOUGH", fs)
	}
	if n := told(); n != 1 {
		t.Fatalf("the customer was told %d times, want once", n)
	}
	second, _ := s.pay.FailedNotification(string(o.ID), "attempt-2", "NOTENOUGH", "余额不足", wechatpay.SignMD5)
	post(second)
	if n := told(); n != 2 {
		t.Fatalf("the customer was told %d times after two attempts, want twice", n)
	}
	if got, _ := s.m.DB.FindConversation(ctx, "maison-lumiere", concierge.ChannelWeChat, "oDeclined"); got.State != concierge.StateWaiting {
		t.Fatalf("conversation %s after two failed attempts, want waiting", got.State)
	}
	if got, _ := s.m.DB.GetOrder(ctx, o.ID); got.State != concierge.OrderPending {
		t.Errorf("order %s, want pending", got.State)
	}
	forged := []byte(strings.Replace(string(second), "attempt-2", "attempt-3", 1))
	if code, _ := s.post("/webhooks/maison-lumiere/wechatpay", forged); code != http.StatusUnauthorized {
		t.Errorf("forged failure: %d, want 401", code)
	}
	if fs, _ := s.m.DB.PaymentFailures(ctx, o.ID); len(fs) != 2 {
		t.Errorf("%d failures, want 2", len(fs))
	}
}

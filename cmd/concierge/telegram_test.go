package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/telegram"
	"github.com/conciergehq/concierge/adapters/telegram/telegramtest"
)

const (
	tgToken  = "123456:ABC-test-token"
	tgSecret = "test_secret-0123456789"
	tgBot    = "maison-lumiere"
)

// tgShop is a running server whose bot is on Telegram, talking to a fake
// Bot API that checks every call.
type tgShop struct {
	*shop
	fake    *telegramtest.Server
	polling bool
	nextID  atomic.Int64
}

// startTelegramShop runs the sample shop with the Telegram channel (in
// webhook or polling mode) and Telegram payments instead of the web
// widget and the sandbox. edits change the bot file's text before it is
// loaded (more products, say).
func startTelegramShop(t *testing.T, mode string, edits ...func(cfg string) string) *tgShop {
	t.Helper()
	return startTelegramShopMain(t, mode, nil, edits...)
}

// startTelegramShopMain is startTelegramShop with tweak adjusting Main
// before it opens (the sweep's interval, say).
func startTelegramShopMain(t *testing.T, mode string, tweak func(*Main), edits ...func(cfg string) string) *tgShop {
	t.Helper()
	fake := newTelegramFake(t)
	cfg := rewrite(t, sampleBot(t), map[string]string{
		"channels:\n  web: { enabled: true }":     fmt.Sprintf("channels:\n  telegram: { token: %q, secret_token: %q, api_endpoint: %q, mode: %s }", tgToken, tgSecret, fake.URL, mode),
		"payments:\n  sandbox: { enabled: true }": "payments:\n  telegram: { provider_token: \"284685063:TEST:provider\", stars_for_digital: true, stars_per_unit: 50 }",
	})
	for _, edit := range edits {
		cfg = edit(cfg)
	}
	m := &Main{ConfigPath: writeBot(t, cfg), DBURL: tempSQLite(t), TelegramLimits: tgTestLimits(), TelegramPollTimeout: time.Second}
	if tweak != nil {
		tweak(m)
	}
	s := &tgShop{shop: runMain(t, m), fake: fake, polling: mode == "polling"}
	s.nextID.Store(500000)
	return s
}

// tgTestLimits lifts the Bot API rate limits, which would otherwise slow
// the tests that do not exercise them.
func tgTestLimits() telegram.Limits {
	return telegram.Limits{PerChat: 1000, PerChatBurst: 1000, Global: 1000, GlobalBurst: 1000}
}

// newTelegramFake starts a fake Bot API that, when the test ends, fails
// it for every call that broke the Bot API's rules.
func newTelegramFake(t *testing.T) *telegramtest.Server {
	t.Helper()
	fake := telegramtest.New(tgToken)
	t.Cleanup(func() {
		fake.Close()
		for _, p := range fake.Problems() {
			t.Errorf("Bot API breach: %s", p)
		}
	})
	return fake
}

// post delivers an update as Telegram would: POSTed with the secret (and
// the call in the response body run by the fake), or queued for
// getUpdates in polling mode. It returns the webhook's status.
func (s *tgShop) post(update map[string]any) int {
	s.t.Helper()
	if _, ok := update["update_id"]; !ok {
		update["update_id"] = s.nextID.Add(1)
	}
	body, _ := json.Marshal(update)
	if s.polling {
		s.fake.Queue(body)
		return http.StatusOK
	}
	return s.postRaw(body, tgSecret)
}

func (s *tgShop) postRaw(body []byte, secret string) int {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.base+"/webhooks/"+tgBot+"/telegram", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set(telegram.HeaderTelegramSecret, secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		s.fake.Reply(resp.Header.Get("Content-Type"), reply)
	}
	return resp.StatusCode
}

// tgCustomer is one Telegram user in a private chat with the bot.
type tgCustomer struct {
	s    *tgShop
	id   int64
	lang string
	seen int // calls to this chat already returned
	last []telegramtest.Call
}

var nextUser atomic.Int64

func (s *tgShop) customer(lang string) *tgCustomer {
	return &tgCustomer{s: s, id: 7000000 + nextUser.Add(1), lang: lang}
}

func (c *tgCustomer) from() map[string]any {
	return map[string]any{"id": c.id, "is_bot": false, "first_name": "Client", "language_code": c.lang}
}

func (c *tgCustomer) chat() map[string]any {
	return map[string]any{"id": c.id, "type": "private", "first_name": "Client"}
}

func (c *tgCustomer) message(fields map[string]any) map[string]any {
	m := map[string]any{"message_id": c.s.nextID.Add(1), "date": time.Now().Unix(), "from": c.from(), "chat": c.chat()}
	for k, v := range fields {
		m[k] = v
	}
	return m
}

// say sends text and returns the bot's calls to this chat in answer.
func (c *tgCustomer) say(text string) []telegramtest.Call {
	c.s.t.Helper()
	if st := c.s.post(map[string]any{"message": c.message(map[string]any{"text": text})}); st != http.StatusOK {
		c.s.t.Fatalf("say %q: status %d", text, st)
	}
	return c.replies()
}

// press presses the first button whose value starts with prefix.
func (c *tgCustomer) press(calls []telegramtest.Call, prefix string) []telegramtest.Call {
	c.s.t.Helper()
	for _, call := range calls {
		for _, b := range call.Buttons() {
			if b.CallbackData == "" {
				continue
			}
			v, err := c.s.m.DB.ButtonValue(context.Background(), tgBot, b.CallbackData)
			if err != nil {
				c.s.t.Fatalf("button %q: token %q not stored: %v", b.Text, b.CallbackData, err)
			}
			if strings.HasPrefix(v, prefix) {
				answers := len(c.s.fake.Calls("answerCallbackQuery"))
				c.s.post(c.callback(b.CallbackData, call))
				c.replies()
				if a := c.s.fake.WaitCalls(answers, 1, 5*time.Second, "answerCallbackQuery"); len(a) != 1 {
					c.s.t.Fatalf("button %q was not answered", b.Text)
				}
				return c.last
			}
		}
	}
	c.s.t.Fatalf("no button %q in %s", prefix, dumpCalls(calls))
	return nil
}

func (c *tgCustomer) callback(data string, on telegramtest.Call) map[string]any {
	var kb any
	json.Unmarshal([]byte(on.Params.Get("reply_markup")), &kb)
	return map[string]any{"callback_query": map[string]any{"id": fmt.Sprint("cq", c.s.nextID.Add(1)), "from": c.from(), "chat_instance": "42", "data": data,
		"message": map[string]any{"message_id": max(on.MessageID, 1), "date": time.Now().Unix(), "chat": c.chat(), "text": "…", "reply_markup": kb}}}
}

// replies waits until the pipeline is idle and returns the calls made to
// this chat since the last look, waiting up to 10 s for at least one.
func (c *tgCustomer) replies() []telegramtest.Call { return c.await(true) }

// quiet is replies when none are expected: it returns what came once the
// pipeline is idle.
func (c *tgCustomer) quiet() []telegramtest.Call { return c.await(false) }

// settled is true when every update is stored (the poller confirmed it,
// or the webhook answered) and every stored update is answered: a turn
// writes its replies in the transaction that marks it done, so nothing
// more can come for what was sent so far.
func (c *tgCustomer) settled() bool {
	return c.s.fake.Unconfirmed() == 0 && (&customer{s: c.s.shop}).idle()
}

func (c *tgCustomer) await(wantOne bool) []telegramtest.Call {
	c.s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if !c.settled() {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		var mine []telegramtest.Call
		for _, call := range c.s.fake.Calls() {
			if call.Chat() == c.id {
				mine = append(mine, call)
			}
		}
		if len(mine) > c.seen || !wantOne {
			c.last = mine[c.seen:]
			c.seen = len(mine)
			return c.last
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !wantOne {
		c.s.t.Fatal("the pipeline is still busy after 10 s")
	}
	c.last = nil
	return nil
}

func dumpCalls(cs []telegramtest.Call) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "\n  %s %q", c.Method, c.Text())
		for _, btn := range c.Buttons() {
			fmt.Fprintf(&b, " [%s]", btn.Text)
		}
	}
	return b.String()
}

func findCall(t *testing.T, cs []telegramtest.Call, method string) telegramtest.Call {
	t.Helper()
	for _, c := range cs {
		if c.Method == method {
			return c
		}
	}
	t.Fatalf("no %s in %s", method, dumpCalls(cs))
	return telegramtest.Call{}
}

// pay answers an invoice as the Telegram client does: a pre-checkout
// query (which the server must accept), then the successful payment.
func (c *tgCustomer) pay(inv telegramtest.Call, charge string) []telegramtest.Call {
	c.s.t.Helper()
	ok, reason := c.preCheckout(inv, 0)
	if !ok {
		c.s.t.Fatalf("pre-checkout refused: %s", reason)
	}
	return c.paid(inv, charge, 0)
}

func invoiceTotal(inv telegramtest.Call) int64 {
	var prices []struct{ Amount int64 }
	json.Unmarshal([]byte(inv.Params.Get("prices")), &prices)
	var n int64
	for _, p := range prices {
		n += p.Amount
	}
	return n
}

// preCheckout sends the pre_checkout_query of inv (its total plus delta)
// and returns the server's answer.
func (c *tgCustomer) preCheckout(inv telegramtest.Call, delta int64) (bool, string) {
	c.s.t.Helper()
	n := len(c.s.fake.Calls("answerPreCheckoutQuery"))
	qid := fmt.Sprint("pcq", c.s.nextID.Add(1))
	c.s.post(map[string]any{"pre_checkout_query": map[string]any{"id": qid, "from": c.from(), "currency": inv.Params.Get("currency"),
		"total_amount": invoiceTotal(inv) + delta, "invoice_payload": inv.Params.Get("payload")}})
	as := c.s.fake.WaitCalls(n, 1, 5*time.Second, "answerPreCheckoutQuery")
	if len(as) != 1 || as[0].Params.Get("pre_checkout_query_id") != qid {
		c.s.t.Fatalf("pre-checkout query not answered: %v", as)
	}
	return as[0].Params.Get("ok") == "true", as[0].Params.Get("error_message")
}

func (c *tgCustomer) paidQuietly(inv telegramtest.Call, charge string) []telegramtest.Call {
	c.s.t.Helper()
	c.post(c.payment(inv, charge))
	return c.quiet()
}

func (c *tgCustomer) post(u map[string]any) {
	c.s.t.Helper()
	if st := c.s.post(u); st != http.StatusOK {
		c.s.t.Fatalf("status %d", st)
	}
}

func (c *tgCustomer) payment(inv telegramtest.Call, charge string) map[string]any {
	return map[string]any{"message": c.message(map[string]any{"successful_payment": map[string]any{"currency": inv.Params.Get("currency"),
		"total_amount": invoiceTotal(inv), "invoice_payload": inv.Params.Get("payload"),
		"telegram_payment_charge_id": charge, "provider_payment_charge_id": "prov_" + charge}})}
}

func (c *tgCustomer) paid(inv telegramtest.Call, charge string, updateID int64) []telegramtest.Call {
	c.s.t.Helper()
	u := map[string]any{"message": c.message(map[string]any{"successful_payment": map[string]any{"currency": inv.Params.Get("currency"),
		"total_amount": invoiceTotal(inv), "invoice_payload": inv.Params.Get("payload"),
		"telegram_payment_charge_id": charge, "provider_payment_charge_id": "prov_" + charge}})}
	if updateID != 0 {
		u["update_id"] = updateID
	}
	if st := c.s.post(u); st != http.StatusOK {
		c.s.t.Fatalf("successful_payment: status %d", st)
	}
	return c.replies()
}

// TestTelegramPurchase drives a whole purchase through the fake Bot API —
// search, button press, consent, invoice, pre-checkout, successful
// payment, confirmation — in French and Chinese, over the webhook and
// over long polling.
func TestTelegramPurchase(t *testing.T) {
	tests := []struct {
		mode, lang, search string
		sku                concierge.SKU
		paidWord           string
	}{
		{"webhook", "fr", "je cherche une lampe de bureau", "LAMP-02", "payée"},
		{"webhook", "zh-hans", "我想买台灯", "LAMP-02", "已支付"},
		{"polling", "fr", "je cherche une lampe de bureau", "LAMP-02", "payée"},
		{"polling", "zh", "我想买台灯", "LAMP-02", "已支付"},
	}
	for _, tt := range tests {
		t.Run(tt.mode+"/"+tt.lang, func(t *testing.T) {
			s := startTelegramShop(t, tt.mode)
			c := s.customer(tt.lang)
			welcome := c.say("/start")
			if len(welcome) == 0 || len(welcome[0].Buttons()) == 0 {
				t.Fatalf("no welcome with buttons: %s", dumpCalls(welcome))
			}
			found := c.say(tt.search)
			if !strings.Contains(dumpCalls(found), s.m.Bots[0].Product(tt.sku).Title(concierge.Locale(tt.lang[:2]), "fr")) {
				t.Fatalf("search %q: %s", tt.search, dumpCalls(found))
			}
			consent := c.press(found, "buy:"+string(tt.sku))
			invoiceCalls := c.press(consent, "consent:yes")
			inv := findCall(t, invoiceCalls, "sendInvoice")
			price := s.m.Bots[0].Product(tt.sku).Price
			if inv.Params.Get("currency") != "EUR" || invoiceTotal(inv) != price.Minor || inv.Params.Get("provider_token") == "" {
				t.Fatalf("invoice %v, want %d EUR with the provider token", inv.Params, price.Minor)
			}
			order := concierge.OrderID(strings.TrimPrefix(inv.Params.Get("payload"), "order:"))
			confirm := c.pay(inv, "tg_charge_"+tt.mode+tt.lang)
			if !strings.Contains(dumpCalls(confirm), tt.paidWord) || !strings.Contains(dumpCalls(confirm), string(order)) {
				t.Fatalf("after payment the chat says %s; want %q and %s", dumpCalls(confirm), tt.paidWord, order)
			}
			o, err := s.m.DB.GetOrder(context.Background(), order)
			if err != nil || o.State != concierge.OrderPaid || o.Total != price {
				t.Fatalf("stored order %+v, %v", o, err)
			}
			// Telegram repeats the notification: nothing changes, nothing is said.
			ps, _ := s.m.DB.Payments(context.Background(), order)
			if again := c.paidQuietly(inv, "tg_charge_"+tt.mode+tt.lang); len(again) != 0 {
				t.Errorf("a repeated payment said %s", dumpCalls(again))
			}
			if ps2, _ := s.m.DB.Payments(context.Background(), order); len(ps2) != len(ps) || len(ps) != 1 {
				t.Errorf("payments %d then %d, want 1", len(ps), len(ps2))
			}
		})
	}
}

// TestTelegramStarsAndRefusals: a digital gift card is sold in Stars (XTR,
// no provider token, one price); a pre-checkout for a changed amount and
// one for an order already paid are refused with the reason, in French.
func TestTelegramStarsAndRefusals(t *testing.T) {
	s := startTelegramShop(t, "webhook")
	c := s.customer("fr")
	found := c.say("je cherche une carte cadeau")
	consent := c.press(found, "buy:GIFT-30")
	inv := findCall(t, c.press(consent, "consent:yes"), "sendInvoice")
	gift := s.m.Bots[0].Product("GIFT-30").Price // 30.00 EUR at 50 Stars per euro
	if inv.Params.Get("currency") != "XTR" || invoiceTotal(inv) != gift.Minor/100*50 || inv.Params.Get("provider_token") != "" {
		t.Fatalf("Stars invoice %v", inv.Params)
	}
	if ok, reason := c.preCheckout(inv, 1); ok || !strings.Contains(reason, "a changé") {
		t.Errorf("pre-checkout for another amount: ok=%v %q", ok, reason)
	}
	confirm := c.pay(inv, "stxCHARGE1")
	if !strings.Contains(dumpCalls(confirm), "payée") {
		t.Fatalf("no confirmation: %s", dumpCalls(confirm))
	}
	if ok, reason := c.preCheckout(inv, 0); ok || !strings.Contains(reason, "déjà payée") {
		t.Errorf("pre-checkout for a paid order: ok=%v %q", ok, reason)
	}
	order := concierge.OrderID(strings.TrimPrefix(inv.Params.Get("payload"), "order:"))
	if o, _ := s.m.DB.GetOrder(context.Background(), order); o.State != concierge.OrderPaid {
		t.Fatalf("order %s is %s", order, o.State)
	}
	// Refunding the Stars payment goes through refundStarPayment.
	hb := s.m.TelegramPay(tgBot)
	if err := hb.RefundStars(context.Background(), c.id, "stxCHARGE1"); err != nil {
		t.Fatal(err)
	}
	if r := s.fake.Calls("refundStarPayment"); len(r) != 1 || r[0].Params.Get("telegram_payment_charge_id") != "stxCHARGE1" {
		t.Errorf("refund calls %v", r)
	}
	// Telegram then reports the refund; the order records it once, however
	// often the update comes.
	for i := 0; i < 2; i++ {
		c.post(map[string]any{"message": c.message(map[string]any{"refunded_payment": map[string]any{
			"currency": "XTR", "total_amount": invoiceTotal(inv), "invoice_payload": inv.Params.Get("payload"),
			"telegram_payment_charge_id": "stxCHARGE1"}})})
	}
	rs, err := s.m.DB.Refunds(context.Background(), order)
	if err != nil || len(rs) != 1 || rs[0].Provider != "telegram" || rs[0].Amount.Minor != invoiceTotal(inv) {
		t.Fatalf("refunds recorded: %+v, %v", rs, err)
	}
}

// TestTelegramBadInput: a forged or missing secret is refused with 401 and
// stores nothing (a forged successful_payment included); malformed JSON is
// 400; unknown kinds are 200 with no reply; a repeated update_id is
// handled once; an expired button is answered as such; a sticker gets a
// helpful reply; a customer who blocked the bot stops the sends.
func TestTelegramBadInput(t *testing.T) {
	s := startTelegramShop(t, "webhook")
	ctx := context.Background()
	c := s.customer("fr")
	inv := findCall(t, c.press(c.press(c.say("je cherche une lampe de bureau"), "buy:LAMP-02"), "consent:yes"), "sendInvoice")
	order := concierge.OrderID(strings.TrimPrefix(inv.Params.Get("payload"), "order:"))

	forged, _ := json.Marshal(map[string]any{"update_id": 999001, "message": c.message(map[string]any{"successful_payment": map[string]any{
		"currency": "EUR", "total_amount": invoiceTotal(inv), "invoice_payload": inv.Params.Get("payload"), "telegram_payment_charge_id": "forged"}})})
	for _, secret := range []string{"", "wrong", tgSecret + "x"} {
		if st := s.postRaw(forged, secret); st != http.StatusUnauthorized {
			t.Errorf("secret %q: status %d, want 401", secret, st)
		}
	}
	if o, _ := s.m.DB.GetOrder(ctx, order); o.State != concierge.OrderPending {
		t.Fatalf("a forged payment moved the order to %s", o.State)
	}
	for _, body := range []string{`{`, `not json`, `{"message":{"text":"no id"}}`} {
		if st := s.postRaw([]byte(body), tgSecret); st != http.StatusBadRequest {
			t.Errorf("%q: status %d, want 400", body, st)
		}
	}
	before := len(s.fake.Calls())
	for _, f := range []string{"update_channel_post", "update_my_chat_member_kicked", "update_poll", "update_message_group"} {
		body, err := os.ReadFile("../../adapters/telegram/testdata/updates/" + f + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if st := s.postRaw(body, tgSecret); st != http.StatusOK {
			t.Errorf("%s: status %d, want 200", f, st)
		}
	}
	c.quiet()
	if n := len(s.fake.Calls()); n != before {
		t.Errorf("unknown kinds caused %d calls", n-before)
	}
	if !strings.Contains(s.logs.String(), "telegram update ignored") {
		t.Error("ignored updates are not logged")
	}

	// The same update twice: one answer.
	dup := map[string]any{"update_id": int64(424242), "message": c.message(map[string]any{"text": "mon panier"})}
	s.post(dup)
	first := c.replies()
	s.post(dup)
	if again := c.quiet(); len(first) == 0 || len(again) != 0 {
		t.Errorf("update repeated: %d then %d replies", len(first), len(again))
	}

	// An expired (unknown) token: answered "expired", nothing stored.
	n := len(s.fake.Calls("answerCallbackQuery"))
	s.post(c.callback("cAAAAAAAAAAAAAAAA", telegramtest.Call{}))
	a := s.fake.WaitCalls(n, 1, 5*time.Second, "answerCallbackQuery")
	if len(a) != 1 || !strings.Contains(a[0].Params.Get("text"), "expiré") {
		t.Errorf("expired button answered %v", a)
	}
	if r := c.quiet(); len(r) != 0 {
		t.Errorf("expired button got replies %s", dumpCalls(r))
	}

	// A sticker: a helpful reply.
	s.post(map[string]any{"message": c.message(map[string]any{"sticker": map[string]any{"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1, "is_animated": false}})})
	if r := c.replies(); !strings.Contains(dumpCalls(r), "images") {
		t.Errorf("sticker reply: %s", dumpCalls(r))
	}

	// The customer blocks the bot: the send fails with 403 and the
	// conversation is marked undeliverable.
	s.fake.Fail("sendMessage", http.StatusForbidden, 0, "Forbidden: bot was blocked by the user")
	c.say("lampe")
	conv, err := s.m.DB.FindConversation(ctx, tgBot, concierge.ChannelTelegram, concierge.ChatID(fmt.Sprint(c.id)))
	if err != nil || !conv.Undeliverable {
		t.Errorf("after 403 the conversation is %+v, %v; want undeliverable", conv, err)
	}
}

// TestTelegramSetWebhook: the subcommand registers the route URL with the
// bot file's secret, the update kinds and max connections.
func TestTelegramSetWebhook(t *testing.T) {
	fake := telegramtest.New(tgToken)
	defer fake.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "bot.yaml")
	os.WriteFile(path, []byte(fmt.Sprintf("bot: shop\nchannels:\n  telegram: { token: %q, secret_token: \"${TG_SECRET}\", api_endpoint: %q }\ncatalog:\n  products:\n    - { sku: A, name: { en: A }, price: \"1.00\" }\n", tgToken, fake.URL)), 0o644)
	env := func(k string) string { return map[string]string{"TG_SECRET": tgSecret}[k] }
	var out, errb strings.Builder
	code := run(context.Background(), []string{"telegram", "set-webhook", "--config", path, "--url", "https://shop.example.com", "--max-connections", "25"}, nil, &out, &errb, env)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	wh := fake.Webhook()
	if wh.Get("url") != "https://shop.example.com/webhooks/shop/telegram" || wh.Get("secret_token") != tgSecret || wh.Get("max_connections") != "25" ||
		!strings.Contains(wh.Get("allowed_updates"), "pre_checkout_query") {
		t.Errorf("setWebhook %v", wh)
	}
	if !strings.Contains(out.String(), "/webhooks/shop/telegram") {
		t.Errorf("output %q", out.String())
	}
	if code := run(context.Background(), []string{"telegram", "set-webhook", "--config", path, "--url", "http://insecure.example.com"}, nil, &out, &errb, env); code != 1 {
		t.Errorf("http URL: exit %d", code)
	}
	var sec strings.Builder
	run(context.Background(), []string{"telegram", "new-secret"}, nil, &sec, &errb, env)
	if s := strings.TrimSpace(sec.String()); len(s) < 40 || strings.ContainsAny(s, "+/=") {
		t.Errorf("new secret %q", s)
	}
	for _, p := range fake.Problems() {
		t.Errorf("Bot API breach: %s", p)
	}
}

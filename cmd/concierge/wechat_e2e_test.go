package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/wechat/wechattest"
	"github.com/conciergehq/concierge/checkout/wechatpay"
	"github.com/conciergehq/concierge/checkout/wechatpay/wechatpaytest"
)

const (
	wxAppID   = "wx1234567890abcdef"
	wxSecret  = "wechat-app-secret"
	wxToken   = "wechat-server-token"
	wxAESKey  = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	wxAccount = "gh_0123456789ab"
	wxMchID   = "1900000109"
	wxPayKey  = "0123456789abcdef0123456789abcdef"
)

// wxShop is the sample shop, in CNY, with an Official Account on a fake
// WeChat API and WeChat Pay on a fake merchant API.
type wxShop struct {
	t    *testing.T
	m    *Main
	base string
	api  *wechattest.Server
	pay  *wechatpaytest.Server
	acct wechattest.Account
	logs *syncBuffer
	// spans are the server's spans (see startMain).
	spans *tracetest.SpanRecorder
}

func startWXShop(t *testing.T, safe bool) *wxShop {
	t.Helper()
	return startWXShopWith(t, wxOptions{safe: safe})
}

// wxOptions vary the sample shop: safe mode, the database (SQLite in a
// temp dir by default), and WeChat Pay over TLS with the merchant's
// client certificate (which refunds need).
type wxOptions struct {
	safe bool
	db   string
	tls  bool
	// p12 is tls with the certificate given as cert_p12: the committed
	// checkout/wechatpay/testdata/p12/apiclient_cert.p12, which the fake
	// trusts, opened with the mch_id.
	p12 bool
	// edits change the bot file, in order, after it is written for the
	// fakes (to put a proxy in front of one, say).
	edits []func(cfg string) string
}

func startWXShopWith(t *testing.T, opt wxOptions) *wxShop {
	t.Helper()
	safe := opt.safe
	api := wechattest.New(wxAppID, wxSecret)
	t.Cleanup(api.Close)
	pay := wechatpaytest.New(wxAppID, wxMchID, wxPayKey)
	certYAML := ""
	if opt.tls {
		pay.Close()
		var err error
		if pay, err = wechatpaytest.NewTLS(wxAppID, wxMchID, wxPayKey); err != nil {
			t.Fatal(err)
		}
		certFile, keyFile, err := pay.ClientCertificate(t.TempDir(), wxMchID)
		if err != nil {
			t.Fatal(err)
		}
		certYAML = fmt.Sprintf(", cert_file: %q, key_file: %q", certFile, keyFile)
	}
	if opt.p12 {
		pay.Close()
		p12, err := filepath.Abs(filepath.Join("..", "..", "checkout", "wechatpay", "testdata", "p12", "apiclient_cert.p12"))
		if err != nil {
			t.Fatal(err)
		}
		cert, err := wechatpay.LoadPKCS12(p12, wxMchID)
		if err != nil {
			t.Fatal(err)
		}
		if pay, err = wechatpaytest.NewTLS(wxAppID, wxMchID, wxPayKey, cert.Leaf); err != nil {
			t.Fatal(err)
		}
		certYAML = fmt.Sprintf(", cert_p12: %q", p12)
		opt.tls = true
	}
	t.Cleanup(pay.Close)
	if opt.db == "" {
		opt.db = tempSQLite(t)
	}
	aes := ""
	if safe {
		aes = wxAESKey
	}
	head := fmt.Sprintf(`bot: maison-lumiere
name: 光之屋
locales: [zh, en]
currency: CNY
channels:
  wechat:
    app_id: %q
    app_secret: %q
    token: %q
    encoding_aes_key: %q
    original_id: %q
    api_base: %q
payments:
  wechatpay: { mch_id: %q, api_key: %q, api_base: %q%s }
`, wxAppID, wxSecret, wxToken, aes, wxAccount, api.URL, wxMchID, wxPayKey, pay.URL, certYAML)
	cfg := head + sampleRest(t)
	for _, edit := range opt.edits {
		cfg = edit(cfg)
	}
	m := &Main{ConfigPath: writeBot(t, cfg), DBURL: opt.db}
	if opt.tls {
		m.WeChatPayClient = pay.Client()
	}
	sh := runMain(t, m)
	return &wxShop{t: t, m: sh.m, base: sh.base, api: api, pay: pay, logs: sh.logs, spans: sh.spans,
		acct: wechattest.Account{ID: wxAccount, AppID: wxAppID, Token: wxToken, EncodingAESKey: aes}}
}

// push posts a message as WeChat does and returns the status and body.
func (s *wxShop) push(p wechattest.Push) (int, string) {
	s.t.Helper()
	p.ToUserName = wxAccount
	q, body := s.acct.Request(p.Marshal(), time.Now(), fmt.Sprint(time.Now().UnixNano()))
	return s.post("/webhooks/maison-lumiere/wechat?"+q.Encode(), body)
}

func (s *wxShop) post(path string, body []byte) (int, string) {
	s.t.Helper()
	resp, err := http.Post(s.base+path, "text/xml", bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (s *wxShop) idle() {
	s.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		in, err1 := s.m.DB.PendingInbound(ctx)
		out, err2 := s.m.DB.PendingOutbound(ctx)
		if err1 == nil && err2 == nil && in == 0 && out == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatal("pipeline still busy after 15s")
}

// wxCustomer is one follower of the account.
type wxCustomer struct {
	s      *wxShop
	openid string
	n      int64
	seen   int
}

func (c *wxCustomer) send(p wechattest.Push) []wechattest.Sent {
	c.s.t.Helper()
	p.FromUserName = c.openid
	if code, body := c.s.push(p); code != 200 || body != "success" {
		c.s.t.Fatalf("push %s: %d %q", p.MsgType, code, body)
	}
	return c.replies()
}

func (c *wxCustomer) replies() []wechattest.Sent {
	c.s.idle()
	all := c.s.api.SentTo(c.openid)
	out := all[c.seen:]
	c.seen = len(all)
	return out
}

func (c *wxCustomer) next() (int64, string) {
	c.n++
	return time.Now().Unix() + c.n, fmt.Sprintf("%d%06d", time.Now().UnixNano()/1000, c.n)
}

func (c *wxCustomer) say(text string) []wechattest.Sent {
	at, id := c.next()
	return c.send(wechattest.Push{CreateTime: at, MsgType: "text", Content: text, MsgID: id})
}

func (c *wxCustomer) subscribe() []wechattest.Sent {
	at, _ := c.next()
	return c.send(wechattest.Push{CreateTime: at, MsgType: "event", Event: "subscribe"})
}

// choose taps the menu item whose value starts with prefix.
func (c *wxCustomer) choose(sent []wechattest.Sent, prefix string) []wechattest.Sent {
	c.s.t.Helper()
	ctx := context.Background()
	for _, m := range sent {
		if m.MsgMenu == nil {
			continue
		}
		for _, it := range m.MsgMenu.List {
			v, err := c.s.m.DB.ButtonValue(ctx, "maison-lumiere", it.ID)
			if err == nil && strings.HasPrefix(v, prefix) {
				at, id := c.next()
				return c.send(wechattest.Push{CreateTime: at, MsgType: "text", Content: it.Content, BizMsgMenuID: it.ID, MsgID: id})
			}
		}
	}
	c.s.t.Fatalf("no menu item %q in %s", prefix, wxDump(sent))
	return nil
}

func wxDump(sent []wechattest.Sent) string {
	var b strings.Builder
	for _, m := range sent {
		fmt.Fprintf(&b, "\n  %s %q", m.MsgType, clipText(m.Text()))
	}
	return b.String()
}

func wxText(sent []wechattest.Sent) string {
	var parts []string
	for _, m := range sent {
		parts = append(parts, m.Text())
	}
	return strings.Join(parts, "\n")
}

// TestWeChatPurchase is the WeChat purchase end to end, in plaintext and in safe mode:
// a customer follows the account and is welcomed in Chinese, asks for a
// lamp in Chinese, chooses from menu messages, opens the JSAPI payment
// page in WeChat, WeChat Pay notifies three times (signed), the order is
// paid once and the customer is told once.
func TestWeChatPurchase(t *testing.T) {
	for _, mode := range []string{"plaintext", "safe"} {
		t.Run(mode, func(t *testing.T) {
			s := startWXShop(t, mode == "safe")
			ctx := context.Background()
			c := &wxCustomer{s: s, openid: "oUpF8uMEb4qRXf22hE3X68TekukE"}

			welcome := c.subscribe()
			if !strings.Contains(wxText(welcome), "欢迎光临光之屋") {
				t.Fatalf("welcome: %s", wxDump(welcome))
			}
			found := c.say("有床头灯吗？")
			if len(found) == 0 || found[0].MsgType != "news" || !strings.Contains(wxText(found), "灯") {
				t.Fatalf("search: %s", wxDump(found))
			}
			cart := c.choose(found, "add:")
			if !strings.Contains(wxText(cart), "¥") && !strings.Contains(wxText(cart), "CN¥") {
				t.Logf("cart: %s", wxDump(cart))
			}
			next := c.choose(cart, "checkout")
			for _, m := range next {
				if m.MsgMenu != nil {
					for _, it := range m.MsgMenu.List {
						if v, _ := s.m.DB.ButtonValue(ctx, "maison-lumiere", it.ID); v == "consent:yes" {
							next = c.choose(next, "consent:yes")
						}
					}
				}
			}
			t.Logf("welcome:%s\nsearch:%s\ncart:%s\ncheckout:%s", wxDump(welcome), wxDump(found), wxDump(cart), wxDump(next))
			var payURL string
			for _, m := range next {
				if m.News != nil && strings.Contains(m.News.Articles[0].URL, "/wechatpay/") {
					payURL = m.News.Articles[0].URL
				}
			}
			if payURL == "" {
				t.Fatalf("no payment article in %s", wxDump(next))
			}
			conv, err := s.m.DB.FindConversation(ctx, "maison-lumiere", concierge.ChannelWeChat, concierge.ChatID(c.openid))
			if err != nil || conv.Memory.LastOrder == "" {
				t.Fatalf("no order: %v", err)
			}
			o, _ := s.m.DB.GetOrder(ctx, conv.Memory.LastOrder)
			if o.Provider != "wechatpay" || o.Total.Currency != "CNY" {
				t.Fatalf("order %+v", o)
			}

			// The page, opened in WeChat's browser, calls WeixinJSBridge
			// with a unified order made for the customer's openid.
			req, _ := http.NewRequest(http.MethodGet, payURL, nil)
			req.Header.Set("User-Agent", "Mozilla/5.0 (iPhone) MicroMessenger/8.0.47")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			uo := s.pay.Order(string(o.ID))
			if resp.StatusCode != 200 || uo == nil || !strings.Contains(string(page), "getBrandWCPayRequest") || !strings.Contains(string(page), uo.PrepayID) {
				t.Fatalf("page %d %s; unified order %+v; errors %v", resp.StatusCode, page, uo, s.pay.Errors())
			}
			if uo.Params["openid"] != c.openid || uo.Params["total_fee"] != fmt.Sprint(o.Total.Minor) || uo.Params["trade_type"] != "JSAPI" {
				t.Fatalf("unified order %v for %+v", uo.Params, o)
			}
			if code, _ := s.post("/wechatpay/maison-lumiere/pay/"+string(o.ID)+"?t=forged", nil); code == 200 {
				t.Fatal("a forged page token was served")
			}

			// A forged notification first: refused, nothing paid.
			note, err := s.pay.Notification(string(o.ID), o.Total.Minor, wechatpay.SignHMACSHA256)
			if err != nil {
				t.Fatal(err)
			}
			forged := bytes.Replace(note, []byte("<![CDATA[CMC]]>"), []byte("<![CDATA[ICBC]]>"), 1)
			if code, body := s.post("/webhooks/maison-lumiere/wechatpay", forged); code != 401 || !strings.Contains(body, "FAIL") {
				t.Fatalf("forged notification: %d %s", code, body)
			}
			for i := range 3 {
				code, body := s.post("/webhooks/maison-lumiere/wechatpay", note)
				if code != 200 || body != string(wechatpay.Reply(true, "")) {
					t.Fatalf("notification %d: %d %s", i+1, code, body)
				}
			}
			told := c.replies()
			if len(told) != 1 || !strings.Contains(wxText(told), "已支付") || !strings.Contains(wxText(told), string(o.ID)) {
				t.Fatalf("after payment: %s", wxDump(told))
			}
			if got, _ := s.m.DB.GetOrder(ctx, o.ID); got.State != concierge.OrderPaid {
				t.Fatalf("order state %s", got.State)
			}
			if pays, _ := s.m.DB.Payments(ctx, o.ID); len(pays) != 1 || pays[0].Amount != o.Total {
				t.Fatalf("payments %+v", pays)
			}
			if errs := s.api.Errors(); len(errs) > 0 {
				t.Fatalf("the fake WeChat API refused requests: %v", errs)
			}
			if s.api.TokenCalls != 1 {
				t.Fatalf("%d access tokens fetched", s.api.TokenCalls)
			}
		})
	}
}

// TestWeChatRetriesDuringSlowTurn shows the 5-second rule: while the
// bot's answer is slow to go out, WeChat's three attempts of one message
// are each answered "success" at once, and the customer is answered once.
func TestWeChatRetriesDuringSlowTurn(t *testing.T) {
	s := startWXShop(t, true)
	s.api.Delay = 1500 * time.Millisecond
	c := &wxCustomer{s: s, openid: "oRetry"}
	at, id := c.next()
	p := wechattest.Push{FromUserName: c.openid, CreateTime: at, MsgType: "text", Content: "有台灯吗", MsgID: id}
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 300 * time.Millisecond)
			start := time.Now()
			code, body := s.push(p)
			if code != 200 || body != "success" || time.Since(start) > 2*time.Second {
				t.Errorf("attempt %d: %d %q after %v", i+1, code, body, time.Since(start))
			}
		}()
	}
	wg.Wait()
	once := c.replies()
	if len(once) == 0 {
		t.Fatal("no answer")
	}
	// The same question once more, as a new message: the same number of
	// replies as the three attempts produced together.
	s.api.Delay = 0
	again := c.say("有台灯吗")
	if len(again) != len(once) {
		t.Fatalf("three attempts produced %d messages, one message %d:%s\nvs%s", len(once), len(again), wxDump(once), wxDump(again))
	}
	if n, _, _ := s.m.DB.CountTranscript(context.Background(), "maison-lumiere"); n != 2 {
		t.Fatalf("%d inbound events stored, want 2", n)
	}
}

// TestWeChatBadInput: a bad URL check, a forged or misaddressed message,
// a DOCTYPE, an oversized body, an amount that differs, and a message
// outside the 48-hour window reported as undeliverable.
func TestWeChatBadInput(t *testing.T) {
	s := startWXShop(t, false)
	q, _ := s.acct.Request(nil, time.Now(), "n1")
	q.Set("echostr", "1234567890")
	resp, _ := http.Get(s.base + "/webhooks/maison-lumiere/wechat?" + q.Encode())
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "1234567890" {
		t.Fatalf("URL check: %d %q", resp.StatusCode, b)
	}
	q.Set("signature", strings.Repeat("a", 40))
	if resp, _ := http.Get(s.base + "/webhooks/maison-lumiere/wechat?" + q.Encode()); resp.StatusCode != 403 {
		t.Fatalf("bad URL signature: %d", resp.StatusCode)
	}
	msg := wechattest.Push{ToUserName: wxAccount, FromUserName: "oBad", CreateTime: time.Now().Unix(), MsgType: "text", Content: "hi", MsgID: "42"}
	q, body := s.acct.Request(msg.Marshal(), time.Now(), "n2")
	q.Set("signature", strings.Repeat("b", 40))
	if code, _ := s.post("/webhooks/maison-lumiere/wechat?"+q.Encode(), body); code != 403 {
		t.Fatalf("forged: %d", code)
	}
	msg.ToUserName = "gh_another"
	q, body = s.acct.Request(msg.Marshal(), time.Now(), "n3")
	if code, _ := s.post("/webhooks/maison-lumiere/wechat?"+q.Encode(), body); code != 400 {
		t.Fatalf("other account: %d", code)
	}
	q, _ = s.acct.Request(nil, time.Now(), "n4")
	xxe := []byte(`<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><ToUserName>` + wxAccount + `</ToUserName><FromUserName>oBad</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&x;</Content><MsgId>43</MsgId></xml>`)
	if code, _ := s.post("/webhooks/maison-lumiere/wechat?"+q.Encode(), xxe); code != 400 {
		t.Fatalf("DOCTYPE: %d", code)
	}
	if code, _ := s.post("/webhooks/maison-lumiere/wechat?"+q.Encode(), bytes.Repeat([]byte("x"), 70<<10)); code != 413 {
		t.Fatalf("oversized: %d", code)
	}
	if in, out, _ := s.m.DB.CountTranscript(context.Background(), "maison-lumiere"); in != 0 || out != 0 {
		t.Fatalf("bad input stored %d events", in)
	}

	// An unknown message type gets a polite answer.
	c := &wxCustomer{s: s, openid: "oPolite"}
	at, id := c.next()
	if polite := c.send(wechattest.Push{CreateTime: at, MsgType: "hologram", MsgID: id}); len(polite) == 0 {
		t.Fatal("no answer to an unknown message type")
	}

	// A notification whose amount differs: not paid, people asked.
	found := c.say("有台灯吗")
	next := c.choose(found, "add:")
	next = c.choose(next, "checkout")
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
	conv, _ := s.m.DB.FindConversation(ctx, "maison-lumiere", concierge.ChannelWeChat, "oPolite")
	o, _ := s.m.DB.GetOrder(ctx, conv.Memory.LastOrder)
	if _, err := s.m.WeChatPayProvider("maison-lumiere").Prepay(ctx, "maison-lumiere", o, wechatpay.TradeNative, "", ""); err != nil {
		t.Fatal(err)
	}
	note, _ := s.pay.Notification(string(o.ID), o.Total.Minor-100, wechatpay.SignMD5)
	if code, body := s.post("/webhooks/maison-lumiere/wechatpay", note); code != 200 || !strings.Contains(body, "SUCCESS") {
		t.Fatalf("short payment: %d %s", code, body)
	}
	if got, _ := s.m.DB.GetOrder(ctx, o.ID); got.State != concierge.OrderPending {
		t.Fatalf("a short payment moved the order to %s", got.State)
	}
	if conv, _ := s.m.DB.FindConversation(ctx, "maison-lumiere", concierge.ChannelWeChat, "oPolite"); conv.State != concierge.StateWaiting {
		t.Fatalf("conversation %s, want waiting for a person", conv.State)
	}
	// The short payment reported again: acknowledged, still not paid.
	if code, _ := s.post("/webhooks/maison-lumiere/wechatpay", note); code != 200 {
		t.Fatalf("repeat: %d", code)
	}
	if got, _ := s.m.DB.GetOrder(ctx, o.ID); got.State != concierge.OrderPending {
		t.Fatalf("the repeated short payment moved the order to %s", got.State)
	}
	// A genuine notification for an order this server does not know (paid
	// at WeChat Pay, never placed here): SUCCESS so that WeChat Pay stops
	// retrying, and nothing is created.
	ghost := &concierge.Order{ID: "ML-GHOST", Bot: "maison-lumiere", Total: concierge.Money{Minor: 4900, Currency: "CNY"}, ExpiresAt: time.Now().Add(time.Hour)}
	if _, err := s.m.WeChatPayProvider("maison-lumiere").Prepay(ctx, "maison-lumiere", ghost, wechatpay.TradeNative, "", ""); err != nil {
		t.Fatal(err)
	}
	gnote, err := s.pay.Notification(string(ghost.ID), 4900, wechatpay.SignMD5)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := s.post("/webhooks/maison-lumiere/wechatpay", gnote); code != 200 || body != string(wechatpay.Reply(true, "")) {
		t.Fatalf("unknown order: %d %s", code, body)
	}
	if !strings.Contains(s.logs.String(), "result=unknown_order order=ML-GHOST") {
		t.Fatalf("the unknown order was not reported as such:\n%s", s.logs.String())
	}
	if _, err := s.m.DB.GetOrder(ctx, ghost.ID); !errors.Is(err, concierge.ErrNotFound) {
		t.Fatalf("the unknown order's notification created it: %v", err)
	}
	if pays, _ := s.m.DB.Payments(ctx, ghost.ID); len(pays) != 0 {
		t.Fatalf("payments recorded for an unknown order: %+v", pays)
	}

	// WeChat refuses (45015): the message is undeliverable, not lost.
	s.api.Refuse("oPolite", 45015)
	c.say("你好")
	if !strings.Contains(s.logs.String(), "45015") {
		t.Fatalf("the refused send was not reported:\n%s", s.logs.String())
	}
}

// wxPlaceOrder has c order a lamp and open the JSAPI payment (the unified
// order at the fake), and returns the order.
func wxPlaceOrder(t *testing.T, s *wxShop, c *wxCustomer) *concierge.Order {
	t.Helper()
	ctx := context.Background()
	next := c.choose(c.say("有台灯吗"), "add:")
	next = c.choose(next, "checkout")
	for _, m := range next {
		if m.MsgMenu != nil {
			for _, it := range m.MsgMenu.List {
				if v, _ := s.m.DB.ButtonValue(ctx, "maison-lumiere", it.ID); v == "consent:yes" {
					c.choose(next, "consent:yes")
				}
			}
		}
	}
	c.replies()
	conv, err := s.m.DB.FindConversation(ctx, "maison-lumiere", concierge.ChannelWeChat, concierge.ChatID(c.openid))
	if err != nil || conv.Memory.LastOrder == "" {
		t.Fatalf("no order: %v", err)
	}
	o, err := s.m.DB.GetOrder(ctx, conv.Memory.LastOrder)
	if err != nil || o.Provider != wechatpay.ProviderName || o.State != concierge.OrderPending {
		t.Fatalf("order %+v: %v", o, err)
	}
	if _, err := s.m.WeChatPayProvider("maison-lumiere").Prepay(ctx, "maison-lumiere", o, wechatpay.TradeJSAPI, c.openid, ""); err != nil {
		t.Fatal(err)
	}
	return o
}

// TestWeChatReconcilePaid: the customer pays but WeChat Pay's notification
// never arrives; the reconciliation finds the payment, marks the order paid
// once and tells the customer; the notification, arriving late, changes
// nothing.
func TestWeChatReconcilePaid(t *testing.T) {
	s := startWXShop(t, false)
	ctx := context.Background()
	c := &wxCustomer{s: s, openid: "oLostNotify"}
	o := wxPlaceOrder(t, s, c)

	// Paid at WeChat Pay; the notification is lost (kept for later).
	late, err := s.pay.Notification(string(o.ID), o.Total.Minor, wechatpay.SignMD5)
	if err != nil {
		t.Fatal(err)
	}
	// Within the first minute the notification is left time to arrive.
	if n := s.m.Reconcile(ctx, time.Now(), true); n != 0 {
		t.Fatalf("a fresh order was reconciled (%d)", n)
	}
	if n := s.m.Reconcile(ctx, time.Now().Add(2*time.Minute), true); n != 1 {
		t.Fatalf("reconciliation changed %d orders, want 1\n%s", n, s.logs.String())
	}
	if got, _ := s.m.DB.GetOrder(ctx, o.ID); got.State != concierge.OrderPaid {
		t.Fatalf("order state %s", got.State)
	}
	told := c.replies()
	if len(told) != 1 || !strings.Contains(wxText(told), "已支付") || !strings.Contains(wxText(told), string(o.ID)) {
		t.Fatalf("after reconciliation: %s", wxDump(told))
	}
	if n := s.m.Reconcile(ctx, time.Now().Add(2*time.Minute), true); n != 0 {
		t.Fatalf("a second pass changed %d orders", n)
	}
	if code, body := s.post("/webhooks/maison-lumiere/wechatpay", late); code != 200 || body != string(wechatpay.Reply(true, "")) {
		t.Fatalf("late notification: %d %s", code, body)
	}
	if again := c.replies(); len(again) != 0 {
		t.Fatalf("the late notification told the customer again: %s", wxDump(again))
	}
	if got, _ := s.m.DB.GetOrder(ctx, o.ID); got.State != concierge.OrderPaid {
		t.Fatalf("order state %s after the late notification", got.State)
	}
	if pays, _ := s.m.DB.Payments(ctx, o.ID); len(pays) != 1 || pays[0].Amount != o.Total || pays[0].ProviderRef != "4200"+s.pay.Order(string(o.ID)).PrepayID {
		t.Fatalf("payments %+v", pays)
	}
	if conv, _ := s.m.DB.FindConversation(ctx, "maison-lumiere", concierge.ChannelWeChat, concierge.ChatID(c.openid)); conv.State != concierge.StateBot {
		t.Fatalf("conversation %s, want with the bot", conv.State)
	}
	if errs := s.pay.Errors(); len(errs) > 0 {
		t.Fatalf("the fake WeChat Pay refused requests: %v", errs)
	}
}

// TestWeChatReconcileExpired: an order never paid is closed at WeChat Pay
// when its reservation runs out, expires here and gives its stock back.
func TestWeChatReconcileExpired(t *testing.T) {
	s := startWXShop(t, false)
	ctx := context.Background()
	before, err := s.m.DB.StockLevels(ctx, "maison-lumiere")
	if err != nil {
		t.Fatal(err)
	}
	c := &wxCustomer{s: s, openid: "oNeverPays"}
	o := wxPlaceOrder(t, s, c)
	if reserved, _ := s.m.DB.StockLevels(ctx, "maison-lumiere"); reserved[o.Lines[0].SKU] != before[o.Lines[0].SKU]-o.Lines[0].Quantity {
		t.Fatalf("stock %d, was %d: not reserved", reserved[o.Lines[0].SKU], before[o.Lines[0].SKU])
	}
	// Not yet expired: queried (NOTPAY), left alone.
	if n := s.m.Reconcile(ctx, time.Now().Add(2*time.Minute), true); n != 0 || s.pay.Order(string(o.ID)).Closed {
		t.Fatalf("an unexpired order was ended (%d)", n)
	}
	if n := s.m.Reconcile(ctx, o.ExpiresAt.Add(time.Second), false); n != 1 {
		t.Fatalf("reconciliation changed %d orders, want 1\n%s", n, s.logs.String())
	}
	if !s.pay.Order(string(o.ID)).Closed {
		t.Fatal("the order was not closed at WeChat Pay")
	}
	if got, _ := s.m.DB.GetOrder(ctx, o.ID); got.State != concierge.OrderExpired {
		t.Fatalf("order state %s", got.State)
	}
	after, _ := s.m.DB.StockLevels(ctx, "maison-lumiere")
	if after[o.Lines[0].SKU] != before[o.Lines[0].SKU] {
		t.Fatalf("stock %d, was %d before the order", after[o.Lines[0].SKU], before[o.Lines[0].SKU])
	}
	if n := s.m.Reconcile(ctx, o.ExpiresAt.Add(time.Minute), true); n != 0 {
		t.Fatalf("a second pass changed %d orders", n)
	}
	if errs := s.pay.Errors(); len(errs) > 0 {
		t.Fatalf("the fake WeChat Pay refused requests: %v", errs)
	}
}

package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/wechat/wechattest"
	"github.com/conciergehq/concierge/adapters/whatsapp/whatsapptest"
	"github.com/conciergehq/concierge/handoff/mediafetch"
	"github.com/conciergehq/concierge/store"
)

// The credentials of every channel and payment provider stay out of the
// log, the database and the inbox pages however the platform fails
// (STYLE.md rule 11): each test below runs a shop whose platform is
// unreachable, answers 500, or answers garbage, has it fail on every path
// that stores or shows an error (a reply's delivery, a customer's file, a
// refund, a payment request), and then looks for each configured secret
// in the captured log, in the bytes of the SQLite files (WAL included) and
// in the inbox's pages.

// The ways a platform fails in these tests.
const (
	platformDown    = "unreachable" // nothing listens on its port any more
	platformError   = "500"         // it answers 500 in its own error format
	platformGarbage = "garbage"     // it answers 502 with an HTML page
)

var platformFailures = []string{platformDown, platformError, platformGarbage}

// brokenPlatform stands where a platform's API is. Until Break it passes
// requests to a fake, when it has one; then it fails them as told. Its
// answers echo the request, URL and Authorization header, as a debugging
// gateway or a misconfigured proxy does: the worst case for a secret, and
// what makes these tests fail when an error is not redacted even where
// the platform itself never quotes the request.
type brokenPlatform struct {
	*httptest.Server
	errorBody func(echo string) string // the platform's error format, for platformError

	mu     sync.Mutex
	fake   http.Handler
	how    string
	pass   func(*http.Request) bool // requests still passed to the fake once broken
	failed int
}

func newBrokenPlatform(t *testing.T, errorBody func(echo string) string) *brokenPlatform {
	t.Helper()
	p := &brokenPlatform{errorBody: errorBody}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.Close)
	return p
}

// forward makes p pass requests to the fake at rawURL until it breaks.
func (p *brokenPlatform) forward(t *testing.T, rawURL string) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.fake = httputil.NewSingleHostReverseProxy(u)
	p.mu.Unlock()
}

// inFront returns an edit of a bot file that puts p in front of the URL
// matched by the first group of re, which p then forwards to.
func (p *brokenPlatform) inFront(t *testing.T, re string) func(cfg string) string {
	return func(cfg string) string {
		t.Helper()
		m := regexp.MustCompile(re).FindStringSubmatchIndex(cfg)
		if m == nil {
			t.Fatalf("no %s in the bot file", re)
		}
		p.forward(t, cfg[m[2]:m[3]])
		return cfg[:m[2]] + p.URL + cfg[m[3]:]
	}
}

// Break makes p fail every request how, but those pass lets through to
// the fake. An unreachable platform is closed for good.
func (p *brokenPlatform) Break(how string, pass func(*http.Request) bool) {
	p.mu.Lock()
	p.how, p.pass = how, pass
	p.mu.Unlock()
	if how == platformDown {
		p.Close()
	}
}

// Failed returns how many requests p failed.
func (p *brokenPlatform) Failed() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failed
}

func (p *brokenPlatform) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	how, fake, pass := p.how, p.fake, p.pass
	if how != "" && (pass == nil || !pass(r)) {
		p.failed++
	}
	p.mu.Unlock()
	if how == "" || (pass != nil && pass(r)) {
		if fake == nil {
			http.Error(w, "no fake behind this platform", http.StatusNotImplemented)
			return
		}
		fake.ServeHTTP(w, r)
		return
	}
	echo := r.Method + " " + r.URL.RequestURI() + " Authorization: " + r.Header.Get("Authorization")
	if how == platformError && p.errorBody != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, p.errorBody(echo))
		return
	}
	if how == platformError {
		http.Error(w, "Internal Server Error: "+echo, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadGateway)
	fmt.Fprintf(w, "<html><head><title>502 Bad Gateway</title></head><body><pre>%s</pre><hr>nginx</body></html>", echo)
}

// jsonString is s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// secret is a credential the leak tests look for. table names the one
// table that keeps it by design (the WeChat access token, shared between
// replicas): there the files are not grepped for it, the other tables'
// rows are.
type secret struct {
	name, value, table string
}

// checkNoSecrets fails t for every secret in s's log, in the bytes of its
// SQLite files, in its spans (what an OTLP exporter would send), or in
// pages (name → body).
func checkNoSecrets(t *testing.T, s *shop, secrets []secret, pages map[string]string) {
	t.Helper()
	logs := s.logs.String()
	if s.spans == nil || len(s.spans.Ended()) == 0 {
		t.Fatal("the shop recorded no span: the spans cannot be checked")
	}
	spans := spanText(s.spans.Ended())
	path := strings.TrimPrefix(s.m.DBURL, "sqlite:")
	names, err := filepath.Glob(path + "*") // the database, its -wal and -shm
	if err != nil || len(names) == 0 {
		t.Fatalf("no database files at %s: %v", path, err)
	}
	files := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(n)] = b
	}
	for _, sec := range secrets {
		if len(sec.value) < 6 {
			t.Fatalf("the %s %q is too short to look for", sec.name, sec.value)
		}
		if strings.Contains(logs, sec.value) {
			t.Errorf("the %s is in the log:%s", sec.name, linesWith(logs, sec.value))
		}
		if strings.Contains(spans, sec.value) {
			t.Errorf("the %s is in a span:%s", sec.name, linesWith(spans, sec.value))
		}
		if sec.table == "" {
			for n, b := range files {
				if bytes.Contains(b, []byte(sec.value)) {
					t.Errorf("the %s is in the bytes of %s", sec.name, n)
				}
			}
		} else {
			for _, where := range rowsWith(t, path, sec.value, sec.table) {
				t.Errorf("the %s is in %s", sec.name, where)
			}
		}
		for n, page := range pages {
			if strings.Contains(page, sec.value) || strings.Contains(html.UnescapeString(page), sec.value) {
				t.Errorf("the %s is in %s:%s", sec.name, n, linesWith(html.UnescapeString(page), sec.value))
			}
		}
	}
}

// linesWith returns the lines of text that hold s, clipped, for a
// failure's message.
func linesWith(text, s string) string {
	var b strings.Builder
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			b.WriteString("\n\t" + clipText(strings.TrimSpace(l)))
		}
	}
	return b.String()
}

// rowsWith returns table.column of every value holding s in the SQLite
// database at path, but in the table skip.
func rowsWith(t *testing.T, path, s, skip string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		if n != skip {
			tables = append(tables, n)
		}
	}
	rows.Close()
	var out []string
	for _, table := range tables {
		rows, err := db.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				text := fmt.Sprint(v)
				if b, ok := v.([]byte); ok {
					text = string(b)
				}
				if strings.Contains(text, s) {
					out = append(out, table+"."+cols[i])
				}
			}
		}
		rows.Close()
	}
	return out
}

// failedDelivery waits until an outbound message of conv has failed at
// least once, and returns the error recorded for it.
func failedDelivery(t *testing.T, s *shop, conv concierge.ConversationID) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		es, err := s.m.DB.InboxTranscript(context.Background(), conv, 300)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if e.Dir == "out" && e.Error != "" {
				return e.Error
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no failed delivery in conversation %d after 20s", conv)
	return ""
}

// failedMedia waits until a file of conv has failed to download at least
// once, and returns the error recorded for it.
func failedMedia(t *testing.T, s *shop, conv concierge.ConversationID) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ms, err := s.m.DB.ConversationMedia(context.Background(), conv)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Error != "" {
				return m.Error
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no failed download in conversation %d after 20s", conv)
	return ""
}

// waitLog waits until the log holds s.
func waitLog(t *testing.T, s *shop, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(s.logs.String(), what) {
		if time.Now().After(deadline) {
			t.Fatalf("the log never said %q", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// shows fails t unless page shows each error, without which looking for
// secrets in it would prove nothing. Only an error's beginning is looked
// for: a retry may have changed the rest since it was read.
func shows(t *testing.T, page string, errs ...string) {
	t.Helper()
	plain := html.UnescapeString(page)
	for _, e := range errs {
		if e == "" || !strings.Contains(plain, e[:min(len(e), 24)]) {
			t.Errorf("the conversation page does not show the error %q", e)
		}
	}
}

// leakTestMedia shortens the media loop's waits, so that a customer's file
// is tried at once.
func leakTestMedia(m *Main) {
	m.Media = mediafetch.Config{Poll: 20 * time.Millisecond, Backoff: 50 * time.Millisecond}
}

// TestSecretsDoNotLeakTelegram: the bot token, the webhook's secret_token
// and the payment provider token, on the channel (a reply from the inbox,
// a customer's photo) and on the Stars provider (a refund).
func TestSecretsDoNotLeakTelegram(t *testing.T) {
	const providerToken = "284685063:TEST:provider"
	for _, how := range platformFailures {
		t.Run(how, func(t *testing.T) {
			api := newBrokenPlatform(t, func(echo string) string {
				return `{"ok":false,"error_code":500,"description":` + jsonString("Internal Server Error: "+echo) + `}`
			})
			s := startTelegramShopMain(t, "webhook", leakTestMedia, api.inFront(t, `api_endpoint: "([^"]+)"`))
			sue := signedInSupervisor(s.shop)
			c := s.customer("fr")
			o, pr, page, _ := starsRefundAsked(t, s, sue, c, "stxLEAK1")

			api.Break(how, nil)
			sue.mustPost(fmt.Sprintf("/inbox/p/%d/decide", pr.ID), url.Values{"decision": {"approve"}})
			refund := refundStateOf(t, s.shop, o.ID, o.Conversation).fail
			if refund == "" {
				t.Fatal("the refund did not fail")
			}
			sue.mustPost(page+"/claim", nil)
			sue.mustPost(page+"/reply", url.Values{"text": {"Nous regardons votre commande."}})
			delivery := failedDelivery(t, s.shop, o.Conversation)
			photo := []map[string]any{{"file_id": "AgACAgQ-leak", "file_unique_id": "l", "width": 90, "height": 60, "file_size": 900}}
			if st := s.post(map[string]any{"message": c.message(map[string]any{"photo": photo})}); st != http.StatusOK {
				t.Fatalf("photo update: status %d", st)
			}
			media := failedMedia(t, s.shop, o.Conversation)
			t.Logf("errors: refund %q; delivery %q; file %q", refund, delivery, media)

			_, view := sue.get(page)
			shows(t, view, refund, delivery)
			_, queue := sue.get("/inbox")
			checkNoSecrets(t, s.shop, []secret{
				{name: "bot token", value: tgToken},
				{name: "webhook secret_token", value: tgSecret},
				{name: "payment provider token", value: providerToken},
			}, map[string]string{"the conversation page": view, "the queue": queue})
			if api.Failed() == 0 && how != platformDown {
				t.Error("the broken platform was never called")
			}
		})
	}
}

// startWhatsAppOn runs the sample shop with a WhatsApp number whose Graph
// API is at graph, with the sandbox as its payment provider.
func startWhatsAppOn(t *testing.T, graph string) *waShop {
	t.Helper()
	head := fmt.Sprintf(`bot: maison-lumiere
name: Maison Lumière
locales: [en, fr, zh]
currency: EUR
channels:
  whatsapp:
    phone_number_id: %q
    access_token: %q
    app_secret: %q
    verify_token: %q
    graph_api_url: %q
payments:
  sandbox: { enabled: true }
`, waPhoneID, waToken, waAppSecret, waVerify, graph)
	m := &Main{ConfigPath: writeBot(t, head+sampleRest(t)), DBURL: tempSQLite(t)}
	leakTestMedia(m)
	return &waShop{shop: runMain(t, m)}
}

// notify posts messages from wa to the shop's WhatsApp webhook, signed,
// without waiting for an answer.
func (s *waShop) notify(wa string, msgs ...map[string]any) {
	s.t.Helper()
	body := whatsapptest.Notification(waPhoneID, map[string]string{wa: "Test Customer"}, msgs, nil)
	if code, res := s.post(body, whatsapptest.Sign(waAppSecret, body)); code != http.StatusOK {
		s.t.Fatalf("webhook: %d %v", code, res)
	}
}

// TestSecretsDoNotLeakWhatsApp: the access token (a bearer header, which
// the broken platform echoes), the app secret and the verify token, on a
// reply (the hand-off message) and a customer's file.
func TestSecretsDoNotLeakWhatsApp(t *testing.T) {
	for _, how := range platformFailures {
		t.Run(how, func(t *testing.T) {
			graph := newBrokenPlatform(t, func(echo string) string {
				return `{"error":{"message":` + jsonString(echo) + `,"type":"OAuthException","code":2,"fbtrace_id":"AbC"}}`
			})
			graph.Break(how, nil)
			s := startWhatsAppOn(t, graph.URL+"/v21.0")
			const wa = "33612345678"
			s.notify(wa, whatsapptest.TextMessage(wa, "wamid.leak.1", "can I speak to a person please", time.Now()))
			conv := waitConversation(t, s.shop, concierge.ChannelWhatsApp, wa)
			delivery := failedDelivery(t, s.shop, conv)
			s.notify(wa, map[string]any{"from": wa, "id": "wamid.leak.2", "timestamp": strconv.FormatInt(time.Now().Unix(), 10),
				"type": "image", "image": map[string]any{"id": "1234567890", "mime_type": "image/jpeg"}})
			media := failedMedia(t, s.shop, conv)
			t.Logf("errors: delivery %q; file %q", delivery, media)

			sue := signedInSupervisor(s.shop)
			_, view := sue.get(fmt.Sprintf("/inbox/c/%d", conv))
			shows(t, view, delivery)
			_, queue := sue.get("/inbox")
			checkNoSecrets(t, s.shop, []secret{
				{name: "access token", value: waToken},
				{name: "app secret", value: waAppSecret},
				{name: "verify token", value: waVerify},
			}, map[string]string{"the conversation page": view, "the queue": queue})
		})
	}
}

// waitConversation waits until the conversation of chat on ch exists and
// returns its id.
func waitConversation(t *testing.T, s *shop, ch concierge.Channel, chat string) concierge.ConversationID {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		conv, err := s.m.DB.FindConversation(context.Background(), "maison-lumiere", ch, concierge.ChatID(chat))
		if err == nil {
			return conv.ID
		}
		if time.Now().After(deadline) {
			t.Fatalf("no conversation of %s on %s: %v", chat, ch, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSecretsDoNotLeakWeChat: the app secret (in the token fetch's URL),
// the access token (in every call's URL), the server token and the AES
// key of the Official Account, and the WeChat Pay API key, on a reply
// (the hand-off message), a customer's file and the reconciliation of a
// WeChat Pay order. The API becomes unreachable after the account has
// fetched its access token, so that the calls that fail carry it; it
// answers 500 everywhere but at its token endpoint, for the same reason;
// and it answers garbage from the start, so that the token fetch fails,
// with the app secret in its URL. The WeChat Pay key signs requests and
// is never sent, so no failure of WeChat Pay can echo it: that part
// guards against an error made with it (a signing string, say).
func TestSecretsDoNotLeakWeChat(t *testing.T) {
	for _, how := range platformFailures {
		t.Run(how, func(t *testing.T) {
			api := newBrokenPlatform(t, func(echo string) string {
				return `{"errcode":-1,"errmsg":` + jsonString("system error: "+echo) + `}`
			})
			pay := newBrokenPlatform(t, nil)
			s := startWXShopWith(t, wxOptions{safe: true, edits: []func(string) string{
				api.inFront(t, `(?m)^    api_base: "([^"]+)"`),
				pay.inFront(t, `wechatpay: \{[^}]*api_base: "([^"]+)"`),
			}})
			sh := &shop{t: t, m: s.m, base: s.base, logs: s.logs, spans: s.spans}
			ctx := context.Background()
			if how == platformDown {
				warm := &wxCustomer{s: s, openid: "oWarmUp0123456789"}
				if len(warm.say("你好")) == 0 {
					t.Fatal("no reply while the API works")
				}
			}
			api.Break(how, func(r *http.Request) bool { return how == platformError && r.URL.Path == "/cgi-bin/token" })
			pay.Break(how, nil)

			const openid = "oLeakCustomer0123456789"
			at, id := time.Now().Unix(), fmt.Sprint(time.Now().UnixNano())
			if code, body := s.push(wechattest.Push{FromUserName: openid, CreateTime: at, MsgType: "text", Content: "我要人工客服", MsgID: id}); code != http.StatusOK {
				t.Fatalf("push: %d %s", code, body)
			}
			conv := waitConversation(t, sh, concierge.ChannelWeChat, openid)
			delivery := failedDelivery(t, sh, conv)
			var media string
			if how != platformGarbage {
				// A file's download carries the access token in its URL.
				// Without a token (garbage) it would only wait for the
				// failing fetch's refresh lease, and fail without a call.
				if code, body := s.push(wechattest.Push{FromUserName: openid, CreateTime: at + 1, MsgType: "image", MediaID: "leak-media-1", MsgID: id + "1"}); code != http.StatusOK {
					t.Fatalf("push: %d %s", code, body)
				}
				media = failedMedia(t, sh, conv)
			}

			cny := concierge.Money{Minor: 4900, Currency: "CNY"}
			o := &concierge.Order{ID: "WXLEAK1", Bot: "maison-lumiere", Conversation: conv, State: concierge.OrderPending,
				Lines: []concierge.OrderLine{{SKU: "LAMP-02", Quantity: 1, Unit: cny}}, Total: cny, Provider: "wechatpay",
				CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
			if err := s.m.DB.InTx(ctx, func(tx *store.Tx) error { return tx.CreateOrder(ctx, o) }); err != nil {
				t.Fatal(err)
			}
			s.m.Reconcile(ctx, time.Now().Add(2*time.Minute), true)
			waitLog(t, sh, "wechatpay reconcile")
			if how == platformGarbage {
				waitLog(t, sh, "/cgi-bin/token: HTTP 502") // the fetch with the app secret in its URL failed
			}
			t.Logf("errors: delivery %q; file %q", delivery, media)

			secrets := []secret{
				{name: "app secret", value: wxSecret},
				{name: "server token", value: wxToken},
				{name: "EncodingAESKey", value: wxAESKey},
				{name: "WeChat Pay API key", value: wxPayKey},
			}
			if how != platformGarbage {
				tok, _, err := s.m.DB.LoadAccessToken(ctx, wxAppID)
				if err != nil || tok == "" {
					t.Fatalf("no access token was fetched: %q %v", tok, err)
				}
				secrets = append(secrets, secret{name: "access token", value: tok, table: "wechat_tokens"})
			}
			sh.addPerson("sue", concierge.RoleSupervisor, 5)
			sue := sh.person("sue")
			sue.signIn()
			_, view := sue.get(fmt.Sprintf("/inbox/c/%d", conv))
			shows(t, view, delivery)
			_, queue := sue.get("/inbox")
			checkNoSecrets(t, sh, secrets, map[string]string{"the conversation page": view, "the queue": queue})
		})
	}
}

// leakStripeKey is the Stripe secret key of TestSecretsDoNotLeakStripe.
const leakStripeKey = "sk_test_51LeakCanary0123456789abcdef"

// fakeStripe answers the two calls a purchase makes before Stripe breaks:
// a Checkout Session's creation, and nothing else.
func fakeStripe() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodPost || r.URL.Path != "/v1/checkout/sessions" {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":{"type":"invalid_request_error","message":"Unrecognized request URL"}}`)
			return
		}
		r.ParseForm()
		id := "cs_test_" + r.PostForm.Get("client_reference_id")
		json.NewEncoder(w).Encode(map[string]any{"id": id, "object": "checkout.session", "status": "open",
			"url": "https://checkout.stripe.com/c/pay/" + id})
	})
}

// TestSecretsDoNotLeakStripe: the secret key (a bearer header, which the
// broken platform echoes) and the webhook signing secret, on a refund (the
// inbox's refund panel) and on a payment request.
func TestSecretsDoNotLeakStripe(t *testing.T) {
	for _, how := range platformFailures {
		t.Run(how, func(t *testing.T) {
			api := newBrokenPlatform(t, func(echo string) string {
				return `{"error":{"type":"api_error","message":` + jsonString("An unknown error occurred: "+echo) + `}}`
			})
			api.mu.Lock()
			api.fake = fakeStripe()
			api.mu.Unlock()
			s := startShopConfig(t, map[string]string{
				"payments:\n  sandbox: { enabled: true }": fmt.Sprintf("payments:\n  stripe: { secret_key: %q, webhook_secret: %q, api_base: %q }", leakStripeKey, whSecret, api.URL),
			})
			sue := signedInSupervisor(s)
			c := s.customer("en")
			o, pr, page := stripeRefundAsked(t, s, sue, c, "evt_leak_paid")

			api.Break(how, nil)
			sue.mustPost(fmt.Sprintf("/inbox/p/%d/decide", pr.ID), url.Values{"decision": {"approve"}})
			refund := refundStateOf(t, s, o.ID, o.Conversation).fail
			if refund == "" {
				t.Fatal("the refund did not fail")
			}
			other := s.customer("en")
			other.press(other.say("a desk lamp please"), "buy:LAMP-02")
			other.postOnly("yes", "consent:yes")
			waitLog(t, s, "stripe: request")
			t.Logf("refund error %q", refund)

			_, view := sue.get(page)
			shows(t, view, refund)
			_, queue := sue.get("/inbox")
			checkNoSecrets(t, s, []secret{
				{name: "secret key", value: leakStripeKey},
				{name: "webhook signing secret", value: whSecret},
			}, map[string]string{"the conversation page": view, "the queue": queue,
				"the customer's chat": dump(c.history()), "the other customer's chat": dump(other.history())})
		})
	}
}

// postOnly sends a message (a button press when value is set) without
// waiting for an answer.
func (c *customer) postOnly(text, value string) {
	c.s.t.Helper()
	c.n++
	body, _ := json.Marshal(map[string]string{"session": c.session, "id": fmt.Sprint("m", c.n), "text": text, "value": value, "locale": c.locale})
	resp, err := http.Post(c.s.base+"/chat/maison-lumiere/api/messages", "application/json", bytes.NewReader(body))
	if err != nil {
		c.s.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		c.s.t.Fatalf("POST %q: status %d", text, resp.StatusCode)
	}
}

// spanText writes out everything of spans that an exporter sends and a
// secret could hide in: names, attributes, status, events and their
// attributes, links' attributes, and the resource; one span a line.
func spanText(spans []sdktrace.ReadOnlySpan) string {
	var b strings.Builder
	kvs := func(attrs []attribute.KeyValue) {
		for _, kv := range attrs {
			fmt.Fprintf(&b, " %s=%s", kv.Key, kv.Value.Emit())
		}
	}
	for _, s := range spans {
		fmt.Fprintf(&b, "%s status=%q", s.Name(), s.Status().Description)
		kvs(s.Attributes())
		for _, e := range s.Events() {
			b.WriteString(" event " + e.Name)
			kvs(e.Attributes)
		}
		for _, l := range s.Links() {
			kvs(l.Attributes)
		}
		kvs(s.Resource().Attributes())
		b.WriteString("\n")
	}
	return b.String()
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/web"
)

// shop is a running server on a fresh database, reached over HTTP like a
// browser would.
type shop struct {
	t    *testing.T
	m    *Main
	base string
	logs *syncBuffer
	// spans records the server's spans when the test gave it no tracer
	// provider, so that the secret-leak tests also look in what would be
	// exported.
	spans *tracetest.SpanRecorder
}

// syncBuffer is a buffer the server's logger and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startShop starts the sample shop on dbURL ("" is SQLite in a temp
// dir).
func startShop(t *testing.T, dbURL string) *shop { return startShopWith(t, dbURL) }

// startShopWith starts a server on dbURL ("" is SQLite in a temp dir)
// with the sample bot file changed by edits, each given the file's text
// and returning the new text.
func startShopWith(t *testing.T, dbURL string, edits ...func(cfg string) string) *shop {
	t.Helper()
	cfg := sampleBot(t)
	for _, edit := range edits {
		cfg = edit(cfg)
	}
	if dbURL == "" {
		dbURL = tempSQLite(t)
	}
	return runMain(t, &Main{ConfigPath: writeBot(t, cfg), DBURL: dbURL})
}

// sampleBot returns the text of the example bot file the tests start
// from.
func sampleBot(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("../../examples/maison-lumiere.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// rewrite replaces, once each, the keys of repl in cfg by their values.
// A key cfg lacks fails the test: the sample bot file has changed under
// it, and the test would otherwise run on a shop it did not mean.
func rewrite(t *testing.T, cfg string, repl map[string]string) string {
	t.Helper()
	for old, s := range repl {
		if !strings.Contains(cfg, old) {
			t.Fatalf("the sample bot file no longer has %q", old)
		}
		cfg = strings.Replace(cfg, old, s, 1)
	}
	return cfg
}

// writeBot writes cfg as a bot file in a temp dir and returns its path.
func writeBot(t *testing.T, cfg string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "maison-lumiere.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// tempSQLite is the URL of a fresh SQLite database in a temp dir.
func tempSQLite(t *testing.T) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "shop.db")
}

// runMain opens and starts m and stops it when the test ends; see
// startMain.
func runMain(t *testing.T, m *Main) *shop {
	t.Helper()
	s, _ := startMain(t, m)
	return s
}

// startMain opens and starts m, first filling what the test left unset:
// a listener on a free local port, BaseURL (that listener), a logger
// into the shop's logs, and io.Discard for Stdout and Stderr. It returns
// the running shop and a function that stops it, for tests that restart
// a server on the same database; cleanup calls it too, and it prints the
// server's log when the test has failed.
func startMain(t *testing.T, m *Main) (*shop, func()) {
	t.Helper()
	if m.Listener == nil {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		m.Listener = ln
	}
	base := "http://" + m.Listener.Addr().String()
	if m.BaseURL == "" {
		m.BaseURL = base
	}
	logs := &syncBuffer{}
	if m.Log == nil {
		m.Log = slog.New(slog.NewTextHandler(logs, nil))
	}
	var spans *tracetest.SpanRecorder
	if m.Traces == nil {
		// Every span the server ends is kept, as an exporter would get
		// it: the pipeline runs traced in the end-to-end tests.
		spans = tracetest.NewSpanRecorder()
		m.Traces = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	}
	if m.Stdout == nil {
		m.Stdout = io.Discard
	}
	if m.Stderr == nil {
		m.Stderr = io.Discard
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	wait, err := m.Start(ctx)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := wait(); err != nil {
				t.Errorf("shutdown: %v", err)
			}
			if t.Failed() {
				t.Logf("server log:\n%s", logs.String())
			}
		})
	}
	t.Cleanup(stop)
	return &shop{t: t, m: m, base: base, logs: logs, spans: spans}, stop
}

// customer is one web chat session.
type customer struct {
	s       *shop
	session string
	locale  string
	seen    int64
	n       int
	turns   int // messages the customer sent
}

func (s *shop) customer(locale string) *customer {
	return &customer{s: s, session: fmt.Sprintf("test%016d%s", time.Now().UnixNano(), locale), locale: locale}
}

// post sends a message (or a button press when value is set) and returns
// the bot's replies to it.
func (c *customer) post(text, value string) []web.Entry {
	c.s.t.Helper()
	c.n++
	c.turns++
	body, _ := json.Marshal(map[string]string{"session": c.session, "id": fmt.Sprint("m", c.n), "text": text, "value": value, "locale": c.locale})
	resp, err := http.Post(c.s.base+"/chat/maison-lumiere/api/messages", "application/json", bytes.NewReader(body))
	if err != nil {
		c.s.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		c.s.t.Fatalf("POST %q: status %d", text, resp.StatusCode)
	}
	return c.replies()
}

func (c *customer) say(text string) []web.Entry { return c.post(text, "") }

// press presses the first button (on the messages, or on their cards)
// whose value starts with prefix.
func (c *customer) press(es []web.Entry, prefix string) []web.Entry {
	c.s.t.Helper()
	for _, e := range es {
		bs := e.Message.Buttons
		for _, card := range e.Message.Cards {
			bs = append(bs, card.Buttons...)
		}
		for _, b := range bs {
			if b.Value != "" && strings.HasPrefix(b.Value, prefix) {
				return c.post(b.Label, b.Value)
			}
		}
	}
	c.s.t.Fatalf("no button %q in %s", prefix, dump(es))
	return nil
}

// replies waits until the bot has answered everything sent so far and
// returns the new bot entries.
func (c *customer) replies() []web.Entry {
	c.s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var out []web.Entry
	for time.Now().Before(deadline) {
		es := c.history()
		var fresh []web.Entry
		answered := false
		for _, e := range es {
			if e.Seq <= c.seen {
				continue
			}
			if e.From == web.FromCustomer {
				answered = false
				continue
			}
			answered = true
			fresh = append(fresh, e)
		}
		if answered && c.idle() {
			// Take everything up to now as this turn's answer.
			for _, e := range fresh {
				c.seen = max(c.seen, e.Seq)
			}
			for _, e := range es {
				c.seen = max(c.seen, e.Seq)
			}
			out = fresh
			return out
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.s.t.Fatalf("no reply within 10s; history: %s", dump(c.history()))
	return nil
}

// idle reports whether the pipeline has nothing in flight.
func (c *customer) idle() bool {
	ctx := context.Background()
	in, err1 := c.s.m.DB.PendingInbound(ctx)
	out, err2 := c.s.m.DB.PendingOutbound(ctx)
	return err1 == nil && err2 == nil && in == 0 && out == 0
}

func (c *customer) history() []web.Entry {
	c.s.t.Helper()
	resp, err := http.Get(c.s.base + "/chat/maison-lumiere/api/messages?session=" + c.session)
	if err != nil {
		c.s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var h web.History
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		c.s.t.Fatal(err)
	}
	return h.Messages
}

func dump(es []web.Entry) string {
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "\n  #%d %s %s: %q", e.Seq, e.From, e.Message.Kind, e.Message.Text)
	}
	return b.String()
}

// find returns the first entry of kind, failing the test if none.
func find(t *testing.T, es []web.Entry, kind concierge.MessageKind) web.Entry {
	t.Helper()
	for _, e := range es {
		if e.Message.Kind == kind {
			return e
		}
	}
	t.Fatalf("no %s message in %s", kind, dump(es))
	return web.Entry{}
}

func hasCard(es []web.Entry, sku concierge.SKU) bool {
	for _, e := range es {
		for _, c := range e.Message.Cards {
			if c.SKU == sku {
				return true
			}
		}
	}
	return false
}

// pay opens the sandbox page of a payment message and presses "Pay".
func (s *shop) pay(pr *concierge.PaymentRequest) {
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
	if resp.StatusCode != 200 || !strings.Contains(string(page), "TEST PAYMENT") {
		s.t.Fatalf("sandbox page: %d %s", resp.StatusCode, page)
	}
	u, _ := url.Parse(pr.URL)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err = client.PostForm(pr.URL, url.Values{"t": {u.Query().Get("t")}})
	if err != nil {
		s.t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "paid-notice") {
		s.t.Fatalf("after paying: %d %s", resp.StatusCode, page)
	}
}

// postSilently sends a message and waits until the pipeline is idle,
// expecting no reply.
func (c *customer) postSilently(text string) {
	c.s.t.Helper()
	body := fmt.Sprintf(`{"session":%q,"id":"s%d","text":%q}`, c.session, c.n, text)
	resp, err := http.Post(c.s.base+"/chat/maison-lumiere/api/messages", "application/json", strings.NewReader(body))
	if err != nil {
		c.s.t.Fatal(err)
	}
	resp.Body.Close()
	// The message was stored before the answer came back, and a turn
	// writes its replies in the transaction that marks it done: once
	// nothing is pending, every reply there will be has been sent.
	for i := 0; i < 500 && !c.idle(); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if !c.idle() {
		c.s.t.Fatal("the pipeline is still busy 5 s after the message")
	}
}

// sandboxProvider returns the running server's sandbox provider, which
// signs with the secret the server keeps in its database.
func (s *shop) sandboxProvider() interface {
	Sign(body []byte, t time.Time) string
} {
	s.t.Helper()
	p := s.m.SandboxProvider("maison-lumiere")
	if p == nil {
		s.t.Fatal("no sandbox provider")
	}
	return p
}

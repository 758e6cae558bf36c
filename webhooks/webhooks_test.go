package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conciergehq/concierge"
)

// fakeIngest records what would be stored, and fails with err when set.
type fakeIngest struct {
	mu   sync.Mutex
	seen map[string]bool
	evs  []concierge.Event
	err  error
}

func (f *fakeIngest) Ingest(ctx context.Context, evs []concierge.Event) ([]bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	if f.seen == nil {
		f.seen = map[string]bool{}
	}
	dup := make([]bool, len(evs))
	for i, ev := range evs {
		dup[i] = f.seen[ev.DedupeKey]
		f.seen[ev.DedupeKey] = true
		if !dup[i] {
			f.evs = append(f.evs, ev)
		}
	}
	return dup, nil
}

func (f *fakeIngest) stored() []concierge.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]concierge.Event(nil), f.evs...)
}

// echoChannel is a channel that takes webhooks: the body is the event's
// text, signed by the X-Sig header equal to its secret. It counts the
// bodies it was given, so a test can tell whether anything was decoded.
type echoChannel struct {
	secret string
	err    error // returned after the signature check, when set
	mu     sync.Mutex
	bodies int
}

var (
	_ concierge.Sender   = (*echoChannel)(nil)
	_ concierge.Receiver = (*echoChannel)(nil)
)

func (c *echoChannel) Send(context.Context, *concierge.Outbound) error { return nil }

func (c *echoChannel) Receive(ctx context.Context, h http.Header, body []byte) ([]concierge.Event, error) {
	if h.Get("X-Sig") != c.secret {
		return nil, concierge.ErrUnauthorized
	}
	c.mu.Lock()
	c.bodies++
	c.mu.Unlock()
	if c.err != nil {
		return nil, c.err
	}
	return []concierge.Event{{Kind: concierge.EventText, Chat: "c1", DedupeKey: "k:" + string(body), Text: string(body),
		Bot: "another-bot", Channel: "spoofed"}}, nil
}

func (c *echoChannel) decoded() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bodies
}

// testServer is a server with one bot, "shop", whose channel "echo" is
// ch, and the web widget on.
func testServer(t *testing.T, ch *echoChannel, in *fakeIngest, maxBody int64) *Server {
	t.Helper()
	reg := &concierge.Registry{}
	reg.AddChannel("shop", "echo", ch)
	bot := &concierge.Bot{ID: "shop", Name: "Shop"}
	return New(Config{
		Bots:     map[concierge.BotID]*Bot{"shop": {Bot: bot, Web: true}},
		Channels: reg,
		Ingest:   in,
		Ready:    func(context.Context) error { return nil },
		Log:      slog.New(slog.DiscardHandler),
		Registry: prometheus.NewRegistry(),
		MaxBody:  maxBody,
	})
}

func do(t *testing.T, h http.Handler, method, path string, header map[string]string, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// TestReceiveSignatureFirst: a forged or unsigned webhook is refused
// before its body is decoded, and nothing is stored; a signed one is
// stored under the route's bot and channel, whatever the body claims, and
// acknowledged only then; its retry is a duplicate.
func TestReceiveSignatureFirst(t *testing.T) {
	ch := &echoChannel{secret: "s3cret"}
	in := &fakeIngest{}
	srv := testServer(t, ch, in, 0)
	for _, sig := range []string{"", "forged", "s3cret "} {
		code, body := do(t, srv, http.MethodPost, "/webhooks/shop/echo", map[string]string{"X-Sig": sig}, "hello")
		if code != http.StatusUnauthorized {
			t.Errorf("signature %q: %d %s, want 401", sig, code, body)
		}
	}
	if n := ch.decoded(); n != 0 || len(in.stored()) != 0 {
		t.Fatalf("after forged requests: %d bodies decoded, %d events stored; want none", n, len(in.stored()))
	}
	for i, want := range []int{0, 1} {
		code, body := do(t, srv, http.MethodPost, "/webhooks/shop/echo", map[string]string{"X-Sig": "s3cret"}, "hello")
		var ack map[string]int
		if code != http.StatusOK || json.Unmarshal([]byte(body), &ack) != nil || ack["events"] != 1 || ack["duplicates"] != want {
			t.Errorf("delivery %d: %d %s, want 200 with 1 event and %d duplicates", i+1, code, body, want)
		}
	}
	evs := in.stored()
	if len(evs) != 1 || evs[0].Bot != "shop" || evs[0].Channel != "echo" {
		t.Fatalf("stored %+v, want one event of shop/echo", evs)
	}
}

// TestReceiveRoutes: an unknown bot, or a bot without the channel, is 404
// and decodes nothing.
func TestReceiveRoutes(t *testing.T) {
	ch := &echoChannel{secret: "s"}
	srv := testServer(t, ch, &fakeIngest{}, 0)
	for _, path := range []string{"/webhooks/nobot/echo", "/webhooks/shop/nochannel"} {
		if code, body := do(t, srv, http.MethodPost, path, map[string]string{"X-Sig": "s"}, "hi"); code != http.StatusNotFound {
			t.Errorf("%s: %d %s, want 404", path, code, body)
		}
	}
	if n := ch.decoded(); n != 0 {
		t.Errorf("%d bodies decoded, want none", n)
	}
}

// TestBodyLimits: a body over the route's limit is 413 before the
// channel sees it, on the generic route and on the widget's.
func TestBodyLimits(t *testing.T) {
	ch := &echoChannel{secret: "s"}
	srv := testServer(t, ch, &fakeIngest{}, 1024)
	if code, _ := do(t, srv, http.MethodPost, "/webhooks/shop/echo", map[string]string{"X-Sig": "s"}, strings.Repeat("x", 1024)); code != http.StatusOK {
		t.Errorf("a body at the limit: %d, want 200", code)
	}
	if code, body := do(t, srv, http.MethodPost, "/webhooks/shop/echo", map[string]string{"X-Sig": "s"}, strings.Repeat("x", 1025)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the limit: %d %s, want 413", code, body)
	}
	if n := ch.decoded(); n != 1 {
		t.Errorf("%d bodies decoded, want only the one at the limit", n)
	}
	big := `{"session":"0123456789abcdef","id":"m1","text":"` + strings.Repeat("x", 64<<10) + `"}`
	if code, body := do(t, srv, http.MethodPost, "/chat/shop/api/messages", map[string]string{"Content-Type": "application/json"}, big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a widget message over the limit: %d %.200s, want 413", code, body)
	}
}

// TestErrorMapping: domain codes map to statuses in one place, with their
// message; anything else is a 500 that says nothing of its cause.
func TestErrorMapping(t *testing.T) {
	for _, tt := range []struct {
		err    error
		status int
		msg    string
	}{
		{concierge.Errorf(concierge.CodeInvalid, "decode", "no text"), http.StatusBadRequest, "no text"},
		{concierge.ErrDuplicate, http.StatusConflict, "already processed"},
		{concierge.Errorf(concierge.CodeNotFound, "x", "gone"), http.StatusNotFound, "gone"},
		{concierge.Errorf(concierge.CodeUnavailable, "x", "try later"), http.StatusServiceUnavailable, "try later"},
		{errors.New("dial tcp 10.0.0.1:5432: secret-host"), http.StatusInternalServerError, "internal error"},
	} {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			ch := &echoChannel{secret: "s", err: tt.err}
			srv := testServer(t, ch, &fakeIngest{}, 0)
			code, body := do(t, srv, http.MethodPost, "/webhooks/shop/echo", map[string]string{"X-Sig": "s"}, "hi")
			var got map[string]string
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if code != tt.status || got["error"] != tt.msg {
				t.Errorf("%v: %d %q, want %d %q", tt.err, code, got["error"], tt.status, tt.msg)
			}
		})
	}
}

// TestIngestFailureIsNotAcknowledged: when the events cannot be stored,
// the platform gets a 5xx and retries; nothing was acknowledged.
func TestIngestFailureIsNotAcknowledged(t *testing.T) {
	ch := &echoChannel{secret: "s"}
	srv := testServer(t, ch, &fakeIngest{err: concierge.Errorf(concierge.CodeUnavailable, "ingest", "database down")}, 0)
	if code, body := do(t, srv, http.MethodPost, "/webhooks/shop/echo", map[string]string{"X-Sig": "s"}, "hi"); code != http.StatusServiceUnavailable {
		t.Errorf("%d %s, want 503", code, body)
	}
}

// TestHealthAndReady: /healthz answers while the process runs; /readyz
// says what the readiness check says.
func TestHealthAndReady(t *testing.T) {
	srv := testServer(t, &echoChannel{}, &fakeIngest{}, 0)
	if code, _ := do(t, srv, http.MethodGet, "/healthz", nil, ""); code != http.StatusOK {
		t.Errorf("healthz %d", code)
	}
	srv.cfg.Ready = func(context.Context) error { return errors.New("db down") }
	if code, body := do(t, srv, http.MethodGet, "/readyz", nil, ""); code != http.StatusServiceUnavailable || !strings.Contains(body, "db down") {
		t.Errorf("readyz %d %q, want 503 saying why", code, body)
	}
}

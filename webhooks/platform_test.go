package webhooks

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conciergehq/concierge"
)

// handshakeChannel is a channel with routes of its own, as WhatsApp's and
// WeChat's are: a GET handshake answered with the challenge when the
// token matches, a POST whose answer is in the body and whose events are
// stored through the host, and a page below a longer pattern.
type handshakeChannel struct {
	token string
	mu    sync.Mutex
	peers []concierge.BotID // what the last POST's host listed
}

var (
	_ concierge.Sender        = (*handshakeChannel)(nil)
	_ concierge.WebhookServer = (*handshakeChannel)(nil)
)

const handshakeMaxBody = 100

func (c *handshakeChannel) Send(context.Context, *concierge.Outbound) error { return nil }

func (c *handshakeChannel) WebhookRoutes() []concierge.WebhookRoute {
	return []concierge.WebhookRoute{
		{Method: http.MethodGet, Pattern: "/webhooks/{bot}/hs", Serve: c.verify},
		{Method: http.MethodPost, Pattern: "/webhooks/{bot}/hs", MaxBody: handshakeMaxBody, Serve: c.post},
		{Method: http.MethodGet, Pattern: "/hs/{bot}/page/{id}", Serve: c.page},
	}
}

func (c *handshakeChannel) verify(w http.ResponseWriter, r *http.Request, h concierge.WebhookHost) error {
	if r.URL.Query().Get("token") != c.token {
		return &concierge.WebhookStatus{Status: http.StatusForbidden, Message: "token did not match"}
	}
	_, err := io.WriteString(w, r.URL.Query().Get("challenge"))
	return err
}

func (c *handshakeChannel) post(w http.ResponseWriter, r *http.Request, h concierge.WebhookHost) error {
	if r.Header.Get("X-Token") != c.token {
		return concierge.ErrUnauthorized
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	var peers []concierge.BotID
	for b := range h.Peers("hs") {
		peers = append(peers, b.ID)
	}
	c.mu.Lock()
	c.peers = peers
	c.mu.Unlock()
	dup, err := h.Ingest(r.Context(), []concierge.Event{{Bot: h.Bot().ID, Channel: "hs", Kind: concierge.EventText,
		Chat: "c1", DedupeKey: "hs:" + string(body), Text: string(body)}})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain")
	if dup[0] {
		_, err = io.WriteString(w, "again")
	} else {
		_, err = io.WriteString(w, "taken")
	}
	return err
}

func (c *handshakeChannel) page(w http.ResponseWriter, r *http.Request, h concierge.WebhookHost) error {
	_, err := io.WriteString(w, string(h.Bot().ID)+"/"+r.PathValue("id"))
	return err
}

// platformServer serves bots "shop" and "other", each with a
// handshakeChannel of token "t", and "plain", without one.
func platformServer(t *testing.T, in *fakeIngest, reg *prometheus.Registry) *Server {
	t.Helper()
	channels := &concierge.Registry{}
	bots := map[concierge.BotID]*Bot{}
	for _, id := range []concierge.BotID{"shop", "other", "plain"} {
		bots[id] = &Bot{Bot: &concierge.Bot{ID: id, Name: string(id)}}
		if id != "plain" {
			channels.AddChannel(id, "hs", &handshakeChannel{token: "t"})
		}
	}
	return New(Config{
		Bots: bots, Channels: channels, Ingest: in,
		Ready:    func(context.Context) error { return nil },
		Log:      slog.New(slog.DiscardHandler),
		Registry: reg,
	})
}

// TestPlatformRoutes: a channel that is a concierge.WebhookServer is
// served at its own routes without webhooks naming it: its handshake, its
// answers, its status errors, its body limit and its path values; a bot
// without the channel is 404.
func TestPlatformRoutes(t *testing.T) {
	in := &fakeIngest{}
	reg := prometheus.NewRegistry()
	srv := platformServer(t, in, reg)
	for _, tt := range []struct {
		method, path string
		header       map[string]string
		body         string
		code         int
		want         string // the answer's body, or its "error" when JSON
	}{
		{"GET", "/webhooks/shop/hs?token=t&challenge=123", nil, "", 200, "123"},
		{"GET", "/webhooks/shop/hs?token=x&challenge=123", nil, "", 403, "token did not match"},
		{"GET", "/webhooks/plain/hs?token=t&challenge=123", nil, "", 404, ""},
		{"GET", "/webhooks/nobot/hs?token=t&challenge=123", nil, "", 404, ""},
		{"POST", "/webhooks/shop/hs", map[string]string{"X-Token": "x"}, "hi", 401, ""},
		{"POST", "/webhooks/shop/hs", map[string]string{"X-Token": "t"}, "hi", 200, "taken"},
		{"POST", "/webhooks/shop/hs", map[string]string{"X-Token": "t"}, "hi", 200, "again"},
		{"POST", "/webhooks/shop/hs", map[string]string{"X-Token": "t"}, strings.Repeat("x", handshakeMaxBody), 200, "taken"},
		{"POST", "/webhooks/shop/hs", map[string]string{"X-Token": "t"}, strings.Repeat("y", handshakeMaxBody+1), 413, ""},
		{"POST", "/webhooks/plain/hs", map[string]string{"X-Token": "t"}, "hi", 404, ""},
		{"GET", "/hs/shop/page/42", nil, "", 200, "shop/42"},
		{"GET", "/hs/plain/page/42", nil, "", 404, ""},
	} {
		code, body := do(t, srv, tt.method, tt.path, tt.header, tt.body)
		got := body
		var e map[string]string
		if json.Unmarshal([]byte(body), &e) == nil {
			got = e["error"]
		}
		if code != tt.code || (tt.want != "" && got != tt.want) {
			t.Errorf("%s %s: %d %q, want %d %q", tt.method, tt.path, code, body, tt.code, tt.want)
		}
	}
	if evs := in.stored(); len(evs) != 2 || evs[0].Text != "hi" || evs[0].Bot != "shop" {
		t.Errorf("stored %+v, want hi and the body at the limit, of shop", evs)
	}
	// Requests are counted under the route's pattern, never the path.
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	routes := map[string]bool{}
	for _, mf := range mfs {
		if mf.GetName() != "concierge_http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "route" {
					routes[l.GetValue()] = true
				}
			}
		}
	}
	for _, r := range []string{"/webhooks/:bot/hs", "/hs/:bot/page/:id"} {
		if !routes[r] {
			t.Errorf("no requests counted under %s; routes %v", r, routes)
		}
	}
}

// TestPlatformPeers: a route's host lists the other bots' entries of the
// channel (WhatsApp numbers sharing one callback URL), not its own bot's
// nor a bot without it.
func TestPlatformPeers(t *testing.T) {
	srv := platformServer(t, &fakeIngest{}, prometheus.NewRegistry())
	if code, body := do(t, srv, "POST", "/webhooks/shop/hs", map[string]string{"X-Token": "t"}, "hi"); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	ch := srv.cfg.Channels.Channel("shop", "hs").(*handshakeChannel)
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if len(ch.peers) != 1 || ch.peers[0] != "other" {
		t.Errorf("peers %v, want [other]", ch.peers)
	}
}

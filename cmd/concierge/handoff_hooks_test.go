package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/handoff/hooks"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

const hookSecret = "5f4dcc3b5aa765d61d8327deb882cf99-test-secret"

// received is one request the receiver got.
type received struct {
	payload  hooks.Payload
	verified error // hooks.Verify of the request with the shop's secret
	status   int   // what the receiver answered
}

// receiver is a merchant's helpdesk: it verifies each request and
// answers with what answer says (by the event and how many times it came).
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []received
	answer func(p hooks.Payload, n int) int
	hold   chan struct{} // while set, requests wait for it to close
	cut    int           // requests the sender gave up on while held
}

// holdAll makes requests wait until the returned release is called or
// the sender cuts them short.
func (r *receiver) holdAll() (release func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hold = make(chan struct{})
	h := r.hold
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.hold == h {
			close(h)
			r.hold = nil
		}
	}
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{answer: func(hooks.Payload, int) int { return http.StatusNoContent }}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var p hooks.Payload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("receiver: %v: %s", err, body)
		}
		rec := received{payload: p, verified: hooks.Verify([]byte(hookSecret), req.Header.Get(hooks.SignatureHeader), body, time.Now(), 0)}
		r.mu.Lock()
		hold := r.hold
		r.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			case <-req.Context().Done():
				r.mu.Lock()
				r.cut++
				r.mu.Unlock()
				return
			}
		}
		r.mu.Lock()
		n := 1
		for _, g := range r.got {
			if g.payload.ID == p.ID {
				n++
			}
		}
		rec.status = r.answer(p, n)
		r.got = append(r.got, rec)
		r.mu.Unlock()
		w.WriteHeader(rec.status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) all() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// delivered returns the event of type typ that was answered 2xx,
// waiting for it.
func (r *receiver) delivered(t *testing.T, typ hooks.Type) hooks.Payload {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for _, g := range r.all() {
			if g.payload.Type == typ && g.status/100 == 2 {
				return g.payload
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the receiver never got %s; it got %+v", typ, r.all())
	return hooks.Payload{}
}

// hooksSettled waits until conv has n hand-off events and none is left
// to retry. A hook is marked sent only after the receiver answered, so
// from then on what the receiver recorded is all it will ever get.
func hooksSettled(t *testing.T, m *Main, conv concierge.ConversationID, n int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var states []store.HookState
	for time.Now().Before(deadline) {
		var err error
		states, err = m.DB.HandoffHookStates(context.Background(), conv)
		if err != nil {
			t.Fatal(err)
		}
		pending := 0
		for _, st := range states {
			if st.Status == store.HookPending {
				pending++
			}
		}
		if len(states) == n && pending == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("hand-off events never settled: %+v", states)
}

// hookConfig writes the example shop's bot file with a hand-off webhook
// to url.
func hookConfig(t *testing.T, url string) string {
	t.Helper()
	return writeBot(t, rewrite(t, sampleBot(t), map[string]string{
		"\nhandoff:\n": "\nhandoff:\n  webhook:\n    url: " + url + "\n    secret: ${HANDOFF_WEBHOOK_SECRET}\n",
	}))
}

// startHookShop runs the server on dbURL with the bot file at cfg and
// returns it with a function that stops it (also called at cleanup).
func startHookShop(t *testing.T, dbURL, cfg string, tune hooks.Config) (*shop, func()) {
	t.Helper()
	return startMain(t, &Main{ConfigPath: cfg, DBURL: dbURL, HandoffHooks: tune,
		Getenv: func(k string) string {
			if k == "HANDOFF_WEBHOOK_SECRET" {
				return hookSecret
			}
			return ""
		}})
}

// fastHooks retries within the test's patience.
var fastHooks = hooks.Config{Poll: 50 * time.Millisecond, BaseDelay: 200 * time.Millisecond, MaxDelay: 400 * time.Millisecond}

// TestHandoffWebhooks is a hand-off seen by another helpdesk, over HTTP
// against the real server: a web customer asks for a person and the
// receiver gets handoff.requested with the packet, signed; the receiver's
// first answer is 500, so the event comes again later with the same id;
// a person claims in the inbox (handoff.claimed, with their name) and
// hands back (handoff.resolved). Each event is answered 2xx exactly once.
func TestHandoffWebhooks(t *testing.T) {
	for _, tc := range []struct{ name, db string }{{"sqlite", ""}, {"postgres", "postgres"}} {
		t.Run(tc.name, func(t *testing.T) {
			dbURL := tempSQLite(t)
			if tc.db == "postgres" {
				dbURL = testenv.PostgresURL(t)
			}
			rcv := newReceiver(t)
			rcv.answer = func(p hooks.Payload, n int) int {
				if p.Type == hooks.Requested && n == 1 {
					return http.StatusInternalServerError
				}
				return http.StatusOK
			}
			s, _ := startHookShop(t, dbURL, hookConfig(t, rcv.srv.URL+"/hooks"), fastHooks)
			s.addPerson("alice", concierge.RoleAgent, 3)
			c := s.customer("en")
			c.say("I want to talk to a human")
			conv := c.conversation()

			req := rcv.delivered(t, hooks.Requested)
			if req.Bot != "maison-lumiere" || req.Conversation != int64(conv) || req.Channel != "web" || req.Language != "en" ||
				req.From != "bot" || req.To != "waiting" || req.Reason != string(concierge.HandoffAsked) || req.By != "bot" || req.Person != "" {
				t.Errorf("handoff.requested = %+v", req)
			}
			if req.Packet == nil || req.Packet.Reason != string(concierge.HandoffAsked) || !strings.Contains(req.Packet.Summary, "asked for a person") {
				t.Errorf("handoff.requested packet = %+v", req.Packet)
			}
			if req.Time.IsZero() || time.Since(req.Time) > time.Minute {
				t.Errorf("handoff.requested time = %v", req.Time)
			}

			alice := s.person("alice")
			alice.signIn()
			page := fmt.Sprintf("/inbox/c/%d", conv)
			alice.get(page)
			alice.mustPost(page+"/claim", nil)
			claimed := rcv.delivered(t, hooks.Claimed)
			if claimed.Conversation != int64(conv) || claimed.From != "waiting" || claimed.To != "human" || claimed.Person != "alice" ||
				claimed.By != "agent:alice" || claimed.Packet != nil {
				t.Errorf("handoff.claimed = %+v", claimed)
			}
			alice.mustPost(page+"/handback", nil)
			resolved := rcv.delivered(t, hooks.Resolved)
			if resolved.Conversation != int64(conv) || resolved.From != "human" || resolved.To != "bot" || resolved.Person != "alice" ||
				resolved.Reason != string(concierge.HandoffResolved) {
				t.Errorf("handoff.resolved = %+v", resolved)
			}

			// Once every event is recorded as sent nothing is left for
			// the worker to try: each event was answered 2xx once, and
			// the requested one came twice with the same id.
			hooksSettled(t, s.m, conv, 3)
			ok, sends := map[string]int{}, map[string]int{}
			var order []hooks.Type
			for _, g := range rcv.all() {
				if g.verified != nil {
					t.Errorf("%s: signature does not verify: %v", g.payload.ID, g.verified)
				}
				sends[g.payload.ID]++
				if g.status/100 == 2 {
					ok[g.payload.ID]++
					order = append(order, g.payload.Type)
				}
			}
			if len(ok) != 3 || ok[req.ID] != 1 || ok[claimed.ID] != 1 || ok[resolved.ID] != 1 {
				t.Errorf("answered 2xx: %v; want each of the 3 events once", ok)
			}
			if sends[req.ID] != 2 {
				t.Errorf("handoff.requested came %d times; want 2 (500, then 200)", sends[req.ID])
			}
			if fmt.Sprint(order) != fmt.Sprint([]hooks.Type{hooks.Requested, hooks.Claimed, hooks.Resolved}) {
				t.Errorf("delivered in the order %v", order)
			}
			// The sender counts an outcome after it records it: wait
			// for the count of the last one, then check them all.
			got := hookOutcomes(t, s.m)
			for deadline := time.Now().Add(5 * time.Second); got["sent"] < 3 && time.Now().Before(deadline); got = hookOutcomes(t, s.m) {
				time.Sleep(10 * time.Millisecond)
			}
			if got["sent"] != 3 || got["retry"] != 1 || got["failed"] != 0 {
				t.Errorf("concierge_handoff_webhooks_total = %v; want 3 sent, 1 retry", got)
			}
			states, err := s.m.DB.HandoffHookStates(context.Background(), conv)
			if err != nil {
				t.Fatal(err)
			}
			if len(states) != 3 || states[0].Status != store.HookSent || states[0].Attempts != 2 || states[1].Status != store.HookSent || states[2].Status != store.HookSent {
				t.Errorf("bookkeeping = %+v", states)
			}
		})
	}
}

// TestHandoffWebhookAfterRestart: a hand-off committed by a server that
// stops before sending it is sent by the next one, once.
func TestHandoffWebhookAfterRestart(t *testing.T) {
	for _, tc := range []struct{ name, db string }{{"sqlite", ""}, {"postgres", "postgres"}} {
		t.Run(tc.name, func(t *testing.T) {
			dbURL := tempSQLite(t)
			if tc.db == "postgres" {
				dbURL = testenv.PostgresURL(t)
			}
			rcv := newReceiver(t)
			cfg := hookConfig(t, rcv.srv.URL+"/hooks")
			// The first server looks for events once, when it starts; that
			// look may come before or after the hand-off commits. Either
			// way it cannot deliver: the receiver holds every request
			// until the server stops, which cuts the request short.
			release := rcv.holdAll()
			s, stop := startHookShop(t, dbURL, cfg, hooks.Config{Poll: time.Hour})
			c := s.customer("en")
			c.say("I want to talk to a human")
			conv := c.conversation()
			states, err := s.m.DB.HandoffHookStates(context.Background(), conv)
			if err != nil || len(states) != 1 || states[0].Status != store.HookPending {
				t.Fatalf("before the restart: %+v, %v; want one pending hook", states, err)
			}
			stop()
			release()
			if got := rcv.all(); len(got) != 0 {
				t.Fatalf("the first server delivered %+v", got)
			}
			t.Logf("requests cut short by the stop: %d", rcv.cut)

			s2, _ := startHookShop(t, dbURL, cfg, fastHooks)
			p := rcv.delivered(t, hooks.Requested)
			if p.Conversation != int64(conv) || p.ID != hooks.EventID(states[0].ID) {
				t.Errorf("after the restart: %+v", p)
			}
			hooksSettled(t, s2.m, conv, 1)
			if got := rcv.all(); len(got) != 1 || got[0].verified != nil {
				t.Errorf("the receiver got %+v; want one verified request", got)
			}
			states, err = s2.m.DB.HandoffHookStates(context.Background(), conv)
			if err != nil || len(states) != 1 || states[0].Status != store.HookSent || states[0].Attempts != 1 {
				t.Errorf("after the restart: %+v, %v", states, err)
			}
		})
	}
}

// TestHandoffWebhookWrongSecret: a request checked with another secret
// than the bot file's does not verify.
func TestHandoffWebhookWrongSecret(t *testing.T) {
	var mu sync.Mutex
	var header string
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		header, body = r.Header.Get(hooks.SignatureHeader), b
		mu.Unlock()
	}))
	defer srv.Close()
	s, _ := startHookShop(t, tempSQLite(t), hookConfig(t, srv.URL), fastHooks)
	s.customer("en").say("I want to talk to a human")
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		h, b := header, body
		mu.Unlock()
		if h != "" {
			if err := hooks.Verify([]byte(hookSecret), h, b, time.Now(), 0); err != nil {
				t.Fatalf("with the right secret: %v", err)
			}
			wrong := strings.Replace(hookSecret, "test", "TEST", 1)
			if err := hooks.Verify([]byte(wrong), h, b, time.Now(), 0); err == nil {
				t.Fatal("a wrong secret verifies the signature")
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no request arrived")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hookOutcomes reads concierge_handoff_webhooks_total by outcome.
func hookOutcomes(t *testing.T, m *Main) map[string]float64 {
	t.Helper()
	mfs, err := m.Prom.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "concierge_handoff_webhooks_total" {
			continue
		}
		for _, mt := range mf.GetMetric() {
			for _, l := range mt.GetLabel() {
				if l.GetName() == "outcome" {
					out[l.GetValue()] += mt.GetCounter().GetValue()
				}
			}
		}
	}
	return out
}

// TestHandoffWebhookRotation: with handoff.webhook.previous_secret in the
// bot file, `concierge serve` signs each event with the new secret and
// the previous one, so the merchant's receiver verifies it whether it
// still holds the old secret or already has the new one, and not with
// any other.
func TestHandoffWebhookRotation(t *testing.T) {
	const oldSecret = "0ld-5f4dcc3b5aa765d61d8327deb882cf99-secret"
	var mu sync.Mutex
	var header string
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		header, body = r.Header.Get(hooks.SignatureHeader), b
		mu.Unlock()
	}))
	defer srv.Close()
	cfg := writeBot(t, rewrite(t, sampleBot(t), map[string]string{
		"\nhandoff:\n": "\nhandoff:\n  webhook:\n    url: " + srv.URL + "\n    secret: ${HANDOFF_WEBHOOK_SECRET}\n" +
			"    previous_secret: ${HANDOFF_WEBHOOK_PREVIOUS_SECRET}\n",
	}))
	s, _ := startMain(t, &Main{ConfigPath: cfg, DBURL: tempSQLite(t), HandoffHooks: fastHooks,
		Getenv: func(k string) string {
			return map[string]string{"HANDOFF_WEBHOOK_SECRET": hookSecret, "HANDOFF_WEBHOOK_PREVIOUS_SECRET": oldSecret}[k]
		}})
	s.customer("en").say("I want to talk to a human")
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		h, b := header, body
		mu.Unlock()
		if h != "" {
			if n := strings.Count(h, "v1="); n != 2 {
				t.Fatalf("header %q has %d v1 values, want 2 (the new and the previous secret)", h, n)
			}
			tests := []struct {
				name   string
				secret string
				ok     bool
			}{
				{"receiver with the new secret", hookSecret, true},
				{"receiver still on the previous secret", oldSecret, true},
				{"receiver with another secret", strings.Replace(hookSecret, "test", "TEST", 1), false},
			}
			for _, tt := range tests {
				err := hooks.Verify([]byte(tt.secret), h, b, time.Now(), 0)
				if (err == nil) != tt.ok {
					t.Errorf("%s: Verify = %v, want ok %v", tt.name, err, tt.ok)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no request arrived")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

package hooks

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

// TestVerify: a signature verifies with its secret and body within the
// tolerance, and with nothing else.
func TestVerify(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	body := []byte(`{"id":"evt_handoff_1","type":"handoff.requested"}`)
	at := time.Unix(1_800_000_000, 0)
	good := Sign(secret, at, body)
	tests := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		now    time.Time
		want   error // nil: valid
	}{
		{"valid", secret, good, body, at.Add(time.Minute), nil},
		{"wrong secret", []byte("0123456789abcdef0123456789abcdeX"), good, body, at, ErrBadSignature},
		{"tampered body", secret, good, []byte(`{"id":"evt_handoff_2","type":"handoff.requested"}`), at, ErrBadSignature},
		{"replayed later", secret, good, body, at.Add(10 * time.Minute), ErrTooOld},
		{"from the future", secret, good, body, at.Add(-10 * time.Minute), ErrTooOld},
		{"timestamp changed", secret, strings.Replace(good, "t=1800000000", "t=1800000600", 1), body, at.Add(10 * time.Minute), ErrBadSignature},
		{"no header", secret, "", body, at, ErrNoSignature},
		{"no v1", secret, "t=1800000000", body, at, ErrNoSignature},
		{"bad t", secret, "t=abc,v1=00", body, at, ErrNoSignature},
		{"one of two v1 matches", secret, good + ",v1=deadbeef", body, at, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.header, tt.body, tt.now, 0)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestTypeOf(t *testing.T) {
	tests := []struct {
		from, to concierge.ConversationState
		want     Type
	}{
		{concierge.StateBot, concierge.StateWaiting, Requested},
		{concierge.StateHuman, concierge.StateWaiting, Requested}, // owner removed: back in the queue
		{concierge.StateWaiting, concierge.StateHuman, Claimed},
		{concierge.StateHuman, concierge.StateBot, Resolved},
		{concierge.StateHuman, concierge.StateClosed, Resolved},
		{concierge.StateBot, concierge.StateClosed, ""},
	}
	for _, tt := range tests {
		if got := TypeOf(tt.from, tt.to); got != tt.want {
			t.Errorf("TypeOf(%s, %s) = %q, want %q", tt.from, tt.to, got, tt.want)
		}
	}
}

// fakeStore hands out its hooks once each, and keeps the results.
type fakeStore struct {
	mu      sync.Mutex
	hooks   []Hook
	results map[int64][]Result
}

func (f *fakeStore) Claim(_ context.Context, bots []concierge.BotID, limit int, _ time.Duration) ([]Hook, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.hooks
	f.hooks = nil
	return out, nil
}

func (f *fakeStore) Finish(_ context.Context, h *Hook, r Result) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.results[h.ID] = append(f.results[h.ID], r)
	return true, nil
}

func (f *fakeStore) Skip(context.Context, []concierge.BotID) (int64, error) { return 0, nil }

type countMetrics struct {
	mu sync.Mutex
	n  map[Outcome]int
}

func (m *countMetrics) HandoffHook(_ concierge.BotID, o Outcome) {
	m.mu.Lock()
	m.n[o]++
	m.mu.Unlock()
}

// TestSenderOutcomes: the body and headers of a request, and what each
// answer becomes: 2xx sent, an error a counted retry with backoff, the
// last allowed attempt failed (logged and counted), a move that is no
// event skipped, and a redirect a failure, not followed.
func TestSenderOutcomes(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	var mu sync.Mutex
	got := map[string][]byte{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := Verify(secret, r.Header.Get(SignatureHeader), body, time.Now(), 0); err != nil {
			t.Errorf("signature: %v", err)
		}
		var p Payload
		json.Unmarshal(body, &p)
		if r.Header.Get("Concierge-Event-Id") != p.ID || r.Header.Get("Concierge-Event-Type") != string(p.Type) {
			t.Errorf("headers %v do not match the body %s", r.Header, body)
		}
		mu.Lock()
		got[p.ID] = body
		mu.Unlock()
		switch p.Conversation {
		case 1:
			w.WriteHeader(http.StatusNoContent)
		case 2, 3:
			http.Error(w, "down", http.StatusInternalServerError)
		case 4:
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}
	}))
	defer recv.Close()

	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	hook := func(id int64, conv int64, from, to concierge.ConversationState, by string, attempts int) Hook {
		return Hook{ID: id, Attempts: attempts, Bot: "shop", Conversation: concierge.ConversationID(conv), Channel: concierge.ChannelWeb,
			Locale: "fr", From: from, To: to, Reason: "asked", By: by, At: at,
			Packet: &concierge.HandoffPacket{Reason: "asked", Summary: "The customer asked for a person."}}
	}
	st := &fakeStore{results: map[int64][]Result{}, hooks: []Hook{
		hook(10, 1, concierge.StateBot, concierge.StateWaiting, "bot", 0),
		hook(11, 2, concierge.StateWaiting, concierge.StateHuman, "agent:alice", 0),
		hook(12, 3, concierge.StateHuman, concierge.StateBot, "agent:alice", 2),
		hook(13, 4, concierge.StateHuman, concierge.StateClosed, "agent:bob", 0),
		hook(14, 5, concierge.StateBot, concierge.StateClosed, "system", 0),
	}}
	var logs strings.Builder
	var logMu sync.Mutex
	m := &countMetrics{n: map[Outcome]int{}}
	s := New(st, recv.Client(), Config{
		Endpoints:   map[concierge.BotID]Endpoint{"shop": {URL: recv.URL, Secret: secret}},
		MaxAttempts: 3, BaseDelay: time.Minute, MaxDelay: time.Hour,
	}, slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, nil)), m)
	before := time.Now()
	if n, err := s.RunOnce(context.Background()); err != nil || n != 5 {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}

	var p Payload
	if err := json.Unmarshal(got["evt_handoff_10"], &p); err != nil {
		t.Fatal(err)
	}
	want := Payload{ID: "evt_handoff_10", Type: Requested, Time: at, Bot: "shop", Conversation: 1, Channel: "web", Language: "fr",
		From: "bot", To: "waiting", Reason: "asked", By: "bot", Packet: &Packet{Reason: "asked", Summary: "The customer asked for a person."}}
	if p.Packet == nil || *p.Packet != *want.Packet || !p.Time.Equal(at) {
		t.Errorf("requested payload = %+v", p)
	}
	p.Packet, want.Packet, p.Time, want.Time = nil, nil, time.Time{}, time.Time{}
	if p != want {
		t.Errorf("requested payload = %+v, want %+v", p, want)
	}
	var claimed Payload
	json.Unmarshal(got["evt_handoff_11"], &claimed)
	if claimed.Type != Claimed || claimed.Person != "alice" || claimed.By != "agent:alice" || claimed.Packet != nil {
		t.Errorf("claimed payload = %s", got["evt_handoff_11"])
	}
	if _, ok := got["evt_handoff_14"]; ok {
		t.Errorf("bot → closed was sent; it is no hand-off event")
	}

	one := func(id int64) Result {
		t.Helper()
		if len(st.results[id]) != 1 {
			t.Fatalf("results of %d = %+v", id, st.results[id])
		}
		return st.results[id][0]
	}
	if r := one(10); r.Outcome != Sent {
		t.Errorf("2xx: %+v", r)
	}
	if r := one(11); r.Outcome != Retry || !r.Counted || !strings.Contains(r.Error, "HTTP 500") ||
		r.Next.Before(before.Add(30*time.Second)) || r.Next.After(time.Now().Add(time.Minute)) {
		t.Errorf("first 500: %+v; want a counted retry in 30s to 1m", r)
	}
	if r := one(12); r.Outcome != Failed || !r.Counted {
		t.Errorf("500 on the last attempt: %+v; want failed", r)
	}
	if r := one(13); r.Outcome != Retry || !strings.Contains(r.Error, "HTTP 302") {
		t.Errorf("redirect: %+v; want a retry, not followed", r)
	}
	if r := one(14); r.Outcome != Skipped {
		t.Errorf("bot → closed: %+v; want skipped", r)
	}
	if m.n[Sent] != 1 || m.n[Retry] != 2 || m.n[Failed] != 1 || m.n[Skipped] != 1 {
		t.Errorf("metrics = %v", m.n)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if !strings.Contains(logs.String(), "handoff webhook: gave up") || !strings.Contains(logs.String(), "evt_handoff_12") {
		t.Errorf("giving up was not logged:\n%s", logs.String())
	}
}

// TestSenderInterrupted: a request cut short by the process stopping is
// a retry at once that uses no attempt.
func TestSenderInterrupted(t *testing.T) {
	arrived := make(chan struct{})
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The body is read first: only then does the server notice the
		// client going away.
		io.ReadAll(r.Body)
		close(arrived)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer recv.Close()
	st := &fakeStore{results: map[int64][]Result{}, hooks: []Hook{{ID: 1, Bot: "shop", From: concierge.StateBot, To: concierge.StateWaiting}}}
	s := New(st, recv.Client(), Config{Endpoints: map[concierge.BotID]Endpoint{"shop": {URL: recv.URL, Secret: []byte("x")}}},
		slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	s.RunOnce(ctx)
	r := st.results[1]
	if len(r) != 1 || r[0].Outcome != Retry || r[0].Counted || time.Since(r[0].Next) < 0 {
		t.Fatalf("results = %+v; want one uncounted retry due now", r)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

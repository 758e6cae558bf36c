package hooks

import (
	"context"
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

// TestSignRotation: while a secret is rotated, a request is signed with
// the new and the previous secret (two v1 values), so a receiver holding
// either verifies it and one holding any other secret does not; once the
// previous secret is dropped, only the new one verifies.
func TestSignRotation(t *testing.T) {
	newSecret := []byte("new-0123456789abcdef0123456789abcdef")
	oldSecret := []byte("old-0123456789abcdef0123456789abcdef")
	other := []byte("other-0123456789abcdef0123456789abcd")
	body := []byte(`{"id":"evt_handoff_7","type":"handoff.claimed"}`)
	at := time.Unix(1_800_000_000, 0)
	tests := []struct {
		name     string
		ep       Endpoint
		receiver []byte // the secret the receiver holds
		want     error
	}{
		{"rotating, receiver has the new secret", Endpoint{Secret: newSecret, PreviousSecret: oldSecret}, newSecret, nil},
		{"rotating, receiver still has the old secret", Endpoint{Secret: newSecret, PreviousSecret: oldSecret}, oldSecret, nil},
		{"rotating, receiver has another secret", Endpoint{Secret: newSecret, PreviousSecret: oldSecret}, other, ErrBadSignature},
		{"rotated, receiver has the new secret", Endpoint{Secret: newSecret}, newSecret, nil},
		{"rotated, receiver still has the old secret", Endpoint{Secret: newSecret}, oldSecret, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.ep.sign(at, body)
			wantV1 := 1
			if tt.ep.PreviousSecret != nil {
				wantV1 = 2
			}
			if n := strings.Count(h, "v1="); n != wantV1 || !strings.HasPrefix(h, "t=1800000000,v1=") {
				t.Fatalf("header %q: want t= then %d v1 values", h, wantV1)
			}
			// The current secret's value comes first, as Stripe orders them.
			if first := strings.Split(h, ",")[1]; first != "v1="+mac(newSecret, "1800000000", body) {
				t.Errorf("first v1 = %q, want the current secret's", first)
			}
			err := Verify(tt.receiver, h, body, at.Add(time.Second), 0)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestSenderSignsWithPreviousSecret: the Sender itself puts both
// signatures on the request when the endpoint has a previous secret, so
// two receivers, one with each secret, both accept the event.
func TestSenderSignsWithPreviousSecret(t *testing.T) {
	newSecret := []byte("new-0123456789abcdef0123456789abcdef")
	oldSecret := []byte("old-0123456789abcdef0123456789abcdef")
	var mu sync.Mutex
	verified := map[string]error{}
	receiver := func(name string, secret []byte) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			err := Verify(secret, r.Header.Get(SignatureHeader), body, time.Now(), 0)
			mu.Lock()
			verified[name] = err
			mu.Unlock()
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
	}
	withNew, withOld := receiver("new", newSecret), receiver("old", oldSecret)
	defer withNew.Close()
	defer withOld.Close()

	hook := func(id int64, bot concierge.BotID) Hook {
		return Hook{ID: id, Bot: bot, Conversation: concierge.ConversationID(id), Channel: concierge.ChannelWeb, Locale: "en",
			From: concierge.StateBot, To: concierge.StateWaiting, Reason: "asked", By: "bot", At: time.Now()}
	}
	st := &fakeStore{results: map[int64][]Result{}, hooks: []Hook{hook(1, "a"), hook(2, "b")}}
	s := New(st, withNew.Client(), Config{Endpoints: map[concierge.BotID]Endpoint{
		"a": {URL: withNew.URL, Secret: newSecret, PreviousSecret: oldSecret},
		"b": {URL: withOld.URL, Secret: newSecret, PreviousSecret: oldSecret},
	}}, slog.New(slog.DiscardHandler), nil)
	if n, err := s.RunOnce(context.Background()); err != nil || n != 2 {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, name := range []string{"new", "old"} {
		if err, ok := verified[name]; !ok || err != nil {
			t.Errorf("receiver with the %s secret: got a request %v, verify = %v", name, ok, err)
		}
	}
	for id := int64(1); id <= 2; id++ {
		if r := st.results[id]; len(r) != 1 || r[0].Outcome != Sent {
			t.Errorf("event %d: %+v, want sent", id, r)
		}
	}
}

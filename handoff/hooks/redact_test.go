package hooks

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

// TestErrorsHoldNoSecret: a receiver whose URL carries a token in its
// query (as many helpdesks' do) that is unreachable, or answers with a
// page echoing the request, leaves neither that token nor the signing
// secret in the stored error (shown in the inbox) or the log.
func TestErrorsHoldNoSecret(t *testing.T) {
	const token = "hooktoken-0123456789abcdef"
	secret := []byte("signing-secret-0123456789abcdef")
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "<pre>%s %s</pre>", r.Method, r.URL.RequestURI())
	}))
	defer echo.Close()
	down, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down.Close()
	for name, base := range map[string]string{"unreachable": "http://" + down.Addr().String(), "echo": echo.URL} {
		t.Run(name, func(t *testing.T) {
			st := &fakeStore{results: map[int64][]Result{}, hooks: []Hook{{ID: 1, Bot: "shop", Conversation: 1, Channel: concierge.ChannelWeb,
				From: concierge.StateBot, To: concierge.StateWaiting, By: "bot", At: time.Now()}}}
			var logs strings.Builder
			s := New(st, http.DefaultClient, Config{
				Endpoints:   map[concierge.BotID]Endpoint{"shop": {URL: base + "/hooks/concierge?token=" + token, Secret: secret, PreviousSecret: secret}},
				MaxAttempts: 3, BaseDelay: time.Minute, MaxDelay: time.Hour,
			}, slog.New(slog.NewTextHandler(lockedWriter{&sync.Mutex{}, &logs}, nil)), nil)
			if _, err := s.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			rs := st.results[1]
			if len(rs) != 1 || rs[0].Outcome != Retry || rs[0].Error == "" {
				t.Fatalf("results %+v; want one retry with its error", rs)
			}
			for what, text := range map[string]string{"the stored error": rs[0].Error, "the log": logs.String()} {
				for _, s := range []string{token, string(secret)} {
					if strings.Contains(text, s) {
						t.Errorf("%s holds %q: %s", what, s, text)
					}
				}
			}
		})
	}
}

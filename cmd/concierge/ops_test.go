package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/conciergehq/concierge/store"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestOperations: liveness, readiness and the metrics the issue names.
func TestOperations(t *testing.T) {
	s := startShop(t, "")
	if st, _ := get(t, s.base+"/healthz"); st != 200 {
		t.Fatalf("healthz %d", st)
	}
	if st, b := get(t, s.base+"/readyz"); st != 200 {
		t.Fatalf("readyz %d %s", st, b)
	}
	c := s.customer("en")
	c.say("hello")
	st, metrics := get(t, s.base+"/metrics")
	if st != 200 {
		t.Fatalf("metrics %d", st)
	}
	for _, want := range []string{
		`concierge_http_requests_total{route="/chat/:bot/api/messages",status="202"} 1`,
		`concierge_http_request_seconds_bucket{route="/chat/:bot/api/messages"`,
		`concierge_inbox_pending 0`,
		`concierge_outbox_pending 0`,
		`concierge_messages_sent_total{channel="web"} 1`,
		`concierge_turns_total{result="done"} 1`,
		`concierge_orders{state="paid"} 0`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(metrics, "hello") || strings.Contains(metrics, c.session) {
		t.Error("metrics carry a customer's text or session")
	}
}

// TestReadyzNeedsMigrations: a database without the schema is not ready.
func TestReadyzNeedsMigrations(t *testing.T) {
	db, err := store.Open(context.Background(), "sqlite:"+t.TempDir()+"/empty.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ready(context.Background()); err == nil || !strings.Contains(err.Error(), "pending") {
		t.Fatalf("Ready on an empty database = %v", err)
	}
}

// TestLogsCarryNoSecrets: after a whole purchase, the server's logs hold
// no customer text, session id, payment token or signing secret.
func TestLogsCarryNoSecrets(t *testing.T) {
	s := startShop(t, "")
	c := s.customer("en")
	pm := find(t, c.press(c.press(c.say("tell me more about the Zenith lamp"), "buy:LAMP-02"), "consent:yes"), "payment")
	s.pay(pm.Message.Payment)
	c.replies()
	secret, err := s.m.DB.Setting(context.Background(), "sandbox_secret:maison-lumiere", func() (string, error) { return "", nil })
	if err != nil || secret == "" {
		t.Fatalf("secret %q %v", secret, err)
	}
	token := pm.Message.Payment.URL[strings.Index(pm.Message.Payment.URL, "t=")+2:]
	logs := s.logs.String()
	if !strings.Contains(logs, "payment notification") {
		t.Fatalf("the payment was not logged at all; logs:\n%s", logs)
	}
	for _, secret := range []string{"Zenith lamp", c.session, token, secret} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs carry %q:\n%s", secret, logs)
		}
	}
}

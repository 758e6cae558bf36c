package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout/sandbox"
)

// TestBadInput: every malformed, oversized, unknown or hostile input gets a
// clear answer, and nothing is stored for it.
func TestBadInput(t *testing.T) {
	s := startShop(t, "")
	long := strings.Repeat("é", 5000)
	session := "badinputsession0001"
	tests := []struct {
		name, path, body string
		status           int
		want             string
	}{
		{"unknown bot", "/chat/nobody/api/messages", `{"session":"` + session + `","id":"1","text":"hi"}`, 404, "unknown bot"},
		{"malformed JSON", "/chat/maison-lumiere/api/messages", `{"session":`, 400, ""},
		{"no text", "/chat/maison-lumiere/api/messages", `{"session":"` + session + `","id":"2"}`, 400, ""},
		{"bad session", "/chat/maison-lumiere/api/messages", `{"session":"x","id":"3","text":"hi"}`, 400, "session"},
		{"5000 characters", "/chat/maison-lumiere/api/messages", `{"session":"` + session + `","id":"4","text":"` + long + `"}`, 400, "4000"},
		{"oversized body", "/chat/maison-lumiere/api/messages", `{"session":"` + session + `","id":"5","text":"` + strings.Repeat("a", 70<<10) + `"}`, 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(s.base+tt.path, "application/json", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.want) {
				t.Fatalf("status %d body %s; want %d containing %q", resp.StatusCode, b, tt.status, tt.want)
			}
			var e map[string]string
			if json.Unmarshal(b, &e) != nil || e["error"] == "" {
				t.Fatalf("error body %s is not {\"error\": …}", b)
			}
		})
	}
	if n, _ := s.m.DB.PendingInbound(context.Background()); n != 0 {
		t.Fatalf("%d events stored from bad input", n)
	}
	if _, err := s.m.DB.FindConversation(context.Background(), "maison-lumiere", concierge.ChannelWeb, concierge.ChatID(session)); err == nil {
		t.Fatal("a conversation was created from bad input")
	}
	// Hostile but well-formed text gets a harmless reply, stored verbatim.
	for _, text := range []string{"'; DROP TABLE orders; --", "<script>alert(1)</script>", "🙂🙂🙂", strings.Repeat("lamp ", 700)} {
		c := s.customer("en")
		r := c.say(text)
		if len(r) == 0 {
			t.Fatalf("no reply to %q", text)
		}
		if h := c.history(); h[0].Message.Text != strings.TrimSpace(text) {
			t.Fatalf("stored %q, want the text verbatim", h[0].Message.Text)
		}
	}
	if _, err := s.m.DB.GetOrder(context.Background(), "x"); err == nil {
		t.Fatal("impossible order found")
	}
	page, _ := http.Get(s.base + "/chat/maison-lumiere")
	if page.StatusCode != 200 || !strings.Contains(page.Header.Get("Content-Security-Policy"), "'self'") {
		t.Fatalf("widget page: %d csp %q", page.StatusCode, page.Header.Get("Content-Security-Policy"))
	}
	page.Body.Close()
}

// TestSandboxNotifications: a forged or replayed notification is refused
// and changes nothing; a repeated one is acknowledged and changes nothing;
// one whose amount is not the order's is recorded but does not pay it.
func TestSandboxNotifications(t *testing.T) {
	s := startShop(t, "")
	c := s.customer("en")
	pm := find(t, c.press(c.press(c.say("tell me more about the Zenith"), "buy:LAMP-02"), "consent:yes"), concierge.MessagePayment)
	order := pm.Message.Payment.Order
	prov, err := sandbox.New(sandbox.Config{Secret: []byte(strings.Repeat("k", 32)), BaseURL: s.base})
	if err != nil {
		t.Fatal(err)
	}
	note := func(id string, amount int64, created time.Time) []byte {
		b, _ := json.Marshal(sandbox.Notification{ID: id, Type: sandbox.TypePaymentSucceeded, Bot: "maison-lumiere", Order: order,
			Amount: concierge.Money{Minor: amount, Currency: "EUR"}, Created: created.Unix()})
		return b
	}
	send := func(sig string, body []byte) (int, string) {
		req, _ := http.NewRequest("POST", s.base+"/webhooks/maison-lumiere/sandbox", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		if sig != "" {
			req.Header.Set(sandbox.HeaderSignature, sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	state := func() concierge.OrderState {
		o, err := s.m.DB.GetOrder(context.Background(), order)
		if err != nil {
			t.Fatal(err)
		}
		return o.State
	}
	now := time.Now()
	good := note("evt_1", 7900, now)
	// Signed with another key: forged.
	if st, b := send(prov.Sign(good, now), good); st != 401 || state() != concierge.OrderPending {
		t.Fatalf("forged: %d %s, order %s", st, b, state())
	}
	if st, _ := send("", good); st != 401 {
		t.Fatalf("unsigned: %d", st)
	}
	srv := s.sandboxProvider()
	old := note("evt_old", 7900, now.Add(-time.Hour))
	if st, _ := send(srv.Sign(old, now.Add(-time.Hour)), old); st != 401 || state() != concierge.OrderPending {
		t.Fatalf("replayed: %d, order %s", st, state())
	}
	wrong := note("evt_wrong", 100, now)
	if st, b := send(srv.Sign(wrong, now), wrong); st != 200 || !strings.Contains(b, "problem") || state() != concierge.OrderPending {
		t.Fatalf("wrong amount: %d %s, order %s", st, b, state())
	}
	conv := mustConv(t, s, c)
	if conv.State != concierge.StateWaiting {
		t.Fatalf("a payment that does not match must go to people; state %s", conv.State)
	}
	// The wrong payment was recorded; a good one for a conversation now
	// with people still pays the order, exactly once.
	for i := 0; i < 3; i++ {
		st, b := send(srv.Sign(good, now), good)
		want := "paid"
		if i > 0 {
			want = "duplicate"
		}
		if st != 200 || !strings.Contains(b, want) {
			t.Fatalf("notification %d: %d %s, want %s", i, st, b, want)
		}
	}
	if state() != concierge.OrderPaid {
		t.Fatalf("order %s, want paid", state())
	}
	ps, _ := s.m.DB.Payments(context.Background(), order)
	if len(ps) != 2 {
		t.Fatalf("payments recorded: %d, want the mismatched one and the good one", len(ps))
	}
	st, b := send(srv.Sign([]byte(`{"id":`), now), []byte(`{"id":`))
	if st != 400 {
		t.Fatalf("malformed notification: %d %s", st, b)
	}
}

package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/whatsapp/whatsapptest"
	"github.com/conciergehq/concierge/store"
)

// TestWhatsAppVerification: Meta's subscription check gets the raw
// challenge back; a wrong token gets 403.
func TestWhatsAppVerification(t *testing.T) {
	s := startWAShop(t)
	for _, c := range []struct {
		query string
		code  int
		body  string
	}{
		{"hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=" + waVerify, 200, "1158201444"},
		{"hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=wrong", 403, ""},
		{"hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=" + waVerify, 403, ""},
	} {
		resp, err := http.Get(s.base + "/webhooks/maison-lumiere/whatsapp?" + c.query)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.code || (c.body != "" && b.String() != c.body) {
			t.Errorf("%s: %d %q", c.query, resp.StatusCode, b.String())
		}
	}
}

// TestWhatsAppBadInput: forged, oversized and foreign bodies are refused
// and store nothing; odd but authentic ones are acknowledged harmlessly.
func TestWhatsAppBadInput(t *testing.T) {
	s := startWAShop(t)
	ctx := context.Background()
	text := whatsapptest.Notification(waPhoneID, nil, []map[string]any{whatsapptest.TextMessage("33600000001", "wamid.bad.1", "hello", time.Now())}, nil)
	stored := func(wa string) bool {
		_, err := s.m.DB.FindConversation(ctx, "maison-lumiere", concierge.ChannelWhatsApp, concierge.ChatID(wa))
		return err == nil
	}

	for _, c := range []struct {
		name string
		body []byte
		sig  string
		code int
	}{
		{"no signature", text, "", 401},
		{"forged signature", text, whatsapptest.Sign("not-the-app-secret", text), 401},
		{"signature of another body", text, whatsapptest.Sign(waAppSecret, append([]byte(" "), text...)), 401},
		{"valid JSON, not WhatsApp", []byte(`{"update_id":5,"message":{"text":"hi"}}`), "", 400},
		{"not JSON", []byte(`<xml/>`), "", 400},
		{"oversized", append(bytes.Repeat([]byte(" "), 1<<20), text...), "", 413},
	} {
		t.Run(c.name, func(t *testing.T) {
			sig := c.sig
			if sig == "" && c.code != 401 {
				sig = whatsapptest.Sign(waAppSecret, c.body)
			}
			if code, res := s.post(c.body, sig); code != c.code {
				t.Fatalf("%d %v, want %d", code, res, c.code)
			}
			if stored("33600000001") {
				t.Fatal("a refused notification was stored")
			}
		})
	}

	// Authentic, but nothing a brain reads: an unknown message type gets
	// a helpful answer; a status for a message we never sent and a
	// reaction change nothing.
	odd := whatsapptest.Notification(waPhoneID, nil,
		[]map[string]any{
			{"from": "33600000002", "id": "wamid.odd.1", "timestamp": "1700000000", "type": "hologram", "hologram": map[string]any{"x": 1}},
			{"from": "33600000002", "id": "wamid.odd.2", "timestamp": "1700000001", "type": "reaction", "reaction": map[string]any{"emoji": "👍"}},
		},
		[]map[string]any{whatsapptest.Status("33600000002", "wamid.never-sent", "delivered", time.Now())})
	code, res := s.post(odd, whatsapptest.Sign(waAppSecret, odd))
	if code != 200 || res["messages"] != 1.0 || res["unknown_statuses"] != 1.0 {
		t.Fatalf("odd notification: %d %v", code, res)
	}
	s.idle()
	if got := s.graph.SentTo("33600000002"); len(got) != 1 || !strings.Contains(got[0].Text(), "can't read") {
		t.Fatalf("answer to an unknown type: %s", waDump(got))
	}
	// Meta's retry of the same message is stored once.
	code, res = s.post(odd, whatsapptest.Sign(waAppSecret, odd))
	if code != 200 || res["duplicates"] != 1.0 {
		t.Fatalf("retry: %d %v", code, res)
	}
	s.idle()
	if got := s.graph.SentTo("33600000002"); len(got) != 1 {
		t.Fatalf("retry answered again: %s", waDump(got))
	}
	// Items for a phone number no bot of this server owns are dropped.
	other := whatsapptest.Notification("999999", nil, []map[string]any{whatsapptest.TextMessage("33600000003", "wamid.other.1", "hi", time.Now())}, nil)
	if code, res := s.post(other, whatsapptest.Sign(waAppSecret, other)); code != 200 || res["dropped"] != 1.0 || stored("33600000003") {
		t.Fatalf("other number: %d %v", code, res)
	}
}

// TestWhatsAppFailedStatus: a message that WhatsApp accepted and then
// reports failed is marked failed with WhatsApp's reason.
func TestWhatsAppFailedStatus(t *testing.T) {
	s := startWAShop(t)
	c := s.customer("33600000004")
	sent := c.say("hello")
	if len(sent) == 0 {
		t.Fatal("no answer")
	}
	failed, _ := os.ReadFile("../../adapters/whatsapp/testdata/status_failed.json")
	body := bytes.ReplaceAll(bytes.ReplaceAll(failed, []byte("wamid.xyzxyz"), []byte(sent[0].ID)), []byte(`"1122334455667"`), []byte(`"`+waPhoneID+`"`))
	if code, res := s.post(body, whatsapptest.Sign(waAppSecret, body)); code != 200 || res["statuses"] != 1.0 {
		t.Fatalf("failed status: %d %v", code, res)
	}
	d, err := s.m.DB.Delivery(context.Background(), "maison-lumiere", concierge.ChannelWhatsApp, sent[0].ID)
	if err != nil || d.Status != "failed" || d.MessageStatus != "failed" || !strings.Contains(d.MessageError, "130472") {
		t.Fatalf("delivery %+v, %v", d, err)
	}
}

// TestWhatsAppOutsideWindow: a reply due after the 24-hour window, with no
// template for it, is refused and recorded undeliverable with the reason;
// nothing reaches WhatsApp.
func TestWhatsAppOutsideWindow(t *testing.T) {
	s := startWAShop(t)
	c := s.customer("33600000005")
	c.say("hello")
	ctx := context.Background()
	conv, err := s.m.DB.FindConversation(ctx, "maison-lumiere", concierge.ChannelWhatsApp, concierge.ChatID(c.wa))
	if err != nil {
		t.Fatal(err)
	}
	// 25 hours later, the bot speaks.
	s.m.SkewWhatsAppClock(25 * time.Hour)
	err = s.m.DB.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Emit(ctx, conv, "bot", concierge.Message{Kind: concierge.MessageText, Text: "Anything else?"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.m.Dispatcher.Wake()
	s.idle()
	if got := c.replies(); len(got) != 0 {
		t.Fatalf("sent outside the window: %s", waDump(got))
	}
	es, _ := s.m.DB.Transcript(ctx, "maison-lumiere", concierge.ChannelWhatsApp, concierge.ChatID(c.wa), 0, 100)
	last := es[len(es)-1]
	if last.Status != "undeliverable" {
		t.Fatalf("last message status %q", last.Status)
	}
}

// TestStripeBadInput: forged and replayed events are refused; events for
// orders this server does not know, and types it does not use, are
// acknowledged and change nothing.
func TestStripeBadInput(t *testing.T) {
	s := startWAShop(t)
	ghost := &concierge.Order{ID: "ML-GHOST1", Bot: "maison-lumiere", Total: concierge.Money{Minor: 4900, Currency: "EUR"}}
	paid := sessionEvent(t, "checkout_session_completed.json", "evt_ghost", ghost, 4900)
	if code, res := s.stripe(paid, time.Now()); code != 200 || res != "unknown_order" {
		t.Fatalf("unknown order: %d %q", code, res)
	}
	if code, res := s.stripe(sessionEvent(t, "checkout_session_expired.json", "evt_ghost2", ghost, 4900), time.Now()); code != 200 || res != "unknown_order" {
		t.Fatalf("unknown order expired: %d %q", code, res)
	}
	if code, _ := s.stripe(paid, time.Now().Add(-6*time.Minute)); code != 401 {
		t.Fatalf("replay older than the tolerance: %d", code)
	}
	req, _ := http.NewRequest(http.MethodPost, s.base+"/webhooks/maison-lumiere/stripe", bytes.NewReader(paid))
	req.Header.Set("Stripe-Signature", "t=1717000124,v1=49dc236b1a8ce0b33c044968df11f69e6a5bc8aacc9b54f1ccba08443a1a2b6e")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("forged: %d", resp.StatusCode)
	}
	other := []byte(`{"id":"evt_x","object":"event","api_version":"2023-10-16","created":1717000000,"type":"customer.created","data":{"object":{"id":"cus_1","object":"customer"}}}`)
	if code, res := s.stripe(other, time.Now()); code != 200 || res != "ignored" {
		t.Fatalf("other type: %d %q", code, res)
	}
	big := append(bytes.Repeat([]byte(" "), 70<<10), other...)
	if code, _ := s.stripe(big, time.Now()); code != 413 {
		t.Fatalf("oversized: %d", code)
	}
}

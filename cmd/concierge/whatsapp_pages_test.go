package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/whatsapp"
	"github.com/conciergehq/concierge/adapters/whatsapp/whatsapptest"
)

// longSKUs gives every lamp of the sample a SKU of over 30 characters,
// so that a list of them no longer fits a WhatsApp row id (200 bytes).
func longSKUs(cfg string) string {
	return strings.ReplaceAll(cfg, "LAMP-", "MAISON-LUMIERE-COLLECTION-LAMP-")
}

// waPage finds the page message among sent: the list or buttons whose
// footer is the page indicator "Page n/…".
func waPage(t *testing.T, sent []whatsapptest.Sent, n int) whatsapptest.Sent {
	t.Helper()
	for _, m := range sent {
		if strings.HasPrefix(m.Footer(), fmt.Sprintf("Page %d/", n)) {
			return m
		}
	}
	t.Fatalf("no page %d in %s", n, waDump(sent))
	return whatsapptest.Sent{}
}

// TestWhatsAppPages: with SKUs too long for a row id, a search of more
// than five products still shows Next, as a short token whose value the
// store keeps; choosing it (a list_reply with the token) brings products
// 6 to 10 with Previous; a token this server never made is stored as an
// expired choice, answered "this choice has expired" through the outbox
// (the webhook itself sends nothing), and recognised when Meta delivers
// it again.
func TestWhatsAppPages(t *testing.T) {
	s := startWAShop(t, moreLamps(6), longSKUs)
	c := s.customer("33600000077")
	ctx := context.Background()
	bot := s.m.Bots[0]

	first := waPage(t, c.say("I am looking for a lamp"), 1)
	next := first.ChoiceID("Next ›")
	if len(next) != len(whatsapp.Tokenize("", "")) || !strings.HasPrefix(next, "wa") {
		t.Fatalf("Next's id %q is not a token: %s", next, waDump([]whatsapptest.Sent{first}))
	}
	value, err := s.m.DB.ButtonValue(ctx, bot.ID, next)
	if err != nil {
		t.Fatalf("Next's token is not stored: %v", err)
	}
	rest, ok := strings.CutPrefix(value, "page:2:")
	all := strings.Split(rest, ",")
	if !ok || len(all) <= 5 || len(value) <= whatsapp.MaxRowIDBytes {
		t.Fatalf("Next stands for %q, want page 2 of a list longer than a row id", value)
	}
	checkWAPage := func(m whatsapptest.Sent, n int) {
		t.Helper()
		text := m.Text()
		for i := (n - 1) * 5; i < min(n*5, len(all)); i++ {
			p := bot.Product(concierge.SKU(all[i]))
			if p == nil {
				t.Fatalf("no product %s", all[i])
			}
			if want := fmt.Sprintf("%d. %s", i+1, p.Title("en", "en")); !strings.Contains(text, want) {
				t.Errorf("page %d lacks %q:\n%s", n, want, text)
			}
		}
		if i := n * 5; i < len(all) && strings.Contains(text, fmt.Sprintf("%d. ", i+1)) {
			t.Errorf("page %d shows product %d of the next page:\n%s", n, i+1, text)
		}
	}
	checkWAPage(first, 1)

	// Choosing Next: the list_reply carries the token, the page comes.
	_, got := c.pick([]whatsapptest.Sent{first}, next)
	second := waPage(t, got, 2)
	checkWAPage(second, 2)
	prev := second.ChoiceID("‹ Previous")
	if v, err := s.m.DB.ButtonValue(ctx, bot.ID, prev); err != nil || v != "page:1:"+rest {
		t.Fatalf("Previous on page 2 stands for %q (%v), want page 1 of the same list", v, err)
	}
	// A product's own choice on that page is its plain value.
	sku := all[5]
	_, added := c.pick([]whatsapptest.Sent{second}, "add:"+sku)
	if !strings.Contains(waText(added), bot.Product(concierge.SKU(sku)).Title("en", "en")) {
		t.Errorf("add from page 2: %s", waDump(added))
	}

	// A token this server never stored: the press is stored as an expired
	// choice and the agent says so, in the bot's language, once.
	c.n++
	stale := whatsapp.Tokenize("another-bot", "page:2:"+rest)
	body := whatsapptest.Notification(waPhoneID, map[string]string{c.wa: "Test Customer"},
		[]map[string]any{whatsapptest.ReplyMessage(c.wa, fmt.Sprintf("wamid.%s.%d", c.wa, c.n), "list_reply", stale, "Next ›", time.Now())}, nil)
	code, res := s.post(body, whatsapptest.Sign(waAppSecret, body))
	if code != http.StatusOK || res["messages"] != 1.0 || res["expired"] != 1.0 {
		t.Fatalf("expired token: %d %v", code, res)
	}
	answer := c.replies()
	if len(answer) != 1 || !strings.Contains(waText(answer), "This choice has expired") {
		t.Fatalf("expired token answered %s", waDump(answer))
	}
	code, res = s.post(body, whatsapptest.Sign(waAppSecret, body))
	if code != http.StatusOK || res["duplicates"] != 1.0 {
		t.Fatalf("the same notification again: %d %v", code, res)
	}
	if again := c.replies(); len(again) != 0 {
		t.Fatalf("a redelivered expired choice was answered again: %s", waDump(again))
	}
}

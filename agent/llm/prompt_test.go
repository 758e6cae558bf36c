package llm

import (
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/agent/rules"
)

// TestSystemPrompt: the prompt is built from the bot file (shop name,
// languages, currency, policies, hand-off words, business hours) and the
// conversation's state (cart, order waiting for payment, consent
// question, summary); it names no product the state does not hold.
func TestSystemPrompt(t *testing.T) {
	bot := &concierge.Bot{ID: "b", Name: "Maison Lumière", Locales: []concierge.Locale{"fr", "en"}, Currency: "EUR",
		Products: []concierge.Product{
			{SKU: "LAMP-01", Name: map[concierge.Locale]string{"fr": "Lampe Aurore"}, Price: concierge.Money{Minor: 4900, Currency: "EUR"}},
			{SKU: "LAMP-02", Name: map[concierge.Locale]string{"fr": "Lampe Zénith"}, Price: concierge.Money{Minor: 7900, Currency: "EUR"}},
		},
		Handoff:  concierge.HandoffPolicy{Keywords: []string{"humain", "conseiller"}, BusinessHours: "Mon-Fri 09:00-18:00 Europe/Paris"},
		Policies: concierge.Policies{RefundWindowDays: 30, ConsentBefore: "checkout"}}
	texts, err := agent.LoadTexts()
	if err != nil {
		t.Fatal(err)
	}
	shop, err := agent.NewShop(bot, rules.Brain{}, texts)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		locale  concierge.Locale
		snap    agent.Snapshot
		want    []string
		absent  []string
		persona string
	}{
		{"empty", "fr", agent.Snapshot{Conv: concierge.Conversation{Channel: "telegram"}},
			[]string{"Maison Lumière", "on telegram", "French (fr), English (en)", "their last message looks like French", "in EUR",
				"within 30 days", "agree to the data policy", "humain, conseiller", "Mon-Fri 09:00-18:00 Europe/Paris", "The cart is empty"},
			[]string{"LAMP-01", "LAMP-02", "Summary of the earlier conversation", "describes your manner"}, ""},
		{"cart, consent and summary", "zh", agent.Snapshot{Conv: concierge.Conversation{Channel: "web",
			Memory: concierge.Memory{Pending: "consent"}},
			Cart:  []concierge.CartLine{{SKU: "LAMP-01", Quantity: 2}},
			Notes: agent.Notes{Summary: "Le client veut deux lampes."}},
			[]string{"on web", "looks like Chinese", "LAMP-01", "Summary of the earlier conversation:\nLe client veut deux lampes."},
			[]string{"LAMP-02", "The cart is empty"}, ""},
		{"persona", "en", agent.Snapshot{Conv: concierge.Conversation{Channel: "web"}},
			[]string{"describes your manner", "Warm and brief; use the customer's first name.", "take precedence"},
			nil, "  Warm and brief; use the customer's first name.\n"},
		{"no persona", "en", agent.Snapshot{Conv: concierge.Conversation{Channel: "web"}},
			[]string{"Rules you must follow"}, []string{"describes your manner"}, "  "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			turn := &agent.Turn{Shop: shop, Locale: tc.locale, Conv: &tc.snap.Conv}
			p := systemPrompt(turn, &tc.snap, tc.persona)
			for _, w := range tc.want {
				if !strings.Contains(p, w) {
					t.Errorf("prompt lacks %q:\n%s", w, p)
				}
			}
			for _, w := range tc.absent {
				if strings.Contains(p, w) {
					t.Errorf("prompt has %q:\n%s", w, p)
				}
			}
		})
	}
}

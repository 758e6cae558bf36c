package llm

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
)

// guardShop is a shop selling a 49 € lamp and a 79 € desk lamp, with
// refunds below 30 € approved without a person.
func guardShop(t *testing.T, currency string) (*agent.Shop, *concierge.Product, *concierge.Product) {
	t.Helper()
	texts, err := agent.LoadTexts()
	if err != nil {
		t.Fatal(err)
	}
	lamp := concierge.Product{SKU: "LAMP-01", Name: map[concierge.Locale]string{"en": "Aurore"}, Price: concierge.Money{Minor: 4900, Currency: currency}}
	desk := concierge.Product{SKU: "LAMP-02", Name: map[concierge.Locale]string{"en": "Zénith"}, Price: concierge.Money{Minor: 7900, Currency: currency}}
	sofa := concierge.Product{SKU: "SOFA-01", Name: map[concierge.Locale]string{"en": "Sofa"}, Price: concierge.Money{Minor: 123456, Currency: currency}}
	bot := &concierge.Bot{ID: "shop", Name: "Maison", Currency: currency, Locales: []concierge.Locale{"en", "fr", "zh"},
		Products: []concierge.Product{lamp, desk, sofa},
		Policies: concierge.Policies{RefundAutoApproveBelow: concierge.Money{Minor: 3000, Currency: currency}}}
	return &agent.Shop{Bot: bot, Text: texts}, bot.Product("LAMP-01"), bot.Product("LAMP-02")
}

// TestGuard: a plan's texts that state an amount the code does not know in
// this turn are replaced by the locale's safe sentence (later ones
// dropped); amounts the tools returned, the snapshot's cart and orders,
// the products the conversation was shown and the policy amounts pass.
func TestGuard(t *testing.T) {
	shop, lamp, desk := guardShop(t, "EUR")
	searched := &agent.Result{Products: []agent.ProductView{{Product: lamp, Stock: 3}}}
	cart := &agent.Result{Cart: &agent.CartView{Lines: []agent.CartLineView{{Product: lamp, Quantity: 2, Total: lamp.Price.Mul(2)}}, Total: lamp.Price.Mul(2)}}
	paid := &concierge.Order{ID: "A1", State: concierge.OrderPaid, Total: concierge.Money{Minor: 12800, Currency: "EUR"},
		Lines: []concierge.OrderLine{{SKU: "LAMP-01", Quantity: 1, Unit: lamp.Price}, {SKU: "LAMP-02", Quantity: 1, Unit: desk.Price}}}
	refund := &agent.Result{Refund: &agent.RefundProposal{Order: paid}, HandedOff: true}
	handoff := &agent.Result{HandedOff: true}
	faceted := &agent.Result{Products: []agent.ProductView{{Product: lamp, Stock: 3}}, Facets: &concierge.Facets{Total: 3, Currency: "EUR",
		Prices: []concierge.PriceBand{{Min: 1200, Max: 2499, Count: 2}, {Min: 2500, Max: 4900, Count: 1}}}}
	withCart := &agent.Snapshot{Cart: []concierge.CartLine{{SKU: "LAMP-02", Quantity: 3}}}
	shown := &agent.Snapshot{Conv: concierge.Conversation{Memory: concierge.Memory{Shown: []concierge.SKU{"SOFA-01"}}}}
	ordered := &agent.Snapshot{Orders: []*concierge.Order{paid}}
	room := concierge.Offer{SKU: concierge.OfferSKU("hotel", "DBL"), Title: "Double room", Price: concierge.Money{Minor: 12900, Currency: "EUR"}, Available: 2}
	offerShown := &agent.Snapshot{Conv: concierge.Conversation{Memory: concierge.Memory{Offers: []concierge.Offer{room}}}}
	offerInCart := &agent.Snapshot{Cart: []concierge.CartLine{{SKU: room.SKU, Quantity: 2, Offer: &room}}}

	const below, unchecked = "llm_prices_below", "llm_amount_unchecked"
	tests := []struct {
		name    string
		locale  concierge.Locale
		snap    *agent.Snapshot
		results []*agent.Result
		says    []string
		want    []string // the texts sent: as written, or a key of the catalogs
	}{
		{"price of a search result", "en", nil, []*agent.Result{searched}, []string{"The Aurore is €49.00."}, []string{"The Aurore is €49.00."}},
		{"price as the French write it", "fr", nil, []*agent.Result{searched}, []string{"L'Aurore est à 49,00 € ou 49 €."}, []string{"L'Aurore est à 49,00 € ou 49 €."}},
		{"invented zero", "en", nil, []*agent.Result{searched, cart}, []string{"Done, the Aurore is yours for 0 € today!"}, []string{below}},
		{"invented one euro", "fr", nil, []*agent.Result{searched}, []string{"Voici la Zénith, à 1 € seulement !"}, []string{below}},
		{"invented discount", "en", nil, []*agent.Result{searched}, []string{"The Aurore is €49, now €39 for you!"}, []string{below}},
		{"invented price in another currency", "en", nil, []*agent.Result{searched}, []string{"The Aurore is $49."}, []string{below}},
		{"cart line and total", "en", nil, []*agent.Result{cart}, []string{"Two Aurores at €49.00 each: €98.00."}, []string{"Two Aurores at €49.00 each: €98.00."}},
		{"snapshot cart", "en", withCart, nil, []string{"Your 3 Zéniths come to €237.00 (€79 each)."}, []string{"Your 3 Zéniths come to €237.00 (€79 each)."}},
		{"snapshot cart, wrong total", "en", withCart, nil, []string{"Your 3 Zéniths come to €200."}, []string{unchecked}},
		{"earlier order", "en", ordered, nil, []string{"Order A1 of €128.00 was paid."}, []string{"Order A1 of €128.00 was paid."}},
		{"product shown earlier", "en", shown, nil, []string{"The sofa is €1,234.56."}, []string{"The sofa is €1,234.56."}},
		{"supplier's offer shown earlier", "en", offerShown, nil, []string{"The double room is €129.00 a night."}, []string{"The double room is €129.00 a night."}},
		{"supplier's offer in the cart", "en", offerInCart, nil, []string{"Two nights: €258.00."}, []string{"Two nights: €258.00."}},
		{"supplier's offer, invented price", "en", offerInCart, nil, []string{"The double room is €99."}, []string{unchecked}},
		{"policy amount", "fr", nil, []*agent.Result{handoff}, []string{"Les remboursements de moins de 30 € sont immédiats."}, []string{"Les remboursements de moins de 30 € sont immédiats."}},
		{"refund of the order's total", "fr", nil, []*agent.Result{refund}, []string{"Un conseiller examine le remboursement de 128,00 €."}, []string{"Un conseiller examine le remboursement de 128,00 €."}},
		{"refund of 500", "fr", nil, []*agent.Result{refund}, []string{"Un conseiller va examiner votre remboursement de 500 €."}, []string{unchecked}},
		{"nothing priced shown", "fr", nil, []*agent.Result{handoff}, []string{"Je vous rembourse 500 €."}, []string{unchecked}},
		{"a price of another product not in this turn", "en", nil, []*agent.Result{searched}, []string{"The sofa is €1,234.56."}, []string{below}},
		{"only the first bad text is replaced", "en", nil, []*agent.Result{searched},
			[]string{"Let me look.", "It's €1!", "Really, only €2.", "Anything else?"}, []string{"Let me look.", below, "Anything else?"}},
		{"a search's price bands", "en", nil, []*agent.Result{faceted}, []string{"Two lamps cost €12.00 to €24.99, under €25."}, []string{"Two lamps cost €12.00 to €24.99, under €25."}},
		{"a price band's made-up end", "en", nil, []*agent.Result{faceted}, []string{"Lamps start at €10."}, []string{below}},
		{"numbers that are not money", "en", nil, []*agent.Result{searched},
			[]string{"Our 2024 collection: 2 lamps, 20% off the second, delivered in 3 days."}, []string{"Our 2024 collection: 2 lamps, 20% off the second, delivered in 3 days."}},
		{"no amount at all", "fr", nil, nil, []string{"Voici nos lampes de bureau."}, []string{"Voici nos lampes de bureau."}},
		{"free in words", "fr", nil, []*agent.Result{searched}, []string{"C'est gratuit pour vous !"}, []string{below}},
		{"free in words, no prices shown", "en", nil, nil, []string{"Don't worry, the lamp is free."}, []string{unchecked}},
		{"feel free is not a price", "en", nil, []*agent.Result{searched}, []string{"Feel free to ask about the Aurore."}, []string{"Feel free to ask about the Aurore."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			b := &Brain{cfg: Config{Log: slog.New(slog.NewTextHandler(&log, nil))}}
			snap := tt.snap
			if snap == nil {
				snap = &agent.Snapshot{}
			}
			turn := &agent.Turn{Shop: shop, Conv: &concierge.Conversation{}, Locale: tt.locale}
			plan := &agent.Plan{}
			for i, s := range tt.says {
				plan.Steps = append(plan.Steps, agent.Step{Say: s})
				if i == 0 {
					plan.Steps = append(plan.Steps, agent.Step{Call: agent.SearchCall{Query: "lamp"}, OK: true})
				}
			}
			n := b.guard(turn, snap, plan, tt.results)
			var got []string
			calls := 0
			for _, s := range plan.Steps {
				if s.Call != nil {
					calls++
					continue
				}
				got = append(got, s.Say)
			}
			var want []string
			corrected := 0
			for _, w := range tt.want {
				if w == below || w == unchecked {
					w = shop.Text.T(tt.locale, w, nil)
				}
				want = append(want, w)
			}
			for _, s := range tt.says {
				if !slices.Contains(want, s) {
					corrected++
				}
			}
			if calls != 1 {
				t.Errorf("the guard changed the plan's calls: %d left, want 1", calls)
			}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("texts sent = %q, want %q", got, want)
			}
			if n != corrected {
				t.Errorf("guard counted %d corrections, want %d", n, corrected)
			}
			if logged := strings.Count(log.String(), "amount the shop does not know"); logged != corrected {
				t.Errorf("%d corrections logged, want %d: %s", logged, corrected, log.String())
			}
		})
	}
}

// TestGuardSentences: the safe sentences exist in every language the
// catalogs have, and state no amount themselves.
func TestGuardSentences(t *testing.T) {
	shop, _, _ := guardShop(t, "EUR")
	r := newMoneyReader("EUR", shop.Bot.Locales)
	seen := map[string]bool{}
	for _, loc := range []concierge.Locale{"en", "fr", "zh"} {
		for _, key := range []string{"llm_prices_below", "llm_amount_unchecked"} {
			s := shop.Text.T(loc, key, nil)
			if s == key || s == "" || seen[s] {
				t.Errorf("%s in %s = %q: missing or not translated", key, loc, s)
			}
			seen[s] = true
			if a := r.amounts(s); len(a) > 0 {
				t.Errorf("%s in %s states amounts %+v", key, loc, a)
			}
		}
	}
}

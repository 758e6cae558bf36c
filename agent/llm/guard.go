package llm

import (
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
)

// The model proposes, the code disposes: tools decide what is charged,
// but the model's words reach the customer as written. A customer who
// wrote "the lamp is free" must not read "yours for 0 € today!" above a
// payment button for 49 €. So before a plan is handed over, every amount
// of money its texts state is checked against the amounts the code knows
// in this turn, and a text stating any other amount is not sent as
// written.

// knownAmounts returns the amounts, in minor units of the bot's currency,
// that the code knows in this turn: the prices of the products in the
// turn's tool results and of those the conversation was shown, the
// cart's and orders' totals and line totals (a refund proposal's amount
// is its order's total), and the shop's policy amounts.
func knownAmounts(t *agent.Turn, snap *agent.Snapshot, results []*agent.Result) map[int64]bool {
	bot := t.Shop.Bot
	known := map[int64]bool{}
	add := func(m concierge.Money) {
		if m.Currency == bot.Currency && m.Minor > 0 {
			known[m.Minor] = true
		}
	}
	price := func(p *concierge.Product) {
		if p != nil && p.Price.Currency == bot.Currency {
			known[p.Price.Minor] = true // a free product may say 0
		}
	}
	order := func(o *concierge.Order) {
		add(o.Total)
		for _, l := range o.Lines {
			add(l.Unit)
			add(l.Unit.Mul(l.Quantity))
		}
	}
	for _, r := range results {
		for _, p := range r.Products {
			price(p.Product)
		}
		if f := r.Facets; f != nil && (f.Currency == "" || f.Currency == bot.Currency) {
			for _, b := range f.Prices { // the price bands a search returned
				add(concierge.Money{Minor: b.Min, Currency: bot.Currency})
				add(concierge.Money{Minor: b.Max, Currency: bot.Currency})
				add(concierge.Money{Minor: b.Max + 1, Currency: bot.Currency}) // "under 25 €" for a band to 24,99 €
			}
		}
		if r.Cart != nil {
			add(r.Cart.Total)
			for _, l := range r.Cart.Lines {
				price(l.Product)
				add(l.Total)
			}
		}
		if r.Order != nil {
			order(r.Order)
		}
		for _, o := range r.Orders {
			order(o)
		}
		if r.Refund != nil && r.Refund.Order != nil {
			order(r.Refund.Order)
		}
	}
	if snap != nil {
		var total concierge.Money
		for _, o := range snap.Conv.Memory.Offers {
			add(o.Price) // the suppliers' offers the customer was shown
		}
		for _, l := range snap.Cart {
			p := bot.Product(l.SKU)
			if l.Offer != nil {
				p = l.Offer.Product(t.Locale) // at the price the cart holds
			}
			if p != nil {
				price(p)
				add(p.Price.Mul(l.Quantity))
				total.Minor, total.Currency = total.Minor+p.Price.Mul(l.Quantity).Minor, p.Price.Currency
			}
		}
		add(total)
		for _, o := range snap.Orders {
			order(o)
		}
		for _, sku := range snap.Conv.Memory.Shown {
			price(bot.Product(sku))
		}
		if snap.Conv.Memory.Focus != "" {
			price(bot.Product(snap.Conv.Memory.Focus))
		}
	}
	add(bot.Policies.RefundAutoApproveBelow)
	return known
}

// unknownAmounts returns what text states that is not among known: the
// amounts in another currency, and those none of whose readings is known.
func unknownAmounts(r *moneyReader, text string, known map[int64]bool) []string {
	var bad []string
	for _, a := range r.amounts(text) {
		ok := false
		for _, v := range a.Minor {
			ok = ok || known[v]
		}
		if a.Foreign || !ok {
			bad = append(bad, a.Text)
		}
	}
	return bad
}

// guard checks the texts of plan against the amounts the code knows and
// returns how many it corrected. The first text stating an unknown amount
// is replaced by the locale's safe sentence, which points at the prices
// the shop shows under it ("llm_prices_below") or, when the plan shows
// none, says that the bot cannot confirm the amount ("llm_amount_unchecked");
// later ones are dropped, since the sentence was already said.
func (b *Brain) guard(t *agent.Turn, snap *agent.Snapshot, plan *agent.Plan, results []*agent.Result) int {
	r := newMoneyReader(t.Shop.Bot.Currency, t.Shop.Bot.Locales)
	known := knownAmounts(t, snap, results)
	corrected := 0
	steps := plan.Steps[:0]
	for _, s := range plan.Steps {
		if s.Call != nil || s.Say == "" {
			steps = append(steps, s)
			continue
		}
		bad := unknownAmounts(r, s.Say, known)
		if len(bad) == 0 {
			steps = append(steps, s)
			continue
		}
		corrected++
		b.cfg.Log.Warn("llm: the model's text states an amount the shop does not know; not sent as written",
			"bot", t.Shop.Bot.ID, "conversation", t.Conv.ID, "amounts", strings.Join(bad, "; "))
		if corrected == 1 {
			key := "llm_amount_unchecked"
			if showsPrices(results) {
				key = "llm_prices_below"
			}
			steps = append(steps, agent.Step{Say: t.T(key, nil)})
		}
	}
	plan.Steps = steps
	return corrected
}

// showsPrices reports whether the customer sees prices or totals under
// the model's words: products, a cart, an order or the payment.
func showsPrices(results []*agent.Result) bool {
	for _, r := range results {
		if len(r.Products) > 0 || r.Cart != nil || r.Order != nil || len(r.Orders) > 0 {
			return true
		}
	}
	return false
}

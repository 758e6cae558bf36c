package convtest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/conciergehq/concierge"
)

// checkReplies evaluates a bot step's checks on the replies, each on its
// own.
func checkReplies(o *outcome, n int, b *BotCheck, replies []concierge.Message) {
	shownSKUs := shown(replies)
	if b.re != nil {
		var p *Problem
		if !slices.ContainsFunc(replies, func(m concierge.Message) bool {
			return b.re.MatchString(plainSpaces(m.Text)) || m.Fallback != "" && b.re.MatchString(plainSpaces(m.Fallback))
		}) {
			p = &Problem{Check: "text_matches", Expected: "a reply matching " + b.re.String(), Got: noneMatches(replies)}
		}
		o.check("text_matches", n, p)
	}
	if len(b.Buttons) > 0 {
		var labels []string
		for _, bt := range buttons(replies) {
			labels = append(labels, bt.Label)
		}
		var missing []string
		for _, want := range b.Buttons {
			if !slices.Contains(labels, want) {
				missing = append(missing, strconv.Quote(want))
			}
		}
		var p *Problem
		if len(missing) > 0 {
			p = &Problem{Check: "buttons", Expected: "buttons " + quoteAll(b.Buttons), Got: "buttons " + quoteAll(labels),
				Diff: []string{"missing: " + strings.Join(missing, ", ")}}
		}
		o.check("buttons", n, p)
	}
	if b.FirstProduct != "" {
		var p *Problem
		if len(shownSKUs) == 0 || shownSKUs[0] != b.FirstProduct {
			p = &Problem{Check: CheckFirstProduct, Expected: string(b.FirstProduct) + " first", Got: skuList(shownSKUs)}
		}
		o.check(CheckFirstProduct, n, p)
	}
	if b.Products != nil {
		var p *Problem
		if want := *b.Products; !slices.Equal(want, shownSKUs) {
			p = &Problem{Check: "products", Expected: skuList(want), Got: skuList(shownSKUs), Diff: listDiff(want, shownSKUs)}
		}
		o.check("products", n, p)
	}
	if len(b.NotProducts) > 0 {
		var bad []concierge.SKU
		for _, s := range b.NotProducts {
			if slices.Contains(shownSKUs, s) {
				bad = append(bad, s)
			}
		}
		var p *Problem
		if len(bad) > 0 {
			p = &Problem{Check: CheckNotProducts, Expected: "none of " + skuList(b.NotProducts), Got: skuList(shownSKUs),
				Diff: []string{"shown anyway: " + skuList(bad)}}
		}
		o.check(CheckNotProducts, n, p)
	}
}

// plainSpaces turns the non-breaking spaces that amounts are formatted
// with ("79,00 €" in French, "1 234,56 €") into plain ones, so that a
// pattern typed with plain spaces matches them.
func plainSpaces(s string) string { return nbsp.Replace(s) }

var nbsp = strings.NewReplacer("\u00a0", " ", "\u202f", " ")

// shown returns the SKUs of the products the replies show — their cards,
// then their comparisons — each once, in the order first shown.
func shown(replies []concierge.Message) []concierge.SKU {
	var out []concierge.SKU
	add := func(cards []concierge.Card) {
		for _, c := range cards {
			if !slices.Contains(out, c.SKU) {
				out = append(out, c.SKU)
			}
		}
	}
	for _, m := range replies {
		add(m.Cards)
		if m.Comparison != nil {
			add(m.Comparison.Products)
		}
	}
	return out
}

// button is a button of the replies, with the product whose card it is
// on ("" for a message's own buttons).
type button struct {
	concierge.Button
	sku concierge.SKU
}

// buttons returns the buttons of the replies in the order a customer sees
// them: each message's cards' buttons, then its own, then its pager's.
func buttons(replies []concierge.Message) []button {
	var out []button
	onCards := func(cards []concierge.Card) {
		for _, c := range cards {
			for _, b := range c.Buttons {
				out = append(out, button{b, c.SKU})
			}
		}
	}
	for _, m := range replies {
		onCards(m.Cards)
		if m.Comparison != nil {
			onCards(m.Comparison.Products)
		}
		for _, b := range m.Buttons {
			out = append(out, button{Button: b})
		}
		if pg := m.Pager; pg != nil {
			for _, b := range []*concierge.Button{pg.Prev, pg.Next} {
				if b != nil {
					out = append(out, button{Button: *b})
				}
			}
		}
	}
	return out
}

// findButton finds the button press names in the replies: the first
// with its label, on the card of its SKU when it names one (or, for a
// message's own buttons, whose value names the SKU).
func findButton(replies []concierge.Message, press *Press) (concierge.Button, *Problem) {
	all := buttons(replies)
	match := func(b button) bool {
		if b.Label != press.Label {
			return false
		}
		return press.SKU == "" || b.sku == press.SKU || b.sku == "" && valueNames(b.Value, press.SKU)
	}
	// A card's own button wins over a message's button that names the
	// same product.
	i := slices.IndexFunc(all, func(b button) bool { return match(b) && (press.SKU == "" || b.sku == press.SKU) })
	if i < 0 {
		i = slices.IndexFunc(all, match)
	}
	if i >= 0 && all[i].Value != "" {
		return all[i].Button, nil
	}
	want := fmt.Sprintf("a button %q", press.Label)
	if press.SKU != "" {
		want += " for " + string(press.SKU)
	}
	if i >= 0 {
		return concierge.Button{}, &Problem{Check: kindPress, Expected: want, Got: "it opens a page (" + all[i].URL + "); pay in the sandbox with a pay step"}
	}
	var offered []string
	for _, b := range all {
		s := strconv.Quote(b.Label)
		if b.sku != "" {
			s += " for " + string(b.sku)
		}
		offered = append(offered, s)
	}
	got := "no button"
	if len(offered) > 0 {
		got = "buttons " + strings.Join(offered, ", ")
	}
	return concierge.Button{}, &Problem{Check: kindPress, Expected: want, Got: got}
}

// valueNames reports whether a button's value names sku as one of its
// parts ("add:LAMP-02", "compare:LAMP-02,LAMP-07").
func valueNames(value string, sku concierge.SKU) bool {
	parts := strings.FieldsFunc(value, func(r rune) bool { return strings.ContainsRune(":,;|/= ", r) })
	return slices.Contains(parts, string(sku))
}

func checkOrder(want *OrderCheck, orders []*concierge.Order) *Problem {
	switch {
	case want.None && len(orders) == 0:
		return nil
	case want.None:
		return &Problem{Check: kindOrder, Expected: "no order", Got: fmt.Sprintf("order %s, %s", orders[0].ID, orders[0].State)}
	case len(orders) == 0:
		return &Problem{Check: kindOrder, Expected: string(want.State), Got: "no order"}
	case orders[0].State != want.State:
		return &Problem{Check: kindOrder, Expected: string(want.State), Got: fmt.Sprintf("%s (order %s)", orders[0].State, orders[0].ID)}
	}
	return nil
}

func checkHandoff(want bool, conv *concierge.Conversation) *Problem {
	state := concierge.StateBot
	if conv != nil {
		state = conv.State
	}
	withPeople := state == concierge.StateWaiting || state == concierge.StateHuman
	if withPeople == want {
		return nil
	}
	expected := "the conversation is with people (waiting or human)"
	if !want {
		expected = "the conversation is with the bot"
	}
	return &Problem{Check: kindHandoff, Expected: expected, Got: "state " + string(state)}
}

func checkLanguage(want string, conv *concierge.Conversation) *Problem {
	got := concierge.Locale("")
	if conv != nil {
		got = conv.Locale
	}
	if string(got) == want {
		return nil
	}
	if got == "" {
		got = "(none yet)"
	}
	return &Problem{Check: CheckLanguage, Expected: want, Got: string(got)}
}

// cartDiff says line by line how got differs from want.
func cartDiff(want, got map[concierge.SKU]int) []string {
	var out []string
	keys := sortedKeys(want)
	for _, k := range sortedKeys(got) {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		w, g := want[k], got[k]
		switch {
		case w == g:
		case g == 0:
			out = append(out, fmt.Sprintf("- %s ×%d missing", k, w))
		case w == 0:
			out = append(out, fmt.Sprintf("+ %s ×%d not expected", k, g))
		default:
			out = append(out, fmt.Sprintf("~ %s ×%d, expected ×%d", k, g, w))
		}
	}
	return out
}

// cartText writes a cart's lines in SKU order.
func cartText(lines map[concierge.SKU]int) string {
	if len(lines) == 0 {
		return "empty cart"
	}
	var parts []string
	for _, k := range sortedKeys(lines) {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, lines[k]))
	}
	return strings.Join(parts, ", ")
}

// listDiff says which SKUs are missing from got and which are extra,
// or that the order differs.
func listDiff(want, got []concierge.SKU) []string {
	var missing, extra []concierge.SKU
	for _, s := range want {
		if !slices.Contains(got, s) {
			missing = append(missing, s)
		}
	}
	for _, s := range got {
		if !slices.Contains(want, s) {
			extra = append(extra, s)
		}
	}
	var out []string
	if len(missing) > 0 {
		out = append(out, "missing: "+skuList(missing))
	}
	if len(extra) > 0 {
		out = append(out, "not expected: "+skuList(extra))
	}
	if len(out) == 0 {
		out = append(out, "the same products in another order")
	}
	return out
}

func skuList(skus []concierge.SKU) string {
	if len(skus) == 0 {
		return "no product"
	}
	s := make([]string, len(skus))
	for i, k := range skus {
		s[i] = string(k)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func noneMatches(replies []concierge.Message) string {
	if len(replies) == 0 {
		return "no reply"
	}
	return "no reply matches (the replies are below)"
}

func violationsText(vs []Violation) string {
	var parts []string
	for _, v := range vs {
		if v.Expected == 0 {
			parts = append(parts, fmt.Sprintf("%s ×%d not asked for", v.SKU, v.Got))
		} else {
			parts = append(parts, fmt.Sprintf("%s ×%d, asked for ×%d", v.SKU, v.Got, v.Expected))
		}
	}
	return strings.Join(parts, "; ")
}

// describe writes a step as one line, close to how it is written.
func describe(st *Step) string {
	switch st.Kind() {
	case kindUser:
		return "user: " + strconv.Quote(*st.User)
	case kindPress:
		s := "press: " + strconv.Quote(st.Press.Label)
		if st.Press.SKU != "" {
			s += " for " + string(st.Press.SKU)
		}
		return s
	case kindPay:
		return "pay: " + st.Pay
	case kindBot:
		return "bot: " + describeBot(st.Bot)
	case kindCart:
		want := map[concierge.SKU]int{}
		for _, l := range st.Cart.Lines {
			want[l.SKU] = l.Qty()
		}
		s := "cart: " + cartText(want)
		if st.Cart.Total != "" {
			s += ", total " + st.Cart.Total
		}
		return s
	case kindOrder:
		if st.Order.None {
			return "order: none"
		}
		return "order: " + string(st.Order.State)
	case kindHandoff:
		return "handoff: " + strconv.FormatBool(*st.Handoff)
	case kindLanguage:
		return "language: " + st.Language
	}
	return "(empty step)"
}

func describeBot(b *BotCheck) string {
	var parts []string
	if b.TextMatches != "" {
		parts = append(parts, "text_matches "+strconv.Quote(b.TextMatches))
	}
	if len(b.Buttons) > 0 {
		parts = append(parts, "buttons "+quoteAll(b.Buttons))
	}
	if b.FirstProduct != "" {
		parts = append(parts, "first_product "+string(b.FirstProduct))
	}
	if b.Products != nil {
		parts = append(parts, "products "+skuList(*b.Products))
	}
	if len(b.NotProducts) > 0 {
		parts = append(parts, "not_products "+skuList(b.NotProducts))
	}
	return strings.Join(parts, ", ")
}

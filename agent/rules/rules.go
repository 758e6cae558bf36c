// Package rules is the offline brain: deterministic intent and slot
// recognition in French, English and Chinese (agent/nlu), a dialogue policy
// that maps each intent to the agent's tools, and replies from the agent's
// message catalogs. It needs no network and no model, and it is the
// fallback of the LLM brain. Only cmd/concierge imports it.
package rules

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/nlu"
)

// Brain is the rules brain. It is stateless; what it remembers between
// turns lives in the conversation's Memory.
type Brain struct{}

var _ agent.Brain = Brain{}

// Respond handles one event.
func (b Brain) Respond(ctx context.Context, t *agent.Turn) error {
	ev := t.Event
	switch ev.Kind {
	case concierge.EventSubscribe:
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T(b.startText(t, "welcome"), map[string]any{"Shop": t.Shop.Bot.Name}), Buttons: t.StartButtons()})
		return nil
	case concierge.EventButton:
		if ev.Value != "" {
			return b.button(ctx, t, ev.Value)
		}
	case concierge.EventMedia, concierge.EventLocation:
		if strings.TrimSpace(ev.Text) == "" {
			t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("media_unsupported", nil), Buttons: t.BrowseButtons()})
			return nil
		}
	}
	in := t.Shop.Limits().Parse(ev.Text, t.Shop.Catalog, t.Locale)
	if mem := t.Conv.Memory; in.Continues && in.Name == nlu.Search && !in.Question &&
		len(mem.Intents) > 0 && mem.Intents[len(mem.Intents)-1] == string(nlu.AddToCart) {
		// "and a 150ml baby bottle" right after an add: another add,
		// which asks when the words find several products.
		in.Name = nlu.AddToCart
	}
	t.Understood(string(in.Name)) // for the hand-off packet
	// Chinese script is unambiguous; Latin gibberish says nothing about
	// the customer's language, nor does a word or two.
	if !t.DetectsLanguage() && (in.Lang == "zh" || in.Lang != "" && in.Name != nlu.OutOfScope && len([]rune(strings.TrimSpace(ev.Text))) >= 6) {
		t.SetLocale(in.Lang)
	}
	if in.Name != nlu.Human && b.keyword(t, ev.Text) && !b.shopping(t, in) {
		// One of the merchant's own hand-off words.
		if err := t.Tools.Handoff(ctx, concierge.HandoffKeyword); err != nil {
			return err
		}
		t.ShowHandoff()
		return nil
	}
	return b.intent(ctx, t, in)
}

// startText is the text id of a welcome or first greeting (id), or of
// its variant asking "a person or the assistant?" when the bot file
// offers that choice.
func (b Brain) startText(t *agent.Turn, id string) string {
	if t.OffersPersonAtStart() {
		return id + "_choose"
	}
	return id
}

// shopping reports whether a message that holds one of the hand-off
// words is about products whose names have that word: "add a 4 person
// tent" in a shop whose hand-off words include "person".
func (b Brain) shopping(t *agent.Turn, in nlu.Intent) bool {
	switch in.Name {
	case nlu.AddToCart, nlu.Search, nlu.Details, nlu.Compare, nlu.RemoveFromCart, nlu.ChangeQuantity:
	default:
		return false
	}
	for _, k := range t.Shop.Bot.Handoff.Keywords {
		if strings.Contains(strings.ToLower(t.Event.Text), strings.ToLower(k)) && t.Shop.Catalog.Meaningful(k) {
			return true
		}
	}
	return false
}

// keyword reports whether text holds one of the merchant's hand-off words
// as a word of its own (or anywhere, for Chinese).
func (b Brain) keyword(t *agent.Turn, text string) bool {
	low := strings.ToLower(text)
	words := strings.FieldsFunc(low, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r > 0x7f) })
	for _, k := range t.Shop.Bot.Handoff.Keywords {
		k = strings.ToLower(k)
		if k == "" {
			continue
		}
		if k[0] > 0x7f { // CJK: no word boundaries
			if strings.Contains(low, k) {
				return true
			}
			continue
		}
		for _, w := range words {
			if w == k {
				return true
			}
		}
	}
	return false
}

func (b Brain) intent(ctx context.Context, t *agent.Turn, in nlu.Intent) error {
	mem := &t.Conv.Memory
	if in.BadQuantity && countable[in.Name] {
		// "0", "-2", "½", "10000000 lamps": say what a quantity can be,
		// and change nothing.
		id := "quantity_invalid"
		if in.TooMany {
			id = "quantity_limit"
		}
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T(id, map[string]any{"Max": t.Shop.LineLimit()})})
		return nil
	}
	if in.Dropped != "" && (in.Name == nlu.AddToCart || in.Name == nlu.Search) {
		// "finalement sans le flexible" with the hose in the cart.
		if cv, err := t.Tools.Cart(ctx); err == nil && len(b.cartTargets(t, cv, nlu.Intent{Query: in.Dropped})) > 0 {
			in = nlu.Intent{Name: nlu.RemoveFromCart, Lang: in.Lang, Query: in.Dropped}
		}
	}
	// What was shown offers a choice: several products, or one with its
	// variants.
	choices := len(mem.Shown) > 1 || len(mem.Shown) == 1 && len(t.Shop.Catalog.Variants(mem.Shown[0])) > 1
	switch {
	case in.ByPrice && choices && in.Name == nlu.Search:
		// "the cheaper one", "便宜的那个": one of what was shown, as
		// "the second one" would point at it (or one of its variants).
		// Said alone ("the cheapest one please"), it is a choice and
		// goes in the cart; "show me the cheaper one" shows it.
		among := ofSearchedKind(t, mem)
		if tied := b.tiedByPrice(t, among, in.Sort); tied != nil && in.Picked {
			// Two at the same price: which one is the customer's to say.
			pvs, err := t.Tools.Offer(ctx, tied)
			if err != nil {
				return err
			}
			t.ShowProducts(t.T("which_one", nil), pvs)
			if mem.Pending != concierge.QuestionWhichProduct || in.Quantity > 0 {
				// A wish still pending ("2 desk lamps") keeps its count.
				mem.PendingQuantity, mem.PendingText, mem.PendingNot = max(in.Quantity, 1), "", ""
			}
			mem.Pending = concierge.QuestionWhichProduct
			return nil
		}
		sku, _ := b.byPrice(t, among, in.Sort)
		in.Name, in.Sort, in.Quantity = nlu.Details, catalog.Relevance, 0
		if in.Picked {
			in.Name = nlu.AddToCart
		}
		if k := slices.Index(mem.Shown, sku); k >= 0 {
			in.Ordinals = []int{k + 1}
		} else {
			in.Products = []concierge.SKU{sku}
		}
	case in.ByPrice && !choices:
		// "I'll take the cheaper one" with one product in sight: cheaper
		// than something not shown; the list of its kind, sorted, is
		// the answer.
		in.Name = nlu.Search
		if p := t.Shop.Bot.Product(mem.Focus); p != nil && in.Category == "" {
			in.Category = p.Category
		}
	}
	understood := true
	defer func() {
		if understood {
			mem.FailedTurns = 0
		}
	}()
	if done, err := b.correct(ctx, t, in); done || err != nil {
		// "white not gold" with the gold in the cart: a change of mind
		// about that line, before the words are read as a choice.
		return err
	}
	if mem.Pending == concierge.QuestionWhichVariant || mem.Pending == "" && b.lookingAtGroup(t, in) {
		qty := mem.PendingQuantity
		mem.Pending, mem.PendingQuantity = "", 0
		if ok, err := b.answerVariant(ctx, t, in, qty); ok || err != nil {
			return err
		}
	}
	if mem.Pending == concierge.QuestionWhichProduct {
		qty, wish, not := mem.PendingQuantity, mem.PendingText, mem.PendingNot
		mem.Pending, mem.PendingQuantity, mem.PendingText, mem.PendingNot = "", 0, "", ""
		if ok, err := b.answerChoice(ctx, t, in, qty, wish, not); ok || err != nil {
			return err
		}
	}
	if mem.Pending == "" && !in.Question && (in.Name == nlu.Search || in.Name == nlu.AddToCart) && len(in.Products) == 0 && len(in.Items) == 0 && len(mem.Shown) > 1 {
		// "90厘米的" after a list where one product shown comes in 60,
		// 90 and 120 cm: only values of that one's variants pick it, as
		// they would answer "which one?".
		if vs := valuesOfOneShown(t.Shop.Catalog, mem.Shown, t.Event.Text, in.Query); len(vs) == 1 {
			return b.add(ctx, t, vs[0], max(in.Quantity, 1))
		}
		if s := t.Shop.Catalog.MeasuredOne(t.Event.Text, mem.Shown); s != "" && t.Shop.Catalog.GroupOf(s) == "" {
			// "the 80 cm one" after the 60 and 80 cm targets: a pick.
			return b.add(ctx, t, s, max(in.Quantity, 1))
		}
		if s := t.Shop.Catalog.DescribedOne(t.Event.Text, mem.Shown); s != "" && t.Shop.Catalog.GroupOf(s) == "" && in.NotQuery == "" {
			// "the black one" after the stainless and the black handles.
			return b.add(ctx, t, s, max(in.Quantity, 1))
		}
	}
	// A pending question takes a yes or no first.
	if mem.Pending == concierge.QuestionConsent {
		switch in.Name {
		case nlu.ConsentYes:
			t.Tools.Consent(true)
			return b.checkout(ctx, t)
		case nlu.ConsentNo:
			t.Tools.Consent(false)
			t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("consent_refused", nil), Buttons: []concierge.Button{{Label: t.T("btn_cart", nil), Value: agent.ValueCart}}})
			return nil
		}
		mem.Pending = ""
	}
	switch in.Name {
	case nlu.Greet:
		if len(mem.Intents) <= 1 { // the first thing the customer said
			t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T(b.startText(t, "greet"), map[string]any{"Shop": t.Shop.Bot.Name}), Buttons: t.StartButtons()})
			break
		}
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("greet", map[string]any{"Shop": t.Shop.Bot.Name}), Buttons: t.BrowseButtons()})
	case nlu.Thanks:
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("thanks", nil)})
	case nlu.Help:
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("help", nil), Buttons: b.helpButtons(t)})
	case nlu.Search:
		if m := t.Conv.Memory; in.WantWord && in.Sort != catalog.Relevance && in.Query == "" && in.Category == "" &&
			in.PriceMax == 0 && in.PriceMin == 0 && len(m.Shown) >= 2 && len(m.Shown) <= 3 && m.LastQuery == "" && m.LastCategory == "" {
			// "要便宜的" after two products were compared: the cheaper of
			// them, not every product sorted by price.
			if b.tiedByPrice(t, m.Shown, in.Sort) == nil {
				sku, _ := b.byPrice(t, m.Shown, in.Sort)
				return b.addChosen(ctx, t, sku, in.NotQuery, max(in.Quantity, 1), "")
			}
		}
		return b.search(ctx, t, in)
	case nlu.Details:
		skus := b.refs(t, in)
		if len(skus) == 0 {
			return b.search(ctx, t, in)
		}
		pv, err := t.Tools.Show(ctx, skus[0])
		if err != nil {
			return b.toolError(t, err)
		}
		t.ShowDetails(pv)
	case nlu.Compare:
		skus := b.refs(t, in)
		if len(skus) < 2 && len(mem.Shown) >= 2 && len(in.Products) == 0 {
			skus = mem.Shown[:2]
		}
		if len(skus) < 2 {
			t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("compare_which", nil)})
			return nil
		}
		if len(skus) > 4 {
			skus = skus[:4]
		}
		pvs, err := t.Tools.Compare(ctx, skus)
		if err != nil {
			return b.toolError(t, err)
		}
		t.ShowComparison(pvs)
	case nlu.AddToCart:
		return b.addItems(ctx, t, in)
	case nlu.RemoveFromCart:
		cv, err := t.Tools.Cart(ctx)
		if err != nil {
			return err
		}
		targets := b.cartTargets(t, cv, in)
		if in.All && len(cv.Lines) == 0 {
			t.ShowCart(t.T("cart_intro", nil), cv) // nothing to empty: say so
			return nil
		}
		if len(targets) == 0 || in.Delta < 0 && len(targets) > 1 {
			t.ShowCart(t.T("remove_which", nil), cv)
			return nil
		}
		for _, sku := range targets {
			q := 0
			if in.Delta < 0 {
				// "enlève-en un": one fewer, not the whole line.
				q = max(quantityOf(cv, sku)+in.Delta, 0)
			}
			if cv, err = t.Tools.SetQuantity(ctx, sku, q); err != nil {
				return b.toolError(t, err)
			}
		}
		t.ShowCart(t.T("removed", nil), cv)
	case nlu.ChangeQuantity:
		cv, err := t.Tools.Cart(ctx)
		if err != nil {
			return err
		}
		targets := b.cartTargets(t, cv, in)
		if len(targets) == 0 && len(cv.Lines) > 0 {
			targets = []concierge.SKU{cv.Lines[len(cv.Lines)-1].Product.SKU}
			for _, l := range cv.Lines {
				if l.Product.SKU == mem.Focus {
					targets = []concierge.SKU{mem.Focus}
				}
			}
		}
		if len(targets) == 0 || in.Quantity <= 0 {
			t.ShowCart(t.T("quantity_which", nil), cv)
			return nil
		}
		cv, err = t.Tools.SetQuantity(ctx, targets[0], in.Quantity)
		if err != nil {
			return b.toolError(t, err)
		}
		t.ShowCart(t.T("quantity_changed", nil), cv)
	case nlu.ViewCart:
		cv, err := t.Tools.Cart(ctx)
		if err != nil {
			return err
		}
		t.ShowCart(t.T("cart_intro", nil), cv)
	case nlu.Checkout:
		return b.checkout(ctx, t)
	case nlu.ConsentYes, nlu.ConsentNo:
		// A yes or no with no question pending: treat as acknowledgement.
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("ok_what_next", nil), Buttons: b.helpButtons(t)})
	case nlu.OrderStatus:
		return b.orderStatus(ctx, t, concierge.OrderID(in.Order))
	case nlu.CancelOrder:
		o, err := t.Tools.CancelOrder(ctx, concierge.OrderID(in.Order))
		if err != nil {
			if errors.Is(err, concierge.ErrBadTransition) && o != nil {
				t.ShowOrder(t.T("cancel_not_pending", map[string]any{"ID": o.ID}), o,
					concierge.Button{Label: t.T("btn_human", nil), Value: agent.ValueHuman})
				return nil
			}
			return b.toolError(t, err)
		}
		t.ShowOrder(t.T("cancelled", map[string]any{"ID": o.ID}), o)
	case nlu.RefundRequest:
		p, err := t.Tools.RequestRefund(ctx, concierge.OrderID(in.Order), t.Event.Text)
		if err != nil && concierge.ErrorCode(err) == concierge.CodeConflict && p != nil {
			t.ShowOrder(t.T("refund_not_paid", map[string]any{"ID": p.Order.ID}), p.Order)
			return nil
		}
		if err != nil {
			return err
		}
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("refund_review", nil)})
		t.ShowHandoff()
	case nlu.Dispute:
		// People decide (invariant 5); the tool leaves them the evidence
		// and a proposal computed from the order and its payments.
		if _, err := t.Tools.OpenDispute(ctx, concierge.OrderID(in.Order), t.Event.Text); err != nil {
			return b.toolError(t, err)
		}
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("dispute_review", nil)})
		t.ShowHandoff()
	case nlu.Human:
		if err := t.Tools.Handoff(ctx, concierge.HandoffAsked); err != nil {
			return err
		}
		t.ShowHandoff()
	default:
		understood = false
		return b.fallback(ctx, t, in)
	}
	return nil
}

// fallback answers what was not understood: first with suggestions, and
// after the bot file's number of failed turns, with a person.
func (b Brain) fallback(ctx context.Context, t *agent.Turn, in nlu.Intent) error {
	mem := &t.Conv.Memory
	mem.FailedTurns++
	limit := t.Shop.Bot.Handoff.AfterFailedTurns
	if limit > 0 && mem.FailedTurns >= limit {
		if err := t.Tools.Handoff(ctx, concierge.HandoffFailed); err != nil {
			return err
		}
		t.ShowHandoff()
		return nil
	}
	// A last try: maybe the words name products even without a verb.
	if strings.TrimSpace(in.Query) != "" {
		pvs, err := t.Tools.Search(ctx, agent.SearchArgs{Query: in.Query, Limit: 3})
		if err == nil && len(pvs) > 0 {
			mem.FailedTurns = 0
			t.ShowProducts(t.T("search_maybe", nil), pvs)
			return nil
		}
	}
	t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("not_understood", nil), Buttons: b.helpButtons(t)})
	return nil
}

func (b Brain) helpButtons(t *agent.Turn) []concierge.Button {
	bs := t.BrowseButtons()
	return append(bs,
		concierge.Button{Label: t.T("btn_cart", nil), Value: agent.ValueCart},
		concierge.Button{Label: t.T("btn_orders", nil), Value: agent.ValueOrders},
		concierge.Button{Label: t.T("btn_human", nil), Value: agent.ValueHuman})
}

func (b Brain) search(ctx context.Context, t *agent.Turn, in nlu.Intent) error {
	args := agent.SearchArgs{Query: in.Query, Category: in.Category, PriceMax: in.PriceMax, PriceMin: in.PriceMin, Sort: in.Sort, Limit: agent.MaxResults, Exclude: in.NotQuery, Measures: in.Measures}
	mem := &t.Conv.Memory
	refine := in.Sort != catalog.Relevance || in.PriceMax > 0 || in.PriceMin > 0 || len(in.Measures) > 0
	if refine && in.Category == "" && (mem.LastQuery != "" || mem.LastCategory != "") &&
		!b.meaningful(t, in.Query) {
		// "something cheaper?", "under 50?": the same search, narrowed.
		args.Query, args.Category = mem.LastQuery, mem.LastCategory
	}
	if args.Query != "" || args.Category != "" {
		mem.LastQuery, mem.LastCategory = args.Query, args.Category
	}
	if args.Category != "" && b.meaningful(t, args.Query) {
		// A category guessed from the words narrows "lampe de bureau" to
		// the desk lamps, but must not hide the one product the words
		// find by themselves ("hydration vest" is not in the bottles).
		hits := t.Shop.Catalog.Search(catalog.Query{Text: args.Query, Exclude: args.Exclude, PriceMax: args.PriceMax, PriceMin: args.PriceMin, Limit: 2})
		if len(hits) == 1 && t.Shop.Bot.Product(hits[0].SKU) != nil && t.Shop.Bot.Product(hits[0].SKU).Category != args.Category {
			args.Category = ""
		}
	}
	pvs, err := b.searchExcluding(ctx, t, args, in.Excluded)
	if err != nil {
		return err
	}
	if len(pvs) == 0 && args.PriceMax > 0 {
		// Nothing under that price: say so and show the closest.
		args.PriceMax, args.Sort = 0, catalog.PriceAsc
		if pvs, err = t.Tools.Search(ctx, args); err != nil {
			return err
		}
		if len(pvs) > 0 {
			t.ShowProducts(t.T("search_none_under", map[string]any{"Price": t.Shop.Text.Money(t.Locale, concierge.Money{Minor: in.PriceMax, Currency: t.Shop.Bot.Currency})}), pvs)
			return nil
		}
	}
	if len(pvs) == 0 && len(args.Measures) > 0 {
		// Nothing of that size: say so and show what the words find.
		args.Measures = nil
		if pvs, err = b.searchExcluding(ctx, t, args, in.Excluded); err != nil {
			return err
		}
		if len(pvs) > 0 {
			mem.Shown = skusOf(pvs)
			t.ShowProducts(t.T("search_none_measure", map[string]any{"Bound": boundText(t, in.Measures)}), pvs)
			return nil
		}
	}
	if len(pvs) == 0 && args.Category != "" && args.Query != "" {
		args.Query = ""
		if pvs, err = t.Tools.Search(ctx, args); err != nil {
			return err
		}
	}
	if len(pvs) == 0 {
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("search_none", nil), Buttons: t.BrowseButtons()})
		return nil
	}
	if len(pvs) == 1 && in.Wanted && len(pvs[0].Variants) > 1 {
		// "我要越野跑鞋": to have it, the customer must choose a variant.
		return b.askVariant(ctx, t, t.Event.Text, in.NotQuery, t.Shop.Catalog.Variants(pvs[0].SKU), max(in.Quantity, 1))
	}
	if len(pvs) == 1 {
		t.ShowDetails(pvs[0])
		return nil
	}
	if s := b.namedWhole(t, in, pvs); s >= 0 {
		// "montrez-moi la tondeuse CL-200": the name said whole goes to
		// that product's card, not to a list with its blades.
		pv, err := t.Tools.Show(ctx, pvs[s].SKU) // in focus: "je la prends" is it
		if err != nil {
			return b.toolError(t, err)
		}
		t.ShowDetails(pv)
		return nil
	}
	if in.Sort == catalog.Relevance {
		// "between the 9.5 mm and the 9.8 mm rope": shown as named, so
		// that "the second one" is the one named second.
		pvs = inOrder(pvs, t.Shop.Catalog.InNamedOrder(t.Event.Text, skusOf(pvs)))
	}
	if in.Size != 0 {
		// "the small monstera": of one name in several sizes, that one first.
		skus := make([]concierge.SKU, len(pvs))
		for i := range pvs {
			skus[i] = pvs[i].SKU
		}
		if s := t.Shop.Catalog.BySize(skus, in.Size > 0); s != "" {
			k := slices.Index(skus, s)
			pvs = append(append([]agent.ProductView{pvs[k]}, pvs[:k]...), pvs[k+1:]...)
		}
	}
	// "the second one" counts in the order shown.
	mem.Shown = skusOf(pvs)
	t.ShowProducts(t.T("search_results", map[string]any{"count": len(pvs), "N": len(pvs)}), pvs)
	if in.Wanted {
		// "je voudrais un casque": the customer asked to have one of
		// these. The list is the question, and the next message may
		// pick one ("le noir en taille L") for the count first asked.
		mem.Pending, mem.PendingQuantity, mem.PendingText, mem.PendingNot = concierge.QuestionWhichProduct, max(in.Quantity, 1), t.Event.Text, in.NotQuery
	}
	return nil
}

// meaningful reports whether a query's words match anything in the
// catalog by themselves (a score of zero means only filters selected).
func (b Brain) meaningful(t *agent.Turn, query string) bool {
	if query == "" {
		return false
	}
	hits := t.Shop.Catalog.Search(catalog.Query{Text: query, Limit: 1})
	return len(hits) > 0 && hits[0].Score > 0
}

// refs resolves the products an intent points at: named ones first, then
// ordinals or "it/them" over what was shown last.
func (b Brain) refs(t *agent.Turn, in nlu.Intent) []concierge.SKU {
	if len(in.Products) > 0 {
		return in.Products
	}
	shown := t.Conv.Memory.Shown
	if out := b.ordinals(t, in); len(out) > 0 {
		return out
	}
	if in.RefShown {
		if in.Name == nlu.Compare {
			return shown
		}
		if t.Conv.Memory.Focus != "" {
			return []concierge.SKU{t.Conv.Memory.Focus}
		}
		if len(shown) == 1 {
			return shown
		}
	}
	return nil
}

// countable are the intents a stated quantity belongs to.
var countable = map[nlu.IntentName]bool{
	nlu.AddToCart: true, nlu.ChangeQuantity: true, nlu.RemoveFromCart: true, nlu.Details: true,
	nlu.Search: true, nlu.OutOfScope: true, nlu.Compare: true,
}

// quantityOf returns how many of sku the cart holds.
func quantityOf(cv agent.CartView, sku concierge.SKU) int {
	for _, l := range cv.Lines {
		if l.Product.SKU == sku {
			return l.Quantity
		}
	}
	return 0
}

// searchExcluding searches and drops the products the customer ruled out
// by name ("the desk lamp, not the Zenith").
func (b Brain) searchExcluding(ctx context.Context, t *agent.Turn, args agent.SearchArgs, excluded []concierge.SKU) ([]agent.ProductView, error) {
	pvs, err := t.Tools.Search(ctx, args)
	if err != nil || len(excluded) == 0 {
		return pvs, err
	}
	out := pvs[:0]
	for _, pv := range pvs {
		if !slices.Contains(excluded, pv.SKU) {
			out = append(out, pv)
		}
	}
	return out, nil
}

// cartTargets resolves which cart lines an intent is about: named
// products, a category, or ordinals over the cart.
func (b Brain) cartTargets(t *agent.Turn, cv agent.CartView, in nlu.Intent) []concierge.SKU {
	inCart := func(s concierge.SKU) bool {
		for _, l := range cv.Lines {
			if l.Product.SKU == s {
				return true
			}
		}
		return false
	}
	var out []concierge.SKU
	if in.All {
		for _, l := range cv.Lines {
			out = append(out, l.Product.SKU)
		}
		return out
	}
	for _, s := range in.Products {
		if inCart(s) {
			out = append(out, s)
		}
	}
	described := false // the words find products, in the cart or not
	if len(out) == 0 && in.Query != "" {
		// "remove the laces": the cart's lines the words describe.
		// Only lines the words fit as well as anything: "把羽毛台灯删掉"
		// (the Plume lamp) is not the Zenith lamp, though both are lamps.
		hits := t.Shop.Catalog.Search(catalog.Query{Text: in.Query, Exclude: in.NotQuery})
		for _, h := range hits {
			described = described || h.Score > 0
			if inCart(h.SKU) && h.Score > 0 && h.Score >= hits[0].Score {
				out = append(out, h.SKU)
			}
		}
		if len(out) > 1 {
			if s := t.Shop.Catalog.Closest(in.Query, out); s != "" {
				out = []concierge.SKU{s}
			}
		}
	}
	if len(out) == 0 && (described || len(in.Products) > 0) {
		// "把逗猫棒删掉" with only the mouse in the cart: the words name
		// something that is not there, and the line that is stays.
		return nil
	}
	if len(out) == 0 && in.Category != "" {
		for _, l := range cv.Lines {
			if l.Product.Category == in.Category {
				out = append(out, l.Product.SKU)
			}
		}
	}
	if len(out) == 0 && len(in.Ordinals) > 0 {
		for _, o := range in.Ordinals {
			if o < 0 {
				o += len(cv.Lines) + 1
			}
			if o >= 1 && o <= len(cv.Lines) {
				out = append(out, cv.Lines[o-1].Product.SKU)
			}
		}
	}
	if len(out) == 0 && len(cv.Lines) == 1 && (in.RefShown || in.Name == nlu.ChangeQuantity || in.Delta != 0) {
		out = append(out, cv.Lines[0].Product.SKU)
	}
	if len(out) == 0 && (in.RefShown || in.Delta != 0) && inCart(t.Conv.Memory.Focus) {
		out = append(out, t.Conv.Memory.Focus)
	}
	return out
}

func (b Brain) add(ctx context.Context, t *agent.Turn, sku concierge.SKU, qty int) error {
	if qty <= 0 {
		qty = 1
	}
	cv, err := t.Tools.AddToCart(ctx, sku, qty)
	if err != nil {
		return b.toolError(t, err)
	}
	p := t.Product(ctx, sku) // a catalog product or a supplier's offer
	t.ShowCart(t.T("added", map[string]any{"count": qty, "N": qty, "Name": t.ProductTitle(p)}), cv)
	return nil
}

func (b Brain) checkout(ctx context.Context, t *agent.Turn) error {
	o, pr, err := t.Tools.Checkout(ctx)
	var changed *agent.OfferCheckError
	switch {
	case errors.Is(err, agent.ErrConsentNeeded):
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("consent_ask", map[string]any{"Shop": t.Shop.Bot.Name, "Days": t.Shop.Bot.Policies.RetentionDays}),
			Buttons: []concierge.Button{{Label: t.T("btn_agree", nil), Value: agent.ValueYes}, {Label: t.T("btn_disagree", nil), Value: agent.ValueNo}}})
		return nil
	case errors.Is(err, concierge.ErrEmptyCart):
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("cart_empty", nil), Buttons: t.BrowseButtons()})
		return nil
	case errors.Is(err, concierge.ErrOutOfStock):
		cv, cerr := t.Tools.Cart(ctx)
		if cerr != nil {
			return cerr
		}
		t.ShowCart(t.T("checkout_out_of_stock", nil), cv)
		return nil
	case errors.As(err, &changed):
		// A supplier changed a price or no longer has an offer: told
		// before any payment, with the cart as it is now.
		return t.ShowOfferChanges(ctx, changed)
	case err != nil:
		return b.toolError(t, err)
	}
	t.ShowPayment(o, pr)
	return nil
}

func (b Brain) orderStatus(ctx context.Context, t *agent.Turn, ref concierge.OrderID) error {
	os, err := t.Tools.Orders(ctx, ref)
	if err != nil {
		if concierge.ErrorCode(err) == concierge.CodeNotFound {
			t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("order_unknown", map[string]any{"ID": ref})})
			return nil
		}
		return err
	}
	if len(os) == 0 {
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("no_orders", nil), Buttons: t.BrowseButtons()})
		return nil
	}
	o := os[0]
	var bs []concierge.Button
	if o.State == concierge.OrderPending {
		bs = append(bs, concierge.Button{Label: t.T("btn_cancel_order", nil), Value: agent.ValueCancel + string(o.ID)})
	}
	t.ShowOrder(t.T("order_status_intro", nil), o, bs...)
	return nil
}

// button handles a button press: its value names the action exactly, so no
// language understanding is needed.
func (b Brain) button(ctx context.Context, t *agent.Turn, v string) error {
	t.Conv.Memory.FailedTurns = 0
	if sku, said, ok := agent.ParseVariantButton(v); ok {
		return b.variantButton(ctx, t, sku, said)
	}
	if t.Conv.Memory.Pending == concierge.QuestionWhichProduct || t.Conv.Memory.Pending == concierge.QuestionWhichVariant {
		t.Conv.Memory.Pending, t.Conv.Memory.PendingQuantity = "", 0 // a press answers it
	}
	arg := func(prefix string) (string, bool) {
		if strings.HasPrefix(v, prefix) {
			return strings.TrimPrefix(v, prefix), true
		}
		return "", false
	}
	if s, ok := arg(agent.ValueShow); ok {
		pv, err := t.Tools.Show(ctx, concierge.SKU(s))
		if err != nil {
			return b.toolError(t, err)
		}
		t.ShowDetails(pv)
		return nil
	}
	if s, ok := arg(agent.ValueAdd); ok {
		return b.add(ctx, t, concierge.SKU(s), 1)
	}
	if s, ok := arg(agent.ValueBuy); ok {
		if _, err := t.Tools.AddToCart(ctx, concierge.SKU(s), 1); err != nil {
			return b.toolError(t, err)
		}
		return b.checkout(ctx, t)
	}
	if s, ok := arg(agent.ValueCompare); ok {
		var skus []concierge.SKU
		for _, x := range strings.Split(s, ",") {
			skus = append(skus, concierge.SKU(x))
		}
		pvs, err := t.Tools.Compare(ctx, skus)
		if err != nil {
			return b.toolError(t, err)
		}
		t.ShowComparison(pvs)
		return nil
	}
	for _, step := range []struct {
		prefix string
		delta  int
	}{{agent.ValueInc, 1}, {agent.ValueDec, -1}, {agent.ValueRemove, -1000}} {
		s, ok := arg(step.prefix)
		if !ok {
			continue
		}
		cv, err := t.Tools.Cart(ctx)
		if err != nil {
			return err
		}
		q := 0
		for _, l := range cv.Lines {
			if string(l.Product.SKU) == s {
				q = l.Quantity
			}
		}
		q = max(q+step.delta, 0)
		if cv, err = t.Tools.SetQuantity(ctx, concierge.SKU(s), q); err != nil {
			return b.toolError(t, err)
		}
		t.ShowCart(t.T("quantity_changed", nil), cv)
		return nil
	}
	if c, ok := arg(agent.ValueBrowse); ok {
		return b.search(ctx, t, nlu.Intent{Name: nlu.Search, Category: c})
	}
	if id, ok := arg(agent.ValueCancel); ok {
		return b.intent(ctx, t, nlu.Intent{Name: nlu.CancelOrder, Order: id})
	}
	switch v {
	case agent.ValueBrowse, agent.ValueAssistant:
		// "Shop with the assistant" chosen at the start: go on with the bot.
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("browse", nil), Buttons: t.BrowseButtons()})
		return nil
	case agent.ValueCart:
		return b.intent(ctx, t, nlu.Intent{Name: nlu.ViewCart})
	case agent.ValueCheckout:
		return b.checkout(ctx, t)
	case agent.ValueYes:
		// Also an old "I agree" pressed again: checkout says what the
		// cart allows (an empty cart, or the payment button).
		t.Tools.Consent(true)
		return b.checkout(ctx, t)
	case agent.ValueNo:
		t.Conv.Memory.Pending = concierge.QuestionConsent
		return b.intent(ctx, t, nlu.Intent{Name: nlu.ConsentNo})
	case agent.ValueHuman:
		return b.intent(ctx, t, nlu.Intent{Name: nlu.Human})
	case agent.ValueOrders:
		return b.orderStatus(ctx, t, "")
	}
	// An unknown value (an old button, a forged press): read its label.
	return b.intent(ctx, t, t.Shop.Limits().Parse(t.Event.Text, t.Shop.Catalog, t.Locale))
}

// toolError turns a tool's refusal into a reply; anything unexpected fails
// the turn.
func (b Brain) toolError(t *agent.Turn, err error) error {
	var e *concierge.Error
	if !errors.As(err, &e) || e.Code == concierge.CodeInternal || e.Code == concierge.CodeUnavailable {
		return err
	}
	var short *agent.ShortError
	switch {
	case errors.As(err, &short):
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("out_of_stock", map[string]any{"count": short.Available, "N": short.Available})})
	case errors.Is(err, concierge.ErrOutOfStock):
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("out_of_stock", map[string]any{"count": 0, "N": 0})})
	case e.Code == concierge.CodeNotFound && e.Op == "order":
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("no_orders", nil), Buttons: []concierge.Button{{Label: t.T("btn_orders", nil), Value: agent.ValueOrders}}})
	case e.Code == concierge.CodeNotFound:
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("not_found", nil), Buttons: t.BrowseButtons()})
	case e.Code == concierge.CodeInvalid && strings.Contains(e.Message, "quantity"):
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("quantity_limit", map[string]any{"Max": strconv.Itoa(t.Shop.LineLimit())})})
	default:
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("cannot_do", nil)})
	}
	return nil
}

// skusOf returns the SKUs of pvs, in order.
func skusOf(pvs []agent.ProductView) []concierge.SKU {
	skus := make([]concierge.SKU, len(pvs))
	for i := range pvs {
		skus[i] = pvs[i].SKU
	}
	return skus
}

// inOrder returns pvs in the order of skus, which holds the same SKUs.
func inOrder(pvs []agent.ProductView, skus []concierge.SKU) []agent.ProductView {
	out := make([]agent.ProductView, 0, len(pvs))
	for _, sku := range skus {
		if k := slices.IndexFunc(pvs, func(pv agent.ProductView) bool { return pv.SKU == sku }); k >= 0 {
			out = append(out, pvs[k])
		}
	}
	return out
}

// namedWhole returns the index in pvs of the one product whose whole name
// the search's words say, when the words choose it (Closest) and it came
// first; -1 otherwise.
func (b Brain) namedWhole(t *agent.Turn, in nlu.Intent, pvs []agent.ProductView) int {
	if in.Query == "" || in.Sort != catalog.Relevance || in.PriceMax > 0 || in.PriceMin > 0 || len(in.Excluded) > 0 || in.NotQuery != "" {
		return -1
	}
	ix := t.Shop.Catalog
	s := ix.Closest(in.Query, skusOf(pvs))
	if s == "" || s != pvs[0].SKU || ix.Spells(in.Query, s) < 1 || len(pvs[0].Variants) > 1 {
		return -1
	}
	return 0
}

// boundText says the measures asked for in the turn's language: "of 450
// lm or more", "entre 30 et 50 l".
func boundText(t *agent.Turn, ms []concierge.Range) string {
	parts := make([]string, 0, len(ms))
	for _, r := range ms {
		id := "bound_between"
		switch {
		case r.Min == "" && r.Strict:
			id = "bound_below"
		case r.Min == "":
			id = "bound_max"
		case r.Max == "" && r.Strict:
			id = "bound_above"
		case r.Max == "":
			id = "bound_min"
		}
		parts = append(parts, t.T(id, map[string]any{"Min": r.Min, "Max": r.Max}))
	}
	return strings.Join(parts, ", ")
}

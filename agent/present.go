package agent

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/conciergehq/concierge"
)

// Button values the agent understands. They come back verbatim in an
// EventButton; adapters with small limits (Telegram's 64 bytes) map them to
// short tokens themselves.
const (
	ValueShow     = "show:"    // + SKU
	ValueAdd      = "add:"     // + SKU
	ValueBuy      = "buy:"     // + SKU: add one and check out
	ValueCompare  = "compare:" // + SKU,SKU
	ValueInc      = "inc:"     // + SKU
	ValueDec      = "dec:"     // + SKU
	ValueRemove   = "remove:"  // + SKU
	ValueBrowse   = "browse:"  // + category
	ValueCancel   = "cancel:"  // + order id
	ValueCart     = "cart"
	ValueCheckout = "checkout"
	ValueYes      = "consent:yes"
	ValueNo       = "consent:no"
	ValueHuman    = "human"
	// ValueAssistant is the choice of shopping with the bot rather than a
	// person, offered at the start with handoff.offer_person_at_start.
	ValueAssistant = "assistant"
	ValueOrders    = "orders"
	// ValuePage asks for one page of a list of products: + the page
	// number, ":", and the list's SKUs separated by commas (see
	// showPage).
	ValuePage = "page:"
)

// Card returns the card of one product in the turn's language.
func (t *Turn) Card(pv ProductView, buttons ...concierge.Button) concierge.Card {
	p := pv.Product
	def := t.Shop.Bot.DefaultLocale()
	c := concierge.Card{
		SKU:         p.SKU,
		Title:       p.Title(t.Locale, def),
		Description: concierge.LocalText(p.Description, t.Locale, def),
		Price:       p.Price,
		PriceText:   t.Shop.Text.Money(t.Locale, p.Price),
		Stock:       pv.Stock,
		Image:       p.Image,
		Buttons:     buttons,
	}
	switch {
	case p.Digital:
		c.StockText = t.T("stock_digital", nil)
	case pv.Stock <= 0:
		c.StockText = t.T("stock_out", nil)
	case pv.Stock <= 3:
		c.StockText = t.T("stock_low", map[string]any{"count": pv.Stock, "N": pv.Stock})
	default:
		c.StockText = t.T("stock_in", nil)
	}
	t.groupCard(&c, pv)
	return c
}

// ShowProducts says intro and shows the products as cards, each with
// "details", "add to cart" and "buy now" buttons; two or more get a
// "compare" button. More than PageSize products are shown a page at a
// time (see showPage).
func (t *Turn) ShowProducts(intro string, pvs []ProductView) {
	if len(pvs) <= PageSize {
		t.Say(t.productsMessage(intro, pvs, len(pvs), 0))
		return
	}
	all := make([]concierge.SKU, len(pvs))
	for i, pv := range pvs {
		all[i] = pv.SKU
	}
	t.Say(t.pageMessage(intro, pvs[:PageSize], all, 1))
}

// productsMessage is the cards message of pvs, numbered from offset+1;
// total is the length of the whole list they belong to.
func (t *Turn) productsMessage(intro string, pvs []ProductView, total, offset int) concierge.Message {
	m := concierge.Message{Kind: concierge.MessageCards, Text: intro}
	var lines []string
	for i, pv := range pvs {
		var bs []concierge.Button
		if len(pv.Variants) > 1 {
			// A group: its choices are the buttons; adding one of its
			// variants without them would be a guess.
			bs = t.choiceButtons(pv.SKU, t.choices(pv), nil)
		} else if pv.Stock > 0 || pv.Digital {
			bs = append(bs,
				concierge.Button{Label: t.T("btn_add", nil), Value: ValueAdd + string(pv.SKU)},
				concierge.Button{Label: t.T("btn_buy", nil), Value: ValueBuy + string(pv.SKU)})
		}
		if total > 1 {
			bs = append([]concierge.Button{{Label: t.T("btn_details", nil), Value: ValueShow + string(pv.SKU)}}, bs...)
		}
		c := t.Card(pv, bs...)
		m.Cards = append(m.Cards, c)
		line := fmt.Sprintf("%d. %s — %s (%s)", offset+i+1, c.Title, c.PriceText, c.StockText)
		if len(pv.Variants) > 1 {
			line += " — " + t.choicesText(t.choices(pv))
		}
		lines = append(lines, line)
	}
	m.Fallback = intro + "\n" + strings.Join(lines, "\n")
	if len(pvs) >= 2 {
		m.Buttons = append(m.Buttons, concierge.Button{Label: t.T("btn_compare", nil), Value: ValueCompare + string(pvs[0].SKU) + "," + string(pvs[1].SKU)})
	}
	return m
}

// ShowDetails shows one product with its description and attributes.
func (t *Turn) ShowDetails(pv ProductView) {
	if len(pv.Variants) > 1 {
		t.showGroupDetails(pv)
		return
	}
	var bs []concierge.Button
	if pv.Stock > 0 || pv.Digital {
		bs = append(bs,
			concierge.Button{Label: t.T("btn_add", nil), Value: ValueAdd + string(pv.SKU)},
			concierge.Button{Label: t.T("btn_buy", nil), Value: ValueBuy + string(pv.SKU)})
	}
	c := t.Card(pv, bs...)
	text := []string{c.Title + " — " + c.PriceText, c.Description}
	for _, k := range sortedKeys(pv.Attrs) {
		text = append(text, "• "+t.attrLabel(k)+": "+t.attrValue(pv.Attrs[k]))
	}
	text = append(text, c.StockText)
	c.Description = strings.Join(text[1:len(text)-1], "\n")
	t.Say(concierge.Message{Kind: concierge.MessageCards, Fallback: strings.Join(text, "\n"), Cards: []concierge.Card{c}})
}

func (t *Turn) attrLabel(k string) string {
	s := t.T("attr_"+k, nil)
	if s == "attr_"+k {
		return strings.ReplaceAll(k, "_", " ")
	}
	return s
}

// attrValue localises the yes/no values merchants write for attributes
// such as dimmable; other values are shown as written.
func (t *Turn) attrValue(v string) string {
	switch strings.ToLower(v) {
	case "yes", "true":
		return t.T("value_yes", nil)
	case "no", "false":
		return t.T("value_no", nil)
	}
	return v
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// ShowComparison shows products side by side: price, stock and every
// attribute any of them has.
func (t *Turn) ShowComparison(pvs []ProductView) {
	cmp := &concierge.Comparison{}
	keys := map[string]bool{}
	for _, pv := range pvs {
		c := t.Card(pv, concierge.Button{Label: t.T("btn_add", nil), Value: ValueAdd + string(pv.SKU)})
		cmp.Products = append(cmp.Products, c)
		for k := range pv.Attrs {
			keys[k] = true
		}
	}
	row := func(label string, f func(i int) string) {
		r := concierge.ComparisonRow{Label: label}
		for i := range pvs {
			r.Values = append(r.Values, f(i))
		}
		cmp.Rows = append(cmp.Rows, r)
	}
	row(t.T("attr_price", nil), func(i int) string { return cmp.Products[i].PriceText })
	row(t.T("attr_stock", nil), func(i int) string { return cmp.Products[i].StockText })
	var ks []string
	for k := range keys {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	for _, k := range ks {
		row(t.attrLabel(k), func(i int) string {
			if vs := t.groupValues(pvs[i], k); vs != "" {
				return vs // "40, 41, 42": the sizes of a group
			}
			if v := pvs[i].Attrs[k]; v != "" {
				return t.attrValue(v)
			}
			return "—"
		})
	}
	// The text version: one line per product, then the verdict on price.
	var lines []string
	lines = append(lines, t.T("compare_intro", nil))
	for i, c := range cmp.Products {
		var attrs []string
		for _, k := range ks {
			if vs := t.groupValues(pvs[i], k); vs != "" {
				attrs = append(attrs, t.attrLabel(k)+" "+vs)
			} else if v := pvs[i].Attrs[k]; v != "" {
				attrs = append(attrs, t.attrLabel(k)+" "+t.attrValue(v))
			}
		}
		lines = append(lines, fmt.Sprintf("• %s — %s; %s", c.Title, c.PriceText, strings.Join(attrs, ", ")))
	}
	cheapest := 0
	for i := range pvs {
		if pvs[i].Price.Minor < pvs[cheapest].Price.Minor {
			cheapest = i
		}
	}
	lines = append(lines, t.T("compare_cheapest", map[string]any{"Name": cmp.Products[cheapest].Title}))
	// "Which one is brighter?" is the question shoppers ask most of lamps.
	brightest, best := -1, 0
	for i := range pvs {
		if n, err := strconv.Atoi(strings.TrimSpace(pvs[i].Attrs["lumens"])); err == nil && n > best {
			brightest, best = i, n
		}
	}
	if brightest >= 0 {
		lines = append(lines, t.T("compare_brightest", map[string]any{"Name": cmp.Products[brightest].Title, "Lumens": best}))
	}
	t.Say(concierge.Message{Kind: concierge.MessageComparison, Text: lines[0] + "\n" + strings.Join(lines[len(pvs)+1:], "\n"), Fallback: strings.Join(lines, "\n"), Comparison: cmp})
}

// ShowCart shows the cart with buttons to change it and check out.
func (t *Turn) ShowCart(intro string, cv CartView) {
	if len(cv.Lines) == 0 {
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: strings.TrimSpace(intro + "\n" + t.T("cart_empty", nil)),
			Buttons: t.browseButtons()})
		return
	}
	view := &concierge.CartView{Total: cv.Total, TotalText: t.Shop.Text.Money(t.Locale, cv.Total)}
	lines := []string{}
	if intro != "" {
		lines = append(lines, intro)
	}
	var bs []concierge.Button
	for _, l := range cv.Lines {
		title := t.ProductTitle(l.Product)
		lv := concierge.CartLineView{SKU: l.Product.SKU, Title: title, Quantity: l.Quantity, Unit: l.Product.Price, Total: l.Total,
			TotalText: t.Shop.Text.Money(t.Locale, l.Total)}
		view.Lines = append(view.Lines, lv)
		lines = append(lines, fmt.Sprintf("• %s × %d — %s", title, l.Quantity, lv.TotalText))
	}
	lines = append(lines, t.T("cart_total", map[string]any{"Total": view.TotalText}))
	bs = append(bs, concierge.Button{Label: t.T("btn_checkout", nil), Value: ValueCheckout})
	if len(cv.Lines) == 1 {
		sku := string(cv.Lines[0].Product.SKU)
		bs = append(bs, concierge.Button{Label: "+1", Value: ValueInc + sku}, concierge.Button{Label: "−1", Value: ValueDec + sku})
	}
	bs = append(bs, concierge.Button{Label: t.T("btn_continue", nil), Value: ValueBrowse})
	t.Say(concierge.Message{Kind: concierge.MessageCart, Text: intro, Fallback: strings.Join(lines, "\n"), Cart: view, Buttons: bs})
}

// OrderView renders an order for the customer.
func (t *Turn) OrderView(o *concierge.Order) *concierge.OrderView {
	v := &concierge.OrderView{ID: o.ID, State: o.State, StateText: t.T("order_state_"+string(o.State), nil),
		Total: o.Total, TotalText: t.Shop.Text.Money(t.Locale, o.Total)}
	for _, l := range o.Lines {
		title := l.Title
		if p := t.Shop.Bot.Product(l.SKU); p != nil {
			title = t.ProductTitle(p)
		}
		tot := l.Unit.Mul(l.Quantity)
		v.Lines = append(v.Lines, concierge.CartLineView{SKU: l.SKU, Title: title, Quantity: l.Quantity, Unit: l.Unit, Total: tot,
			TotalText: t.Shop.Text.Money(t.Locale, tot)})
	}
	return v
}

// ShowOrder shows an order's summary and state.
func (t *Turn) ShowOrder(intro string, o *concierge.Order, buttons ...concierge.Button) {
	v := t.OrderView(o)
	lines := []string{}
	if intro != "" {
		lines = append(lines, intro)
	}
	lines = append(lines, t.T("order_line", map[string]any{"ID": o.ID, "State": v.StateText, "Total": v.TotalText}))
	for _, l := range v.Lines {
		lines = append(lines, fmt.Sprintf("• %s × %d — %s", l.Title, l.Quantity, l.TotalText))
	}
	t.Say(concierge.Message{Kind: concierge.MessageOrder, Text: intro, Fallback: strings.Join(lines, "\n"), Order: v, Buttons: buttons})
}

// ShowPayment shows the order and its payment request.
func (t *Turn) ShowPayment(o *concierge.Order, pr *concierge.PaymentRequest) {
	pr.AmountText = t.Shop.Text.Money(t.Locale, pr.Amount)
	pr.Label = t.T("btn_pay", map[string]any{"Amount": pr.AmountText})
	text := t.T("payment_ready", map[string]any{"ID": o.ID, "Amount": pr.AmountText, "Minutes": int(o.ExpiresAt.Sub(o.CreatedAt).Minutes())})
	if pr.Sandbox {
		text += "\n" + t.T("payment_sandbox", nil)
	}
	fallback := text
	if pr.URL != "" {
		fallback += "\n" + pr.URL
	}
	t.Say(concierge.Message{Kind: concierge.MessagePayment, Text: text, Fallback: fallback, Payment: pr, Order: t.OrderView(o)})
}

// ShowHandoff tells the customer people will answer, and when.
func (t *Turn) ShowHandoff() {
	text := t.T("handoff_now", nil)
	if h := t.Shop.Hours; h != nil && !h.IsOpen(t.Now()) {
		next := h.NextOpen(t.Now())
		text = t.T("handoff_closed", map[string]any{"When": next.Format("2006-01-02 15:04 MST")})
		t.queueWait = 0 // minutes mean nothing until people are back
	}
	if q := t.queueText(); q != "" {
		text += " " + q
	}
	t.Say(concierge.Message{Kind: concierge.MessageHandoff, Text: text})
}

func (t *Turn) browseButtons() []concierge.Button {
	var bs []concierge.Button
	for _, c := range t.Shop.Catalog.Categories() {
		label := t.T("cat_"+c, nil)
		if label == "cat_"+c {
			// A merchant's own category has no translated title: show
			// its id as words ("gift-cards" → "Gift cards"), never a key.
			label = categoryTitle(c)
		}
		bs = append(bs, concierge.Button{Label: label, Value: ValueBrowse + c})
	}
	return bs
}

// categoryTitle turns a category id into words: "gift-cards" → "Gift
// cards".
func categoryTitle(id string) string {
	w := strings.NewReplacer("-", " ", "_", " ").Replace(id)
	r, size := utf8.DecodeRuneInString(w)
	return string(unicode.ToUpper(r)) + w[size:]
}

// BrowseButtons are buttons for each catalog category.
func (t *Turn) BrowseButtons() []concierge.Button { return t.browseButtons() }

// OffersPersonAtStart reports whether the bot file lets the customer
// choose between a person and the assistant at the start.
func (t *Turn) OffersPersonAtStart() bool { return t.Shop.Bot.Handoff.OfferPersonAtStart }

// StartButtons are the buttons of a welcome or a first greeting: the
// choice between a person and the assistant when the bot file offers it,
// else a button per catalog category.
func (t *Turn) StartButtons() []concierge.Button {
	if !t.OffersPersonAtStart() {
		return t.browseButtons()
	}
	return []concierge.Button{
		{Label: t.T("btn_human", nil), Value: ValueHuman},
		{Label: t.T("btn_assistant", nil), Value: ValueAssistant},
	}
}

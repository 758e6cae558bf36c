package llm

import (
	"encoding/json"
	"errors"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
)

// The views are what the model reads of a tool's result: the facts it may
// repeat (names, prices formatted by the shop, stock), never more.
type productView struct {
	SKU         concierge.SKU     `json:"sku"`
	Name        string            `json:"name"`
	Price       string            `json:"price"`
	Stock       int               `json:"stock"`
	Digital     bool              `json:"digital,omitempty"`
	Category    string            `json:"category,omitempty"`
	Description string            `json:"description,omitempty"`
	Attrs       map[string]string `json:"attributes,omitempty"`
	// Variants are the sizes, colours… the product comes in, each its
	// own SKU: the one to add is the one the customer chose.
	Variants []variantView `json:"variants,omitempty"`
}

type lineView struct {
	SKU      concierge.SKU `json:"sku"`
	Name     string        `json:"name"`
	Quantity int           `json:"quantity"`
	Total    string        `json:"total"`
}

type cartView struct {
	Lines []lineView `json:"lines"`
	Total string     `json:"total"`
}

type orderView struct {
	ID    concierge.OrderID    `json:"id,omitempty"`
	State concierge.OrderState `json:"state"`
	Total string               `json:"total"`
	Lines []lineView           `json:"lines"`
}

// facetsView is what the model reads of a search's facets: how many
// products were found in all, and by category, attribute value, price
// band (formatted by the shop) and stock, to narrow a search with its
// filters.
type facetsView struct {
	Total      int                    `json:"total_found"`
	Categories []concierge.FacetValue `json:"categories,omitempty"`
	Attrs      []concierge.AttrFacet  `json:"attributes,omitempty"`
	Prices     []bandView             `json:"price_bands,omitempty"`
	InStock    int                    `json:"in_stock"`
}

// bandView is a price band: From and To as the customer reads them,
// PriceMin and PriceMax the search's filters that select it.
type bandView struct {
	From     string `json:"from"`
	To       string `json:"to"`
	PriceMin int64  `json:"price_min"`
	PriceMax int64  `json:"price_max"`
	Count    int    `json:"count"`
}

type resultView struct {
	Products   []productView `json:"products,omitempty"`
	Facets     *facetsView   `json:"facets,omitempty"`
	Comparison bool          `json:"comparison_shown,omitempty"`
	Cart       *cartView     `json:"cart,omitempty"`
	Order      *orderView    `json:"order,omitempty"`
	Orders     []orderView   `json:"orders,omitempty"`
	HandedOff  bool          `json:"handed_off,omitempty"`
	Consent    *bool         `json:"consent_recorded,omitempty"`
	Note       string        `json:"note,omitempty"`
}

func view(t *agent.Turn, r *agent.Result) string {
	def := t.Shop.Bot.DefaultLocale()
	money := func(m concierge.Money) string { return t.Shop.Text.Money(t.Locale, m) }
	v := resultView{Comparison: r.Comparison, HandedOff: r.HandedOff, Consent: r.Consent}
	for _, pv := range r.Products {
		v.Products = append(v.Products, productView{SKU: pv.SKU, Name: pv.Title(t.Locale, def), Price: money(pv.Price), Stock: pv.Stock,
			Digital: pv.Digital, Category: pv.Category, Description: concierge.LocalText(pv.Description, t.Locale, def), Attrs: pv.Attrs,
			Variants: variantsOf(t, pv)})
	}
	if f := r.Facets; f != nil && f.Total > 0 {
		fv := &facetsView{Total: f.Total, Categories: f.Categories, Attrs: f.Attrs, InStock: f.InStock}
		for _, b := range f.Prices {
			cur := f.Currency
			if cur == "" {
				cur = t.Shop.Bot.Currency
			}
			fv.Prices = append(fv.Prices, bandView{From: money(concierge.Money{Minor: b.Min, Currency: cur}), To: money(concierge.Money{Minor: b.Max, Currency: cur}),
				PriceMin: b.Min, PriceMax: b.Max, Count: b.Count})
		}
		v.Facets = fv
	}
	if len(r.Products) > 0 {
		v.Note = "The customer sees these products as cards with buttons under your answer."
		for _, p := range v.Products {
			if len(p.Variants) > 0 {
				v.Note += " A product with variants is added by the SKU of the variant the customer chose; ask which one when they have not said."
				break
			}
		}
	}
	if r.Products != nil && len(r.Products) == 0 {
		v.Note = "Nothing matched."
	}
	if c := r.Cart; c != nil {
		cv := &cartView{Total: money(c.Total), Lines: []lineView{}}
		for _, l := range c.Lines {
			cv.Lines = append(cv.Lines, lineView{SKU: l.Product.SKU, Name: l.Product.Title(t.Locale, def), Quantity: l.Quantity, Total: money(l.Total)})
		}
		v.Cart = cv
	}
	order := func(o *concierge.Order) orderView {
		ov := orderView{ID: o.ID, State: o.State, Total: money(o.Total), Lines: []lineView{}}
		for _, l := range o.Lines {
			ov.Lines = append(ov.Lines, lineView{SKU: l.SKU, Name: l.Title, Quantity: l.Quantity, Total: money(l.Unit.Mul(l.Quantity))})
		}
		return ov
	}
	if r.Order != nil {
		ov := order(r.Order)
		if r.Payment != nil {
			ov.ID = "" // given when the order is placed; never invent one
			v.Note = "The order is placed when you answer: the customer gets its number and a payment button for this total under your answer."
		}
		v.Order = &ov
	}
	for _, o := range r.Orders {
		v.Orders = append(v.Orders, order(o))
	}
	if r.Refund != nil {
		v.Note = "A person of the shop reviews refunds and decides; tell the customer so. Do not promise an amount."
	}
	if r.HandedOff && r.Refund == nil {
		v.Note = "A person of the shop takes over; the customer is told when to expect them."
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// errorView is what the model reads of a tool's refusal.
func errorView(err error) string {
	msg := err.Error()
	var e *concierge.Error
	if errors.As(err, &e) && e.Message != "" {
		msg = e.Message
	}
	var short *agent.ShortError
	if errors.As(err, &short) {
		msg = short.Error()
	}
	if errors.Is(err, agent.ErrConsentNeeded) {
		msg = "the customer must agree to the data policy first; the shop has just asked them with yes/no buttons; wait for their answer"
	}
	b, _ := json.Marshal(map[string]string{"error": msg})
	return string(b)
}

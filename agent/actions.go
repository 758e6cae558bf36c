package agent

import (
	"context"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
)

// Action is one tool call with typed arguments, as a planning brain
// proposes it. Do runs it through the turn's Tools: against a snapshot
// while planning, for real when the plan is applied. The argument types
// are what agent/llm generates the model's tool schemas from; a field the
// type does not have (an amount, a price) cannot be passed at all.
type Action interface {
	// Tool is the tool's name as the model calls it.
	Tool() string
	// Mutates reports whether the tool changes state (cart, order,
	// consent, hand-off); read-only tools run for real while planning.
	Mutates() bool
	Do(ctx context.Context, t *Turn) (*Result, error)
}

// Result is what a tool call produced; Present turns it into the same rich
// messages the rules brain sends.
type Result struct {
	Products   []ProductView
	Comparison bool // Products are a comparison
	Details    bool // Products[0] is shown in detail
	// Facets summarise every product a search found (SearchCall).
	Facets    *concierge.Facets
	Cart      *CartView
	Order     *concierge.Order
	Payment   *concierge.PaymentRequest
	Orders    []*concierge.Order
	Refund    *RefundProposal
	HandedOff bool
	Consent   *bool
}

// SearchCall searches the catalog.
type SearchCall struct {
	Query    string `json:"query" jsonschema:"description=What the customer is looking for in their own words (any language)"`
	Category string `json:"category,omitempty" jsonschema:"description=Catalog category to restrict to"`
	PriceMax int64  `json:"price_max,omitempty" jsonschema:"minimum=0,description=Highest price in minor units (cents)"`
	PriceMin int64  `json:"price_min,omitempty" jsonschema:"minimum=0,description=Lowest price in minor units (cents)"`
	Sort     string `json:"sort,omitempty" jsonschema:"enum=relevance,enum=price_asc,enum=price_desc"`
	// Attributes, Ranges and InStock narrow the search by the facets a
	// search returns.
	Attributes map[string][]string        `json:"attributes,omitempty" jsonschema:"description=Attribute values to keep as the facets of an earlier search name them (an attribute name mapped to a list of values such as color to bleu or size to 42 and 43): a product must have one of the values listed for each attribute given"`
	Ranges     map[string]concierge.Range `json:"ranges,omitempty" jsonschema:"description=Number ranges to keep for attributes whose facets show numbers (an attribute name mapped to min and max: both included and either left out). Each end is a number with or without a unit such as lumens min 400 max 800 or weight max 1.5 kg; g and kg or cm and m compare and an end without a unit is in the attribute's unit. A product whose value is not a number is left out"`
	InStock    bool                       `json:"in_stock,omitempty" jsonschema:"description=Only products in stock"`
	// The slots of a supplier's request (rooms, seats, rentals): the
	// shop's suppliers are asked with them, the catalog ignores them.
	Date     string `json:"date,omitempty" jsonschema:"description=For what a supplier has on one day (a seat or a rental): the day as YYYY-MM-DD"`
	From     string `json:"from,omitempty" jsonschema:"description=For a stay or a rental over days: the first day as YYYY-MM-DD"`
	To       string `json:"to,omitempty" jsonschema:"description=For a stay or a rental over days: the last day as YYYY-MM-DD"`
	Quantity int    `json:"quantity,omitempty" jsonschema:"minimum=0,description=How many people or units the customer needs"`
}

// ShowCall shows one product in detail.
type ShowCall struct {
	SKU concierge.SKU `json:"sku" jsonschema:"required,description=The product's SKU from a search result"`
}

// CompareCall compares two to four products.
type CompareCall struct {
	SKUs []concierge.SKU `json:"skus" jsonschema:"required,minItems=2,maxItems=4,description=The SKUs to compare"`
}

// AddToCartCall adds a product to the cart.
type AddToCartCall struct {
	SKU      concierge.SKU `json:"sku" jsonschema:"required"`
	Quantity int           `json:"quantity,omitempty" jsonschema:"minimum=1,maximum=20,description=How many to add (default 1)"`
}

// SetQuantityCall sets a cart line's quantity; zero removes it.
type SetQuantityCall struct {
	SKU      concierge.SKU `json:"sku" jsonschema:"required"`
	Quantity int           `json:"quantity" jsonschema:"required,minimum=0,maximum=20"`
}

// RemoveFromCartCall removes a product from the cart.
type RemoveFromCartCall struct {
	SKU concierge.SKU `json:"sku" jsonschema:"required"`
}

// ViewCartCall shows the cart.
type ViewCartCall struct{}

// CheckoutCall places the order for the cart and asks for payment.
type CheckoutCall struct{}

// ConsentCall records the customer's answer to the data-consent question.
type ConsentCall struct {
	Agreed bool `json:"agreed" jsonschema:"required,description=True only if the customer clearly agreed in their last message"`
}

// OrdersCall looks up the customer's orders.
type OrdersCall struct {
	Order concierge.OrderID `json:"order,omitempty" jsonschema:"description=An order number the customer gave; empty for all their orders"`
}

// CancelOrderCall cancels an order still waiting for payment.
type CancelOrderCall struct {
	Order concierge.OrderID `json:"order,omitempty" jsonschema:"description=The order number; empty for the latest"`
}

// RefundCall asks people for a refund; they decide.
type RefundCall struct {
	Order  concierge.OrderID `json:"order,omitempty" jsonschema:"description=The order number; empty for the latest paid order"`
	Reason string            `json:"reason" jsonschema:"required,description=Why the customer wants a refund in their words"`
	// Assessment and Summary are the model's words for the person who
	// decides. They are shown, never parsed: the amount, the window and
	// the suggestion are computed by the shop from the order and policy.
	Assessment string `json:"assessment,omitempty" jsonschema:"description=One or two sentences for the person who decides: why this refund looks justified or not from what the customer said and what the tools returned. Do not state an amount: the shop computes it."`
	Summary    string `json:"summary,omitempty" jsonschema:"description=One or two sentences for the person who takes over the conversation"`
}

// HandoffCall gives the conversation to a person. A dispute goes through
// Tools.OpenDispute, which leaves people a proposal computed from the
// order: Order says which order, and Assessment is the model's reasoning
// for it (shown, never parsed).
type HandoffCall struct {
	Reason     concierge.HandoffReason `json:"reason" jsonschema:"required,enum=asked,enum=dispute,enum=complaint,enum=other"`
	Summary    string                  `json:"summary,omitempty" jsonschema:"description=One or two sentences for the person who takes over"`
	Order      concierge.OrderID       `json:"order,omitempty" jsonschema:"description=For a dispute: the order number the customer contests; empty for the latest paid order"`
	Assessment string                  `json:"assessment,omitempty" jsonschema:"description=For a dispute: one or two sentences for the person who decides, on what the customer contests (a double charge, an order never received, an item not as described) from what they said and what the tools returned. Do not state an amount: the shop computes it."`
}

func (SearchCall) Tool() string         { return "search_products" }
func (ShowCall) Tool() string           { return "show_product" }
func (CompareCall) Tool() string        { return "compare_products" }
func (AddToCartCall) Tool() string      { return "add_to_cart" }
func (SetQuantityCall) Tool() string    { return "set_quantity" }
func (RemoveFromCartCall) Tool() string { return "remove_from_cart" }
func (ViewCartCall) Tool() string       { return "view_cart" }
func (CheckoutCall) Tool() string       { return "checkout" }
func (ConsentCall) Tool() string        { return "record_consent" }
func (OrdersCall) Tool() string         { return "order_status" }
func (CancelOrderCall) Tool() string    { return "cancel_order" }
func (RefundCall) Tool() string         { return "request_refund" }
func (HandoffCall) Tool() string        { return "handoff_to_human" }

func (SearchCall) Mutates() bool         { return false }
func (ShowCall) Mutates() bool           { return false }
func (CompareCall) Mutates() bool        { return false }
func (AddToCartCall) Mutates() bool      { return true }
func (SetQuantityCall) Mutates() bool    { return true }
func (RemoveFromCartCall) Mutates() bool { return true }
func (ViewCartCall) Mutates() bool       { return false }
func (CheckoutCall) Mutates() bool       { return true }
func (ConsentCall) Mutates() bool        { return true }
func (OrdersCall) Mutates() bool         { return false }
func (CancelOrderCall) Mutates() bool    { return true }
func (RefundCall) Mutates() bool         { return true }
func (HandoffCall) Mutates() bool        { return true }

func (a SearchCall) Do(ctx context.Context, t *Turn) (*Result, error) {
	s := catalog.Relevance
	switch a.Sort {
	case "price_asc":
		s = catalog.PriceAsc
	case "price_desc":
		s = catalog.PriceDesc
	}
	pvs, facets, err := t.Tools.SearchFaceted(ctx, SearchArgs{Query: a.Query, Category: a.Category, PriceMax: a.PriceMax, PriceMin: a.PriceMin, Sort: s,
		Date: a.Date, From: a.From, To: a.To, Quantity: a.Quantity, Attrs: a.Attributes, Ranges: a.Ranges, InStock: a.InStock})
	if err != nil {
		return nil, err
	}
	t.Conv.Memory.LastQuery, t.Conv.Memory.LastCategory = a.Query, a.Category
	return &Result{Products: pvs, Facets: &facets}, nil
}

func (a ShowCall) Do(ctx context.Context, t *Turn) (*Result, error) {
	pv, err := t.Tools.Show(ctx, a.SKU)
	if err != nil {
		return nil, err
	}
	return &Result{Products: []ProductView{pv}, Details: true}, nil
}

func (a CompareCall) Do(ctx context.Context, t *Turn) (*Result, error) {
	pvs, err := t.Tools.Compare(ctx, a.SKUs)
	if err != nil {
		return nil, err
	}
	return &Result{Products: pvs, Comparison: true}, nil
}

func (a AddToCartCall) Do(ctx context.Context, t *Turn) (*Result, error) {
	cv, err := t.Tools.AddToCart(ctx, a.SKU, a.Quantity)
	if err != nil {
		return nil, err
	}
	return &Result{Cart: &cv}, nil
}

func (a SetQuantityCall) Do(ctx context.Context, t *Turn) (*Result, error) {
	cv, err := t.Tools.SetQuantity(ctx, a.SKU, a.Quantity)
	if err != nil {
		return nil, err
	}
	return &Result{Cart: &cv}, nil
}

func (a RemoveFromCartCall) Do(ctx context.Context, t *Turn) (*Result, error) {
	cv, err := t.Tools.RemoveFromCart(ctx, a.SKU)
	if err != nil {
		return nil, err
	}
	return &Result{Cart: &cv}, nil
}

func (ViewCartCall) Do(ctx context.Context, t *Turn) (*Result, error) {
	cv, err := t.Tools.Cart(ctx)
	if err != nil {
		return nil, err
	}
	return &Result{Cart: &cv}, nil
}

func (CheckoutCall) Do(ctx context.Context, t *Turn) (*Result, error) {
	o, pr, err := t.Tools.Checkout(ctx)
	if err != nil {
		return nil, err
	}
	return &Result{Order: o, Payment: pr}, nil
}

// errConsentNotAsked refuses a consent the customer was not asked for in
// an earlier message: a model cannot agree on the customer's behalf.
var errConsentNotAsked = concierge.Errorf(concierge.CodeConflict, "consent",
	"the customer has not been asked for consent yet; call checkout, which asks them")

func (a ConsentCall) Do(ctx context.Context, t *Turn) (*Result, error) {
	if t.pendingAtStart != concierge.QuestionConsent {
		return nil, errConsentNotAsked
	}
	t.Tools.Consent(a.Agreed)
	return &Result{Consent: &a.Agreed}, nil
}

func (a OrdersCall) Do(ctx context.Context, t *Turn) (*Result, error) {
	os, err := t.Tools.Orders(ctx, concierge.OrderID(strings.ToUpper(string(a.Order))))
	if err != nil {
		return nil, err
	}
	if len(os) > 5 {
		os = os[:5]
	}
	return &Result{Orders: os}, nil
}

func (a CancelOrderCall) Do(ctx context.Context, t *Turn) (*Result, error) {
	o, err := t.Tools.CancelOrder(ctx, concierge.OrderID(strings.ToUpper(string(a.Order))))
	if err != nil {
		return nil, err
	}
	return &Result{Order: o}, nil
}

func (a RefundCall) Do(ctx context.Context, t *Turn) (*Result, error) {
	// The model's words lead the packet and give the proposal its reason;
	// the proposal's amount and suggestion stay the code's.
	t.HandoffNote, t.RefundNote = a.Summary, a.Assessment
	p, err := t.Tools.RequestRefund(ctx, concierge.OrderID(strings.ToUpper(string(a.Order))), a.Reason)
	if err != nil {
		return nil, err
	}
	return &Result{Refund: p, HandedOff: t.Conv.State != concierge.StateBot}, nil
}

func (a HandoffCall) Do(ctx context.Context, t *Turn) (*Result, error) {
	reason := a.reason()
	// The model's own words for the person come first in the packet; the
	// structured summary of the rules side stays beside them.
	t.HandoffNote = a.Summary
	if reason == concierge.HandoffDispute {
		// The same tool as the rules brain's: the evidence, the amount and
		// the suggestion are the code's; the assessment is the reason.
		t.RefundNote = a.Assessment
		said := ""
		if t.Event != nil {
			said = t.Event.Text
		}
		if _, err := t.Tools.OpenDispute(ctx, concierge.OrderID(strings.ToUpper(string(a.Order))), said); err != nil {
			return nil, err
		}
		return &Result{HandedOff: true}, nil
	}
	if err := t.Tools.Handoff(ctx, reason); err != nil {
		return nil, err
	}
	return &Result{HandedOff: true}, nil
}

// reason is the hand-off reason of the model's words: one of its enum,
// asked when it gave none, and other for a word outside the enum (its
// summary still says why), so that only known reasons are recorded.
func (a HandoffCall) reason() concierge.HandoffReason {
	switch a.Reason {
	case "", concierge.HandoffAsked:
		return concierge.HandoffAsked
	case concierge.HandoffDispute, concierge.HandoffComplaint, concierge.HandoffOther:
		return a.Reason
	}
	return concierge.HandoffOther
}

// Actions lists one zero value of every tool's arguments, in the order the
// tools are offered to a model.
func Actions() []Action {
	return []Action{SearchCall{}, ShowCall{}, CompareCall{}, AddToCartCall{}, SetQuantityCall{}, RemoveFromCartCall{},
		ViewCartCall{}, CheckoutCall{}, ConsentCall{}, OrdersCall{}, CancelOrderCall{}, RefundCall{}, HandoffCall{}}
}

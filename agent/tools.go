package agent

import (
	"context"
	"fmt"
	"slices"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
)

// Tools are the actions a brain may take. Each takes typed arguments,
// validates them, and returns a typed result or a *concierge.Error whose
// message a brain can show or recover from. They enforce the shop's rules:
// prices and stock come from the catalog and the store, an order only ever
// belongs to the conversation that placed it, and refunds are proposals for
// people.
type Tools struct {
	shop     *Shop
	tx       concierge.Tx
	conv     *concierge.Conversation
	checkout Checkout
	turn     *Turn
}

// MaxQuantity bounds one cart line when the bot sets no bound
// (policies.max_quantity); more is a merchant's bulk order and goes to a
// person.
const MaxQuantity = concierge.DefaultMaxQuantity

// ProductView is a product with its live stock. A supplier's offer is
// shown as a product too: Offer is then set, Product is made from it and
// Stock is what the supplier said it has.
type ProductView struct {
	*concierge.Product
	Stock int
	// Variants are the product's group with their live stock, this
	// product among them, when it stands for a group of variants (see
	// variants.go); nil otherwise.
	Variants []ProductView
	// Offer is set when the product is a supplier's offer.
	Offer *concierge.Offer
}

// SearchArgs are the search tool's arguments.
type SearchArgs struct {
	Query    string       `json:"query" jsonschema:"description=What the customer is looking for, in their words"`
	Category string       `json:"category,omitempty" jsonschema:"description=Catalog category to restrict to"`
	PriceMax int64        `json:"price_max,omitempty" jsonschema:"description=Highest price in minor units (cents)"`
	PriceMin int64        `json:"price_min,omitempty" jsonschema:"description=Lowest price in minor units (cents)"`
	Sort     catalog.Sort `json:"sort,omitempty"`
	Limit    int          `json:"limit,omitempty"`
	// Exclude is what the customer ruled out ("not the cast iron one"):
	// products with those words are not shown.
	Exclude string `json:"exclude,omitempty" jsonschema:"description=Words of what the customer ruled out, e.g. cast iron in 'a glass teapot, not the cast iron one'"`
	// Date, From, To and Quantity fill a supplier's request (rooms,
	// seats, rentals) besides Query; the catalog ignores them.
	Date     string `json:"date,omitempty" jsonschema:"description=The day asked for as YYYY-MM-DD, for suppliers' offers (a seat, a rental)"`
	From     string `json:"from,omitempty" jsonschema:"description=The first day asked for as YYYY-MM-DD, for suppliers' offers (a room from this day)"`
	To       string `json:"to,omitempty" jsonschema:"description=The last day asked for as YYYY-MM-DD, for suppliers' offers"`
	Quantity int    `json:"quantity,omitempty" jsonschema:"description=How many people or units, for suppliers' offers"`
	// Attrs, Ranges and InStock narrow the search as the facets a
	// faceted search returns do (catalog.Query.Attrs, Ranges,
	// InStockOnly). A bad range is an error, and nothing is searched.
	Attrs   map[string][]string        `json:"attributes,omitempty"`
	Ranges  map[string]concierge.Range `json:"ranges,omitempty"`
	InStock bool                       `json:"in_stock,omitempty"`
	// Measures bound a measure by its unit, wherever the catalog writes
	// it (catalog.Query.Measures): the rules brain's "plus de 450
	// lumens". Models name the attribute with Ranges instead.
	Measures []concierge.Range `json:"-"`
}

// Search finds products. Its results become the conversation's "shown"
// products, so that "the first one" or "compare them" refer to them.
func (tl *Tools) Search(ctx context.Context, a SearchArgs) ([]ProductView, error) {
	pvs, _, err := tl.search(ctx, a, false)
	return pvs, err
}

// SearchFaceted is Search, with the facets of every catalog product
// found (not only those shown, and not suppliers' offers): what the
// LLM brain's search tool returns, so that it can narrow a search.
func (tl *Tools) SearchFaceted(ctx context.Context, a SearchArgs) ([]ProductView, concierge.Facets, error) {
	return tl.search(ctx, a, true)
}

func (tl *Tools) search(ctx context.Context, a SearchArgs, faceted bool) ([]ProductView, concierge.Facets, error) {
	ctx, end := toolSpan(ctx, "search_products")
	defer end()
	if a.Limit <= 0 || a.Limit > MaxResults {
		a.Limit = PageSize
	}
	q := catalog.Query{Text: a.Query, Category: a.Category, PriceMax: a.PriceMax, PriceMin: a.PriceMin, Sort: a.Sort, Limit: a.Limit, Exclude: a.Exclude,
		Attrs: a.Attrs, Ranges: a.Ranges, Measures: a.Measures, InStockOnly: a.InStock}
	if err := q.Check(); err != nil {
		return nil, concierge.Facets{}, fmt.Errorf("search: %w", err)
	}
	if tl.shop.Catalog.HasVariants() {
		// The variants of a group make one result: cap after grouping,
		// reading enough hits for groups of up to variantsPerResult.
		q.Limit = a.Limit * variantsPerResult
	}
	var hits []catalog.Hit
	var facets concierge.Facets
	if faceted {
		hits, facets = tl.shop.Catalog.Faceted(q)
	} else {
		hits = tl.shop.Catalog.Search(q)
	}
	skus := make([]concierge.SKU, len(hits))
	for i, h := range hits {
		skus[i] = h.SKU
	}
	out, err := tl.collapse(ctx, skus, a.Limit)
	if err != nil {
		return nil, facets, err
	}
	out = tl.mergeOffers(out, tl.searchOffers(ctx, a), a.Limit)
	tl.remember(out)
	return out, facets, nil
}

// StockReader is an optional capability of the turn's concierge.Tx: the
// stock of several products in one query (store.Tx has it). A search
// reads up to MaxResults products' stock; without it, one query each.
type StockReader interface {
	Stocks(ctx context.Context, bot concierge.BotID, skus []concierge.SKU) (map[concierge.SKU]int, error)
}

// views is view for several products, in order.
func (tl *Tools) views(ctx context.Context, skus []concierge.SKU) ([]ProductView, error) {
	out := make([]ProductView, 0, len(skus))
	sr, ok := tl.tx.(StockReader)
	if !ok || len(skus) < 2 || slices.ContainsFunc(skus, concierge.SKU.IsOffer) {
		for _, s := range skus {
			pv, err := tl.view(ctx, s)
			if err != nil {
				return nil, err
			}
			out = append(out, pv)
		}
		return out, nil
	}
	stock, err := sr.Stocks(ctx, tl.shop.Bot.ID, skus)
	if err != nil {
		return nil, err
	}
	for _, s := range skus {
		p := tl.shop.Bot.Product(s)
		if p == nil {
			return nil, concierge.Errorf(concierge.CodeNotFound, "product", "no product %q in this shop", s)
		}
		out = append(out, ProductView{Product: p, Stock: stock[s]})
	}
	return out, nil
}

// Show returns one product by SKU.
func (tl *Tools) Show(ctx context.Context, sku concierge.SKU) (ProductView, error) {
	ctx, end := toolSpan(ctx, "show_product")
	defer end()
	pvs, err := tl.collapse(ctx, []concierge.SKU{sku}, 0)
	if err != nil {
		return ProductView{}, err
	}
	pv := pvs[0]
	if !sku.IsOffer() {
		pv.Product, pv.Stock = tl.shop.Bot.Product(sku), viewOf(pv, sku).Stock // the one asked for, not the group's best
	}
	tl.remember([]ProductView{pv})
	return pv, nil
}

// Compare returns two to four products to compare.
func (tl *Tools) Compare(ctx context.Context, skus []concierge.SKU) ([]ProductView, error) {
	ctx, end := toolSpan(ctx, "compare_products")
	defer end()
	skus = slices.Compact(skus)
	if len(skus) < 2 || len(skus) > 4 {
		return nil, concierge.Errorf(concierge.CodeInvalid, "compare", "compare needs two to four products, got %d", len(skus))
	}
	for _, s := range skus {
		if !s.IsOffer() && tl.shop.Bot.Product(s) == nil { // offers are asked in collapse
			return nil, concierge.Errorf(concierge.CodeNotFound, "product", "no product %q in this shop", s)
		}
	}
	// Sizes of one product are not compared with each other: a
	// comparison is of groups.
	out, err := tl.collapse(ctx, skus, 0)
	if err != nil {
		return nil, err
	}
	if len(out) < 2 {
		return nil, concierge.Errorf(concierge.CodeInvalid, "compare", "compare needs two to four products, got the variants of one")
	}
	tl.conv.Memory.Shown = tl.conv.Memory.Shown[:0]
	for _, pv := range out {
		tl.conv.Memory.Shown = append(tl.conv.Memory.Shown, pv.SKU)
	}
	return out, nil
}

func (tl *Tools) view(ctx context.Context, sku concierge.SKU) (ProductView, error) {
	if sku.IsOffer() {
		o, err := tl.offer(ctx, sku)
		if err != nil {
			return ProductView{}, err
		}
		return tl.offerView(o), nil
	}
	p := tl.shop.Bot.Product(sku)
	if p == nil {
		return ProductView{}, concierge.Errorf(concierge.CodeNotFound, "product", "no product %q in this shop", sku)
	}
	n, err := tl.tx.Stock(ctx, tl.shop.Bot.ID, sku)
	if err != nil {
		return ProductView{}, err
	}
	return ProductView{Product: p, Stock: n}, nil
}

func (tl *Tools) remember(pvs []ProductView) {
	if len(pvs) == 0 {
		return
	}
	tl.conv.Memory.Shown = tl.conv.Memory.Shown[:0]
	for _, p := range pvs {
		tl.conv.Memory.Shown = append(tl.conv.Memory.Shown, p.SKU)
	}
	// One product shown is in focus: "I'll take it" means it. Of a list,
	// none is until the customer picks one; "it" then gets a question,
	// not the first of the list.
	tl.conv.Memory.Focus = ""
	if len(pvs) == 1 {
		tl.conv.Memory.Focus = pvs[0].SKU
	}
}

// Offer returns the products to ask the customer to choose from, and
// remembers them as shown so that "the second one" picks among them.
func (tl *Tools) Offer(ctx context.Context, skus []concierge.SKU) ([]ProductView, error) {
	ctx, end := toolSpan(ctx, "offer_products")
	defer end()
	out, err := tl.collapse(ctx, slices.Compact(skus), 0)
	if err != nil {
		return nil, err
	}
	tl.remember(out)
	return out, nil
}

// ShortError says a product has fewer left than asked for. It wraps
// concierge.ErrOutOfStock; brains read Available to say how many remain.
type ShortError struct {
	SKU       concierge.SKU
	Available int
}

func (e *ShortError) Error() string {
	return fmt.Sprintf("cart: only %d of %s left", e.Available, e.SKU)
}

func (e *ShortError) Unwrap() error { return concierge.ErrOutOfStock }

// CartView is the cart priced from the catalog.
type CartView struct {
	Lines []CartLineView
	Total concierge.Money
}

// CartLineView is one priced cart line.
type CartLineView struct {
	Product  *concierge.Product
	Quantity int
	Total    concierge.Money
}

// AddToCart adds quantity of sku to the cart (on top of what is there).
func (tl *Tools) AddToCart(ctx context.Context, sku concierge.SKU, quantity int) (CartView, error) {
	ctx, end := toolSpan(ctx, "add_to_cart")
	defer end()
	if quantity <= 0 {
		quantity = 1
	}
	lines, err := tl.tx.Cart(ctx, tl.conv.ID)
	if err != nil {
		return CartView{}, err
	}
	for _, l := range lines {
		if l.SKU == sku {
			quantity += l.Quantity
		}
	}
	return tl.SetQuantity(ctx, sku, quantity)
}

// SetQuantity sets the quantity of sku in the cart; zero removes it.
func (tl *Tools) SetQuantity(ctx context.Context, sku concierge.SKU, quantity int) (CartView, error) {
	ctx, end := toolSpan(ctx, "set_quantity")
	defer end()
	if limit := tl.shop.LineLimit(); quantity < 0 || quantity > limit {
		return CartView{}, concierge.Errorf(concierge.CodeInvalid, "cart", "quantity must be between 0 and %d", limit)
	}
	if quantity > 0 && sku.IsOffer() {
		if err := tl.setOfferLine(ctx, sku, quantity); err != nil {
			return CartView{}, err
		}
		return tl.Cart(ctx)
	}
	if quantity > 0 {
		pv, err := tl.view(ctx, sku)
		if err != nil {
			return CartView{}, err
		}
		if pv.Stock < quantity {
			return CartView{}, &ShortError{SKU: sku, Available: pv.Stock}
		}
		tl.conv.Memory.Focus = sku
	}
	if err := tl.tx.SetCartLine(ctx, tl.conv.ID, sku, quantity); err != nil {
		return CartView{}, err
	}
	return tl.Cart(ctx)
}

// RemoveFromCart removes sku from the cart.
func (tl *Tools) RemoveFromCart(ctx context.Context, sku concierge.SKU) (CartView, error) {
	ctx, end := toolSpan(ctx, "remove_from_cart")
	defer end()
	return tl.SetQuantity(ctx, sku, 0)
}

// Cart returns the cart priced from the catalog. Lines whose product left
// the catalog are dropped.
func (tl *Tools) Cart(ctx context.Context) (CartView, error) {
	ctx, end := toolSpan(ctx, "view_cart")
	defer end()
	lines, err := tl.tx.Cart(ctx, tl.conv.ID)
	if err != nil {
		return CartView{}, err
	}
	cv := CartView{Total: concierge.Money{Currency: tl.shop.Bot.Currency}}
	for _, l := range lines {
		p := tl.shop.Bot.Product(l.SKU)
		if l.Offer != nil {
			// A supplier's offer, at the price it was put in the cart.
			p = tl.offerView(*l.Offer).Product
		}
		if p == nil {
			continue
		}
		t := p.Price.Mul(l.Quantity)
		cv.Lines = append(cv.Lines, CartLineView{Product: p, Quantity: l.Quantity, Total: t})
		cv.Total = cv.Total.Add(t)
	}
	return cv, nil
}

// ErrConsentNeeded is returned by Checkout when the bot's policy asks for
// the customer's consent first; the brain asks, and calls Consent.
var ErrConsentNeeded = &concierge.Error{Code: concierge.CodeConflict, Op: "checkout", Message: "consent is required before checkout"}

// Consent records the customer's answer to the data-consent question.
func (tl *Tools) Consent(yes bool) {
	tl.conv.Memory.Consent = yes
	tl.conv.Memory.Pending = ""
}

// Checkout places an order for the cart: prices from the catalog, stock
// reserved, and a payment request from the bot's provider. The cart is
// emptied once the order exists.
func (tl *Tools) Checkout(ctx context.Context) (*concierge.Order, *concierge.PaymentRequest, error) {
	ctx, end := toolSpan(ctx, "checkout")
	defer end()
	lines, err := tl.tx.Cart(ctx, tl.conv.ID)
	if err != nil {
		return nil, nil, err
	}
	if len(lines) == 0 {
		return nil, nil, concierge.ErrEmptyCart
	}
	if tl.shop.Bot.Policies.ConsentBefore == "checkout" && !tl.conv.Memory.Consent {
		tl.conv.Memory.Pending = concierge.QuestionConsent
		return nil, nil, ErrConsentNeeded
	}
	if err := tl.recheckOffers(ctx, lines); err != nil {
		return nil, nil, err
	}
	o, pr, err := tl.checkout.PlaceOrder(ctx, tl.tx, tl.shop.Bot, tl.conv, lines)
	if err != nil {
		return nil, nil, err
	}
	if err := tl.tx.ClearCart(ctx, tl.conv.ID); err != nil {
		return nil, nil, err
	}
	tl.conv.Memory.LastOrder = o.ID
	return o, pr, nil
}

// Orders returns the conversation's orders, newest first, or the one named
// ref if it belongs to this conversation. A customer never sees another
// customer's order, whatever reference they type.
func (tl *Tools) Orders(ctx context.Context, ref concierge.OrderID) ([]*concierge.Order, error) {
	ctx, end := toolSpan(ctx, "order_status")
	defer end()
	all, err := tl.tx.Orders(ctx, tl.conv.ID)
	if err != nil {
		return nil, err
	}
	if ref == "" {
		return all, nil
	}
	for _, o := range all {
		if o.ID == ref {
			return []*concierge.Order{o}, nil
		}
	}
	return nil, concierge.Errorf(concierge.CodeNotFound, "order", "no order %s in this conversation", ref)
}

// CancelOrder cancels the named order (or the latest) while it waits for
// payment. A paid order cannot be cancelled here: it needs a refund, which
// people decide.
func (tl *Tools) CancelOrder(ctx context.Context, ref concierge.OrderID) (*concierge.Order, error) {
	ctx, end := toolSpan(ctx, "cancel_order")
	defer end()
	o, err := tl.latest(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := tl.checkout.CancelOrder(ctx, tl.tx, o); err != nil {
		return o, err
	}
	return o, nil
}

func (tl *Tools) latest(ctx context.Context, ref concierge.OrderID) (*concierge.Order, error) {
	os, err := tl.Orders(ctx, ref)
	if err != nil {
		return nil, err
	}
	if len(os) == 0 {
		return nil, concierge.Errorf(concierge.CodeNotFound, "order", "there is no order in this conversation")
	}
	return os[0], nil
}

// RefundProposal is what the refund tool decided to propose; a person
// decides (invariant 5), except below the policy's auto-approve amount in a
// later version with a provider that can refund.
type RefundProposal struct {
	Order  *concierge.Order
	Reason string
	Within bool // inside the refund window
}

// RequestRefund records a refund request and hands the conversation to
// people with a proposal: for the named order, or else the latest paid one.
// Without any paid order a person still looks (the customer may have paid
// elsewhere); a named order that was never paid is explained, not handed off.
func (tl *Tools) RequestRefund(ctx context.Context, ref concierge.OrderID, reason string) (*RefundProposal, error) {
	ctx, end := toolSpan(ctx, "request_refund")
	defer end()
	os, err := tl.Orders(ctx, ref)
	if err != nil && concierge.ErrorCode(err) != concierge.CodeNotFound {
		return nil, err
	}
	var o *concierge.Order
	for _, x := range os {
		if x.State == concierge.OrderPaid || x.State == concierge.OrderFulfilled {
			o = x
			break
		}
	}
	if o == nil && ref != "" && len(os) == 1 {
		return &RefundProposal{Order: os[0], Reason: reason},
			concierge.Errorf(concierge.CodeConflict, "refund", "order %s is %s, nothing was charged", os[0].ID, os[0].State)
	}
	if o == nil {
		return nil, tl.Handoff(ctx, concierge.HandoffRefund)
	}
	days := tl.shop.Bot.Policies.RefundWindowDays
	p := &RefundProposal{Order: o, Reason: reason, Within: days == 0 || tl.tx.Now().Sub(o.PaidAt).Hours() <= float64(days*24)}
	if err := tl.Handoff(ctx, concierge.HandoffRefund); err != nil {
		return p, err
	}
	// People decide (invariant 5): the proposal waits for them in the inbox.
	return p, tl.recordProposal(ctx, p)
}

// Handoff gives the conversation to people: it waits for one to claim it,
// and the bot stays silent until it is handed back.
func (tl *Tools) Handoff(ctx context.Context, reason concierge.HandoffReason) error {
	ctx, end := toolSpan(ctx, "handoff_to_human")
	defer end()
	if tl.conv.State != concierge.StateBot {
		return nil
	}
	h := concierge.Handoff{Conversation: tl.conv.ID, From: tl.conv.State, To: concierge.StateWaiting, Reason: reason, By: "bot", At: tl.tx.Now()}
	if err := tl.tx.RecordHandoff(ctx, h); err != nil {
		return err
	}
	// The packet reads the memory as it was, before it is reset.
	if err := tl.handoffRecords(ctx, reason); err != nil {
		return err
	}
	tl.conv.State = concierge.StateWaiting
	tl.conv.Memory.FailedTurns = 0
	tl.conv.Memory.Pending = ""
	return nil
}

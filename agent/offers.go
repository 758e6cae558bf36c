package agent

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
)

// OfferFinder asks a shop's suppliers what they have right now (package
// offers implements it). Find is called during a search, inside the turn,
// and must return within its suppliers' timeouts; it returns the offers of
// the suppliers that answered and an error for those that did not.
// Recheck asks o's supplier again, without a cache, at checkout: the offer
// as it is now, or an error with a Gone() bool method that says true
// (see offerGone) when the supplier no longer has it; any other error
// means the supplier could not confirm it.
type OfferFinder interface {
	Find(ctx context.Context, req concierge.OfferRequest) ([]concierge.Offer, error)
	Recheck(ctx context.Context, o concierge.Offer) (concierge.Offer, error)
}

// offerGone reports whether a Recheck error says the supplier no longer
// has the offer (offers.Error has the method), as opposed to a supplier
// that did not answer.
func offerGone(err error) bool {
	var g interface{ Gone() bool }
	return errors.As(err, &g) && g.Gone()
}

// CartOfferSetter is an optional capability of the turn's concierge.Tx: a
// cart line that keeps a supplier's offer (store.Tx has it). Without it
// offers can be shown but not put in the cart.
type CartOfferSetter interface {
	SetCartOffer(ctx context.Context, conv concierge.ConversationID, o concierge.Offer, qty int) error
}

// searchOffers asks the shop's suppliers for a search's text. A supplier
// that fails is told to the customer once per turn, and not asked again in
// that turn; the catalog's products are still shown.
func (tl *Tools) searchOffers(ctx context.Context, a SearchArgs) []concierge.Offer {
	if tl.shop.Offers == nil || strings.TrimSpace(a.Query) == "" {
		return nil
	}
	if tl.turn != nil && tl.turn.offersFailed {
		// A brain may search several times in a turn (narrowing, then
		// widening): a supplier that just failed is not waited for again.
		return nil
	}
	req := concierge.OfferRequest{Query: a.Query, Date: a.Date, From: a.From, To: a.To, Quantity: a.Quantity}
	found, err := tl.shop.Offers.Find(ctx, req)
	if err != nil && tl.turn != nil && !tl.turn.offersFailed {
		tl.turn.offersFailed = true
		tl.turn.Say(concierge.Message{Kind: concierge.MessageText, Text: tl.turn.T("offers_unavailable", nil)})
	}
	var out []concierge.Offer
	// The words ruled out: one- and two-letter ones ("a", "le") hide no
	// title; a Chinese character (three bytes) is a word.
	exclude := slices.DeleteFunc(strings.Fields(strings.ToLower(a.Exclude)), func(w string) bool { return len(w) < 3 })
	for _, o := range found {
		if o.Price.Currency != tl.shop.Bot.Currency || (a.PriceMax > 0 && o.Price.Minor > a.PriceMax) || o.Price.Minor < a.PriceMin {
			continue
		}
		if slices.ContainsFunc(exclude, func(w string) bool { return strings.Contains(strings.ToLower(o.Title), w) }) {
			continue
		}
		out = append(out, o)
	}
	switch a.Sort {
	case catalog.PriceAsc:
		slices.SortStableFunc(out, func(x, y concierge.Offer) int { return cmp.Compare(x.Price.Minor, y.Price.Minor) })
	case catalog.PriceDesc:
		slices.SortStableFunc(out, func(x, y concierge.Offer) int { return cmp.Compare(y.Price.Minor, x.Price.Minor) })
	}
	if len(out) > MaxResults {
		out = out[:MaxResults]
	}
	return out
}

// mergeOffers puts offers after the catalog's products, keeping at least
// half of limit for offers when there are that many, so that a catalog
// that fills a page does not hide what the suppliers have.
func (tl *Tools) mergeOffers(pvs []ProductView, found []concierge.Offer, limit int) []ProductView {
	if len(found) == 0 {
		return pvs
	}
	keep := min(len(pvs), max(limit-len(found), limit-limit/2))
	out := slices.Clip(pvs[:keep])
	for _, o := range found {
		if len(out) == limit {
			break
		}
		out = append(out, tl.offerView(o))
	}
	tl.conv.Memory.Offers = found
	return out
}

func (tl *Tools) offerView(o concierge.Offer) ProductView {
	loc := tl.shop.Bot.DefaultLocale()
	if tl.turn != nil {
		loc = tl.turn.Locale
	}
	return ProductView{Product: o.Product(loc), Stock: o.Available, Offer: &o}
}

// offer finds the offer that sku stands for: one of the last search, or
// one already in the cart.
func (tl *Tools) offer(ctx context.Context, sku concierge.SKU) (concierge.Offer, error) {
	for _, o := range tl.conv.Memory.Offers {
		if o.SKU == sku {
			return o, nil
		}
	}
	lines, err := tl.tx.Cart(ctx, tl.conv.ID)
	if err != nil {
		return concierge.Offer{}, err
	}
	for _, l := range lines {
		if l.SKU == sku && l.Offer != nil {
			return *l.Offer, nil
		}
	}
	return concierge.Offer{}, concierge.Errorf(concierge.CodeNotFound, "product", "the offer %q is no longer in this conversation: search again", sku)
}

// Product returns the product sku stands for: the catalog's, or a
// supplier's offer shown in this conversation or in its cart; nil when
// there is none.
func (t *Turn) Product(ctx context.Context, sku concierge.SKU) *concierge.Product {
	if !sku.IsOffer() {
		return t.Shop.Bot.Product(sku)
	}
	o, err := t.Tools.offer(ctx, sku)
	if err != nil {
		return nil
	}
	return o.Product(t.Locale)
}

// setOfferLine puts quantity of the offer sku in the cart at the offer's
// price.
func (tl *Tools) setOfferLine(ctx context.Context, sku concierge.SKU, quantity int) error {
	o, err := tl.offer(ctx, sku)
	if err != nil {
		return err
	}
	if o.Available < quantity {
		return &ShortError{SKU: sku, Available: o.Available}
	}
	setter, ok := tl.tx.(CartOfferSetter)
	if !ok {
		return concierge.Errorf(concierge.CodeInternal, "cart", "this store cannot keep suppliers' offers in carts")
	}
	tl.conv.Memory.Focus = sku
	return setter.SetCartOffer(ctx, tl.conv.ID, o, quantity)
}

// OfferChange is one offer of the cart that its supplier no longer sells
// as it was put in the cart.
type OfferChange struct {
	// Was is the offer as the cart had it.
	Was concierge.Offer
	// Now is the offer as the supplier has it now, with its new price;
	// nil when it is gone (or fewer are left than the cart holds) or the
	// supplier could not confirm it.
	Now *concierge.Offer
	// Unconfirmed is set when the supplier did not answer: nothing is
	// changed in the cart, and the customer may try again.
	Unconfirmed bool
}

// OfferCheckError is what Checkout returns, placing no order, when asking
// the suppliers again found a changed price, an offer gone or a supplier
// that did not answer. The cart already holds the new prices and no
// longer holds what is gone; the customer is shown it before paying.
type OfferCheckError struct {
	Changes []OfferChange
}

func (e *OfferCheckError) Error() string { return "checkout: " + e.detail() }

// detail says each change, for a model as for a log.
func (e *OfferCheckError) detail() string {
	var parts []string
	for _, c := range e.Changes {
		switch {
		case c.Unconfirmed:
			parts = append(parts, fmt.Sprintf("%s could not be confirmed with its supplier", c.Was.Title))
		case c.Now == nil:
			parts = append(parts, fmt.Sprintf("%s is no longer available and left the cart", c.Was.Title))
		default:
			parts = append(parts, fmt.Sprintf("%s now costs %d (was %d minor units); the cart has the new price", c.Was.Title, c.Now.Price.Minor, c.Was.Price.Minor))
		}
	}
	return "the suppliers' offers changed, no order was placed, nothing was charged: " + strings.Join(parts, "; ")
}

// Unwrap makes the change a conflict: the cart changed under the customer.
func (e *OfferCheckError) Unwrap() error {
	return &concierge.Error{Code: concierge.CodeConflict, Op: "checkout", Message: e.detail()}
}

// recheckOffers asks each offer's supplier again before an order is
// placed. A changed price is written to the cart line, an offer gone (or
// with fewer left than the line holds) leaves the cart; either, or a
// supplier that does not answer, is an *OfferCheckError and no order is
// placed, so nothing is ever charged at a price the supplier no longer
// asks.
func (tl *Tools) recheckOffers(ctx context.Context, lines []concierge.CartLine) error {
	var changes []OfferChange
	for _, l := range lines {
		if l.Offer == nil {
			continue
		}
		if tl.shop.Offers == nil {
			changes = append(changes, OfferChange{Was: *l.Offer})
			if err := tl.tx.SetCartLine(ctx, tl.conv.ID, l.SKU, 0); err != nil {
				return err
			}
			continue
		}
		now, err := tl.shop.Offers.Recheck(ctx, *l.Offer)
		switch {
		case offerGone(err) || (err == nil && now.Available < l.Quantity):
			changes = append(changes, OfferChange{Was: *l.Offer})
			if err := tl.tx.SetCartLine(ctx, tl.conv.ID, l.SKU, 0); err != nil {
				return err
			}
		case err != nil:
			changes = append(changes, OfferChange{Was: *l.Offer, Unconfirmed: true})
		case now.Price != l.Offer.Price:
			changes = append(changes, OfferChange{Was: *l.Offer, Now: &now})
			setter, ok := tl.tx.(CartOfferSetter)
			if !ok {
				return concierge.Errorf(concierge.CodeInternal, "cart", "this store cannot keep suppliers' offers in carts")
			}
			if err := setter.SetCartOffer(ctx, tl.conv.ID, now, l.Quantity); err != nil {
				return err
			}
		}
	}
	if len(changes) > 0 {
		return &OfferCheckError{Changes: changes}
	}
	return nil
}

// ShowOfferChanges tells the customer what asking the suppliers again
// changed in their cart, and shows the cart as it is now, before any
// payment.
func (t *Turn) ShowOfferChanges(ctx context.Context, e *OfferCheckError) error {
	cv, err := t.Tools.Cart(ctx)
	if err != nil {
		return err
	}
	t.ShowCart(t.offerChangesText(e), cv)
	return nil
}

// offerChangesText says, in the turn's language, each change of e and
// that nothing was charged.
func (t *Turn) offerChangesText(e *OfferCheckError) string {
	var lines []string
	for _, c := range e.Changes {
		data := map[string]any{"Name": c.Was.Title}
		switch {
		case c.Unconfirmed:
			lines = append(lines, t.T("offer_unconfirmed", data))
		case c.Now == nil:
			lines = append(lines, t.T("offer_gone", data))
		default:
			data["Was"], data["Now"] = t.Shop.Text.Money(t.Locale, c.Was.Price), t.Shop.Text.Money(t.Locale, c.Now.Price)
			lines = append(lines, t.T("offer_price_changed", data))
		}
	}
	return strings.Join(append(lines, t.T("offers_changed_end", nil)), "\n")
}

package concierge

import "strings"

// OfferRequest is what a customer asked a supplier for: the slots that
// fill a supplier source's URL template ({query}, {date}, {from}, {to},
// {quantity}). An offer keeps the request that found it, so that checkout
// asks the supplier the same question again.
type OfferRequest struct {
	Query    string `json:"query,omitempty"`
	Date     string `json:"date,omitempty"`
	From     string `json:"from,omitempty"`
	To       string `json:"to,omitempty"`
	Quantity int    `json:"quantity,omitempty"`
}

// Offer is something a supplier has right now (a room, a seat, a rental),
// found by asking the supplier's availability API rather than read from the
// catalog. It is shown and compared like a product and sold at Price, the
// supplier's price when it was found; checkout asks the supplier again
// before the customer pays.
type Offer struct {
	// SKU stands for the offer wherever a product's SKU would (the shown
	// list, the cart): OfferSKU(Source, ID).
	SKU SKU `json:"sku"`
	// Source is the supplier source's name in the bot file, ID the
	// supplier's own id of the offer.
	Source string `json:"source"`
	ID     string `json:"id"`
	Title  string `json:"title"`
	Price  Money  `json:"price"`
	// Available is how many the supplier said it has.
	Available int          `json:"available"`
	Request   OfferRequest `json:"request"`
}

// offerMark starts every offer's SKU. A catalog SKU starts with a letter or
// a digit, so the two never collide.
const offerMark = "@"

// OfferSKU returns the SKU that stands for the offer id of source.
func OfferSKU(source, id string) SKU { return SKU(offerMark + source + "/" + id) }

// IsOffer reports whether s stands for a supplier's offer rather than a
// catalog product: it has no stock of its own in the store.
func (s SKU) IsOffer() bool { return strings.HasPrefix(string(s), offerMark) }

// Product returns the offer as a product of the catalog's shape, named in
// loc, so that the code that shows and compares products shows it too.
func (o *Offer) Product(loc Locale) *Product {
	return &Product{SKU: o.SKU, Name: map[Locale]string{loc: o.Title}, Price: o.Price, Stock: o.Available,
		Attrs: map[string]string{"supplier": o.Source}}
}

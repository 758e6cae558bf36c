package concierge

// Facets summarise every product a catalog search found, not only the
// page shown: how many are in each category, have each value of an
// attribute (size, colour, material…), cost within each price band and
// are in stock. They tell a shopper or an agent how to narrow a search,
// and each count is what the matching filter would return.
//
// A product is counted as the shop lists it: the variants of one group
// (Product.Group) count once, in every value and band one of its found
// variants has.
type Facets struct {
	// Total is the number of products found.
	Total      int          `json:"total"`
	Categories []FacetValue `json:"categories,omitempty"`
	// Attrs are the attributes the products found have, the variants'
	// choices first (size, color…), then the others by how many
	// products have them. A product without the attribute is in none of
	// its values.
	Attrs []AttrFacet `json:"attributes,omitempty"`
	// Prices are bands chosen from the found products' prices, cheapest
	// first, in minor units of Currency.
	Prices   []PriceBand `json:"price_bands,omitempty"`
	Currency string      `json:"currency,omitempty"`
	// InStock counts the products with a variant in stock at the
	// catalog's count (digital products always are); the live count,
	// less what open orders reserve, is in the store.
	InStock int `json:"in_stock"`
}

// FacetValue is one value of a facet and how many products found have it.
type FacetValue struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// AttrFacet is an attribute as the catalog names it ("color", "taille")
// and its values as the catalog writes them, the most frequent first.
type AttrFacet struct {
	Name   string       `json:"name"`
	Values []FacetValue `json:"values"`
}

// PriceBand is a range of prices in minor units, both ends included; Max
// 0 is no upper bound. Its ends are the price filters that select it.
type PriceBand struct {
	Min   int64 `json:"min"`
	Max   int64 `json:"max,omitempty"`
	Count int   `json:"count"`
}

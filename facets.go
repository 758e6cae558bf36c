package concierge

import (
	"bytes"
	"encoding/json"
	"fmt"
)

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
// An attribute with too many values to count (more than a hundred in the
// catalog) has no Values, and is a facet only when its values are
// numbers with a unit: its Numbers.
type AttrFacet struct {
	Name   string       `json:"name"`
	Values []FacetValue `json:"values"`
	// Numbers is set when some products found write the attribute as a
	// number: the span a Range filter on it can select.
	Numbers *NumberFacet `json:"numbers,omitempty"`
}

// PriceBand is a range of prices in minor units, both ends included; Max
// 0 is no upper bound. Its ends are the price filters that select it.
type PriceBand struct {
	Min   int64 `json:"min"`
	Max   int64 `json:"max,omitempty"`
	Count int   `json:"count"`
}

// NumberFacet is the span of an attribute's numbers among the products
// found ("lumens" from 400 to 806, "weight" from "800 g" to "1.5 kg"):
// set when some of them write the attribute as a number, optionally with
// a unit. Values in units of one kind are compared in one unit (800 g is
// less than 1.5 kg); the kind is the one most of the catalog's values
// are written in.
type NumberFacet struct {
	// Min and Max are the lowest and highest values found, as the
	// catalog writes them: the Range from Min to Max finds Count
	// products.
	Min   string `json:"min"`
	Max   string `json:"max"`
	Count int    `json:"count"`
	// NotNumbers counts the products found whose value is not a number
	// of that kind ("S", "n/a", "40 cm" among weights): a Range on the
	// attribute leaves them out.
	NotNumbers int `json:"not_numbers,omitempty"`
}

// Range bounds the numbers an attribute's values write, both ends
// included: "lumens" from "400" to "800", "weight" up to "1.5 kg". An
// end is a number, optionally followed by one unit ("800 g", "1000Wh");
// an empty end is open. An end without a unit is in the other end's
// unit, or else in the unit the catalog writes the attribute's values
// in. A product whose value is not a number of the range's kind is left
// out (NumberFacet.NotNumbers counts them).
type Range struct {
	Min string `json:"min,omitempty"`
	Max string `json:"max,omitempty"`
	// Strict leaves the ends out: "less than 200 ml", "小于200ml". Only
	// the rules brain's reading of a message sets it; agents' and
	// models' ranges include their ends.
	Strict bool `json:"-"`
}

// UnmarshalJSON reads a Range whose ends are JSON strings ("1.5 kg") or
// numbers (400), as agents and models write them.
func (r *Range) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("range: %w", err)
	}
	for k := range raw {
		if k != "min" && k != "max" {
			// A misspelt end would otherwise be an open one.
			return fmt.Errorf("range: unknown field %q (min and max only)", k)
		}
	}
	end := func(name string, m json.RawMessage) (string, error) {
		m = bytes.TrimSpace(m)
		switch {
		case len(m) == 0 || string(m) == "null":
			return "", nil
		case m[0] == '"':
			var s string
			err := json.Unmarshal(m, &s)
			return s, err
		}
		var n json.Number
		if err := json.Unmarshal(m, &n); err != nil {
			return "", fmt.Errorf("range: %s is neither a number nor a string", name)
		}
		return n.String(), nil
	}
	var err error
	if r.Min, err = end("min", raw["min"]); err != nil {
		return err
	}
	r.Max, err = end("max", raw["max"])
	return err
}

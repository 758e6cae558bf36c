package agentcommerce

import (
	"slices"
	"strings"

	"github.com/conciergehq/concierge"
)

// Filter narrows a catalog search to the products an agent asks for, as
// the facets of a search (concierge.Facets) name them. All given
// criteria hold together; a variant group passes when one of its
// variants does.
type Filter struct {
	// Categories keeps products of any of them (case does not matter).
	Categories []string `json:"categories,omitempty" jsonschema:"keep products of any of these categories"`
	// PriceMin and PriceMax bound the price in minor units, both
	// included; 0 is no bound.
	PriceMin int64 `json:"price_min,omitempty" jsonschema:"lowest price in minor units (cents), included"`
	PriceMax int64 `json:"price_max,omitempty" jsonschema:"highest price in minor units (cents), included"`
	// Attrs keeps products that have, for each attribute named, one of
	// its values ("color": ["blue"], "size": ["42", "43"]): names and
	// values as the facets write them; the shop's search also takes a
	// value in another of its languages ("blue" for "bleu").
	Attrs map[string][]string `json:"attributes,omitempty" jsonschema:"for each attribute (size, color, material… as the facets name them), the values to keep: a product must have one of them"`
	// Ranges keeps products whose value of each attribute named is a
	// number within its range (concierge.Range: "lumens" from "400" to
	// "800", "weight" up to "1.5 kg"), as the facets' numbers show
	// them. Only the shop's search (FindFunc) reads numbers: without
	// it, a range is refused.
	Ranges map[string]concierge.Range `json:"ranges,omitempty" jsonschema:"for attributes whose facets show numbers, the numbers to keep: min and max, both included, either left out, each a number with or without a unit (400, 1.5 kg, 1000Wh); g and kg or cm and m compare, an end without a unit is in the other end's unit or the attribute's, and a product whose value is not a number is left out"`
	// InStock keeps products with stock at the catalog's count; the live
	// count, less what open checkouts hold, is each variant's
	// availability.
	InStock bool `json:"in_stock,omitempty" jsonschema:"only products in stock"`
}

// Empty reports whether f keeps every product.
func (f Filter) Empty() bool {
	return len(f.Categories) == 0 && f.PriceMin == 0 && f.PriceMax == 0 && len(f.Attrs) == 0 && len(f.Ranges) == 0 && !f.InStock
}

// Find returns the products query finds that pass f, best first, a group
// once, and the facets of all of them (not only the first limit, 0:
// all). With the shop's Find (server wires the chat's search, as for
// Rank) the search and the filters are the catalog's, and faceted is
// true. Without it, Find is Search (the word match) filtered here, and
// no facets are counted. A bad filter (a range whose end is not a
// number, or whose min is above its max; any range without FindFunc) is
// an *Error with ReasonInvalid, and nothing is found.
func (s *Shop) Find(query string, f Filter, limit int) (products []*concierge.Product, facets concierge.Facets, faceted bool, err error) {
	if s.FindFunc == nil {
		if len(f.Ranges) > 0 {
			return nil, concierge.Facets{}, false, &Error{Reason: ReasonInvalid, Path: "$.ranges", Message: "this shop's search does not filter by ranges"}
		}
		for _, p := range s.Search(query, 0) {
			if s.passes(p, f) {
				products = append(products, p)
				if len(products) == limit {
					break
				}
			}
		}
		return products, concierge.Facets{}, false, nil
	}
	skus, facets, err := s.FindFunc(query, f)
	if err != nil {
		return nil, concierge.Facets{}, false, &Error{Reason: ReasonInvalid, Path: "$.ranges", Message: err.Error()}
	}
	return s.listed(skus, limit), facets, true, nil
}

// passes reports whether p's product (its group, or p alone) has a
// variant that passes every criterion of f.
func (s *Shop) passes(p *concierge.Product, f Filter) bool {
	if f.Empty() {
		return true
	}
	vs, _ := s.Variants(p)
	if vs == nil {
		vs = []*concierge.Product{p}
	}
	return slices.ContainsFunc(vs, func(v *concierge.Product) bool {
		switch {
		case len(f.Categories) > 0 && !slices.ContainsFunc(f.Categories, func(c string) bool { return v.Category != "" && strings.EqualFold(strings.TrimSpace(c), v.Category) }):
		case f.PriceMin > 0 && v.Price.Minor < f.PriceMin, f.PriceMax > 0 && v.Price.Minor > f.PriceMax:
		case f.InStock && v.Stock <= 0 && !v.Digital:
		default:
			for name, values := range f.Attrs {
				if len(values) == 0 {
					continue // named with no value: no constraint
				}
				have := ""
				for k, x := range v.Attrs {
					if strings.EqualFold(strings.TrimSpace(k), strings.TrimSpace(name)) {
						have = strings.TrimSpace(x)
					}
				}
				if !slices.ContainsFunc(values, func(w string) bool { return have != "" && strings.EqualFold(strings.TrimSpace(w), have) }) {
					return false
				}
			}
			return true
		}
		return false
	})
}

package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/catalogfeed"
)

// checkVariants reports, for concierge validate, the variants of a group
// that no attribute tells apart: two products of group "TRAIL" that are
// both "size: 42, color: blue" (or have no attributes at all) cannot be
// picked by what a customer says, nor shown as choices. Each is reported
// at the product that repeats an earlier one, in the bot file or in its
// feed. The catalog checked is the merged one: a later feed may give the
// attributes an earlier source left out.
func checkVariants(f *File, src *source, errs *Errors) {
	var cat catalogfeed.Catalog
	type place struct {
		file      string
		line, col int
	}
	where := map[concierge.SKU]place{}
	for i, p := range f.Catalog.Products {
		cat.AddProduct(p.product(f.Currency))
		at := fmt.Sprintf("catalog.products[%d]", i)
		if v, ok := src.at(at + ".group"); ok {
			where[concierge.SKU(p.SKU)] = place{src.path, v.line, v.col}
		} else if v, ok := src.at(at); ok {
			where[concierge.SKU(p.SKU)] = place{src.path, v.line, v.col}
		}
	}
	for i, it := range f.feeds {
		cat.Add(it)
		if _, ok := where[it.Product.SKU]; !ok {
			where[it.Product.SKU] = place{f.Catalog.Sources[f.feedFrom[i]].Path, it.Line, it.Col}
		}
	}
	seen := map[string]map[string]concierge.SKU{} // group → attributes → first SKU
	for _, p := range cat.Products() {
		if p.Group == "" {
			continue
		}
		key := attrsKey(p.Attrs)
		if seen[p.Group] == nil {
			seen[p.Group] = map[string]concierge.SKU{}
		}
		first, dup := seen[p.Group][key]
		if !dup {
			seen[p.Group][key] = p.SKU
			continue
		}
		at, was := where[p.SKU], where[first]
		what := "the same attributes (" + key + ")"
		if key == "" {
			what = "no attributes"
		}
		errs.add(Diagnostic{File: at.file, Line: at.line, Col: at.col, Message: fmt.Sprintf(
			"product %q and product %q (line %d) are variants of group %q with %s: give each variant the size, color… that tells it apart",
			p.SKU, first, was.line, p.Group, what)})
	}
}

// attrsKey writes attributes in a stable order: "color=blue, size=42".
func attrsKey(attrs map[string]string) string {
	keys := slices.Sorted(maps.Keys(attrs))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+strings.ToLower(strings.TrimSpace(attrs[k])))
	}
	return strings.Join(parts, ", ")
}

package catalog

import (
	"maps"
	"slices"

	"github.com/conciergehq/concierge"
)

// BySize returns, among skus, the smallest product (largest when largest
// is set) when their names are one name with one number that differs
// ("Monstera 12 cm pot" / "Monstera 21 cm pot", "moka pot, 3 cups" / "6
// cups"): "the small one", "大的" pick by that number. Otherwise "": names
// that differ by more than the number cannot be ordered by size.
func (ix *Index) BySize(skus []concierge.SKU, largest bool) concierge.SKU {
	if len(skus) < 2 {
		return ""
	}
	// The first locale (in order) in which the names differ only at one
	// number decides.
	p := ix.Product(skus[0])
	if p == nil {
		return ""
	}
	locs := slices.Sorted(maps.Keys(p.Name))
	for _, loc := range locs {
		if sku, ok := ix.bySizeIn(skus, loc, largest); ok {
			return sku
		}
	}
	return ""
}

func (ix *Index) bySizeIn(skus []concierge.SKU, loc concierge.Locale, largest bool) (concierge.SKU, bool) {
	type shape struct {
		words []string
		nums  []float64
	}
	shapes := make([]shape, len(skus))
	for i, sku := range skus {
		p := ix.Product(sku)
		if p == nil || p.Name[loc] == "" {
			return "", false
		}
		for _, t := range tokenize(Fold(p.Name[loc])) {
			if v, ok := NumberValue(t.text); ok && !t.han {
				shapes[i].nums = append(shapes[i].nums, v)
				shapes[i].words = append(shapes[i].words, "#")
				continue
			}
			shapes[i].words = append(shapes[i].words, t.text)
		}
	}
	differs := -1
	for i := range shapes {
		if !slices.Equal(shapes[i].words, shapes[0].words) || len(shapes[i].nums) != len(shapes[0].nums) {
			return "", false
		}
		for k := range shapes[i].nums {
			if shapes[i].nums[k] != shapes[0].nums[k] {
				if differs >= 0 && differs != k {
					return "", false
				}
				differs = k
			}
		}
	}
	if differs < 0 {
		return "", false
	}
	best := 0
	seen := map[float64]bool{}
	for i := range shapes {
		v := shapes[i].nums[differs]
		if seen[v] {
			return "", false // two of the same size
		}
		seen[v] = true
		if largest && v > shapes[best].nums[differs] || !largest && v < shapes[best].nums[differs] {
			best = i
		}
	}
	return skus[best], true
}

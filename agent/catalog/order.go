package catalog

import (
	"maps"
	"slices"

	"github.com/conciergehq/concierge"
)

// InSaidOrder tells apart products whose names are the same words in
// another order ("Travel adapter UK to EU" and "… EU to UK") by the
// order text says them. (Chinese names are read as overlapping pairs of
// characters: "英标转欧标" and "欧标转英标" are other words already.) ok is false when no two
// of skus are named so, or text does not say two of the words that are
// ordered differently; then sku is "" and the caller chooses as usual.
// Otherwise sku is the one whose name says them in text's order, or ""
// when none or several do (the caller asks).
func (ix *Index) InSaidOrder(text string, skus []concierge.SKU) (sku concierge.SKU, ok bool) {
	said := ix.lx.analyze(Fold(text))
	if len(said) < 2 || len(skus) < 2 {
		return "", false
	}
	type named struct {
		sku  concierge.SKU
		keys []string
	}
	byLocale := map[concierge.Locale][]named{}
	for _, s := range skus {
		p := ix.Product(s)
		if p == nil {
			continue
		}
		for loc, name := range p.Name {
			ts := ix.nameTerms(name)
			keys := make([]string, len(ts))
			for i, t := range ts {
				keys[i] = t.key
			}
			byLocale[loc] = append(byLocale[loc], named{s, keys})
		}
	}
	agree := map[concierge.SKU]bool{}
	told := false
	for _, loc := range slices.Sorted(maps.Keys(byLocale)) {
		ns := byLocale[loc]
		for i := range ns {
			for j := range ns {
				if i == j || !sameWords(ns[i].keys, ns[j].keys) || slices.Equal(ns[i].keys, ns[j].keys) {
					continue
				}
				// The words text says of these names, in text's order.
				var seq []string
				for _, t := range said {
					if slices.Contains(ns[i].keys, t.key) && !slices.Contains(seq, t.key) {
						seq = append(seq, t.key)
					}
				}
				in, other := subsequence(seq, ns[i].keys), subsequence(seq, ns[j].keys)
				if in == other {
					continue // text does not say what orders them apart
				}
				told = true
				if in {
					agree[ns[i].sku] = true
				}
			}
		}
	}
	if !told {
		return "", false
	}
	if len(agree) == 1 {
		for s := range agree {
			return s, true
		}
	}
	return "", true
}

// sameWords reports whether a and b hold the same words as often.
func sameWords(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// subsequence reports whether seq appears in keys in its order.
func subsequence(seq, keys []string) bool {
	k := 0
	for _, w := range keys {
		if k < len(seq) && seq[k] == w {
			k++
		}
	}
	return k == len(seq)
}

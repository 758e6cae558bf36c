package catalog

// buildCategories lists the categories and the terms that mark each one: the
// words of the category's own name, and the kinds and uses of product
// ("lamp", "desk", "bedroom") found in the names and tags of at least a
// quarter of its products and at least three times as often as in all the
// other products together. Attributes ("warm", "linen") never mark a
// category.
func (ix *Index) buildCategories() {
	byFold := map[string]int{}
	members := [][]int{}
	for i := range ix.products {
		c := ix.products[i].Category
		if c == "" {
			continue
		}
		f := Fold(c)
		k, ok := byFold[f]
		if !ok {
			k = len(ix.categories)
			byFold[f] = k
			ix.categories = append(ix.categories, c)
			members = append(members, nil)
		}
		members[k] = append(members[k], i)
	}
	mark := func(key string, c, weight int) {
		for _, m := range ix.markers[key] {
			if m.category == c {
				return
			}
		}
		ix.markers[key] = append(ix.markers[key], marker{category: c, weight: weight})
	}
	// The category's own name is the surest sign.
	for c, name := range ix.categories {
		for _, t := range ix.lx.analyze(Fold(name)) {
			mark(t.key, c, 2)
		}
	}
	strong := ix.strongConcepts()
	catOf := categoryOfDocs(len(ix.docs), members)
	inCat := make([]int, len(ix.categories))
	for _, key := range sortedKeys(strong) {
		if ix.lx.kinds[key[1:]] == attribute {
			continue
		}
		// Products with the term in their name, tags or category, in
		// each category (in) and outside it (out).
		clear(inCat)
		for _, d := range strong[key] {
			if c := catOf[d]; c >= 0 {
				inCat[c]++
			}
		}
		for c := range ix.categories {
			in := inCat[c]
			out := len(strong[key]) - in
			if in > 0 && 4*in >= len(members[c]) && in >= 3*out {
				mark(key, c, 1)
			}
		}
	}
}

// marker says that a term points at a category, and how surely: 2 for a
// word of the category's name, 1 for a kind or use most of its products
// have.
type marker struct {
	category, weight int
}

// CategoryOf returns the category text is about, as the catalog spells it
// ("bulbs" for "ampoules", "灯泡" or "dimmable bulbs"), or "" when it names
// none or several equally. A kind of product outweighs a use: "ampoule pour
// lampe de chevet" is about bulbs; the category's own name outweighs what
// its products happen to share: "lampe pour lire au lit" is bedside although
// reading lamps are desk lamps. "lampe" alone is about no single category
// when the catalog has desk and bedside lamps.
func (ix *Index) CategoryOf(text string) string {
	if len(ix.categories) == 0 {
		return ""
	}
	terms, _ := ix.queryTerms(text)
	return ix.categoryOf(terms)
}

func (ix *Index) categoryOf(terms []term) string {
	if len(ix.categories) == 0 {
		return ""
	}
	score := make([]int, len(ix.categories))
	for _, t := range terms {
		kindBonus := 0
		if t.kind == conceptTerm && ix.lx.kinds[t.key[1:]] == productKind {
			kindBonus = 2
		}
		for _, m := range ix.markers[t.key] {
			score[m.category] += m.weight + kindBonus
		}
	}
	best, tie := -1, false
	for c, s := range score {
		switch {
		case s == 0:
		case best < 0 || s > score[best]:
			best, tie = c, false
		case s == score[best]:
			tie = true
		}
	}
	if best < 0 || tie {
		return ""
	}
	return ix.categories[best]
}

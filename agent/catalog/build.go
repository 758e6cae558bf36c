package catalog

// strongConcepts returns, for each concept key ("@lamp") that some
// product has in its name, tags or category, those products in catalog
// order: one pass over the products instead of one per concept.
func (ix *Index) strongConcepts() map[string][]int {
	out := map[string][]int{}
	for i := range ix.docs {
		for k := range ix.docs[i].strong {
			if k[0] == '@' {
				out[k] = append(out[k], i)
			}
		}
	}
	return out
}

// categoryOfDocs returns the category of each of n products, by index in
// members (the products of each category), or -1.
func categoryOfDocs(n int, members [][]int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = -1
	}
	for c, docs := range members {
		for _, d := range docs {
			out[d] = c
		}
	}
	return out
}

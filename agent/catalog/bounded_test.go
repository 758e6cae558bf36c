package catalog

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
)

// TestBoundedSearchMatchesExhaustive compares the bounded top-k with
// summing every posting (the search before it, kept for the price sorts
// and the unlimited search) on generated catalogs: fixed fr/en/zh queries
// and words of random products' names, tags, categories, attributes and
// descriptions, alone and two or three together, with typos and SKUs,
// under every filter and several limits. Hits must be identical: the same
// products in the same order with the same scores.
func TestBoundedSearchMatchesExhaustive(t *testing.T) {
	for seed, f := range []string{"testdata/catalog.yaml", "testdata/heads.yaml", "testdata/lines.yaml", "testdata/strangers.yaml", "testdata/variants.yaml"} {
		t.Run(strings.TrimSuffix(strings.TrimPrefix(f, "testdata/"), ".yaml"), func(t *testing.T) {
			n := 600
			if seed == 0 {
				n = 3000 // the lamp shop: "lampe", "lamp", "台灯" reach a third of it
			}
			ps := catalogtest.Large(t, f, n)
			ix := New(ps, incLocales)
			rng := rand.New(rand.NewPCG(uint64(seed), 17))
			qs := boundedQueries(rng, ps, 150)
			bounded := checkBounded(t, ix, qs)
			// The comparison means something only if the bounded path ran.
			if bounded < 1000 {
				t.Errorf("only %d searches took the bounded top-k", bounded)
			}
			// ... and the weight combinations answered many of them.
			answered := 0
			for _, q := range qs {
				for _, limit := range []int{1, 10} {
					if _, ok := topOf(ix, q, limit, (*Index).topByWeights); ok {
						answered++
					}
				}
			}
			if answered < len(qs)/2 {
				t.Errorf("the weight combinations answered %d of %d searches", answered, 2*len(qs))
			}
		})
	}
}

// TestBoundedSkipsGenericWords checks that the bounded top-k does not
// give up (and sum every posting) on the queries it is for: a generic
// word alone or with a rarer one, in fr, en and zh.
func TestBoundedSkipsGenericWords(t *testing.T) {
	ix := New(catalogtest.Large(t, "testdata/catalog.yaml", 3000), incLocales)
	for _, q := range []string{"lampe", "lamp", "台灯", "我想买台灯", "je cherche une lampe de bureau", "looking for a desk lamp"} {
		if top, ok := topOf(ix, q, 5, (*Index).topBounded); !ok || len(top) != 5 {
			t.Errorf("%q: the bounded top-k gave %v, %v", q, top, ok)
		}
	}
}

// TestCombosWhereTheWalkGivesUp checks that the weight combinations
// answer the queries whose words' best weights are on different products
// ("warm" is in bulbs' names, "bedside" and "lamp" in lamps'), where the
// bounded walk runs out of its budget, and the generic ones, with what
// summing every posting gives.
func TestCombosWhereTheWalkGivesUp(t *testing.T) {
	ix := New(catalogtest.Large(t, "testdata/catalog.yaml", 3000), incLocales)
	if _, ok := topOf(ix, "a warm bedside lamp under 60 euros", 8, (*Index).topBounded); ok {
		t.Log("the bounded walk no longer gives up on the warm bedside lamp")
	}
	for _, q := range []string{"a warm bedside lamp under 60 euros", "warm bedside lamp", "lampe", "lamp", "台灯", "我想买台灯", "je cherche une lampe de bureau", "looking for a desk lamp"} {
		for _, limit := range []int{1, 2, 8, 20} {
			if top, ok := topOf(ix, q, limit, (*Index).topByWeights); !ok || len(top) != limit {
				t.Fatalf("%q, limit %d: the weight combinations gave %v, %v", q, limit, top, ok)
			}
			terms, unknown := ix.queryTerms(q)
			for _, sq := range []Query{{Text: q, Limit: limit}, {Text: q, Limit: limit, PriceMax: 6000}, {Text: q, Limit: limit, Category: "bedside"}} {
				got := ix.searchBy(sq, terms, unknown, comboPath)
				if want := ix.searchBy(sq, terms, unknown, sumPath); len(want) == 0 || !slices.Equal(got, want) {
					t.Fatalf("Search(%+v):\ncombinations %v\nsum          %v", sq, got, want)
				}
			}
		}
	}
}

// topOf runs a top-k function of the index on query's word lists, every
// product passing, as searchDocs would run it.
func topOf(ix *Index, query string, limit int, top func(*Index, []wordList, func(int) bool, func(int) bool, []int, Sort, int) ([]scored, bool)) ([]scored, bool) {
	all := func(int) bool { return true }
	terms, _ := ix.queryTerms(query)
	var lists []wordList
	for _, tm := range terms {
		if ps := ix.postings.get(tm.key); len(ps) > 0 {
			f := ix.idf(len(ps))
			if tm.typo {
				f *= typoFactor
			}
			lists = append(lists, ix.wordList(tm.key, ps, f))
		}
	}
	if len(lists) == 0 {
		return nil, false
	}
	return top(ix, lists, all, all, nil, Relevance, limit)
}

// TestBoundsFollowUpdates applies the random edits of
// TestUpdateTextMatchesNew, each step updating the index of the step
// before, and checks after every step that the bounds are those of the
// postings (none stale, none missing), that every posting list's parts
// are in catalog order (what the cursors rely on), and that the bounded
// top-k still matches summing every posting.
func TestBoundsFollowUpdates(t *testing.T) {
	var pool []concierge.Product
	for _, f := range []string{"testdata/catalog.yaml", "testdata/heads.yaml", "testdata/lines.yaml"} {
		pool = append(pool, catalogtest.Load(t, f)...)
	}
	rng := rand.New(rand.NewPCG(3, 13))
	ps := catalogtest.Large(t, "testdata/catalog.yaml", 900)
	ix := New(ps, incLocales)
	fresh := 0
	for step := range 25 {
		next, _, desc := mutate(rng, ps, pool, &fresh)
		up, _ := ix.Update(next, incLocales, nil)
		if diff := boundsDiffer(up); diff != "" {
			t.Fatalf("step %d (%s): %s", step, desc, diff)
		}
		checkBounded(t, up, boundedQueries(rng, next, 20))
		ps, ix = next, up
	}
}

// TestBoundRisesWithAnUpdate covers the bound a stale map would get wrong:
// a word every product has in its description only (bound 1, so the
// bounded top-k could skip the whole list once it has a product scoring
// more) that one product then gets in its name, by a rename, or in its
// tags; and back. Prices and stock updated in place keep the bounds.
func TestBoundRisesWithAnUpdate(t *testing.T) {
	ps := catalogtest.Large(t, "testdata/catalog.yaml", 300)
	for i := range ps {
		ps[i].Description = map[concierge.Locale]string{"en": ps[i].Description["en"] + " quilted"}
	}
	ix := New(ps, incLocales)
	if b := ix.scratch.bounds["quilted"]; b == nil || b.max != weightDescription {
		t.Fatalf(`bound of "quilted" = %+v; want %v (descriptions only)`, b, weightDescription)
	}
	q := Query{Text: "quilted lamp", Limit: 3}
	// The last lamp of the catalog: found only if its list is read.
	last := len(ps) - 1
	for !strings.HasPrefix(string(ps[last].SKU), "LAMP-") {
		last--
	}
	renamed := slices.Clone(ps)
	renamed[last].Name = cloneNames(renamed[last].Name)
	renamed[last].Name["en"] += " quilted"
	tagged := slices.Clone(ps)
	tagged[200].Tags = append(slices.Clone(tagged[200].Tags), "quilted")
	priced := slices.Clone(ps)
	priced[10].Price.Minor += 100
	for _, c := range []struct {
		name  string
		ps    []concierge.Product
		bound float32
		first concierge.SKU
	}{
		{"renamed", renamed, weightName, ps[last].SKU},
		{"tagged", tagged, weightTag, ""},
		{"back", ps, weightDescription, ""},
		{"priced", priced, weightDescription, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			up, inPlace := ix.Update(c.ps, incLocales, nil)
			if b := up.scratch.bounds["quilted"]; b == nil || b.max != c.bound {
				t.Errorf(`bound of "quilted" = %+v, want %v`, b, c.bound)
			}
			if diff := boundsDiffer(up); diff != "" {
				t.Error(diff)
			}
			if c.name == "priced" && (!inPlace || up.scratch != ix.scratch) {
				t.Errorf("a price change rebuilt the bounds (in place %v)", inPlace)
			}
			got := up.Search(q)
			if c.first != "" && (len(got) == 0 || got[0].SKU != c.first) {
				t.Errorf("Search(%q) = %v, want %s first", q.Text, got, c.first)
			}
			checkBounded(t, up, []string{q.Text, "quilted", "quilted lampe", "lamp"})
		})
	}
}

// boundedQueries returns the fixed fr/en/zh queries and n made of random
// products' words.
func boundedQueries(rng *rand.Rand, ps []concierge.Product, n int) []string {
	qs := []string{
		"je cherche une lampe de bureau", "a warm bedside lamp under 60 euros", "我想买台灯", "lampe", "lamp", "台灯",
		"abat-jour en lin", "lampe de buerau", "ampoule pas chère", "looking for a desk lamp", "dimmable bulbs",
		"deks lamp", "可调光的灯泡", "欧若拉", "lampe zénith", "lamp " + string(ps[len(ps)/2].SKU), "compare the first two",
	}
	words := func(p *concierge.Product) []string {
		var texts []string
		for _, s := range p.Name {
			texts = append(texts, s)
		}
		for _, s := range p.Description {
			texts = append(texts, s)
		}
		for _, s := range p.Attrs {
			texts = append(texts, s)
		}
		texts = append(texts, p.Tags...)
		texts = append(texts, p.Category)
		var out []string
		for _, s := range texts {
			if strings.ContainsFunc(s, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
				out = append(out, s) // a Chinese text is cut by the index
				continue
			}
			out = append(out, strings.Fields(s)...)
		}
		return out
	}
	for range n {
		var q []string
		for range 1 + rng.IntN(3) {
			ws := words(&ps[rng.IntN(len(ps))])
			if len(ws) == 0 {
				continue
			}
			w := ws[rng.IntN(len(ws))]
			if len(w) > 5 && rng.IntN(5) == 0 { // a typo
				k := 1 + rng.IntN(len(w)-3)
				w = w[:k] + w[k+1:k+2] + w[k:k+1] + w[k+2:]
			}
			q = append(q, w)
		}
		if rng.IntN(8) == 0 {
			q = append(q, string(ps[rng.IntN(len(ps))].SKU))
		}
		qs = append(qs, strings.Join(q, " "))
	}
	return qs
}

// checkBounded compares every query under several limits and filters,
// bounded and exhaustive, and returns how many searches were bounded.
func checkBounded(t *testing.T, ix *Index, queries []string) int {
	t.Helper()
	cat := ""
	if len(ix.categories) > 0 {
		cat = ix.categories[0]
	}
	bounded := 0
	for _, text := range queries {
		for _, q := range []Query{
			{Text: text, Limit: 1}, {Text: text, Limit: 3}, {Text: text, Limit: 10}, {Text: text, Limit: 200},
			{Text: text, Limit: 5, InStockOnly: true}, {Text: text, Limit: 5, PriceMax: 4000}, {Text: text, Limit: 5, PriceMin: 3000},
			{Text: text, Limit: 5, Category: cat}, {Text: text, Limit: 5, Exclude: "lin"}, {Text: text + " 60 cm", Limit: 5},
			{Text: text, Limit: 5, Sort: PriceAsc},
		} {
			terms, unknown := ix.queryTerms(q.Text)
			want := ix.searchBy(q, terms, unknown, sumPath)
			for _, path := range []topPath{anyPath, walkPath, comboPath} {
				if got := ix.searchBy(q, terms, unknown, path); !slices.Equal(got, want) {
					t.Fatalf("Search(%+v), path %d:\nbounded    %v\nexhaustive %v", q, path, got, want)
				}
			}
			if q.Sort == Relevance && len(terms) > 0 {
				bounded++
			}
		}
	}
	return bounded
}

// postingsOf returns ix's posting lists by term.
func postingsOf(ix *Index) map[string][]posting {
	out := map[string][]posting{}
	ix.postings.each(func(k string, ps []posting) { out[k] = ps })
	return out
}

// boundsDiffer says how ix's bounds differ from its postings', and
// whether a posting list's parts are out of catalog order.
func boundsDiffer(ix *Index) string {
	for k, ps := range postingsOf(ix) {
		main, split := ps[:len(ps)-len(ix.splitDocs[k])], ps[len(ps)-len(ix.splitDocs[k]):]
		for _, part := range [][]posting{main, split} {
			for i := 1; i < len(part); i++ {
				if part[i].doc() <= part[i-1].doc() {
					return fmt.Sprintf("postings of %q out of catalog order at %d", k, i)
				}
			}
		}
		w, ok := ix.scratch.bounds[k]
		switch {
		case len(main) >= boundedLen && !ok:
			return fmt.Sprintf("no bound for %q (%d postings)", k, len(main))
		case len(main) < boundedLen && ok:
			return fmt.Sprintf("a bound for %q, %d postings", k, len(main))
		case ok && !reflect.DeepEqual(w, newListBound(main)):
			return fmt.Sprintf("bound of %q = %+v, its postings give %+v", k, w, newListBound(main))
		}
	}
	for k := range ix.scratch.bounds {
		if len(ix.postings.get(k)) == 0 {
			return fmt.Sprintf("a bound for %q, which has no postings", k)
		}
	}
	return ""
}

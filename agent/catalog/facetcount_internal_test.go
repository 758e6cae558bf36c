package catalog

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
)

// TestFacetCountsByComplement: counting the products found by the
// catalog's counts less those not found gives exactly the counts of
// counting them one by one, bucket by bucket, on generated catalogs with
// and without variant groups and numeric attributes, for searches and
// for random sets of products in random order (a variant group found by
// some of its variants only, a catalog whose size is not a multiple of
// 64).
func TestFacetCountsByComplement(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	for _, c := range []struct {
		path string
		n    int
	}{{"testdata/facets.yaml", 5003}, {"testdata/catalog.yaml", 6000}, {"testdata/ranges.yaml", 4101}} {
		ps := catalogtest.Large(t, c.path, c.n)
		ix := New(ps, []concierge.Locale{"fr", "en", "zh"})
		var sets [][]scored
		for _, q := range []Query{{}, {Text: "lampe"}, {Text: "t-shirt"}, {InStockOnly: true}, {Ranges: map[string]concierge.Range{"weight": {Max: "10 kg"}}}} {
			terms, unknown := ix.queryTerms(q.Text)
			q.unsorted = true
			sets = append(sets, slices.Clone(ix.searchDocs(q, terms, unknown, anyPath)))
		}
		for range 20 {
			keep := 0.5 + rng.Float64()/2
			var found []scored
			for d := range ix.docs {
				if rng.Float64() < keep {
					found = append(found, scored{doc: d})
				}
			}
			rng.Shuffle(len(found), func(i, j int) { found[i], found[j] = found[j], found[i] })
			sets = append(sets, found)
		}
		for i, found := range sets {
			if len(found) == 0 {
				continue
			}
			cuts, _, _ := ix.priceCuts(found)
			one, all := ix.count(found, cuts, false), ix.count(found, cuts, true)
			if !slices.Equal(one, all) {
				t.Errorf("%s, set %d (%d of %d products): by complement %v, one by one %v", c.path, i, len(found), c.n, all[:min(len(all), 40)], one[:min(len(one), 40)])
			}
			if again := ix.count(found, cuts, true); !slices.Equal(again, all) {
				t.Errorf("%s, set %d: the pooled bit set was not cleared", c.path, i)
			}
		}
	}
}

// BenchmarkFacetCount measures the counting of facets alone, one by one
// and by complement, on the products that searches of BenchmarkFacets
// find in the generated catalogs (CATALOG_SIZES): docs/benchmarks.md
// keeps the figures.
func BenchmarkFacetCount(b *testing.B) {
	for _, n := range catalogtest.Sizes(b, 100_000) {
		ix := New(catalogtest.Large(b, "testdata/catalog.yaml", n), []concierge.Locale{"fr", "en", "zh"})
		ix.facetTable()
		for _, c := range []struct {
			name string
			q    Query
		}{{"words", Query{Text: "lampe de bureau"}}, {"all", Query{}}, {"stock", Query{InStockOnly: true}}} {
			terms, unknown := ix.queryTerms(c.q.Text)
			c.q.unsorted = true
			found := slices.Clone(ix.searchDocs(c.q, terms, unknown, anyPath))
			cuts, _, _ := ix.priceCuts(found)
			b.Logf("%d products: %s finds %d", n, c.name, len(found))
			for _, way := range []struct {
				name       string
				complement bool
			}{{"one-by-one", false}, {"complement", true}} {
				b.Run(fmt.Sprintf("%d/%s/%s", n, c.name, way.name), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						ix.count(found, cuts, way.complement)
					}
				})
			}
		}
	}
}

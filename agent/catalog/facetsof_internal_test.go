package catalog

import (
	"fmt"
	"slices"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
)

// BenchmarkFacetsOf measures the facets of a search alone (facetsOf:
// price bands, counting and the facets' values), without the search, on
// the products that searches of BenchmarkFacets find in the generated
// catalogs (CATALOG_SIZES): docs/benchmarks.md keeps the figures, of this
// and of the versions before it.
func BenchmarkFacetsOf(b *testing.B) {
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
			b.Logf("%d products: %s finds %d", n, c.name, len(found))
			b.Run(fmt.Sprintf("%d/%s", n, c.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					ix.facetsOf(found)
				}
			})
		}
	}
}

package catalog_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
)

func facetIndex(tb testing.TB) (*catalog.Index, []concierge.Product) {
	tb.Helper()
	ps := catalogtest.Load(tb, "testdata/facets.yaml")
	return catalog.New(ps, []concierge.Locale{"fr", "en", "zh"}), ps
}

// render writes facets on one line per facet, as the tests expect them.
func render(f concierge.Facets) string {
	if f.Total == 0 {
		return "none"
	}
	values := func(vs []concierge.FacetValue) string {
		var parts []string
		for _, v := range vs {
			parts = append(parts, fmt.Sprintf("%s %d", v.Value, v.Count))
		}
		return strings.Join(parts, ", ")
	}
	lines := []string{fmt.Sprintf("total %d, in stock %d, %s", f.Total, f.InStock, f.Currency), "category: " + values(f.Categories)}
	for _, a := range f.Attrs {
		lines = append(lines, a.Name+": "+values(a.Values))
	}
	var bands []string
	for _, b := range f.Prices {
		bands = append(bands, fmt.Sprintf("%d-%d %d", b.Min, b.Max, b.Count))
	}
	return strings.Join(append(lines, "price: "+strings.Join(bands, ", ")), "\n")
}

// TestFacets checks the facets of searches and filters on the clothes
// shop of testdata/facets.yaml, counted by hand: a variant group counts
// once (the t-shirt is one product in blue and white, the jeans one in
// two price bands), products without an attribute are in none of its
// values, and the gift card is in stock because it is digital.
func TestFacets(t *testing.T) {
	ix, _ := facetIndex(t)
	tests := []struct {
		name string
		q    catalog.Query
		skus []concierge.SKU // the products found, as Search lists them
		want string
	}{
		{"everything", catalog.Query{}, nil, `total 8, in stock 7, EUR
category: tops 3, accessories 3, bottoms 1, gifts 1
color: blanc 3, bleu 2, gris 1, rouge 1, noir 1
size: 32 1, 34 1, S 1, M 1, L 1
material: coton 2, lin 1, laine 1, denim 1, soie 1
price: 1200-2499 2, 2500-3999 2, 4000-5999 3, 6000-8900 2`},
		{"fr words", catalog.Query{Text: "un t-shirt en lin"}, []concierge.SKU{"TEE-BLU-S", "TEE-BLU-M", "TEE-BLU-L", "TEE-WHT-M"}, `total 1, in stock 1, EUR
category: tops 1
color: bleu 1, blanc 1
size: S 1, M 1, L 1
material: lin 1
price: 2500-2500 1`},
		{"zh words", catalog.Query{Text: "修身牛仔裤"}, []concierge.SKU{"JEANS-32", "JEANS-34"}, `total 1, in stock 1, EUR
category: bottoms 1
color: bleu 1
size: 32 1, 34 1
material: denim 1
price: 5900-5999 1, 6000-6400 1`},
		{"en colour filter matches the French value", catalog.Query{Attrs: map[string][]string{"color": {"blue"}}},
			[]concierge.SKU{"TEE-BLU-S", "TEE-BLU-M", "TEE-BLU-L", "JEANS-32", "JEANS-34"}, `total 2, in stock 2, EUR
category: tops 1, bottoms 1
color: bleu 2
size: 32 1, 34 1, S 1, M 1, L 1
material: lin 1, denim 1
price: 2500-5999 2, 6000-6400 1`},
		{"zh colour filter, any of two values", catalog.Query{Attrs: map[string][]string{"Color": {"蓝色", "rouge"}}},
			[]concierge.SKU{"TEE-BLU-S", "TEE-BLU-M", "TEE-BLU-L", "JEANS-32", "JEANS-34", "SCARF-SILK"}, `total 3, in stock 3, EUR
category: tops 1, bottoms 1, accessories 1
color: bleu 2, rouge 1
size: 32 1, 34 1, S 1, M 1, L 1
material: lin 1, denim 1, soie 1
price: 2500-3999 2, 4000-5999 1, 6000-6400 1`},
		{"en material and zh colour, an attribute without values", catalog.Query{Attrs: map[string][]string{"material": {"cotton"}, "color": {"白色"}, "size": nil}},
			[]concierge.SKU{"SHIRT-OX", "SOCKS-3"}, `total 2, in stock 2, EUR
category: tops 1, accessories 1
color: blanc 2
material: coton 2
price: 1200-4900 2`},
		{"category and material", catalog.Query{Categories: []string{"Accessories"}, Attrs: map[string][]string{"material": {"COTON"}}}, []concierge.SKU{"SOCKS-3"}, `total 1, in stock 1, EUR
category: accessories 1
color: blanc 1
material: coton 1
price: 1200-1200 1`},
		{"size M: one variant of each colour", catalog.Query{Attrs: map[string][]string{"size": {"m"}}}, []concierge.SKU{"TEE-BLU-M", "TEE-WHT-M"}, `total 1, in stock 1, EUR
category: tops 1
color: bleu 1, blanc 1
size: M 1
material: lin 1
price: 2500-2500 1`},
		{"in stock only", catalog.Query{InStockOnly: true},
			[]concierge.SKU{"TEE-BLU-S", "TEE-BLU-L", "TEE-WHT-M", "SHIRT-OX", "JEANS-32", "SCARF-SILK", "CAP", "GIFT-CARD", "SOCKS-3"}, `total 7, in stock 7, EUR
category: accessories 3, tops 2, bottoms 1, gifts 1
color: blanc 3, bleu 2, rouge 1, noir 1
size: 32 1, S 1, M 1, L 1
material: coton 2, lin 1, denim 1, soie 1
price: 1200-2499 2, 2500-4999 3, 5000-5900 2`},
		{"price range", catalog.Query{PriceMin: 4000, PriceMax: 5999}, []concierge.SKU{"SHIRT-OX", "JEANS-32", "GIFT-CARD"}, `total 3, in stock 3, EUR
category: tops 1, bottoms 1, gifts 1
color: bleu 1, blanc 1
size: 32 1
material: coton 1, denim 1
price: 4900-4999 1, 5000-5900 2`},
		{"nothing found", catalog.Query{Text: "piano à queue"}, nil, "none"},
		{"a value no product has", catalog.Query{Attrs: map[string][]string{"color": {"vert"}}}, nil, "none"},
		{"an attribute the catalog does not have", catalog.Query{Attrs: map[string][]string{"fabric": {"lin"}}}, nil, "none"},
		{"a category the catalog does not have", catalog.Query{Categories: []string{"shoes"}}, nil, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, f := ix.Faceted(tt.q)
			if got := render(f); got != tt.want {
				t.Errorf("facets:\n%s\nwant:\n%s", got, tt.want)
			}
			if tt.skus != nil || len(hits) == 0 {
				got := skusOf(hits)
				slices.Sort(got)
				want := slices.Clone(tt.skus)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("found %v, want %v", got, want)
				}
			}
			if plain := ix.Search(tt.q); !slices.Equal(skusOf(plain), skusOf(hits)) {
				t.Errorf("Faceted found %v, Search %v", skusOf(hits), skusOf(plain))
			}
		})
	}
}

func skusOf(hits []catalog.Hit) []concierge.SKU {
	out := make([]concierge.SKU, len(hits))
	for i, h := range hits {
		out[i] = h.SKU
	}
	return out
}

// TestFacetCountsAreFilters checks every count against the filter that
// selects it: searching with a facet's value, or a band's prices, finds
// as many products (variant groups once) as the facet said.
func TestFacetCountsAreFilters(t *testing.T) {
	ix, ps := facetIndex(t)
	groups := func(hits []catalog.Hit) int {
		seen := map[string]bool{}
		for _, h := range hits {
			p := ix.Product(h.SKU)
			key := "sku:" + string(p.SKU)
			if p.Group != "" {
				key = p.Group
			}
			seen[key] = true
		}
		return len(seen)
	}
	for _, base := range []catalog.Query{{}, {Text: "coton"}, {Text: "t-shirt"}, {InStockOnly: true}, {Categories: []string{"tops"}}} {
		_, f := ix.Faceted(base)
		if f.Total == 0 {
			t.Fatalf("%+v finds nothing", base)
		}
		check := func(what string, q catalog.Query, want int) {
			t.Helper()
			hits, g := ix.Faceted(q)
			if n := groups(hits); n != want || g.Total != want {
				t.Errorf("%+v then %s: %d products (facets say %d), want %d", base, what, n, g.Total, want)
			}
		}
		for _, c := range f.Categories {
			q := base
			q.Categories = append(slices.Clone(base.Categories), c.Value)
			if len(base.Categories) > 0 {
				q.Categories = []string{c.Value}
			}
			check("category "+c.Value, q, c.Count)
		}
		for _, a := range f.Attrs {
			for _, v := range a.Values {
				q := base
				q.Attrs = map[string][]string{a.Name: {v.Value}}
				check(a.Name+" "+v.Value, q, v.Count)
			}
		}
		sum := 0
		for i, b := range f.Prices {
			q := base
			q.PriceMin, q.PriceMax = b.Min, b.Max
			check(fmt.Sprintf("price %d-%d", b.Min, b.Max), q, b.Count)
			sum += b.Count
			if i > 0 && b.Min <= f.Prices[i-1].Max {
				t.Errorf("%+v: bands %v overlap", base, f.Prices)
			}
		}
		if sum < f.Total {
			t.Errorf("%+v: bands %v count %d products of %d", base, f.Prices, sum, f.Total)
		}
		q := base
		q.InStockOnly = true
		check("in stock", q, f.InStock)
	}
	if len(ps) == 0 {
		t.Fatal("no products")
	}
}

// TestPriceBandsOnALargeCatalog checks that the bands of a generated
// catalog's prices are a few, round, in order, and cover every product.
func TestPriceBandsOnALargeCatalog(t *testing.T) {
	ps := catalogtest.Large(t, "testdata/catalog.yaml", 5000)
	ix := catalog.New(ps, []concierge.Locale{"fr", "en", "zh"})
	_, f := ix.Faceted(catalog.Query{})
	if f.Total != len(ps) {
		t.Fatalf("total %d, want %d", f.Total, len(ps))
	}
	if n := len(f.Prices); n < 2 || n > 4 {
		t.Fatalf("%d bands: %v", n, f.Prices)
	}
	lo, hi := ps[0].Price.Minor, ps[0].Price.Minor
	for _, p := range ps {
		lo, hi = min(lo, p.Price.Minor), max(hi, p.Price.Minor)
	}
	sum := 0
	for i, b := range f.Prices {
		sum += b.Count
		switch {
		case i == 0 && b.Min != lo, i == len(f.Prices)-1 && b.Max != hi:
			t.Errorf("bands %v do not run from %d to %d", f.Prices, lo, hi)
		case i > 0 && b.Min != f.Prices[i-1].Max+1:
			t.Errorf("bands %v leave a gap", f.Prices)
		case i > 0 && b.Min%100 != 0:
			t.Errorf("band %v does not start at a round price", b)
		}
	}
	if sum != len(ps) {
		t.Errorf("bands count %d products, want %d", sum, len(ps))
	}
}

// BenchmarkFacets compares a search with its facets (every product found
// counted) to the plain search of the same query, on the generated
// catalogs of BenchmarkScale, at the sizes of CATALOG_SIZES:
// docs/benchmarks.md keeps the figures.
func BenchmarkFacets(b *testing.B) {
	for _, n := range catalogtest.Sizes(b, 10_000, 100_000) {
		ps := catalogtest.Large(b, "testdata/catalog.yaml", n)
		ix := catalog.New(ps, []concierge.Locale{"fr", "en", "zh"})
		t0 := time.Now()
		ix.Faceted(catalog.Query{}) // the facet table is built once, on first use
		b.Logf("%d products: the first faceted search (building the facet table) took %v", n, time.Since(t0))
		queries := map[string]catalog.Query{
			"words":  {Text: "lampe de bureau", Limit: 10},
			"all":    {Limit: 10},
			"filter": {Text: "lamp", Attrs: map[string][]string{"material": {"steel"}}, Limit: 10},
			"stock":  {InStockOnly: true, Limit: 10},
		}
		for _, name := range []string{"words", "all", "filter", "stock"} {
			q := queries[name]
			_, f := ix.Faceted(q)
			b.Logf("%d products: %s finds %d", n, name, f.Total)
			b.Run(fmt.Sprintf("%d/%s/search", n, name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					ix.Search(q)
				}
			})
			b.Run(fmt.Sprintf("%d/%s/faceted", n, name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					ix.Faceted(q)
				}
			})
		}
	}
}

// TestFacetedConcurrently: faceted searches share the index's facet
// table, built by whichever comes first, and its pooled buffers; run
// together (go test -race) they give what they give alone.
func TestFacetedConcurrently(t *testing.T) {
	queries := []catalog.Query{{}, {Text: "t-shirt"}, {Attrs: map[string][]string{"color": {"blue"}}}, {InStockOnly: true, Limit: 2}, {Text: "修身牛仔裤"}}
	want := make([]string, len(queries))
	{
		ix, _ := facetIndex(t)
		for i, q := range queries {
			_, f := ix.Faceted(q)
			want[i] = render(f)
		}
	}
	ix, _ := facetIndex(t) // a new index: its table is built by the goroutines
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 20 {
				i := (g + k) % len(queries)
				if _, f := ix.Faceted(queries[i]); render(f) != want[i] {
					t.Errorf("%+v: concurrently\n%s\nalone\n%s", queries[i], render(f), want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}

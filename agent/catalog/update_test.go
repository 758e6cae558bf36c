package catalog_test

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
)

var updateLocales = []concierge.Locale{"fr", "en", "zh"}

// updateQueries cover prices, stock and sorts, which a price or stock
// change moves.
func updateQueries() []catalog.Query {
	var qs []catalog.Query
	for _, text := range append(slices.Clone(benchQueries), "", "lampe", "bulb", "LAMP-02-7") {
		qs = append(qs,
			catalog.Query{Text: text, Limit: 10},
			catalog.Query{Text: text, Sort: catalog.PriceAsc, Limit: 5},
			catalog.Query{Text: text, Sort: catalog.PriceDesc},
			catalog.Query{Text: text, PriceMax: 4000, PriceMin: 1500, InStockOnly: true, Limit: 20},
		)
	}
	return qs
}

// sameResults fails unless got answers every query as want does, scores
// included.
func sameResults(t *testing.T, got, want *catalog.Index) {
	t.Helper()
	for _, q := range updateQueries() {
		g, w := got.Search(q), want.Search(q)
		if !slices.Equal(g, w) {
			t.Fatalf("%+v:\nupdated index %v\nnew index     %v", q, g, w)
		}
	}
}

func TestUpdatePricesAndStockInPlace(t *testing.T) {
	ps := catalogtest.Large(t, "testdata/catalog.yaml", 2000)
	ix := catalog.New(ps, updateLocales)
	for _, hint := range []bool{false, true} {
		t.Run(fmt.Sprintf("hint=%v", hint), func(t *testing.T) {
			next := slices.Clone(ps)
			var changed []concierge.SKU
			for i := 0; i < len(next); i += 7 {
				next[i].Price.Minor = int64(100 + (i*37)%9000)
				next[i].Stock = i % 3
				next[i].Image = "https://img.example/new.png" // not indexed
				changed = append(changed, next[i].SKU)
			}
			if !hint {
				changed = nil
			}
			up, reused := ix.Update(next, updateLocales, changed)
			if !reused {
				t.Fatal("a price and stock change rebuilt the index")
			}
			sameResults(t, up, catalog.New(next, updateLocales))
			if got := up.Product(next[7].SKU); got.Price.Minor != next[7].Price.Minor || got.Image != next[7].Image {
				t.Errorf("Product = %+v, want the new product", got)
			}
			// The old index is untouched.
			sameResults(t, ix, catalog.New(ps, updateLocales))
		})
	}
}

func TestUpdateRebuildsOnTextChange(t *testing.T) {
	ps := catalogtest.Load(t, "testdata/catalog.yaml")
	ix := catalog.New(ps, updateLocales)
	renamed := slices.Clone(ps)
	renamed[3].Name = map[concierge.Locale]string{"fr": "Lampe de bureau Orion", "en": "Orion desk lamp"}
	withTag := slices.Clone(ps)
	withTag[2].Tags = append(slices.Clone(withTag[2].Tags), "rattan")
	cases := map[string]struct {
		products []concierge.Product
		changed  []concierge.SKU
		locales  []concierge.Locale
	}{
		"renamed":          {renamed, []concierge.SKU{ps[3].SKU}, updateLocales},
		"renamed, no hint": {renamed, nil, updateLocales},
		"new tag":          {withTag, nil, updateLocales},
		"deleted":          {ps[1:], []concierge.SKU{ps[0].SKU}, updateLocales},
		"added":            {append(slices.Clone(ps), catalogtest.Large(t, "testdata/catalog.yaml", 1)...), nil, updateLocales},
		"reordered":        {append(slices.Clone(ps[1:]), ps[0]), nil, updateLocales},
		"other locales":    {ps, nil, []concierge.Locale{"en", "fr", "zh"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			up, reused := ix.Update(c.products, c.locales, c.changed)
			if reused {
				t.Fatal("the index was reused, though the indexed text changed")
			}
			want := catalog.New(c.products, c.locales)
			for _, q := range updateQueries() {
				if g, w := up.Search(q), want.Search(q); !slices.Equal(g, w) {
					t.Fatalf("%+v: %v, want %v", q, g, w)
				}
			}
		})
	}
}

// TestUpdateWhileSearching runs searches on the current index while
// another goroutine keeps replacing it with updated ones (go test -race).
func TestUpdateWhileSearching(t *testing.T) {
	ps := catalogtest.Large(t, "testdata/catalog.yaml", 500)
	var cur atomic.Pointer[catalog.Index]
	cur.Store(catalog.New(ps, updateLocales))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				ix := cur.Load()
				q := updateQueries()[n%len(updateQueries())]
				ix.Search(q)
				ix.LookUp(q.Text, "lin", nil, 5)
			}
		}()
	}
	next := ps
	for i := range 200 {
		next = slices.Clone(next)
		next[i].Price.Minor += 100
		next[i].Stock = 0
		up, reused := cur.Load().Update(next, updateLocales, []concierge.SKU{next[i].SKU})
		if !reused {
			t.Fatal("rebuilt")
		}
		cur.Store(up)
	}
	close(stop)
	wg.Wait()
	sameResults(t, cur.Load(), catalog.New(next, updateLocales))
}

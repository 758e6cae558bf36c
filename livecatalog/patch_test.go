package livecatalog_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/catalogfeed"
	"github.com/conciergehq/concierge/livecatalog"
	"github.com/conciergehq/concierge/store"
)

// changeSink records how the catalog was handed over: whole, or with
// the changed SKUs.
type changeSink struct {
	whole, patched int
	changed        []concierge.SKU
}

func (s *changeSink) SetProducts([]concierge.Product) { s.whole++ }

func (s *changeSink) SetChangedProducts(_ []concierge.Product, changed []concierge.SKU) {
	s.patched++
	s.changed = changed
}

// TestPriceChangesPatch checks that a change of price or stock is applied
// to the current catalog without merging again, and that every step's
// catalog is the one a replica merging from scratch reads.
func TestPriceChangesPatch(t *testing.T) {
	eachStore(t, func(t *testing.T, open func() *store.DB) {
		ctx := context.Background()
		db := open()
		layers := []livecatalog.Layer{{Name: "feed", Items: []catalogfeed.Item{
			fileProduct("MUG-01", "Blue mug", 900, 5), fileProduct("POT-01", "Tea pot", 2500, 2), fileProduct("CUP-01", "Cup", 400, 0),
		}}}
		// A second layer that only gives a stock.
		layers = append(layers, livecatalog.Layer{Name: "stock", Items: []catalogfeed.Item{{
			Product: concierge.Product{SKU: "CUP-01", Stock: 7}, Fields: catalogfeed.FieldStock}}})
		cfg := livecatalog.Config{Bot: "shop", Currency: "EUR", Locales: []concierge.Locale{"en"}, Store: db, Layers: layers}
		sink := &changeSink{}
		cfg.Sink = sink
		c := livecatalog.New(cfg)
		if err := c.Load(ctx); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			name    string
			do      func() error
			patched bool
		}{
			{"price", func() error { return c.Upsert(ctx, []livecatalog.Update{{SKU: "MUG-01", Price: eur(990)}}) }, true},
			{"stock", func() error { return c.Upsert(ctx, []livecatalog.Update{{SKU: "MUG-01", Stock: ptr(3)}}) }, true},
			{"both, two products", func() error {
				return c.Upsert(ctx, []livecatalog.Update{{SKU: "POT-01", Price: eur(2400), Stock: ptr(0)}, {SKU: "CUP-01", Stock: ptr(1)}})
			}, true},
			{"set price", func() error {
				_, err := c.SetPrice(ctx, "CUP-01", concierge.Money{Minor: 450, Currency: "EUR"})
				return err
			}, true},
			{"rename", func() error {
				return c.Upsert(ctx, []livecatalog.Update{{SKU: "POT-01", Name: map[concierge.Locale]string{"en": "Glass tea pot"}}})
			}, false},
			// The renamed product's change keeps its name: merging decides.
			{"price after rename", func() error { return c.Upsert(ctx, []livecatalog.Update{{SKU: "POT-01", Price: eur(2300)}}) }, false},
			{"delete", func() error { return c.Delete(ctx, "CUP-01") }, false},
			{"price of a withdrawn product", func() error { return c.Upsert(ctx, []livecatalog.Update{{SKU: "CUP-01", Price: eur(500)}}) }, false},
			{"new product", func() error {
				return c.Upsert(ctx, []livecatalog.Update{{SKU: "BOWL-01", Name: map[concierge.Locale]string{"en": "Bowl"}, Price: eur(1200)}})
			}, false},
			{"price of the new product", func() error { return c.Upsert(ctx, []livecatalog.Update{{SKU: "BOWL-01", Price: eur(1100)}}) }, false},
			{"price again", func() error { return c.Upsert(ctx, []livecatalog.Update{{SKU: "MUG-01", Price: eur(950)}}) }, true},
		}
		for _, st := range steps {
			whole, patched := sink.whole, sink.patched
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if got := sink.patched > patched; got != st.patched || sink.whole+sink.patched != whole+patched+1 {
				t.Errorf("%s: patched %v (whole %d→%d, patched %d→%d), want patched %v",
					st.name, got, whole, sink.whole, patched, sink.patched, st.patched)
			}
			// A replica that merges everything from the store reads the
			// same catalog.
			fresh := livecatalog.New(livecatalog.Config{Bot: "shop", Currency: "EUR", Locales: cfg.Locales, Store: open(), Layers: layers})
			if err := fresh.Load(ctx); err != nil {
				t.Fatal(err)
			}
			if got, want := c.Products(), fresh.Products(); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s:\npatched %+v\nmerged  %+v", st.name, got, want)
			}
		}
	})
}

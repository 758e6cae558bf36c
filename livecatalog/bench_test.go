package livecatalog_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/catalogfeed"
	"github.com/conciergehq/concierge/livecatalog"
)

// BenchmarkUpsertVisible measures one API change of a price on a 1,000-
// and a 10,000-product catalog (CATALOG_SIZES chooses others), from Upsert
// to the moment a search sees it: the store's transaction, reading the
// change back, merging the layers and updating the search index
// (agent/catalog's Update: the prices and stock only), on SQLite.
//
//	go test ./livecatalog -run '^$' -bench UpsertVisible -benchtime 10x
func BenchmarkUpsertVisible(b *testing.B) {
	sizes := []int{1_000, 10_000}
	if s := os.Getenv("CATALOG_SIZES"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				b.Fatalf("CATALOG_SIZES: %v", err)
			}
			sizes = append(sizes, n)
		}
	}
	for _, n := range sizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) { benchUpsert(b, n, false) })
		b.Run(fmt.Sprint(n)+"/rename", func(b *testing.B) { benchUpsert(b, n, true) })
	}
}

// benchUpsert times a price change, or with rename a new name (which
// changes the index's terms: catalog.Index.Update analyses that product
// again and patches the rest).
func benchUpsert(b *testing.B, n int, rename bool) {
	ctx := context.Background()
	items := make([]catalogfeed.Item, n)
	products := make([]concierge.Product, n)
	kinds := []string{"mug", "lamp", "teapot", "kettle", "bowl", "vase", "candle", "chair"}
	colors := []string{"blue", "green", "red", "black", "white"}
	for i := range items {
		p := concierge.Product{SKU: concierge.SKU(fmt.Sprintf("P-%05d", i)),
			Name:  map[concierge.Locale]string{"en": fmt.Sprintf("%s %s model %d", colors[i%len(colors)], kinds[i%len(kinds)], i)},
			Price: concierge.Money{Minor: int64(500 + i), Currency: "EUR"}, Stock: 5, Tags: []string{kinds[i%len(kinds)]}}
		items[i], products[i] = catalogfeed.Item{Product: p, Fields: catalogfeed.AllFields}, p
	}
	bot := &concierge.Bot{ID: "shop", Locales: []concierge.Locale{"en"}, Currency: "EUR", Products: products}
	shop, err := agent.NewShop(bot, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	db := openStore(b, "sqlite:"+filepath.Join(b.TempDir(), "shop.db"))
	c := livecatalog.New(livecatalog.Config{Bot: "shop", Currency: "EUR", Locales: bot.Locales, Sink: shop, Store: db,
		Layers: []livecatalog.Layer{{Items: items}}})
	if err := c.Load(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		if rename {
			name := fmt.Sprintf("orion%d", i)
			if err := c.Upsert(ctx, []livecatalog.Update{{SKU: "P-00042", Name: map[concierge.Locale]string{"en": name + " lamp"}}}); err != nil {
				b.Fatal(err)
			}
			s := shop.Current()
			if hits := s.Catalog.Search(catalog.Query{Text: name, Limit: 1}); len(hits) == 0 || hits[0].SKU != "P-00042" {
				b.Fatalf("the new name is not found: %v", hits)
			}
			continue
		}
		price := int64(100 + i)
		if err := c.Upsert(ctx, []livecatalog.Update{{SKU: "P-00042", Price: &concierge.Money{Minor: price, Currency: "EUR"}}}); err != nil {
			b.Fatal(err)
		}
		s := shop.Current()
		if hits := s.Catalog.Search(catalog.Query{Text: "model 42"}); len(hits) == 0 || s.Bot.Product("P-00042").Price.Minor != price {
			b.Fatalf("the change is not visible")
		}
	}
}

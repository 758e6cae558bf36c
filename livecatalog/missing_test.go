package livecatalog_test

import (
	"context"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/catalogfeed"
	"github.com/conciergehq/concierge/livecatalog"
)

// TestURLProductsNeedNameAndPrice: a url feed's product is sold once some
// source names it and some source prices it, as a file's is at load: a
// price list over the bot file's names works, a product that nothing
// prices is left out (never sold at 0), and a later price brings it in.
func TestURLProductsNeedNameAndPrice(t *testing.T) {
	ctx := context.Background()
	feed := `{"products": [
		{"id": "LAMP-01", "price": "39.00 EUR"},
		{"id": "LAMP-02", "title": "Zenith lamp", "availability": "in_stock"},
		{"id": "LAMP-03", "title": "Nova lamp", "price": "12.00 EUR"}
	]}`
	fs := newFeedServer(t, feed, `"v1"`)
	named := catalogfeed.Item{Product: concierge.Product{SKU: "LAMP-01", Name: map[concierge.Locale]string{"en": "Aurora lamp"}}, Fields: catalogfeed.FieldName}
	c := livecatalog.New(livecatalog.Config{
		Bot: "shop", Currency: "EUR", Locales: []concierge.Locale{"en"},
		Layers: []livecatalog.Layer{
			{Name: "names.csv", Items: []catalogfeed.Item{named}},
			{Name: fs.URL, Remote: &livecatalog.Remote{URL: fs.URL + "/feed.json",
				Options: catalogfeed.Options{Format: catalogfeed.ACP, Locale: "en", Currency: "EUR"}}},
		},
	})
	if err := c.Load(ctx); err != nil {
		t.Fatal(err)
	}
	ps := c.Products()
	if len(ps) != 2 || price(ps, "LAMP-01") != 3900 || ps[0].Name["en"] != "Aurora lamp" || price(ps, "LAMP-03") != 1200 {
		t.Fatalf("products %+v", ps)
	}
	fs.set(`{"products": [{"id": "LAMP-01", "price": "39.00 EUR"}, {"id": "LAMP-02", "title": "Zenith lamp", "price": "75.00 EUR"}]}`, `"v2"`, "")
	if err := c.RefreshAll(ctx); err != nil {
		t.Fatal(err)
	}
	if ps := c.Products(); len(ps) != 2 || price(ps, "LAMP-02") != 7500 || price(ps, "LAMP-03") != -1 {
		t.Fatalf("after the price came: %+v", ps)
	}
}

package catalogfeed

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// now is the clock of every test: sale periods are judged on this day.
func now() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) }

// TestGolden reads each sample feed in testdata/ and compares what it
// gives (products and bad rows) with its .golden.json file.
func TestGolden(t *testing.T) {
	tests := []struct {
		file string
		o    Options
	}{
		{"google_products.tsv", Options{Format: GoogleMerchant, Locale: "en", Currency: "EUR"}},
		{"google_products.xml", Options{Format: GoogleMerchant, Locale: "fr", Currency: "EUR"}},
		{"google_atom.xml", Options{Format: GoogleMerchant, Locale: "en", Currency: "EUR", InStock: 1000}},
		{"acp_feed.json", Options{Format: ACP, Locale: "en", Currency: "EUR"}},
		{"acp_feed.jsonl", Options{Format: ACP, Locale: "en", Currency: "EUR"}},
		{"acp_feed.csv", Options{Format: ACP, Locale: "en", Currency: "EUR"}},
		{"extra.csv", Options{Format: CSV, Locale: "fr", Currency: "EUR", Columns: map[string]string{"name": "nom", "price": "prix_ttc", "category": "catégorie"}}},
		{"cny.csv", Options{Format: CSV, Locale: "zh", Currency: "CNY"}},
		// Prices in cents, as the UCP samples' flower shop writes them.
		{"minor_units.csv", Options{Format: CSV, Locale: "en", Currency: "USD", MinorUnits: true}},
		// Variants: item_group_id with size and color, and the nested
		// ACP feed whose products hold their variants.
		{"google_variants.tsv", Options{Format: GoogleMerchant, Locale: "en", Currency: "EUR"}},
		{"acp_nested.json", Options{Format: ACP, Locale: "en", Currency: "EUR"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			tt.o.Name = tt.file
			tt.o.Now = now
			feed, err := Read(f, tt.o)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			var got bytes.Buffer
			enc := json.NewEncoder(&got)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			if err := enc.Encode(feed); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", tt.file+".golden.json"), got.Bytes())
		})
	}
}

// golden compares got with a golden file, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs; got:\n%s", path, got)
	}
}

// TestProblems checks the position and wording of bad rows: what a
// merchant reads in `concierge validate`.
func TestProblems(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		feed string
		want []string // Problem.Error() of each bad row, in order
	}{
		{
			name: "tsv price and availability",
			o:    Options{Format: GoogleMerchant},
			feed: "id\ttitle\tprice\tavailability\nA-1\tLamp\t4x EUR\tin_stock\nA-2\tLamp\t5.00 EUR\tsoon\n",
			want: []string{
				`f:2:10: price: "4x EUR" is not a number (write it as in "49.00 EUR")`,
				`f:3:19: availability: "soon" is not an availability (in_stock, out_of_stock, preorder or backorder)`,
			},
		},
		{
			name: "multi-line description keeps the next row's line",
			o:    Options{Format: CSV},
			feed: "sku,name,description,price\nA-1,Lamp,\"one\ntwo\",5.00\nA-2,,,\n",
			want: []string{`f:4:7: product "A-2" has no price`},
		},
		{
			name: "mapped column",
			o:    Options{Format: CSV, Columns: map[string]string{"price": "prix_ttc"}},
			feed: "sku,name,prix_ttc\nA-1,Lampe,\"49,001\"\n",
			want: []string{`f:2:11: prix_ttc: "49,001" is ambiguous: write it without the comma, or with a dot for decimals`},
		},
		{
			name: "duplicate SKU",
			o:    Options{Format: CSV},
			feed: "sku,name,price\nA-1,Lamp,5\nA-1,Lamp,6\n",
			want: []string{`f:3:1: sku: "A-1" is already the SKU of the product at line 2`},
		},
		{
			name: "bad quote",
			o:    Options{Format: CSV},
			feed: "sku,name,price\nA-1,Lamp \"x\" y,5\nA-2,Lamp,6\n",
			want: []string{`f:2:10: bare " in non-quoted-field (a value with quotes must be in quotes, with each quote doubled: "12"" lamp")`},
		},
		{
			name: "xml element position",
			o:    Options{Format: GoogleMerchant},
			feed: "<rss xmlns:g=\"http://base.google.com/ns/1.0\"><channel>\n<item>\n  <g:id>A-1</g:id><g:title>Lamp</g:title>\n  <g:price>1.2.3 EUR</g:price>\n</item>\n</channel></rss>",
			want: []string{`f:4:3: g:price: "1.2.3 EUR" is not a number (write it as in "49.00 EUR")`},
		},
		{
			name: "json field position",
			o:    Options{Format: ACP},
			feed: "[\n {\"id\": \"A-1\", \"title\": \"Lamp\",\n  \"price\": \"9.00 GBP\"}\n]",
			want: []string{`f:3:12: price: "9.00 GBP" is in GBP but the shop sells in EUR`},
		},
		{
			name: "sale price above the price",
			o:    Options{Format: GoogleMerchant},
			feed: "id\ttitle\tprice\tsale_price\nA-1\tLamp\t5.00\t6.00\n",
			want: []string{`f:2:15: sale_price: "6.00" is more than the price "5.00"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Name, tt.o.Locale, tt.o.Currency, tt.o.Now = "f", "en", "EUR", now
			feed, err := Read(strings.NewReader(tt.feed), tt.o)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			var got []string
			for _, p := range feed.Problems {
				got = append(got, p.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestUnreadable: a feed that cannot be read as a whole is an error with
// a position, never a list of products.
func TestUnreadable(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		feed string
		want string
	}{
		{"empty csv", Options{Format: CSV}, "", "f: the feed is empty; it needs a header row"},
		{"no id column", Options{Format: CSV}, "name,price\nA,B\n", "f:1:1: the header has no id column (map one with columns: {sku: …}); it has name, price"},
		{"mapped column missing", Options{Format: CSV, Columns: map[string]string{"sku": "ref"}}, "sku,name,price\n", `f:1:1: the header has no column "ref" (for sku); it has sku, name, price`},
		{"broken xml", Options{Format: GoogleMerchant}, "<rss>\n<channel>\n<item><g:id>A</item>\n</rss>", "f:3:1: invalid XML: element <id> closed by </item>"},
		{"xml without items", Options{Format: GoogleMerchant}, "<rss><channel></channel></rss>", "f: the XML feed has no <item> (RSS 2.0) or <entry> (Atom) elements"},
		{"broken json", Options{Format: ACP}, "{\"products\": [\n{\"id\": \"A\",}\n]}", "f:2:12: invalid JSON: invalid character '}' looking for beginning of object key string"},
		{"unknown format", Options{Format: "shopify"}, "", `f: unknown feed format "shopify"`},
		{"latin-9", Options{Format: GoogleMerchant}, `<?xml version="1.0" encoding="ISO-8859-15"?><rss/>`, `f:1:1: invalid XML: xml: opening charset "ISO-8859-15": the encoding "ISO-8859-15" is not supported; save the feed as UTF-8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Name, tt.o.Locale, tt.o.Currency = "f", "en", "EUR"
			feed, err := Read(strings.NewReader(tt.feed), tt.o)
			if err == nil {
				t.Fatalf("Read = %+v, want an error", feed)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, tt.want)
			}
		})
	}
}

// TestLatin1: an ISO-8859-1 XML feed reads as UTF-8.
func TestLatin1(t *testing.T) {
	feed := append([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><rss xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>A</g:id><g:title>Lumi`), 0xe8)
	feed = append(feed, []byte(`re</g:title><g:price>1 EUR</g:price></item></channel></rss>`)...)
	got, err := Read(bytes.NewReader(feed), Options{Format: GoogleMerchant, Name: "f", Locale: "fr", Currency: "EUR"})
	if err != nil || len(got.Items) != 1 || got.Items[0].Product.Name["fr"] != "Lumière" {
		t.Fatalf("Read = %+v, %v", got, err)
	}
}

// TestCatalogMerge: sources merge by SKU, field by field, locale by
// locale; a later source wins on what it gives.
func TestCatalogMerge(t *testing.T) {
	read := func(o Options, feed string) *Feed {
		t.Helper()
		o.Name, o.Currency, o.Now = "f", "EUR", now
		f, err := Read(strings.NewReader(feed), o)
		if err != nil || len(f.Problems) > 0 {
			t.Fatalf("Read: %v %v", err, f.Problems)
		}
		return f
	}
	var c Catalog
	c.AddProduct(concierge.Product{SKU: "LAMP-01", Name: map[concierge.Locale]string{"fr": "Lampe Aurore"}, Price: concierge.Money{Minor: 4500, Currency: "EUR"}, Stock: 2, Tags: []string{"lamp"}})
	c.AddProduct(concierge.Product{SKU: "LAMP-05", Name: map[concierge.Locale]string{"fr": "Lampe Nova"}, Stock: 0})
	fr := read(Options{Format: GoogleMerchant, Locale: "fr"}, "id\ttitle\tprice\tavailability\nLAMP-01\tLampe de chevet Aurore\t49.00 EUR\tin_stock\nLAMP-02\tLampe Zénith\t79.00 EUR\tin_stock\nLAMP-05\tLampe Nova\t9.00 EUR\tin stock\n")
	en := read(Options{Format: CSV, Locale: "en"}, "sku,title,description,price,stock\nLAMP-02,Zenith lamp,Dimmable,75.00,4\n")
	for _, f := range []*Feed{fr, en} {
		for _, it := range f.Items {
			c.Add(it)
		}
	}
	got := c.Products()
	if len(got) != 3 || c.Len() != 3 {
		t.Fatalf("products: %+v", got)
	}
	l1, l5, l2 := got[0], got[1], got[2]
	if l5.Stock != DefaultInStock {
		t.Errorf("LAMP-05: out of stock, now in stock without a count: %+v", l5)
	}
	if l1.Name["fr"] != "Lampe de chevet Aurore" || l1.Price.Minor != 4900 || l1.Stock != 2 || len(l1.Tags) != 1 {
		t.Errorf("LAMP-01: the feed gives name and price only, the rest stays: %+v", l1)
	}
	if l2.Name["fr"] != "Lampe Zénith" || l2.Name["en"] != "Zenith lamp" || l2.Description["en"] != "Dimmable" || l2.Price.Minor != 7500 || l2.Stock != 4 {
		t.Errorf("LAMP-02: both languages, the later price and stock: %+v", l2)
	}
	if fr.Items[1].Product.Name["en"] != "" {
		t.Error("merging changed an Item")
	}
}

// TestCatalogMissing: a product is complete once some item gave its name
// and some (maybe another) item its price.
func TestCatalogMissing(t *testing.T) {
	var c Catalog
	c.Add(Item{Product: concierge.Product{SKU: "A"}, Fields: FieldStock})
	c.Add(Item{Product: concierge.Product{SKU: "B", Name: map[concierge.Locale]string{"en": "B"}}, Fields: FieldName})
	c.Add(Item{Product: concierge.Product{SKU: "C", Price: concierge.Money{Minor: 100, Currency: "EUR"}}, Fields: FieldPrice | FieldStock})
	if c.Missing("A") != Needed || c.Missing("B") != FieldPrice || c.Missing("C") != FieldName || c.Missing("Z") != 0 {
		t.Fatalf("before: A %b, B %b, C %b", c.Missing("A"), c.Missing("B"), c.Missing("C"))
	}
	c.Add(Item{Product: concierge.Product{SKU: "B", Price: concierge.Money{Minor: 100, Currency: "EUR"}}, Fields: FieldPrice})
	c.AddProduct(concierge.Product{SKU: "C"})
	if c.Missing("B") != 0 || c.Missing("C") != 0 || c.Missing("A") != Needed {
		t.Fatalf("after: A %b, B %b, C %b", c.Missing("A"), c.Missing("B"), c.Missing("C"))
	}
}

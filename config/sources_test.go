package config

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/conciergehq/concierge/internal/money"
)

// writeTree writes name → content, in subfolders too, under a new
// temporary folder and returns it.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const sourcesBot = `bot: lumiere
locales: [fr, en]
catalog:
  products:
    - { sku: LAMP-01, name: { fr: Lampe Aurore }, price: "45.00", stock: 2, tags: [lamp] }
  sources:
    - { format: google_merchant, path: feeds/products.tsv }
    - { format: csv, path: extra.csv, locale: en, columns: { sku: id, price: prix_ttc } }
    - { format: acp, path: feed.json, locale: en }
`

var sourcesFeeds = map[string]string{
	"feeds/products.tsv": "id\ttitle\tprice\tavailability\n" +
		"LAMP-01\tLampe de chevet Aurore\t49,00 €\tin_stock\n" +
		"LAMP-02\tLampe Zénith\t79.00 EUR\tout_of_stock\n" +
		"LAMP-03\tLampe en dollars\t10.00 USD\tin_stock\n",
	"extra.csv": "id,title,description,prix_ttc,stock\n" +
		"LAMP-02,Zenith lamp,\"Dimmable,\nthree temperatures\",75.00,4\n" +
		"LAMP-04,,,12.00,1\n",
	"feed.json": `{"products": [{"id": "GIFT-30", "title": "Gift card", "price": "30.00 EUR", "availability": "in_stock", "inventory_quantity": 999}]}`,
}

// TestSources: a bot file's products and its feeds merge by SKU, in order;
// Load skips bad rows and reports them in Feeds.
func TestSources(t *testing.T) {
	files := map[string]string{"bot.yaml": sourcesBot}
	for k, v := range sourcesFeeds {
		files[k] = v
	}
	dir := writeTree(t, files)
	f, err := LoadFile(filepath.Join(dir, "bot.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ps := f.Bot().Products
	var got []string
	for _, p := range ps {
		got = append(got, string(p.SKU)+" "+p.Name["fr"]+"/"+p.Name["en"]+" "+money.Format(p.Price, "en")+" "+strconv.Itoa(p.Stock))
	}
	want := []string{
		"LAMP-01 Lampe de chevet Aurore/ €49.00 2",
		"LAMP-02 Lampe Zénith/Zenith lamp €75.00 4",
		"GIFT-30 /Gift card €30.00 999",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("products:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ps[0].Tags[0] != "lamp" || ps[1].Description["en"] != "Dimmable,\nthree temperatures" {
		t.Errorf("fields a feed does not give stay; multi-line values are read: %+v", ps[:2])
	}
	reports := f.Feeds()
	if len(reports) != 3 || reports[0].Products != 2 || reports[0].Skipped != 1 || reports[1].Skipped != 1 || reports[2].Skipped != 0 {
		t.Fatalf("reports: %+v", reports)
	}
	tsv := filepath.Join(dir, "feeds", "products.tsv")
	if d := reports[0].Problems[0]; d.String() != tsv+`:4:26: price: "10.00 USD" is in USD but the shop sells in EUR` {
		t.Errorf("problem: %s", d)
	}
	if d := reports[1].Problems[0]; !strings.HasSuffix(d.String(), `extra.csv:4:1: product "LAMP-04" has no source that gives it a name`) {
		t.Errorf("problem: %s", d)
	}
}

// TestSourcesCheck: validate (Check) reports bad rows as errors at their
// feed positions.
func TestSourcesCheck(t *testing.T) {
	files := map[string]string{"bot.yaml": sourcesBot}
	for k, v := range sourcesFeeds {
		files[k] = v
	}
	dir := writeTree(t, files)
	_, _, err := Check(filepath.Join(dir, "bot.yaml"), nil)
	var errs *Errors
	if !errors.As(err, &errs) || len(errs.Diagnostics) != 2 {
		t.Fatalf("Check: %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"products.tsv:4:26: price: \"10.00 USD\" is in USD", "extra.csv:4:1: product \"LAMP-04\" has no source that gives it a name"} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors lack %q:\n%s", want, msg)
		}
	}
}

// TestSourcesErrors: mistakes in catalog.sources and unreadable feeds are
// errors at their place, for Load as for Check; a strict source with a bad
// row is refused.
func TestSourcesErrors(t *testing.T) {
	feeds := map[string]string{
		"ok.csv":      "sku,name,price\nA-1,Lampe,5.00\n",
		"bad.csv":     "sku,name,price\nA-1,Lampe,5.00\nA-2,Lampe,cinq\n",
		"noprice.csv": "sku,name\nA-1,Lampe\n",
		"broken.xml":  "<rss>\n<item><g:id>A</item>\n",
	}
	tests := []struct {
		name, sources string
		want          []string
	}{
		{"unknown format", "- { format: google, path: ok.csv }", []string{`bot.yaml:5:17: unknown feed format "google" (google_merchant, acp, csv or http)`}},
		{"no path", "- { format: csv }", []string{`bot.yaml:5:9: catalog.sources[0].path is required: the feed file, relative to the bot file`}},
		{"no format", "- { path: ok.csv }", []string{`bot.yaml:5:9: catalog.sources[0].format is required (google_merchant, acp, csv or http)`}},
		{"locale not the bot's", "- { format: csv, path: ok.csv, locale: de }", []string{`bot.yaml:5:44: locale "de" is not one of the bot's locales (fr, en)`}},
		{"unknown column field", "- { format: csv, path: ok.csv, columns: { prix: p } }", []string{`unknown field "prix" in columns`, `did you mean "price"?`}},
		{"missing file", "- { format: csv, path: nope.csv }", []string{`bot.yaml:5:28: cannot read the feed `, `nope.csv: no such file or directory`}},
		{"no price anywhere", "- { format: csv, path: noprice.csv, strict: true }", []string{`noprice.csv:2:1: product "A-1" has no source that gives it a price`}},
		{"broken XML", "- { format: google_merchant, path: broken.xml }", []string{`broken.xml:2:1: invalid XML`}},
		{"strict", "- { format: csv, path: bad.csv, strict: true }", []string{`bad.csv:3:11: price: "cinq" is not a number`, `bot.yaml:5:45: the source `, `bad.csv is strict and has 1 bad rows: it is refused`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"bot.yaml": "bot: b\nlocales: [fr, en]\ncatalog:\n  sources:\n    " + tt.sources + "\n"}
			for k, v := range feeds {
				files[k] = v
			}
			dir := writeTree(t, files)
			_, err := LoadFile(filepath.Join(dir, "bot.yaml"), nil)
			if err == nil {
				t.Fatal("LoadFile: no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("errors lack %q:\n%s", w, err)
				}
			}
		})
	}
}

// TestSourcesGzip: a gzip-compressed feed file reads as the plain one
// (its bad rows at their lines in the decompressed feed); one that is
// cut short, or named .gz without being compressed, is refused.
func TestSourcesGzip(t *testing.T) {
	gz := func(s string) string {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.String()
	}
	files := map[string]string{"bot.yaml": strings.Replace(sourcesBot, "feeds/products.tsv", "feeds/products.tsv.gz", 1)}
	for k, v := range sourcesFeeds {
		files[k] = v
	}
	files["feeds/products.tsv.gz"] = gz(sourcesFeeds["feeds/products.tsv"])
	delete(files, "feeds/products.tsv")
	dir := writeTree(t, files)
	f, err := LoadFile(filepath.Join(dir, "bot.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range f.Bot().Products {
		got = append(got, string(p.SKU)+" "+money.Format(p.Price, "en")+" "+strconv.Itoa(p.Stock))
	}
	if want := "LAMP-01 €49.00 2, LAMP-02 €75.00 4, GIFT-30 €30.00 999"; strings.Join(got, ", ") != want {
		t.Errorf("products: %s, want %s", strings.Join(got, ", "), want)
	}
	tsv := filepath.Join(dir, "feeds", "products.tsv.gz")
	if d := f.Feeds()[0].Problems[0]; d.String() != tsv+`:4:26: price: "10.00 USD" is in USD but the shop sells in EUR` {
		t.Errorf("problem: %s", d)
	}

	ok := gz("sku,name,price\nA-1,Lampe,5.00\n")
	for _, tt := range []struct{ name, file, content, want string }{
		{"cut short", "cut.csv.gz", ok[:len(ok)-6], "cut.csv.gz: decompressing the feed: unexpected EOF"},
		{"not gzip", "plain.csv.gz", "sku,name,price\nA-1,Lampe,5.00\n", "plain.csv.gz: its name ends in .gz but it is not gzip-compressed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, map[string]string{tt.file: tt.content,
				"bot.yaml": "bot: b\nlocales: [fr, en]\ncatalog:\n  sources:\n    - { format: csv, path: " + tt.file + " }\n"})
			_, err := LoadFile(filepath.Join(dir, "bot.yaml"), nil)
			if err == nil || !strings.Contains(err.Error(), "cannot read the feed ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}

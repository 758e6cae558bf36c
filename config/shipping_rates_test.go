package config

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/conciergehq/concierge/internal/money"
)

const ratesBot = `bot: flowers
locales: [en, fr]
currency: USD
payments: { sandbox: { enabled: true } }
catalog:
  sources:
    - { format: csv, path: products.csv, minor_units: true }
    - { format: csv, path: inventory.csv, columns: { sku: product_id } }
agents:
  ucp: {}
  shipping:
    - { id: pickup, title: { en: Pick up }, price: "0.00", countries: [US] }
  shipping_rates:
    - { path: rates.csv, minor_units: true }
`

// TestShippingRates: a CSV of shipping rates becomes agents.shipping
// (after the bot file's own options): prices in cents, "default" serving
// anywhere, the rows of one id merged, service levels and per-language
// titles kept; prices in cents and an inventory file import as a catalog.
func TestShippingRates(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"bot.yaml":      ratesBot,
		"products.csv":  "id,title,price,image_url\nbouquet_roses,Bouquet of Red Roses,3500,https://example.com/roses.jpg\ngardenias,Gardenias,2000,https://example.com/gardenias.jpg",
		"inventory.csv": "product_id,quantity\nbouquet_roses,1000\ngardenias,0\n",
		"rates.csv": "id,country_code,service_level,price,title,title_fr\n" +
			"std-ship,default,standard,500,Standard Shipping,Standard\n" +
			"exp-ship-us,US,express,1500,Express Shipping (US),Express (US)\n" +
			"exp-ship-us,CA,express,1500,Express Shipping (US),\n" +
			"exp-ship-intl,default,express,2500,International Express,\n",
	})
	f, err := LoadFile(filepath.Join(dir, "bot.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range f.Agents.Shipping {
		got = append(got, o.ID+" "+o.Price+" ["+strings.Join(o.Countries, ",")+"] "+o.Level+" "+o.Title["en"]+"/"+o.Title["fr"])
	}
	want := []string{
		"pickup 0.00 [US]  Pick up/",
		"std-ship 5.00 [] standard Standard Shipping/Standard",
		"exp-ship-us 15.00 [US,CA] express Express Shipping (US)/Express (US)",
		"exp-ship-intl 25.00 [] express International Express/",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("shipping:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	ps := f.Bot().Products
	if len(ps) != 2 || ps[0].SKU != "bouquet_roses" || money.Format(ps[0].Price, "en") != "$35.00" || ps[0].Stock != 1000 || ps[1].Stock != 0 || ps[0].Image == "" {
		t.Errorf("catalog: %+v", ps)
	}
}

// TestShippingRatesBad: a bad file is refused at its row and column, and
// none of its options is added.
func TestShippingRatesBad(t *testing.T) {
	for _, tc := range []struct{ name, agents, csv, want string }{
		{"cents not whole", "{ path: rates.csv, minor_units: true }", "id,price,title\nstd,4.90,Standard\n", `rates.csv:2:5: price "4.90" is not a whole number of minor units`},
		{"bad amount", "{ path: rates.csv }", "id,price,title\nstd,cinq,Standard\n", `rates.csv:2:5: price "cinq" is not an amount in USD`},
		{"bad country", "{ path: rates.csv }", "id,country,price,title\nstd,France,4.90,Standard\n", `rates.csv:2:5: country "FRANCE" is not an ISO 3166-1 alpha-2 code`},
		{"bad id", "{ path: rates.csv }", "id,price,title\nStandard Shipping,4.90,Standard\n", `rates.csv:2:1: id "Standard Shipping" is not a shipping option id`},
		{"no title", "{ path: rates.csv }", "id,price,title\nstd,4.90,\n", `rates.csv:2:1: shipping option "std" has no title in the default locale en`},
		{"no price column", "{ path: rates.csv }", "id,cost,title\nstd,4.90,Standard\n", "rates.csv:1:1: no price column"},
		{"mapped column missing", "{ path: rates.csv, columns: { price: tarif } }", "id,price,title\nstd,4.90,Standard\n", `columns maps price to "tarif", which the header row lacks`},
		{"unknown field", "{ path: rates.csv, columns: { colour: c } }", "id,price,title\nstd,4.90,Standard\n", `unknown field "colour"`},
		{"two prices", "{ path: rates.csv }", "id,country,price,title\nstd,US,4.90,S\nstd,CA,5.90,S\n", `rates.csv:3:8: shipping option "std" has another price`},
		{"no file", "{ path: nowhere.csv }", "", "cannot read the shipping rates"},
		{"twice with the bot file's", "{ path: rates.csv }", "id,price,title\npickup,1.00,Standard\n", `shipping option "pickup" is listed twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bot := "bot: flowers\nlocales: [en]\ncurrency: USD\ncatalog:\n  products: [{ sku: A, name: { en: A }, price: \"1.00\" }]\nagents:\n  shipping: [{ id: pickup, title: { en: Pick up }, price: \"0.00\" }]\n  shipping_rates:\n    - " + tc.agents + "\n"
			dir := writeTree(t, map[string]string{"bot.yaml": bot, "rates.csv": tc.csv})
			_, err := LoadFile(filepath.Join(dir, "bot.yaml"), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// TestSimulationSecret: the conformance suite's simulation secret needs
// test mode and some length.
func TestSimulationSecret(t *testing.T) {
	base := "bot: flowers\nlocales: [en]\ncurrency: USD\ncatalog:\n  products: [{ sku: A, name: { en: A }, price: \"1.00\" }]\nagents:\n  ucp: {}\n"
	for _, tc := range []struct{ name, yaml, want string }{
		{"ok", "  test_mode: true\n  simulation_secret: 0123456789abcdef\n", ""},
		{"without test mode", "  simulation_secret: 0123456789abcdef\n", "agents.simulation_secret needs agents.test_mode: true"},
		{"short", "  test_mode: true\n  simulation_secret: short\n", "agents.simulation_secret is 5 characters; it needs at least 16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("bot.yaml", []byte(base+tc.yaml), func(string) string { return "" })
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

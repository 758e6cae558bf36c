package catalog_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
)

// testIndex indexes the Maison Lumière test catalog.
func testIndex(tb testing.TB) (*catalog.Index, []concierge.Product) {
	tb.Helper()
	ps := catalogtest.Load(tb, "testdata/catalog.yaml")
	return catalog.New(ps, []concierge.Locale{"fr", "en", "zh"}), ps
}

func skus(hits []catalog.Hit) []concierge.SKU {
	out := make([]concierge.SKU, len(hits))
	for i, h := range hits {
		out[i] = h.SKU
	}
	return out
}

func sorted(s []concierge.SKU) []concierge.SKU {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

var (
	lamps       = []concierge.SKU{"LAMP-01", "LAMP-02", "LAMP-03", "LAMP-04", "LAMP-05", "LAMP-06", "LAMP-07", "LAMP-08"}
	deskLamps   = []concierge.SKU{"LAMP-02", "LAMP-03", "LAMP-04", "LAMP-05"}
	bedside     = []concierge.SKU{"LAMP-01", "LAMP-06", "LAMP-07", "LAMP-08"}
	bulbs       = []concierge.SKU{"BULB-01", "BULB-02", "BULB-03", "BULB-04", "BULB-05"}
	shades      = []concierge.SKU{"SHADE-01", "SHADE-02", "SHADE-03", "SHADE-04"}
	giftCards   = []concierge.SKU{"GIFT-100", "GIFT-30", "GIFT-50"}
	linenShades = []concierge.SKU{"SHADE-01", "SHADE-04"}
	// dimmableBulbs are the bulbs that say they dim; a query for dimmable
	// bulbs must not show the others, which contradict it.
	dimmableBulbs = []concierge.SKU{"BULB-02", "BULB-04"}
	warm          = []concierge.SKU{"BULB-01", "BULB-02", "BULB-03", "LAMP-01", "LAMP-06", "LAMP-08"}
)

func TestSearch(t *testing.T) {
	ix, _ := testIndex(t)
	tests := []struct {
		name string
		q    catalog.Query
		// all, when set, is exactly the set of hits.
		all []concierge.SKU
		// top, when set, is the set of the first len(top) hits.
		top []concierge.SKU
		// first, when set, is the first hit.
		first concierge.SKU
		// not lists SKUs that must not be found.
		not []concierge.SKU
	}{
		// A generic word finds every lamp, desk and bedside, and nothing
		// that merely mentions lamps (bulbs, the shade "for bedside lamps").
		{name: "generic fr", q: catalog.Query{Text: "lampe"}, all: lamps},
		{name: "generic en plural", q: catalog.Query{Text: "Lamps"}, all: lamps},
		{name: "generic zh", q: catalog.Query{Text: "灯"}, all: lamps},
		{name: "accent and case", q: catalog.Query{Text: "ZENITH"}, first: "LAMP-02"},
		{name: "accent typed", q: catalog.Query{Text: "zénith"}, first: "LAMP-02"},
		// Every stated word is a wish: a desk lamp query shows desk lamps
		// only, not the other lamps it used to list after them.
		{name: "stop words fr", q: catalog.Query{Text: "je cherche une lampe de bureau"}, all: deskLamps},
		{name: "stop words en", q: catalog.Query{Text: "looking for a desk lamp"}, top: deskLamps},
		{name: "stop words zh", q: catalog.Query{Text: "我想买台灯"}, top: deskLamps},
		{name: "bedside fr plural", q: catalog.Query{Text: "vous avez des lampes de chevet ?"}, top: bedside, not: []concierge.SKU{"SHADE-04"}},
		{name: "bedroom synonym", q: catalog.Query{Text: "lampe pour ma chambre"}, top: bedside},
		{name: "bedside zh", q: catalog.Query{Text: "有没有床头灯"}, top: bedside},
		{name: "typo swap", q: catalog.Query{Text: "deks lamp"}, top: deskLamps},
		{name: "typo fr", q: catalog.Query{Text: "lampe de buerau"}, top: deskLamps},
		{name: "typo long word", q: catalog.Query{Text: "ampoulles"}, all: bulbs},
		{name: "bulbs fr", q: catalog.Query{Text: "ampoules"}, all: bulbs},
		{name: "bulbs en", q: catalog.Query{Text: "bulbs"}, all: bulbs},
		{name: "bulbs zh", q: catalog.Query{Text: "灯泡"}, all: bulbs},
		{name: "dimmable bulbs", q: catalog.Query{Text: "dimmable bulbs"}, first: "BULB-02", all: dimmableBulbs, not: []concierge.SKU{"BULB-01", "BULB-03", "BULB-05"}},
		{name: "dimmable fr", q: catalog.Query{Text: "ampoule LED à intensité variable"}, first: "BULB-02", all: dimmableBulbs, not: []concierge.SKU{"BULB-01", "BULB-03", "BULB-05"}},
		{name: "dimmable zh", q: catalog.Query{Text: "可调光的灯泡"}, first: "BULB-02", all: dimmableBulbs, not: []concierge.SKU{"BULB-01", "BULB-03", "BULB-05"}},
		{name: "linen fr", q: catalog.Query{Text: "abat-jour en lin"}, all: linenShades},
		{name: "linen zh", q: catalog.Query{Text: "亚麻灯罩"}, all: linenShades},
		{name: "shades en", q: catalog.Query{Text: "lampshades"}, all: shades},
		{name: "shade for a lamp", q: catalog.Query{Text: "abat-jour pour lampe de chevet"}, first: "SHADE-04"},
		{name: "gift fr", q: catalog.Query{Text: "une carte cadeau"}, all: giftCards},
		{name: "gift zh", q: catalog.Query{Text: "礼品卡"}, all: giftCards},
		{name: "gift en", q: catalog.Query{Text: "gift cards"}, all: giftCards},
		{name: "warm fr", q: catalog.Query{Text: "lumière chaude"}, all: warm},
		{name: "warm en", q: catalog.Query{Text: "warm light"}, all: warm},
		{name: "warm zh", q: catalog.Query{Text: "暖光"}, all: warm},
		{name: "proper name zh", q: catalog.Query{Text: "欧若拉"}, first: "LAMP-01"},
		{name: "sku", q: catalog.Query{Text: "LAMP-02"}, first: "LAMP-02"},
		{name: "unknown words only", q: catalog.Query{Text: "asdfghjkl"}, all: []concierge.SKU{}},
		{name: "unknown word ignored", q: catalog.Query{Text: "lampe fuchsia"}, all: lamps},
		{name: "category only", q: catalog.Query{Category: "bulbs"}, all: bulbs},
		{name: "category case", q: catalog.Query{Category: "Bulbs"}, all: bulbs},
		{name: "category filters text", q: catalog.Query{Text: "lampe", Category: "desk"}, all: deskLamps},
		{name: "price max", q: catalog.Query{Text: "lampe", PriceMax: 5000}, all: []concierge.SKU{"LAMP-01", "LAMP-03", "LAMP-06", "LAMP-08"}},
		{name: "price min", q: catalog.Query{Text: "lamp", PriceMin: 6000}, all: []concierge.SKU{"LAMP-02", "LAMP-04", "LAMP-07"}},
		{name: "price only", q: catalog.Query{PriceMax: 700}, all: []concierge.SKU{"BULB-01", "BULB-05"}},
		{name: "in stock", q: catalog.Query{Text: "lampe de bureau", Category: "desk", InStockOnly: true}, all: []concierge.SKU{"LAMP-02", "LAMP-03", "LAMP-04"}},
		{name: "digital always in stock", q: catalog.Query{Category: "gifts", InStockOnly: true}, all: giftCards},
		{name: "limit", q: catalog.Query{Text: "lampe de bureau", Limit: 2}, top: nil, all: nil, first: "LAMP-02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := skus(ix.Search(tt.q))
			if tt.all != nil && !slices.Equal(sorted(got), sorted(tt.all)) {
				t.Errorf("Search(%+v) = %v, want exactly %v", tt.q, got, sorted(tt.all))
			}
			if tt.top != nil {
				if len(got) < len(tt.top) || !slices.Equal(sorted(got[:len(tt.top)]), sorted(tt.top)) {
					t.Errorf("Search(%+v) = %v, want %v first", tt.q, got, tt.top)
				}
			}
			if tt.first != "" && (len(got) == 0 || got[0] != tt.first) {
				t.Errorf("Search(%+v) = %v, want %s first", tt.q, got, tt.first)
			}
			for _, s := range tt.not {
				if slices.Contains(got, s) {
					t.Errorf("Search(%+v) = %v, must not contain %s", tt.q, got, s)
				}
			}
			if tt.q.Limit > 0 && len(got) > tt.q.Limit {
				t.Errorf("Search(%+v) returned %d hits, limit %d", tt.q, len(got), tt.q.Limit)
			}
		})
	}
}

func TestSearchSort(t *testing.T) {
	ix, ps := testIndex(t)
	price := func(s concierge.SKU) int64 {
		for _, p := range ps {
			if p.SKU == s {
				return p.Price.Minor
			}
		}
		t.Fatalf("no product %s", s)
		return 0
	}
	asc := skus(ix.Search(catalog.Query{Text: "lamp", Sort: catalog.PriceAsc}))
	if len(asc) != len(lamps) || asc[0] != "LAMP-08" {
		t.Fatalf("cheapest lamps = %v, want the 8 lamps from LAMP-08", asc)
	}
	if !slices.IsSortedFunc(asc, func(a, b concierge.SKU) int { return int(price(a) - price(b)) }) {
		t.Errorf("PriceAsc not sorted: %v", asc)
	}
	desc := skus(ix.Search(catalog.Query{Text: "lamp", Sort: catalog.PriceDesc}))
	if desc[0] != "LAMP-04" {
		t.Errorf("dearest lamp = %v, want LAMP-04 first", desc)
	}
	if got := catalog.PriceAsc.String(); got != "price_asc" {
		t.Errorf("PriceAsc.String() = %q", got)
	}
}

// TestSearchRanking checks that a word in a name outranks the same word in a
// tag, and that a product that has a stated word only in its description
// is dropped when others have it in their name or tags.
func TestSearchRanking(t *testing.T) {
	ps := []concierge.Product{
		{SKU: "D", Name: map[concierge.Locale]string{"en": "Plain lamp"}, Description: map[concierge.Locale]string{"en": "A brass base."}, Tags: []string{"lamp"}},
		{SKU: "T", Name: map[concierge.Locale]string{"en": "Simple lamp"}, Tags: []string{"lamp", "brass"}},
		{SKU: "N", Name: map[concierge.Locale]string{"en": "Brass lamp"}, Tags: []string{"lamp"}},
	}
	ix := catalog.New(ps, []concierge.Locale{"en"})
	got := skus(ix.Search(catalog.Query{Text: "brass lamp"}))
	if want := []concierge.SKU{"N", "T"}; !slices.Equal(got, want) {
		t.Errorf("ranking = %v, want %v", got, want)
	}
}

func TestResolve(t *testing.T) {
	ix, _ := testIndex(t)
	tests := []struct {
		text string
		want []concierge.SKU
	}{
		{"Aurore", []concierge.SKU{"LAMP-01"}},
		{"c'est quoi la lampe Aurore ?", []concierge.SKU{"LAMP-01"}},
		{"compare l'Aurore et la Zénith", []concierge.SKU{"LAMP-01", "LAMP-02"}},
		{"which one is brighter, Zenith or Aurore?", []concierge.SKU{"LAMP-02", "LAMP-01"}},
		{"lampe de bureau zenith", []concierge.SKU{"LAMP-02"}},
		{"zenit", []concierge.SKU{"LAMP-02"}},
		{"欧若拉和天顶哪个好", []concierge.SKU{"LAMP-01", "LAMP-02"}},
		{"天顶台灯怎么样", []concierge.SKU{"LAMP-02"}},
		{"萤火虫小夜灯", []concierge.SKU{"LAMP-08"}},
		{"LAMP-02", []concierge.SKU{"LAMP-02"}},
		{"add lamp 02 please", []concierge.SKU{"LAMP-02"}},
		{"gift-30", []concierge.SKU{"GIFT-30"}},
		{"la Céleste ou la celeste", []concierge.SKU{"LAMP-07"}},
		{"une ampoule GU10", nil}, // a socket, not a name
		// Generic words name nothing.
		{"lampe", nil},
		{"lamp", nil},
		{"desk", nil},
		{"lampe de bureau", nil},
		{"灯", nil},
		{"台灯", nil},
		{"ampoule e27", nil},
		{"abat-jour en lin naturel", nil},
		{"天然亚麻灯罩", nil},
		{"add 30 bulbs", nil},
		{"une lampe pour mon atelier", nil}, // a possessive makes a common noun
		{"", nil},
	}
	for _, tt := range tests {
		if got := ix.Resolve(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("Resolve(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestFinds(t *testing.T) {
	ix, _ := testIndex(t)
	zenith := []concierge.SKU{"LAMP-02"}
	for text, want := range map[string]bool{
		"lampe de bureau Zénith": true,
		"Zénith dimmable":        true,
		"ampoules Zénith":        false, // bulbs for the Zénith
		"abat-jour Zénith":       false,
		"asdfghjkl":              false,
	} {
		if got := ix.Finds(text, zenith); got != want {
			t.Errorf("Finds(%q, LAMP-02) = %v, want %v", text, got, want)
		}
	}
}

// TestResolveProductLine checks that a name shared by a product line is
// narrowed by the other words of the text.
func TestResolveProductLine(t *testing.T) {
	ps := []concierge.Product{
		{SKU: "A-DESK", Category: "desk", Name: map[concierge.Locale]string{"fr": "Lampe de bureau Aurore", "en": "Aurore desk lamp"}, Tags: []string{"lamp", "desk"}},
		{SKU: "A-BED", Category: "bedside", Name: map[concierge.Locale]string{"fr": "Lampe de chevet Aurore", "en": "Aurore bedside lamp"}, Tags: []string{"lamp", "bedroom"}},
	}
	ix := catalog.New(ps, []concierge.Locale{"fr", "en"})
	for text, want := range map[string][]concierge.SKU{
		"aurore":                    {"A-DESK", "A-BED"},
		"la lampe de bureau aurore": {"A-DESK"},
		"aurore pour ma chambre":    {"A-BED"},
	} {
		if got := ix.Resolve(text); !slices.Equal(got, want) {
			t.Errorf("Resolve(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestCategoryOf(t *testing.T) {
	ix, _ := testIndex(t)
	tests := map[string]string{
		"ampoules":                        "bulbs",
		"dimmable bulbs":                  "bulbs",
		"可调光灯泡":                           "bulbs",
		"lampe de bureau":                 "desk",
		"deks lamp":                       "desk",
		"台灯":                              "desk",
		"lampe de lecture":                "desk",
		"lampe chambre":                   "bedside",
		"床头灯":                             "bedside",
		"veilleuse":                       "bedside",
		"abat-jour lin":                   "shades",
		"lampshade":                       "shades",
		"carte cadeau":                    "gifts",
		"礼品卡":                             "gifts",
		"ampoule pour lampe de chevet":    "bulbs",
		"lampe":                           "",
		"灯":                               "",
		"warm":                            "",
		"lampe de bureau pour la chambre": "",
		"bonjour":                         "",
	}
	for text, want := range tests {
		if got := ix.CategoryOf(text); got != want {
			t.Errorf("CategoryOf(%q) = %q, want %q", text, got, want)
		}
	}
	if got, want := ix.Categories(), []string{"desk", "bedside", "bulbs", "shades", "gifts"}; !slices.Equal(got, want) {
		t.Errorf("Categories() = %v, want %v", got, want)
	}
}

func TestEmptyCatalog(t *testing.T) {
	ix := catalog.New(nil, nil)
	if hits := ix.Search(catalog.Query{Text: "lampe"}); len(hits) != 0 {
		t.Errorf("Search on empty catalog = %v", hits)
	}
	if got := ix.Resolve("Aurore LAMP-01"); got != nil {
		t.Errorf("Resolve on empty catalog = %v", got)
	}
	if got := ix.CategoryOf("lampe"); got != "" {
		t.Errorf("CategoryOf on empty catalog = %q", got)
	}
}

// TestHostileInput checks that odd input neither panics nor matches.
func TestHostileInput(t *testing.T) {
	ix, _ := testIndex(t)
	for _, text := range []string{
		"'; DROP TABLE orders; --", "<script>alert(1)</script>", "🙂🙂🙂", "\x00\xff\xfe", "ｌａｍｐｅ",
		string(make([]byte, 10000)), "a" + string(make([]rune, 3000)),
	} {
		ix.Search(catalog.Query{Text: text})
		ix.Resolve(text)
		ix.CategoryOf(text)
	}
	if got := skus(ix.Search(catalog.Query{Text: "ｌａｍｐｅ"})); !slices.Equal(sorted(got), lamps) {
		t.Errorf("full-width lampe = %v", got)
	}
}

// TestConcurrent exercises one index from many goroutines (run with -race).
func TestConcurrent(t *testing.T) {
	ix, _ := testIndex(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, q := range benchQueries {
				ix.Search(catalog.Query{Text: q})
				ix.Resolve(q)
			}
		}()
	}
	wg.Wait()
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Zénith": "zenith", "ŒUVRE": "oeuvre", "ＬＥＤ": "led", "l’Aurore": "l'aurore", "天顶": "天顶", "Ça": "ca",
		// Accents that alone tell a word from a stop word keep its meaning.
		"Thé vert": "tea vert", "Dé à coudre": "die a coudre", "12 dés": "12 dice", "idée de cadeau": "idee de cadeau",
	} {
		if got := catalog.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAccentOfMeaning: "un dé à coudre" finds the thimble first, not
// the sewing needles "à coudre" that "de" (a stop word) would leave.
func TestAccentOfMeaning(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "NEEDLES", Name: map[concierge.Locale]string{"fr": "Aiguilles à coudre à la main (lot de 20)"}},
		{SKU: "THIMBLE", Name: map[concierge.Locale]string{"fr": "Dé à coudre métal"}},
		{SKU: "THREAD", Name: map[concierge.Locale]string{"fr": "Fil à coudre polyester"}},
	}, []concierge.Locale{"fr"})
	hits := ix.Search(catalog.Query{Text: "un dé à coudre", Limit: 3})
	if len(hits) == 0 || hits[0].SKU != "THIMBLE" || len(hits) > 1 && hits[1].Score >= hits[0].Score {
		t.Errorf("Search(un dé à coudre) = %v, want THIMBLE first and alone at its score", hits)
	}
}

var benchQueries = []string{
	"je cherche une lampe de bureau", "abat-jour en lin", "lampe de buerau",
	"looking for a desk lamp", "dimmable bulbs", "deks lamp",
	"我想买台灯", "可调光的灯泡", "欧若拉",
}

func BenchmarkSearch(b *testing.B) {
	ix, _ := testIndex(b)
	for _, lang := range []struct {
		name    string
		queries []string
	}{{"fr", benchQueries[0:3]}, {"en", benchQueries[3:6]}, {"zh", benchQueries[6:9]}} {
		b.Run(lang.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				ix.Search(catalog.Query{Text: lang.queries[i%len(lang.queries)], Limit: 5})
			}
		})
	}
}

func BenchmarkResolve(b *testing.B) {
	ix, _ := testIndex(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ix.Resolve(benchQueries[i%len(benchQueries)])
	}
}

func BenchmarkNew(b *testing.B) {
	ps := catalogtest.Load(b, "testdata/catalog.yaml")
	b.ReportAllocs()
	for b.Loop() {
		catalog.New(ps, []concierge.Locale{"fr", "en", "zh"})
	}
}

func BenchmarkSearchLarge(b *testing.B) {
	ix := catalog.New(catalogtest.Large(b, "testdata/catalog.yaml", 2000), []concierge.Locale{"fr", "en", "zh"})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ix.Search(catalog.Query{Text: benchQueries[i%len(benchQueries)], Limit: 10})
	}
}

// TestSearchLimitOnLargeCatalog checks that keeping the best few of many
// products gives the head of the full ranking, in every order.
func TestSearchLimitOnLargeCatalog(t *testing.T) {
	ix := catalog.New(catalogtest.Large(t, "testdata/catalog.yaml", 2000), []concierge.Locale{"fr", "en", "zh"})
	for _, q := range benchQueries {
		for _, s := range []catalog.Sort{catalog.Relevance, catalog.PriceAsc, catalog.PriceDesc} {
			all := ix.Search(catalog.Query{Text: q, Sort: s})
			top := ix.Search(catalog.Query{Text: q, Sort: s, Limit: 7})
			if len(all) < 7 {
				t.Fatalf("Search(%q) found only %d of 2000", q, len(all))
			}
			if !slices.Equal(top, all[:7]) {
				t.Errorf("Search(%q, %s, limit 7) = %v, want %v", q, s, skus(top), skus(all[:7]))
			}
		}
	}
}

package catalog_test

import (
	"slices"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
)

func TestClosest(t *testing.T) {
	ix := catalog.New(catalogtest.Load(t, "testdata/lines.yaml"), []concierge.Locale{"fr", "en", "zh"})
	mice := []concierge.SKU{"MOUSE-GRAPHITE", "MOUSE-GREY"}
	buds := []concierge.SKU{"BUDS", "BUDS-PRO"}
	phones := []concierge.SKU{"IP15P-128", "IP15-128"}
	tests := []struct {
		text string
		skus []concierge.SKU
		want concierge.SKU // "" = the caller must ask
	}{
		// Both mice are "MX Master 3S": the colour is unsaid, so neither
		// is the base of the line.
		{"souris mx master 3s", mice, ""},
		{"the mx master 3s", mice, ""},
		{"mx master 3s gris clair", mice, "MOUSE-GREY"},
		{"the graphite mx master", mice, "MOUSE-GRAPHITE"},
		// The Pulse is the Pulse Pro less a word: said alone, it is the Pulse.
		{"les écouteurs Pulse", buds, "BUDS"},
		{"pulse pro", buds, "BUDS-PRO"},
		{"iphone 15 128 go", phones, "IP15-128"},
		{"iphone 15 128", phones, "IP15-128"},
		{"iphone 15 pro 128 go", phones, "IP15P-128"},
	}
	for _, tt := range tests {
		if got := ix.Closest(tt.text, tt.skus); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestBySize(t *testing.T) {
	ix := catalog.New(catalogtest.Load(t, "testdata/lines.yaml"), []concierge.Locale{"fr", "en", "zh"})
	tests := []struct {
		skus    []concierge.SKU
		largest bool
		want    concierge.SKU
	}{
		{[]concierge.SKU{"MONSTERA-21", "MONSTERA-12"}, false, "MONSTERA-12"},
		{[]concierge.SKU{"MONSTERA-12", "MONSTERA-21"}, true, "MONSTERA-21"},
		// Names that differ by more than a number have no order of size.
		{[]concierge.SKU{"MONSTERA-12", "POT-21"}, true, ""},
		{[]concierge.SKU{"BUDS", "BUDS-PRO"}, true, ""},
		{[]concierge.SKU{"MONSTERA-12"}, true, ""},
	}
	for _, tt := range tests {
		if got := ix.BySize(tt.skus, tt.largest); got != tt.want {
			t.Errorf("BySize(%v, largest=%v) = %q, want %q", tt.skus, tt.largest, got, tt.want)
		}
	}
}

func TestNameHasNumber(t *testing.T) {
	ix := catalog.New(catalogtest.Load(t, "testdata/lines.yaml"), []concierge.Locale{"fr", "en", "zh"})
	for _, tt := range []struct {
		sku  concierge.SKU
		v    float64
		want bool
	}{
		{"MONSTERA-12", 12, true},
		{"MONSTERA-12", 21, false},
		{"MOUSE-GREY", 3, false}, // "3S" is a code, not a number
		{"NOPE", 3, false},
	} {
		if got := ix.NameHasNumber(tt.sku, tt.v); got != tt.want {
			t.Errorf("NameHasNumber(%s, %v) = %v, want %v", tt.sku, tt.v, got, tt.want)
		}
	}
}

// A Chinese name typed whole finds its product even when a lexicon word
// inside it names another kind ("唇膏" is a lipstick, "润唇膏" a balm).
func TestWholeChineseName(t *testing.T) {
	ix := catalog.New(catalogtest.Load(t, "testdata/lines.yaml"), []concierge.Locale{"fr", "en", "zh"})
	hits := ix.Search(catalog.Query{Text: "两支蜂蜜润唇膏", Limit: 5})
	if len(hits) != 1 || hits[0].SKU != "LIP-BALM" {
		t.Errorf("Search(两支蜂蜜润唇膏) = %+v, want LIP-BALM alone", hits)
	}
	if hits := ix.Search(catalog.Query{Text: "唇膏", Limit: 5}); len(hits) != 1 || hits[0].SKU != "LIPSTICK-RED" {
		t.Errorf("Search(唇膏) = %+v, want the lipstick alone", hits)
	}
}

// A Chinese word no name writes finds the names that end with its kind:
// "蜂蜜" (honey) the "洋槐蜜" and "荔枝蜜", "袜子" every sock, a pack's
// "三双装" aside.
func TestChineseHeads(t *testing.T) {
	ix := catalog.New(catalogtest.Load(t, "testdata/heads.yaml"), []concierge.Locale{"zh", "en"})
	for text, want := range map[string][]concierge.SKU{
		"有蜂蜜吗":   {"HONEY-ACACIA", "HONEY-LYCHEE"},
		"一双袜子":   {"SOCKS-3", "SOCKS-WOOL"},
		"来一瓶荔枝蜜": {"HONEY-LYCHEE"},
	} {
		if got := sorted(skus(ix.Search(catalog.Query{Text: text, Limit: 5}))); !slices.Equal(got, want) {
			t.Errorf("Search(%s) = %v, want %v", text, got, want)
		}
	}
}

// A kind of product the shop does not sell is a purpose, not a filter:
// "they're gifts" in a shop without gifts still finds the earbuds.
func TestKindTheShopLacks(t *testing.T) {
	ix := catalog.New(catalogtest.Load(t, "testdata/lines.yaml"), []concierge.Locale{"fr", "en", "zh"})
	hits := ix.Search(catalog.Query{Text: "pulse pro earbuds they gifts kids", Limit: 5})
	if len(hits) == 0 || hits[0].SKU != "BUDS-PRO" {
		t.Errorf("Search(pulse pro earbuds they gifts kids) = %+v, want BUDS-PRO first", hits)
	}
}

// TestClosestSizes: where both names write a number, the one that writes
// fewer is no base model ("pH minus" is 1.5 kg or 5 kg: ask), while a
// box "of 6" against the plain product still is another product.
func TestClosestSizes(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "PH-1_5", Name: map[concierge.Locale]string{"en": "pH minus granules 1.5 kg"}},
		{SKU: "PH-5", Name: map[concierge.Locale]string{"en": "pH minus granules 5 kg"}},
		{SKU: "CROISSANT", Name: map[concierge.Locale]string{"en": "Butter croissant", "zh": "黄油可颂"}},
		{SKU: "CROISSANT-6", Name: map[concierge.Locale]string{"en": "Butter croissant box of 6", "zh": "黄油可颂6个装礼盒"}},
		{SKU: "CHL-200", Name: map[concierge.Locale]string{"en": "Chlorine tablets 200 g (5 kg tub)"}},
		{SKU: "CHL-MULTI", Name: map[concierge.Locale]string{"en": "Multi-action chlorine tablets 200 g 5-in-1 (5 kg tub)"}},
	}, []concierge.Locale{"en", "zh"})
	tests := []struct {
		text string
		skus []concierge.SKU
		want concierge.SKU
	}{
		{"pH minus", []concierge.SKU{"PH-1_5", "PH-5"}, ""},
		{"butter croissant", []concierge.SKU{"CROISSANT", "CROISSANT-6"}, "CROISSANT"},
		{"黄油可颂", []concierge.SKU{"CROISSANT", "CROISSANT-6"}, "CROISSANT"},
		{"chlorine tablets 200 g", []concierge.SKU{"CHL-200", "CHL-MULTI"}, "CHL-200"},
	}
	for _, tt := range tests {
		if got := ix.Closest(tt.text, tt.skus); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// TestDescribedOnly: a product found only by its description ("for
// printers") is not what "une imprimante" asks for; found by a name or tag
// word, it is.
func TestDescribedOnly(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "REAM", Name: map[concierge.Locale]string{"fr": "Ramette papier A4 80 g"}, Description: map[concierge.Locale]string{"fr": "Papier blanc pour imprimantes et copieurs."}, Tags: []string{"papier"}},
	}, []concierge.Locale{"fr"})
	for query, want := range map[string]bool{"imprimante": true, "ramette": false, "papier pour imprimante": false} {
		if got := ix.DescribedOnly(query, "REAM"); got != want {
			t.Errorf("DescribedOnly(%q) = %v, want %v", query, got, want)
		}
	}
}

// TestClosestByHead: of two names that both have the words said, the one
// that opens with them is meant, when the other has them only after "de",
// "of" or "for" (a carton of reams, a basket for the robot); a name that
// has them before any complement is another such thing (two kettles), and
// a proper name's "of" is no complement to choose by.
func TestClosestByHead(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "REAM", Name: map[concierge.Locale]string{"fr": "Ramette papier A4 80 g 500 feuilles", "en": "A4 copy paper 80 gsm, ream of 500 sheets"}},
		{SKU: "CARTON", Name: map[concierge.Locale]string{"fr": "Carton de 5 ramettes A4 80 g", "en": "Box of 5 reams A4 80 gsm"}},
		{SKU: "X400", Name: map[concierge.Locale]string{"en": "AquaBot X400 robot cleaner", "fr": "Robot nettoyeur AquaBot X400"}},
		{SKU: "BASKET", Name: map[concierge.Locale]string{"en": "Replacement filter basket for AquaBot X400", "fr": "Panier filtre de rechange pour AquaBot X400"}},
		{SKU: "KETTLE", Name: map[concierge.Locale]string{"en": "Kettle 1.7 L"}},
		{SKU: "GOOSENECK", Name: map[concierge.Locale]string{"en": "Gooseneck kettle"}},
		{SKU: "HP", Name: map[concierge.Locale]string{"en": "Harry Potter 7-book box set"}},
		{SKU: "LOTR", Name: map[concierge.Locale]string{"en": "The Lord of the Rings 3-book box set"}},
		{SKU: "TEATS", Name: map[concierge.Locale]string{"fr": "Tétines de biberon (lot de 2)"}, Tags: []string{"tétine"}},
		{SKU: "DUMMY", Name: map[concierge.Locale]string{"fr": "Sucette physiologique"}, Tags: []string{"sucette", "tétine"}},
		{SKU: "PEN-BLUE", Name: map[concierge.Locale]string{"fr": "Stylo bille Cristal"}, Attrs: map[string]string{"color": "bleu"}},
		{SKU: "PEN-BOX", Name: map[concierge.Locale]string{"fr": "Boîte de 50 stylos bille Cristal bleus"}},
		{SKU: "FERM-23", Name: map[concierge.Locale]string{"fr": "Fermenteur 23 L avec robinet"}},
		{SKU: "LID-23", Name: map[concierge.Locale]string{"fr": "Couvercle de rechange pour fermenteur 23 L"}},
	}, []concierge.Locale{"fr", "en"})
	tests := []struct {
		text string
		skus []concierge.SKU
		want concierge.SKU
	}{
		{"une ramette A4 80 g", []concierge.SKU{"REAM", "CARTON"}, "REAM"},
		{"10 ramettes de papier A4 80 g", []concierge.SKU{"REAM", "CARTON"}, "REAM"},
		{"4 reams of A4 80 gsm paper", []concierge.SKU{"REAM", "CARTON"}, "REAM"},
		{"des tétines", []concierge.SKU{"TEATS", "DUMMY"}, ""},
		{"trente stylos Cristal bleus", []concierge.SKU{"PEN-BLUE", "PEN-BOX"}, "PEN-BLUE"},
		{"le fermenteur 23 L", []concierge.SKU{"FERM-23", "LID-23"}, "FERM-23"},
		{"the AquaBot X400", []concierge.SKU{"X400", "BASKET"}, "X400"},
		{"a kettle", []concierge.SKU{"KETTLE", "GOOSENECK"}, ""},
		{"a box set", []concierge.SKU{"HP", "LOTR"}, ""},
	}
	for _, tt := range tests {
		if got := ix.Closest(tt.text, tt.skus); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// TestNameLetterAfterAStopWord: "type A" writes its letter after a word
// a message may drop ("type"): said after it, the letter is the name's.
func TestNameLetterAfterAStopWord(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "FILT-A", Name: map[concierge.Locale]string{"en": "Filter cartridge type A"}},
		{SKU: "FILT-B", Name: map[concierge.Locale]string{"en": "Filter cartridge type B"}},
		{SKU: "BULB", Name: map[concierge.Locale]string{"fr": "Ampoule à filament"}},
	}, []concierge.Locale{"en", "fr"})
	if !ix.NameLetter("type", "a") {
		t.Error(`NameLetter("type", "a") = false: "type A" loses its letter`)
	}
	if ix.NameLetter("ampoule", "a") {
		t.Error(`NameLetter("ampoule", "a") = true: "à" in lower case is a word of the language`)
	}
	if hits := ix.Search(catalog.Query{Text: "type A", Limit: 2}); len(hits) == 0 || hits[0].SKU != "FILT-A" || len(hits) > 1 && hits[1].Score >= hits[0].Score {
		t.Errorf("Search(type A) = %v, want FILT-A first, alone at its score", hits)
	}
}

// TestHanKindIsNoName: "磨刀石防滑底座" (a holder for whetstones) is not named
// by "磨刀石", which is another product's whole word; "欧若拉" still names
// the Aurore lamps.
func TestHanKindIsNoName(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "STONE-1000", Name: map[concierge.Locale]string{"zh": "磨刀石 1000目", "en": "Whetstone 1000 grit"}},
		{SKU: "STONE-BASE", Name: map[concierge.Locale]string{"zh": "磨刀石防滑底座", "en": "Non-slip whetstone holder"}},
		{SKU: "LAMP-1", Name: map[concierge.Locale]string{"zh": "欧若拉床头灯", "en": "Aurore bedside lamp"}},
		{SKU: "LAMP-2", Name: map[concierge.Locale]string{"zh": "欧若拉台灯", "en": "Aurore desk lamp"}},
	}, []concierge.Locale{"zh", "en"})
	if got := ix.Resolve("加一块1000目磨刀石"); slices.Contains(got, "STONE-BASE") {
		t.Errorf("Resolve(加一块1000目磨刀石) = %v: the holder is not named by its kind", got)
	}
	if got := ix.Resolve("我要欧若拉"); len(got) != 2 {
		t.Errorf("Resolve(我要欧若拉) = %v, want both Aurore lamps", got)
	}
}

// TestClosestWithOrWithout: "calcium powder" does not choose between the
// powder with D3 and the one without; "with D3" or "D3" said chooses the
// one with it.
func TestClosestWithOrWithout(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "CALC-D3", Name: map[concierge.Locale]string{"en": "Calcium powder with D3 100 g"}},
		{SKU: "CALC-PLAIN", Name: map[concierge.Locale]string{"en": "Calcium powder without D3 100 g"}},
	}, []concierge.Locale{"en"})
	skus := []concierge.SKU{"CALC-D3", "CALC-PLAIN"}
	for text, want := range map[string]concierge.SKU{
		"calcium powder":         "",
		"calcium powder with D3": "CALC-D3",
		"calcium powder D3":      "CALC-D3",
	} {
		if got := ix.Closest(text, skus); got != want {
			t.Errorf("Closest(%q) = %q, want %q", text, got, want)
		}
	}
}

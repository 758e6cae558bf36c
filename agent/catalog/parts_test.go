package catalog_test

import (
	"slices"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
)

func partsIndex(t *testing.T) *catalog.Index {
	t.Helper()
	return catalog.New(catalogtest.Load(t, "testdata/parts.yaml"), []concierge.Locale{"fr", "en", "zh"})
}

// TestPartsFor: what a search for a kind of thing also shows that is
// made for that thing ("pour panneau solaire", "太阳能板连接线") is told
// apart from the thing; a list of parts only, or of the things only, has
// none to tell apart.
func TestPartsFor(t *testing.T) {
	ix := partsIndex(t)
	panels := []concierge.SKU{"SUN-60", "SUN-120", "EXT-3"}
	tests := []struct {
		text string
		skus []concierge.SKU
		want []concierge.SKU
	}{
		{"panneaux solaires", panels, []concierge.SKU{"EXT-3"}},
		{"panneau solaire", append(slices.Clone(panels), "BAG-SUN"), []concierge.SKU{"EXT-3", "BAG-SUN"}},
		{"太阳能板", panels, []concierge.SKU{"EXT-3"}},
		{"太阳能板", append(slices.Clone(panels), "BAG-SUN"), []concierge.SKU{"EXT-3", "BAG-SUN"}},
		// The cable is what "câble" asks for, not a part of it.
		{"câble d'extension pour panneau solaire", panels, nil},
		{"panneaux solaires", []concierge.SKU{"SUN-60", "SUN-120"}, nil},
		{"panneaux solaires", []concierge.SKU{"EXT-3", "BAG-SUN"}, nil},
		{"", panels, nil},
	}
	for _, tt := range tests {
		if got := ix.PartsFor(tt.text, tt.skus); !slices.Equal(got, tt.want) {
			t.Errorf("PartsFor(%q, %v) = %v, want %v", tt.text, tt.skus, got, tt.want)
		}
	}
}

// TestSibling: the product named as the one in the cart but for one word
// the message says, when only one is so named.
func TestSibling(t *testing.T) {
	ix := partsIndex(t)
	tests := []struct {
		old  concierge.SKU
		text string
		want concierge.SKU
	}{
		{"LEAD-HB", "non, plutôt la 2B", "LEAD-2B"},
		{"LEAD-2B", "actually the HB one", "LEAD-HB"},
		{"NIB-F", "non, plutôt la M", "NIB-M"}, // not the gold M: two words differ
		{"NIB-M", "plutôt en or", "NIB-M-GOLD"},
		{"LEAD-HB", "la HB ou la 2B", ""}, // its own word said too
		{"LEAD-HB", "non, plutôt la 4B", ""},
		{"SUN-60", "le 120 plutôt", "SUN-120"},
		{"SUN-60", "plutôt la housse", ""},
		{"NOPE", "la M", ""},
		// A stretch of words changed: the same handle in black, not the
		// black knob nor the black handle of another length.
		{"BAR-INOX-160", "actually, the black one instead", "BAR-BLACK-160"},
		{"BAR-INOX-160", "non, plutôt la noire", "BAR-BLACK-160"},
		// A number said the sibling's name does not write rules it out.
		{"TECH-100", "en fait non, plutôt les briques de base 500", ""},
		{"TECH-100", "plutôt les briques de base", "BRICK-100"},
	}
	for _, tt := range tests {
		if got := ix.Sibling(tt.old, tt.text); got != tt.want {
			t.Errorf("Sibling(%s, %q) = %q, want %q", tt.old, tt.text, got, tt.want)
		}
	}
}

// TestValueSaidByMeaning: a variant value written in French is chosen
// by its meaning in other words ("burgundy" for "bordeaux", "粉色" and
// "pink" for "rose").
func TestValueSaidByMeaning(t *testing.T) {
	ix := partsIndex(t)
	tests := []struct {
		text  string
		group []concierge.SKU
		want  []concierge.SKU
	}{
		{"the notebook in burgundy", []concierge.SKU{"NOTE-BORD", "NOTE-VERT"}, []concierge.SKU{"NOTE-BORD"}},
		{"酒红色的笔记本", []concierge.SKU{"NOTE-BORD", "NOTE-VERT"}, []concierge.SKU{"NOTE-BORD"}},
		{"le carnet bordeaux", []concierge.SKU{"NOTE-BORD", "NOTE-VERT"}, []concierge.SKU{"NOTE-BORD"}},
		{"粉色的", []concierge.SKU{"PIL-ROSE", "PIL-GRIS"}, []concierge.SKU{"PIL-ROSE"}},
		{"the pink one", []concierge.SKU{"PIL-ROSE", "PIL-GRIS"}, []concierge.SKU{"PIL-ROSE"}},
		{"le rose", []concierge.SKU{"PIL-ROSE", "PIL-GRIS"}, []concierge.SKU{"PIL-ROSE"}},
		{"non, plutôt le naturel", []concierge.SKU{"HORSE-NAT", "HORSE-WHT"}, []concierge.SKU{"HORSE-NAT"}},
		{"原木色的", []concierge.SKU{"HORSE-NAT", "HORSE-WHT"}, []concierge.SKU{"HORSE-NAT"}},
		// A number alone before 的 is the value it writes with its unit.
		{"400的", []concierge.SKU{"SLIDE-400", "SLIDE-500"}, []concierge.SKU{"SLIDE-400"}},
	}
	for _, tt := range tests {
		fit, said, missing := ix.Narrow(tt.text, tt.group)
		if !slices.Equal(fit, tt.want) || len(said) == 0 || len(missing) > 0 {
			t.Errorf("Narrow(%q) = %v said %v missing %v, want %v", tt.text, fit, said, missing, tt.want)
		}
	}
}

// TestPartsForEveryName: a cart's choice leaves out a part only when
// each of its names says what it is for after "for"/"pour": the koi food
// sticks are "Bâtonnets pour koï" in French but "Koi food sticks" in
// English, so "add the koi" still asks; the battery is "for drone X3" in
// both.
func TestPartsForEveryName(t *testing.T) {
	ix := partsIndex(t)
	koi := []concierge.SKU{"KOI-STICKS", "KOI-ORN"}
	if got := ix.PartsFor("the koi", koi); !slices.Equal(got, []concierge.SKU{"KOI-STICKS"}) {
		t.Errorf("PartsFor(the koi) = %v, want the sticks (a French name says pour koï)", got)
	}
	if got := ix.PartsForEveryName("the koi", koi); got != nil {
		t.Errorf("PartsForEveryName(the koi) = %v, want none", got)
	}
	if got := ix.PartsForEveryName("the X3 drone", []concierge.SKU{"DR-X3", "BAT-X3"}); !slices.Equal(got, []concierge.SKU{"BAT-X3"}) {
		t.Errorf("PartsForEveryName(the X3 drone) = %v, want the battery", got)
	}
}

// TestMeasuredOne: a size said alone picks the one product shown whose
// name writes it; words beyond the size, or a size two have, do not.
func TestMeasuredOne(t *testing.T) {
	ix := partsIndex(t)
	targets := []concierge.SKU{"TGT-60", "TGT-80"}
	tests := []struct {
		text string
		skus []concierge.SKU
		want concierge.SKU
	}{
		{"the 80 cm one", targets, "TGT-80"},
		{"la 60 cm", targets, "TGT-60"},
		{"80厘米的那个", targets, "TGT-80"},
		{"the 80 cm target faces", targets, ""},
		{"the 80 cm one", []concierge.SKU{"TGT-80", "FACE-80"}, ""},
		{"the 70 cm one", targets, ""},
		{"the big one", targets, ""},
	}
	for _, tt := range tests {
		if got := ix.MeasuredOne(tt.text, tt.skus); got != tt.want {
			t.Errorf("MeasuredOne(%q, %v) = %q, want %q", tt.text, tt.skus, got, tt.want)
		}
	}
	// Pounds are a unit: "40磅" is the bow whose draw weight is "40 lbs".
	for _, text := range []string{"Vector复合弓 40磅", "the vector bow, 40 lb"} {
		if fit, _, _ := ix.Narrow(text, []concierge.SKU{"BOW-40", "BOW-50"}); !slices.Equal(fit, []concierge.SKU{"BOW-40"}) {
			t.Errorf("Narrow(%q) = %v, want [BOW-40]", text, fit)
		}
	}
}

// TestDescribedOne: a colour said alone picks the one product shown whose
// name says it; words beyond it, or a colour two have, do not.
func TestDescribedOne(t *testing.T) {
	ix := partsIndex(t)
	handles := []concierge.SKU{"BAR-INOX-160", "BAR-BLACK-160"}
	tests := []struct {
		text string
		skus []concierge.SKU
		want concierge.SKU
	}{
		{"the black one", handles, "BAR-BLACK-160"},
		{"la noire", handles, "BAR-BLACK-160"},
		{"黑色的", handles, "BAR-BLACK-160"},
		{"the black knob", handles, ""},
		{"the black one", []concierge.SKU{"BAR-BLACK-160", "BAR-BLACK-128"}, ""},
		{"the red one", handles, ""},
	}
	for _, tt := range tests {
		if got := ix.DescribedOne(tt.text, tt.skus); got != tt.want {
			t.Errorf("DescribedOne(%q, %v) = %q, want %q", tt.text, tt.skus, got, tt.want)
		}
	}
}

// TestForUseOnly: "普洱茶饼" found only in the knife "（撬茶饼用）" names
// what the knife is for; a pack size in brackets or the thing itself is
// no purpose.
func TestForUseOnly(t *testing.T) {
	p := func(sku, zh string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Name: map[concierge.Locale]string{"zh": zh}}
	}
	ix := catalog.New([]concierge.Product{p("KNIFE", "普洱茶刀（撬茶饼用）"), p("CAKE", "普洱熟茶饼 357克"), p("ROLLS", "粘毛器替换纸（5卷装）")}, []concierge.Locale{"zh"})
	tests := []struct {
		text string
		sku  concierge.SKU
		want bool
	}{
		{"我要普洱茶饼", "KNIFE", true},
		{"我要普洱茶饼", "CAKE", false},
		{"我要普洱茶刀", "KNIFE", false},
		{"粘毛器替换纸 5卷装", "ROLLS", false},
		{"a knife", "KNIFE", false},
	}
	for _, tt := range tests {
		if got := ix.ForUseOnly(tt.text, tt.sku); got != tt.want {
			t.Errorf("ForUseOnly(%q, %s) = %v, want %v", tt.text, tt.sku, got, tt.want)
		}
	}
}

// TestWithoutNamesNoLack: ruling out "the one with the headrest" keeps the
// chair whose name says "without headrest" / "sans appui-tête" / "无头枕":
// it names the headrest only to say it has none.
func TestWithoutNamesNoLack(t *testing.T) {
	p := func(sku, en, fr, zh string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Name: map[concierge.Locale]string{"en": en, "fr": fr, "zh": zh}}
	}
	ix := catalog.New([]concierge.Product{
		p("WITH", "Ergo office chair with headrest", "Chaise de bureau Ergo avec appui-tête", "Ergo人体工学椅 带头枕"),
		p("WITHOUT", "Ergo office chair without headrest", "Chaise de bureau Ergo sans appui-tête", "Ergo人体工学椅 无头枕"),
		p("CASTERS", "Casters for Ergo chair", "Roulettes pour chaise Ergo", "Ergo办公椅脚轮"),
	}, []concierge.Locale{"en", "fr", "zh"})
	all := []concierge.SKU{"WITH", "WITHOUT", "CASTERS"}
	for _, tt := range []struct{ not, asked string }{
		{"the one with the headrest", "ergo chair"}, {"celle avec appui-tête", "chaise ergo"}, {"带头枕的", "Ergo人体工学椅"},
	} {
		if got := ix.Without(all, tt.not, tt.asked); !slices.Equal(got, []concierge.SKU{"WITHOUT", "CASTERS"}) {
			t.Errorf("Without(%q) = %v, want [WITHOUT CASTERS]", tt.not, got)
		}
	}
}

// TestOtherNameSaid: "a 10.5 tog cloud duvet" names the goose down duvet
// "… 10.5 tog" by its "tog", but "cloud" is the Cloud duvet's word (a tag
// of its own, so no proper name): the goose duvet is not all that was
// asked, and the Cloud duvet whose tog value is the decimal 10.5 is found
// by it.
func TestOtherNameSaid(t *testing.T) {
	cloud := func(sku, tog, size string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Group: "CLOUD", Name: map[concierge.Locale]string{"en": "Cloud microfibre duvet", "fr": "Couette microfibre Cloud"},
			Tags: []string{"duvet", "cloud"}, Attrs: map[string]string{"tog": tog, "size": size}}
	}
	goose := concierge.Product{SKU: "GOOSE-D", Name: map[concierge.Locale]string{"en": "Goose down duvet 10.5 tog", "fr": "Couette en duvet d'oie 10,5 tog"},
		Tags: []string{"duvet"}, Attrs: map[string]string{"tog": "10.5", "size": "double"}}
	ix := catalog.New([]concierge.Product{goose, cloud("CL-45-D", "4.5", "double"), cloud("CL-105-D", "10.5", "double")}, []concierge.Locale{"en", "fr"})
	if !ix.SaysOtherName("10.5 tog cloud duvet double", []concierge.SKU{"GOOSE-D"}) {
		t.Error("SaysOtherName(10.5 tog cloud duvet, goose) = false, want true: cloud is another's")
	}
	if ix.SaysOtherName("goose down duvet 10.5 tog", []concierge.SKU{"GOOSE-D"}) {
		t.Error("SaysOtherName(goose down duvet 10.5 tog, goose) = true, want false")
	}
	if !slices.Contains(skusOf(ix.Search(catalog.Query{Text: "10.5 tog cloud duvet", Limit: 8})), "CL-105-D") {
		t.Error("Search(10.5 tog cloud duvet) misses the Cloud duvet in 10.5")
	}
}

// TestFoundByCodeOnly: "a tyre 205/55 R16" finds the triangle "ECE R27"
// by the r of R16 alone, next to a word the shop does not know: no
// match. The code the product writes, or a word it has, is one.
func TestFoundByCodeOnly(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "TRI", Name: map[concierge.Locale]string{"en": "Warning triangle", "fr": "Triangle de signalisation"}, Attrs: map[string]string{"standard": "ECE R27"}},
		{SKU: "BULB", Name: map[concierge.Locale]string{"en": "Bulb H7 pair"}},
	}, []concierge.Locale{"en", "fr"})
	tests := []struct {
		text string
		sku  concierge.SKU
		want bool
	}{
		{"add a tyre 205/55 R16", "TRI", true},
		{"a tyre R27", "TRI", false},
		{"a zorglub triangle", "TRI", false},
		{"a warning triangle R16", "TRI", false},
	}
	for _, tt := range tests {
		if got := ix.FoundByCodeOnly(tt.text, tt.sku); got != tt.want {
			t.Errorf("FoundByCodeOnly(%q, %s) = %v, want %v", tt.text, tt.sku, got, tt.want)
		}
	}
}

// TestWritesDigits: the numbers and codes said must be written by the
// product or one of its variants: "two reams of A3" is no A4 box, "10.5
// tog" the duvet whose variants come in 10.5, "5 L" the pot in 5L.
func TestWritesDigits(t *testing.T) {
	duvet := func(sku, tog string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Group: "CLOUD", Name: map[concierge.Locale]string{"en": "Cloud duvet"}, Attrs: map[string]string{"tog": tog}}
	}
	ix := catalog.New([]concierge.Product{
		{SKU: "A4-BOX", Name: map[concierge.Locale]string{"en": "A4 copy paper box of 5 reams"}},
		{SKU: "A3", Name: map[concierge.Locale]string{"en": "A3 copy paper 500 sheets"}},
		{SKU: "POT", Name: map[concierge.Locale]string{"zh": "美厨电饭煲陶瓷内胆 5L"}},
		duvet("CL-45", "4.5"), duvet("CL-105", "10,5"),
	}, []concierge.Locale{"en", "zh"})
	tests := []struct {
		text string
		sku  concierge.SKU
		want bool
	}{
		{"reams of A3", "A4-BOX", false}, // the query, without its count
		{"reams of A3", "A3", true},
		{"10.5 tog cloud duvet", "CL-45", true}, // a variant writes it
		{"13.5 tog cloud duvet", "CL-45", false},
		{"美厨内胆 5 L", "POT", true},
		{"cloud duvet", "CL-45", true},
	}
	for _, tt := range tests {
		if got := ix.WritesDigits(tt.text, tt.sku); got != tt.want {
			t.Errorf("WritesDigits(%q, %s) = %v, want %v", tt.text, tt.sku, got, tt.want)
		}
	}
}

// TestDecibels: "the 35 db one" after two ear defenders were shown is the
// one whose name says "SNR 35 dB".
func TestDecibels(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "EAR-30", Name: map[concierge.Locale]string{"en": "Ear defenders SNR 30 dB", "zh": "防噪音耳罩 SNR 30 dB"}},
		{SKU: "EAR-35", Name: map[concierge.Locale]string{"en": "Ear defenders SNR 35 dB", "zh": "防噪音耳罩 SNR 35 dB"}},
	}, []concierge.Locale{"en", "zh"})
	both := []concierge.SKU{"EAR-30", "EAR-35"}
	for text, want := range map[string]concierge.SKU{"the 35 db one": "EAR-35", "35分贝的": "EAR-35", "the 30dB one": "EAR-30"} {
		if got := ix.MeasuredOne(text, both); got != want {
			t.Errorf("MeasuredOne(%q) = %q, want %q", text, got, want)
		}
	}
}

// TestProductBySKU: a SKU is found however it is cased or punctuated, on
// the fast ASCII path and on the folded one.
func TestProductBySKU(t *testing.T) {
	ix := catalog.New([]concierge.Product{{SKU: "LAMP-02", Name: map[concierge.Locale]string{"fr": "Lampe"}}, {SKU: "THÉ-VERT-01", Name: map[concierge.Locale]string{"fr": "Thé vert"}}},
		[]concierge.Locale{"fr"})
	for sku, want := range map[concierge.SKU]concierge.SKU{"LAMP-02": "LAMP-02", "lamp02": "LAMP-02", "Lamp 02": "LAMP-02",
		"THÉ-VERT-01": "THÉ-VERT-01", "thé vert 01": "THÉ-VERT-01", "LAMP-03": ""} {
		p := ix.Product(sku)
		if got := concierge.SKU(""); p != nil {
			got = p.SKU
			if got != want {
				t.Errorf("Product(%q) = %s, want %s", sku, got, want)
			}
		} else if want != "" {
			t.Errorf("Product(%q) = nil, want %s", sku, want)
		}
	}
}

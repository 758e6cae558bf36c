package catalog_test

import (
	"slices"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
)

// TestMeasuresContradict: a size the query states drops the products whose
// names write the same kind of size with other values only ("a light bar
// 90 cm" is not the 60 cm one), in any unit spelling; products that write
// no such size stay, and a list of sizes keeps each ("20 cm … 50 cm").
func TestMeasuresContradict(t *testing.T) {
	p := func(sku concierge.SKU, en, zh string) concierge.Product {
		return concierge.Product{SKU: sku, Name: map[concierge.Locale]string{"en": en, "zh": zh}}
	}
	ix := catalog.New([]concierge.Product{
		p("BAR-60", "LED light bar 60 cm", "LED灯条 60厘米"),
		p("BAR-120", "LED light bar 1.2 m", "LED灯条 1.2米"),
		p("ZIP-20", "Zip 20 cm", "拉链 20厘米"),
		p("ZIP-50", "Zip 50 cm", "拉链 50厘米"),
		p("TIMER", "LED light timer", "LED定时器"),
	}, []concierge.Locale{"en", "zh"})
	tests := []struct {
		query string
		want  []concierge.SKU
	}{
		{"LED light bar 90 cm", nil},
		{"LED light bar 60cm", []concierge.SKU{"BAR-60"}},
		{"light bar 120 cm", []concierge.SKU{"BAR-120"}},
		{"LED灯条 60厘米", []concierge.SKU{"BAR-60"}},
		{"zip 20 cm zip 50 cm", []concierge.SKU{"ZIP-20", "ZIP-50"}},
		{"zip 35 cm", nil},
	}
	for _, tt := range tests {
		var got []concierge.SKU
		for _, h := range ix.Search(catalog.Query{Text: tt.query}) {
			got = append(got, h.SKU)
		}
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Search(%q) = %v, want %v", tt.query, got, tt.want)
		}
	}
}

// TestExcludeMeasure: "not the 5.5 m" rules out the variant that writes
// 5.5 m, not the 4.5 m one that also has a 5 and an m.
func TestExcludeMeasure(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "WINTER-450", Group: "WINTER", Name: map[concierge.Locale]string{"en": "Winter cover for round pools"}, Attrs: map[string]string{"size": "4.5 m"}},
		{SKU: "WINTER-550", Group: "WINTER", Name: map[concierge.Locale]string{"en": "Winter cover for round pools"}, Attrs: map[string]string{"size": "5.5 m"}},
		{SKU: "SOLAR", Name: map[concierge.Locale]string{"en": "Solar bubble cover"}},
	}, []concierge.Locale{"en"})
	hits := ix.Search(catalog.Query{Text: "winter cover", Exclude: "the 5.5 m", Limit: 5})
	if len(hits) != 1 || hits[0].SKU != "WINTER-450" {
		t.Errorf("Search(winter cover, not the 5.5 m) = %v, want [WINTER-450]", hits)
	}
}

// TestMeasureOnly: a text that is only the value's measure, in any
// spelling of its unit, and nothing when it says more or another.
func TestMeasureOnly(t *testing.T) {
	tests := []struct {
		text, value string
		want        bool
	}{
		{"90厘米的", "90 cm", true},
		{"90cm", "90 cm", true},
		{"900 mm", "90 cm", true},
		{"90厘米的卷帘", "90 cm", false},
		{"120厘米", "90 cm", false},
		{"90", "90 cm", false},
		{"", "90 cm", false},
	}
	for _, tt := range tests {
		if got := catalog.MeasureOnly(tt.text, tt.value); got != tt.want {
			t.Errorf("MeasureOnly(%q, %q) = %v, want %v", tt.text, tt.value, got, tt.want)
		}
	}
}

// TestLabelledValues: a name that writes an attribute's value after a
// word ("… force 3" of reeds of strength 3) makes that word a label. A
// request for another value under that label ("force 2.5") is not those
// reeds, and says the value of variants whose names do not write it; a
// decimal is one number ("2.5" does not find the "box of 5"), written
// with either mark.
func TestLabelledValues(t *testing.T) {
	reed := func(sku, group, fr, strength string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Group: group, Name: map[concierge.Locale]string{"fr": fr},
			Attrs: map[string]string{"strength": strength}}
	}
	ix := catalog.New([]concierge.Product{
		reed("CLAR-25", "CLAR", "Anches clarinette (boîte de 10)", "2.5"),
		reed("CLAR-3", "CLAR", "Anches clarinette (boîte de 10)", "3"),
		reed("TEN-3", "", "Anches ténor force 3 (boîte de 5)", "3"),
		{SKU: "CASE-5", Name: map[concierge.Locale]string{"fr": "Étui pour 5 anches"}},
	}, []concierge.Locale{"fr"})
	search := []struct {
		query string
		want  concierge.SKU // first hit
		not   concierge.SKU // not among the hits
	}{
		{"anches clarinette force 2.5", "CLAR-25", "TEN-3"},
		{"anches clarinette force 2,5", "CLAR-25", "TEN-3"},
		{"anches force 3", "TEN-3", ""},
		{"2.5", "CLAR-25", "CASE-5"},
	}
	for _, tt := range search {
		hits := ix.Search(catalog.Query{Text: tt.query, Limit: 5})
		if len(hits) == 0 || hits[0].SKU != tt.want {
			t.Errorf("Search(%q) = %v, want %s first", tt.query, hits, tt.want)
		}
		for _, h := range hits {
			if h.SKU == tt.not {
				t.Errorf("Search(%q) = %v, has %s", tt.query, hits, tt.not)
			}
		}
	}
	group := []concierge.SKU{"CLAR-25", "CLAR-3"}
	narrow := []struct {
		text string
		want []concierge.SKU
	}{
		{"anches clarinette force 2,5", []concierge.SKU{"CLAR-25"}},
		{"une boîte d'anches clarinette force 3", []concierge.SKU{"CLAR-3"}},
		{"deux boîtes d'anches clarinette", group}, // "deux" is a count
		{"force 2,5", []concierge.SKU{"CLAR-25"}},
		{"strength 3", []concierge.SKU{"CLAR-3"}}, // the attribute's name
	}
	for _, tt := range narrow {
		if fit, _, _ := ix.Narrow(tt.text, group); !slices.Equal(fit, tt.want) {
			t.Errorf("Narrow(%q) = %v, want %v", tt.text, fit, tt.want)
		}
	}
}

// TestSaysOnlyLabelledValue: "force 2,5" or "strength 3" after a
// question about reeds says only a strength; "ténor 2.5" says more.
func TestSaysOnlyLabelledValue(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "CLAR-25", Group: "CLAR", Name: map[concierge.Locale]string{"fr": "Anches clarinette"}, Attrs: map[string]string{"strength": "2.5"}},
		{SKU: "CLAR-3", Group: "CLAR", Name: map[concierge.Locale]string{"fr": "Anches clarinette"}, Attrs: map[string]string{"strength": "3"}},
		{SKU: "TEN-3", Name: map[concierge.Locale]string{"fr": "Anches ténor force 3"}, Attrs: map[string]string{"strength": "3"}},
	}, []concierge.Locale{"fr"})
	tests := []struct {
		query string
		said  catalog.Said
		want  bool
	}{
		{"force 2,5", catalog.Said{"strength": "2.5"}, true},
		{"strength 3", catalog.Said{"strength": "3"}, true},
		{"ténor 2.5", catalog.Said{"strength": "2.5"}, false},
		{"force 2,5", catalog.Said{"strength": "3"}, false},
	}
	for _, tt := range tests {
		if got := ix.SaysOnly(tt.query, tt.said); got != tt.want {
			t.Errorf("SaysOnly(%q, %v) = %v, want %v", tt.query, tt.said, got, tt.want)
		}
	}
}

// TestDecimalSaysValue: a decimal after a Chinese name ("单簧管哨片 2.5")
// is the strength, never a count.
func TestDecimalSaysValue(t *testing.T) {
	reed := func(sku, v string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Group: "CLAR", Name: map[concierge.Locale]string{"zh": "单簧管哨片（10片装）"}, Attrs: map[string]string{"strength": v}}
	}
	ix := catalog.New([]concierge.Product{reed("C-25", "2.5"), reed("C-3", "3")}, []concierge.Locale{"zh"})
	group := []concierge.SKU{"C-25", "C-3"}
	if fit, _, _ := ix.Narrow("加一盒单簧管哨片 2.5", group); !slices.Equal(fit, []concierge.SKU{"C-25"}) {
		t.Errorf("Narrow(加一盒单簧管哨片 2.5) = %v, want [C-25]", fit)
	}
	if fit, _, _ := ix.Narrow("加3盒单簧管哨片", group); len(fit) != 2 {
		t.Errorf("Narrow(加3盒单簧管哨片) = %v, want both", fit)
	}
}

// TestCountOfMeasure: an amount in the products' own measure is a count
// of them, when it is a whole number of the one measure they write and
// none writes the amount itself.
func TestCountOfMeasure(t *testing.T) {
	p := func(sku, en string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Name: map[concierge.Locale]string{"en": en}}
	}
	ix := catalog.New([]concierge.Product{
		p("PLA", "PLA filament 1.75 mm 1 kg"),
		p("IPA", "Isopropyl alcohol 1 L"),
		p("RICE-1", "Basmati rice 1 kg"),
		p("RICE-5", "Basmati rice 5 kg"),
	}, []concierge.Locale{"en"})
	tests := []struct {
		query string
		value float64
		unit  string
		want  int
	}{
		{"PLA filament", 3, "kg", 3},
		{"alcohol", 2, "litres", 2},
		{"alcohol", 500, "ml", 0},    // not a whole number of bottles
		{"basmati rice", 5, "kg", 0}, // the 5 kg bag is sold
		{"basmati rice", 3, "kg", 0}, // two measures: which bags?
		{"PLA filament", 3, "parsecs", 0},
	}
	for _, tt := range tests {
		if got := ix.CountOfMeasure(tt.query, tt.value, tt.unit); got != tt.want {
			t.Errorf("CountOfMeasure(%q, %v %s) = %d, want %d", tt.query, tt.value, tt.unit, got, tt.want)
		}
	}
}

// TestPackSizeContradicts: "le lot de 100" (read "lot 100") is not the
// "Pochettes extérieures (lot de 50)"; "3 packs of 0.71 picks" says the
// picks' size, not a pack of 0.71.
func TestPackSizeContradicts(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "IN-100", Group: "IN", Name: map[concierge.Locale]string{"fr": "Sous-pochettes antistatiques 33 tours"}, Attrs: map[string]string{"pack": "100"}},
		{SKU: "IN-50", Group: "IN", Name: map[concierge.Locale]string{"fr": "Sous-pochettes antistatiques 33 tours"}, Attrs: map[string]string{"pack": "50"}},
		{SKU: "OUT-50", Name: map[concierge.Locale]string{"fr": "Pochettes extérieures 33 tours (lot de 50)"}},
		{SKU: "PICK-071", Name: map[concierge.Locale]string{"en": "Celluloid picks 0.71 mm (pack of 12)"}},
	}, []concierge.Locale{"fr", "en"})
	for _, h := range ix.Search(catalog.Query{Text: "pochettes 33 tours lot 100", Limit: 5}) {
		if h.SKU == "OUT-50" {
			t.Errorf("Search(pochettes 33 tours lot 100) has OUT-50, a lot of 50")
		}
	}
	if hits := ix.Search(catalog.Query{Text: "packs 0.71 picks", Limit: 5}); len(hits) == 0 || hits[0].SKU != "PICK-071" {
		t.Errorf("Search(packs 0.71 picks) = %v, want PICK-071", hits)
	}
}

package catalog_test

import (
	"slices"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
)

// TestColourNames: a colour written in one language is found in another
// ("navy" is the variant whose colour is "bleu marine"); "blue" is the
// variant written "bleu", not the navy one, when both exist.
func TestColourNames(t *testing.T) {
	yarn := func(sku concierge.SKU, colour string) concierge.Product {
		return concierge.Product{SKU: sku, Group: "YARN", Name: map[concierge.Locale]string{"fr": "Pelote de laine Douce", "en": "Douce yarn ball"},
			Attrs: map[string]string{"colour": colour}}
	}
	ix := catalog.New([]concierge.Product{yarn("NAVY", "bleu marine"), yarn("BLUE", "bleu"), yarn("RED", "rouge"), yarn("ECRU", "écru")},
		[]concierge.Locale{"fr", "en"})
	group := []concierge.SKU{"NAVY", "BLUE", "RED", "ECRU"}
	tests := []struct {
		text string
		want []concierge.SKU
	}{
		{"3 balls of douce yarn in navy", []concierge.SKU{"NAVY"}},
		{"la douce en bleu marine", []concierge.SKU{"NAVY"}},
		{"the off-white one", []concierge.SKU{"ECRU"}},
		{"the red one", []concierge.SKU{"RED"}},
	}
	for _, tt := range tests {
		if fit, _, _ := ix.Narrow(tt.text, group); !slices.Equal(fit, tt.want) {
			t.Errorf("Narrow(%q) = %v, want %v", tt.text, fit, tt.want)
		}
	}
	if fit, _, _ := ix.Narrow("the blue one", group); !slices.Equal(fit, []concierge.SKU{"BLUE"}) {
		t.Errorf("Narrow(the blue one) = %v, want [BLUE]", fit)
	}
	// French writes navy "marine" alone as often as "bleu marine".
	helmet := func(sku concierge.SKU, colour string) concierge.Product {
		return concierge.Product{SKU: sku, Group: "KALI", Name: map[concierge.Locale]string{"fr": "Casque Kali", "en": "Kali helmet"},
			Attrs: map[string]string{"couleur": colour}}
	}
	hx := catalog.New([]concierge.Product{helmet("K-MA", "marine"), helmet("K-NO", "noir")}, []concierge.Locale{"fr", "en"})
	if fit, _, _ := hx.Narrow("add the Kali helmet in navy", []concierge.SKU{"K-MA", "K-NO"}); !slices.Equal(fit, []concierge.SKU{"K-MA"}) {
		t.Errorf("Narrow(in navy) = %v, want the helmet whose colour is \"marine\"", fit)
	}
}

// TestSizeNames: sizes written as letters are chosen by their names in
// fr, en and zh ("the large one", "en grand", "大号的").
func TestSizeNames(t *testing.T) {
	board := func(sku concierge.SKU, size string) concierge.Product {
		return concierge.Product{SKU: sku, Group: "BOARD", Name: map[concierge.Locale]string{"fr": "Plateau de fromages", "en": "Cheese board", "zh": "奶酪拼盘"},
			Attrs: map[string]string{"size": size}}
	}
	ix := catalog.New([]concierge.Product{board("S", "S"), board("M", "M"), board("L", "L")}, []concierge.Locale{"fr", "en", "zh"})
	group := []concierge.SKU{"S", "M", "L"}
	for text, want := range map[string]concierge.SKU{
		"the large one": "L", "large": "L", "le grand": "L", "大号的": "L",
		"medium": "M", "中号": "M", "la petite": "S", "small please": "S", "taille M": "M", "the L": "L",
	} {
		if fit, _, _ := ix.Narrow(text, group); !slices.Equal(fit, []concierge.SKU{want}) {
			t.Errorf("Narrow(%q) = %v, want [%s]", text, fit, want)
		}
	}
}

// TestValuesWithNumbers: a value written with a number ("12 kg") is said
// only as such, in order ("2 bags … 12 kg" is not the 2 kg bag), or as the
// same measure in another spelling ("60升" is "60 L").
func TestValuesWithNumbers(t *testing.T) {
	bag := func(sku concierge.SKU, w string) concierge.Product {
		return concierge.Product{SKU: sku, Group: "KIBBLE", Name: map[concierge.Locale]string{"en": "Chicken kibble", "zh": "鸡肉狗粮"},
			Attrs: map[string]string{"weight": w}}
	}
	ix := catalog.New([]concierge.Product{bag("K2", "2 kg"), bag("K12", "12 kg"), bag("K60", "60 L")}, []concierge.Locale{"en", "zh"})
	group := []concierge.SKU{"K2", "K12", "K60"}
	for text, want := range map[string][]concierge.SKU{
		"2 bags of the chicken kibble, 12 kg please": {"K12"},
		"the 2 kg one":  {"K2"},
		"鸡肉狗粮 60升":      {"K60"},
		"kibble 60l":    {"K60"},
		"2 bags please": group,
	} {
		if fit, _, _ := ix.Narrow(text, group); !slices.Equal(fit, want) {
			t.Errorf("Narrow(%q) = %v, want %v", text, fit, want)
		}
	}
}

// TestColourCharacterInAWord: one character of a colour or material that
// starts another Chinese word is not the product's colour ("黑胶" is
// vinyl, "钢笔" a fountain pen): ruling out black or steel keeps them,
// while "黑色", "黑的", "钢制" still say it.
func TestColourCharacterInAWord(t *testing.T) {
	p := func(sku concierge.SKU, zh, fr string) concierge.Product {
		return concierge.Product{SKU: sku, Name: map[concierge.Locale]string{"zh": zh, "fr": fr}, Price: concierge.Money{Minor: 1000, Currency: "EUR"}}
	}
	ix := catalog.New([]concierge.Product{
		p("CRATE-WOOD", "80张黑胶收纳箱 木纹", "Bac de rangement 80 vinyles bois"),
		p("CRATE-BLACK", "80张黑胶收纳箱 黑色", "Bac de rangement 80 vinyles noir"),
		p("PEN", "88系列钢笔", "Stylo plume Série 88"),
		p("BOTTLE", "钢制水壶", "Gourde en acier"),
	}, []concierge.Locale{"fr", "zh"})
	tests := []struct {
		text, not string
		want      []concierge.SKU
	}{
		{"黑胶收纳箱", "黑的", []concierge.SKU{"CRATE-WOOD"}},
		{"bac de rangement 80 vinyles", "le noir", []concierge.SKU{"CRATE-WOOD"}},
		{"黑胶收纳箱", "", []concierge.SKU{"CRATE-WOOD", "CRATE-BLACK"}},
		{"钢笔", "", []concierge.SKU{"PEN"}},
		{"", "钢制的", []concierge.SKU{"CRATE-WOOD", "CRATE-BLACK", "PEN"}},
	}
	for _, tt := range tests {
		var got []concierge.SKU
		for _, h := range ix.Search(catalog.Query{Text: tt.text, Exclude: tt.not}) {
			got = append(got, h.SKU)
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(tt.want))
		if !slices.Equal(got, want) {
			t.Errorf("Search(%q, not %q) = %v, want %v", tt.text, tt.not, got, want)
		}
	}
}

// TestRoseSaysPink: French "rose" says the pink of a group whose colours
// the merchant wrote in Chinese, and a size beside it is read
// too; where the group has no pink in that size, nothing fits.
func TestRoseSaysPink(t *testing.T) {
	leo := func(sku concierge.SKU, colour, size string) concierge.Product {
		return concierge.Product{SKU: sku, Group: "LEO", Name: map[concierge.Locale]string{"zh": "吊带练功服", "fr": "Justaucorps à bretelles", "en": "Camisole leotard"},
			Attrs: map[string]string{"colour": colour, "size": size}}
	}
	ix := catalog.New([]concierge.Product{leo("BLK-S", "黑色", "S"), leo("BLK-L", "黑色", "L"), leo("PNK-S", "粉色", "S"), leo("PNK-M", "粉色", "M")},
		[]concierge.Locale{"zh", "fr", "en"})
	group := []concierge.SKU{"BLK-S", "BLK-L", "PNK-S", "PNK-M"}
	tests := []struct {
		text string
		want []concierge.SKU
	}{
		{"le justaucorps à bretelles rose en S", []concierge.SKU{"PNK-S"}},
		{"la rose en M", []concierge.SKU{"PNK-M"}},
		{"ajoute le justaucorps rose taille L", nil},
		{"le noir en L", []concierge.SKU{"BLK-L"}},
	}
	for _, tt := range tests {
		if fit, _, _ := ix.Narrow(tt.text, group); !slices.Equal(fit, tt.want) {
			t.Errorf("Narrow(%q) = %v, want %v", tt.text, fit, tt.want)
		}
	}
}

// TestGigabytesSaidG: "64G" says a capacity written "64 GB" (shoppers write
// G for gigabytes); among weights it stays grams.
func TestGigabytesSaidG(t *testing.T) {
	card := func(sku concierge.SKU, c string) concierge.Product {
		return concierge.Product{SKU: sku, Group: "SD", Name: map[concierge.Locale]string{"zh": "SD存储卡", "en": "SD card"}, Attrs: map[string]string{"capacity": c}}
	}
	nuts := func(sku concierge.SKU, w string) concierge.Product {
		return concierge.Product{SKU: sku, Group: "NUTS", Name: map[concierge.Locale]string{"zh": "夏威夷果", "en": "Macadamia"}, Attrs: map[string]string{"weight": w}}
	}
	ix := catalog.New([]concierge.Product{card("SD-64", "64 GB"), card("SD-256", "256 GB"), nuts("N-250", "250克"), nuts("N-500", "500 g")}, []concierge.Locale{"zh", "en"})
	for text, want := range map[string]concierge.SKU{"加一张64G的SD卡": "SD-64", "不对，要256G的": "SD-256", "a 256gb card": "SD-256"} {
		if fit, _, _ := ix.Narrow(text, []concierge.SKU{"SD-64", "SD-256"}); !slices.Equal(fit, []concierge.SKU{want}) {
			t.Errorf("Narrow(%q) = %v, want [%s]", text, fit, want)
		}
	}
	for text, want := range map[string]concierge.SKU{"250g的夏威夷果": "N-250", "macadamia 500克": "N-500"} {
		if fit, _, _ := ix.Narrow(text, []concierge.SKU{"N-250", "N-500"}); !slices.Equal(fit, []concierge.SKU{want}) {
			t.Errorf("Narrow(%q) = %v, want [%s]", text, fit, want)
		}
	}
}

// TestCodeDigitsAreNoValue: the 9 of "P9", a model's code, does not say
// the guard comb's 9 mm; "en 9 mm" does.
func TestCodeDigitsAreNoValue(t *testing.T) {
	guard := func(sku concierge.SKU, l string) concierge.Product {
		return concierge.Product{SKU: sku, Group: "G", Name: map[concierge.Locale]string{"en": "Guard comb for P9 clipper", "fr": "Sabot pour tondeuse P9"}, Attrs: map[string]string{"length": l}}
	}
	ix := catalog.New([]concierge.Product{guard("G3", "3 mm"), guard("G9", "9 mm"), guard("G12", "12 mm")}, []concierge.Locale{"en", "fr"})
	group := []concierge.SKU{"G3", "G9", "G12"}
	for text, want := range map[string][]concierge.SKU{
		"add a guard for the p9": group, "ajoute le sabot pour la p9": group, "the p9 guard in 9 mm": {"G9"}, "sabot p9 en 12": {"G12"},
	} {
		if fit, _, _ := ix.Narrow(text, group); !slices.Equal(fit, want) {
			t.Errorf("Narrow(%q) = %v, want %v", text, fit, want)
		}
	}
}

// TestMeasureIsNoBareValue: "de 2 m" and "2米的" say a span of 2 m, not
// also the bare "2" of another attribute (a stunt kite's 2 lines), which
// would choose that kite among two of 2 m.
func TestMeasureIsNoBareValue(t *testing.T) {
	kite := func(sku concierge.SKU, name, lines string) concierge.Product {
		return concierge.Product{SKU: sku, Name: map[concierge.Locale]string{"fr": "Cerf-volant " + name + " 2 m", "zh": name + "风筝 2米"}, Attrs: map[string]string{"span": "2 m", "lines": lines}}
	}
	ix := catalog.New([]concierge.Product{kite("DELTA", "delta", "1"), kite("STUNT", "pilotable", "2")}, []concierge.Locale{"fr", "zh"})
	both := []concierge.SKU{"DELTA", "STUNT"}
	for _, text := range []string{"je veux un cerf-volant de 2 m", "我要2米的风筝"} {
		if fit, _, _ := ix.NarrowShared(text, both); !slices.Equal(fit, both) {
			t.Errorf("NarrowShared(%q) = %v, want both kites", text, fit)
		}
	}
}

// TestNumberAmidWordsSaysTheValue: "the white 160 orme desk" says the
// 160 cm width as "en 160" does, so the white desk in 140 does not fit;
// a count before the words ("2 white orme desks") says no width.
func TestNumberAmidWordsSaysTheValue(t *testing.T) {
	desk := func(sku concierge.SKU, w, c string) concierge.Product {
		return concierge.Product{SKU: sku, Group: "ORME", Name: map[concierge.Locale]string{"en": "Orme straight desk", "fr": "Bureau droit Orme"}, Attrs: map[string]string{"width": w, "colour": c}}
	}
	ix := catalog.New([]concierge.Product{desk("140-W", "140 cm", "blanc"), desk("160-W", "160 cm", "noir"), desk("120-W", "120 cm", "noir")}, []concierge.Locale{"en", "fr"})
	group := []concierge.SKU{"140-W", "160-W", "120-W"}
	tests := []struct {
		text string
		want []concierge.SKU
	}{
		{"add the white 160 orme desk", nil},
		{"the black 160 orme desk", []concierge.SKU{"160-W"}},
		{"le bureau orme 120 noir", []concierge.SKU{"120-W"}},
		{"2 black orme desks", []concierge.SKU{"160-W", "120-W"}},
	}
	for _, tt := range tests {
		if fit, _, _ := ix.Narrow(tt.text, group); !slices.Equal(fit, tt.want) {
			t.Errorf("Narrow(%q) = %v, want %v", tt.text, fit, tt.want)
		}
	}
}

// TestBedSizesAcrossLanguages: 单人 / 双人 say the sizes written "single" /
// "double", and "vert sauge" the colour "sage".
func TestBedSizesAcrossLanguages(t *testing.T) {
	sheet := func(sku concierge.SKU, size, colour string) concierge.Product {
		return concierge.Product{SKU: sku, Group: "SHEET", Name: map[concierge.Locale]string{"en": "Fitted sheet", "zh": "床笠", "fr": "Drap housse"}, Attrs: map[string]string{"size": size, "colour": colour}}
	}
	ix := catalog.New([]concierge.Product{sheet("S-G", "single", "grey"), sheet("D-G", "double", "grey"), sheet("D-S", "double", "sage")}, []concierge.Locale{"en", "zh", "fr"})
	group := []concierge.SKU{"S-G", "D-G", "D-S"}
	for text, want := range map[string][]concierge.SKU{
		"床笠 灰色 双人 两条": {"D-G"}, "单人床笠": {"S-G"}, "drap housse vert sauge": {"D-S"}, "a double fitted sheet in grey": {"D-G"},
	} {
		if fit, _, _ := ix.Narrow(text, group); !slices.Equal(fit, want) {
			t.Errorf("Narrow(%q) = %v, want %v", text, fit, want)
		}
	}
}

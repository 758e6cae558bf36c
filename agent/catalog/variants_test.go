package catalog_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
)

func variantIndex(tb testing.TB) *catalog.Index {
	tb.Helper()
	return catalog.New(catalogtest.Load(tb, "testdata/variants.yaml"), []concierge.Locale{"fr", "en", "zh"})
}

func TestVariantsAndChoices(t *testing.T) {
	ix := variantIndex(t)
	shoes := ix.Variants("TRAIL-BLK-41")
	if want := []concierge.SKU{"TRAIL-BLU-40", "TRAIL-BLU-41", "TRAIL-BLU-42", "TRAIL-BLK-40", "TRAIL-BLK-41", "TRAIL-BLK-42"}; !slices.Equal(shoes, want) {
		t.Errorf("Variants = %v, want %v", shoes, want)
	}
	if got := ix.Variants("CAP-01"); got != nil {
		t.Errorf("a product without a group has no variants, got %v", got)
	}
	if g := ix.GroupOf("TEE-BASIC-M"); g != "TEE-BASIC" {
		t.Errorf("GroupOf = %q", g)
	}
	tests := []struct {
		skus []concierge.SKU
		want string
	}{
		{shoes, "size: 40, 41, 42; color: bleu, noir"}, // the axis with more values first; material is the same: not a choice
		{shoes[:3], "size: 40, 41, 42"},
		{[]concierge.SKU{"TRAIL-BLU-42", "TRAIL-BLK-42"}, "color: bleu, noir"},
		{ix.Variants("TEE-BASIC-S"), "size: S, M, L"},
		{shoes[:1], ""},
	}
	for _, tt := range tests {
		var parts []string
		for _, c := range ix.Choices(tt.skus) {
			parts = append(parts, c.Attr+": "+strings.Join(c.Values, ", "))
		}
		if got := strings.Join(parts, "; "); got != tt.want {
			t.Errorf("Choices(%v) = %q, want %q", tt.skus, got, tt.want)
		}
	}
	for _, w := range []string{"42", "40", "m", "bleu", "noir"} {
		if !ix.VariantValue(w) {
			t.Errorf("VariantValue(%q) = false", w)
		}
	}
	for _, w := range []string{"43", "mesh", "rouge", "2"} {
		if ix.VariantValue(w) {
			t.Errorf("VariantValue(%q) = true: not a value that tells variants apart", w)
		}
	}
}

// TestNarrow: what a message says of sizes and colours picks variants,
// in French, English and Chinese; a number is a size only where it reads
// as one; a value the group lacks is reported.
func TestNarrow(t *testing.T) {
	ix := variantIndex(t)
	shoes := ix.Variants("TRAIL-BLU-40")
	tees := ix.Variants("TEE-BASIC-S")
	tests := []struct {
		text    string
		skus    []concierge.SKU
		fit     string
		said    string
		missing string
	}{
		{"la bleue en 42", shoes, "TRAIL-BLU-42", "color=bleu size=42", ""},
		{"the blue one in 42", shoes, "TRAIL-BLU-42", "color=bleu size=42", ""},
		{"42码的蓝色", shoes, "TRAIL-BLU-42", "color=bleu size=42", ""},
		{"pointure 41, en noir", shoes, "TRAIL-BLK-41", "color=noir size=41", ""},
		{"black, size 40", shoes, "TRAIL-BLK-40", "color=noir size=40", ""},
		{"黑色的", shoes, "TRAIL-BLK-40 TRAIL-BLK-41 TRAIL-BLK-42", "color=noir", ""},
		{"42", shoes, "TRAIL-BLU-42 TRAIL-BLK-42", "size=42", ""},
		{"en 42", shoes, "TRAIL-BLU-42 TRAIL-BLK-42", "size=42", ""},
		{"taille 42", shoes, "TRAIL-BLU-42 TRAIL-BLK-42", "size=42", ""},
		// A count is not a size.
		{"2 paires de noires", shoes, "TRAIL-BLK-40 TRAIL-BLK-41 TRAIL-BLK-42", "color=noir", ""},
		{"les chaussures de trail", shoes, strings.Join(skuStrings(shoes), " "), "", ""},
		{"en 47", shoes, strings.Join(skuStrings(shoes), " "), "", "47"},
		{"la rouge en 42", shoes, "TRAIL-BLU-42 TRAIL-BLK-42", "size=42", "rouge"},
		{"in red", shoes, strings.Join(skuStrings(shoes), " "), "", "red"},
		{"taille M", tees, "TEE-BASIC-M", "size=M", ""},
		{"en L", tees, "TEE-BASIC-L", "size=L", ""},
		{"L码", tees, "TEE-BASIC-L", "size=L", ""},
		{"S", tees, "TEE-BASIC-S", "size=S", ""},
		// A letter that is an elided article or a plural is no size.
		{"je l'aime", tees, strings.Join(skuStrings(tees), " "), "", ""},
		{"the t-shirts", tees, strings.Join(skuStrings(tees), " "), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			fit, said, missing := ix.Narrow(tt.text, tt.skus)
			if got := strings.Join(skuStrings(fit), " "); got != tt.fit {
				t.Errorf("fit = %s, want %s", got, tt.fit)
			}
			var s []string
			for k, v := range said {
				s = append(s, fmt.Sprintf("%s=%s", k, v))
			}
			slices.Sort(s)
			if got := strings.Join(s, " "); got != tt.said {
				t.Errorf("said = %s, want %s", got, tt.said)
			}
			if got := strings.Join(missing, " "); got != tt.missing {
				t.Errorf("missing = %q, want %q", got, tt.missing)
			}
		})
	}
}

func skuStrings(skus []concierge.SKU) []string {
	out := make([]string, len(skus))
	for i, s := range skus {
		out[i] = string(s)
	}
	return out
}

// TestNarrowMeasures: a value with a unit is said without it where no
// other unit follows ("bâche 5x10" for "5x10 m"), and with a decimal
// written whole ("3.6米的" for "3.6米", which is tokenized 3, 6, 米).
func TestNarrowMeasures(t *testing.T) {
	var ps []concierge.Product
	for _, v := range []struct{ sku, size, length string }{
		{"COVER-4X8", "4x8 m", ""}, {"COVER-5X10", "5x10 m", ""},
		{"ROD-36", "", "3.6米"}, {"ROD-45", "", "4.5米"},
	} {
		p := concierge.Product{SKU: concierge.SKU(v.sku), Name: map[concierge.Locale]string{"en": "Solar cover", "zh": "太阳能泳池膜"}, Group: "COVER", Attrs: map[string]string{"size": v.size}}
		if v.length != "" {
			p.Name = map[concierge.Locale]string{"en": "Carbon rod", "zh": "碳素台钓竿"}
			p.Group, p.Attrs = "ROD", map[string]string{"length": v.length}
		}
		ps = append(ps, p)
	}
	ix := catalog.New(ps, []concierge.Locale{"en", "zh"})
	tests := []struct {
		text, sku string
		want      string // the one variant chosen, "" when none is
	}{
		{"add 2 solar covers 4x8", "COVER-4X8", "COVER-4X8"},
		{"bâche 5x10", "COVER-4X8", "COVER-5X10"},
		{"the 5x10 cm one", "COVER-4X8", ""},
		{"来一根3.6米的台钓竿", "ROD-36", "ROD-36"},
		{"4.5米的", "ROD-36", "ROD-45"},
		{"3 6", "ROD-36", ""},
	}
	for _, tt := range tests {
		fit, _, _ := ix.Narrow(tt.text, ix.Variants(concierge.SKU(tt.sku)))
		got := ""
		if len(fit) == 1 {
			got = string(fit[0])
		}
		if got != tt.want {
			t.Errorf("Narrow(%q) = %v, want %q", tt.text, fit, tt.want)
		}
	}
}

// TestNarrowSizeMarks: a value "5号" is said "size 5" or "5号鱼钩", not
// by a count ("两盒").
func TestNarrowSizeMarks(t *testing.T) {
	var ps []concierge.Product
	for _, v := range []string{"3", "5", "8"} {
		ps = append(ps, concierge.Product{SKU: concierge.SKU("HOOK-" + v), Group: "HOOK", Name: map[concierge.Locale]string{"zh": "伊势尼鱼钩（盒装50枚）", "en": "Iseama hooks (box of 50)"}, Attrs: map[string]string{"size": v + "号"}})
	}
	ix := catalog.New(ps, []concierge.Locale{"zh", "en"})
	for text, want := range map[string]string{"two boxes of Iseama hooks size 5": "HOOK-5", "来两盒5号伊势尼鱼钩": "HOOK-5", "来两盒伊势尼鱼钩": ""} {
		fit, _, _ := ix.Narrow(text, ix.Variants("HOOK-3"))
		got := ""
		if len(fit) == 1 {
			got = string(fit[0])
		}
		if got != want {
			t.Errorf("Narrow(%q) = %v, want %q", text, fit, want)
		}
	}
}

// TestValuesSaidInAnotherLanguage: values the shop writes in English are
// said in French among the variants: "le rose" is the pink backpack
// ("rose" is left out of search, where it is a flower), "pour gaucher"
// the left-handed scissors.
func TestValuesSaidInAnotherLanguage(t *testing.T) {
	p := func(sku, group, name, k, v string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Group: group, Name: map[concierge.Locale]string{"en": name}, Attrs: map[string]string{k: v}}
	}
	ix := catalog.New([]concierge.Product{
		p("BAG-BLUE", "BAG", "Kids school backpack", "colour", "blue"),
		p("BAG-PINK", "BAG", "Kids school backpack", "colour", "pink"),
		p("SC-R", "SC", "Kids safety scissors", "hand", "right-handed"),
		p("SC-L", "SC", "Kids safety scissors", "hand", "left-handed"),
		p("CR-S", "CR", "Live crickets", "size", "small"),
		p("CR-M", "CR", "Live crickets", "size", "medium"),
		p("CR-L", "CR", "Live crickets", "size", "large"),
	}, []concierge.Locale{"en", "fr"})
	tests := []struct {
		text  string
		group []concierge.SKU
		want  []concierge.SKU
	}{
		{"le rose", []concierge.SKU{"BAG-BLUE", "BAG-PINK"}, []concierge.SKU{"BAG-PINK"}},
		{"des ciseaux pour gaucher", []concierge.SKU{"SC-R", "SC-L"}, []concierge.SKU{"SC-L"}},
		{"right-handed", []concierge.SKU{"SC-R", "SC-L"}, []concierge.SKU{"SC-R"}},
		// Sizes written as English words, said in French or Chinese.
		{"2 boîtes de grillons moyens", []concierge.SKU{"CR-S", "CR-M", "CR-L"}, []concierge.SKU{"CR-M"}},
		{"来一个加热垫，大号", []concierge.SKU{"CR-S", "CR-M", "CR-L"}, []concierge.SKU{"CR-L"}},
	}
	for _, tt := range tests {
		if fit, _, _ := ix.Narrow(tt.text, tt.group); !slices.Equal(fit, tt.want) {
			t.Errorf("Narrow(%q) = %v, want %v", tt.text, fit, tt.want)
		}
	}
}

// TestMeasureSaidWithoutItsUnit: "en 180" or "le 155" says "180 cm" where
// a value is said; a count ("2 paires") does not.
func TestMeasureSaidWithoutItsUnit(t *testing.T) {
	ski := func(sku, v string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Group: "SKI", Name: map[concierge.Locale]string{"fr": "Skis freeride Corniche"}, Attrs: map[string]string{"length": v}}
	}
	ix := catalog.New([]concierge.Product{ski("SKI-172", "172 cm"), ski("SKI-180", "180 cm")}, []concierge.Locale{"fr"})
	group := []concierge.SKU{"SKI-172", "SKI-180"}
	tests := []struct {
		text string
		want []concierge.SKU
	}{
		{"en 180", []concierge.SKU{"SKI-180"}},
		{"le 172", []concierge.SKU{"SKI-172"}},
		{"ajoute les skis Corniche en 180", []concierge.SKU{"SKI-180"}},
		{"ajoute 2 paires de skis Corniche", group},
	}
	sleeve := func(sku, v string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Group: "SLV", Name: map[concierge.Locale]string{"fr": "Sous-pochettes antistatiques"}, Attrs: map[string]string{"pack": v}}
	}
	ix2 := catalog.New([]concierge.Product{sleeve("SLV-25", "25"), sleeve("SLV-50", "50")}, []concierge.Locale{"fr"})
	for text, want := range map[string]concierge.SKU{"les sous-pochettes par 50": "SLV-50", "celles par 25": "SLV-25"} {
		if fit, _, _ := ix2.Narrow(text, []concierge.SKU{"SLV-25", "SLV-50"}); !slices.Equal(fit, []concierge.SKU{want}) {
			t.Errorf("Narrow(%q) = %v, want [%s]", text, fit, want)
		}
	}
	for _, tt := range tests {
		if fit, _, _ := ix.Narrow(tt.text, group); !slices.Equal(fit, tt.want) {
			t.Errorf("Narrow(%q) = %v, want %v", tt.text, fit, tt.want)
		}
	}
}

package nlu_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
	"github.com/conciergehq/concierge/agent/nlu"
)

func yard(t *testing.T) *catalog.Index {
	t.Helper()
	return catalog.New(catalogtest.Load(t, "testdata/yard.yaml"), []concierge.Locale{"fr", "en"})
}

// TestPartNarrowsWhatCameBefore: a part after a comma that only says a
// material of what the part before finds narrows it, though other
// products are of that material too ("bird feeder, metal, x2"); a part
// that finds something else best stays an item of its own.
func TestPartNarrowsWhatCameBefore(t *testing.T) {
	ix := yard(t)
	tests := []struct {
		text     string
		items    int
		quantity int
		chosen   concierge.SKU // what the whole query chooses, when one item
	}{
		{text: "bird feeder, metal, x2", quantity: 2, chosen: "FEEDER-METAL"},
		{text: "a bird feeder, metal", chosen: "FEEDER-METAL"},
		{text: "add a bird feeder, and a hanging hook", items: 2},
		{text: "2 bird feeders, a hanging hook", items: 2},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "en")
		if len(in.Items) != tt.items {
			t.Errorf("Parse(%q) has %d items %+v, want %d", tt.text, len(in.Items), in.Items, tt.items)
			continue
		}
		if tt.items > 0 {
			continue
		}
		if in.Quantity != tt.quantity {
			t.Errorf("Parse(%q).Quantity = %d, want %d", tt.text, in.Quantity, tt.quantity)
		}
		if got, skus := chosen(ix, in.Query); got != tt.chosen {
			t.Errorf("Parse(%q).Query %q chooses %q among %v, want %q", tt.text, in.Query, got, skus, tt.chosen)
		}
	}
}

// TestCountOfOneVariant: a count of what the words find, when they find
// the variants of one group and a value said chooses one, orders it; when
// no value chooses, it does not.
func TestCountOfOneVariant(t *testing.T) {
	ix := yard(t)
	tests := []struct {
		text string
		want nlu.IntentName
	}{
		{text: "2 pairs of leather work gloves in size 8", want: nlu.AddToCart},
		{text: "deux paires de gants de travail en cuir taille 10", want: nlu.AddToCart},
		{text: "2 pairs of leather work gloves", want: nlu.Search},
	}
	for _, tt := range tests {
		if in := nlu.Parse(tt.text, ix, "en"); in.Name != tt.want || in.Quantity != 2 {
			t.Errorf("Parse(%q) = %s ×%d, want %s ×2", tt.text, in.Name, in.Quantity, tt.want)
		}
	}
}

// TestValuesSaidInOtherWords: a variant's value written only in French
// ("inox satiné") is said in English by the words only that variant's
// descriptions write ("satin"); a word two variants write ("polished":
// the copper one and the black one's lid) says neither.
func TestValuesSaidInOtherWords(t *testing.T) {
	ix := yard(t)
	group := ix.Variants("KETTLE-SORA-SAT")
	tests := []struct {
		text string
		fit  []concierge.SKU
	}{
		{text: "the Sora kettle in satin steel", fit: []concierge.SKU{"KETTLE-SORA-SAT"}},
		{text: "Sora kettle, copper", fit: []concierge.SKU{"KETTLE-SORA-CUIVRE"}},
		{text: "la bouilloire Sora cuivre poli", fit: []concierge.SKU{"KETTLE-SORA-CUIVRE"}},
		{text: "the polished Sora kettle", fit: group},
		{text: "the Sora kettle", fit: group},
	}
	for _, tt := range tests {
		fit, said, missing := ix.Narrow(tt.text, group)
		slices.Sort(fit)
		want := slices.Sorted(slices.Values(tt.fit))
		if !slices.Equal(fit, want) || len(missing) > 0 {
			t.Errorf("Narrow(%q) = %v (said %v, missing %v), want %v", tt.text, fit, said, missing, want)
		}
	}
}

// TestValueChoosesAmongFound: among products found, the one a word of its
// own name said and a value of its variants no other has chooses ("a
// white mug": the mug sold in blue and white, not the blue-and-white
// cup), though part of its name is unsaid; a value another has too
// chooses nothing.
func TestValueChoosesAmongFound(t *testing.T) {
	ix := yard(t)
	tests := []struct {
		text string
		skus []concierge.SKU
		want concierge.SKU
	}{
		{text: "add a white mug", skus: []concierge.SKU{"MUG-350-BL", "CUP-BW"}, want: "MUG-350-BL"},
		{text: "add a white mug", skus: []concierge.SKU{"MUG-350-BL", "TRAVEL-MUG-WH"}},
		{text: "add a mug", skus: []concierge.SKU{"MUG-350-BL", "CUP-BW"}},
	}
	for _, tt := range tests {
		if got := ix.Closest(tt.text, tt.skus); got != tt.want {
			t.Errorf("Closest(%q, %v) = %q, want %q", tt.text, tt.skus, got, tt.want)
		}
	}
}

// TestClosestDoesNotDependOnLocaleOrder: of a product's names in several
// languages that fit a message alike, the one that says more of its own
// words counts, whatever order the names are read in (a map's): "two
// cuffs in size M" says "cuff" of the English name, and nothing of the Chinese one
// that the battery pack's Chinese name shares.
func TestClosestDoesNotDependOnLocaleOrder(t *testing.T) {
	cuff := func(sku, size string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Group: "CUFF",
			Name:  map[concierge.Locale]string{"en": "Arm cuff", "zh": "袖带"},
			Attrs: map[string]string{"size": size}}
	}
	ix := catalog.New([]concierge.Product{
		cuff("CUFF-M", "M"), cuff("CUFF-L", "L"),
		{SKU: "BATT-AA", Name: map[concierge.Locale]string{"en": "AA batteries", "zh": "袖带电池"}},
	}, []concierge.Locale{"zh", "en"})
	for range 40 {
		if got := ix.Closest("add two cuffs in size M", []concierge.SKU{"CUFF-M", "BATT-AA"}); got != "CUFF-M" {
			t.Fatalf("Closest(two cuffs in size M) = %q, want CUFF-M", got)
		}
	}
}

// TestUnitsOfPacks: a count of the sheets a pack holds is a count of
// packs ("10 sheets" of paper sold in packs of 10 is one pack), a count
// no whole number of packs makes asks how many, and a count of packs is
// what it says. A number beside the word names write beside the grit
// ("grit 240", "240目") says the variant, not a count.
func TestUnitsOfPacks(t *testing.T) {
	ix := yard(t)
	tests := []struct {
		text     string
		quantity int
		vague    bool
		fit      concierge.SKU
	}{
		{text: "I need 10 sheets of sanding paper grit 240", quantity: 1, fit: "SAND-240"},
		{text: "il me faut 20 feuilles de papier de ponçage grain 120", quantity: 2, fit: "SAND-120"},
		{text: "15 sheets of sanding paper grit 240", vague: true, fit: "SAND-240"},
		{text: "add 2 packs of sanding paper grit 240", quantity: 2, fit: "SAND-240"},
		{text: "要20张砂纸240目", quantity: 2, fit: "SAND-240"},
		{text: "砂纸120目要两包", quantity: 2, fit: "SAND-120"},
	}
	// "a ream" of paper whose only name with "ream" is a box of 5 reams
	// is not a box: how many is asked.
	for _, text := range []string{"add a ream of A4 80 gsm", "ajoute 3 ramettes de papier A4"} {
		if in := nlu.Parse(text, ix, "en"); !in.VagueQuantity || in.Quantity != 0 {
			t.Errorf("Parse(%q) = ×%d vague %v, want a question how many", text, in.Quantity, in.VagueQuantity)
		}
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "en")
		if in.Quantity != tt.quantity || in.VagueQuantity != tt.vague {
			t.Errorf("Parse(%q) = ×%d vague %v, want ×%d vague %v", tt.text, in.Quantity, in.VagueQuantity, tt.quantity, tt.vague)
		}
		if fit, said, _ := ix.Narrow(tt.text, ix.Variants("SAND-120")); len(fit) != 1 || fit[0] != tt.fit {
			t.Errorf("Narrow(%q) = %v (said %v), want %s", tt.text, fit, said, tt.fit)
		}
	}
}

// TestValuesOfProductsOfNoGroup: among products of no group that share
// an attribute, the values said choose one as a variant's would ("6 white
// noodle bowls": the white pattern, not the blue-and-white one, though
// both names say white), and a part that says only such a value narrows
// the part before it. An attribute some of them lack says nothing
// (NarrowShared), a count that is the value's own number is no count of
// a chosen product, and a long story that says "pas encore" orders
// nothing.
func TestValuesOfProductsOfNoGroup(t *testing.T) {
	ix := yard(t)
	tests := []struct {
		text     string
		lang     concierge.Locale
		name     nlu.IntentName
		quantity int
		items    int
	}{
		{text: "6 white noodle bowls please", lang: "en", name: nlu.AddToCart, quantity: 6},
		{text: "mets 5 bols à nouilles blancs", lang: "fr", name: nlu.AddToCart, quantity: 5},
		{text: "add 3 noodle bowls, the white ones", lang: "en", name: nlu.AddToCart, quantity: 3},
		{text: "6 noodle bowls please", lang: "en", name: nlu.Search, quantity: 6},
		{text: "多士炉 4片 来一台", lang: "zh", name: nlu.AddToCart, quantity: 1}, // 4片 is the 4-slice toaster's, "一台" the count
		{text: "Bonjour, ma sœur m'a parlé de votre boutique pendant un long repas de famille, on a parlé de cuisine et de thé, je ne sais pas encore du tout, la bouilloire Sora en cuivre poli peut-être, je reviendrai plus tard", lang: "fr", name: nlu.Details},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, tt.lang)
		if in.Name == nlu.AddToCart && tt.name != nlu.AddToCart || tt.name == nlu.AddToCart && in.Name != nlu.AddToCart ||
			in.Quantity != tt.quantity || len(in.Items) != tt.items {
			t.Errorf("Parse(%q) = %s ×%d, %d items; want %s ×%d, %d items", tt.text, in.Name, in.Quantity, len(in.Items), tt.name, tt.quantity, tt.items)
		}
	}
	bowls := []concierge.SKU{"NOODLE-BW", "NOODLE-WH"}
	if fit, _, _ := ix.NarrowShared("the white one", bowls); len(fit) != 1 || fit[0] != "NOODLE-WH" {
		t.Errorf("NarrowShared(the white one, bowls) = %v, want [NOODLE-WH]", fit)
	}
	if _, said, _ := ix.NarrowShared("the white one", append(bowls, "NOODLE-BOX")); len(said) != 0 {
		t.Errorf("NarrowShared(the white one, bowls and a box with no pattern) said %v, want nothing", said)
	}
}

// TestCountForEachInAPartOfItsOwn: "…, deux de chaque" after a list
// counts every item.
func TestCountForEachInAPartOfItsOwn(t *testing.T) {
	ix := yard(t)
	for _, text := range []string{
		"je prends le crochet de suspension et la mangeoire en métal ajouré, deux de chaque",
		"add a hanging hook and the slotted metal bird feeder, two of each",
	} {
		in := nlu.Parse(text, ix, "fr")
		if len(in.Items) != 2 {
			t.Errorf("Parse(%q) has %d items, want 2", text, len(in.Items))
			continue
		}
		for _, it := range in.Items {
			if it.Quantity != 2 {
				t.Errorf("Parse(%q): item %q ×%d, want ×2", text, it.Query, it.Quantity)
			}
		}
	}
}

// TestPartForWhatIsSaid: a product one of whose names says it is for
// what is said ("Batterie pour VHF HX-300") is not what is said, though
// its Chinese name opens with the same words ("HX-300电台电池").
func TestPartForWhatIsSaid(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "VHF-300", Name: map[concierge.Locale]string{"fr": "VHF portable HX-300", "zh": "HX-300手持甚高频电台"}},
		{SKU: "BAT-300", Name: map[concierge.Locale]string{"fr": "Batterie pour VHF HX-300", "zh": "HX-300电台电池"}},
		{SKU: "VHF-500", Name: map[concierge.Locale]string{"fr": "VHF portable HX-500 GPS", "zh": "HX-500 GPS手持电台"}},
	}, []concierge.Locale{"fr", "zh"})
	if got := ix.Closest("la HX-300", []concierge.SKU{"VHF-300", "BAT-300"}); got != "VHF-300" {
		t.Errorf("Closest(la HX-300) = %q, want VHF-300", got)
	}
	in := nlu.Parse("quelle différence entre la HX-300 et la HX-500 ?", ix, "fr")
	if in.Name != nlu.Compare || !slices.Equal(slices.Sorted(slices.Values(in.Products)), []concierge.SKU{"VHF-300", "VHF-500"}) {
		t.Errorf("Parse(quelle différence…) = %s %v, want compare of the two radios", in.Name, in.Products)
	}
}

// TestWordAfterANumberIsNoStranger: "75 pound" is the amount's unit, not
// a word out of place beside "gift" that would make the bot show rather
// than add.
func TestWordAfterANumberIsNoStranger(t *testing.T) {
	ix := yard(t)
	in := nlu.Parse("add two 75 pound gift cards", ix, "en")
	if len(in.Strangers) != 0 || in.Quantity != 2 {
		t.Errorf("Parse = ×%d, strangers %v; want ×2 and none", in.Quantity, in.Strangers)
	}
}

// TestSizeLetterEndingTheMessage: a size letter after the product's
// words is the size ("gants de voile L"),
// not after a number ("2 L" is litres).
func TestSizeLetterEndingTheMessage(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "GLOVE-S", Group: "G", Name: map[concierge.Locale]string{"fr": "Gants de voile"}, Attrs: map[string]string{"size": "S"}},
		{SKU: "GLOVE-L", Group: "G", Name: map[concierge.Locale]string{"fr": "Gants de voile"}, Attrs: map[string]string{"size": "L"}},
	}, []concierge.Locale{"fr"})
	group := ix.Variants("GLOVE-S")
	if fit, _, _ := ix.Narrow("ajoute 3 paires de gants de voile L", group); len(fit) != 1 || fit[0] != "GLOVE-L" {
		t.Errorf("Narrow(… gants de voile L) = %v, want [GLOVE-L]", fit)
	}
	if fit, _, _ := ix.Narrow("the L one", group); len(fit) != 1 || fit[0] != "GLOVE-L" {
		t.Errorf("Narrow(the L one) = %v, want [GLOVE-L]", fit)
	}
	if fit, said, _ := ix.Narrow("ajoute des gants de voile et 2 L", group); len(said) != 0 {
		t.Errorf("Narrow(… 2 L) = %v said %v, want nothing said", fit, said)
	}
}

// TestPackSizeSaysTheVariant: "6支装" before the name is the pack size a
// variant's value says, not a count ("加一个6支装球拍包" is one bag for 6).
func TestPackSizeSaysTheVariant(t *testing.T) {
	bag := func(sku, zh, capacity string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Group: "BAG", Name: map[concierge.Locale]string{"zh": zh}, Attrs: map[string]string{"capacity": capacity}}
	}
	ix := catalog.New([]concierge.Product{bag("BAG-6", "6支装球拍包", "6"), bag("BAG-12", "12支装球拍包", "12")}, []concierge.Locale{"zh"})
	if fit, _, _ := ix.Narrow("加一个6支装球拍包", ix.Variants("BAG-6")); len(fit) != 1 || fit[0] != "BAG-6" {
		t.Errorf("Narrow(加一个6支装球拍包) = %v, want [BAG-6]", fit)
	}
	if in := nlu.Parse("加一个6支装球拍包", ix, "zh"); in.Quantity > 1 {
		t.Errorf("Parse(加一个6支装球拍包).Quantity = %d, want 1 or none", in.Quantity)
	}
}

// TestSizeAfterComma: "the small ones" after a comma is the size of what
// the part before finds, not an item of its own.
func TestSizeAfterComma(t *testing.T) {
	glue := func(sku, en string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Name: map[concierge.Locale]string{"en": en}}
	}
	ix := catalog.New([]concierge.Product{glue("GLUE-21", "Glue stick 21 g"), glue("GLUE-40", "Glue stick 40 g"),
		{SKU: "STAPLER", Name: map[concierge.Locale]string{"en": "Mini stapler"},
			Description: map[concierge.Locale]string{"en": "A small stapler for a pencil case."}}}, []concierge.Locale{"en"})
	for _, text := range []string{"add ten glue sticks, the small ones", "add 10 glue sticks, small"} {
		in := nlu.Parse(text, ix, "en")
		if len(in.Items) != 0 || in.Quantity != 10 || in.Size >= 0 {
			t.Errorf("Parse(%q) = items %+v, ×%d, size %d; want one item ×10 of the smaller size", text, in.Items, in.Quantity, in.Size)
		}
	}
}

// TestHanOfANameIsNoVagueCount: the "几" of "茶几" (a coffee table) is the
// name's, not "a few"; "要几个茶几" still asks how many.
func TestHanOfANameIsNoVagueCount(t *testing.T) {
	p := func(sku, zh string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Name: map[concierge.Locale]string{"zh": zh}}
	}
	ix := catalog.New([]concierge.Product{p("SOFA-3", "藤编三人沙发"), p("TEA", "藤编茶几")}, []concierge.Locale{"zh"})
	if in := nlu.Parse("我要三人沙发和藤编茶几", ix, "zh"); in.VagueQuantity || in.Name != nlu.AddToCart || len(in.Items) != 2 {
		t.Errorf("Parse(我要三人沙发和藤编茶几) = %s vague=%v items %+v, want two items added", in.Name, in.VagueQuantity, in.Items)
	}
	if in := nlu.Parse("要几个茶几", ix, "zh"); !in.VagueQuantity {
		t.Errorf("Parse(要几个茶几).VagueQuantity = false, want true")
	}
}

// TestCountInTheWordOfItsPack: "the ABS 1.75 black, 2 spools" is two of
// that filament, though "spools" finds a dozen others first.
func TestCountInTheWordOfItsPack(t *testing.T) {
	var ps []concierge.Product
	for _, c := range []string{"red", "blue", "green", "white", "grey", "orange", "yellow", "purple", "pink", "brown"} {
		ps = append(ps, concierge.Product{SKU: concierge.SKU("PLA-" + c), Name: map[concierge.Locale]string{"en": "PLA filament 1.75 mm 1 kg " + c}, Tags: []string{"spool"}})
	}
	ps = append(ps, concierge.Product{SKU: "ABS-BLK", Name: map[concierge.Locale]string{"en": "ABS filament 1.75 mm 1 kg black"}, Tags: []string{"spool"}})
	ix := catalog.New(ps, []concierge.Locale{"en"})
	in := nlu.Parse("add the ABS 1.75 black, 2 spools", ix, "en")
	if len(in.Items) != 0 || in.Quantity != 2 {
		t.Fatalf("Parse = items %+v ×%d, want one item ×2", in.Items, in.Quantity)
	}
	if got, skus := chosen(ix, in.Query); got != "ABS-BLK" {
		t.Errorf("query %q chooses %q among %v, want ABS-BLK", in.Query, got, skus)
	}
}

// TestAmountOfMeasure: "3 kg of PLA" where spools are of 1 kg is three
// spools; "2 kg dumbbells" is a weight, not an amount.
func TestAmountOfMeasure(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "PLA", Name: map[concierge.Locale]string{"en": "PLA filament 1.75 mm 1 kg", "fr": "Filament PLA 1,75 mm 1 kg"}},
		{SKU: "DUMBBELL", Name: map[concierge.Locale]string{"en": "Dumbbell 1 kg", "fr": "Haltère 1 kg"}},
	}, []concierge.Locale{"en", "fr"})
	tests := []struct {
		text     string
		quantity int
	}{
		{"add 3 kg of PLA filament", 3},
		{"ajoute 2 kilos de filament PLA", 2},
		{"add 2 kg dumbbells", 0},
	}
	for _, tt := range tests {
		if in := nlu.Parse(tt.text, ix, "en"); in.Quantity != tt.quantity {
			t.Errorf("Parse(%q).Quantity = %d, want %d", tt.text, in.Quantity, tt.quantity)
		}
	}
}

// TestPackSizeIsNoCount: "two packs of 25", "两盒…50只装的", "48块装的"
// say which pack, never a count of 25, 50 or 48 (which the line bound
// refused).
func TestPackSizeIsNoCount(t *testing.T) {
	p := func(sku, pack string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Group: "DUBIA", Name: map[concierge.Locale]string{"en": "Dubia roaches", "zh": "杜比亚蟑螂"}, Attrs: map[string]string{"pack": pack}}
	}
	f := func(sku, pack string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Group: "FIRE", Name: map[concierge.Locale]string{"zh": "引火块"}, Attrs: map[string]string{"pack": pack}}
	}
	plug := func(sku, pack string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Group: "PLUG", Name: map[concierge.Locale]string{"zh": "智能插座 Mini"}, Attrs: map[string]string{"pack": pack}}
	}
	ix := catalog.New([]concierge.Product{p("D-25", "25"), p("D-50", "50"), f("F-24", "24块"), f("F-48", "48块"), plug("P-1", "1只装"), plug("P-4", "4只装"),
		{SKU: "UVB", Name: map[concierge.Locale]string{"en": "UVB tube 25 W"}}}, []concierge.Locale{"en", "zh"})
	tests := []struct {
		text  string
		want  concierge.SKU
		group []concierge.SKU
	}{
		{"add two packs of 25 Dubia roaches", "D-25", []concierge.SKU{"D-25", "D-50"}},
		{"加两盒杜比亚蟑螂，50只装的", "D-50", []concierge.SKU{"D-25", "D-50"}},
		{"来两盒48块装的引火块", "F-48", []concierge.SKU{"F-24", "F-48"}},
		{"我要两个1只装的智能插座", "P-1", []concierge.SKU{"P-1", "P-4"}},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "en")
		if in.BadQuantity || in.Quantity != 2 {
			t.Errorf("Parse(%q) = ×%d bad=%v, want ×2", tt.text, in.Quantity, in.BadQuantity)
		}
		if fit, _, _ := ix.Narrow(tt.text, tt.group); !slices.Equal(fit, []concierge.SKU{tt.want}) {
			t.Errorf("Narrow(%q) = %v, want [%s]", tt.text, fit, tt.want)
		}
	}
}

// TestRuledOutSizesInAList: "a rotary cutter, not the 28 or the 60" rules
// out both sizes; "the 10 pack" says the Meadow bundle's pack of 10.
func TestRuledOutSizesInAList(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "RC-28", Name: map[concierge.Locale]string{"en": "Rotary cutter 28 mm"}},
		{SKU: "RC-45", Name: map[concierge.Locale]string{"en": "Rotary cutter 45 mm"}},
		{SKU: "RC-60", Name: map[concierge.Locale]string{"en": "Rotary cutter 60 mm"}},
		{SKU: "FQ-5", Group: "FQ", Name: map[concierge.Locale]string{"en": "Meadow fat quarter bundle"}, Attrs: map[string]string{"pack": "5"}},
		{SKU: "FQ-10", Group: "FQ", Name: map[concierge.Locale]string{"en": "Meadow fat quarter bundle"}, Attrs: map[string]string{"pack": "10"}},
		{SKU: "NDL", Name: map[concierge.Locale]string{"en": "Universal needles assorted (pack of 10)"}},
		{SKU: "PINS", Name: map[concierge.Locale]string{"en": "Quilting pins (pack of 50)"}},
		{SKU: "NDL-5", Name: map[concierge.Locale]string{"en": "Jeans needles (pack of 5)"}},
	}, []concierge.Locale{"en"})
	in := nlu.Parse("add a rotary cutter, not the 28 or the 60", ix, "en")
	if !strings.Contains(in.NotQuery, "60") || strings.Contains(in.Query, "60") {
		t.Errorf("Parse(not the 28 or the 60): query %q, ruled out %q; want both sizes ruled out", in.Query, in.NotQuery)
	}
	if fit, _, _ := ix.Narrow("add the Meadow fat quarter bundle, the 10 pack", ix.Variants("FQ-5")); !slices.Equal(fit, []concierge.SKU{"FQ-10"}) {
		t.Errorf("Narrow(…, the 10 pack) = %v, want [FQ-10]", fit)
	}
}

// TestPackSizeAfterTheName: "the windscreens 5 pack" is the pack of 5 a
// name writes, not five packs; "5 windscreens packs" and "2 … 5 pack"
// still count.
func TestPackSizeAfterTheName(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "WIND-5", Name: map[concierge.Locale]string{"en": "Foam windscreens (pack of 5)", "fr": "Bonnettes mousse (lot de 5)"}},
		{SKU: "WIND-1", Name: map[concierge.Locale]string{"en": "Foam windscreen", "fr": "Bonnette mousse"}},
	}, []concierge.Locale{"en", "fr"})
	for text, want := range map[string]int{"add the windscreens 5 pack": 0, "ajoute les bonnettes mousse 5 lot": 0, "add 5 windscreens packs": 5,
		"add 2 windscreens 5 pack": 2, "add the windscreen 3 pack": 3} {
		if in := nlu.Parse(text, ix, "en"); in.Quantity != want {
			t.Errorf("Parse(%q).Quantity = %d, want %d", text, in.Quantity, want)
		}
	}
}

// TestCountOfContainersIsACount: "500 tins of instant yeast" where the
// name writes "500 g" counts 500 tins (too many: refused), while "the
// instant yeast tin 500 g" names the tin and "les baskets en 39, une
// paire" keeps 39 a size.
func TestCountOfContainersIsACount(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "YEAST-500", Name: map[concierge.Locale]string{"en": "Instant yeast tin 500 g", "fr": "Levure instantanée boîte 500 g"}},
		{SKU: "DESC-500", Name: map[concierge.Locale]string{"en": "Coffee machine descaling liquid 500 ml"}},
		{SKU: "SHOE-39", Name: map[concierge.Locale]string{"fr": "Baskets blanches 39"}},
	}, []concierge.Locale{"en", "fr"})
	for text, bad := range map[string]bool{
		"add 500 tins of instant yeast": true, "add 500 coffee machine descaler bottles": true,
		"add the instant yeast tin 500 g": false, "les baskets blanches 39, j'en veux une paire": false,
	} {
		if in := nlu.Parse(text, ix, "en"); in.BadQuantity != bad {
			t.Errorf("Parse(%q) = ×%d bad=%v, want bad=%v", text, in.Quantity, in.BadQuantity, bad)
		}
	}
}

// TestPillowcasesOfAPair: "4 white percale pillowcases" of "Percale
// pillowcases (pair)" are two pairs; "2 pairs of …" two pairs; a count
// that makes no whole pairs ("3 taies") stays as said.
func TestPillowcasesOfAPair(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "PC-WH", Name: map[concierge.Locale]string{"en": "Percale pillowcases (pair)", "fr": "Taies d'oreiller en percale (la paire)"}, Attrs: map[string]string{"colour": "white"}},
	}, []concierge.Locale{"en", "fr"})
	for text, want := range map[string]int{"I need 4 white percale pillowcases": 2, "add 2 pairs of white percale pillowcases": 2,
		"ajoute 3 taies en percale": 3, "add 6 percale pillowcases": 3} {
		if in := nlu.Parse(text, ix, "en"); in.Quantity != want || in.VagueQuantity {
			t.Errorf("Parse(%q) = ×%d vague=%v, want ×%d", text, in.Quantity, in.VagueQuantity, want)
		}
	}
}

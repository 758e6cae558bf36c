package nlu_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/nlu"
)

// TestCorrectionInOneMessage: a request corrected after a comma and a
// mark ("sorry", "actually", "non pardon", "不对", "算了") asks only for
// the correction: another value, another count, another count of one of
// several items, or nothing at all. What was taken back is never asked
// for.
func TestCorrectionInOneMessage(t *testing.T) {
	ix := yard(t)
	gloves := ix.Variants("GLOVE-WORK-8")
	tests := []struct {
		text     string
		lang     concierge.Locale
		name     nlu.IntentName
		quantity int
		fit      concierge.SKU // the glove the query chooses, when set
		items    map[string]int
	}{
		{text: "add the leather work gloves in size 8, sorry, size 10", lang: "en", name: nlu.AddToCart, fit: "GLOVE-WORK-10"},
		{text: "ajoute les gants de travail en cuir taille 8, non pardon la taille 10", lang: "fr", name: nlu.AddToCart, fit: "GLOVE-WORK-10"},
		{text: "add the Sora kettle x3, actually make it 2", lang: "en", name: nlu.AddToCart, quantity: 2},
		{text: "add a hanging hook and a bird feeder, actually make the hooks 4", lang: "en", name: nlu.AddToCart, items: map[string]int{"hook": 4, "feeder": 0}},
		{text: "我要砂纸240目，算了，不要了", lang: "zh", name: nlu.ViewCart},
		{text: "add the Sora kettle, sorry", lang: "en", name: nlu.ViewCart},
		{text: "add the Sora kettle, two actually", lang: "en", name: nlu.AddToCart, quantity: 2},
		// Two marks in a row are one correction.
		{text: "add 3 Sora kettles... sorry, make it 4", lang: "en", name: nlu.AddToCart, quantity: 4},
		{text: "mets 3 bouilloires Sora, non pardon, en fait 2", lang: "fr", name: nlu.AddToCart, quantity: 2},
		// An ellipsis ends what came before as a comma does.
		{text: "ajoute 2 bouilloires Sora… pardon, 3", lang: "fr", name: nlu.AddToCart, quantity: 3},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, tt.lang)
		if in.Name != tt.name || in.Quantity != tt.quantity {
			t.Errorf("Parse(%q) = %s ×%d, want %s ×%d", tt.text, in.Name, in.Quantity, tt.name, tt.quantity)
			continue
		}
		if tt.fit != "" {
			if fit, _, _ := ix.Narrow(in.Query, gloves); len(fit) != 1 || fit[0] != tt.fit {
				t.Errorf("Parse(%q).Query %q chooses %v, want %s", tt.text, in.Query, fit, tt.fit)
			}
		}
		for word, q := range tt.items {
			found := false
			for _, it := range in.Items {
				if strings.Contains(it.Query, word) {
					found = true
					if it.Quantity != q {
						t.Errorf("Parse(%q): item %q ×%d, want ×%d", tt.text, it.Query, it.Quantity, q)
					}
				}
			}
			if !found {
				t.Errorf("Parse(%q) has no item with %q: %+v", tt.text, word, in.Items)
			}
		}
	}
}

// TestArticleBeforeNumber: "a 240 grit paper" is one of the 240, and
// "要240的" the one with 240, not 240 of them.
func TestArticleBeforeNumber(t *testing.T) {
	ix := yard(t)
	for _, text := range []string{"add a 240 grit sanding paper", "砂纸要240的"} {
		in := nlu.Parse(text, ix, "en")
		if in.Quantity != 0 || in.BadQuantity || !strings.Contains(in.Query, "240") {
			t.Errorf("Parse(%q) = ×%d (bad %v), query %q; want no count and 240 in the query", text, in.Quantity, in.BadQuantity, in.Query)
		}
	}
}

// TestChangeOfMindInTheNextMessage: "sorry, …", "non pardon …", "不对，…"
// about what was just added is a swap of it; the same words with an
// adding verb or "too" add.
func TestChangeOfMindInTheNextMessage(t *testing.T) {
	ix := yard(t)
	tests := []struct {
		text string
		lang concierge.Locale
		swap bool
	}{
		{text: "sorry, the white pattern not the blue-and-white", lang: "en", swap: true},
		{text: "non pardon la bouilloire en cuivre poli", lang: "fr", swap: true},
		{text: "不对，240目的", lang: "zh", swap: true},
		{text: "sorry, add a hanging hook too", lang: "en"},
		{text: "sorry, a hanging hook too", lang: "en"},
		{text: "sorry, do you have hanging hooks?", lang: "en"},
	}
	for _, tt := range tests {
		if in := nlu.Parse(tt.text, ix, tt.lang); in.Swap != tt.swap {
			t.Errorf("Parse(%q).Swap = %v (%s), want %v", tt.text, in.Swap, in.Name, tt.swap)
		}
	}
}

// TestCorrectionKeepsWhatItDoesNotSay: the words a correction replaces
// leave (a size for a size, a value of the attribute it states), the
// others stay ("18 cm" when it says only the pattern).
func TestCorrectionKeepsWhatItDoesNotSay(t *testing.T) {
	ix := yard(t)
	tests := []struct {
		text string
		want concierge.SKU
	}{
		{text: "add the silicone spatula large, no wait, small", want: "SPAT-S"},
		{text: "add the blue-and-white noodle bowl 18 cm, sorry, the white one", want: "NOODLE-WH"},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "en")
		if in.Name != nlu.AddToCart || len(in.Items) != 1 {
			t.Errorf("Parse(%q) = %s with %d items, want one item to add", tt.text, in.Name, len(in.Items))
			continue
		}
		it := in.Items[0]
		found, _ := chosen(ix, it.Query)
		if len(it.Products) == 1 {
			found = it.Products[0]
		}
		if fit, _, _ := ix.NarrowShared(it.Text, []concierge.SKU{"NOODLE-BW", "NOODLE-WH"}); found == "" && len(fit) == 1 {
			found = fit[0]
		}
		if found != tt.want {
			t.Errorf("Parse(%q) item %q (query %q) chooses %q, want %s", tt.text, it.Text, it.Query, found, tt.want)
		}
	}
}

// TestPartAfterACommaNarrows: after a comma, a part whose words find some
// of what the part before finds (and other things first) narrows it:
// "copy paper, the 5 ream box".
func TestPartAfterACommaNarrows(t *testing.T) {
	ix := yard(t)
	in := nlu.Parse("add A4 copy paper, the box of 5 reams", ix, "en")
	if len(in.Items) != 0 {
		t.Fatalf("Parse = %d items %+v, want one request", len(in.Items), in.Items)
	}
	if got, skus := chosen(ix, in.Query); got != "A4-BOX5" {
		t.Errorf("query %q chooses %q among %v, want A4-BOX5", in.Query, got, skus)
	}
}

// TestNoAloneTakesBack: "no" alone between commas takes back what came
// before it, "non finalement pas besoin" all of it, and "à la place" the
// next message swaps.
func TestNoAloneTakesBack(t *testing.T) {
	ix := yard(t)
	in := nlu.Parse("add the silicone spatula small, no, the large one", ix, "en")
	if in.Name != nlu.AddToCart || len(in.Items) != 1 || !strings.Contains(in.Items[0].Text, "large") || strings.Contains(in.Items[0].Text, "small") {
		t.Errorf("Parse(small, no, the large one) = %s %+v, want one item for the large", in.Name, in.Items)
	}
	if in := nlu.Parse("ajoute la mangeoire en métal, non finalement pas besoin", ix, "fr"); in.Name != nlu.ViewCart {
		t.Errorf("Parse(…, non finalement pas besoin) = %s, want view_cart (nothing added)", in.Name)
	}
	if in := nlu.Parse("non, la mangeoire en plastique à la place", ix, "fr"); !in.Swap {
		t.Errorf("Parse(…à la place) is no swap")
	}
	if in := nlu.Parse("add a bird feeder, no sugar in it", ix, "en"); in.Name == nlu.ViewCart {
		t.Errorf("Parse(…, no sugar in it) took everything back")
	}
}

// TestPartForUnlessItsOwnWordsAreSaid: a product for what is said is no
// head of a name, unless the words said are its own ("le sous-tapis pour
// 160x230" is the pad, not the rug).
func TestPartForUnlessItsOwnWordsAreSaid(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "RUG-160", Name: map[concierge.Locale]string{"fr": "Tapis berbère 160x230", "en": "Berber rug 160x230"}},
		{SKU: "PAD-160", Name: map[concierge.Locale]string{"fr": "Sous-tapis antidérapant pour tapis 160x230", "en": "Rug pad for 160x230 rugs"}},
	}, []concierge.Locale{"fr", "en"})
	if got := ix.Closest("le sous-tapis pour 160x230", []concierge.SKU{"RUG-160", "PAD-160"}); got == "RUG-160" {
		t.Errorf("Closest(le sous-tapis pour 160x230) = RUG-160, the rug")
	}
}

// TestCorrectionBadInput: a correction read without a catalog, or in a
// message far longer than any order, is no correction and breaks nothing.
func TestCorrectionBadInput(t *testing.T) {
	if in := nlu.Parse("add the kettle, sorry, the big one", nil, "en"); in.Items != nil {
		t.Errorf("Parse without a catalog has items %+v", in.Items)
	}
	ix := yard(t)
	long := strings.Repeat("add the Sora kettle, sorry, ", 2000) + "the copper one"
	if in := nlu.Parse(long, ix, "en"); in.Name == nlu.AddToCart && in.Quantity > 1 {
		t.Errorf("Parse(a very long message) = %s ×%d", in.Name, in.Quantity)
	}
	for _, text := range []string{",", ", sorry,", "sorry, sorry, sorry", "不对，算了，", "add , no ,"} {
		nlu.Parse(text, ix, "en") // must not panic
	}
}

// TestCorrectionOfAVariantNamedByItsName: "la bouilloire Sora en noir mat,
// non pardon en cuivre poli" — "Sora" names every variant, which is no
// comparison: the correction asks for the copper one alone.
func TestCorrectionOfAVariantNamedByItsName(t *testing.T) {
	ix := yard(t)
	in := nlu.Parse("ajoute la bouilloire Sora noir mat, non pardon en cuivre poli", ix, "fr")
	if in.Name != nlu.AddToCart || len(in.Items) > 1 {
		t.Fatalf("Parse = %s items %+v, want one add", in.Name, in.Items)
	}
	if fit, _, _ := ix.Narrow(in.Query, ix.Variants("KETTLE-SORA-SAT")); !slices.Equal(fit, []concierge.SKU{"KETTLE-SORA-CUIVRE"}) {
		t.Errorf("Parse(…).Query %q chooses %v, want [KETTLE-SORA-CUIVRE]", in.Query, fit)
	}
}

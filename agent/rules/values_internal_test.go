package rules

import (
	"slices"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/nlu"
)

// TestOnlyValues: an answer made only of a variant's values, however it
// spaces a number and its unit ("34 cm" for "34cm"), is the variant's.
func TestOnlyValues(t *testing.T) {
	if got := valueWords("34 cm"); !slices.Equal(got, valueWords("34cm")) {
		t.Errorf("valueWords(34 cm) = %v, valueWords(34cm) = %v: not the same words", got, valueWords("34cm"))
	}
	tests := []struct {
		query string
		said  catalog.Said
		want  bool
	}{
		{"34 cm", catalog.Said{"size": "34cm"}, true},
		{"noir", catalog.Said{"color": "noir"}, true},
		{"noir 41", catalog.Said{"color": "noir", "size": "41"}, true},
		{"casquette rouge", catalog.Said{"color": "rouge"}, false},
		{"L码", catalog.Said{"size": "L"}, true},
		{"42号", catalog.Said{"size": "42"}, true},
		{"M码的头盔", catalog.Said{"size": "M"}, false},
		{"90厘米的", catalog.Said{"width": "90 cm"}, true},
		{"90厘米的卷帘", catalog.Said{"width": "90 cm"}, false},
		{"", catalog.Said{"color": "rouge"}, false},
	}
	for _, tt := range tests {
		if got := onlyValues(tt.query, tt.said); got != tt.want {
			t.Errorf("onlyValues(%q, %v) = %v, want %v", tt.query, tt.said, got, tt.want)
		}
	}
}

// TestOtherValueOfNoGroup: "un carnet noir et un rouge" where the red one
// is no variant of the black one: of what "rouge" finds (a red paint, a
// red sketchbook), the one most like the one just added; the same product
// said again is that product; a word that is no value picks nothing.
func TestOtherValueOfNoGroup(t *testing.T) {
	p := func(sku, fr, colour string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Name: map[concierge.Locale]string{"fr": fr},
			Attrs: map[string]string{"colour": colour, "format": "A5"}}
	}
	ix := catalog.New([]concierge.Product{
		p("BOOK-BLACK", "Carnet de croquis A5 noir 96 pages", "black"),
		p("BOOK-RED", "Carnet de croquis A5 rouge 96 pages", "red"),
		p("PAINT-RED", "Acrylique rouge de cadmium 75 ml", "red"),
		p("PAINT-BLUE", "Acrylique bleu outremer 75 ml", "blue"),
	}, []concierge.Locale{"fr"})
	red := []concierge.SKU{"PAINT-RED", "BOOK-RED"}
	tests := []struct {
		prev  concierge.SKU
		text  string
		cands []concierge.SKU
		want  concierge.SKU
	}{
		{"BOOK-BLACK", "un rouge", red, "BOOK-RED"},
		{"PAINT-BLUE", "un rouge", red, "PAINT-RED"},
		{"BOOK-RED", "le rouge", red, "BOOK-RED"},
		{"BOOK-BLACK", "un cadmium", red, ""}, // a word of a name, not a value
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "fr")
		it := nlu.Item{Text: tt.text, Query: in.Query}
		if got := sameProductOtherValue(ix, tt.prev, it, pick{candidates: tt.cands}); got.sku != tt.want {
			t.Errorf("after %s, %q = %q, want %q", tt.prev, tt.text, got.sku, tt.want)
		}
	}
}

// TestSaysOnlyByMeaning: an answer to "which size?" or "which colour?"
// may say the size with its word ("size 41", "taille M") or the colour in
// another language ("rouge" for red); a word of a product is no value.
func TestSaysOnlyByMeaning(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "TARN-41", Group: "TARN", Name: map[concierge.Locale]string{"en": "Tarn climbing shoes"}, Attrs: map[string]string{"size": "41", "colour": "red"}},
		{SKU: "CAM-3", Name: map[concierge.Locale]string{"en": "Cam size 3"}},
	}, []concierge.Locale{"en", "fr"})
	tests := []struct {
		query string
		said  catalog.Said
		want  bool
	}{
		{"size 41", catalog.Said{"size": "41"}, true},
		{"size L", catalog.Said{"size": "L"}, true}, // a letter, as written
		{"size M", catalog.Said{"size": "L"}, false},
		{"taille 41", catalog.Said{"size": "41"}, true},
		{"rouge", catalog.Said{"colour": "red"}, true},
		{"size", catalog.Said{"size": "41"}, false},
		{"cam 41", catalog.Said{"size": "41"}, false},
	}
	for _, tt := range tests {
		if got := saysOnly(ix, tt.query, tt.said); got != tt.want {
			t.Errorf("saysOnly(%q, %v) = %v, want %v", tt.query, tt.said, got, tt.want)
		}
	}
}

// TestValueChooses: among products of no group that all have the
// attribute, the one with the value the words state; none when the value
// fits several, when one of them lacks the attribute, or when a group is
// among them (its own choice is asked).
func TestValueChooses(t *testing.T) {
	p := func(sku, en, pattern, group string) concierge.Product {
		pr := concierge.Product{SKU: concierge.SKU(sku), Group: group, Name: map[concierge.Locale]string{"en": en}, Attrs: map[string]string{}}
		if pattern != "" {
			pr.Attrs["pattern"] = pattern
		}
		return pr
	}
	ix := catalog.New([]concierge.Product{
		p("BOWL-BW", "Blue-and-white noodle bowl", "blue-and-white", ""),
		p("BOWL-WH", "White porcelain noodle bowl", "white", ""),
		p("BOWL-WH2", "White stoneware noodle bowl", "white", ""),
		p("BOX", "Gift box for noodle bowls", "", ""),
		p("MUG-WH", "Mug", "white", "MUG"),
		p("MUG-BL", "Mug", "blue", "MUG"),
	}, []concierge.Locale{"en"})
	tests := []struct {
		text string
		skus []concierge.SKU
		want concierge.SKU
	}{
		{"3 noodle bowls, the white ones", []concierge.SKU{"BOWL-BW", "BOWL-WH"}, "BOWL-WH"},
		{"3 noodle bowls, the white ones", []concierge.SKU{"BOWL-BW", "BOWL-WH", "BOWL-WH2"}, ""},
		{"3 noodle bowls, the white ones", []concierge.SKU{"BOWL-BW", "BOWL-WH", "BOX"}, ""},
		{"the white one", []concierge.SKU{"BOWL-BW", "MUG-WH"}, ""},
		{"3 noodle bowls", []concierge.SKU{"BOWL-BW", "BOWL-WH"}, ""},
	}
	for _, tt := range tests {
		if got := valueChooses(ix, tt.text, tt.skus); got != tt.want {
			t.Errorf("valueChooses(%q, %v) = %q, want %q", tt.text, tt.skus, got, tt.want)
		}
	}
}

// TestAmongShown: of what words find, what was in sight (or a variant of
// a product in sight); everything found when nothing of it was.
func TestAmongShown(t *testing.T) {
	p := func(sku, en, group string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Group: group, Name: map[concierge.Locale]string{"en": en}}
	}
	ix := catalog.New([]concierge.Product{
		p("MOULD-7", "Pillar mould 7 cm", ""), p("MOULD-10", "Pillar mould 10 cm", ""),
		p("WICK-10", "Cotton wicks 10 cm", ""),
		p("JAR-S", "Jar", "JAR"), p("JAR-L", "Jar", "JAR"),
	}, []concierge.Locale{"en"})
	tests := []struct {
		skus, shown, want []concierge.SKU
	}{
		{[]concierge.SKU{"WICK-10", "MOULD-10"}, []concierge.SKU{"MOULD-7", "MOULD-10"}, []concierge.SKU{"MOULD-10"}},
		{[]concierge.SKU{"WICK-10", "JAR-L"}, []concierge.SKU{"JAR-S"}, []concierge.SKU{"JAR-L"}},
		{[]concierge.SKU{"WICK-10", "MOULD-10"}, []concierge.SKU{"JAR-S"}, []concierge.SKU{"WICK-10", "MOULD-10"}},
		{[]concierge.SKU{"WICK-10"}, nil, []concierge.SKU{"WICK-10"}},
	}
	for _, tt := range tests {
		if got := amongShown(ix, tt.skus, tt.shown); !slices.Equal(got, tt.want) {
			t.Errorf("amongShown(%v, shown %v) = %v, want %v", tt.skus, tt.shown, got, tt.want)
		}
	}
}

// TestHasEveryWord: of the candidates, the one every word finds, where
// each other lacks one: "the black Vista mask" is the mask (sold in black
// and clear), not the Vista mask & snorkel set, which has no colour.
func TestHasEveryWord(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		{SKU: "MASK-BK", Group: "MASK", Name: map[concierge.Locale]string{"en": "Vista dive mask"}, Attrs: map[string]string{"colour": "black"}},
		{SKU: "MASK-CL", Group: "MASK", Name: map[concierge.Locale]string{"en": "Vista dive mask"}, Attrs: map[string]string{"colour": "clear"}},
		{SKU: "SET", Name: map[concierge.Locale]string{"en": "Vista mask & snorkel set"}},
	}, []concierge.Locale{"en"})
	tests := []struct {
		query string
		skus  []concierge.SKU
		want  concierge.SKU
	}{
		{"black Vista mask", []concierge.SKU{"MASK-BK", "SET"}, "MASK-BK"},
		{"black Vista mask", []concierge.SKU{"MASK-BK", "MASK-CL", "SET"}, "MASK-BK"},
		{"Vista mask", []concierge.SKU{"MASK-BK", "SET"}, ""},
		{"snorkel", []concierge.SKU{"MASK-BK", "SET"}, ""},                            // one word: no choice by it
		{"the black Vista mask for me", []concierge.SKU{"MASK-BK", "SET"}, "MASK-BK"}, // words that find neither
	}
	for _, tt := range tests {
		if got := hasEveryWord(ix, tt.query, tt.skus); got != tt.want {
			t.Errorf("hasEveryWord(%q, %v) = %q, want %q", tt.query, tt.skus, got, tt.want)
		}
	}
}

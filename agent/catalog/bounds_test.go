package catalog_test

import (
	"slices"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
)

// TestMeasures checks bounds on a measure named by its unit on
// testdata/bounds.yaml: found in an attribute of bare numbers named by
// the unit, in an attribute with units (converted), or in the names;
// products that write no such measure are left out; a bound without a
// unit or upside down is refused by Check and finds nothing.
func TestMeasures(t *testing.T) {
	ix := catalog.New(catalogtest.Load(t, "testdata/bounds.yaml"), []concierge.Locale{"fr", "en", "zh"})
	tests := []struct {
		name string
		q    catalog.Query
		want []concierge.SKU
		bad  bool
	}{
		{"lumens from 450: bare numbers of an attribute named lumens, and 450 lm",
			catalog.Query{Measures: []concierge.Range{{Min: "450 lm"}}}, []concierge.SKU{"LAMP-450", "LAMP-800", "TORCH-L"}, false},
		{"lumens between 300 and 500, the bare end in the other's unit",
			catalog.Query{Measures: []concierge.Range{{Min: "300", Max: "500 lm"}}}, []concierge.SKU{"LAMP-450", "TORCH-S"}, false},
		{"litres only the names write", catalog.Query{Text: "sac à dos", Measures: []concierge.Range{{Min: "40 l"}}}, []concierge.SKU{"BAG-45", "BAG-65"}, false},
		{"litres written 升 in Chinese names, asked in ml", catalog.Query{Text: "双肩包", Measures: []concierge.Range{{Max: "45000 ml"}}}, []concierge.SKU{"BAG-30", "BAG-45"}, false},
		{"kg against g and kg", catalog.Query{Measures: []concierge.Range{{Max: "1 kg"}}}, []concierge.SKU{"TORCH-S"}, false},
		{"at most 45 l keeps the 45, less than 45 l does not", catalog.Query{Text: "sac à dos", Measures: []concierge.Range{{Max: "45 l"}}}, []concierge.SKU{"BAG-30", "BAG-45"}, false},
		{"less than 45 l", catalog.Query{Text: "sac à dos", Measures: []concierge.Range{{Max: "45 l", Strict: true}}}, []concierge.SKU{"BAG-30"}, false},
		{"more than 450 lm, in an attribute", catalog.Query{Measures: []concierge.Range{{Min: "450 lm", Strict: true}}}, []concierge.SKU{"LAMP-800", "TORCH-L"}, false},
		{"two bounds together", catalog.Query{Measures: []concierge.Range{{Max: "2 kg"}, {Min: "1000 lm"}}}, []concierge.SKU{"TORCH-L"}, false},
		{"a kind nothing writes", catalog.Query{Text: "lampe", Measures: []concierge.Range{{Min: "10 w"}}}, nil, false},
		{"no unit on either end", catalog.Query{Measures: []concierge.Range{{Min: "10"}}}, nil, true},
		{"min above max", catalog.Query{Measures: []concierge.Range{{Min: "2 kg", Max: "1 kg"}}}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.q.Check(); (err != nil) != tt.bad {
				t.Fatalf("Check() = %v, want an error: %v", err, tt.bad)
			}
			got := skusOf(ix.Search(tt.q))
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("Search = %v, want %v", got, want)
			}
		})
	}
}

func TestUnitOf(t *testing.T) {
	for word, want := range map[string]string{"lumens": "lm", "Lumen": "lm", "流明": "lm", "KG": "kg", "公斤": "公斤", "千克": "千克",
		"litres": "l", "mètres": "m", "W": "w", "pounds": "", "lampe": "", "": ""} {
		if got := catalog.UnitOf(word); got != want {
			t.Errorf("UnitOf(%q) = %q, want %q", word, got, want)
		}
	}
}

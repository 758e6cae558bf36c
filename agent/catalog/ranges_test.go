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

func rangeIndex(tb testing.TB) *catalog.Index {
	tb.Helper()
	return catalog.New(catalogtest.Load(tb, "testdata/ranges.yaml"), []concierge.Locale{"fr", "en"})
}

type ranges = map[string]concierge.Range

// TestRanges checks range filters on the outdoor shop of
// testdata/ranges.yaml: units converted where measures knows them (g and
// kg), a bare end read in the other end's unit or the attribute's,
// values that are not numbers of the attribute's kind left out, open
// ends, and what finds nothing.
func TestRanges(t *testing.T) {
	ix := rangeIndex(t)
	tests := []struct {
		name string
		q    catalog.Query
		want []concierge.SKU
	}{
		{"weight up to 1 kg, values in g", catalog.Query{Ranges: ranges{"weight": {Max: "1 kg"}}}, []concierge.SKU{"LAMP-CAMP", "LAMP-HEAD"}},
		{"weight from 1200 g, ends included, 40 cm left out", catalog.Query{Ranges: ranges{"weight": {Min: "1200 g"}}},
			[]concierge.SKU{"LANTERN", "TENT", "KB-8", "STATION-500", "STATION-1000", "KB-16", "STATION-2000"}},
		{"a bare end is in the attribute's commonest unit (kg)", catalog.Query{Ranges: ranges{"Weight": {Max: "10"}}},
			[]concierge.SKU{"STATION-500", "LAMP-CAMP", "LAMP-HEAD", "LANTERN", "KB-8", "TENT"}},
		{"ends in g and kg", catalog.Query{Ranges: ranges{"weight": {Min: "500 g", Max: "2 kg"}}}, []concierge.SKU{"LAMP-CAMP", "LANTERN"}},
		{"a bare end is in the other end's unit", catalog.Query{Ranges: ranges{"weight": {Min: "1", Max: "2 kg"}}}, []concierge.SKU{"LANTERN"}},
		{"a decimal comma", catalog.Query{Ranges: ranges{"weight": {Min: "1,5 kg", Max: "12kg"}}}, []concierge.SKU{"TENT", "KB-8", "STATION-500", "STATION-1000"}},
		{"lumens, bare values read in lm", catalog.Query{Ranges: ranges{"lumens": {Min: "400", Max: "800"}}}, []concierge.SKU{"LAMP-CAMP"}},
		{"lumens up to 350 lm finds the bare 300", catalog.Query{Ranges: ranges{"lumens": {Max: "350 lm"}}}, []concierge.SKU{"LANTERN"}},
		{"Wh written two ways; kWh and mAh are other kinds", catalog.Query{Ranges: ranges{"capacity": {Min: "600"}}}, []concierge.SKU{"STATION-1000"}},
		{"a unit measures does not know is not converted", catalog.Query{Ranges: ranges{"capacity": {Min: "1 kWh"}}}, nil},
		{"a variant's size", catalog.Query{Ranges: ranges{"size": {Min: "43"}}}, []concierge.SKU{"TRAIL-43"}},
		{"colour temperatures in K, 2700-6500K left out", catalog.Query{Ranges: ranges{"color_temperature": {Max: "3000"}}}, []concierge.SKU{"LANTERN"}},
		{"with words, a category and stock", catalog.Query{Text: "lampe", Categories: []string{"lighting"}, InStockOnly: true, Ranges: ranges{"weight": {Min: "0.5 kg"}}},
			[]concierge.SKU{"LAMP-CAMP"}},
		{"with an attribute value", catalog.Query{Attrs: map[string][]string{"material": {"fonte"}}, Ranges: ranges{"weight": {Max: "10 kg"}}}, []concierge.SKU{"KB-8"}},
		{"a range with no end is no constraint", catalog.Query{Categories: []string{"fitness"}, Ranges: ranges{"weight": {}}}, []concierge.SKU{"KB-16", "KB-8"}},
		{"a unit of another kind finds nothing", catalog.Query{Ranges: ranges{"weight": {Min: "10 cm"}}}, nil},
		{"an attribute the catalog does not have", catalog.Query{Ranges: ranges{"height": {Min: "1"}}}, nil},
		{"an attribute whose values are not numbers", catalog.Query{Ranges: ranges{"material": {Min: "1"}}}, nil},
		{"a bad range finds nothing", catalog.Query{Ranges: ranges{"weight": {Min: "2 kg", Max: "1 kg"}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, f := ix.Faceted(tt.q)
			got, want := skusOf(hits), slices.Clone(tt.want)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("found %v, want %v", got, want)
			}
			if plain := ix.Search(tt.q); !slices.Equal(skusOf(plain), skusOf(hits)) {
				t.Errorf("Faceted found %v, Search %v", skusOf(hits), skusOf(plain))
			}
			if len(hits) == 0 && f.Total != 0 {
				t.Errorf("nothing found, facets count %d", f.Total)
			}
		})
	}
}

// renderNumbers writes the numeric facets, one line each.
func renderNumbers(f concierge.Facets) string {
	var lines []string
	for _, a := range f.Attrs {
		if n := a.Numbers; n != nil {
			lines = append(lines, fmt.Sprintf("%s: %s to %s %d, not numbers %d", a.Name, n.Min, n.Max, n.Count, n.NotNumbers))
		}
	}
	return strings.Join(lines, "\n")
}

// TestNumberFacets checks the spans the facets report, counted by hand:
// the lowest and highest value as written (95 g is below 19 kg), the
// products with a number (the trail shoes once) and those whose value is
// not one of the attribute's kind (40 cm among weights, 2 kWh and 5200
// mAh among Wh, M among sizes, 2700-6500K).
func TestNumberFacets(t *testing.T) {
	ix := rangeIndex(t)
	tests := []struct {
		name string
		q    catalog.Query
		want string
	}{
		{"everything", catalog.Query{}, `size: 42 to 43 1, not numbers 1
weight: 95 g to 19 kg 9, not numbers 1
capacity: 500 Wh to 1000Wh 2, not numbers 2
color_temperature: 2700K to 4000K 2, not numbers 1
lumens: 300 to 1200 lm 3, not numbers 0`},
		// The camping lamp's 5200 mAh is its only capacity found: no
		// number of the kind (Wh), so no span.
		{"filtered by weight", catalog.Query{Ranges: ranges{"weight": {Max: "1 kg"}}}, `color_temperature: 4000K to 4000K 1, not numbers 1
lumens: 450 lm to 1200 lm 2, not numbers 0
weight: 95 g to 800 g 2, not numbers 0`},
		{"shoes", catalog.Query{Categories: []string{"shoes"}}, `size: 42 to 43 1, not numbers 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, f := ix.Faceted(tt.q)
			if got := renderNumbers(f); got != tt.want {
				t.Errorf("numbers:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestNumberFacetsAreFilters checks every span against the range that
// selects it: from its Min to its Max, as the facet writes them, finds
// its Count products (variant groups once).
func TestNumberFacetsAreFilters(t *testing.T) {
	ix := rangeIndex(t)
	groups := func(hits []catalog.Hit) int {
		seen := map[string]bool{}
		for _, h := range hits {
			p := ix.Product(h.SKU)
			key := "sku:" + string(p.SKU)
			if p.Group != "" {
				key = p.Group
			}
			seen[key] = true
		}
		return len(seen)
	}
	checked := 0
	for _, base := range []catalog.Query{{}, {Categories: []string{"lighting"}}, {Text: "kettlebell"}, {InStockOnly: true}, {Ranges: ranges{"weight": {Max: "1 kg"}}}} {
		_, f := ix.Faceted(base)
		for _, a := range f.Attrs {
			n := a.Numbers
			if n == nil || n.Count == 0 {
				continue
			}
			q := base
			q.Ranges = ranges{a.Name: {Min: n.Min, Max: n.Max}}
			for k, r := range base.Ranges {
				if k != a.Name {
					q.Ranges[k] = r
				}
			}
			if err := q.Check(); err != nil {
				t.Fatalf("%+v then %s: %v", base, a.Name, err)
			}
			hits, g := ix.Faceted(q)
			if got := groups(hits); got != n.Count || g.Total != n.Count {
				t.Errorf("%+v then %s %s to %s: %d products (facets say %d), want %d", base, a.Name, n.Min, n.Max, got, g.Total, n.Count)
			}
			checked++
		}
	}
	if checked < 10 {
		t.Errorf("only %d spans checked", checked)
	}
}

// TestBadRanges: a range that is not one is an error that says why, and
// a search with it finds nothing (callers Check first).
func TestBadRanges(t *testing.T) {
	ix := rangeIndex(t)
	tests := []struct {
		name   string
		r      concierge.Range
		errHas string
	}{
		{"not a number", concierge.Range{Min: "heavy"}, `min "heavy" is not a number`},
		{"a range written in one end", concierge.Range{Max: "4-6"}, `max "4-6" is not a number`},
		{"two numbers", concierge.Range{Min: "1.2.3"}, `is not a number`},
		{"a unit alone", concierge.Range{Min: "kg"}, `is not a number`},
		{"two units", concierge.Range{Min: "1 kg lm"}, `is not a number`},
		{"min above max", concierge.Range{Min: "800", Max: "400"}, `min "800" is above max "400"`},
		{"min above max once converted", concierge.Range{Min: "2 kg", Max: "1500 g"}, `min "2 kg" is above max "1500 g"`},
		{"units of different kinds", concierge.Range{Min: "1 kg", Max: "40 cm"}, "units of different kinds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := catalog.Query{Ranges: ranges{"lumens": {Min: "100"}, "weight": tt.r}}
			err := q.Check()
			if err == nil || !strings.Contains(err.Error(), tt.errHas) || !strings.Contains(err.Error(), `range of "weight"`) {
				t.Fatalf("Check() = %v, want an error on weight with %q", err, tt.errHas)
			}
			if hits, f := ix.Faceted(q); len(hits) != 0 || f.Total != 0 {
				t.Errorf("found %v (%d)", skusOf(hits), f.Total)
			}
		})
	}
	good := catalog.Query{Ranges: ranges{"weight": {Min: "1", Max: "2 kg"}, "lumens": {Max: "800"}, "size": {}}}
	if err := good.Check(); err != nil {
		t.Errorf("Check(%+v) = %v", good, err)
	}
}

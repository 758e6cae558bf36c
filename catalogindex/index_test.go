package catalogindex_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
	"github.com/conciergehq/concierge/catalogindex"
)

const testCatalog = "../agent/catalog/testdata/catalog.yaml"

// open returns an index of the 20 products of the test catalog (lamps,
// bulbs, shades and gift cards named in fr, en and zh) in a temporary
// directory, and the products.
func open(t *testing.T) (*catalogindex.Index, []concierge.Product) {
	t.Helper()
	ps := catalogtest.Load(t, testCatalog)
	ix, err := catalogindex.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ix.Close(); err != nil {
			t.Error(err)
		}
	})
	if err := ix.Upsert(t.Context(), ps); err != nil {
		t.Fatal(err)
	}
	return ix, ps
}

func candidates(t *testing.T, ix *catalogindex.Index, text string, f catalogindex.Filters, limit int) []concierge.SKU {
	t.Helper()
	got, err := ix.Candidates(t.Context(), text, f, limit)
	if err != nil {
		t.Fatalf("Candidates(%q): %v", text, err)
	}
	return got
}

func TestCandidatesText(t *testing.T) {
	ix, _ := open(t)
	for _, tc := range []struct {
		name, text string
		first      concierge.SKU   // the best candidate, if set
		top        []concierge.SKU // all of these within the first len(top)+1
		none       bool            // no candidate at all
	}{
		{name: "fr elision", text: "l'ampoule", top: []concierge.SKU{"BULB-01", "BULB-02", "BULB-03", "BULB-04"}},
		{name: "fr typographic apostrophe", text: "l’ampoule filament", first: "BULB-03"},
		{name: "fr plural", text: "lampes de chevet", top: []concierge.SKU{"LAMP-01", "LAMP-06", "LAMP-07"}},
		{name: "fr accent folded", text: "celeste", first: "LAMP-07"},
		{name: "fr accent and case", text: "CÉLESTE", first: "LAMP-07"},
		{name: "fr accent added", text: "abat-jour plissé", first: "SHADE-02"},
		{name: "en plural", text: "bedside lamps", top: []concierge.SKU{"LAMP-01", "LAMP-06", "LAMP-07"}},
		{name: "en stem", text: "dimmable bulbs", first: "BULB-02"},
		{name: "zh bigram inside a name", text: "台灯", top: []concierge.SKU{"LAMP-02", "LAMP-03", "LAMP-04", "LAMP-05"}},
		{name: "zh sentence", text: "我想买床头灯", top: []concierge.SKU{"LAMP-01", "LAMP-06", "LAMP-07"}},
		{name: "zh name", text: "欧若拉", first: "LAMP-01"},
		{name: "typo in a long word", text: "Zenih", first: "LAMP-02"},
		{name: "typo fr", text: "filamant", first: "BULB-03"},
		{name: "short word gets no typo", text: "lamo", none: true},
		{name: "unknown word", text: "xylophone", none: true},
		{name: "stop words only", text: "je le la", none: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := candidates(t, ix, tc.text, catalogindex.Filters{}, 10)
			if tc.none {
				if len(got) != 0 {
					t.Fatalf("Candidates(%q) = %v, want none", tc.text, got)
				}
				return
			}
			if len(got) == 0 {
				t.Fatalf("Candidates(%q) found nothing", tc.text)
			}
			if tc.first != "" && got[0] != tc.first {
				t.Errorf("Candidates(%q) = %v, want %s first", tc.text, got, tc.first)
			}
			if tc.top != nil {
				head := got[:min(len(got), len(tc.top)+1)]
				for _, sku := range tc.top {
					if !slices.Contains(head, sku) {
						t.Errorf("Candidates(%q) = %v, want %s among the first %d", tc.text, got, sku, len(head))
					}
				}
			}
		})
	}
}

func TestCandidatesLimitAndOrder(t *testing.T) {
	ix, _ := open(t)
	got := candidates(t, ix, "lampe", catalogindex.Filters{}, 3)
	if len(got) != 3 {
		t.Fatalf("limit 3 gave %v", got)
	}
	again := candidates(t, ix, "lampe", catalogindex.Filters{}, 3)
	if !slices.Equal(got, again) {
		t.Errorf("the same search gave %v then %v", got, again)
	}
}

func TestCandidatesFilters(t *testing.T) {
	ix, ps := open(t)
	// want lists, from the products themselves, those that keep passes.
	want := func(keep func(p concierge.Product) bool) []concierge.SKU {
		var out []concierge.SKU
		for _, p := range ps {
			if keep(p) {
				out = append(out, p.SKU)
			}
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		name string
		text string
		f    catalogindex.Filters
		want []concierge.SKU
	}{
		{"category", "", catalogindex.Filters{Category: "bulbs"},
			want(func(p concierge.Product) bool { return p.Category == "bulbs" })},
		{"in stock bulbs", "bulb", catalogindex.Filters{Category: "bulbs", InStock: true},
			want(func(p concierge.Product) bool { return p.Category == "bulbs" && p.Stock > 0 })},
		{"in stock counts digital", "", catalogindex.Filters{Category: "gifts", InStock: true},
			want(func(p concierge.Product) bool { return p.Category == "gifts" })},
		{"price range inclusive", "", catalogindex.Filters{MinPrice: 3000, MaxPrice: 5000},
			want(func(p concierge.Product) bool { return p.Price.Minor >= 3000 && p.Price.Minor <= 5000 })},
		{"min price only", "lamp", catalogindex.Filters{MinPrice: 6000},
			want(func(p concierge.Product) bool {
				return p.Price.Minor >= 6000 && strings.HasPrefix(string(p.SKU), "LAMP")
			})},
		{"attribute, any case", "", catalogindex.Filters{Attrs: map[string]string{"Material": "STEEL"}},
			want(func(p concierge.Product) bool { return p.Attrs["material"] == "steel" })},
		{"everything", "lampe", catalogindex.Filters{Category: "desk", InStock: true, MaxPrice: 10000},
			want(func(p concierge.Product) bool {
				return p.Category == "desk" && p.Stock > 0 && p.Price.Minor <= 10000
			})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.want) == 0 {
				t.Fatal("the test catalog has no product for this case; the case tests nothing")
			}
			got := candidates(t, ix, tc.text, tc.f, 100)
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Candidates(%q, %+v) = %v, want %v", tc.text, tc.f, got, tc.want)
			}
		})
	}
}

func TestCandidatesBadInput(t *testing.T) {
	ix, _ := open(t)
	for _, tc := range []struct {
		name  string
		f     catalogindex.Filters
		limit int
	}{
		{"zero limit", catalogindex.Filters{}, 0},
		{"huge limit", catalogindex.Filters{}, catalogindex.MaxLimit + 1},
		{"negative price", catalogindex.Filters{MinPrice: -1}, 10},
		{"empty range", catalogindex.Filters{MinPrice: 5000, MaxPrice: 1000}, 10},
		{"empty attribute name", catalogindex.Filters{Attrs: map[string]string{" ": "x"}}, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := ix.Candidates(t.Context(), "lampe", tc.f, tc.limit); err == nil {
				t.Errorf("Candidates(%+v, %d) = %v, want an error", tc.f, tc.limit, got)
			}
		})
	}
}

func TestUpdatesVisibleToNextSearch(t *testing.T) {
	ix, _ := open(t)
	ctx := t.Context()
	p := concierge.Product{
		SKU:      "LAMP-99",
		Name:     map[concierge.Locale]string{"fr": "Lampe Xéna", "en": "Xena lamp", "zh": "谢娜灯"},
		Category: "desk",
		Price:    concierge.Money{Minor: 4200, Currency: "EUR"},
		Stock:    2,
	}
	if err := ix.Upsert(ctx, []concierge.Product{p}); err != nil {
		t.Fatal(err)
	}
	if got := candidates(t, ix, "xena", catalogindex.Filters{}, 5); !slices.Equal(got, []concierge.SKU{"LAMP-99"}) {
		t.Fatalf("after insert: %v", got)
	}

	p.Name = map[concierge.Locale]string{"fr": "Lampe Ygritte", "en": "Ygritte lamp"}
	p.Stock = 0
	if err := ix.Upsert(ctx, []concierge.Product{p}); err != nil {
		t.Fatal(err)
	}
	if got := candidates(t, ix, "xena", catalogindex.Filters{}, 5); len(got) != 0 {
		t.Errorf("the old name still finds %v", got)
	}
	if got := candidates(t, ix, "谢娜", catalogindex.Filters{}, 5); len(got) != 0 {
		t.Errorf("the dropped zh name still finds %v", got)
	}
	if got := candidates(t, ix, "ygritte", catalogindex.Filters{}, 5); !slices.Equal(got, []concierge.SKU{"LAMP-99"}) {
		t.Errorf("the new name finds %v", got)
	}
	if got := candidates(t, ix, "ygritte", catalogindex.Filters{InStock: true}, 5); len(got) != 0 {
		t.Errorf("out of stock, yet in stock: %v", got)
	}

	if err := ix.Delete(ctx, "LAMP-99"); err != nil {
		t.Fatal(err)
	}
	if got := candidates(t, ix, "ygritte", catalogindex.Filters{}, 5); len(got) != 0 {
		t.Errorf("deleted, yet found: %v", got)
	}
	if err := ix.Delete(ctx, "LAMP-99"); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
	if err := ix.Delete(ctx, ""); err == nil {
		t.Error("deleting an empty SKU succeeded")
	}
}

func TestUpsertBadProductChangesNothing(t *testing.T) {
	ix, ps := open(t)
	good := concierge.Product{SKU: "NEW-1", Name: map[concierge.Locale]string{"en": "Quokka lamp"}}
	for _, bad := range []concierge.Product{
		{Name: map[concierge.Locale]string{"en": "no sku"}},
		{SKU: "NEG", Price: concierge.Money{Minor: -1, Currency: "EUR"}},
		{SKU: "BAD\xff"},
	} {
		if err := ix.Upsert(t.Context(), []concierge.Product{good, bad}); err == nil {
			t.Errorf("Upsert accepted %+v", bad)
		}
	}
	if got := candidates(t, ix, "quokka", catalogindex.Filters{}, 5); len(got) != 0 {
		t.Errorf("a refused upsert added %v", got)
	}
	if n, err := ix.Count(); err != nil || n != len(ps) {
		t.Errorf("Count = %d, %v; want %d", n, err, len(ps))
	}
}

func TestConcurrentUpsertWhileSearching(t *testing.T) {
	ix, ps := open(t)
	ctx := t.Context()
	const writers, rounds = 2, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers+4)
	for w := range writers {
		wg.Go(func() {
			for r := range rounds {
				p := ps[(w*rounds+r)%len(ps)]
				p.SKU = concierge.SKU(fmt.Sprintf("W%d-%d", w, r))
				p.Name = map[concierge.Locale]string{"en": fmt.Sprintf("Wombat%d lamp", w), "fr": "Lampe wombat"}
				if err := ix.Upsert(ctx, []concierge.Product{p}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for _, q := range []string{"lampe de chevet", "bulb", "台灯", "wombat"} {
		wg.Go(func() {
			for range rounds {
				if _, err := ix.Candidates(ctx, q, catalogindex.Filters{InStock: true}, 20); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got := candidates(t, ix, "wombat", catalogindex.Filters{}, 100)
	if len(got) != writers*rounds {
		t.Errorf("after the writers, %d wombats, want %d", len(got), writers*rounds)
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	ps := catalogtest.Load(t, testCatalog)
	ix, err := catalogindex.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Upsert(ctx, ps); err != nil {
		t.Fatal(err)
	}
	if err := ix.Delete(ctx, "LAMP-07"); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	ix, err = catalogindex.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if n, err := ix.Count(); err != nil || n != len(ps)-1 {
		t.Errorf("reopened Count = %d, %v; want %d", n, err, len(ps)-1)
	}
	if got := candidates(t, ix, "lampes de chevet", catalogindex.Filters{}, 3); !slices.Contains(got, "LAMP-01") || slices.Contains(got, "LAMP-07") {
		t.Errorf("reopened search = %v, want LAMP-01 and not the deleted LAMP-07", got)
	}
	if _, err := ix.Candidates(context.Background(), "台灯", catalogindex.Filters{}, 5); err != nil {
		t.Errorf("reopened zh search: %v", err)
	}
}

func TestOpenBadDirectory(t *testing.T) {
	if _, err := catalogindex.Open(t.Context(), ""); err == nil {
		t.Error("Open(\"\") succeeded")
	}
}

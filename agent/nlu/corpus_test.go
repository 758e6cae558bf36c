package nlu_test

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
	"github.com/conciergehq/concierge/agent/nlu"
)

// utterance is one labelled message of testdata/*.yaml.
type utterance struct {
	Text   string         `yaml:"text"`
	Intent string         `yaml:"intent"`
	Lang   string         `yaml:"lang"`
	Slots  map[string]any `yaml:"slots"`
	file   string
}

// The accuracy the corpus must reach.
const (
	minIntentAccuracy = 0.95
	minSlotAccuracy   = 0.90
)

func loadCorpus(t testing.TB, files ...string) []utterance {
	t.Helper()
	var all []utterance
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var us []utterance
		if err := yaml.Unmarshal(data, &us); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i := range us {
			us[i].file = f
		}
		all = append(all, us...)
	}
	return all
}

func testIndex(tb testing.TB) *catalog.Index {
	tb.Helper()
	ps := catalogtest.Load(tb, "../catalog/testdata/catalog.yaml")
	return catalog.New(ps, []concierge.Locale{"fr", "en", "zh"})
}

// tally counts hits and tries.
type tally struct{ ok, n int }

func (t *tally) add(ok bool) {
	t.n++
	if ok {
		t.ok++
	}
}

func (t tally) rate() float64 {
	if t.n == 0 {
		return 1
	}
	return float64(t.ok) / float64(t.n)
}

func (t tally) String() string { return fmt.Sprintf("%d/%d = %.1f%%", t.ok, t.n, 100*t.rate()) }

// TestCorpus parses every labelled message and checks the intent, the
// language and each labelled slot. It reports accuracy per language and
// per slot and fails below minIntentAccuracy or minSlotAccuracy.
//
// How slots are checked: query — a search with the parsed query, category
// and budget finds products, the first among those the labelled query
// finds and all in its categories; category, price_max (in euros),
// quantity, order, sort — equal (a labelled quantity of 1 on add_to_cart
// also accepts 0, which callers read as 1); product — named in Products,
// or pointed at (RefShown or Ordinals) when "shown", or, for a removal, found
// by the parsed query since the caller looks in the cart; products — the
// SKUs in order, or pointed at when "shown". A language of "" counts as
// right: it means "keep the conversation's language".
//
// NLU_CORPUS=file.yaml runs it on another file instead, to measure a new
// batch of messages before adding it: go test -run 'TestCorpus$' -v.
func TestCorpus(t *testing.T) {
	ix := testIndex(t)
	corpus := loadCorpus(t, corpusFiles()...)
	intents := map[string]*tally{"all": {}}
	langs := map[string]*tally{"all": {}}
	slots := map[string]*tally{}
	for _, u := range corpus {
		in := nlu.Parse(u.Text, ix, "")
		var misses []string
		ok := string(in.Name) == u.Intent
		if !ok {
			misses = append(misses, fmt.Sprintf("intent %s, want %s", in.Name, u.Intent))
		}
		for _, k := range []string{"all", u.Lang} {
			if intents[k] == nil {
				intents[k] = &tally{}
			}
			intents[k].add(ok)
		}
		langOK := string(in.Lang) == u.Lang || in.Lang == ""
		if !langOK {
			misses = append(misses, fmt.Sprintf("lang %q, want %s", in.Lang, u.Lang))
		}
		for _, k := range []string{"all", u.Lang} {
			if langs[k] == nil {
				langs[k] = &tally{}
			}
			langs[k].add(langOK)
		}
		for _, name := range sortedKeys(u.Slots) {
			ok, why := checkSlot(ix, u, name, in)
			if slots[name] == nil {
				slots[name] = &tally{}
			}
			slots[name].add(ok)
			if !ok {
				misses = append(misses, fmt.Sprintf("%s: %s", name, why))
			}
		}
		if len(misses) > 0 {
			t.Logf("MISS %q (%s): %s; parsed %+v", u.Text, u.file, strings.Join(misses, "; "), in)
		}
	}
	t.Logf("%d utterances", len(corpus))
	for _, k := range sortedKeys(intents) {
		t.Logf("intent %-4s %s   lang %s", k, intents[k], langs[k])
	}
	for _, k := range sortedKeys(slots) {
		t.Logf("slot %-9s %s", k, slots[k])
	}
	if r := intents["all"].rate(); r < minIntentAccuracy {
		t.Errorf("intent accuracy %.1f%% < %.0f%%", 100*r, 100*minIntentAccuracy)
	}
	if r := langs["all"].rate(); r < minIntentAccuracy {
		t.Errorf("language accuracy %.1f%% < %.0f%%", 100*r, 100*minIntentAccuracy)
	}
	for _, k := range sortedKeys(slots) {
		if r := slots[k].rate(); r < minSlotAccuracy {
			t.Errorf("slot %s accuracy %.1f%% < %.0f%%", k, 100*r, 100*minSlotAccuracy)
		}
	}
}

// checkSlot checks one labelled slot of u against the parse.
func checkSlot(ix *catalog.Index, u utterance, name string, in nlu.Intent) (bool, string) {
	want := u.Slots[name]
	pointed := in.RefShown || len(in.Ordinals) > 0
	switch name {
	case "query":
		return checkQuery(ix, u, in)
	case "category":
		return in.Category == want, fmt.Sprintf("%q, want %v", in.Category, want)
	case "price_max":
		return in.PriceMax == int64(toFloat(want)*100), fmt.Sprintf("%d, want %v€", in.PriceMax, want)
	case "quantity":
		q := int(toFloat(want))
		return in.Quantity == q || q == 1 && in.Quantity == 0 && in.Name == nlu.AddToCart,
			fmt.Sprintf("%d, want %d", in.Quantity, q)
	case "order":
		return in.Order == want, fmt.Sprintf("%q, want %v", in.Order, want)
	case "sort":
		return in.Sort.String() == want, fmt.Sprintf("%s, want %v", in.Sort, want)
	case "product":
		if want == "shown" {
			return pointed && len(in.Products) == 0, "not pointed at"
		}
		sku := concierge.SKU(fmt.Sprint(want))
		if slices.Contains(in.Products, sku) {
			return true, ""
		}
		if in.Name == nlu.RemoveFromCart && in.Query != "" {
			for _, h := range ix.Search(catalog.Query{Text: in.Query, Category: in.Category}) {
				if h.SKU == sku {
					return true, ""
				}
			}
		}
		return false, fmt.Sprintf("%v, want %s", in.Products, sku)
	case "products":
		if want == "shown" {
			return in.RefShown || len(in.Ordinals) >= 2, "not pointed at"
		}
		var skus []concierge.SKU
		for _, s := range want.([]any) {
			skus = append(skus, concierge.SKU(fmt.Sprint(s)))
		}
		return slices.Equal(in.Products, skus), fmt.Sprintf("%v, want %v", in.Products, skus)
	}
	return false, "unknown slot"
}

// checkQuery checks that searching with the parse finds what searching
// with the labels finds: results, the first among the expected ones, all
// in expected categories.
func checkQuery(ix *catalog.Index, u utterance, in nlu.Intent) (bool, string) {
	wantQ := catalog.Query{Text: fmt.Sprint(u.Slots["query"])}
	if c, ok := u.Slots["category"]; ok {
		wantQ.Category = fmt.Sprint(c)
	}
	if p, ok := u.Slots["price_max"]; ok {
		wantQ.PriceMax = int64(toFloat(p) * 100)
	}
	expected := ix.Search(wantQ)
	skus := map[concierge.SKU]bool{}
	cats := map[string]bool{}
	for _, h := range expected {
		skus[h.SKU] = true
		cats[ix.Product(h.SKU).Category] = true
	}
	got := ix.Search(catalog.Query{Text: in.Query, Category: in.Category, PriceMax: in.PriceMax, PriceMin: in.PriceMin})
	switch {
	case len(expected) == 0:
		return false, fmt.Sprintf("the labelled query %+v finds nothing", wantQ)
	case len(got) == 0:
		return false, fmt.Sprintf("query %q finds nothing", in.Query)
	case !skus[got[0].SKU]:
		return false, fmt.Sprintf("query %q finds %s first", in.Query, got[0].SKU)
	}
	for _, h := range got {
		if c := ix.Product(h.SKU).Category; !cats[c] {
			return false, fmt.Sprintf("query %q finds %s in %s", in.Query, h.SKU, c)
		}
	}
	return true, ""
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case uint64:
		return float64(x)
	case int64:
		return float64(x)
	case int:
		return float64(x)
	case float64:
		return x
	}
	return -1
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestCorpusIsNotCopied keeps extra.yaml genuinely extra: none of its
// messages repeats one of the shared sample, even folded.
func TestCorpusIsNotCopied(t *testing.T) {
	seen := map[string]bool{}
	for _, u := range loadCorpus(t, "testdata/utterances.yaml") {
		seen[catalog.Fold(u.Text)] = true
	}
	extra := loadCorpus(t, "testdata/extra.yaml")
	if len(extra) < 60 {
		t.Errorf("extra.yaml has %d messages, want at least 60", len(extra))
	}
	for _, u := range extra {
		if f := catalog.Fold(u.Text); seen[f] {
			t.Errorf("extra.yaml repeats %q", u.Text)
		} else {
			seen[f] = true
		}
	}
}

// corpusFiles are the labelled files TestCorpus reads.
func corpusFiles() []string {
	if f := os.Getenv("NLU_CORPUS"); f != "" {
		return []string{f}
	}
	return []string{"testdata/utterances.yaml", "testdata/extra.yaml"}
}

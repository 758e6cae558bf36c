package catalog

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
)

var incLocales = []concierge.Locale{"fr", "en", "zh"}

// TestUpdateTextMatchesNew applies random sequences of upserts, renames,
// deletions, moves, tag, attribute and description edits and price
// changes to the test catalogs, each step updating the index of the step
// before, and checks after every step that the updated index is the one
// New builds from the changed catalog: the same structures, field by
// field, and the same answers to searches, look-ups, resolves and
// categories in fr, en and zh. It also checks that the products left
// alone were not analysed again (their analysis is shared), so that a
// fallback to New cannot pass for the incremental path.
func TestUpdateTextMatchesNew(t *testing.T) {
	files := []string{"testdata/catalog.yaml", "testdata/heads.yaml", "testdata/lines.yaml", "testdata/strangers.yaml", "testdata/variants.yaml"}
	var pool []concierge.Product // every test product, a source of new names and fields
	for _, f := range files {
		pool = append(pool, catalogtest.Load(t, f)...)
	}
	for seed, f := range files {
		t.Run(strings.TrimSuffix(strings.TrimPrefix(f, "testdata/"), ".yaml"), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(seed), 13))
			ps := catalogtest.Large(t, f, 150)
			ix := New(ps, incLocales)
			fresh := 0
			incremental, moves := 0, 0
			for step := range 40 {
				next, touched, desc := mutate(rng, ps, pool, &fresh)
				up, _ := ix.Update(next, incLocales, nil)
				want := New(next, incLocales)
				if diff := sameIndex(up, want); diff != "" {
					t.Fatalf("step %d (%s): the updated index differs from New's: %s", step, desc, diff)
				}
				if diff := sameAnswers(up, want, next, rng); diff != "" {
					t.Fatalf("step %d (%s): %s", step, desc, diff)
				}
				if strings.Contains(desc, "swap") {
					moves++ // a reordered catalog is built again
				} else if shared(ix, up, touched) {
					incremental++
				}
				ps, ix = next, up
			}
			// A step whose change is a new proper name that is a stop
			// word, or that moves products, builds everything again;
			// most steps must not.
			if incremental < (40-moves)*4/5 {
				t.Errorf("only %d of %d steps reused the analysis of the products they left alone", incremental, 40-moves)
			}
		})
	}
}

// mutate returns a copy of ps with one to three random changes, the SKUs
// it changed and a description of the changes.
func mutate(rng *rand.Rand, ps, pool []concierge.Product, fresh *int) ([]concierge.Product, map[concierge.SKU]bool, string) {
	next := slices.Clone(ps)
	touched := map[concierge.SKU]bool{}
	var desc []string
	for range 1 + rng.IntN(3) {
		i := rng.IntN(len(next))
		src := pool[rng.IntN(len(pool))]
		p := next[i]
		switch op := rng.IntN(11); op {
		case 0: // a new product, at the end or in the middle
			*fresh++
			np := src
			np.SKU = concierge.SKU(fmt.Sprintf("NEW-%d", *fresh))
			np.Name = cloneNames(src.Name)
			for loc := range np.Name {
				np.Name[loc] += fmt.Sprintf(" Zorbix%d", *fresh%4)
			}
			at := len(next)
			if rng.IntN(2) == 0 {
				at = i
			}
			next = slices.Insert(next, at, np)
			touched[np.SKU] = true
			desc = append(desc, "add "+string(np.SKU))
			continue
		case 1: // withdrawn
			next = slices.Delete(next, i, i+1)
			desc = append(desc, "delete "+string(p.SKU))
			continue
		case 2: // renamed after another product
			p.Name = cloneNames(src.Name)
		case 3: // one name changed
			p.Name = cloneNames(p.Name)
			for loc := range p.Name {
				p.Name[loc] = src.Name[loc] + " " + p.Name[loc]
				break
			}
		case 4:
			p.Tags = slices.Clone(src.Tags)
		case 5:
			p.Category = src.Category
		case 6:
			p.Attrs, p.Group = src.Attrs, src.Group
		case 7:
			p.Description = src.Description
		case 9: // a word of another product's name as a tag: no proper name any more
			if w := nameWord(rng, next, 1); w != "" {
				p.Tags = append(slices.Clone(p.Tags), w)
			}
		case 10: // a long word of another name said in two: known words, which it is cut into
			if w := nameWord(rng, next, 6); w != "" {
				k := 3 + rng.IntN(len(w)-5)
				p.Name = cloneNames(p.Name)
				for loc := range p.Name {
					p.Name[loc] = w[:k] + " " + w[k:]
					break
				}
			}
		case 8: // prices and stock alone
			p.Price.Minor = int64(100 + rng.IntN(9000))
			p.Stock = rng.IntN(3)
		}
		next[i] = p
		touched[p.SKU] = true
		desc = append(desc, fmt.Sprintf("edit %s", p.SKU))
	}
	if rng.IntN(6) == 0 && len(next) > 2 { // moved
		i, j := rng.IntN(len(next)), rng.IntN(len(next))
		next[i], next[j] = next[j], next[i]
		desc = append(desc, "swap")
	}
	return next, touched, strings.Join(desc, ", ")
}

// nameWord returns a word of letters of at least n bytes from the name
// of a random product, or "".
func nameWord(rng *rand.Rand, ps []concierge.Product, n int) string {
	for range 20 {
		p := ps[rng.IntN(len(ps))]
		for _, name := range p.Name {
			words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return r < 'a' || r > 'z' })
			if len(words) == 0 {
				continue
			}
			if w := words[rng.IntN(len(words))]; len(w) >= n {
				return w
			}
		}
	}
	return ""
}

func cloneNames(m map[concierge.Locale]string) map[concierge.Locale]string {
	out := make(map[concierge.Locale]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// shared reports whether up reuses ix's analysis of every product of
// ix that was not touched.
func shared(ix, up *Index, touched map[concierge.SKU]bool) bool {
	was := map[concierge.SKU]*prodInfo{}
	for i := range ix.products {
		was[ix.products[i].SKU] = ix.infos[i]
	}
	for i := range up.products {
		if in, ok := was[up.products[i].SKU]; ok && !touched[up.products[i].SKU] && up.infos[i] != in {
			return false
		}
	}
	return true
}

// sameIndex compares every field of two indexes but the search scratch,
// the cache of analysed names and the analysis kept for Update (whose
// term ids depend on the order the terms were met), and reports the
// first that differs.
func sameIndex(got, want *Index) string {
	g, w := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
	for i := range g.NumField() {
		name := g.Type().Field(i).Name
		if name == "scratch" || name == "nameCache" || name == "table" || name == "keys" || name == "infos" || name == "counts" {
			continue
		}
		if name == "postings" {
			if !reflect.DeepEqual(postingsOf(got), postingsOf(want)) {
				return name
			}
			continue
		}
		if name == "written" || name == "numKeys" {
			if !slices.Equal(setKeys(g.Field(i)), setKeys(w.Field(i))) {
				return name
			}
			continue
		}
		if name == "docs" {
			if len(got.docs) != len(want.docs) {
				return name
			}
			for i := range got.docs {
				if !sameDoc(got, i, want) {
					return name
				}
			}
			continue
		}
		if !reflect.DeepEqual(exported(g.Field(i)), exported(w.Field(i))) {
			return name
		}
	}
	return ""
}

// setKeys returns the keys of a set of terms, sorted.
func setKeys(f reflect.Value) []string {
	s := exported(f).(*keySet)
	var out []string
	for _, v := range s.slots {
		if v != 0 {
			out = append(out, s.keys[v-1])
		}
	}
	slices.Sort(out)
	return out
}

// sameDoc compares two indexes' records of product i, their term sets
// by key (the ids depend on the order the terms were met).
func sameDoc(gx *Index, i int, wx *Index) bool {
	g, w := gx.docs[i], wx.docs[i]
	keys := func(ix *Index, ids []uint32) []string {
		var out []string
		for _, id := range ids {
			out = append(out, ix.keys[id])
		}
		slices.Sort(out)
		return out
	}
	return g.category == w.category && g.price == w.price && g.available == w.available &&
		slices.Equal(keys(gx, g.strong), keys(wx, w.strong)) && slices.Equal(keys(gx, gx.infos[i].structured), keys(wx, wx.infos[i].structured))
}

// exported returns the value of a struct field, exported or not.
func exported(f reflect.Value) any {
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface()
}

// sameAnswers compares what the two indexes answer to queries in fr, en
// and zh: the fixed ones and the names, tags and categories of random
// products.
func sameAnswers(got, want *Index, ps []concierge.Product, rng *rand.Rand) string {
	queries := []string{
		"je cherche une lampe de bureau", "abat-jour en lin", "lampe de buerau", "ampoule pas chère",
		"looking for a desk lamp", "dimmable bulbs", "deks lamp", "Zorbix1", "zorbix",
		"我想买台灯", "可调光的灯泡", "欧若拉", "",
	}
	for range 12 {
		p := ps[rng.IntN(len(ps))]
		for _, n := range p.Name {
			queries = append(queries, n, "je veux "+n)
		}
		queries = append(queries, p.Category, string(p.SKU), strings.Join(p.Tags, " "))
	}
	for _, q := range queries {
		for _, sq := range []Query{{Text: q, Limit: 10}, {Text: q, Sort: PriceAsc, Limit: 5}, {Text: q, PriceMax: 4000, InStockOnly: true}, {Text: q, Exclude: "lin", Limit: 10}} {
			if g, w := got.Search(sq), want.Search(sq); !slices.Equal(g, w) {
				return fmt.Sprintf("Search(%+v) = %v, want %v", sq, g, w)
			}
		}
		if g, w := got.Resolve(q), want.Resolve(q); !slices.Equal(g, w) {
			return fmt.Sprintf("Resolve(%q) = %v, want %v", q, g, w)
		}
		if g, w := got.LookUp(q, "", nil, 5), want.LookUp(q, "", nil, 5); !reflect.DeepEqual(g, w) {
			return fmt.Sprintf("LookUp(%q) = %+v, want %+v", q, g, w)
		}
		if g, w := got.CategoryOf(q), want.CategoryOf(q); g != w {
			return fmt.Sprintf("CategoryOf(%q) = %q, want %q", q, g, w)
		}
	}
	return ""
}

// TestUpdateTextWhileSearching renames, adds and withdraws products while
// other goroutines search the index being replaced (go test -race).
func TestUpdateTextWhileSearching(t *testing.T) {
	ps := catalogtest.Large(t, "testdata/catalog.yaml", 300)
	pool := catalogtest.Load(t, "testdata/catalog.yaml")
	var cur atomic.Pointer[Index]
	cur.Store(New(ps, incLocales))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			qs := []string{"lampe de bureau", "desk lamp", "台灯", "Zorbix2", "ampoule"}
			for n := g; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				ix := cur.Load()
				ix.Search(Query{Text: qs[n%len(qs)], Limit: 5})
				ix.LookUp(qs[n%len(qs)], "lin", nil, 5)
				ix.Resolve(qs[n%len(qs)])
			}
		}()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	fresh := 0
	for range 40 {
		next, _, _ := mutate(rng, ps, pool, &fresh)
		up, _ := cur.Load().Update(next, incLocales, nil)
		cur.Store(up)
		ps = next
	}
	close(stop)
	wg.Wait()
	if diff := sameIndex(cur.Load(), New(ps, incLocales)); diff != "" {
		t.Fatalf("after the updates, %s differs from New's", diff)
	}
}

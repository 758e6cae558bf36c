package catalog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cespare/xxhash/v2"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
)

var snapFiles = []string{"testdata/catalog.yaml", "testdata/facets.yaml", "testdata/heads.yaml", "testdata/lines.yaml", "testdata/strangers.yaml", "testdata/variants.yaml"}

// snapshotOf builds products' index and returns it with its snapshot's
// bytes.
func snapshotOf(t *testing.T, ps []concierge.Product, locales []concierge.Locale) (*Index, []byte) {
	t.Helper()
	ix, snap := NewSnapshot(ps, locales)
	var buf bytes.Buffer
	n, err := snap.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("WriteTo says %d bytes, wrote %d", n, buf.Len())
	}
	return ix, buf.Bytes()
}

// compoundShop is a catalog whose names join words that other names
// write apart ("teacup", "tea cups"; "lampshade", "lamp shade";
// "earbuds", "ear buds"), in fr, en and zh, with a group of variants: the
// test catalogs have no such names, and a snapshot stores the words
// splitCompounds gives them.
const compoundShop = `currency: EUR
products:
  - {sku: SET-6, category: cups, name: {fr: Coffret de six tasses, en: Set of six tea cups, zh: 六杯茶具套装}, price: "36.00", stock: 10, tags: [cups, porcelain]}
  - {sku: CUP-1, category: cups, name: {fr: Tasse en porcelaine Aurore, en: Aurore porcelain teacup, zh: 欧若拉瓷茶杯}, price: "8.00", stock: 40, tags: [cups, porcelain]}
  - {sku: SHADE-1, category: lighting, name: {fr: Abat-jour en lin, en: Linen lamp shade, zh: 亚麻灯罩}, price: "19.00", stock: 4, tags: [shade]}
  - {sku: SHADE-2, category: lighting, name: {fr: Abat-jour Zorbix, en: Zorbix lampshade, zh: 佐比克斯灯罩}, price: "24.00", stock: 0, tags: [shade]}
  - {sku: BUDS-1, category: audio, name: {fr: Écouteurs sans fil Pulse, en: Pulse wireless earbuds, zh: Pulse 无线耳机}, price: "49.00", stock: 7}
  - {sku: BUDS-2, category: audio, name: {fr: Écouteurs intra, en: In-ear buds for sport, zh: 运动耳机}, price: "29.00", stock: 7}
  - {sku: EAR-1, category: audio, name: {fr: Protège-oreilles, en: Ear muffs, zh: 耳罩}, price: "15.00", stock: 3}
  - {sku: TEE-S-BLUE, category: clothing, group: tee, name: {fr: T-shirt teacup bleu S, en: Blue teacup tee S, zh: 蓝色茶杯T恤 S}, price: "20.00", stock: 5, attrs: {size: S, colour: blue}}
  - {sku: TEE-M-BLUE, category: clothing, group: tee, name: {fr: T-shirt teacup bleu M, en: Blue teacup tee M, zh: 蓝色茶杯T恤 M}, price: "20.00", stock: 5, attrs: {size: M, colour: blue}}
  - {sku: TEE-M-RED, category: clothing, group: tee, name: {fr: T-shirt teacup rouge M, en: Red teacup tee M, zh: 红色茶杯T恤 M}, price: "20.00", stock: 0, attrs: {size: M, colour: red}}
`

// TestSnapshotRoundTrip checks that an index loaded from a snapshot is
// the one New builds: every structure the same, term ids included, and
// the same answers to searches, resolves, look-ups, narrowing and
// closest names in fr, en and zh, on the test catalogs as they are and
// repeated into a larger generated one.
func TestSnapshotRoundTrip(t *testing.T) {
	// stored counts what the test catalogs have of what a snapshot
	// stores besides the products' analysis, so that the test cannot pass
	// on catalogs that have none.
	var stored struct{ split, names, hanNames, vocab int }
	defer func() {
		if stored.split == 0 || stored.names == 0 || stored.hanNames == 0 || stored.vocab == 0 {
			t.Errorf("the test catalogs leave something a snapshot stores empty: %+v", stored)
		}
	}()
	compounds := filepath.Join(t.TempDir(), "compounds.yaml")
	if err := os.WriteFile(compounds, []byte(compoundShop), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range append(slices.Clone(snapFiles), compounds, "") {
		for _, n := range []int{0, 400} {
			if f == "" && n > 0 {
				continue // "": no products
			}
			t.Run(fmt.Sprintf("%s/%d", strings.TrimSuffix(filepath.Base(f), ".yaml"), n), func(t *testing.T) {
				var ps []concierge.Product
				if f != "" {
					ps = catalogtest.Load(t, f)
				}
				if n > 0 {
					ps = catalogtest.Large(t, f, n)
				}
				built, data := snapshotOf(t, ps, incLocales)
				loaded, err := Load(bytes.NewReader(data), ps, incLocales)
				if err != nil {
					t.Fatal(err)
				}
				if diff := sameIndex(loaded, built); diff != "" {
					t.Fatalf("the loaded index's %s differs from New's", diff)
				}
				for _, field := range []string{"keys", "infos", "counts"} {
					g := exported(reflect.ValueOf(loaded).Elem().FieldByName(field))
					w := exported(reflect.ValueOf(built).Elem().FieldByName(field))
					if !reflect.DeepEqual(g, w) {
						t.Fatalf("the loaded index's %s differ from New's", field)
					}
				}
				if !slices.Equal(loaded.table.numSnapshot(), built.table.numSnapshot()) {
					t.Fatal("the loaded index's nameNums keys differ from New's")
				}
				if diff := sameStored(loaded, built); diff != "" {
					t.Fatalf("the loaded index's %s", diff)
				}
				stored.split += len(built.splitDocs)
				stored.names += len(built.names)
				stored.hanNames += len(built.hanNames)
				stored.vocab += len(built.vocab.words)
				rng := rand.New(rand.NewPCG(uint64(n), 13))
				if len(ps) == 0 {
					return
				}
				if diff := sameAnswers(loaded, built, ps, rng); diff != "" {
					t.Fatal(diff)
				}
				if diff := sameNarrowing(loaded, built, ps, rng); diff != "" {
					t.Fatal(diff)
				}
			})
		}
	}
}

// sameStored compares, exactly, what Load reads from a snapshot instead
// of deriving it or lays out itself, beyond what sameIndex compares: the
// posting map's entries in their order, the words splitCompounds gave
// each product by id, the term ids of the products' terms, and the hash
// tables, every key of which must be found under its id.
func sameStored(got, want *Index) string {
	gp, wp := got.postings, want.postings
	if len(gp.entries) != len(wp.entries) || gp.live != wp.live || len(gp.slots) != len(wp.slots) {
		return fmt.Sprintf("posting map has %d entries (%d live, %d slots), want %d (%d, %d)", len(gp.entries), gp.live, len(gp.slots), len(wp.entries), wp.live, len(wp.slots))
	}
	for e := range gp.entries {
		if gp.entries[e].key != wp.entries[e].key || !slices.Equal(gp.entries[e].list, wp.entries[e].list) {
			return fmt.Sprintf("posting entry %d (%q) differs", e, wp.entries[e].key)
		}
		if k := wp.entries[e].key; !slices.Equal(gp.get(k), wp.get(k)) {
			return fmt.Sprintf("postings of %q not found", k)
		}
	}
	if !reflect.DeepEqual(got.split, want.split) || !reflect.DeepEqual(got.splitDocs, want.splitDocs) {
		return "split words differ"
	}
	for i := range want.docs {
		gi, wi := got.infos[i], want.infos[i]
		if !slices.Equal(got.docs[i].strong, want.docs[i].strong) || !slices.Equal(gi.strong, wi.strong) || !slices.Equal(gi.splitIn, wi.splitIn) || !slices.Equal(gi.structured, wi.structured) {
			return fmt.Sprintf("term ids of product %d differ", i)
		}
	}
	if !reflect.DeepEqual(got.names, want.names) || !reflect.DeepEqual(got.nameWords, want.nameWords) || !reflect.DeepEqual(got.hanNames, want.hanNames) {
		return "proper names differ"
	}
	if !reflect.DeepEqual(got.vocab, want.vocab) || !reflect.DeepEqual(got.vocabFixed, want.vocabFixed) {
		return "vocabulary differs"
	}
	sets := []struct {
		name string
		g, w *keySet
	}{{"written", got.written, want.written}, {"numKeys", got.numKeys, want.numKeys}}
	for _, s := range sets {
		if s.g.n != s.w.n || len(s.g.slots) != len(s.w.slots) {
			return fmt.Sprintf("%s set has %d keys in %d slots, want %d in %d", s.name, s.g.n, len(s.g.slots), s.w.n, len(s.w.slots))
		}
		for _, k := range s.w.keys {
			if s.g.has(k) != s.w.has(k) {
				return fmt.Sprintf("%s set: has(%q) differs", s.name, k)
			}
		}
	}
	gt, wt := got.table, want.table
	if gt.ids.n != wt.ids.n || len(gt.ids.slots) != len(wt.ids.slots) || gt.numIDs.n != wt.numIDs.n || len(gt.numIDs.slots) != len(wt.numIDs.slots) {
		return "term table's hash differs in size"
	}
	for id, k := range gt.keys {
		if got, ok := gt.ids.find(gt.seed, gt.keys, k); !ok || got != uint32(id) {
			return fmt.Sprintf("term table finds %q at %d, %v; want %d", k, got, ok, id)
		}
	}
	for id, k := range gt.numKeys {
		if got, ok := gt.numIDs.find(gt.seed, gt.numKeys, k); !ok || got != uint32(id) {
			return fmt.Sprintf("term table finds nameNums key %q at %d, %v; want %d", k, got, ok, id)
		}
	}
	return ""
}

// sameNarrowing compares Narrow, Closest and Variants on random sets of
// products and the names and attributes of some.
func sameNarrowing(got, want *Index, ps []concierge.Product, rng *rand.Rand) string {
	if len(ps) == 0 {
		return ""
	}
	for range 20 {
		var skus []concierge.SKU
		for range 1 + rng.IntN(6) {
			skus = append(skus, ps[rng.IntN(len(ps))].SKU)
		}
		p := ps[rng.IntN(len(ps))]
		texts := []string{"le bleu en 42", "the red one", "le moins cher", "欧若拉"}
		for _, n := range p.Name {
			texts = append(texts, n)
		}
		for _, v := range p.Attrs {
			texts = append(texts, v)
		}
		for _, text := range texts {
			gf, gs, gm := got.Narrow(text, skus)
			wf, ws, wm := want.Narrow(text, skus)
			if !slices.Equal(gf, wf) || !reflect.DeepEqual(gs, ws) || !slices.Equal(gm, wm) {
				return fmt.Sprintf("Narrow(%q, %v) differs", text, skus)
			}
			if g, w := got.Closest(text, skus), want.Closest(text, skus); g != w {
				return fmt.Sprintf("Closest(%q, %v) = %s, want %s", text, skus, g, w)
			}
		}
		if g, w := got.Variants(p.SKU), want.Variants(p.SKU); !slices.Equal(g, w) {
			return fmt.Sprintf("Variants(%s) = %v, want %v", p.SKU, g, w)
		}
	}
	return ""
}

// TestSnapshotStale checks that Load refuses a snapshot of other
// products or locales, and takes prices and stock from the products.
func TestSnapshotStale(t *testing.T) {
	base := catalogtest.Load(t, "testdata/variants.yaml")
	_, data := snapshotOf(t, base, incLocales)
	edit := func(fn func(ps []concierge.Product)) []concierge.Product {
		ps := slices.Clone(base)
		for i := range ps {
			ps[i].Name = cloneNames(ps[i].Name)
			ps[i].Tags = slices.Clone(ps[i].Tags)
		}
		fn(ps)
		return ps
	}
	stale := []struct {
		name    string
		ps      []concierge.Product
		locales []concierge.Locale
	}{
		{"renamed", edit(func(ps []concierge.Product) { ps[3].Name["en"] += " deluxe" }), incLocales},
		{"tag", edit(func(ps []concierge.Product) { ps[0].Tags = append(ps[0].Tags, "cosy") }), incLocales},
		{"category", edit(func(ps []concierge.Product) { ps[1].Category = "other" }), incLocales},
		{"attribute", edit(func(ps []concierge.Product) {
			ps[2].Attrs = map[string]string{"colour": "mauve"}
		}), incLocales},
		{"sku", edit(func(ps []concierge.Product) { ps[4].SKU += "X" }), incLocales},
		{"digital", edit(func(ps []concierge.Product) { ps[0].Digital = !ps[0].Digital }), incLocales},
		{"group", edit(func(ps []concierge.Product) { ps[0].Group += "2" }), incLocales},
		{"withdrawn", base[1:], incLocales},
		{"moved", edit(func(ps []concierge.Product) { ps[0], ps[1] = ps[1], ps[0] }), incLocales},
		{"locales", base, []concierge.Locale{"en", "fr", "zh"}},
		{"fewer locales", base, []concierge.Locale{"fr", "en"}},
	}
	for _, c := range stale {
		if _, err := Load(bytes.NewReader(data), c.ps, c.locales); !errors.Is(err, ErrStaleSnapshot) {
			t.Errorf("%s: Load = %v, want ErrStaleSnapshot", c.name, err)
		}
	}
	priced := edit(func(ps []concierge.Product) {
		ps[0].Price.Minor += 100
		ps[1].Stock = 0
	})
	ix, err := Load(bytes.NewReader(data), priced, incLocales)
	if err != nil {
		t.Fatalf("a change of price and stock: %v", err)
	}
	if diff := sameIndex(ix, New(priced, incLocales)); diff != "" {
		t.Errorf("after a change of price and stock, the loaded index's %s differs from New's", diff)
	}
}

// TestSnapshotCorrupt checks that every truncation of a snapshot, and a
// flipped byte anywhere in it, is an error, not a panic nor an index.
func TestSnapshotCorrupt(t *testing.T) {
	ps := catalogtest.Load(t, "testdata/catalog.yaml")
	_, data := snapshotOf(t, ps, incLocales)
	for n := range len(data) {
		if ix, err := Load(bytes.NewReader(data[:n]), ps, incLocales); err == nil || ix != nil {
			t.Fatalf("Load of the first %d of %d bytes = %v, %v; want an error", n, len(data), ix, err)
		}
	}
	if _, err := Load(bytes.NewReader(append(slices.Clone(data), 0)), ps, incLocales); err == nil {
		t.Error("Load of the snapshot and one more byte succeeded")
	}
	for at := 0; at < len(data); at += 1 + at/50 {
		bad := slices.Clone(data)
		bad[at] ^= 0x41
		if ix, err := Load(bytes.NewReader(bad), ps, incLocales); err == nil || ix != nil {
			t.Fatalf("Load with byte %d flipped = %v, %v; want an error", at, ix, err)
		}
	}
}

// TestSnapshotCorruptBody checks what a good checksum lets through: a
// body cut short or with a byte changed, checksummed again, is an error
// or an index, never a panic.
func TestSnapshotCorruptBody(t *testing.T) {
	ps := catalogtest.Load(t, "testdata/lines.yaml")
	_, data := snapshotOf(t, ps, incLocales)
	head, body := data[:16], data[16:len(data)-8]
	try := func(b []byte) {
		snap := append(slices.Clone(head), b...)
		snap = binary.LittleEndian.AppendUint64(snap, xxhash.Sum64(snap))
		if ix, err := Load(bytes.NewReader(snap), ps, incLocales); (err == nil) == (ix == nil) {
			t.Fatalf("Load = %v, %v", ix, err)
		}
	}
	for n := 0; n < len(body); n += 1 + n/40 {
		try(body[:n])
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		b := slices.Clone(body)
		b[rng.IntN(len(b))] = byte(rng.IntN(256))
		try(b)
	}
}

// TestSnapshotFile loads a snapshot from a file (read in one allocation
// of its size) and refuses it cut short by a byte.
func TestSnapshotFile(t *testing.T) {
	ps := catalogtest.Large(t, "testdata/variants.yaml", 300)
	built, data := snapshotOf(t, ps, incLocales)
	path := filepath.Join(t.TempDir(), "index")
	for _, cut := range []int{0, 1} {
		if err := os.WriteFile(path, data[:len(data)-cut], 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		ix, err := Load(f, ps, incLocales)
		f.Close()
		switch {
		case cut == 0 && err != nil:
			t.Fatal(err)
		case cut == 0:
			if diff := sameIndex(ix, built); diff != "" {
				t.Fatalf("the index loaded from a file has another %s", diff)
			}
		case err == nil || ix != nil:
			t.Fatalf("Load of a file cut short = %v, %v; want an error", ix, err)
		}
	}
}

// TestUpdateAfterLoad updates a loaded index through random changes and
// checks it against New's after each, on the test catalog and on one
// with compound words (whose split words Load reads).
func TestUpdateAfterLoad(t *testing.T) {
	compounds := filepath.Join(t.TempDir(), "compounds.yaml")
	if err := os.WriteFile(compounds, []byte(compoundShop), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"testdata/catalog.yaml", compounds} {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			pool := catalogtest.Load(t, f)
			ps := catalogtest.Large(t, f, 150)
			_, data := snapshotOf(t, ps, incLocales)
			ix, err := Load(bytes.NewReader(data), ps, incLocales)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(7, 13))
			fresh := 0
			for step := range 15 {
				next, _, desc := mutate(rng, ps, pool, &fresh)
				up, _ := ix.Update(next, incLocales, nil)
				want := New(next, incLocales)
				if diff := sameIndex(up, want); diff != "" {
					t.Fatalf("step %d (%s): the updated index's %s differs from New's", step, desc, diff)
				}
				if diff := sameAnswers(up, want, next, rng); diff != "" {
					t.Fatalf("step %d (%s): %s", step, desc, diff)
				}
				ps, ix = next, up
			}
		})
	}
}

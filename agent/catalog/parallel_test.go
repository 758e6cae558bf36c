package catalog

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
)

// withSplit builds products' index and snapshot with the analysis split
// as s says (nil: as New chooses).
func withSplit(t *testing.T, s *split, ps []concierge.Product, locales []concierge.Locale) (*Index, []byte) {
	t.Helper()
	buildSplit.Store(s)
	defer buildSplit.Store(nil)
	return snapshotOf(t, ps, locales)
}

// TestParallelBuild checks that an index whose products were analysed by
// several workers, each chunk with its own term table, is the one a
// single worker builds: the same snapshot byte for byte (term ids, the
// products' records and terms, posting lists in their order, vocabulary,
// names), every structure sameIndex and sameStored compare, and the same
// term table, on the test catalogs as they are and repeated, in several
// splits (chunks of one product, of a few, more workers than chunks).
func TestParallelBuild(t *testing.T) {
	compounds := filepath.Join(t.TempDir(), "compounds.yaml")
	if err := os.WriteFile(compounds, []byte(compoundShop), 0o600); err != nil {
		t.Fatal(err)
	}
	splits := []split{{2, 1}, {3, 7}, {2, 64}, {5, 1000}}
	for _, f := range append(slices.Clone(snapFiles), compounds, "testdata/parts.yaml", "testdata/ranges.yaml", "testdata/bounds.yaml") {
		for _, n := range []int{0, 500} {
			t.Run(fmt.Sprintf("%s/%d", strings.TrimSuffix(filepath.Base(f), ".yaml"), n), func(t *testing.T) {
				ps := catalogtest.Load(t, f)
				if n > 0 {
					ps = catalogtest.Large(t, f, n)
				}
				for _, locales := range [][]concierge.Locale{incLocales, {"en"}} {
					seq, want := withSplit(t, &split{1, len(ps)}, ps, locales)
					if _, again := withSplit(t, &split{1, len(ps)}, ps, locales); !bytes.Equal(again, want) {
						t.Fatal("two sequential builds give different snapshots: term ids follow no fixed order")
					}
					for _, s := range splits {
						par, got := withSplit(t, &s, ps, locales)
						if !bytes.Equal(got, want) {
							t.Fatalf("split %+v, locales %v: the snapshot differs from the sequential build's (%d bytes, want %d)", s, locales, len(got), len(want))
						}
						if diff := sameIndex(par, seq); diff != "" {
							t.Fatalf("split %+v: the index's %s differs", s, diff)
						}
						if diff := sameStored(par, seq); diff != "" {
							t.Fatalf("split %+v: the index's %s", s, diff)
						}
						for _, field := range []string{"keys", "infos", "counts"} {
							g := exported(reflect.ValueOf(par).Elem().FieldByName(field))
							w := exported(reflect.ValueOf(seq).Elem().FieldByName(field))
							if !reflect.DeepEqual(g, w) {
								t.Fatalf("split %+v: the index's %s differ", s, field)
							}
						}
						if !slices.Equal(par.table.numSnapshot(), seq.table.numSnapshot()) {
							t.Fatalf("split %+v: the nameNums keys differ", s)
						}
					}
				}
			})
		}
	}
}

// TestParallelBuildSplit checks how New splits a catalog: on one
// goroutine below parallelMin products or with one processor, else in
// chunksPerWorker chunks for each of GOMAXPROCS workers.
func TestParallelBuildSplit(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	if w, _ := splitFor(parallelMin - 1); w != 1 {
		t.Errorf("splitFor(%d) = %d workers, want 1", parallelMin-1, w)
	}
	if w, chunk := splitFor(1_000_000); w != 4 || chunk != 31_250 {
		t.Errorf("splitFor(1M) = %d workers, chunks of %d; want 4, 31250", w, chunk)
	}
	if w, chunk := splitFor(parallelMin); w != 4 || chunk != 1024 {
		t.Errorf("splitFor(%d) = %d workers, chunks of %d; want 4, 1024", parallelMin, w, chunk)
	}
	runtime.GOMAXPROCS(1)
	if w, _ := splitFor(1_000_000); w != 1 {
		t.Errorf("splitFor(1M) with one processor = %d workers, want 1", w)
	}
}

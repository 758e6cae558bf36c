package catalogindex_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
	"github.com/conciergehq/concierge/catalogindex"
	"github.com/conciergehq/concierge/internal/testenv"
)

// The benchmarks compare the index candidates on generated catalogs
// (catalogtest.Large: the 20 products of the test catalog in fr, en and
// zh, multiplied, each copy with its own made-up name). CATALOG_SIZES
// chooses the sizes ("1000" by default, so make bench stays short;
// "10000,100000,1000000" for the figures of docs/benchmarks.md) and
// CATALOG_ENGINES the engines ("bleve,fts5" by default). Figures are
// reported as metrics, never asserted. Run with -benchtime 1x: one import
// is one iteration and takes minutes at 1M.
//
// Memory is read from /proc/self/status (Linux): peak-rss-MiB is the
// process's peak during the import (the generated products included),
// heap-MiB the Go heap the open index keeps after a GC, rss-MiB the growth
// of the resident set while an existing index is opened and searched.
// import-cpu-s and cpu-ms/q are the CPU the process used (getrusage): on
// a shared machine they say more than wall times, which grow with the
// neighbours' load.

// engine is one candidate index behind the calls the benchmarks make.
type engine struct {
	name string
	open func(ctx context.Context, dir string) (benchIndex, error)
}

type benchIndex interface {
	Upsert(ctx context.Context, ps []concierge.Product) error
	Search(ctx context.Context, text string, limit int) ([]concierge.SKU, error)
	Close() error
}

// bleveIndex is this package's Index under the benchmarks' interface.
type bleveIndex struct{ *catalogindex.Index }

func (b bleveIndex) Search(ctx context.Context, text string, limit int) ([]concierge.SKU, error) {
	return b.Candidates(ctx, text, catalogindex.Filters{}, limit)
}

var engines = []engine{
	{"bleve", func(ctx context.Context, dir string) (benchIndex, error) {
		ix, err := catalogindex.Open(ctx, dir)
		if err != nil {
			return nil, err
		}
		return bleveIndex{ix}, nil
	}},
	{"fts5", openFTS},
}

// benchQueries are agent/catalog's benchmark queries, typos included.
var benchQueries = map[string][]string{
	"fr": {"je cherche une lampe de bureau", "abat-jour en lin", "lampe de buerau"},
	"en": {"looking for a desk lamp", "dimmable bulbs", "deks lamp"},
	"zh": {"我想买台灯", "可调光的灯泡", "欧若拉"},
}

// candidateLimit is what a consumer would ask for and score again.
const candidateLimit = 100

func envList(b *testing.B, name, def string) []string {
	s := os.Getenv(name)
	if s == "" {
		s = def
	}
	return strings.Split(s, ",")
}

func benchSizes(b *testing.B) []int {
	var out []int
	for _, f := range envList(b, "CATALOG_SIZES", "1000") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			b.Fatalf("CATALOG_SIZES: %q is not a size", f)
		}
		out = append(out, n)
	}
	return out
}

func benchEngines(b *testing.B) []engine {
	var out []engine
	for _, name := range envList(b, "CATALOG_ENGINES", "bleve,fts5") {
		i := slices.IndexFunc(engines, func(e engine) bool { return e.name == name })
		if i < 0 {
			b.Fatalf("CATALOG_ENGINES: no engine %q", name)
		}
		out = append(out, engines[i])
	}
	return out
}

// built keeps, per engine and size, a directory holding an index built by
// BenchmarkImport, so BenchmarkSearch opens it instead of importing a
// million products again. The directories go when the process ends,
// unless CATALOG_BENCH_DIR names a directory: then each index is built in
// CATALOG_BENCH_DIR/<engine>-<size> and kept, and a later BenchmarkSearch
// opens it there (BenchmarkImport always builds a new one).
var built = map[string]string{}

func TestMain(m *testing.M) {
	code := m.Run()
	if os.Getenv("CATALOG_BENCH_DIR") == "" {
		for _, dir := range built {
			os.RemoveAll(dir)
		}
	}
	os.Exit(code)
}

// benchDir returns a new directory for the index of key, and whether an
// earlier run left a complete one there (CATALOG_BENCH_DIR only).
func benchDir(b *testing.B, key string) (dir string, existing bool) {
	root := os.Getenv("CATALOG_BENCH_DIR")
	if root == "" {
		dir, err := os.MkdirTemp("", "catalogindex-bench-")
		if err != nil {
			b.Fatal(err)
		}
		return dir, false
	}
	dir = filepath.Join(root, strings.ReplaceAll(key, "/", "-"))
	if _, err := os.Stat(filepath.Join(dir, "complete")); err == nil {
		return dir, true
	}
	return dir, false
}

func BenchmarkImport(b *testing.B) {
	for _, n := range benchSizes(b) {
		var ps []concierge.Product
		for _, e := range benchEngines(b) {
			b.Run(fmt.Sprintf("%s/%d", e.name, n), func(b *testing.B) {
				if ps == nil {
					ps = catalogtest.Large(b, testCatalog, n)
				}
				for b.Loop() {
					importOnce(b, e, ps)
				}
			})
		}
	}
}

// importOnce imports ps into a new directory, reports the figures, and
// keeps the directory for BenchmarkSearch.
func importOnce(b *testing.B, e engine, ps []concierge.Product) {
	ctx := context.Background()
	b.StopTimer()
	key := fmt.Sprintf("%s/%d", e.name, len(ps))
	dir, _ := benchDir(b, key)
	if err := os.RemoveAll(dir); err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	resetPeakRSS()
	cpu0 := testenv.CPUTime()
	b.StartTimer()
	start := time.Now()
	ix, err := e.open(ctx, filepath.Join(dir, "index"))
	if err != nil {
		b.Fatal(err)
	}
	if err := ix.Upsert(ctx, ps); err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	b.StopTimer()
	cpu := testenv.CPUTime() - cpu0
	peak := procStatusMiB("VmHWM")

	// An update: a new product under a name no other has, timed from the
	// call until a search finds it.
	p := ps[0]
	p.SKU = "UPDATE-PROBE"
	p.Name = map[concierge.Locale]string{"fr": "Lampe Quetzalcoatl", "en": "Quetzalcoatl lamp"}
	t0 := time.Now()
	if err := ix.Upsert(ctx, []concierge.Product{p}); err != nil {
		b.Fatal(err)
	}
	got, err := ix.Search(ctx, "quetzalcoatl", 5)
	visible := time.Since(t0)
	if err != nil || !slices.Contains(got, "UPDATE-PROBE") {
		b.Fatalf("the update is not visible: %v, %v", got, err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if err := ix.Close(); err != nil {
		b.Fatal(err)
	}
	if old, ok := built[key]; ok && old != dir {
		os.RemoveAll(old)
	}
	built[key] = dir
	if err := os.WriteFile(filepath.Join(dir, "complete"), nil, 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(took.Seconds(), "import-s")
	b.ReportMetric(cpu.Seconds(), "import-cpu-s")
	b.ReportMetric(peak, "peak-rss-MiB")
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
	b.ReportMetric(dirMiB(b, dir), "disk-MiB")
	b.ReportMetric(float64(visible.Microseconds())/1000, "update-ms")
	b.StartTimer()
}

// BenchmarkSearch opens the index BenchmarkImport left (or imports one),
// then times CATALOG_QUERIES searches (300 by default) per language in each
// iteration, so that -benchtime 1x, which the import needs, still gives a
// p99 worth reading; ns/op is the time of those searches together.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	samples := 300
	if s := os.Getenv("CATALOG_QUERIES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("CATALOG_QUERIES: %q is not a count", s)
		}
		samples = n
	}
	for _, n := range benchSizes(b) {
		for _, e := range benchEngines(b) {
			key := fmt.Sprintf("%s/%d", e.name, n)
			b.Run(key, func(b *testing.B) {
				dir, ok := built[key]
				if !ok {
					dir, ok = benchDir(b, key)
				}
				if !ok {
					ps := catalogtest.Large(b, testCatalog, n)
					importOnce(b, e, ps)
					dir = built[key]
				}
				debug.FreeOSMemory()
				rssBefore := procStatusMiB("VmRSS")
				t0 := time.Now()
				ix, err := e.open(ctx, filepath.Join(dir, "index"))
				if err != nil {
					b.Fatal(err)
				}
				// Opened means ready to answer: a first search is part of it,
				// for a word no product has, so it times the opening and not
				// a large search.
				if _, err := ix.Search(ctx, "quetzalcoatl", 1); err != nil {
					b.Fatal(err)
				}
				openTook := time.Since(t0)
				defer ix.Close()
				for _, lang := range []string{"fr", "en", "zh"} {
					b.Run(lang, func(b *testing.B) {
						qs := benchQueries[lang]
						var times []time.Duration
						cpu0 := testenv.CPUTime()
						for b.Loop() {
							for i := range samples {
								t := time.Now()
								got, err := ix.Search(ctx, qs[i%len(qs)], candidateLimit)
								times = append(times, time.Since(t))
								if err != nil || len(got) == 0 {
									b.Fatalf("%s: %q: %v, %v", e.name, qs[i%len(qs)], got, err)
								}
							}
						}
						cpuPerQuery := (testenv.CPUTime() - cpu0) / time.Duration(len(times))
						slices.Sort(times)
						b.ReportMetric(float64(cpuPerQuery.Microseconds())/1000, "cpu-ms/q")
						b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
						b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
						b.ReportMetric(float64(openTook.Microseconds())/1000, "open-ms")
						b.ReportMetric(procStatusMiB("VmRSS")-rssBefore, "rss-MiB")
					})
				}
			})
		}
	}
}

// procStatusMiB reads a "VmXXX:  1234 kB" line of /proc/self/status; 0
// where there is none (not Linux).
func procStatusMiB(field string) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// cpuTime is the user and system CPU the process has used: on a shared
// machine the wall time of an import says as much about the neighbours as
// about the index.
// resetPeakRSS starts VmHWM again from the current RSS (Linux 4.0+).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

func dirMiB(b *testing.B, dir string) float64 {
	var size int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			size += info.Size()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return float64(size) / (1 << 20)
}

package catalog_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
)

// BenchmarkSnapshot measures a start-up from a saved index at the sizes
// of BenchmarkScale (CATALOG_SIZES): the build and the snapshot's writing
// once, then, each iteration, Load from the file (its key checked against
// the products, every product's analysis read, the index assembled). The
// figures are reported as metrics, never asserted.
func BenchmarkSnapshot(b *testing.B) {
	sizes := catalogtest.Sizes(b, 10_000, 100_000)
	locales := []concierge.Locale{"fr", "en", "zh"}
	for _, n := range sizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ps := catalogtest.Large(b, "testdata/catalog.yaml", n)
			path := filepath.Join(b.TempDir(), "index")
			c0 := cpuTime(b)
			ix, snap := catalog.NewSnapshot(ps, locales)
			buildCPU := cpuTime(b) - c0
			t0 := time.Now()
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			size, err := snap.WriteTo(f)
			if err == nil {
				err = f.Close()
			}
			if err != nil {
				b.Fatal(err)
			}
			write := time.Since(t0)
			ix, snap = nil, nil
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			var wall, cpu time.Duration
			count := 0
			for b.Loop() {
				ix = nil
				t0, c0 := time.Now(), cpuTime(b)
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				ix, err = catalog.Load(f, ps, locales)
				f.Close()
				if err != nil {
					b.Fatal(err)
				}
				wall += time.Since(t0)
				cpu += cpuTime(b) - c0
				count++
			}
			b.StopTimer()
			runtime.GC()
			runtime.ReadMemStats(&after)
			if len(ix.Search(catalog.Query{Text: "lampe de bureau", Limit: 3})) == 0 {
				b.Fatal("the loaded index finds no desk lamp")
			}
			b.ReportMetric(buildCPU.Seconds(), "build-cpu-s")
			b.ReportMetric(write.Seconds(), "write-s")
			b.ReportMetric(float64(size)/(1<<20), "file-MiB")
			b.ReportMetric(wall.Seconds()/float64(count), "load-s")
			b.ReportMetric(cpu.Seconds()/float64(count), "load-cpu-s")
			b.ReportMetric(float64(after.HeapInuse-min(after.HeapInuse, before.HeapInuse))/(1<<20), "index-MiB")
		})
	}
}

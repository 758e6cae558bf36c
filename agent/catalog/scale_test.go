package catalog_test

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
)

// BenchmarkScale measures the in-memory index at the catalog sizes it must serve:
// the time to build it, the heap it keeps, and the spread of search
// times over fr, en and zh queries. CATALOG_SIZES chooses the sizes
// ("10000,100000" by default; 1000000 needs some 5 GB here). The figures
// are reported as metrics, never asserted: docs/benchmarks.md keeps them
// with the command. INDEX_HEAPPROFILE=path writes the heap profile of
// each size's index to path.SIZE.
func BenchmarkScale(b *testing.B) {
	sizes := catalogtest.Sizes(b, 10_000, 100_000)
	for _, n := range sizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ps := catalogtest.Large(b, "testdata/catalog.yaml", n)
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			start, cpu0 := time.Now(), cpuTime(b)
			ix := catalog.New(ps, []concierge.Locale{"fr", "en", "zh"})
			build, buildCPU := time.Since(start), cpuTime(b)-cpu0
			runtime.GC()
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if path := os.Getenv("INDEX_HEAPPROFILE"); path != "" {
				writeHeapProfile(b, fmt.Sprintf("%s.%d", path, n))
			}
			var times []time.Duration
			searchCPU := cpuTime(b)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				ix.Search(catalog.Query{Text: benchQueries[i%len(benchQueries)], Limit: 10})
				times = append(times, time.Since(t0))
			}
			b.StopTimer()
			searchCPU = cpuTime(b) - searchCPU
			slices.Sort(times)
			b.ReportMetric(build.Seconds(), "build-s")
			// On a shared machine the wall times follow the neighbours;
			// the process's CPU time is what the index costs.
			b.ReportMetric(buildCPU.Seconds(), "build-cpu-s")
			b.ReportMetric(float64(searchCPU.Microseconds())/float64(len(times)), "cpu-µs/search")
			b.ReportMetric(float64(after.HeapInuse-min(after.HeapInuse, before.HeapInuse))/(1<<20), "index-MiB")
			b.ReportMetric(float64(times[len(times)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds()), "p99-µs")
			runtime.KeepAlive(ix)
		})
	}
}

// BenchmarkScaleUpdate measures Update for the text changes of the
// catalog API at the sizes of BenchmarkScale (CATALOG_SIZES): one product
// renamed, one added at the end, one withdrawn, each on the index of the
// catalog before, from the call to the index a search reads. The figures
// are reported as metrics, never asserted.
func BenchmarkScaleUpdate(b *testing.B) {
	sizes := catalogtest.Sizes(b, 10_000, 100_000)
	locales := []concierge.Locale{"fr", "en", "zh"}
	for _, n := range sizes {
		ps := catalogtest.Large(b, "testdata/catalog.yaml", n+1)
		extra := ps[n]
		ps = ps[:n:n]
		ix := catalog.New(ps, locales)
		changes := map[string]func(i int) []concierge.Product{
			"rename": func(i int) []concierge.Product {
				next := slices.Clone(ps)
				k := (i * 7919) % n
				next[k].Name = map[concierge.Locale]string{"fr": fmt.Sprintf("Lampe Orion %d", i), "en": fmt.Sprintf("Orion lamp %d", i)}
				return next
			},
			"add": func(int) []concierge.Product { return append(slices.Clone(ps), extra) },
			"delete": func(i int) []concierge.Product {
				k := (i * 7919) % n
				return slices.Delete(slices.Clone(ps), k, k+1)
			},
		}
		for _, name := range []string{"rename", "add", "delete"} {
			b.Run(fmt.Sprintf("%d/%s", n, name), func(b *testing.B) {
				var cpu time.Duration
				var wall time.Duration
				count := 0
				for i := 0; b.Loop(); i++ {
					b.StopTimer()
					next := changes[name](i)
					b.StartTimer()
					t0, c0 := time.Now(), cpuTime(b)
					up, _ := ix.Update(next, locales, nil)
					wall += time.Since(t0)
					cpu += cpuTime(b) - c0
					count++
					runtime.KeepAlive(up)
				}
				b.ReportMetric(wall.Seconds()/float64(count)*1000, "ms/update")
				b.ReportMetric(cpu.Seconds()/float64(count)*1000, "cpu-ms/update")
			})
		}
	}
}

// writeHeapProfile writes the heap profile while the index is alive
// (-test.memprofile writes it once the benchmark has let it go); set
// -test.memprofilerate=4096 for a finer one.
func writeHeapProfile(tb testing.TB, path string) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatalf("heap profile: %v", err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		tb.Fatalf("heap profile: %v", err)
	}
}

// cpuTime returns the CPU time the process has used (user and system), GC
// included.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

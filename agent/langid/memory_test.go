package langid_test

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/langid"
)

// measureEnv, when set to a comma-separated list of locales, makes the
// test binary build one Detector for them and print what it cost. lingua
// keeps its models in process-wide caches that every detector shares, so
// only a fresh process shows what building one costs.
const measureEnv = "LANGID_MEASURE_LOCALES"

// cost is what building a Detector took in a fresh process.
type cost struct {
	heapBytes uint64
	build     time.Duration
}

// measure runs this test binary again to build a Detector for locales.
func measure(t testing.TB, locales string) cost {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestMeasureChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), measureEnv+"="+locales)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("measuring %s: %v\n%s", locales, err, out)
	}
	var c cost
	for _, line := range strings.Split(string(out), "\n") {
		if _, err := fmt.Sscanf(line, "langid-cost %d %d", &c.heapBytes, &c.build); err == nil {
			return c
		}
	}
	t.Fatalf("measuring %s: no result in\n%s", locales, out)
	return c
}

// TestMeasureChild is the child side of measure; it does nothing in a
// normal run.
func TestMeasureChild(t *testing.T) {
	list := os.Getenv(measureEnv)
	if list == "" {
		t.Skip("run by measure only")
	}
	var locales []concierge.Locale
	for _, l := range strings.Split(list, ",") {
		locales = append(locales, concierge.Locale(l))
	}
	before := heapAlloc()
	start := time.Now()
	d := langid.New(locales)
	took := time.Since(start)
	after := heapAlloc()
	runtime.KeepAlive(d)
	fmt.Printf("langid-cost %d %d\n", after-before, took)
}

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// maxHeap bounds the heap a Detector for fr, en and zh holds: 40.7 MB
// when set (Chinese needs no model, see New).
const maxHeap = 60 << 20

// TestMemory measures the heap a Detector holds once built, in a fresh
// process, and fails if the sample bot's grows past maxHeap.
func TestMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds detectors in fresh processes")
	}
	c := measure(t, "fr,en,zh")
	t.Logf("fr,en,zh: heap %.1f MB after New, built in %v", float64(c.heapBytes)/1e6, c.build.Round(time.Millisecond))
	if c.heapBytes > maxHeap {
		t.Errorf("a Detector for fr,en,zh holds %.1f MB; want at most %d MB", float64(c.heapBytes)/1e6, maxHeap>>20)
	}
}

// BenchmarkNew reports the time and heap of building a Detector for the
// sample bot's locales, each in a fresh process (so the time includes
// starting it, a few milliseconds).
func BenchmarkNew(b *testing.B) {
	var heap uint64
	for b.Loop() {
		heap = measure(b, "fr,en,zh").heapBytes
	}
	b.ReportMetric(float64(heap)/1e6, "heap-MB")
}

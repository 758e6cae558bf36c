package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// bigBotFile returns the sample shop examples/maison-lumiere.yaml with its
// products repeated until there are n of them, each copy's SKU and fr and
// en names suffixed with its number, as docs/benchmarks.md's start-up
// measurements use. Everything outside catalog.products is the sample's.
func bigBotFile(tb testing.TB, n int) []byte {
	tb.Helper()
	data, err := os.ReadFile("../examples/maison-lumiere.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	s := string(data)
	start := strings.Index(s, "\n  products:\n")
	end := strings.Index(s, "\nhandoff:")
	if start < 0 || end < start {
		tb.Fatal("examples/maison-lumiere.yaml: no catalog.products before handoff")
	}
	start += len("\n  products:\n")
	blocks := strings.SplitAfter(s[start:end], "\n\n")
	var b bytes.Buffer
	b.WriteString(s[:start])
	sku := regexp.MustCompile(`(?m)^(    - sku: )(\S+)`)
	name := regexp.MustCompile(`(name: \{ fr: )([^,]+)(, en: )([^,]+),`)
	for i := 0; i < n; i++ {
		blk := blocks[i%len(blocks)]
		num := strconv.Itoa(i/len(blocks) + 1)
		blk = sku.ReplaceAllString(blk, "${1}${2}-"+num)
		blk = name.ReplaceAllString(blk, "${1}${2} "+num+"${3}${4} "+num+",")
		b.WriteString(blk)
		if !strings.HasSuffix(blk, "\n\n") {
			b.WriteString("\n")
		}
	}
	b.WriteString(s[end:])
	return b.Bytes()
}

func TestBigBotFile(t *testing.T) {
	f, err := Parse("big.yaml", bigBotFile(t, 50), getenv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(f.Catalog.Products); got != 50 {
		t.Fatalf("%d products, want 50", got)
	}
	p := f.Catalog.Products[len(f.Catalog.Products)-1]
	if !strings.HasSuffix(p.SKU, "-3") || !strings.HasSuffix(p.Name["fr"], " 3") || !strings.HasSuffix(p.Name["en"], " 3") {
		t.Errorf("last product %s %q: want its SKU and names suffixed with 3", p.SKU, p.Name)
	}
}

// BenchmarkLoadBigFile reads a generated bot file of BOT_BENCH_PRODUCTS
// products (10000 by default) from disk as serve does. With BOT_BENCH_DIR
// set the file is written there and kept, for timing serve on it.
func BenchmarkLoadBigFile(b *testing.B) {
	n := 10000
	if s := os.Getenv("BOT_BENCH_PRODUCTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatalf("BOT_BENCH_PRODUCTS: %v", err)
		}
	}
	dir := os.Getenv("BOT_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("big%d.yaml", n))
	data := bigBotFile(b, n)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		files, err := Load(path, getenv(nil))
		if err != nil {
			b.Fatal(err)
		}
		if got := len(files[0].Catalog.Products); got != n {
			b.Fatalf("%d products, want %d", got, n)
		}
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
	"github.com/conciergehq/concierge/config"
)

// BenchmarkTurns measures the agent's side of the pipeline on SQLite: b.N
// stored messages (shopper phrases over 200 conversations) handled by the
// rules brain in batches, each batch one durable transaction.
//
// CATALOG_SIZE=N replaces the sample bot's products with N generated ones
// (catalogtest.Large, the generator of agent/catalog's BenchmarkScale), so
// that runs at 1,000 and 100,000 products compare turns at catalog scale
// (issue 13). Building the bot's index is part of Open, outside the timer.
func BenchmarkTurns(b *testing.B) {
	ctx := context.Background()
	m := &Main{ConfigPath: "../../examples/maison-lumiere.yaml", DBURL: "sqlite:" + filepath.Join(b.TempDir(), "b.db"),
		Addr: "127.0.0.1:0", Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: io.Discard}
	if s := os.Getenv("CATALOG_SIZE"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("CATALOG_SIZE=%q: want a number of products", s)
		}
		if m.Files, err = config.Load(m.ConfigPath, func(string) string { return "" }); err != nil {
			b.Fatal(err)
		}
		m.Files[0].Catalog.Products = generatedProducts(b, n)
	}
	if err := m.Open(ctx); err != nil {
		b.Fatal(err)
	}
	defer m.DB.Close()
	phrases := []string{"je cherche une lampe de bureau", "a warm bedside lamp under 60 euros", "我想买台灯", "what's in my cart", "compare the first two", "bonjour"}
	evs := make([]concierge.Event, b.N)
	for i := range evs {
		evs[i] = concierge.Event{Kind: concierge.EventText, Bot: "maison-lumiere", Channel: concierge.ChannelWeb,
			Chat: concierge.ChatID(fmt.Sprintf("benchsession%06d", i%200)), DedupeKey: fmt.Sprint(i), Text: phrases[i%len(phrases)], Time: time.Now()}
	}
	for i := 0; i < len(evs); i += 500 {
		if _, err := m.DB.Ingest(ctx, evs[i:min(i+500, len(evs))]); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	cpu0 := cpuTime(b)
	done := 0
	for done < b.N {
		n, failed, err := m.DB.RunTurns(ctx, 256, m.Agent.Turn, m.Agent.Fail)
		if err != nil || failed > 0 {
			b.Fatalf("run turns: %v (%d failed)", err, failed)
		}
		done += n
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "turns/s")
	// On a shared machine wall time follows the neighbours; the
	// process's CPU time (GC included) is what the turns cost.
	b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/turn")
}

// cpuTime returns the CPU time the process has used (user and system).
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// generatedProducts returns n products of catalogtest.Large as a bot
// file's products.
func generatedProducts(tb testing.TB, n int) []config.Product {
	out := make([]config.Product, 0, n)
	for _, p := range catalogtest.Large(tb, "../../agent/catalog/testdata/catalog.yaml", n) {
		out = append(out, config.Product{
			SKU: string(p.SKU), Name: localeStrings(p.Name), Description: localeStrings(p.Description),
			Category: p.Category, Price: fmt.Sprintf("%d.%02d", p.Price.Minor/100, p.Price.Minor%100),
			Stock: p.Stock, Tags: p.Tags, Digital: p.Digital, Attrs: p.Attrs, Group: p.Group,
		})
	}
	return out
}

func localeStrings(m map[concierge.Locale]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[string(k)] = v
	}
	return out
}

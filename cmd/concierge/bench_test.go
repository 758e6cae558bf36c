package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

// BenchmarkTurns measures the agent's side of the pipeline on SQLite: b.N
// stored messages (shopper phrases over 200 conversations) handled by the
// rules brain in batches, each batch one durable transaction.
func BenchmarkTurns(b *testing.B) {
	ctx := context.Background()
	m := &Main{ConfigPath: "../../examples/maison-lumiere.yaml", DBURL: "sqlite:" + filepath.Join(b.TempDir(), "b.db"),
		Addr: "127.0.0.1:0", Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: io.Discard}
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
	done := 0
	for done < b.N {
		n, failed, err := m.DB.RunTurns(ctx, 256, m.Agent.Turn, m.Agent.Fail)
		if err != nil || failed > 0 {
			b.Fatalf("run turns: %v (%d failed)", err, failed)
		}
		done += n
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "turns/s")
}

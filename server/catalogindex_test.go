package server

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
)

func indexTestBot() *concierge.Bot {
	return &concierge.Bot{ID: "lamps", Locales: []concierge.Locale{"fr", "en"}, Products: []concierge.Product{
		{SKU: "L1", Name: map[concierge.Locale]string{"fr": "Lampe de bureau Orion", "en": "Orion desk lamp"}, Category: "lampes", Price: concierge.Money{Minor: 4900, Currency: "EUR"}, Stock: 3},
		{SKU: "L2", Name: map[concierge.Locale]string{"fr": "Ampoule à filament", "en": "Filament bulb"}, Category: "ampoules", Tags: []string{"vintage"}, Price: concierge.Money{Minor: 900, Currency: "EUR"}, Stock: 10},
	}}
}

// startIndex runs catalogIndex as a fresh server would, and returns the
// index and what it logged.
func startIndex(t *testing.T, dir string, bot *concierge.Bot) (*catalog.Index, string) {
	t.Helper()
	var log bytes.Buffer
	m := &Main{IndexDir: dir, Log: slog.New(slog.NewTextHandler(&log, nil))}
	ix := m.catalogIndex(bot)
	if ix == nil {
		t.Fatal("no index")
	}
	return ix, log.String()
}

func TestCatalogIndexSavedAndLoaded(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "c.db-index")
	bot := indexTestBot()
	path := filepath.Join(dir, "lamps.index")
	q := catalog.Query{Text: "lampe de bureau", Limit: 5}

	built, log := startIndex(t, dir, bot)
	if !strings.Contains(log, "built and saved") {
		t.Fatalf("first start: %s", log)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	loaded, log := startIndex(t, dir, bot)
	if !strings.Contains(log, "catalog index loaded") {
		t.Fatalf("second start: %s", log)
	}
	if g, w := loaded.Search(q), built.Search(q); len(w) == 0 || !slices.Equal(g, w) {
		t.Fatalf("loaded index finds %v, built one %v", g, w)
	}

	// A truncated file is built again, with a warning, and saved whole.
	data, _ := os.ReadFile(path)
	if err := os.WriteFile(path, data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, log = startIndex(t, dir, bot); !strings.Contains(log, "cannot load") || !strings.Contains(log, "built and saved") {
		t.Fatalf("truncated: %s", log)
	}
	if _, log = startIndex(t, dir, bot); !strings.Contains(log, "catalog index loaded") {
		t.Fatalf("after the truncated one was replaced: %s", log)
	}

	// A renamed product makes the saved index out of date.
	renamed := indexTestBot()
	renamed.Products[1].Name = map[concierge.Locale]string{"fr": "Ampoule LED", "en": "LED bulb"}
	ix, log := startIndex(t, dir, renamed)
	if !strings.Contains(log, "out of date") || !strings.Contains(log, "built and saved") {
		t.Fatalf("renamed: %s", log)
	}
	if hits := ix.Search(catalog.Query{Text: "LED"}); len(hits) != 1 || hits[0].SKU != "L2" {
		t.Fatalf("the renamed product is not found: %v", hits)
	}

	// Another executable's index is not used.
	data, _ = os.ReadFile(path)
	data[len(indexMagic)] ^= 1
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, log = startIndex(t, dir, renamed); !strings.Contains(log, "another build") {
		t.Fatalf("another build: %s", log)
	}
}

// TestCatalogIndexUnwritable checks that a folder that cannot be made
// is a warning, not a failed start.
func TestCatalogIndexUnwritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ix, log := startIndex(t, filepath.Join(file, "index"), indexTestBot())
	if !strings.Contains(log, "cannot save") {
		t.Fatalf("log: %s", log)
	}
	if len(ix.Search(catalog.Query{Text: "Orion"})) == 0 {
		t.Fatal("the index finds nothing")
	}
}

func TestDefaultIndexDir(t *testing.T) {
	for url, want := range map[string]string{
		"sqlite:concierge.db":              "concierge.db-index",
		"sqlite:/var/lib/c/shop.db":        "/var/lib/c/shop.db-index",
		"sqlite:a.db?_pragma=foo":          "a.db-index",
		"sqlite::memory:":                  "",
		"postgres://u@localhost/concierge": "",
	} {
		if got := DefaultIndexDir(url); got != want {
			t.Errorf("DefaultIndexDir(%q) = %q, want %q", url, got, want)
		}
	}
}

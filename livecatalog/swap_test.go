package livecatalog_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/agent/catalog"
)

// twoFeeds are two versions of one feed with no SKU in common: a reader
// that saw part of each would find SKUs of both.
func twoFeeds() (a, b string) {
	pa, pb := map[string]string{}, map[string]string{}
	for i := range 40 {
		pa[fmt.Sprintf("A-%02d", i)] = "10.00"
		pb[fmt.Sprintf("B-%02d", i)] = "20.00"
	}
	return acpFeed(pa), acpFeed(pb)
}

// TestSwapIsAtomic refreshes a feed that alternates between two versions
// while customers search the shop: every search reads one whole catalog
// (its index and its products agree, all of one version), and the race
// detector sees no unsynchronised access (run with -race).
func TestSwapIsAtomic(t *testing.T) {
	ctx := context.Background()
	fa, fb := twoFeeds()
	fs := newFeedServer(t, fa, `"a"`)
	bot := &concierge.Bot{ID: "shop", Locales: []concierge.Locale{"en", "fr"}, Currency: "EUR"}
	shop, err := agent.NewShop(bot, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := remoteCatalog(fs.URL, shop, nil, 0, nil)
	if err := c.Load(ctx); err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	var searches atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := shop.Current()
				hits := s.Catalog.Search(catalog.Query{Text: "lamp"})
				var version string
				for _, h := range hits {
					p := s.Bot.Product(h.SKU)
					if p == nil {
						t.Errorf("hit %s is not in the same snapshot's products", h.SKU)
						return
					}
					v, _, _ := strings.Cut(string(h.SKU), "-")
					if version != "" && v != version {
						t.Errorf("one search found SKUs of two feed versions: %s and %s", version, v)
						return
					}
					version = v
				}
				if len(hits) != 40 {
					t.Errorf("a search found %d lamps, want 40", len(hits))
					return
				}
				searches.Add(1)
			}
		})
	}
	for i := range 30 {
		body, etag := fb, `"b"`
		if i%2 == 1 {
			body, etag = fa, `"a"`
		}
		fs.set(body, etag, "")
		if err := c.RefreshAll(ctx); err != nil {
			t.Error(err)
			break
		}
	}
	close(stop)
	wg.Wait()
	if searches.Load() == 0 {
		t.Fatal("no search ran during the refreshes")
	}
	// 30 refreshes, the last to version A.
	if s := shop.Current(); s.Bot.Product("A-00") == nil || s.Bot.Product("B-00") != nil {
		t.Fatalf("final catalog: %d products", len(s.Bot.Products))
	}
}

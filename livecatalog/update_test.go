package livecatalog_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/catalogfeed"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/livecatalog"
	"github.com/conciergehq/concierge/store"
)

// eachStore runs fn against SQLite and PostgreSQL with a function that
// opens another handle on the same database: another replica.
func eachStore(t *testing.T, fn func(t *testing.T, open func() *store.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		url := "sqlite:" + filepath.Join(t.TempDir(), "shop.db")
		fn(t, func() *store.DB { return openStore(t, url) })
	})
	t.Run("postgres", func(t *testing.T) {
		url := testenv.PostgresURL(t)
		fn(t, func() *store.DB { return openStore(t, url) })
	})
}

func openStore(t testing.TB, url string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func fileProduct(sku, name string, price int64, stock int) catalogfeed.Item {
	return catalogfeed.Item{Product: concierge.Product{SKU: concierge.SKU(sku), Name: map[concierge.Locale]string{"en": name},
		Price: concierge.Money{Minor: price, Currency: "EUR"}, Stock: stock, Tags: []string{"kitchen"}}, Fields: catalogfeed.AllFields}
}

// replica is one server's view of the shop: its catalog and the shop
// its customers search.
type replica struct {
	cat  *livecatalog.Catalog
	shop *agent.Shop
}

func newReplica(t *testing.T, db *store.DB) *replica {
	t.Helper()
	items := []catalogfeed.Item{fileProduct("MUG-01", "Blue mug", 900, 5), fileProduct("POT-01", "Tea pot", 2500, 2)}
	// The shop starts with the bot file's products, as cmd builds it.
	bot := &concierge.Bot{ID: "shop", Locales: []concierge.Locale{"en", "fr"}, Currency: "EUR",
		Products: []concierge.Product{items[0].Product, items[1].Product}}
	shop, err := agent.NewShop(bot, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := livecatalog.New(livecatalog.Config{
		Bot: "shop", Currency: "EUR", Locales: bot.Locales, Sink: shop, Store: db,
		Layers: []livecatalog.Layer{{Name: "catalog.products", Items: items}},
	})
	if err := c.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &replica{cat: c, shop: shop}
}

// found returns the price of the first product a search for text finds on
// r right now, or -1.
func (r *replica) found(text string) int64 {
	s := r.shop.Current()
	hits := s.Catalog.Search(catalog.Query{Text: text})
	if len(hits) == 0 {
		return -1
	}
	return s.Bot.Product(hits[0].SKU).Price.Minor
}

func ptr[T any](v T) *T { return &v }

func eur(minor int64) *concierge.Money { return &concierge.Money{Minor: minor, Currency: "EUR"} }

// TestUpsertVisibleAtOnceAndKept: an update is what the next search sees
// on the replica that made it; it survives a restart and another replica
// sees it; the live stock is the count given less open orders'
// reservations.
func TestUpsertVisibleAtOnceAndKept(t *testing.T) {
	eachStore(t, func(t *testing.T, open func() *store.DB) {
		ctx := context.Background()
		dbA, dbB := open(), open()
		a, b := newReplica(t, dbA), newReplica(t, dbB)
		if got := a.found("mug"); got != 900 {
			t.Fatalf("before: mug %d", got)
		}
		// An open order holds 2 mugs.
		reserveMugs(t, dbA, 2)

		err := a.cat.Upsert(ctx, []livecatalog.Update{
			{SKU: "MUG-01", Price: eur(750), Stock: ptr(10)},
			{SKU: "CUP-09", Name: map[concierge.Locale]string{"en": "Green cup", "fr": "Tasse verte"}, Price: eur(400), Stock: ptr(3)},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := a.found("mug"); got != 750 {
			t.Fatalf("the search after the update found the mug at %d, want 750", got)
		}
		if got := a.found("green cup"); got != 400 {
			t.Fatalf("the new product: %d", got)
		}
		levels, err := dbA.StockLevels(ctx, "shop")
		if err != nil {
			t.Fatal(err)
		}
		if levels["MUG-01"] != 8 || levels["CUP-09"] != 3 {
			t.Fatalf("live stock %v: want MUG-01 10-2 reserved = 8, CUP-09 3", levels)
		}

		// The other replica: not before it looks, at once after.
		if got := b.found("mug"); got != 900 {
			t.Fatalf("replica B saw the change before syncing: %d", got)
		}
		if err := b.cat.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if got := b.found("mug"); got != 750 || b.found("green cup") != 400 {
			t.Fatalf("replica B after sync: mug %d", got)
		}

		// A patch of one field keeps the earlier ones.
		if err := b.cat.Upsert(ctx, []livecatalog.Update{{SKU: "MUG-01", Stock: ptr(1)}}); err != nil {
			t.Fatal(err)
		}
		if err := a.cat.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if got := a.found("mug"); got != 750 {
			t.Fatalf("a stock patch lost the price: %d", got)
		}

		// A restart: a new catalog on a new handle reads the changes.
		c := newReplica(t, open())
		if got := c.found("mug"); got != 750 || c.found("green cup") != 400 {
			t.Fatalf("after restart: mug %d", got)
		}
	})
}

// reserveMugs places an open order of n mugs, as checkout does.
func reserveMugs(t *testing.T, db *store.DB, n int) {
	t.Helper()
	ctx := context.Background()
	res, err := db.Ingest(ctx, []concierge.Event{{Bot: "shop", Channel: concierge.ChannelWeb, Chat: "c1", User: "c1", Kind: concierge.EventText, DedupeKey: "k1", Text: "hi", Time: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		return tx.CreateOrder(ctx, &concierge.Order{ID: "O1", Bot: "shop", Conversation: res[0].Conversation, State: concierge.OrderPending,
			Lines: []concierge.OrderLine{{SKU: "MUG-01", Quantity: n, Unit: concierge.Money{Minor: 900, Currency: "EUR"}}},
			Total: concierge.Money{Minor: 900 * int64(n), Currency: "EUR"}, CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBadBatchChangesNothing: one bad row refuses the whole batch, says
// which, and neither the catalog nor the store changes.
func TestBadBatchChangesNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, open func() *store.DB) {
		ctx := context.Background()
		db := open()
		r := newReplica(t, db)
		good := livecatalog.Update{SKU: "MUG-01", Price: eur(100), Stock: ptr(50)}
		for _, tc := range []struct {
			name  string
			bad   livecatalog.Update
			field string
		}{
			{"currency", livecatalog.Update{SKU: "POT-01", Price: &concierge.Money{Minor: 100, Currency: "USD"}}, "price"},
			{"negative stock", livecatalog.Update{SKU: "POT-01", Stock: ptr(-1)}, "stock"},
			{"bad sku", livecatalog.Update{SKU: "no spaces please", Stock: ptr(1)}, "sku"},
			{"unknown locale", livecatalog.Update{SKU: "POT-01", Name: map[concierge.Locale]string{"de": "Teekanne"}}, "name"},
			{"new product without a price", livecatalog.Update{SKU: "NEW-01", Name: map[concierge.Locale]string{"en": "New"}}, ""},
			{"nothing", livecatalog.Update{SKU: "POT-01"}, ""},
			{"same sku twice", livecatalog.Update{SKU: "MUG-01", Stock: ptr(1)}, "sku"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := r.cat.Upsert(ctx, []livecatalog.Update{good, tc.bad})
				var re *livecatalog.RowError
				if !errors.As(err, &re) || re.Row != 2 || re.Field != tc.field {
					t.Fatalf("got %v, want a RowError at row 2, field %q", err, tc.field)
				}
			})
		}
		if got := r.found("mug"); got != 900 {
			t.Fatalf("the mug costs %d after refused batches", got)
		}
		changes, _, err := db.CatalogChanges(ctx, "shop", 0)
		if err != nil || len(changes) != 0 {
			t.Fatalf("the store holds %d changes (%v)", len(changes), err)
		}
		levels, _ := db.StockLevels(ctx, "shop")
		if levels["MUG-01"] != 5 {
			t.Fatalf("stock %v", levels)
		}
	})
}

// TestDelete: a deleted product leaves every search until an update brings
// it back; deleting what is not there is ErrNotFound.
func TestDelete(t *testing.T) {
	eachStore(t, func(t *testing.T, open func() *store.DB) {
		ctx := context.Background()
		r := newReplica(t, open())
		if err := r.cat.Delete(ctx, "MUG-01"); err != nil {
			t.Fatal(err)
		}
		if got := r.found("mug"); got != -1 {
			t.Fatalf("the deleted mug is still found (%d)", got)
		}
		for _, sku := range []concierge.SKU{"MUG-01", "NOPE-1"} {
			if err := r.cat.Delete(ctx, sku); !errors.Is(err, livecatalog.ErrNotFound) {
				t.Fatalf("delete %s: %v, want ErrNotFound", sku, err)
			}
		}
		if err := r.cat.Upsert(ctx, []livecatalog.Update{{SKU: "MUG-01", Price: eur(990)}}); err != nil {
			t.Fatal(err)
		}
		if got := r.found("mug"); got != 990 {
			t.Fatalf("the mug is back at %d, want 990", got)
		}
	})
}

// TestReplicaPollsChanges: a replica running Run applies a change made on
// another within its poll interval, without being asked.
func TestReplicaPollsChanges(t *testing.T) {
	eachStore(t, func(t *testing.T, open func() *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		a := newReplica(t, open())
		dbB := open()
		sink := newSink()
		b := livecatalog.New(livecatalog.Config{Bot: "shop", Currency: "EUR", Locales: []concierge.Locale{"en"}, Sink: sink, Store: dbB,
			Poll:   20 * time.Millisecond,
			Layers: []livecatalog.Layer{{Items: []catalogfeed.Item{fileProduct("MUG-01", "Blue mug", 900, 5)}}}})
		if err := b.Load(ctx); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Go(func() { b.Run(ctx) })
		defer wg.Wait()
		defer cancel()
		if err := a.cat.Upsert(ctx, []livecatalog.Update{{SKU: "MUG-01", Price: eur(810)}}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-sink.ch:
		case <-time.After(5 * time.Second):
			t.Fatal("replica B did not apply the change")
		}
		if _, ps := sink.state(); price(ps, "MUG-01") != 810 {
			t.Fatalf("replica B: %+v", ps)
		}
	})
}

// TestUpdatesWhileSearching: customers search while updates arrive; each
// search reads one whole catalog and the race detector is quiet (-race).
func TestUpdatesWhileSearching(t *testing.T) {
	ctx := context.Background()
	db := openStore(t, "sqlite:"+filepath.Join(t.TempDir(), "shop.db"))
	r := newReplica(t, db)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := r.shop.Current()
				for _, h := range s.Catalog.Search(catalog.Query{Text: "mug"}) {
					if s.Bot.Product(h.SKU) == nil {
						t.Errorf("hit %s is not in its snapshot's products", h.SKU)
						return
					}
				}
			}
		})
	}
	for i := range 20 {
		err := r.cat.Upsert(ctx, []livecatalog.Update{{SKU: "MUG-01", Price: eur(int64(1000 + i))},
			{SKU: concierge.SKU(fmt.Sprintf("MUG-%02d", i+10)), Name: map[concierge.Locale]string{"en": "Mug " + fmt.Sprint(i)}, Price: eur(500)}})
		if err != nil {
			t.Error(err)
			break
		}
	}
	close(stop)
	wg.Wait()
	if s := r.shop.Current(); s.Bot.Product("MUG-01").Price.Minor != 1019 || len(s.Bot.Products) != 22 {
		t.Fatalf("final: %d products, mug at %d", len(s.Bot.Products), s.Bot.Product("MUG-01").Price.Minor)
	}
}

// TestConcurrentPatchesMerge: two replicas patch different fields of one
// product at the same time; the store merges each patch into the row
// under the bot's lock, so neither is lost.
func TestConcurrentPatchesMerge(t *testing.T) {
	eachStore(t, func(t *testing.T, open func() *store.DB) {
		ctx := context.Background()
		a, b := newReplica(t, open()), newReplica(t, open())
		const rounds = 15
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := range rounds {
				if err := a.cat.Upsert(ctx, []livecatalog.Update{{SKU: "MUG-01", Price: eur(int64(1000 + i))}}); err != nil {
					t.Error(err)
					return
				}
			}
		})
		wg.Go(func() {
			for i := range rounds {
				if err := b.cat.Upsert(ctx, []livecatalog.Update{{SKU: "MUG-01", Tags: []string{fmt.Sprint("tag", i)}}}); err != nil {
					t.Error(err)
					return
				}
			}
		})
		wg.Wait()
		c := newReplica(t, open())
		p := c.shop.Current().Bot.Product("MUG-01")
		if p.Price.Minor != 1000+rounds-1 || len(p.Tags) != 1 || p.Tags[0] != fmt.Sprint("tag", rounds-1) {
			t.Fatalf("after concurrent patches: price %d, tags %v; want both last patches", p.Price.Minor, p.Tags)
		}
	})
}

// TestUpsertGroup: the API's group makes products variants of one
// product, for the next search and after a restart; a later patch of
// the stock keeps the group.
func TestUpsertGroup(t *testing.T) {
	eachStore(t, func(t *testing.T, open func() *store.DB) {
		ctx := context.Background()
		db := open()
		a := newReplica(t, db)
		name := map[concierge.Locale]string{"en": "Trail shoe"}
		err := a.cat.Upsert(ctx, []livecatalog.Update{
			{SKU: "SHOE-41", Name: name, Price: eur(8900), Stock: ptr(2), Group: ptr("SHOE"), Attrs: map[string]string{"size": "41"}},
			{SKU: "SHOE-42", Name: name, Price: eur(8900), Stock: ptr(3), Group: ptr(" SHOE "), Attrs: map[string]string{"size": "42"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.cat.Upsert(ctx, []livecatalog.Update{{SKU: "SHOE-42", Stock: ptr(7)}}); err != nil {
			t.Fatal(err)
		}
		for _, r := range []*replica{a, newReplica(t, open())} {
			s := r.shop.Current()
			if got := s.Catalog.Variants("SHOE-41"); len(got) != 2 || got[1] != "SHOE-42" {
				t.Fatalf("variants of SHOE-41: %v", got)
			}
			if got := s.Catalog.Variants("MUG-01"); got != nil {
				t.Errorf("a product without a group has variants: %v", got)
			}
		}
	})
}

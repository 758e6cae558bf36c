package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

func addPerson(t *testing.T, db *store.DB, name string, role concierge.Role) *concierge.Person {
	t.Helper()
	p := &concierge.Person{Name: name, Role: role, Bots: []concierge.BotID{concierge.AllBots}, Capacity: 5, PasswordHash: "x"}
	if err := db.AddInboxUser(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSellerLinkCodes: a code is found by its hash only, used once, not
// after it expired, and a newer code for the same person replaces an
// unused older one.
func TestSellerLinkCodes(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.UnixMilli(1800000000000).UTC()
		db.SetClock(func() time.Time { return now })
		alice := addPerson(t, db, "alice", concierge.RoleSupervisor)
		add := func(hash string) {
			t.Helper()
			if err := db.CreateLinkCode(ctx, concierge.LinkCode{Hash: hash, Person: alice.ID, Channel: concierge.ChannelTelegram, ExpiresAt: now.Add(10 * time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}
		use := func(hash string) (bool, error) {
			var ok bool
			err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				ok, err = tx.UseLinkCode(ctx, hash)
				return err
			})
			return ok, err
		}
		add("h1")
		add("h2") // replaces h1, unused
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.LinkCode(ctx, "h1")
			return err
		})
		if !errors.Is(err, concierge.ErrNotFound) {
			t.Fatalf("the older unused code: %v; want not found", err)
		}
		if ok, err := use("h2"); !ok || err != nil {
			t.Fatalf("first use: %v, %v", ok, err)
		}
		if ok, err := use("h2"); ok || err != nil {
			t.Fatalf("second use: %v, %v; want refused", ok, err)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			c, err := tx.LinkCode(ctx, "h2")
			if err == nil && (c.UsedAt.IsZero() || c.Person != alice.ID || c.Channel != concierge.ChannelTelegram) {
				t.Errorf("used code %+v", c)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		add("h3")
		now = now.Add(10 * time.Minute)
		if ok, err := use("h3"); ok || err != nil {
			t.Fatalf("use at expiry: %v, %v; want refused", ok, err)
		}
	})
}

// TestSellerLinksAndRemoval: one chat per person, a new link replaces
// the old one, and removing the person from the inbox unlinks them in
// the same transaction, codes, settings and pending changes included.
func TestSellerLinksAndRemoval(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		alice := addPerson(t, db, "alice", concierge.RoleSupervisor)
		bob := addPerson(t, db, "bob", concierge.RoleAgent)
		convs := conversations(t, db, "shop", "a1", "a2", "b1")
		link := func(p *concierge.Person, chat string, conv concierge.ConversationID) {
			t.Helper()
			err := db.InTx(ctx, func(tx *store.Tx) error {
				return tx.LinkChat(ctx, concierge.SellerLink{Person: p.ID, Bot: "shop", Channel: concierge.ChannelWeb, Chat: concierge.ChatID(chat), Conversation: conv})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		of := func(chat string) *concierge.SellerLink {
			t.Helper()
			var l *concierge.SellerLink
			if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
				l, err = tx.SellerLinkOf(ctx, "shop", concierge.ChannelWeb, concierge.ChatID(chat))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return l
		}
		link(alice, "a1", convs[0])
		link(alice, "a2", convs[1]) // replaces a1
		link(bob, "b1", convs[2])
		if of("a1") != nil {
			t.Error("alice's first chat is still linked after she linked another")
		}
		if l := of("a2"); l == nil || l.Name != "alice" || l.Conversation != convs[1] {
			t.Errorf("link of a2: %+v", l)
		}
		// The shop her commands apply to is kept with the link, and a
		// new link starts without one.
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.SetSellerShop(ctx, alice.ID, "other") }); err != nil {
			t.Fatal(err)
		}
		if l := of("a2"); l.Shop != "other" {
			t.Errorf("shop of a2: %q; want other", l.Shop)
		}
		link(alice, "a2", convs[1])
		if l := of("a2"); l.Shop != "" {
			t.Errorf("shop after linking again: %q; want none", l.Shop)
		}
		if err := db.SetPushesOff(ctx, "alice", []string{"stock", "payment"}); err != nil {
			t.Fatal(err)
		}
		if off, err := db.PushesOff(ctx, "alice"); err != nil || len(off) != 2 || off[0] != "stock" {
			t.Errorf("pushes off: %v, %v", off, err)
		}
		if l := of("a2"); len(l.PushesOff) != 2 {
			t.Errorf("link's pushes off: %v", l.PushesOff)
		}
		var change concierge.SellerChange
		err := db.InTx(ctx, func(tx *store.Tx) error {
			change = concierge.SellerChange{Person: alice.ID, Bot: "shop", Conversation: convs[1], Locale: "en", Action: "set_stock",
				Target: "LAMP", Before: "1", After: "2", Args: "{}", ExpiresAt: tx.Now().Add(time.Hour)}
			return tx.AddSellerChange(ctx, &change)
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RemoveInboxUser(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		if of("a2") != nil {
			t.Error("a removed person's chat is still linked")
		}
		if of("b1") == nil {
			t.Error("removing alice unlinked bob")
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			c, err := tx.SellerChange(ctx, change.ID)
			if err == nil && c.State != concierge.ChangeCancelled {
				t.Errorf("a removed person's pending change is %s; want cancelled", c.State)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if linked, err := db.Unlink(ctx, "bob"); !linked || err != nil {
			t.Errorf("unlink bob: %v, %v", linked, err)
		}
		if linked, err := db.Unlink(ctx, "bob"); linked || err != nil {
			t.Errorf("unlink bob again: %v, %v", linked, err)
		}
		if _, err := db.Unlink(ctx, "nobody"); !errors.Is(err, concierge.ErrNotFound) {
			t.Errorf("unlink nobody: %v", err)
		}
	})
}

// TestSellerChangesOnce: a change is confirmed once (a second press
// changes nothing), not after it expired, not by someone else; a
// confirmed change is claimed by one worker at a time and finished once.
func TestSellerChangesOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.UnixMilli(1800000000000).UTC()
		db.SetClock(func() time.Time { return now })
		alice := addPerson(t, db, "alice", concierge.RoleSupervisor)
		convs := conversations(t, db, "shop", "a1")
		add := func() int64 {
			t.Helper()
			c := concierge.SellerChange{Person: alice.ID, Bot: "shop", Conversation: convs[0], Locale: "en", Action: "set_stock",
				Target: "LAMP", Before: "1", After: "2", Args: `{"sku":"LAMP","n":2}`, ExpiresAt: now.Add(10 * time.Minute)}
			if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.AddSellerChange(ctx, &c) }); err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		decide := func(id, person int64, state string) bool {
			t.Helper()
			var ok bool
			if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
				ok, err = tx.DecideSellerChange(ctx, id, person, state)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return ok
		}
		a := add()
		if decide(a, alice.ID+1, concierge.ChangeConfirmed) {
			t.Error("someone else confirmed alice's change")
		}
		if !decide(a, alice.ID, concierge.ChangeConfirmed) {
			t.Fatal("first confirmation refused")
		}
		if decide(a, alice.ID, concierge.ChangeConfirmed) || decide(a, alice.ID, concierge.ChangeCancelled) {
			t.Error("a second press changed a confirmed change")
		}
		b := add()
		now = now.Add(10 * time.Minute)
		if decide(b, alice.ID, concierge.ChangeConfirmed) {
			t.Error("an expired change was confirmed")
		}
		got, err := db.ClaimSellerChanges(ctx, 10, time.Minute)
		if err != nil || len(got) != 1 || got[0].ID != a || got[0].Args != `{"sku":"LAMP","n":2}` {
			t.Fatalf("claim: %+v, %v; want change %d", got, err, a)
		}
		if again, err := db.ClaimSellerChanges(ctx, 10, time.Minute); err != nil || len(again) != 0 {
			t.Fatalf("claim during the lease: %+v, %v; want none", again, err)
		}
		now = now.Add(time.Minute + time.Millisecond)
		if again, err := db.ClaimSellerChanges(ctx, 10, time.Minute); err != nil || len(again) != 1 {
			t.Fatalf("claim after the lease: %+v, %v; want it again", again, err)
		}
		finish := func() bool {
			var ok bool
			if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
				ok, err = tx.FinishSellerChange(ctx, a, concierge.ChangeApplied, "")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !finish() || finish() {
			t.Error("a change was not finished exactly once")
		}
	})
}

// TestSetStockAndAudit: a stock is set, never below zero, returning the
// count before; the audit log keeps entries newest first.
func TestSetStockAndAudit(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.SeedStock(ctx, "shop", []concierge.Product{{SKU: "LAMP", Stock: 4}}); err != nil {
			t.Fatal(err)
		}
		set := func(sku concierge.SKU, n int) (int, error) {
			var before int
			err := db.InTx(ctx, func(tx *store.Tx) (err error) {
				before, err = tx.SetStock(ctx, "shop", sku, n)
				return err
			})
			return before, err
		}
		if before, err := set("LAMP", 9); before != 4 || err != nil {
			t.Fatalf("set: %d, %v", before, err)
		}
		if _, err := set("LAMP", -1); concierge.ErrorCode(err) != concierge.CodeInvalid {
			t.Fatalf("set below zero: %v; want invalid", err)
		}
		if before, err := set("NEW", 2); before != 0 || err != nil {
			t.Fatalf("set a product without a row: %d, %v", before, err)
		}
		levels, err := db.StockLevels(ctx, "shop")
		if err != nil || levels["LAMP"] != 9 || levels["NEW"] != 2 {
			t.Fatalf("levels %v, %v", levels, err)
		}
		for _, e := range []concierge.AuditEntry{
			{Person: "alice", Bot: "shop", Action: "set_stock", Target: "LAMP", Before: "4", After: "9", Via: "telegram"},
			{Person: "bob", Bot: "shop", Action: "hand_back", Target: "conversation 3", Before: "waiting", After: "bot", Via: "web"},
		} {
			if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.RecordAudit(ctx, e) }); err != nil {
				t.Fatal(err)
			}
		}
		es, err := db.AuditLog(ctx, 10)
		if err != nil || len(es) != 2 || es[0].Person != "bob" || es[1].Before != "4" || es[1].After != "9" || es[1].Via != "telegram" || es[1].At.IsZero() {
			t.Fatalf("audit log %+v, %v", es, err)
		}
	})
}

// TestSellerNews: the first pass starts where each source stands; later
// passes read what came after the mark, which moves once (a racing pass
// is refused); a product is news once each time it runs out.
func TestSellerNews(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		handOff(t, db, "old", "k-old") // before the first pass: history
		var mark int64
		err := db.InTx(ctx, func(tx *store.Tx) error {
			m, had, err := tx.PushMark(ctx, concierge.NewsHandoff)
			if err != nil || had || m == 0 {
				t.Errorf("first mark %d, %v, %v; want the latest hand-off, not stored", m, had, err)
			}
			ok, err := tx.MovePushMark(ctx, concierge.NewsHandoff, m, false, m)
			if !ok || err != nil {
				t.Errorf("store the first mark: %v, %v", ok, err)
			}
			mark = m
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		c := handOff(t, db, "new", "k-new")
		err = db.InTx(ctx, func(tx *store.Tx) error {
			m, had, err := tx.PushMark(ctx, concierge.NewsHandoff)
			if err != nil || !had || m != mark {
				t.Errorf("stored mark %d, %v, %v; want %d", m, had, err, mark)
			}
			ns, err := tx.NewsAfter(ctx, concierge.NewsHandoff, m, 10)
			if err != nil || len(ns) != 1 || ns[0].Conversation != c.ID || ns[0].Bot != "shop" || ns[0].Reason != string(concierge.HandoffAsked) {
				t.Errorf("news %+v, %v; want the new hand-off", ns, err)
			}
			if ok, err := tx.MovePushMark(ctx, concierge.NewsHandoff, m+1000, true, ns[0].Mark); ok || err != nil {
				t.Errorf("a move from a stale mark: %v, %v; want refused", ok, err)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SeedStock(ctx, "shop", []concierge.Product{{SKU: "A", Stock: 0}, {SKU: "B", Stock: 3}}); err != nil {
			t.Fatal(err)
		}
		zero := func() []concierge.SKU {
			t.Helper()
			var out []concierge.SKU
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				ns, err := tx.NewZeroStock(ctx)
				for _, n := range ns {
					out = append(out, n.SKU)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		if z := zero(); len(z) != 1 || z[0] != "A" {
			t.Fatalf("zero stock %v; want A", z)
		}
		if z := zero(); len(z) != 0 {
			t.Fatalf("zero stock again %v; want none", z)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.SetStock(ctx, "shop", "A", 2); err != nil {
				return err
			}
			_, err := tx.SetStock(ctx, "shop", "B", 0)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if z := zero(); len(z) != 1 || z[0] != "B" {
			t.Fatalf("zero stock after a restock %v; want B", z)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.SetStock(ctx, "shop", "A", 0); return err }); err != nil {
			t.Fatal(err)
		}
		if z := zero(); len(z) != 1 || z[0] != "A" {
			t.Fatalf("A out again %v; want A", z)
		}
	})
}

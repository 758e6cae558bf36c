package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// handOff ingests a message from chat and hands its conversation off.
func handOff(t *testing.T, db *store.DB, chat, key string) *concierge.Conversation {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Ingest(ctx, []concierge.Event{textEvent(chat, key, "a person please")}); err != nil {
		t.Fatal(err)
	}
	var conv *concierge.Conversation
	_, _, err := db.RunTurns(ctx, 10, func(ctx context.Context, tx concierge.Tx, c *concierge.Conversation, ev *concierge.Event) error {
		if err := tx.RecordHandoff(ctx, concierge.Handoff{Conversation: c.ID, From: c.State, To: concierge.StateWaiting, Reason: concierge.HandoffAsked, By: "bot", At: tx.Now()}); err != nil {
			return err
		}
		st := tx.(*store.Tx)
		if err := st.RecordPacket(ctx, concierge.HandoffPacket{Conversation: c.ID, Reason: concierge.HandoffAsked, By: "bot", At: tx.Now(), Summary: "asked", CustomerSaid: ev.Text}); err != nil {
			return err
		}
		c.State = concierge.StateWaiting
		conv = c
		return nil
	}, nil)
	if err != nil || conv == nil {
		t.Fatalf("hand off: %v", err)
	}
	return conv
}

func TestInboxPeopleAndSessions(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := &concierge.Person{Name: "alice", Role: concierge.RoleSupervisor, Bots: []concierge.BotID{"shop", "other"}, Capacity: 2, PasswordHash: "$2a$hash"}
		if err := db.AddInboxUser(ctx, p); err != nil || p.ID == 0 {
			t.Fatalf("add: %v, id %d", err, p.ID)
		}
		if err := db.AddInboxUser(ctx, &concierge.Person{Name: "alice", Role: concierge.RoleAgent, Bots: []concierge.BotID{"*"}, Capacity: 1, PasswordHash: "x"}); concierge.ErrorCode(err) != concierge.CodeConflict {
			t.Fatalf("a second alice: %v, want conflict", err)
		}
		got, err := db.InboxUser(ctx, "alice")
		if err != nil || got.Role != concierge.RoleSupervisor || !got.Sees("other") || got.Sees("third") || got.Capacity != 2 || got.PasswordHash != "$2a$hash" {
			t.Fatalf("read back %+v, %v", got, err)
		}
		if err := db.CreateInboxSession(ctx, "hash1", p.ID, "csrf1", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateInboxSession(ctx, "old", p.ID, "csrf0", time.Now().Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if who, csrf, err := db.InboxSession(ctx, "hash1"); err != nil || who.Name != "alice" || csrf != "csrf1" {
			t.Fatalf("session: %+v %q %v", who, csrf, err)
		}
		if _, _, err := db.InboxSession(ctx, "old"); !errors.Is(err, concierge.ErrNotFound) {
			t.Fatalf("expired session: %v, want not found", err)
		}
		if _, _, err := db.InboxSession(ctx, "nope"); !errors.Is(err, concierge.ErrNotFound) {
			t.Fatalf("unknown session: %v, want not found", err)
		}
		if err := db.DeleteInboxSession(ctx, "hash1"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.InboxSession(ctx, "hash1"); !errors.Is(err, concierge.ErrNotFound) {
			t.Fatalf("deleted session: %v", err)
		}
		ps, err := db.InboxUsers(ctx)
		if err != nil || len(ps) != 1 {
			t.Fatalf("list: %v %v", ps, err)
		}
	})
}

func TestInboxQueueOwnershipAndDecisions(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		alice := &concierge.Person{Name: "alice", Role: concierge.RoleAgent, Bots: []concierge.BotID{"*"}, Capacity: 2, PasswordHash: "x"}
		bob := &concierge.Person{Name: "bob", Role: concierge.RoleAgent, Bots: []concierge.BotID{"*"}, Capacity: 2, PasswordHash: "x"}
		for _, p := range []*concierge.Person{alice, bob} {
			if err := db.AddInboxUser(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		a := handOff(t, db, "a", "a1")
		b := handOff(t, db, "b", "b1")

		cs, err := db.Cases(ctx, 0)
		if err != nil || len(cs) != 2 || cs[0].Conversation.ID != a.ID || cs[0].Reason != concierge.HandoffAsked || cs[0].Preview != "a person please" || cs[0].Since.IsZero() {
			t.Fatalf("cases: %+v, %v", cs, err)
		}
		if pk, err := db.Packet(ctx, a.ID); err != nil || pk == nil || pk.CustomerSaid != "a person please" {
			t.Fatalf("packet: %+v, %v", pk, err)
		}

		// The third customer is third in the queue; without claims there
		// is no estimate.
		err = db.InTx(ctx, func(tx *store.Tx) error {
			pos, wait, err := tx.QueuePosition(ctx, &concierge.Conversation{ID: 999, Bot: "shop"})
			if pos != 3 || wait != 0 {
				t.Errorf("position %d, wait %v; want 3, 0", pos, wait)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		// alice owns a; bob's claim of a changes nothing.
		err = db.InTx(ctx, func(tx *store.Tx) error {
			ok, err := tx.Assign(ctx, a, alice.ID, time.Now().Add(-2*time.Minute))
			if err != nil || !ok {
				t.Fatalf("alice assign: %v %v", ok, err)
			}
			ok, err = tx.Assign(ctx, a, bob.ID, time.Now())
			if err != nil || ok {
				t.Fatalf("bob assign over alice: %v %v; want false", ok, err)
			}
			id, name, err := tx.Owner(ctx, a.ID)
			if id != alice.ID || name != "alice" {
				t.Fatalf("owner %d %q", id, name)
			}
			n, err := tx.Owned(ctx, alice.ID)
			if n != 1 {
				t.Fatalf("alice owns %d", n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// One claim waited two minutes: a customer third in line (a is
		// still waiting as far as its state says) hears about six.
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, wait, err := tx.QueuePosition(ctx, &concierge.Conversation{ID: 999, Bot: "shop"})
			if wait < 5*time.Minute || wait > 7*time.Minute {
				t.Errorf("expected wait %v, want about 6 min", wait)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		cs, _ = db.Cases(ctx, a.ID)
		if len(cs) != 1 || cs[0].Assignee != "alice" {
			t.Fatalf("case a: %+v", cs)
		}

		// Proposals are decided once.
		pr := &concierge.Proposal{Conversation: b.ID, Bot: "shop", Kind: concierge.ProposalRefund, Order: "X-1",
			Amount: concierge.Money{Minor: 7900, Currency: "EUR"}, Suggest: "approve", Why: "inside the window",
			Evidence: concierge.Evidence{WindowDays: 30, WithinWindow: true, CustomerSaid: "broken"}, At: time.Now()}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.RecordProposal(ctx, pr) }); err != nil || pr.ID == 0 {
			t.Fatalf("record proposal: %v", err)
		}
		decide := func(by string) bool {
			var ok bool
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				ok, err = tx.DecideProposal(ctx, pr.ID, concierge.ProposalApproved, pr.Amount, by, "")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !decide("sue") || decide("tom") {
			t.Fatal("a proposal was decided twice, or not once")
		}
		ps, err := db.Proposals(ctx, b.ID)
		if err != nil || len(ps) != 1 || ps[0].Status != concierge.ProposalApproved || ps[0].DecidedBy != "sue" || !ps[0].Evidence.WithinWindow {
			t.Fatalf("proposals: %+v %v", ps, err)
		}
		if log, err := db.DecidedProposals(ctx, 10); err != nil || len(log) != 1 {
			t.Fatalf("audit: %v %v", log, err)
		}

		// Notes, and the version moves with them.
		v1, err := db.InboxVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return tx.AddNote(ctx, concierge.Note{Conversation: b.ID, Author: "bob", Text: "called the courier"})
		}); err != nil {
			t.Fatal(err)
		}
		if v2, _ := db.InboxVersion(ctx); v2 == v1 {
			t.Error("the inbox version did not change with a note")
		}
		if ns, err := db.Notes(ctx, b.ID); err != nil || len(ns) != 1 || ns[0].Text != "called the courier" {
			t.Fatalf("notes: %v %v", ns, err)
		}

		// Removing alice puts her conversation back in the queue.
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			c, err := tx.Conversation(ctx, a.ID)
			if err != nil {
				return err
			}
			c.State = concierge.StateHuman
			return tx.SaveConversation(ctx, c)
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.RemoveInboxUser(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		cs, _ = db.Cases(ctx, a.ID)
		if cs[0].Conversation.State != concierge.StateWaiting || cs[0].Assignee != "" {
			t.Fatalf("after removing alice: %s, owner %q", cs[0].Conversation.State, cs[0].Assignee)
		}
		if err := db.RemoveInboxUser(ctx, "alice"); !errors.Is(err, concierge.ErrNotFound) {
			t.Fatalf("removing alice twice: %v", err)
		}
		es, err := db.InboxTranscript(ctx, a.ID, 10)
		if err != nil || len(es) != 1 || es[0].Event == nil || es[0].Event.Text != "a person please" {
			t.Fatalf("transcript: %+v %v", es, err)
		}
	})
}

// TestInboxDecidedAmountAndReassign: the amount a person decided is kept
// next to the proposed one (zero for a refusal), and a conversation moves
// from one owner to another only from the owner the caller read.
func TestInboxDecidedAmountAndReassign(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		alice := &concierge.Person{Name: "alice", Role: concierge.RoleAgent, Bots: []concierge.BotID{"*"}, Capacity: 2, PasswordHash: "x"}
		bob := &concierge.Person{Name: "bob", Role: concierge.RoleAgent, Bots: []concierge.BotID{"shop"}, Capacity: 2, PasswordHash: "x"}
		for _, p := range []*concierge.Person{alice, bob} {
			if err := db.AddInboxUser(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		a := handOff(t, db, "a", "a1")
		eur := func(minor int64) concierge.Money { return concierge.Money{Minor: minor, Currency: "EUR"} }
		record := func() *concierge.Proposal {
			pr := &concierge.Proposal{Conversation: a.ID, Bot: "shop", Kind: concierge.ProposalRefund, Order: "X-1",
				Amount: eur(7900), Suggest: "approve", Why: "inside the window", At: time.Now()}
			if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.RecordProposal(ctx, pr) }); err != nil {
				t.Fatal(err)
			}
			return pr
		}
		changed, refused := record(), record()
		for _, c := range []struct {
			pr     *concierge.Proposal
			status concierge.ProposalStatus
			amount concierge.Money
		}{{changed, concierge.ProposalApproved, eur(2500)}, {refused, concierge.ProposalRefused, concierge.Money{}}} {
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				ok, err := tx.DecideProposal(ctx, c.pr.ID, c.status, c.amount, "sue", "")
				if err == nil && !ok {
					t.Errorf("proposal %d was not decided", c.pr.ID)
				}
				// A second decision, with another amount, changes nothing.
				if ok, err := tx.DecideProposal(ctx, c.pr.ID, concierge.ProposalApproved, eur(100), "tom", ""); err != nil || ok {
					t.Errorf("a second decision: %v, %v", ok, err)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		ps, err := db.Proposals(ctx, a.ID)
		if err != nil || len(ps) != 2 {
			t.Fatalf("proposals %+v, %v", ps, err)
		}
		if ps[0].Amount != eur(7900) || ps[0].Decided != eur(2500) || !ps[0].Changed() || ps[0].RefundAmount() != eur(2500) || ps[0].DecidedBy != "sue" {
			t.Errorf("changed proposal %+v; want 79.00 proposed, 25.00 decided", ps[0])
		}
		if ps[1].Status != concierge.ProposalRefused || ps[1].Decided.Minor != 0 || ps[1].Changed() {
			t.Errorf("refused proposal %+v; want no decided amount", ps[1])
		}
		if log, err := db.DecidedProposals(ctx, 10); err != nil || len(log) != 2 {
			t.Fatalf("audit %+v, %v", log, err)
		}

		// Waiting → alice (from nobody), then alice → bob; a move from
		// someone who no longer owns it changes nothing.
		err = db.InTx(ctx, func(tx *store.Tx) error {
			if ok, err := tx.Reassign(ctx, a, 0, alice.ID, time.Now()); err != nil || !ok {
				t.Fatalf("assign to alice: %v %v", ok, err)
			}
			if ok, err := tx.Reassign(ctx, a, 0, bob.ID, time.Now()); err != nil || ok {
				t.Fatalf("assign over alice as if it waited: %v %v; want false", ok, err)
			}
			if ok, err := tx.Reassign(ctx, a, alice.ID, bob.ID, time.Now()); err != nil || !ok {
				t.Fatalf("alice to bob: %v %v", ok, err)
			}
			if ok, err := tx.Reassign(ctx, a, alice.ID, alice.ID, time.Now()); err != nil || ok {
				t.Fatalf("a stale move back to alice: %v %v; want false", ok, err)
			}
			if id, name, err := tx.Owner(ctx, a.ID); err != nil || id != bob.ID || name != "bob" {
				t.Fatalf("owner %d %q %v; want bob", id, name, err)
			}
			if n, _ := tx.Owned(ctx, alice.ID); n != 0 {
				t.Fatalf("alice still owns %d", n)
			}
			p, err := tx.PersonNamed(ctx, "bob")
			if err != nil || p.ID != bob.ID || p.Sees("other") {
				t.Fatalf("person bob: %+v %v", p, err)
			}
			if _, err := tx.PersonNamed(ctx, "carol"); !errors.Is(err, concierge.ErrNotFound) {
				t.Fatalf("person carol: %v; want not found", err)
			}
			pays, err := tx.OrderPayments(ctx, "X-1")
			if err != nil || len(pays) != 0 {
				t.Fatalf("payments of an unpaid order: %+v %v", pays, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if cs, _ := db.Cases(ctx, a.ID); len(cs) != 1 || cs[0].Assignee != "bob" {
			t.Fatalf("case %+v; want bob's", cs)
		}
	})
}

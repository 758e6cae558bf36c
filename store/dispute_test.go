package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// TestDisputeProposal: a dispute proposal keeps its kind, its evidence
// (payments, delivery) and an empty amount in its currency; it is decided
// once, with the amount the person entered, and the audit log keeps the
// kind.
func TestDisputeProposal(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := handOff(t, db, "d", "d1")
		at := time.UnixMilli(1700000000000)
		pr := &concierge.Proposal{Conversation: a.ID, Bot: "shop", Kind: concierge.ProposalDispute, Order: "X-1",
			Amount: concierge.Money{Currency: "EUR"}, Suggest: concierge.SuggestInvestigate, Why: "the records do not settle it", At: at,
			Evidence: concierge.Evidence{OrderState: concierge.OrderPaid, Payments: 2, Delivery: concierge.DeliveryNone, ExpectedBy: at.Add(7 * 24 * time.Hour),
				Paid:         []concierge.Payment{{Order: "X-1", Provider: "sandbox", ProviderRef: "evt_1", Amount: concierge.Money{Minor: 7900, Currency: "EUR"}, At: at}},
				CustomerSaid: "I was charged twice"}}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.RecordProposal(ctx, pr) }); err != nil || pr.ID == 0 {
			t.Fatalf("record: %v", err)
		}
		ps, err := db.Proposals(ctx, a.ID)
		if err != nil || len(ps) != 1 {
			t.Fatalf("proposals %+v, %v", ps, err)
		}
		got := ps[0]
		if got.Kind != concierge.ProposalDispute || !got.Refunds() || got.Amount != (concierge.Money{Currency: "EUR"}) || got.Suggest != concierge.SuggestInvestigate ||
			got.Evidence.Delivery != concierge.DeliveryNone || !got.Evidence.ExpectedBy.Equal(pr.Evidence.ExpectedBy) ||
			len(got.Evidence.Paid) != 1 || got.Evidence.Paid[0].ProviderRef != "evt_1" || got.Evidence.CustomerSaid != "I was charged twice" {
			t.Errorf("stored dispute %+v", got)
		}
		entered := concierge.Money{Minor: 2000, Currency: "EUR"}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			if ok, err := tx.DecideProposal(ctx, pr.ID, concierge.ProposalApproved, entered, "sue", ""); err != nil || !ok {
				t.Errorf("decide: %v %v", ok, err)
			}
			if ok, err := tx.DecideProposal(ctx, pr.ID, concierge.ProposalRefused, concierge.Money{}, "tom", ""); err != nil || ok {
				t.Errorf("a second decision: %v %v; want false", ok, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		log, err := db.DecidedProposals(ctx, 10)
		if err != nil || len(log) != 1 || log[0].Kind != concierge.ProposalDispute || log[0].RefundAmount() != entered || log[0].DecidedBy != "sue" {
			t.Errorf("audit %+v, %v; want the dispute approved for 20.00 by sue", log, err)
		}
	})
}

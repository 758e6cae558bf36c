package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout/sandbox"
)

// TestInboxDisputeDuplicateCharge plays a dispute end to end over HTTP
// with the rules brain: a web customer pays, the sandbox reports a second
// charge of the same order (checkout hands it to people, who hand it back),
// the customer writes "I was charged twice"; the inbox shows a dispute
// proposal with its evidence (two payments) suggesting a refund of the
// duplicate; the supervisor approves; the refund is executed once through
// the sandbox, the audit log shows the kind, and the customer is told.
func TestInboxDisputeDuplicateCharge(t *testing.T) {
	s := startShop(t, "")
	s.addPerson("sue", concierge.RoleSupervisor, 3)
	c := s.customer("en")
	found := c.say("a desk lamp please")
	consent := c.press(found, "buy:LAMP-02")
	pm := find(t, c.press(consent, "consent:yes"), concierge.MessagePayment)
	s.pay(pm.Message.Payment)
	c.replies()
	order := pm.Message.Payment.Order
	total := pm.Message.Payment.Amount

	// The provider reports a second, distinct charge of the paid order.
	now := time.Now()
	body, _ := json.Marshal(sandbox.Notification{ID: "evt_second_charge", Type: sandbox.TypePaymentSucceeded, Bot: "maison-lumiere",
		Order: order, Amount: total, Created: now.Unix()})
	req, _ := http.NewRequest("POST", s.base+"/webhooks/maison-lumiere/sandbox", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(sandbox.HeaderSignature, s.sandboxProvider().Sign(body, now))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "problem") {
		t.Fatalf("second charge: %d %s", resp.StatusCode, b)
	}
	id := c.conversation()
	page := fmt.Sprintf("/inbox/c/%d", id)
	sue := s.person("sue")
	sue.signIn()
	sue.get(page)
	sue.mustPost(page+"/claim", nil)
	sue.mustPost(page+"/handback", url.Values{})
	c.replies()

	find(t, c.say("I was charged twice"), concierge.MessageHandoff)
	_, view := sue.get(page)
	for _, want := range []string{"Dispute proposal", `data-kind="dispute"`, string(order), `suggests <strong class="suggest">approve</strong>`,
		"duplicate charge", "Payments recorded</dt><dd class=\"payments\">2:", "evt_second_charge", "I was charged twice", `id="approve-`} {
		if !strings.Contains(view, want) {
			t.Errorf("the inbox view lacks %q", want)
		}
	}
	ctx := context.Background()
	ps, err := s.m.DB.Proposals(ctx, id)
	if err != nil || len(ps) != 1 || ps[0].Kind != concierge.ProposalDispute || ps[0].Amount != total {
		t.Fatalf("proposals: %+v, %v; want one dispute of %+v", ps, err, total)
	}
	decide := fmt.Sprintf("/inbox/p/%d/decide", ps[0].ID)
	view = sue.mustPost(decide, url.Values{"decision": {"approve"}, "note": {"two charges in the sandbox"}})
	if !strings.Contains(view, fmt.Sprintf(`id="decision-%d"`, ps[0].ID)) || !strings.Contains(view, "Refunded: simulated-proposal-") {
		t.Fatalf("after approving, the page does not show the decision and the refund")
	}
	if code, body := sue.post(decide, url.Values{"decision": {"approve"}}); code != http.StatusConflict || !strings.Contains(body, "already decided") {
		t.Errorf("a replayed approval: %d; want 409 already decided", code)
	}
	sue.mustPost(fmt.Sprintf("/inbox/p/%d/refund", ps[0].ID), url.Values{}) // a retry after success changes nothing
	refunds, err := s.m.DB.Refunds(ctx, order)
	if err != nil || len(refunds) != 1 || refunds[0].Status != sandbox.SimulatedRefund || refunds[0].Amount != total {
		t.Errorf("refunds of %s: %+v, %v; want one simulated refund of the duplicate %+v", order, refunds, err, total)
	}
	told := 0
	for _, e := range c.history() {
		if strings.Contains(e.Message.Text, "refund for order "+string(order)) {
			told++
		}
	}
	if told != 1 {
		t.Errorf("the customer was told of the refund %d times, want once", told)
	}
	_, audit := sue.get("/inbox/audit")
	if !strings.Contains(audit, fmt.Sprintf(`id="audit-kind-%d">dispute<`, ps[0].ID)) || !strings.Contains(audit, "two charges in the sandbox") {
		t.Errorf("the audit log lacks the dispute decision:\n%s", audit)
	}
}

// TestInboxDisputeInvestigate: "je n'ai jamais reçu ma commande" right
// after paying is not past the expected delivery, so the dispute is to
// investigate, with no amount: the inbox offers no plain approval, an
// approval without an amount is refused and decides nothing, and one
// with an amount refunds that amount once.
func TestInboxDisputeInvestigate(t *testing.T) {
	s := startShop(t, "")
	s.addPerson("sue", concierge.RoleSupervisor, 3)
	c := s.customer("fr")
	found := c.say("je cherche une lampe de bureau")
	consent := c.press(found, "buy:LAMP-02")
	pm := find(t, c.press(consent, "consent:yes"), concierge.MessagePayment)
	s.pay(pm.Message.Payment)
	c.replies()
	order := pm.Message.Payment.Order

	find(t, c.say("je n'ai jamais reçu ma commande"), concierge.MessageHandoff)
	id := c.conversation()
	page := fmt.Sprintf("/inbox/c/%d", id)
	sue := s.person("sue")
	sue.signIn()
	_, view := sue.get(page)
	for _, want := range []string{"Dispute proposal", "No amount proposed", `suggests <strong class="suggest">investigate</strong>`,
		`<dd class="delivery">not recorded — expected by`, "jamais reçu", "Amount to refund"} {
		if !strings.Contains(view, want) {
			t.Errorf("the inbox view lacks %q", want)
		}
	}
	ctx := context.Background()
	ps, err := s.m.DB.Proposals(ctx, id)
	if err != nil || len(ps) != 1 {
		t.Fatalf("proposals: %+v, %v", ps, err)
	}
	if strings.Contains(view, fmt.Sprintf(`id="approve-%d"`, ps[0].ID)) {
		t.Errorf("a proposal with no amount offers a plain approval")
	}
	decide := fmt.Sprintf("/inbox/p/%d/decide", ps[0].ID)
	if code, body := sue.post(decide, url.Values{"decision": {"approve"}}); code != http.StatusBadRequest || !strings.Contains(body, "enter the amount") {
		t.Errorf("approving with no amount: %d; want 400 enter the amount", code)
	}
	if ps, _ := s.m.DB.Proposals(ctx, id); ps[0].Status != concierge.ProposalOpen {
		t.Fatalf("a refused approval decided the proposal: %+v", ps[0])
	}
	sue.mustPost(decide, url.Values{"decision": {"change"}, "amount": {"20.00"}, "note": {"carrier lost it, partial"}})
	refunds, err := s.m.DB.Refunds(ctx, order)
	want := concierge.Money{Minor: 2000, Currency: "EUR"}
	if err != nil || len(refunds) != 1 || refunds[0].Amount != want {
		t.Errorf("refunds of %s: %+v, %v; want one of 20.00", order, refunds, err)
	}
	if ps, _ := s.m.DB.Proposals(ctx, id); ps[0].Status != concierge.ProposalApproved || ps[0].Decided != want || ps[0].RefundRef == "" {
		t.Errorf("the proposal after approval: %+v", ps[0])
	}
}

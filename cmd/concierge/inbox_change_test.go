package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout/sandbox"
	"github.com/conciergehq/concierge/internal/money"
)

// paidRefundRequest buys the desk lamp in the web widget, pays it in the
// sandbox and asks for a refund; it returns the customer, the order and
// the proposal the AI made.
func (s *shop) paidRefundRequest() (*customer, *concierge.Order, *concierge.Proposal) {
	s.t.Helper()
	c := s.customer("en")
	consent := c.press(c.say("a desk lamp please"), "buy:LAMP-02")
	pm := find(s.t, c.press(consent, "consent:yes"), concierge.MessagePayment)
	s.pay(pm.Message.Payment)
	c.replies()
	find(s.t, c.say("I want a refund, the lamp arrived broken"), concierge.MessageHandoff)
	ctx := context.Background()
	o, err := s.m.DB.GetOrder(ctx, pm.Message.Payment.Order)
	if err != nil || o.State != concierge.OrderPaid {
		s.t.Fatalf("order %+v, %v; want paid", o, err)
	}
	ps, err := s.m.DB.Proposals(ctx, o.Conversation)
	if err != nil || len(ps) != 1 || ps[0].Amount != o.Total {
		s.t.Fatalf("proposals %+v, %v; want one for %+v", ps, err, o.Total)
	}
	return c, o, ps[0]
}

// majorUnits writes m of a two-decimal currency as a person types it.
func majorUnits(m concierge.Money) string { return fmt.Sprintf("%d.%02d", m.Minor/100, m.Minor%100) }

// TestInboxChangeRefundAmount: a supervisor approves another amount than
// the AI proposed. The sandbox refund is executed once, for the changed
// amount, however many times the change is posted at once; the page and
// the audit log show the proposed and the decided amounts side by side.
func TestInboxChangeRefundAmount(t *testing.T) {
	s := startShop(t, "")
	s.addPerson("sue", concierge.RoleSupervisor, 3)
	c, o, pr := s.paidRefundRequest()
	sue := s.person("sue")
	sue.signIn()
	_, view := sue.get(fmt.Sprintf("/inbox/c/%d", o.Conversation))
	for _, want := range []string{fmt.Sprintf(`id="change-form-%d"`, pr.ID), fmt.Sprintf(`id="amount-%d"`, pr.ID), fmt.Sprintf(`id="change-%d"`, pr.ID)} {
		if !strings.Contains(view, want) {
			t.Errorf("the proposal lacks %s", want)
		}
	}

	// Half of the total, in euros as a person types it.
	half := concierge.Money{Minor: o.Total.Minor / 2, Currency: o.Total.Currency}
	typed := majorUnits(half)
	decide := fmt.Sprintf("/inbox/p/%d/decide", pr.ID)
	var wg sync.WaitGroup
	codes := make([]int, 3)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := sue.client.PostForm(s.base+decide, url.Values{"csrf": {sue.csrf}, "decision": {"change"}, "amount": {typed}, "note": {"only the shade broke"}})
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	ok := 0
	for _, code := range codes {
		switch code {
		case http.StatusOK:
			ok++
		case http.StatusConflict:
		default:
			t.Errorf("a concurrent change answered %d", code)
		}
	}
	if ok != 1 {
		t.Fatalf("concurrent changes: %v; want one 200 and the rest 409", codes)
	}

	ctx := context.Background()
	refunds, err := s.m.DB.Refunds(ctx, o.ID)
	if err != nil || len(refunds) != 1 || refunds[0].Amount != half || refunds[0].Status != sandbox.SimulatedRefund {
		t.Fatalf("refunds %+v, %v; want one simulated refund of %+v", refunds, err, half)
	}
	got, _ := s.m.DB.Proposals(ctx, o.Conversation)
	if len(got) != 1 || got[0].Status != concierge.ProposalApproved || got[0].Decided != half || got[0].Amount != o.Total || !got[0].Changed() || got[0].RefundRef == "" {
		t.Fatalf("proposal %+v; want approved for %+v of the proposed %+v, executed", got, half, o.Total)
	}
	told := 0
	for _, e := range c.history() {
		if strings.Contains(e.Message.Text, "refund for order "+string(o.ID)) {
			told++
		}
	}
	if told != 1 {
		t.Errorf("the customer was told of the refund %d times, want once", told)
	}
	_, view = sue.get(fmt.Sprintf("/inbox/c/%d", o.Conversation))
	if !strings.Contains(view, fmt.Sprintf(`id="decided-amount-%d"`, pr.ID)) || !strings.Contains(view, "changed from") {
		t.Errorf("the conversation page does not show the changed amount")
	}
	_, audit := sue.get("/inbox/audit")
	row := audit[strings.Index(audit, "<tbody>"):]
	proposed, decided := money.Format(o.Total, "en"), money.Format(half, "en")
	if !strings.Contains(row, proposed) || !strings.Contains(row, fmt.Sprintf(`id="audit-decided-%d">%s<`, pr.ID, decided)) || !strings.Contains(row, "amount changed") {
		t.Errorf("the audit log does not show %s proposed and %s decided side by side:\n%s", proposed, decided, row)
	}
}

// TestInboxChangeRefundAmountRefused: an amount of zero, above what was
// paid, negative, not a number, with too many decimals or missing answers
// 400 with the reason, and nothing is decided or refunded; the proposal can
// still be approved afterwards.
func TestInboxChangeRefundAmountRefused(t *testing.T) {
	s := startShop(t, "")
	s.addPerson("sue", concierge.RoleSupervisor, 3)
	_, o, pr := s.paidRefundRequest()
	sue := s.person("sue")
	sue.signIn()
	sue.get(fmt.Sprintf("/inbox/c/%d", o.Conversation))
	over := majorUnits(concierge.Money{Minor: o.Total.Minor + 1, Currency: o.Total.Currency})
	for name, c := range map[string]struct{ amount, why string }{
		"zero":          {"0", "more than zero"},
		"zero decimals": {"0.00", "more than zero"},
		"over the paid": {over, "is more than the"},
		"negative":      {"-5", "is negative"},
		"garbage":       {"ten euros", "is not a number"},
		"comma":         {"12,50", "with a dot"},
		"too precise":   {"1.005", "more decimals"},
		"empty":         {" ", "enter the amount"},
	} {
		t.Run(name, func(t *testing.T) {
			code, body := sue.post(fmt.Sprintf("/inbox/p/%d/decide", pr.ID), url.Values{"decision": {"change"}, "amount": {c.amount}})
			if code != http.StatusBadRequest || !strings.Contains(body, c.why) {
				t.Errorf("amount %q: %d; want 400 saying %q\n%s", c.amount, code, c.why, body)
			}
			ps, _ := s.m.DB.Proposals(context.Background(), o.Conversation)
			if len(ps) != 1 || ps[0].Status != concierge.ProposalOpen || ps[0].Decided.Minor != 0 || ps[0].DecidedBy != "" {
				t.Errorf("after amount %q the proposal is %+v; want it still open", c.amount, ps)
			}
		})
	}
	if rs, _ := s.m.DB.Refunds(context.Background(), o.ID); len(rs) != 0 {
		t.Fatalf("refunds after refused changes: %+v", rs)
	}
	// The whole amount typed in is an ordinary approval.
	full := majorUnits(o.Total)
	sue.mustPost(fmt.Sprintf("/inbox/p/%d/decide", pr.ID), url.Values{"decision": {"change"}, "amount": {full}})
	if rs, _ := s.m.DB.Refunds(context.Background(), o.ID); len(rs) != 1 || rs[0].Amount != o.Total {
		t.Fatalf("refunds after approving the whole amount: %+v", rs)
	}
}

// TestInboxChangeStarsRefund: Telegram Stars refunds only a whole payment,
// so part of one is refused when it is decided (400, nothing decided, no
// call to the Bot API); the whole amount is then refunded.
func TestInboxChangeStarsRefund(t *testing.T) {
	s, sue := startStarsRefunds(t)
	ctx := context.Background()
	o, pr, _, _ := starsRefundAsked(t, s, sue, s.customer("fr"), "stxPARTIAL1")
	decide := fmt.Sprintf("/inbox/p/%d/decide", pr.ID)
	// The order is priced in euros (the Stars invoice converts it), so the
	// amount is typed in euros.
	whole := concierge.Money{Minor: o.Total.Minor, Currency: o.Total.Currency}
	part := concierge.Money{Minor: o.Total.Minor - 1, Currency: o.Total.Currency}
	code, body := sue.post(decide, url.Values{"decision": {"change"}, "amount": {majorUnits(part)}})
	if code != http.StatusBadRequest || !strings.Contains(body, "Telegram Stars refunds only a whole payment") {
		t.Fatalf("a partial Stars refund: %d; want 400 naming the rule\n%s", code, body)
	}
	ps, _ := s.m.DB.Proposals(ctx, o.Conversation)
	if ps[0].Status != concierge.ProposalOpen || len(s.fake.Calls("refundStarPayment")) != 0 {
		t.Fatalf("after a refused partial refund: %+v, %d refund calls; want it open and none", ps[0], len(s.fake.Calls("refundStarPayment")))
	}
	sue.mustPost(decide, url.Values{"decision": {"change"}, "amount": {majorUnits(whole)}})
	if calls := s.fake.Calls("refundStarPayment"); len(calls) != 1 || calls[0].Params.Get("telegram_payment_charge_id") != "stxPARTIAL1" {
		t.Errorf("refundStarPayment calls %+v; want one for the whole payment", calls)
	}
	if rs, _ := s.m.DB.Refunds(ctx, o.ID); len(rs) != 1 || rs[0].Amount != o.Total {
		t.Errorf("refunds %+v; want the whole %+v", rs, o.Total)
	}
}

// TestInboxChangeStripeRefund: a changed amount of a Stripe-paid order is
// the amount Stripe is asked to refund (stripe-mock, behind the recording
// proxy of inbox_refund_paths_test.go), once, with the proposal's key.
func TestInboxChangeStripeRefund(t *testing.T) {
	s, proxy, sue := startStripeRefunds(t)
	ctx := context.Background()
	o, pr, _ := stripeRefundAsked(t, s, sue, s.customer("en"), "evt_change_1")
	part := concierge.Money{Minor: o.Total.Minor - 1000, Currency: o.Total.Currency}
	decide := fmt.Sprintf("/inbox/p/%d/decide", pr.ID)
	sue.mustPost(decide, url.Values{"decision": {"change"}, "amount": {majorUnits(part)}})
	if code, _ := sue.post(decide, url.Values{"decision": {"change"}, "amount": {majorUnits(part)}}); code != http.StatusConflict {
		t.Errorf("a replayed change: %d, want 409", code)
	}
	calls := proxy.refunds()
	if len(calls) != 1 || calls[0].form.Get("amount") != fmt.Sprint(part.Minor) || !strings.Contains(calls[0].key, "proposal-"+fmt.Sprint(pr.ID)) {
		t.Fatalf("refund creations %+v; want one for %d with the proposal's key", calls, part.Minor)
	}
	rs, err := s.m.DB.Refunds(ctx, o.ID)
	if err != nil || len(rs) != 1 || rs[0].Provider != "stripe" || rs[0].Amount != part {
		t.Errorf("refunds %+v, %v; want one Stripe refund of %+v", rs, err, part)
	}
}

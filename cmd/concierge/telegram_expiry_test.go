package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

// TestTelegramExpiredOrder plays an order that runs out of time on
// Telegram, end to end. The bot file's policies.order_ttl is 4 s and the
// sweep looks every 100 ms. The customer gets an invoice and Telegram's
// pre-checkout for it is accepted; then the reservation runs out, the
// sweep expires the order, releases its stock and tells the customer. A
// pre-checkout now is refused with the reason ("a expiré et ses articles
// ont été remis en vente") and records no payment. A successful_payment
// arriving anyway (the customer confirmed in the form just before the
// order expired) is recorded but does not mark the order paid: it is a
// payment problem handed to people, and the customer is told; Telegram
// repeating it changes nothing.
func TestTelegramExpiredOrder(t *testing.T) {
	const ttl = 4 * time.Second
	s := startTelegramShopMain(t, "webhook", func(m *Main) { m.SweepEvery = 100 * time.Millisecond },
		func(cfg string) string { return rewrite(t, cfg, map[string]string{"order_ttl: 30m": "order_ttl: 4s"}) })
	ctx := context.Background()
	stock := func() int {
		t.Helper()
		levels, err := s.m.DB.StockLevels(ctx, tgBot)
		if err != nil {
			t.Fatal(err)
		}
		return levels["LAMP-02"]
	}
	before := stock()
	c := s.customer("fr")
	inv := findCall(t, c.press(c.press(c.say("je cherche une lampe de bureau"), "buy:LAMP-02"), "consent:yes"), "sendInvoice")
	order := concierge.OrderID(strings.TrimPrefix(inv.Params.Get("payload"), "order:"))
	o, err := s.m.DB.GetOrder(ctx, order)
	if err != nil || o.State != concierge.OrderPending || o.ExpiresAt.Sub(o.CreatedAt) != ttl {
		t.Fatalf("order %+v, %v; want pending for %s", o, err, ttl)
	}
	if got := stock(); got != before-1 {
		t.Fatalf("stock %d while the order waits, want %d reserved from %d", got, before-1, before)
	}
	// The customer opens the payment form while the order waits. (On a
	// machine so slow that less than a second is left, the answer could
	// already be a refusal: that step is left out, the rest still runs.)
	if left := time.Until(o.ExpiresAt); left > time.Second {
		if ok, reason := c.preCheckout(inv, 0); !ok {
			t.Fatalf("pre-checkout while the order waits (%s left) refused: %q", left, reason)
		}
	} else {
		t.Logf("only %s of the order's %s left: no pre-checkout before it expires", left, ttl)
	}

	// The reservation runs out; the sweep expires the order.
	deadline := o.ExpiresAt.Add(10 * time.Second)
	for {
		if o, err = s.m.DB.GetOrder(ctx, order); err != nil {
			t.Fatal(err)
		}
		if o.State != concierge.OrderPending || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if o.State != concierge.OrderExpired {
		t.Fatalf("order %s is %s 10 s after its reservation ran out, want expired", order, o.State)
	}
	if got := stock(); got != before {
		t.Errorf("stock %d after the order expired, want %d released", got, before)
	}
	if told := dumpCalls(c.replies()); !strings.Contains(told, "n'a pas été payée à temps") || !strings.Contains(told, string(order)) {
		t.Errorf("the customer was not told the order expired: %s", told)
	}

	ok, reason := c.preCheckout(inv, 0)
	if want := fmt.Sprintf("La commande %s a expiré et ses articles ont été remis en vente", order); ok || !strings.Contains(reason, want) {
		t.Errorf("pre-checkout for the expired order: ok=%v %q; want a refusal saying %q", ok, reason, want)
	}
	if ps, err := s.m.DB.Payments(ctx, order); err != nil || len(ps) != 0 {
		t.Errorf("payments after a refused pre-checkout: %+v, %v; want none", ps, err)
	}

	// The payment arrives anyway: recorded, not applied, handed to people.
	told := dumpCalls(c.paid(inv, "tg_charge_late", 0))
	if !strings.Contains(told, "après sa clôture") || !strings.Contains(told, string(order)) {
		t.Errorf("after a payment for the expired order the chat says %s; want the late-payment notice", told)
	}
	ps, err := s.m.DB.Payments(ctx, order)
	if err != nil || len(ps) != 1 || ps[0].ProviderRef != "tg_charge_late" || ps[0].Amount != o.Total {
		t.Errorf("payments %+v, %v; want the late charge recorded once for %+v", ps, err, o.Total)
	}
	if o, _ := s.m.DB.GetOrder(ctx, order); o.State != concierge.OrderExpired {
		t.Errorf("order %s is %s after a late payment, want still expired", order, o.State)
	}
	conv, err := s.m.DB.FindConversation(ctx, tgBot, concierge.ChannelTelegram, concierge.ChatID(fmt.Sprint(c.id)))
	if err != nil || conv.State != concierge.StateWaiting {
		t.Fatalf("conversation %+v, %v; want waiting for people", conv, err)
	}
	hs, err := s.m.DB.Handoffs(ctx, conv.ID)
	if err != nil || len(hs) != 1 || hs[0].Reason != concierge.HandoffPayment || hs[0].By != "checkout" {
		t.Errorf("hand-offs %+v, %v; want one payment_problem by checkout", hs, err)
	}
	if got := stock(); got != before {
		t.Errorf("stock %d after the late payment, want %d (still released)", got, before)
	}

	// Telegram repeats the update: nothing changes, nothing is said.
	if again := c.paidQuietly(inv, "tg_charge_late"); len(again) != 0 {
		t.Errorf("a repeated late payment said %s", dumpCalls(again))
	}
	if ps, _ := s.m.DB.Payments(ctx, order); len(ps) != 1 {
		t.Errorf("%d payments after a repeat, want 1", len(ps))
	}
}

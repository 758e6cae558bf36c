package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout/wechatpay"
	"github.com/conciergehq/concierge/handoff"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

// wxPaidOrder places an order as c and pays it through a signed
// notification, draining the customer's "paid" message.
func wxPaidOrder(t *testing.T, s *wxShop, c *wxCustomer) *concierge.Order {
	t.Helper()
	o := wxPlaceOrder(t, s, c)
	body, err := s.pay.Notification(string(o.ID), o.Total.Minor, wechatpay.SignMD5)
	if err != nil {
		t.Fatal(err)
	}
	if code, reply := s.post("/webhooks/maison-lumiere/wechatpay", body); code != 200 || reply != string(wechatpay.Reply(true, "")) {
		t.Fatalf("payment notification: %d %s", code, reply)
	}
	c.replies()
	if got, _ := s.m.DB.GetOrder(context.Background(), o.ID); got.State != concierge.OrderPaid {
		t.Fatalf("order %s after payment", got.State)
	}
	return o
}

// wxRefundProposal records a refund proposal of amount for o, as the brain
// would, for a supervisor to decide.
func wxRefundProposal(t *testing.T, s *wxShop, o *concierge.Order, amount concierge.Money) *concierge.Proposal {
	t.Helper()
	pr := &concierge.Proposal{Conversation: o.Conversation, Bot: o.Bot, Kind: concierge.ProposalRefund, Order: o.ID,
		Amount: amount, Suggest: "approve", Why: "arrived broken", At: time.Now()}
	if err := s.m.DB.InTx(context.Background(), func(tx *store.Tx) error { return tx.RecordProposal(context.Background(), pr) }); err != nil {
		t.Fatal(err)
	}
	return pr
}

var wxSupervisor = &concierge.Person{Name: "sue", Role: concierge.RoleSupervisor, Bots: []concierge.BotID{concierge.AllBots}}

// TestWeChatRefund: a supervisor approves a refund of an order paid with
// WeChat Pay. WeChat Pay first answers NOTENOUGH (the proposal shows it,
// nothing is refunded); the retry, with the same out_refund_no, refunds
// through the certificate-guarded fake and is recorded processing; asking
// again is the same refund at WeChat Pay. Forged and undecryptable refund
// notifications are refused; the genuine one, posted three times, settles
// the refund as succeeded once and tells the customer nothing more.
func TestWeChatRefund(t *testing.T) {
	s := startWXShopWith(t, wxOptions{tls: true})
	ctx := context.Background()
	c := &wxCustomer{s: s, openid: "oWantsRefund"}
	o := wxPaidOrder(t, s, c)
	pr := wxRefundProposal(t, s, o, o.Total)
	key := handoff.RefundKey(pr)
	svc := s.m.Inbox.Service()

	s.pay.FailNextRefund("NOTENOUGH")
	got, err := svc.Decide(ctx, wxSupervisor, pr.ID, handoff.Decision{Approve: true})
	if err != nil {
		t.Fatal(err)
	}
	if got.RefundRef != "" || !strings.Contains(got.RefundError, "NOTENOUGH") || s.pay.Refunded(string(o.ID)) != 0 {
		t.Fatalf("after NOTENOUGH: ref %q error %q, refunded %d", got.RefundRef, got.RefundError, s.pay.Refunded(string(o.ID)))
	}
	got, err = svc.RetryRefund(ctx, wxSupervisor, pr.ID)
	if err != nil {
		t.Fatal(err)
	}
	at := s.pay.Refund(key)
	if at == nil || got.RefundRef != at.RefundID || got.RefundError != "" {
		t.Fatalf("retry: %+v at the fake %+v %v", got, at, s.pay.Errors())
	}
	if at.Params["out_trade_no"] != string(o.ID) || at.Params["refund_fee"] != at.Params["total_fee"] ||
		at.Params["notify_url"] != s.base+"/webhooks/maison-lumiere/wechatpay/refund" {
		t.Fatalf("refund request %v", at.Params)
	}
	rs, _ := s.m.DB.Refunds(ctx, o.ID)
	if len(rs) != 1 || rs[0].Status != wechatpay.RefundProcessing || rs[0].ProviderRef != at.RefundID || rs[0].Amount != o.Total {
		t.Fatalf("refunds %+v", rs)
	}
	if cur, _ := s.m.DB.GetOrder(ctx, o.ID); cur.State != concierge.OrderRefunded {
		t.Fatalf("order %s", cur.State)
	}
	told := c.replies()

	// Executing it again once it is recorded is refused here, before
	// WeChat Pay (checkout/wechatpay's TestRefund retries the same
	// out_refund_no at the fake).
	again, err := s.m.Checkout.Refund(ctx, got, key)
	if err == nil {
		t.Fatalf("a refunded order was refunded again: %+v", again)
	}
	if s.pay.Refunded(string(o.ID)) != o.Total.Minor || s.pay.Refund(key).Requests != 1 {
		t.Fatalf("refunded %d fen in %d requests", s.pay.Refunded(string(o.ID)), s.pay.Refund(key).Requests)
	}

	genuine, err := s.pay.Settle(key, "SUCCESS")
	if err != nil {
		t.Fatal(err)
	}
	// A notification made by someone without the API key: req_info
	// encrypted under a guessed one.
	forged := "<xml><return_code>SUCCESS</return_code><appid>" + wxAppID + "</appid><mch_id>" + wxMchID + "</mch_id><req_info>" +
		wechatpay.EncryptReqInfo([]byte("<root><refund_id>"+at.RefundID+"</refund_id><out_refund_no>"+key+"</out_refund_no><refund_fee>"+
			at.Params["refund_fee"]+"</refund_fee><refund_status>SUCCESS</refund_status></root>"), "guessed-key") + "</req_info></xml>"
	for name, body := range map[string]string{
		"forged":        forged,
		"undecryptable": strings.Replace(string(genuine), "<req_info><![CDATA[", "<req_info><![CDATA[AAAA", 1),
	} {
		if code, reply := s.post("/webhooks/maison-lumiere/wechatpay/refund", []byte(body)); code != 401 || !strings.Contains(reply, "FAIL") {
			t.Errorf("%s notification: %d %s", name, code, reply)
		}
	}
	if rs, _ := s.m.DB.Refunds(ctx, o.ID); rs[0].Status != wechatpay.RefundProcessing {
		t.Fatalf("a refused notification settled the refund: %s", rs[0].Status)
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, reply := s.post("/webhooks/maison-lumiere/wechatpay/refund", genuine); code != 200 || reply != string(wechatpay.Reply(true, "")) {
				t.Errorf("genuine notification: %d %s", code, reply)
			}
		}()
	}
	wg.Wait()
	if rs, _ := s.m.DB.Refunds(ctx, o.ID); len(rs) != 1 || rs[0].Status != wechatpay.RefundSucceeded {
		t.Fatalf("refunds after the notification %+v", rs)
	}
	if n := strings.Count(s.logs.String(), "result=succeeded"); n != 1 {
		t.Fatalf("the refund was settled %d times, want once\n%s", n, s.logs.String())
	}
	if more := c.replies(); len(more) != 0 {
		t.Fatalf("the notification told the customer again: %s", wxDump(more))
	}
	if len(told) == 0 {
		t.Fatal("the customer was not told of the refund")
	}
	if errs := s.pay.Errors(); len(errs) > 0 {
		t.Fatalf("the fake WeChat Pay refused requests: %v", errs)
	}
}

// TestWeChatRefundFailsVisibly: a refund WeChat Pay could not complete
// (CHANGE: the customer's card was closed), whose notification is lost, is
// found by the sweeper's refund query: recorded failed, the proposal shows
// why, a note asks people to refund by hand; a second pass and the late
// notification change nothing.
func TestWeChatRefundFailsVisibly(t *testing.T) {
	s := startWXShopWith(t, wxOptions{tls: true})
	ctx := context.Background()
	c := &wxCustomer{s: s, openid: "oClosedCard"}
	o := wxPaidOrder(t, s, c)
	part := concierge.Money{Minor: o.Total.Minor / 2, Currency: o.Total.Currency}
	pr := wxRefundProposal(t, s, o, part)
	got, err := s.m.Inbox.Service().Decide(ctx, wxSupervisor, pr.ID, handoff.Decision{Approve: true, Change: fmt.Sprintf("%d.%02d", part.Minor/100, part.Minor%100)})
	if err != nil || got.RefundRef == "" {
		t.Fatalf("decide: %+v %v", got, err)
	}
	key := handoff.RefundKey(pr)
	if f := s.pay.Refund(key); f == nil || f.Params["refund_fee"] != strconv.FormatInt(part.Minor, 10) {
		t.Fatalf("refund at the fake %+v", f)
	}
	late, err := s.pay.Settle(key, "CHANGE")
	if err != nil {
		t.Fatal(err)
	}
	// Too fresh: the notification is left time to arrive.
	s.m.Reconcile(ctx, time.Now(), true)
	if rs, _ := s.m.DB.Refunds(ctx, o.ID); rs[0].Status != wechatpay.RefundProcessing {
		t.Fatalf("a fresh refund was queried: %s", rs[0].Status)
	}
	for range 2 {
		s.m.Reconcile(ctx, time.Now().Add(5*time.Minute), true)
	}
	if n := s.pay.Calls("/pay/refundquery", ""); n != 1 {
		t.Fatalf("refund queried %d times, want once", n)
	}
	if rs, _ := s.m.DB.Refunds(ctx, o.ID); len(rs) != 1 || rs[0].Status != wechatpay.RefundFailed {
		t.Fatalf("refunds %+v", rs)
	}
	ps, _ := s.m.DB.Proposals(ctx, o.Conversation)
	if len(ps) != 1 || !strings.Contains(ps[0].RefundError, "CHANGE") || !strings.Contains(ps[0].RefundError, "merchant platform") {
		t.Fatalf("proposal %+v", ps)
	}
	if code, _ := s.post("/webhooks/maison-lumiere/wechatpay/refund", late); code != 200 {
		t.Fatalf("late notification: %d", code)
	}
	notes, _ := s.m.DB.Notes(ctx, o.Conversation)
	if len(notes) != 1 || !strings.Contains(notes[0].Text, "CHANGE") {
		t.Fatalf("notes %+v", notes)
	}
	if rs, _ := s.m.DB.Refunds(ctx, o.ID); rs[0].Status != wechatpay.RefundFailed {
		t.Fatalf("after the late notification %s", rs[0].Status)
	}
}

// TestWeChatReconcileLease runs two replicas' reconcilers at once over the
// same PostgreSQL database: each order whose notification was lost is
// queried once and paid once, and each expired one is closed once at
// WeChat Pay. SQLite has no replicas (a second server of the same file is
// refused, see store.TakeOver); its named-lease race is
// store.TestNamedLeases.
func TestWeChatReconcileLease(t *testing.T) {
	for _, dialect := range []string{"postgres"} {
		t.Run(dialect, func(t *testing.T) {
			opt := wxOptions{db: testenv.PostgresURL(t)}
			s := startWXShopWith(t, opt)
			replica := s.replica(t)
			ctx := context.Background()
			var paid, unpaid []*concierge.Order
			for i, id := range []string{"oLease1", "oLease2", "oLease3", "oLease4", "oLease5"} {
				o := wxPlaceOrder(t, s, &wxCustomer{s: s, openid: id})
				if i < 3 {
					if _, err := s.pay.Notification(string(o.ID), o.Total.Minor, wechatpay.SignMD5); err != nil {
						t.Fatal(err)
					}
					paid = append(paid, o)
				} else {
					unpaid = append(unpaid, o)
				}
			}
			both := func(now time.Time, all bool) int {
				var wg sync.WaitGroup
				var n [2]int
				for i, m := range []*Main{s.m, replica} {
					wg.Add(1)
					go func() { defer wg.Done(); n[i] = m.Reconcile(ctx, now, all) }()
				}
				wg.Wait()
				return n[0] + n[1]
			}
			if n := both(time.Now().Add(2*time.Minute), true); n != len(paid) {
				t.Fatalf("the replicas changed %d orders, want %d\n%s", n, len(paid), s.logs.String())
			}
			for _, o := range paid {
				if q := s.pay.Calls("/pay/orderquery", string(o.ID)); q != 1 {
					t.Errorf("%s queried %d times, want once", o.ID, q)
				}
				if pays, _ := s.m.DB.Payments(ctx, o.ID); len(pays) != 1 {
					t.Errorf("%s has %d payments", o.ID, len(pays))
				}
			}
			expired := unpaid[len(unpaid)-1].ExpiresAt.Add(time.Second)
			if n := both(expired, false); n != len(unpaid) {
				t.Fatalf("the replicas expired %d orders, want %d\n%s", n, len(unpaid), s.logs.String())
			}
			for _, o := range unpaid {
				if q := s.pay.Calls("/pay/closeorder", string(o.ID)); q != 1 {
					t.Errorf("%s closed %d times, want once", o.ID, q)
				}
				if cur, _ := s.m.DB.GetOrder(ctx, o.ID); cur.State != concierge.OrderExpired {
					t.Errorf("%s is %s", o.ID, cur.State)
				}
			}
			if errs := s.pay.Errors(); len(errs) > 0 {
				t.Fatalf("the fake WeChat Pay refused requests: %v", errs)
			}
		})
	}
}

// replica opens a second server on the shop's database and bot file, as
// another replica would be, without serving: the tests call its sweeper
// work directly.
func (s *wxShop) replica(t *testing.T) *Main {
	t.Helper()
	m := &Main{ConfigPath: s.m.ConfigPath, DBURL: s.m.DBURL, BaseURL: s.base, Log: s.m.Log, Stdout: s.m.Stdout, Stderr: s.m.Stderr}
	m.WeChatPayClient = s.m.WeChatPayClient
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.DB.Close() })
	return m
}

package main

import (
	"context"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout/wechatpay"
	"github.com/conciergehq/concierge/handoff"
)

// TestWeChatRefundP12: a server whose bot file gives the merchant
// certificate as cert_p12 (WeChat Pay's apiclient_cert.p12, password the
// mch_id) refunds an approved proposal over mutual TLS: the fake, which
// trusts only that file's certificate besides its own CA, records the
// refund, and the order becomes refunded.
func TestWeChatRefundP12(t *testing.T) {
	s := startWXShopWith(t, wxOptions{p12: true})
	ctx := context.Background()
	c := &wxCustomer{s: s, openid: "oP12Refund"}
	o := wxPaidOrder(t, s, c)
	pr := wxRefundProposal(t, s, o, o.Total)

	got, err := s.m.Inbox.Service().Decide(ctx, wxSupervisor, pr.ID, handoff.Decision{Approve: true})
	if err != nil {
		t.Fatal(err)
	}
	at := s.pay.Refund(handoff.RefundKey(pr))
	if at == nil || got.RefundRef != at.RefundID || got.RefundError != "" {
		t.Fatalf("decision %+v, at the fake %+v %v", got, at, s.pay.Errors())
	}
	rs, _ := s.m.DB.Refunds(ctx, o.ID)
	if len(rs) != 1 || rs[0].Status != wechatpay.RefundProcessing || rs[0].Amount != o.Total {
		t.Fatalf("refunds %+v", rs)
	}
	if cur, _ := s.m.DB.GetOrder(ctx, o.ID); cur.State != concierge.OrderRefunded {
		t.Fatalf("order %s", cur.State)
	}
	if errs := s.pay.Errors(); len(errs) > 0 {
		t.Fatalf("the fake WeChat Pay refused requests: %s", strings.Join(errs, "; "))
	}
}

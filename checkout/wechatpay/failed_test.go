package wechatpay_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout/wechatpay"
	"github.com/conciergehq/concierge/checkout/wechatpay/wechatpaytest"
)

// TestVerifyNotifyFailed: a signed result_code FAIL notification for a
// known order reads as one failed attempt with WeChat Pay's err_code and
// err_code_des, in both signature types; a repeat names the same attempt,
// another attempt another one; a forged one is refused.
func TestVerifyNotifyFailed(t *testing.T) {
	const key = "0123456789abcdef0123456789abcdef"
	fake := wechatpaytest.New("wxapp", "1900000109", key)
	defer fake.Close()
	p, _ := wechatpay.New(wechatpay.Config{AppID: "wxapp", MchID: "1900000109", APIKey: key,
		APIBase: fake.URL, BaseURL: "https://shop.example", Now: func() time.Time { return time.Unix(1700000000, 0) }})
	o := &concierge.Order{ID: "ML-FAIL23", Total: concierge.Money{Minor: 4900, Currency: "CNY"}, ExpiresAt: time.Now().Add(time.Hour),
		Lines: []concierge.OrderLine{{Title: "欧若拉床头灯", Quantity: 1}}}
	if _, err := p.Prepay(context.Background(), "shop", o, wechatpay.TradeJSAPI, "openid-1", "1.2.3.4"); err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{wechatpay.SignMD5, wechatpay.SignHMACSHA256} {
		t.Run(st, func(t *testing.T) {
			body, err := fake.FailedNotification("ML-FAIL23", "attempt1", "NOTENOUGH", "余额不足", st)
			if err != nil {
				t.Fatal(err)
			}
			n, err := p.VerifyNotify(body)
			if err != nil {
				t.Fatal(err)
			}
			if n.Paid || !n.ResultFail || n.Bot != "shop" || n.Order != "ML-FAIL23" {
				t.Fatalf("notification %+v, want a failure of ML-FAIL23 for shop", n)
			}
			f := n.Failure()
			if f.Provider != wechatpay.ProviderName || f.Order != "ML-FAIL23" || f.Code != "NOTENOUGH" || f.Reason != "余额不足" || f.ProviderRef == "" {
				t.Fatalf("failure %+v", f)
			}
			again, _ := p.VerifyNotify(body)
			if again.Failure().ProviderRef != f.ProviderRef {
				t.Errorf("a repeat names attempt %q, the first %q", again.Failure().ProviderRef, f.ProviderRef)
			}
			other, _ := fake.FailedNotification("ML-FAIL23", "attempt2", "NOTENOUGH", "余额不足", st)
			if n2, err := p.VerifyNotify(other); err != nil || n2.Failure().ProviderRef == f.ProviderRef {
				t.Errorf("another attempt: %+v, %v; want another reference than %q", n2, err, f.ProviderRef)
			}
			forged := []byte(strings.Replace(string(body), "ML-FAIL23", "ML-OTHER2", 1))
			if _, err := p.VerifyNotify(forged); concierge.ErrorCode(err) != concierge.CodeUnauthorized {
				t.Errorf("forged failure: %v, want unauthorized", err)
			}
		})
	}
}

package wechatpay_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout/wechatpay"
	"github.com/conciergehq/concierge/checkout/wechatpay/wechatpaytest"
)

type signVectors struct {
	Key      string `json:"api_v2_key"`
	MD5File  string `json:"md5_file"`
	MD5      string `json:"md5_sign"`
	HMAC     string `json:"hmac_sign"`
	HMACFile string `json:"hmac_file"`
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.Base(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVerifyNotifyVectors verifies the synthetic MD5 and HMAC-SHA256
// notifications, and refuses the official sample (its sign is
// illustrative), a changed amount and another merchant.
func TestVerifyNotifyVectors(t *testing.T) {
	var v signVectors
	json.Unmarshal(fixture(t, "v2_sign_vectors_synthetic.json"), &v)
	p, err := wechatpay.New(wechatpay.Config{AppID: "wx2421b1c4370ec43b", MchID: "10000100", APIKey: v.Key, BaseURL: "https://shop.example"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{v.MD5File, v.HMACFile} {
		body := fixture(t, f)
		n, err := p.VerifyNotify(body)
		if err != nil || !n.Paid || n.Order != "ord_000125" || n.Amount != (concierge.Money{Minor: 2350, Currency: "CNY"}) || n.TransactionID == "" {
			t.Fatalf("%s: %+v %v", f, n, err)
		}
		forged := []byte(strings.Replace(string(body), "<total_fee>2350</total_fee>", "<total_fee>1</total_fee>", 1))
		if _, err := p.VerifyNotify(forged); concierge.ErrorCode(err) != concierge.CodeUnauthorized {
			t.Fatalf("%s with another amount: %v", f, err)
		}
	}
	if _, err := p.VerifyNotify(fixture(t, "v2_pay_notify_official_sample.xml")); concierge.ErrorCode(err) != concierge.CodeUnauthorized {
		t.Fatalf("official sample: %v", err)
	}
	other, _ := wechatpay.New(wechatpay.Config{AppID: "wx2421b1c4370ec43b", MchID: "999", APIKey: v.Key, BaseURL: "https://shop.example"})
	if _, err := other.VerifyNotify(fixture(t, v.MD5File)); concierge.ErrorCode(err) != concierge.CodeUnauthorized {
		t.Fatalf("other merchant: %v", err)
	}
	if got := string(wechatpay.Reply(true, "")); got != strings.TrimSpace(string(fixture(t, "v2_notify_reply_success.xml"))) {
		t.Fatalf("reply %s", got)
	}
}

// TestNotifyRefusesDTD refuses XML with a DOCTYPE or entities.
func TestNotifyRefusesDTD(t *testing.T) {
	p, _ := wechatpay.New(wechatpay.Config{AppID: "a", MchID: "m", APIKey: "k", BaseURL: "https://x"})
	for _, body := range []string{
		`<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><return_code>SUCCESS</return_code><attach>&x;</attach></xml>`,
		`<xml><return_code>SUCCESS</return_code><a><b>nested</b></a></xml>`,
		`<xml><return_code>SUCCESS</return_code><return_code>SUCCESS</return_code></xml>`,
		`not xml`,
	} {
		if _, err := p.VerifyNotify([]byte(body)); concierge.ErrorCode(err) != concierge.CodeInvalid {
			t.Errorf("%q: %v", body, err)
		}
	}
}

func FuzzVerifyNotify(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xml")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	p, _ := wechatpay.New(wechatpay.Config{AppID: "wx2421b1c4370ec43b", MchID: "10000100", APIKey: "192006250b4c09247ec02edce69f6a2d", BaseURL: "https://x"})
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := p.VerifyNotify(body)
		if err == nil && n.Paid && n.Order == "" {
			t.Fatal("a paid notification without an order")
		}
	})
}

// TestPrepayAndBridge makes JSAPI and NATIVE unified orders at the fake,
// signs the bridge request, queries and closes.
func TestPrepayAndBridge(t *testing.T) {
	fake := wechatpaytest.New("wxapp", "1900000109", "0123456789abcdef0123456789abcdef")
	defer fake.Close()
	p, _ := wechatpay.New(wechatpay.Config{AppID: "wxapp", MchID: "1900000109", APIKey: "0123456789abcdef0123456789abcdef",
		APIBase: fake.URL, BaseURL: "https://shop.example", Now: func() time.Time { return time.Unix(1700000000, 0) }})
	ctx := context.Background()
	o := &concierge.Order{ID: "ML-ABC234", Total: concierge.Money{Minor: 4900, Currency: "CNY"}, ExpiresAt: time.Now().Add(time.Hour),
		Lines: []concierge.OrderLine{{Title: "欧若拉床头灯", Quantity: 1}}}
	pr, err := p.Prepay(ctx, "shop", o, wechatpay.TradeJSAPI, "openid-1", "1.2.3.4")
	if err != nil || pr.PrepayID == "" {
		t.Fatalf("%+v %v %v", pr, err, fake.Errors())
	}
	got := fake.Order("ML-ABC234").Params
	if got["total_fee"] != "4900" || got["openid"] != "openid-1" || got["notify_url"] != "https://shop.example/webhooks/shop/wechatpay" || got["attach"] != "shop" {
		t.Fatalf("unified order %v", got)
	}
	bc := p.BridgeConfig(pr.PrepayID)
	if bc["timeStamp"] != "1700000000" || bc["package"] != "prepay_id="+pr.PrepayID || bc["paySign"] != wechatpay.Sign(map[string]string{
		"appId": "wxapp", "timeStamp": bc["timeStamp"], "nonceStr": bc["nonceStr"], "package": bc["package"], "signType": bc["signType"]},
		"0123456789abcdef0123456789abcdef", bc["signType"]) {
		t.Fatalf("bridge %v", bc)
	}
	if _, err := p.Prepay(ctx, "shop", o, wechatpay.TradeJSAPI, "", ""); err == nil {
		t.Fatal("JSAPI without openid")
	}
	o2 := *o
	o2.ID = "ML-NATIVE"
	nat, err := p.Prepay(ctx, "shop", &o2, wechatpay.TradeNative, "", "")
	if err != nil || !strings.HasPrefix(nat.CodeURL, "weixin://wxpay/") {
		t.Fatalf("native %+v %v", nat, err)
	}
	if png, err := wechatpay.QRCode(nat.CodeURL); err != nil || len(png) < 100 {
		t.Fatalf("qr %d %v", len(png), err)
	}
	if st, err := p.QueryOrder(ctx, "ML-NATIVE"); err != nil || st.State != "NOTPAY" {
		t.Fatalf("query %+v %v", st, err)
	}
	if err := p.CloseOrder(ctx, "ML-NATIVE"); err != nil {
		t.Fatal(err)
	}
	if st, _ := p.QueryOrder(ctx, "ML-NATIVE"); st.State != "CLOSED" {
		t.Fatalf("after close %+v", st)
	}
	eur := *o
	eur.Total.Currency = "EUR"
	if _, err := p.Request(ctx, &concierge.Bot{ID: "shop"}, &eur); concierge.ErrorCode(err) != concierge.CodeInvalid {
		t.Fatalf("EUR order: %v", err)
	}
}

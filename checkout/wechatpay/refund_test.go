package wechatpay_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout/wechatpay"
	"github.com/conciergehq/concierge/checkout/wechatpay/wechatpaytest"
)

const (
	testApp = "wxapp"
	testMch = "1900000109"
	testKey = "0123456789abcdef0123456789abcdef"
)

// refundFixture is a TLS fake with a paid order ML-REFUND of 4900 fen and
// a provider presenting the merchant certificate the fake's CA issued.
func refundFixture(t *testing.T) (*wechatpaytest.Server, *wechatpay.Provider, *concierge.Order, concierge.Payment) {
	t.Helper()
	fake, err := wechatpaytest.NewTLS(testApp, testMch, testKey)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	certFile, keyFile, err := fake.ClientCertificate(t.TempDir(), testMch)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := wechatpay.LoadCertificate(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	p, err := wechatpay.New(wechatpay.Config{AppID: testApp, MchID: testMch, APIKey: testKey, APIBase: fake.URL,
		BaseURL: "https://shop.example", Certificate: &cert, Client: fake.Client()})
	if err != nil {
		t.Fatal(err)
	}
	o := &concierge.Order{ID: "ML-REFUND", Bot: "shop", Total: concierge.Money{Minor: 4900, Currency: "CNY"}, ExpiresAt: time.Now().Add(time.Hour)}
	if _, err := p.Prepay(context.Background(), "shop", o, wechatpay.TradeNative, "", ""); err != nil {
		t.Fatalf("prepay: %v %v", err, fake.Errors())
	}
	body, err := fake.Notification(string(o.ID), 4900, wechatpay.SignMD5)
	if err != nil {
		t.Fatal(err)
	}
	n, err := p.VerifyNotify(body)
	if err != nil {
		t.Fatal(err)
	}
	return fake, p, o, n.Payment()
}

// TestRefund refunds part of a payment through the certificate-guarded
// fake, retries with the same key (the same refund, not a second), and
// maps WeChat Pay's refusals to retryable and lasting errors.
func TestRefund(t *testing.T) {
	fake, p, o, paid := refundFixture(t)
	ctx := context.Background()
	half := concierge.Money{Minor: 2000, Currency: "CNY"}

	r, err := p.Refund(ctx, concierge.RefundRequest{Order: o, Paid: paid, Amount: half, Reason: "damaged", Key: "proposal-7"})
	if err != nil {
		t.Fatalf("refund: %v %v", err, fake.Errors())
	}
	at := fake.Refund("proposal-7")
	if at == nil || r.ProviderRef != at.RefundID || r.Status != wechatpay.RefundProcessing || r.Amount != half || r.Provider != wechatpay.ProviderName {
		t.Fatalf("refund %+v at fake %+v", r, at)
	}
	want := map[string]string{"out_trade_no": "ML-REFUND", "transaction_id": paid.ProviderRef, "total_fee": "4900", "refund_fee": "2000",
		"out_refund_no": "proposal-7", "notify_url": "https://shop.example/webhooks/shop/wechatpay/refund", "refund_desc": "damaged"}
	for k, v := range want {
		if at.Params[k] != v {
			t.Errorf("%s = %q, want %q", k, at.Params[k], v)
		}
	}

	again, err := p.Refund(ctx, concierge.RefundRequest{Order: o, Paid: paid, Amount: half, Reason: "damaged", Key: "proposal-7"})
	if err != nil || again.ProviderRef != r.ProviderRef {
		t.Fatalf("retry: %+v %v", again, err)
	}
	if got := fake.Refunded("ML-REFUND"); got != 2000 || fake.Refund("proposal-7").Requests != 2 {
		t.Fatalf("refunded %d fen after a retry, want 2000 once", got)
	}

	tests := []struct {
		name, code string
		key        string
		amount     int64
		want       concierge.Code
	}{
		{"not enough balance", "NOTENOUGH", "proposal-8", 1000, concierge.CodeUnavailable},
		{"system error", "SYSTEMERROR", "proposal-8", 1000, concierge.CodeUnavailable},
		{"lasting refusal", "USER_ACCOUNT_ABNORMAL", "proposal-8", 1000, concierge.CodeInvalid},
		{"more than the rest", "", "proposal-9", 2901, concierge.CodeInvalid},
		{"more than paid", "", "proposal-10", 4901, concierge.CodeInvalid},
		{"bad key", "", "proposal/10", 100, concierge.CodeInvalid},
		{"key too long", "", strings.Repeat("k", 65), 100, concierge.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.code != "" {
				fake.FailNextRefund(tt.code)
			}
			_, err := p.Refund(ctx, concierge.RefundRequest{Order: o, Paid: paid, Amount: concierge.Money{Minor: tt.amount, Currency: "CNY"}, Reason: "", Key: tt.key})
			if concierge.ErrorCode(err) != tt.want {
				t.Fatalf("got %v (%s), want %s", err, concierge.ErrorCode(err), tt.want)
			}
			var api *wechatpay.APIError
			if tt.code != "" && (!errors.As(err, &api) || api.Code != tt.code) {
				t.Fatalf("%v does not carry %s", err, tt.code)
			}
		})
	}
	if got := fake.Refunded("ML-REFUND"); got != 2000 {
		t.Fatalf("refunded %d fen after refusals, want 2000", got)
	}
}

// TestRefundNeedsClientCertificate: the fake refuses a TLS handshake
// without the merchant certificate, or with one of another CA, and a
// provider without a certificate refuses to refund before calling.
func TestRefundNeedsClientCertificate(t *testing.T) {
	fake, _, o, paid := refundFixture(t)
	ctx := context.Background()
	amount := concierge.Money{Minor: 100, Currency: "CNY"}

	bare, _ := wechatpay.New(wechatpay.Config{AppID: testApp, MchID: testMch, APIKey: testKey, APIBase: fake.URL, BaseURL: "https://shop.example", Client: fake.Client()})
	if _, err := bare.Refund(ctx, concierge.RefundRequest{Order: o, Paid: paid, Amount: amount, Reason: "", Key: "proposal-1"}); concierge.ErrorCode(err) != concierge.CodeUnavailable || !strings.Contains(err.Error(), "cert_file") {
		t.Fatalf("without certificate: %v", err)
	}
	resp, err := fake.Client().Post(fake.URL+"/secapi/pay/refund", "text/xml", strings.NewReader("<xml></xml>"))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("the fake answered %s without a client certificate", resp.Status)
	}

	other, err := wechatpaytest.NewTLS(testApp, testMch, testKey)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	certFile, keyFile, err := other.ClientCertificate(t.TempDir(), testMch)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := wechatpay.LoadCertificate(certFile, keyFile)
	stranger, _ := wechatpay.New(wechatpay.Config{AppID: testApp, MchID: testMch, APIKey: testKey, APIBase: fake.URL,
		BaseURL: "https://shop.example", Certificate: &cert, Client: fake.Client()})
	if _, err := stranger.Refund(ctx, concierge.RefundRequest{Order: o, Paid: paid, Amount: amount, Reason: "", Key: "proposal-1"}); err == nil {
		t.Fatal("a certificate of another CA was accepted")
	}
	if fake.Refund("proposal-1") != nil || fake.Refunded("ML-REFUND") != 0 {
		t.Fatal("refunded without the merchant certificate")
	}
	if _, err := wechatpay.LoadCertificate(certFile+".missing", keyFile); err == nil {
		t.Fatal("a missing certificate file loaded")
	}
}

// TestDecryptReqInfoVector decrypts the shared refund notification vector.
func TestDecryptReqInfoVector(t *testing.T) {
	var v struct {
		Key       string `json:"api_v2_key"`
		ReqInfo   string `json:"req_info"`
		Plaintext string `json:"expected_plaintext"`
	}
	if err := json.Unmarshal(fixture(t, "v2_refund_notify_req_info_vector.json"), &v); err != nil {
		t.Fatal(err)
	}
	got, err := wechatpay.DecryptReqInfo(v.ReqInfo, v.Key)
	if err != nil || string(got) != v.Plaintext {
		t.Fatalf("got %q %v", got, err)
	}
	if _, err := wechatpay.DecryptReqInfo(v.ReqInfo, "another key"); err == nil {
		t.Fatal("decrypted under another key")
	}
	if back, _ := wechatpay.DecryptReqInfo(wechatpay.EncryptReqInfo(got, v.Key), v.Key); string(back) != v.Plaintext {
		t.Fatal("encrypt does not round-trip")
	}

	p, _ := wechatpay.New(wechatpay.Config{AppID: "wxapp", MchID: "1900000109", APIKey: v.Key, BaseURL: "https://x"})
	body := "<xml><return_code>SUCCESS</return_code><appid>wxapp</appid><mch_id>1900000109</mch_id><nonce_str>n</nonce_str><req_info>" + v.ReqInfo + "</req_info></xml>"
	r, err := p.DecryptRefundNotify([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := wechatpay.RefundResult{Order: "4893e76d8c8b434cb64e9cd536338e33", TransactionID: "4200000015201711256947025404",
		RefundID: "50000404922017112502468056157", OutRefundNo: "50fd012ed1b311e7af7800163e32c503",
		Amount: concierge.Money{Minor: 6, Currency: "CNY"}, State: "SUCCESS", At: time.Date(2017, 11, 25, 7, 36, 17, 0, time.UTC)}
	if *r != want || r.Status() != wechatpay.RefundSucceeded {
		t.Fatalf("got %+v\nwant %+v", *r, want)
	}
}

// TestRefundNotifyRefused refuses forged, undecryptable and misaddressed
// refund notifications.
func TestRefundNotifyRefused(t *testing.T) {
	fake, p, o, paid := refundFixture(t)
	if _, err := p.Refund(context.Background(), concierge.RefundRequest{Order: o, Paid: paid, Amount: concierge.Money{Minor: 100, Currency: "CNY"}, Reason: "", Key: "proposal-3"}); err != nil {
		t.Fatal(err)
	}
	good, err := fake.Settle("proposal-3", "SUCCESS")
	if err != nil {
		t.Fatal(err)
	}
	if r, err := p.DecryptRefundNotify(good); err != nil || r.OutRefundNo != "proposal-3" || r.Order != o.ID || r.Amount.Minor != 100 {
		t.Fatalf("genuine: %+v %v", r, err)
	}
	forgedInner := "<root><out_refund_no>proposal-3</out_refund_no><refund_id>1</refund_id><refund_fee>100</refund_fee><refund_status>SUCCESS</refund_status></root>"
	swap := func(reqInfo string) []byte {
		return []byte("<xml><return_code>SUCCESS</return_code><appid>" + testApp + "</appid><mch_id>" + testMch + "</mch_id><req_info>" + reqInfo + "</req_info></xml>")
	}
	tests := []struct {
		name string
		body []byte
		want concierge.Code
	}{
		{"encrypted under another key", swap(wechatpay.EncryptReqInfo([]byte(forgedInner), "not the merchant key")), concierge.CodeUnauthorized},
		{"not base64", swap("%%%"), concierge.CodeUnauthorized},
		{"not whole blocks", swap("YWJj"), concierge.CodeUnauthorized},
		{"plaintext XML, not encrypted", swap(forgedInner), concierge.CodeInvalid},
		{"base64 of plaintext, not encrypted", swap(base64.StdEncoding.EncodeToString([]byte(forgedInner + strings.Repeat(" ", 16-len(forgedInner)%16)))), concierge.CodeUnauthorized},
		{"empty result", swap(wechatpay.EncryptReqInfo([]byte("<root><x>1</x></root>"), testKey)), concierge.CodeUnauthorized},
		{"another merchant", []byte(strings.Replace(string(good), testMch, "123", 1)), concierge.CodeUnauthorized},
		{"doctype", []byte(`<!DOCTYPE xml><xml><return_code>SUCCESS</return_code></xml>`), concierge.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := p.DecryptRefundNotify(tt.body); concierge.ErrorCode(err) != tt.want {
				t.Fatalf("got %v, want %s", err, tt.want)
			}
		})
	}
}

// TestQueryRefund reads a refund's state at the fake before and after it
// ends.
func TestQueryRefund(t *testing.T) {
	fake, p, o, paid := refundFixture(t)
	ctx := context.Background()
	r, err := p.Refund(ctx, concierge.RefundRequest{Order: o, Paid: paid, Amount: concierge.Money{Minor: 4900, Currency: "CNY"}, Reason: "", Key: "proposal-4"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := p.QueryRefund(ctx, r.ProviderRef)
	if err != nil || q.Status() != wechatpay.RefundProcessing || q.OutRefundNo != "proposal-4" || q.Amount.Minor != 4900 {
		t.Fatalf("processing: %+v %v", q, err)
	}
	if _, err := fake.Settle("proposal-4", "CHANGE"); err != nil {
		t.Fatal(err)
	}
	if q, err = p.QueryRefund(ctx, r.ProviderRef); err != nil || q.Status() != wechatpay.RefundFailed || q.State != "CHANGE" {
		t.Fatalf("changed: %+v %v", q, err)
	}
	if _, err := p.QueryRefund(ctx, "nope"); err == nil {
		t.Fatal("an unknown refund was found")
	}
}

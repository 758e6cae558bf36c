package wechatpay_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout/wechatpay"
	"github.com/conciergehq/concierge/checkout/wechatpay/wechatpaytest"
)

// p12 is the path of a committed test .p12 (see testdata/p12/README.md).
func p12(name string) string { return filepath.Join("testdata", "p12", name) }

// TestLoadPKCS12 reads the committed .p12 files: the valid one with the
// mch_id as password, and each way a file can be unusable.
func TestLoadPKCS12(t *testing.T) {
	tests := []struct {
		name, file, password string
		want                 string // "" = loads; else part of the error
		expired              bool
	}{
		{"valid", "apiclient_cert.p12", testMch, "", false},
		{"expired loads, the caller checks", "apiclient_cert_expired.p12", testMch, "", true},
		{"wrong password", "apiclient_cert.p12", "1900000110", "wrong password", false},
		{"empty password", "apiclient_cert.p12", "", "wrong password", false},
		{"OpenSSL 3 default algorithms", "apiclient_cert_aes.p12", testMch, "openssl pkcs12 -export -legacy", false},
		{"missing", "nope.p12", testMch, "no such file", false},
		{"not PKCS#12", "README.md", testMch, "not a PKCS#12 file", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := wechatpay.LoadPKCS12(p12(tt.file), tt.password)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("got %v, want an error with %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Leaf == nil || c.Leaf.Subject.CommonName != testMch || len(c.Certificate) != 1 || c.PrivateKey == nil {
				t.Fatalf("certificate %+v", c.Leaf)
			}
			if got := time.Now().After(c.Leaf.NotAfter); got != tt.expired {
				t.Fatalf("expired = %v (not after %s), want %v", got, c.Leaf.NotAfter, tt.expired)
			}
		})
	}
	if _, err := wechatpay.LoadPKCS12(p12("apiclient_cert.p12"), "x"); !errors.Is(err, wechatpay.ErrPKCS12Password) {
		t.Fatalf("wrong password is %v, want ErrPKCS12Password", err)
	}
}

// TestRefundPKCS12 refunds over mutual TLS presenting the certificate read
// from the committed apiclient_cert.p12, against a fake that trusts that
// certificate; a fake that does not trust it refuses the handshake, so
// the .p12's certificate is the one presented.
func TestRefundPKCS12(t *testing.T) {
	cert, err := wechatpay.LoadPKCS12(p12("apiclient_cert.p12"), testMch)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, trusted := range []bool{true, false} {
		var fake *wechatpaytest.Server
		if trusted {
			fake, err = wechatpaytest.NewTLS(testApp, testMch, testKey, cert.Leaf)
		} else {
			fake, err = wechatpaytest.NewTLS(testApp, testMch, testKey)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer fake.Close()
		p, err := wechatpay.New(wechatpay.Config{AppID: testApp, MchID: testMch, APIKey: testKey, APIBase: fake.URL,
			BaseURL: "https://shop.example", Certificate: &cert, Client: fake.Client()})
		if err != nil {
			t.Fatal(err)
		}
		o := &concierge.Order{ID: "ML-P12", Bot: "shop", Total: concierge.Money{Minor: 4900, Currency: "CNY"}, ExpiresAt: time.Now().Add(time.Hour)}
		_, err = p.Prepay(ctx, "shop", o, wechatpay.TradeNative, "", "")
		if !trusted {
			// Every call presents the certificate, and the fake's CA list
			// does not name it, so not even the prepay gets through.
			if err == nil {
				t.Fatal("a fake that does not trust the .p12's certificate answered")
			}
			continue
		}
		if err != nil {
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
		amount := concierge.Money{Minor: 1500, Currency: "CNY"}
		r, err := p.Refund(ctx, concierge.RefundRequest{Order: o, Paid: n.Payment(), Amount: amount, Reason: "damaged", Key: "proposal-p12"})
		if err != nil {
			t.Fatalf("refund: %v %v", err, fake.Errors())
		}
		at := fake.Refund("proposal-p12")
		if at == nil || at.RefundID != r.ProviderRef || r.Status != wechatpay.RefundProcessing || fake.Refunded("ML-P12") != 1500 {
			t.Fatalf("refund %+v at fake %+v", r, at)
		}
	}
}

package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCert writes a self-signed certificate valid until notAfter and its
// key to dir/name.pem and dir/name.key.
func writeCert(t *testing.T, dir, name string, notAfter time.Time) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "1900000109"},
		NotBefore: notAfter.Add(-48 * time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	os.WriteFile(filepath.Join(dir, name+".pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(filepath.Join(dir, name+".key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
}

// TestWeChatPayCertificate loads bot files naming the merchant certificate:
// a good pair relative to the file is resolved next to it; a missing,
// mismatched, half-configured or expired one is an error at the value's
// position.
func TestWeChatPayCertificate(t *testing.T) {
	dir := t.TempDir()
	writeCert(t, dir, "good", time.Now().Add(365*24*time.Hour))
	writeCert(t, dir, "other", time.Now().Add(365*24*time.Hour))
	writeCert(t, dir, "old", time.Now().Add(-24*time.Hour))
	os.WriteFile(filepath.Join(dir, "garbage.pem"), []byte("not a certificate"), 0o600)

	tests := []struct {
		name string
		keys []string // more keys of payments.wechatpay, from line 8
		want string   // "" = loads; else the diagnostic's position and text
	}{
		{"none", nil, ""},
		{"relative pair", []string{"cert_file: good.pem", "key_file: good.key"}, ""},
		{"missing file", []string{"cert_file: nope.pem", "key_file: good.key"}, ":8:16: payments.wechatpay: cannot use the merchant certificate"},
		{"not a certificate", []string{"cert_file: garbage.pem", "key_file: good.key"}, ":8:16: payments.wechatpay: cannot use"},
		{"key of another certificate", []string{"cert_file: good.pem", "key_file: other.key"}, ":8:16: payments.wechatpay: cannot use"},
		{"key file alone", []string{"key_file: good.key"}, ":5:3: payments.wechatpay.cert_file is required: key_file is set"},
		{"cert file alone", []string{"cert_file: good.pem"}, ":5:3: payments.wechatpay.key_file is required: cert_file is set"},
		{"empty cert file", []string{`cert_file: ""`, "key_file: good.key"}, ":8:16: payments.wechatpay.cert_file must not be empty"},
		{"expired", []string{"cert_file: old.pem", "key_file: old.key"}, ":8:16: payments.wechatpay.cert_file: the merchant certificate expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yaml := "bot: shop\ncurrency: CNY\nchannels: { web: { enabled: true } }\npayments:\n  wechatpay:\n    mch_id: \"1900000109\"\n    api_key: key\n"
			for _, k := range tt.keys {
				yaml += "    " + k + "\n"
			}
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".yaml")
			if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := LoadFile(path, getenv(nil))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				w := f.Payments.WeChatPay
				if len(tt.keys) > 0 && (w.CertFile != filepath.Join(dir, "good.pem") || w.KeyFile != filepath.Join(dir, "good.key")) {
					t.Fatalf("paths not resolved next to the file: %q %q", w.CertFile, w.KeyFile)
				}
				return
			}
			var errs *Errors
			if !errors.As(err, &errs) || !strings.Contains(err.Error(), path+tt.want) {
				t.Fatalf("got %v, want %s%s", err, path, tt.want)
			}
		})
	}
}

// TestWeChatPayCertificateP12 loads bot files naming the merchant
// certificate as WeChat Pay's apiclient_cert.p12 (the committed test files
// of checkout/wechatpay/testdata/p12, whose password is the mch_id): it
// opens with the mch_id or cert_p12_password and resolves next to the bot
// file; both forms at once, an unreadable file, a wrong password, an
// unsupported encryption and an expired certificate are errors at the
// value's position.
func TestWeChatPayCertificateP12(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"apiclient_cert.p12", "apiclient_cert_expired.p12", "apiclient_cert_aes.p12"} {
		data, err := os.ReadFile(filepath.Join("..", "checkout", "wechatpay", "testdata", "p12", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeCert(t, dir, "good", time.Now().Add(365*24*time.Hour))
	os.WriteFile(filepath.Join(dir, "garbage.p12"), []byte("not a certificate"), 0o600)

	tests := []struct {
		name     string
		keys     []string // more keys of payments.wechatpay, from line 8
		password string   // the password the file should end with, when it loads
		want     string   // "" = loads; else the diagnostic's position and text
	}{
		{"mch_id as password", []string{"cert_p12: apiclient_cert.p12"}, "1900000109", ""},
		{"explicit password", []string{"cert_p12: apiclient_cert.p12", "cert_p12_password: \"1900000109\""}, "1900000109", ""},
		{"wrong explicit password", []string{"cert_p12: apiclient_cert.p12", "cert_p12_password: secret"}, "", ":9:24: payments.wechatpay.cert_p12_password: wrong password for"},
		{"explicit empty password", []string{"cert_p12: apiclient_cert.p12", "cert_p12_password: \"\""}, "", ":9:24: payments.wechatpay.cert_p12_password: wrong password"},
		{"another mch_id", []string{"cert_p12: apiclient_cert.p12", "#mch_id 1900000110"}, "", ":8:15: payments.wechatpay.cert_p12: " + "%DIR%apiclient_cert.p12 does not open with the mch_id as password; set cert_p12_password"},
		{"missing file", []string{"cert_p12: nope.p12"}, "", ":8:15: payments.wechatpay.cert_p12: cannot read the merchant certificate"},
		{"not PKCS#12", []string{"cert_p12: garbage.p12"}, "", ":8:15: payments.wechatpay.cert_p12: "},
		{"OpenSSL 3 default algorithms", []string{"cert_p12: apiclient_cert_aes.p12"}, "", ":8:15: payments.wechatpay.cert_p12: cannot read"},
		{"expired", []string{"cert_p12: apiclient_cert_expired.p12"}, "", ":8:15: payments.wechatpay.cert_p12: the merchant certificate expired on 2021-01-01"},
		{"with cert_file", []string{"cert_p12: apiclient_cert.p12", "cert_file: good.pem", "key_file: good.key"}, "", ":8:15: payments.wechatpay.cert_p12 and cert_file are two ways"},
		{"empty", []string{`cert_p12: ""`}, "", ":8:15: payments.wechatpay.cert_p12 must not be empty"},
		{"password alone", []string{"cert_p12_password: x"}, "", ":8:24: payments.wechatpay.cert_p12_password is set without cert_p12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mch := "1900000109"
			yaml := ""
			for _, k := range tt.keys {
				if m, ok := strings.CutPrefix(k, "#mch_id "); ok {
					mch = m
				}
				yaml += "    " + k + "\n"
			}
			yaml = "bot: shop\ncurrency: CNY\nchannels: { web: { enabled: true } }\npayments:\n  wechatpay:\n    mch_id: \"" + mch + "\"\n    api_key: key\n" + yaml
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".yaml")
			if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			tt.want = strings.ReplaceAll(tt.want, "%DIR%", dir+string(filepath.Separator))
			f, err := LoadFile(path, getenv(nil))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				w := f.Payments.WeChatPay
				if w.CertP12 != filepath.Join(dir, "apiclient_cert.p12") || w.CertP12Password != tt.password {
					t.Fatalf("cert_p12 %q password %q", w.CertP12, w.CertP12Password)
				}
				return
			}
			var errs *Errors
			if !errors.As(err, &errs) || !strings.Contains(err.Error(), path+tt.want) {
				t.Fatalf("got %v, want %s%s", err, path, tt.want)
			}
		})
	}
}

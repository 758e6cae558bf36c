package wechatpay

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"golang.org/x/crypto/pkcs12"
)

// LoadPKCS12 reads the merchant's API certificate from the
// apiclient_cert.p12 that WeChat Pay issues (its password is the mch_id),
// an alternative to LoadCertificate's PEM pair. The file must hold one
// certificate and its key, in the legacy algorithms Tencent uses
// (x/crypto/pkcs12 is frozen and reads no others); a file re-exported by
// OpenSSL 3 with its defaults gets an error saying how to export it again.
func LoadPKCS12(file, password string) (tls.Certificate, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("wechatpay: merchant certificate: %w", err)
	}
	c, err := DecodePKCS12(data, password)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("wechatpay: merchant certificate %s: %w", file, err)
	}
	return c, nil
}

// ErrPKCS12Password is DecodePKCS12's error for a wrong password.
var ErrPKCS12Password = errors.New("wrong password (WeChat Pay's apiclient_cert.p12 uses the mch_id)")

// DecodePKCS12 is LoadPKCS12 on the file's contents. The certificate and
// key must be a pair; the certificate's validity is the caller's to check
// (Leaf is set).
func DecodePKCS12(data []byte, password string) (tls.Certificate, error) {
	key, cert, err := pkcs12.Decode(data, password)
	var unsupported pkcs12.NotImplementedError
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword):
		return tls.Certificate{}, ErrPKCS12Password
	case errors.As(err, &unsupported):
		return tls.Certificate{}, fmt.Errorf("%w; this reads the legacy PKCS#12 algorithms of WeChat Pay's own file, so use that file or export it again with `openssl pkcs12 -export -legacy`", err)
	case err != nil:
		return tls.Certificate{}, fmt.Errorf("not a PKCS#12 file with one certificate and its key: %w", err)
	}
	// Going through PEM lets tls.X509KeyPair check that the key is the
	// certificate's, as LoadCertificate does for the PEM pair.
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("the private key: %w", err)
	}
	pair, err := tls.X509KeyPair(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
	if err != nil {
		return tls.Certificate{}, err
	}
	return pair, nil
}

package httpsig_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/conciergehq/concierge/agentcommerce/httpsig"
)

// RFC 9421 Appendix B.1.4 (test-key-ed25519) and B.2.6 (signing a request
// using ed25519): Ed25519 is deterministic, so the signature is the RFC's
// byte for byte.
const (
	rfcSeed      = "n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU"
	rfcX         = "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"
	rfcInput     = `sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`
	rfcSignature = "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:"
	rfcBase      = `"date": Tue, 20 Apr 2021 02:07:55 GMT
"@method": POST
"@path": /foo
"@authority": example.com
"content-type": application/json
"content-length": 18
"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`
)

// rfcRequest is the RFC's test request (Appendix B.2).
func rfcRequest() httpsig.Message {
	h := http.Header{}
	h.Set("Date", "Tue, 20 Apr 2021 02:07:55 GMT")
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", "18")
	return httpsig.Message{Method: "POST", Authority: "example.com", Path: "/foo", Query: "param=Value&Pet=dog", Header: h}
}

func rfcKey(t *testing.T) *httpsig.PrivateKey {
	seed, err := base64.RawURLEncoding.DecodeString(rfcSeed)
	if err != nil {
		t.Fatal(err)
	}
	k, err := httpsig.NewEd25519(seed)
	if err != nil {
		t.Fatal(err)
	}
	k.KeyID = "test-key-ed25519"
	return k
}

func TestRFC9421Ed25519Vector(t *testing.T) {
	k := rfcKey(t)
	if k.JWK().X != rfcX {
		t.Fatalf("public key %s, want the RFC's %s", k.JWK().X, rfcX)
	}
	m := rfcRequest()
	in, sig, err := httpsig.Sign(m, "sig-b26", []string{"date", "@method", "@path", "@authority", "content-type", "content-length"}, k, time.Unix(1618884473, 0))
	if err != nil {
		t.Fatal(err)
	}
	if in != rfcInput || sig != rfcSignature {
		t.Fatalf("Signature-Input %s\nSignature %s\nwant the RFC's", in, sig)
	}
	inputs, err := httpsig.ParseInput(rfcInput)
	if err != nil {
		t.Fatal(err)
	}
	base, err := httpsig.Base(m, inputs["sig-b26"])
	if err != nil || string(base) != rfcBase {
		t.Fatalf("base:\n%s\n%v", base, err)
	}
	// Verifying the RFC's headers with the RFC's public key.
	m.Header.Set("Signature-Input", rfcInput)
	m.Header.Set("Signature", rfcSignature)
	pub := []httpsig.JWK{{Kid: "test-key-ed25519", Kty: "OKP", Crv: "Ed25519", X: rfcX}}
	now := time.Unix(1618884473, 0)
	if v, err := httpsig.Verify(m, pub, []string{"@method", "@path"}, now); err != nil || v.Label != "sig-b26" {
		t.Fatalf("verify: %v %v", v, err)
	}
	for name, change := range map[string]func(m *httpsig.Message){
		"another path":   func(m *httpsig.Message) { m.Path = "/bar" },
		"another method": func(m *httpsig.Message) { m.Method = "PUT" },
		"another header": func(m *httpsig.Message) { m.Header.Set("Content-Length", "19") },
	} {
		c := rfcRequest()
		c.Header.Set("Signature-Input", rfcInput)
		c.Header.Set("Signature", rfcSignature)
		change(&c)
		if _, err := httpsig.Verify(c, pub, nil, now); !errors.Is(err, httpsig.ErrBadSig) {
			t.Errorf("%s: %v, want ErrBadSig", name, err)
		}
	}
	if _, err := httpsig.Verify(m, pub, []string{"content-digest"}, now); !errors.Is(err, httpsig.ErrCoverage) {
		t.Errorf("uncovered content-digest: %v", err)
	}
	if _, err := httpsig.Verify(m, []httpsig.JWK{{Kid: "other", Kty: "OKP", Crv: "Ed25519", X: rfcX}}, nil, now); !errors.Is(err, httpsig.ErrUnknownKey) {
		t.Errorf("unknown keyid: %v", err)
	}
	if _, err := httpsig.Verify(m, pub, nil, now.Add(-time.Hour)); !errors.Is(err, httpsig.ErrExpired) {
		t.Errorf("created in the future: %v", err)
	}
}

// TestRFC9530Digest: the digest of the RFCs' example body.
func TestRFC9530Digest(t *testing.T) {
	body := []byte(`{"hello": "world"}`)
	if d := httpsig.Digest(body); d != "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:" {
		t.Fatalf("digest %s", d)
	}
	if err := httpsig.CheckDigest("sha-512=:abc=:, sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", body); err != nil {
		t.Fatal(err)
	}
	if err := httpsig.CheckDigest(httpsig.Digest(body), []byte(`{"hello": "World"}`)); !errors.Is(err, httpsig.ErrDigest) {
		t.Fatalf("another body: %v", err)
	}
}

// TestES256RoundTrip: ECDSA is randomised, so the test signs and
// verifies, as UCP's response signature (@status, content-digest,
// content-type), and refuses a changed status or a DER-length signature.
func TestES256RoundTrip(t *testing.T) {
	k, err := httpsig.GenerateES256()
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"id":"chk_1"}`)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Digest", httpsig.Digest(body))
	m := httpsig.Message{Status: 201, Header: h}
	in, sig, err := httpsig.Sign(m, "sig1", []string{"@status", "content-digest", "content-type"}, k, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h.Set("Signature-Input", in)
	h.Set("Signature", sig)
	keys := []httpsig.JWK{k.JWK()}
	if keys[0].Kid != keys[0].Thumbprint() || keys[0].Alg != "ES256" {
		t.Fatalf("jwk %+v", keys[0])
	}
	if _, err := httpsig.Verify(m, keys, []string{"@status", "content-digest"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	m.Status = 200
	if _, err := httpsig.Verify(m, keys, nil, time.Now()); !errors.Is(err, httpsig.ErrBadSig) {
		t.Fatalf("another status: %v", err)
	}
}

// TestParsePrivateKey reads the RFC's PKCS#8 Ed25519 key (B.1.4), PEM and
// bare base64.
func TestParsePrivateKey(t *testing.T) {
	const der = "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF"
	for _, s := range []string{der, "-----BEGIN PRIVATE KEY-----\n" + der + "\n-----END PRIVATE KEY-----\n"} {
		k, err := httpsig.ParsePrivateKey(s)
		if err != nil {
			t.Fatal(err)
		}
		if k.JWK().X != rfcX {
			t.Fatalf("x %s", k.JWK().X)
		}
	}
	if _, err := httpsig.ParsePrivateKey("not a key"); err == nil {
		t.Fatal("garbage parsed")
	}
}

package httpsig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// JWK is a public signing key as UCP profiles publish them in
// signing_keys (RFC 7517; OKP per RFC 8037).
type JWK struct {
	Kid string `json:"kid"`
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y,omitempty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
}

var b64u = base64.RawURLEncoding

// verify checks sig over base with k: Ed25519 for OKP/Ed25519, ECDSA
// P-256 with SHA-256 and a raw r||s signature for EC/P-256. Other keys
// are unsupported, which fails this signature only.
func (k JWK) verify(base, sig []byte) error {
	switch {
	case k.Kty == "OKP" && k.Crv == "Ed25519":
		x, err := b64u.DecodeString(k.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			return fmt.Errorf("%w: bad Ed25519 key %q", ErrUnknownKey, k.Kid)
		}
		if !ed25519.Verify(ed25519.PublicKey(x), base, sig) {
			return ErrBadSig
		}
		return nil
	case k.Kty == "EC" && k.Crv == "P-256":
		pub, err := k.ecdsa()
		if err != nil {
			return err
		}
		if len(sig) != 64 {
			return fmt.Errorf("%w: an ES256 signature is 64 bytes (r||s), not %d", ErrBadSig, len(sig))
		}
		sum := sha256.Sum256(base)
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(pub, sum[:], r, s) {
			return ErrBadSig
		}
		return nil
	}
	return fmt.Errorf("httpsig: algorithm_unsupported: key %q is %s/%s", k.Kid, k.Kty, k.Crv)
}

func (k JWK) ecdsa() (*ecdsa.PublicKey, error) {
	x, err1 := b64u.DecodeString(k.X)
	y, err2 := b64u.DecodeString(k.Y)
	if err1 != nil || err2 != nil || len(x) != 32 || len(y) != 32 {
		return nil, fmt.Errorf("%w: bad P-256 key %q", ErrUnknownKey, k.Kid)
	}
	// The uncompressed point encoding, which ecdsa.ParseUncompressedPublicKey
	// checks is on the curve.
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		return nil, fmt.Errorf("%w: key %q: %v", ErrUnknownKey, k.Kid, err)
	}
	return pub, nil
}

// Thumbprint is k's RFC 7638 JWK SHA-256 thumbprint, base64url.
func (k JWK) Thumbprint() string {
	var s string
	switch k.Kty {
	case "OKP":
		s = `{"crv":"` + k.Crv + `","kty":"OKP","x":"` + k.X + `"}`
	default:
		s = `{"crv":"` + k.Crv + `","kty":"` + k.Kty + `","x":"` + k.X + `","y":"` + k.Y + `"}`
	}
	sum := sha256.Sum256([]byte(s))
	return b64u.EncodeToString(sum[:])
}

// PrivateKey is a business's signing key: Ed25519 or ECDSA P-256.
type PrivateKey struct {
	// KeyID is the kid published with its public key: its thumbprint.
	KeyID  string
	signer crypto.Signer
}

// ParsePrivateKey reads a PKCS#8 private key, PEM or base64 of its DER
// (so that it fits an environment variable), Ed25519 or ECDSA P-256.
func ParsePrivateKey(s string) (*PrivateKey, error) {
	s = strings.TrimSpace(s)
	var der []byte
	if blk, _ := pem.Decode([]byte(s)); blk != nil {
		der = blk.Bytes
	} else {
		var err error
		if der, err = base64.StdEncoding.DecodeString(s); err != nil {
			if der, err = base64.RawURLEncoding.DecodeString(s); err != nil {
				return nil, errors.New("httpsig: the signing key is neither PEM nor base64 PKCS#8")
			}
		}
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("httpsig: the signing key is not PKCS#8: %w", err)
	}
	return newPrivateKey(k)
}

// NewEd25519 returns the signing key of an Ed25519 seed; tests use it.
func NewEd25519(seed []byte) (*PrivateKey, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, errors.New("httpsig: an Ed25519 seed is 32 bytes")
	}
	return newPrivateKey(ed25519.NewKeyFromSeed(seed))
}

// GenerateES256 returns a new ECDSA P-256 key.
func GenerateES256() (*PrivateKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return newPrivateKey(k)
}

func newPrivateKey(k any) (*PrivateKey, error) {
	p := &PrivateKey{}
	switch k := k.(type) {
	case ed25519.PrivateKey:
		p.signer = k
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, errors.New("httpsig: only P-256 ECDSA keys are supported")
		}
		p.signer = k
	default:
		return nil, fmt.Errorf("httpsig: %T keys are not supported (Ed25519 or ECDSA P-256)", k)
	}
	p.KeyID = p.JWK().Thumbprint()
	return p, nil
}

// JWK is the public half of p, as the profile publishes it.
func (p *PrivateKey) JWK() JWK {
	switch k := p.signer.(type) {
	case ed25519.PrivateKey:
		return JWK{Kid: p.KeyID, Kty: "OKP", Crv: "Ed25519", X: b64u.EncodeToString(k.Public().(ed25519.PublicKey)), Use: "sig", Alg: "EdDSA"}
	case *ecdsa.PrivateKey:
		b, _ := k.PublicKey.Bytes() // 0x04 || x || y
		return JWK{Kid: p.KeyID, Kty: "EC", Crv: "P-256", X: b64u.EncodeToString(b[1:33]), Y: b64u.EncodeToString(b[33:]), Use: "sig", Alg: "ES256"}
	}
	return JWK{}
}

// sign signs base: Ed25519 as is, ES256 as raw r||s (RFC 9421 §3.3.1).
func (p *PrivateKey) sign(base []byte) ([]byte, error) {
	switch k := p.signer.(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(k, base), nil
	case *ecdsa.PrivateKey:
		sum := sha256.Sum256(base)
		r, s, err := ecdsa.Sign(rand.Reader, k, sum[:])
		if err != nil {
			return nil, fmt.Errorf("httpsig: sign: %w", err)
		}
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out, nil
	}
	return nil, errors.New("httpsig: no key")
}

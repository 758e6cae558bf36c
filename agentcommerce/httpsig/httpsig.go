// Package httpsig is the part of RFC 9421 (HTTP Message Signatures) and
// RFC 9530 (Content-Digest) that UCP uses between businesses and
// platforms: derived components @method, @authority, @path, @query and
// @status, plain header fields (no structured-field parameters such as
// ;sf, ;key or ;bs), the created, expires, keyid and nonce parameters,
// and the ES256 (ECDSA P-256, raw r||s) and Ed25519 algorithms, with keys
// as JWKs. It imports only the standard library; the UCP package signs and
// verifies with it.
package httpsig

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Message is what a signature covers: a request (Method, Authority, Path,
// Query) or a response (Status), and its header.
type Message struct {
	Method    string
	Authority string // host[:port], lowercase
	Path      string
	Query     string // without "?"; empty when absent
	Status    int
	Header    http.Header
}

// FromRequest is the Message of r as its server received it.
func FromRequest(r *http.Request) Message {
	return Message{Method: r.Method, Authority: strings.ToLower(r.Host), Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Header: r.Header}
}

// Params are a signature's covered components and parameters, as
// Signature-Input carries them for one label.
type Params struct {
	Components []string // lowercase, such as "@method" or "content-digest"
	Created    int64    // unix seconds; zero: absent
	Expires    int64    // zero: absent
	KeyID      string
	Nonce      string
	Tag        string
	raw        string // the serialized value as received, signed as is
}

// String is the serialized inner list and parameters, which is both the
// Signature-Input member's value and the @signature-params line.
func (p Params) String() string {
	if p.raw != "" {
		return p.raw
	}
	var b strings.Builder
	b.WriteByte('(')
	for i, c := range p.Components {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Quote(c))
	}
	b.WriteByte(')')
	if p.Created != 0 {
		b.WriteString(";created=" + strconv.FormatInt(p.Created, 10))
	}
	if p.Expires != 0 {
		b.WriteString(";expires=" + strconv.FormatInt(p.Expires, 10))
	}
	if p.KeyID != "" {
		b.WriteString(";keyid=" + strconv.Quote(p.KeyID))
	}
	if p.Nonce != "" {
		b.WriteString(";nonce=" + strconv.Quote(p.Nonce))
	}
	if p.Tag != "" {
		b.WriteString(";tag=" + strconv.Quote(p.Tag))
	}
	return b.String()
}

// Covers reports whether p covers component c.
func (p Params) Covers(c string) bool {
	for _, x := range p.Components {
		if x == c {
			return true
		}
	}
	return false
}

// Base is the signature base of m for p (RFC 9421 §2.5).
func Base(m Message, p Params) ([]byte, error) {
	var b strings.Builder
	seen := map[string]bool{}
	for _, c := range p.Components {
		if seen[c] {
			return nil, fmt.Errorf("httpsig: component %q covered twice", c)
		}
		seen[c] = true
		v, err := value(m, c)
		if err != nil {
			return nil, err
		}
		b.WriteString(strconv.Quote(c) + ": " + v + "\n")
	}
	b.WriteString(`"@signature-params": ` + p.String())
	return []byte(b.String()), nil
}

// value is one component's value in m.
func value(m Message, c string) (string, error) {
	switch c {
	case "@method":
		return strings.ToUpper(m.Method), nil
	case "@authority":
		return strings.ToLower(m.Authority), nil
	case "@path":
		if m.Path == "" {
			return "/", nil
		}
		return m.Path, nil
	case "@query":
		return "?" + m.Query, nil
	case "@status":
		if m.Status == 0 {
			return "", errors.New("httpsig: @status of a request")
		}
		return strconv.Itoa(m.Status), nil
	}
	if strings.HasPrefix(c, "@") || c != strings.ToLower(c) || strings.ContainsAny(c, ` ";`) {
		return "", fmt.Errorf("httpsig: component %q is not supported", c)
	}
	vs, ok := m.Header[http.CanonicalHeaderKey(c)]
	if !ok {
		return "", fmt.Errorf("httpsig: covered header %q is absent", c)
	}
	// Several lines of a field are joined with ", ", each trimmed
	// (RFC 9421 §2.1); obsolete line folding is not expected here.
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strings.TrimSpace(v)
	}
	return strings.Join(out, ", "), nil
}

// Digest is the Content-Digest of body: "sha-256=:<base64>:" (RFC 9530).
func Digest(body []byte) string {
	sum := sha256.Sum256(body)
	return "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
}

// CheckDigest checks that header, a Content-Digest, holds body's sha-256.
// Other algorithms in it are ignored; sha-256 must be one of them.
func CheckDigest(header string, body []byte) error {
	want := Digest(body)[len("sha-256="):]
	for member := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(member), "=")
		if strings.EqualFold(k, "sha-256") {
			if subtle.ConstantTimeCompare([]byte(v), []byte(want)) == 1 {
				return nil
			}
			return ErrDigest
		}
	}
	return fmt.Errorf("%w: no sha-256 in Content-Digest", ErrDigest)
}

// Errors of verification.
var (
	ErrNoSignature = errors.New("httpsig: no signature")
	ErrMalformed   = errors.New("httpsig: malformed Signature-Input or Signature")
	ErrDigest      = errors.New("httpsig: Content-Digest does not match the body")
	ErrUnknownKey  = errors.New("httpsig: keyid names no key of the signer")
	ErrCoverage    = errors.New("httpsig: the signature does not cover a required component")
	ErrBadSig      = errors.New("httpsig: signature does not verify")
	ErrExpired     = errors.New("httpsig: signature expired or created in the future")
)

// ParseInput parses a Signature-Input header into its members by label.
// It reads the subset UCP signers write: an inner list of quoted
// component names without parameters, then string and integer
// parameters.
func ParseInput(header string) (map[string]Params, error) {
	out := map[string]Params{}
	for header = strings.TrimSpace(header); header != ""; {
		label, rest, ok := strings.Cut(header, "=")
		label = strings.TrimSpace(label)
		if !ok || label == "" || !strings.HasPrefix(rest, "(") {
			return nil, ErrMalformed
		}
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return nil, ErrMalformed
		}
		var p Params
		for f := range strings.FieldsSeq(rest[1:end]) {
			c, err := strconv.Unquote(f)
			if err != nil || c == "" {
				return nil, fmt.Errorf("%w: component %s", ErrMalformed, f)
			}
			p.Components = append(p.Components, c)
		}
		i := end + 1
		for i < len(rest) && rest[i] == ';' {
			j := i + 1
			for j < len(rest) && rest[j] != '=' {
				j++
			}
			name := rest[i+1 : j]
			if j >= len(rest) {
				return nil, ErrMalformed
			}
			j++
			var val string
			if j < len(rest) && rest[j] == '"' {
				k := strings.IndexByte(rest[j+1:], '"')
				if k < 0 {
					return nil, ErrMalformed
				}
				val, j = rest[j+1:j+1+k], j+k+2
			} else {
				k := j
				for k < len(rest) && rest[k] != ';' && rest[k] != ',' {
					k++
				}
				val, j = rest[j:k], k
			}
			switch name {
			case "created", "expires":
				n, err := strconv.ParseInt(val, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("%w: %s", ErrMalformed, name)
				}
				if name == "created" {
					p.Created = n
				} else {
					p.Expires = n
				}
			case "keyid":
				p.KeyID = val
			case "nonce":
				p.Nonce = val
			case "tag":
				p.Tag = val
			}
			i = j
		}
		p.raw = rest[:i]
		out[label] = p
		header = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest[i:]), ","))
	}
	if len(out) == 0 {
		return nil, ErrNoSignature
	}
	return out, nil
}

// ParseSignature parses a Signature header into its byte sequences by
// label.
func ParseSignature(header string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for member := range strings.SplitSeq(header, ",") {
		label, v, ok := strings.Cut(strings.TrimSpace(member), "=")
		if !ok || len(v) < 2 || v[0] != ':' || v[len(v)-1] != ':' {
			return nil, ErrMalformed
		}
		b, err := base64.StdEncoding.DecodeString(v[1 : len(v)-1])
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		out[strings.TrimSpace(label)] = b
	}
	return out, nil
}

// Sign signs m with key under label, covering components, and returns
// the Signature-Input and Signature header values.
func Sign(m Message, label string, components []string, key *PrivateKey, created time.Time) (input, signature string, err error) {
	p := Params{Components: components, Created: created.Unix(), KeyID: key.KeyID}
	base, err := Base(m, p)
	if err != nil {
		return "", "", err
	}
	sig, err := key.sign(base)
	if err != nil {
		return "", "", err
	}
	return label + "=" + p.String(), label + "=:" + base64.StdEncoding.EncodeToString(sig) + ":", nil
}

// Verified is a signature that verified: its label and parameters.
type Verified struct {
	Label  string
	Params Params
}

// Verify checks m's Signature-Input and Signature: a signature verifies
// when its keyid names one of keys, it covers every component of
// required, its created is not in the future and its expires not past
// (with a minute of skew), and the signature over its base is good.
// Several signatures: the first that verifies is returned; when none
// does, the error of the last is. A body must be checked with
// CheckDigest against its covered Content-Digest by the caller.
func Verify(m Message, keys []JWK, required []string, now time.Time) (*Verified, error) {
	in, sig := m.Header.Get("Signature-Input"), m.Header.Get("Signature")
	if in == "" || sig == "" {
		return nil, ErrNoSignature
	}
	inputs, err := ParseInput(in)
	if err != nil {
		return nil, err
	}
	sigs, err := ParseSignature(sig)
	if err != nil {
		return nil, err
	}
	err = ErrNoSignature
	for label, p := range inputs {
		if err = verifyOne(m, p, sigs[label], keys, required, now); err == nil {
			return &Verified{Label: label, Params: p}, nil
		}
	}
	return nil, err
}

func verifyOne(m Message, p Params, sig []byte, keys []JWK, required []string, now time.Time) error {
	if sig == nil {
		return fmt.Errorf("%w: no Signature for the label", ErrMalformed)
	}
	for _, c := range required {
		if !p.Covers(c) {
			return fmt.Errorf("%w: %s", ErrCoverage, c)
		}
	}
	const skew = 60
	if p.Created != 0 && p.Created > now.Unix()+skew || p.Expires != 0 && p.Expires < now.Unix()-skew {
		return ErrExpired
	}
	var key *JWK
	for i := range keys {
		if keys[i].Kid == p.KeyID {
			key = &keys[i]
		}
	}
	if key == nil {
		return fmt.Errorf("%w: %q", ErrUnknownKey, p.KeyID)
	}
	base, err := Base(m, p)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return key.verify(base, sig)
}

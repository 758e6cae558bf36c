package hooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader is the header that carries a request's signature.
const SignatureHeader = "Concierge-Signature"

// DefaultTolerance is how old a signature Verify accepts by default.
const DefaultTolerance = 5 * time.Minute

// Verify's errors.
var (
	ErrNoSignature  = errors.New("hooks: no t= and v1= in the signature header")
	ErrBadSignature = errors.New("hooks: signature does not match")
	ErrTooOld       = errors.New("hooks: signature timestamp outside the tolerance")
)

// Sign returns the Concierge-Signature header value of body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<unix seconds>.<body>">". The
// timestamp is signed with the body, so a receiver that rejects old
// timestamps rejects replays, and a retry (signed anew) still passes.
//
// Each of previous adds another v1 value, the same HMAC keyed with that
// secret, after the current one. While a secret is rotated the request is
// signed with the new and the old one, so a receiver still holding the
// old secret and one already given the new both verify it.
func Sign(secret []byte, t time.Time, body []byte, previous ...[]byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	h := "t=" + ts + ",v1=" + mac(secret, ts, body)
	for _, p := range previous {
		h += ",v1=" + mac(p, ts, body)
	}
	return h
}

func mac(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks header, the Concierge-Signature of body, against secret:
// one of its v1 values must be the HMAC of its timestamp and body,
// compared in constant time, and the timestamp must be within tolerance
// of now (zero: DefaultTolerance). It is what a receiver written in Go
// runs; docs/inbox.md has the same steps for other languages.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var ts string
	var sigs []string
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	if ts == "" || len(sigs) == 0 {
		return ErrNoSignature
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: t=%q", ErrNoSignature, ts)
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		// Every value is compared, so the time taken says nothing of which.
		if hmac.Equal([]byte(s), []byte(want)) {
			ok = true
		}
	}
	if !ok {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed %s ago", ErrTooOld, d.Round(time.Second))
	}
	return nil
}

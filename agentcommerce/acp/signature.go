package acp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
)

// SignatureSkew is how far a request's Timestamp may be from the
// server's clock, either way. The checkout spec asks for "a bounded
// clock-skew window" without a figure; 300 s is the tolerance its
// webhook spec recommends.
const SignatureSkew = 5 * time.Minute

// SignRequest is the Signature header of a request whose Timestamp
// header is ts and whose body is body: the base64url (unpadded) HMAC-
// SHA256, with the secret the bot file shares with the agent, of
// "<ts>.<body>". The checkout spec (rfcs/rfc.agentic_checkout.md §2.1,
// §7) says the agent signs the request's canonical JSON with an
// accompanying RFC 3339 Timestamp and sends the HMAC as base64url, but
// not how the two are joined; this is the join its webhooks use
// ("<t>.<body>"), so that the timestamp is signed and a stale or altered
// one fails. The body is signed as sent: an agent that signs canonical
// JSON sends that JSON.
func SignRequest(secret []byte, ts string, body []byte) string {
	return base64.RawURLEncoding.EncodeToString(requestMAC(secret, ts, body))
}

func requestMAC(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts + "."))
	m.Write(body)
	return m.Sum(nil)
}

// signatureError is a refused signature: 401 with the spec's flat error.
type signatureError struct{ code, msg string }

func (e *signatureError) Error() string { return "acp: " + e.code + ": " + e.msg }

// checkSignature verifies the Signature and Timestamp headers of a
// request to bot when the bot file gives a signing secret: both must be
// present, the Timestamp within SignatureSkew of now, and the Signature
// the HMAC of the Timestamp and the body as received. It returns nil when
// the bot has no secret.
func (h *Handler) checkSignature(r *http.Request, bot concierge.BotID, body []byte) *signatureError {
	secret := h.cfg.SigningSecrets[bot]
	if len(secret) == 0 {
		return nil
	}
	sig, ts := strings.TrimSpace(r.Header.Get("Signature")), strings.TrimSpace(r.Header.Get("Timestamp"))
	if sig == "" || ts == "" {
		return &signatureError{"signature_required", "this shop requires signed requests: Signature and Timestamp headers"}
	}
	at, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return &signatureError{"invalid_timestamp", "Timestamp must be an RFC 3339 date-time"}
	}
	got, ok := decodeSignature(sig)
	if !ok || !hmac.Equal(got, requestMAC(secret, ts, body)) {
		return &signatureError{"invalid_signature", "the request signature does not verify"}
	}
	// Checked after the MAC, so that a forged request learns nothing of
	// the clock.
	if d := h.now().Sub(at); d > SignatureSkew || d < -SignatureSkew {
		return &signatureError{"stale_timestamp", "the request's Timestamp is too far from the server's clock"}
	}
	return nil
}

// decodeSignature reads a base64url signature, padded or not; standard
// base64 is accepted too, as some agents send it.
func decodeSignature(s string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == sha256.Size {
			return b, true
		}
	}
	return nil, false
}

// errReplayed refuses a signed request seen before with another
// Idempotency-Key: the signature covers the body and the Timestamp but
// not the key, so a captured request resent within SignatureSkew under a
// new key would otherwise be handled again.
var errReplayed = &signatureError{"signature_replayed", "this signature was already used for another request"}

// claimSignature records, in the request's transaction, that the signed
// request with Idempotency-Key key was handled, and refuses the same
// signature with another key or endpoint. A refused request rolls back,
// so its retry is handled afresh.
func claimSignature(ctx context.Context, tx agentcommerce.Tx, bot concierge.BotID, r *http.Request, key string) error {
	sig := strings.TrimSpace(r.Header.Get("Signature"))
	if sig == "" || r.Method == http.MethodGet {
		return nil
	}
	s := sha256.Sum256([]byte(sig))
	k := sha256.Sum256([]byte(r.URL.Path + "\n" + key))
	fresh, prev, _, _, err := tx.ClaimIdempotencyKey(ctx, string(bot)+"/acp-signature", hex.EncodeToString(s[:]), hex.EncodeToString(k[:]))
	if err != nil {
		return err
	}
	if !fresh && prev != hex.EncodeToString(k[:]) {
		return errReplayed
	}
	return nil
}

func (h *Handler) now() time.Time {
	if h.cfg.Now != nil {
		return h.cfg.Now()
	}
	return time.Now()
}

// asSignatureError returns err's *signatureError, if any.
func asSignatureError(err error) *signatureError {
	var e *signatureError
	if errors.As(err, &e) {
		return e
	}
	return nil
}

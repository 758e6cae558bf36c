package sandbox

import (
	"bytes"
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
)

const opVerify = "sandbox: verify"

// The errors Verify returns when a notification is not authentic. All are
// CodeUnauthorized; callers may tell them apart with errors.Is. None says
// what the right signature would have been.
var (
	ErrNoSignature = &concierge.Error{Code: concierge.CodeUnauthorized, Op: opVerify,
		Message: "the " + HeaderSignature + " header is missing"}
	ErrBadHeader = &concierge.Error{Code: concierge.CodeUnauthorized, Op: opVerify,
		Message: "the " + HeaderSignature + " header is malformed; want t=<unix>,v1=<hex>"}
	ErrBadSignature = &concierge.Error{Code: concierge.CodeUnauthorized, Op: opVerify,
		Message: "no signature matches the body"}
	ErrStale = &concierge.Error{Code: concierge.CodeUnauthorized, Op: opVerify,
		Message: "the signature's timestamp is outside the tolerance (a replay, or a wrong clock)"}
)

// Verify checks a notification's HeaderSignature value against its raw
// body and returns the notification.
//
// The header may carry several v1 signatures (one must match, compared in
// constant time) and fields Verify does not know, which it ignores. The
// timestamp must be within the tolerance of the clock either way, so an old
// notification replayed later is refused. Signature and timestamp failures
// are the CodeUnauthorized errors above; a payload that is authentic but
// malformed, incomplete, of an unknown type or with a non-positive amount is
// CodeInvalid.
//
// Verify does not deduplicate and knows no orders: the receiver must refuse
// a notification whose Bot is not the route's bot, deduplicate on ID, and
// compare Amount with the stored order before marking it paid. A
// TypePaymentFailed notification (see Notification.Failed) pays nothing:
// the receiver records the failed attempt once per ID.
func (p *Provider) Verify(header string, body []byte) (*Notification, error) {
	ts, sigs, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	want := p.signature(ts, body)
	ok := false
	for _, s := range sigs {
		// Keep comparing after a match so that timing does not tell which
		// signature matched.
		if hmac.Equal(s, want) {
			ok = true
		}
	}
	if !ok {
		return nil, ErrBadSignature
	}
	sec, _ := strconv.ParseInt(ts, 10, 64) // parseHeader checked it
	if age := p.now().Sub(time.Unix(sec, 0)); age > p.tolerance || age < -p.tolerance {
		return nil, ErrStale
	}
	return decodeNotification(body)
}

// parseHeader splits a HeaderSignature value into its timestamp, exactly as
// sent, and its decoded v1 signatures.
func parseHeader(header string) (ts string, sigs [][]byte, err error) {
	header = strings.TrimSpace(header)
	if header == "" {
		return "", nil, ErrNoSignature
	}
	for item := range strings.SplitSeq(header, ",") {
		k, v, found := strings.Cut(strings.TrimSpace(item), "=")
		if !found {
			return "", nil, ErrBadHeader
		}
		switch k {
		case "t":
			if ts != "" || !isDigits(v) || len(v) > 18 {
				return "", nil, ErrBadHeader
			}
			ts = v
		case "v1":
			s, err := hex.DecodeString(v)
			if err != nil || len(s) != 32 {
				return "", nil, ErrBadHeader
			}
			sigs = append(sigs, s)
		}
	}
	if ts == "" || len(sigs) == 0 {
		return "", nil, ErrBadHeader
	}
	return ts, sigs, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// decodeNotification parses an authentic body and checks that it is
// complete.
func decodeNotification(body []byte) (*Notification, error) {
	invalid := func(format string, args ...any) error {
		return concierge.Errorf(concierge.CodeInvalid, opVerify, format, args...)
	}
	var n Notification
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&n); err != nil {
		return nil, &concierge.Error{Code: concierge.CodeInvalid, Op: opVerify, Message: "the notification is not valid JSON", Err: err}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, invalid("the notification has data after its JSON object")
	}
	switch {
	case n.ID == "":
		return nil, invalid("the notification has no id")
	case n.Type == "":
		return nil, invalid("notification %s has no type", n.ID)
	case n.Type != TypePaymentSucceeded && n.Type != TypePaymentFailed:
		return nil, invalid("notification %s has unknown type %q", n.ID, n.Type)
	case n.Bot == "":
		return nil, invalid("notification %s has no bot", n.ID)
	case n.Order == "":
		return nil, invalid("notification %s has no order", n.ID)
	case n.Amount.Minor <= 0:
		return nil, invalid("notification %s has a non-positive amount", n.ID)
	case !validCurrency(n.Amount.Currency):
		return nil, invalid("notification %s has no valid currency", n.ID)
	case n.Created <= 0:
		return nil, invalid("notification %s has no creation time", n.ID)
	}
	return &n, nil
}

// Package redact takes credentials out of errors before they leave an
// adapter, a payment provider or a client (STYLE.md rule 11).
//
// An error from a platform call may carry a secret in three ways: the URL
// of the *url.Error that net/http returns (Telegram's /bot<TOKEN>/ path,
// WeChat's ?access_token= and ?secret=), a message of the platform's that
// echoes the request, or text the caller put in. Such an error is
// written to the log, stored with the delivery or the refund, and shown in
// the inbox, so the place that knows the secrets cleans the error where it
// returns it:
//
//	return nil, redact.Error(fmt.Errorf("telegram: %w", err), c.token)
//
// The error keeps its chain: errors.Is and errors.As still find the
// sentinels, the timeouts and the platform's error types that callers
// classify failures with (retry, undeliverable, retry-after). Every
// package under adapters/ and checkout/ may import it; it imports only the
// standard library.
package redact

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Mask replaces each secret in a redacted text.
const Mask = "[redacted]"

// MinLen is the length under which a string is not looked for. A
// credential that short protects nothing, and replacing it (a test's "s")
// would garble every message.
const MinLen = 6

// Error returns err with the URL of every *url.Error in its chain cut to
// scheme, host and path, and every secret replaced by Mask in its text
// (also in its URL-escaped forms); nil for nil. The returned error's
// Error is that clean text and it unwraps to err. The *url.Error values
// are changed in place: net/http makes a fresh one per request, and it
// belongs to the caller. The other errors of the chain keep their own
// text: one found with errors.As is for deciding, not for showing.
func Error(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	secrets = prepare(secrets)
	var urls []string // old, new: the wrappers' texts were made with the whole URL
	walk(err, func(e error) {
		if ue, ok := e.(*url.Error); ok {
			cut := cutURL(ue.URL, secrets)
			if cut != ue.URL {
				urls = append(urls, strconv.Quote(ue.URL), strconv.Quote(cut), ue.URL, cut)
			}
			ue.URL = cut
		}
	})
	msg := strings.NewReplacer(urls...).Replace(err.Error())
	return &redacted{msg: replace(msg, secrets), err: err}
}

// String returns s with every secret replaced by Mask, for text that
// becomes an error message or a log attribute without being an error
// (a platform's answer, say).
func String(s string, secrets ...string) string {
	return replace(s, prepare(secrets))
}

// redacted is an error whose text holds no secret.
type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }

// prepare returns the secrets to look for: each long enough one and its
// query- and path-escaped forms, longest first so that a secret that
// contains another is replaced whole.
func prepare(secrets []string) []string {
	var out []string
	for _, s := range secrets {
		if len(s) < MinLen {
			continue
		}
		out = append(out, s, url.QueryEscape(s), url.PathEscape(s))
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	return slices.Compact(out)
}

func replace(s string, secrets []string) string {
	for _, sec := range secrets {
		s = strings.ReplaceAll(s, sec, Mask)
	}
	return s
}

// cutURL keeps scheme, host and path of raw, with the secrets in the path
// replaced: no user, no query, no fragment. A URL it cannot parse is
// dropped.
func cutURL(raw string, secrets []string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host + replace(u.EscapedPath(), secrets)
}

// walk calls fn on err and on every error in its chain, through both
// forms of Unwrap.
func walk(err error, fn func(error)) {
	for depth := 0; err != nil && depth < 100; depth++ {
		fn(err)
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e, fn)
			}
			return
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		default:
			return
		}
	}
}

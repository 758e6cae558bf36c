package redact_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge/internal/redact"
)

const token = "123456:ABC-secret-token"

// retryAfter is an error type a caller finds with errors.As, like the
// Telegram adapter's RetryError.
type retryAfter struct{ err error }

func (e *retryAfter) Error() string             { return "retry: " + e.err.Error() }
func (e *retryAfter) Unwrap() error             { return e.err }
func (e *retryAfter) RetryAfter() time.Duration { return time.Second }

var errGone = errors.New("gone")

func TestError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string // the redacted text
	}{
		{"url.Error path", fmt.Errorf("telegram: %w", &url.Error{Op: "Post", URL: "http://127.0.0.1:9/bot" + token + "/sendMessage", Err: errors.New("connection refused")}),
			`telegram: Post "http://127.0.0.1:9/bot[redacted]/sendMessage": connection refused`},
		{"url.Error query", &url.Error{Op: "Get", URL: "https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=" + token, Err: errors.New("EOF")},
			`Get "https://api.weixin.qq.com/cgi-bin/token": EOF`},
		{"wrapped url.Error query", fmt.Errorf("wechat: send: %w", &url.Error{Op: "Post", URL: "http://127.0.0.1:9/cgi-bin/message/custom/send?access_token=ACCESS_TOKEN_1", Err: errors.New("connection refused")}),
			`wechat: send: Post "http://127.0.0.1:9/cgi-bin/message/custom/send": connection refused`},
		{"url.Error user", &url.Error{Op: "Get", URL: "https://me:" + token + "@example.com/x", Err: errors.New("EOF")},
			`Get "https://example.com/x": EOF`},
		{"echoed in text", fmt.Errorf("graph API 502: <pre>Authorization: Bearer %s</pre>", token),
			"graph API 502: <pre>Authorization: Bearer [redacted]</pre>"},
		{"query-escaped", fmt.Errorf("HTTP 500: GET /x?secret=%s", url.QueryEscape(token)),
			"HTTP 500: GET /x?secret=[redacted]"},
		{"joined", errors.Join(errors.New("a "+token), &url.Error{Op: "Get", URL: "http://h/p?k=v", Err: errGone}),
			"a [redacted]\nGet \"http://h/p\": gone"},
		{"nothing to hide", errors.New("telegram: 400 Bad Request: chat not found"), "telegram: 400 Bad Request: chat not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := redact.Error(tt.err, token, "")
			if got.Error() != tt.want {
				t.Errorf("got  %q\nwant %q", got.Error(), tt.want)
			}
			if !errors.Is(got, tt.err) {
				t.Error("the redacted error does not unwrap to the original")
			}
			if strings.Contains(fmt.Sprintf("%v %+v %s", got, got, got), token) {
				t.Error("a format verb shows the secret")
			}
		})
	}
	if redact.Error(nil, token) != nil {
		t.Error("nil is not redacted to nil")
	}
}

// TestErrorKeepsKinds: the errors callers classify failures with are
// still found after redaction.
func TestErrorKeepsKinds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	<-ctx.Done()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:1/bot"+token+"/getMe", nil)
	_, httpErr := http.DefaultClient.Do(req)
	if httpErr == nil {
		t.Fatal("a request with an expired context succeeded")
	}
	err := redact.Error(&retryAfter{fmt.Errorf("telegram: %w: %w", httpErr, errGone)}, token)
	if strings.Contains(err.Error(), token) {
		t.Fatalf("the token is in %q", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("context.DeadlineExceeded is lost")
	}
	if !errors.Is(err, errGone) {
		t.Error("the sentinel is lost")
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Error("the timeout is lost")
	}
	var ra interface{ RetryAfter() time.Duration }
	if !errors.As(err, &ra) {
		t.Error("the retry-after is lost")
	}
	var ue *url.Error
	if !errors.As(err, &ue) || strings.Contains(ue.Error(), token) {
		t.Errorf("the *url.Error in the chain still holds the token: %v", ue)
	}
}

func TestShortSecretsIgnored(t *testing.T) {
	if got := redact.Error(errors.New("status: sent"), "s").Error(); got != "status: sent" {
		t.Errorf("a one-letter secret garbled the message: %q", got)
	}
	if got := redact.String("key=abcdef", "abcdef"); got != "key=[redacted]" {
		t.Errorf("String = %q", got)
	}
}

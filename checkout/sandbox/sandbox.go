// Package sandbox is the local test payment provider: it lets a merchant run
// a whole shop on a laptop with no payment account anywhere.
//
// It is for local use only. The server refuses a bot file that enables the
// sandbox next to a real provider (stripe, telegram, wechatpay), so that a
// real shop can never take "payments" that move no money.
//
// The flow mirrors a real provider so that the rest of Concierge cannot tell
// the difference:
//
//  1. Request returns a link to a local page, /sandbox/{bot}/pay/{order}?t=…,
//     whose token is an HMAC over the bot, the order id and the amount, so the
//     page cannot be opened for a made-up order or amount (CheckPageToken).
//  2. RenderPage draws that page, labelled as a TEST payment in big letters.
//  3. When the customer confirms, Notify signs a Notification and POSTs it to
//     the server's own webhook, POST /webhooks/{bot}/sandbox, exactly as a
//     real provider would, retrying with the same event id.
//  4. The webhook calls Verify, then marks the order paid once, deduplicating
//     on Notification.ID and comparing Notification.Amount with the stored
//     order. Nothing else ever marks a sandbox order paid.
//
// The package owns the sandbox's page, tokens and notification format; it
// imports only the standard library and the root package (see deps_test.go).
// Only cmd/concierge constructs a Provider; checkout reaches it through
// concierge.PaymentProvider and webhooks through the methods it is handed.
package sandbox

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/httpclient"
)

// ProviderName is the provider's name in orders, payment requests and the
// webhook route.
const ProviderName = "sandbox"

// MinSecretLen is the shortest secret New accepts: 32 bytes, the size of an
// HMAC-SHA256 output.
const MinSecretLen = 32

// DefaultTolerance is how far a notification's timestamp may be from the
// clock, either way, when Config.Tolerance is zero.
const DefaultTolerance = 5 * time.Minute

// Config configures a Provider.
type Config struct {
	// Secret keys the page tokens and the notification signatures. It must
	// be at least MinSecretLen bytes and should be random; it is never
	// logged nor put in an error.
	Secret []byte
	// BaseURL is the public base of this server, such as
	// "http://localhost:8080". Payment links and notifications are built on
	// it.
	BaseURL string
	// Client sends the notifications; nil means a client with a 10 second
	// timeout.
	Client *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Tolerance is how far a notification's timestamp may be from Now,
	// either way; zero means DefaultTolerance.
	Tolerance time.Duration
}

// Provider is the sandbox payment provider. It holds no mutable state and is
// safe for concurrent use.
type Provider struct {
	secret    []byte // signs notifications, as the documented scheme says
	pageKey   []byte // signs page tokens; derived so the two never mix
	baseURL   string // without a trailing slash
	client    *http.Client
	now       func() time.Time
	tolerance time.Duration
	backoff   time.Duration // first pause between notification attempts
}

var (
	_ concierge.PaymentProvider = (*Provider)(nil)
	_ concierge.Refunder        = (*Provider)(nil)
)

// New returns a Provider, or a CodeInvalid error when cfg is unusable.
func New(cfg Config) (*Provider, error) {
	const op = "sandbox: new"
	if len(cfg.Secret) < MinSecretLen {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "the secret must be at least %d bytes, got %d", MinSecretLen, len(cfg.Secret))
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.RawQuery != "" || base.Fragment != "" {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "the base URL %q must be an absolute http(s) URL without query", cfg.BaseURL)
	}
	if cfg.Tolerance < 0 {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "the tolerance must not be negative")
	}
	p := &Provider{
		secret:    append([]byte(nil), cfg.Secret...),
		baseURL:   strings.TrimRight(cfg.BaseURL, "/"),
		client:    cfg.Client,
		now:       cfg.Now,
		tolerance: cfg.Tolerance,
		backoff:   100 * time.Millisecond,
	}
	p.pageKey = hmacSum(p.secret, []byte("concierge/sandbox/page-token/v1"))
	if p.client == nil {
		p.client = httpclient.New(10 * time.Second)
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.tolerance == 0 {
		p.tolerance = DefaultTolerance
	}
	return p, nil
}

// Name returns "sandbox".
func (p *Provider) Name() string { return ProviderName }

// Request returns a link to the sandbox's test payment page for o. It marks
// nothing paid and does no I/O. The caller fills AmountText and Label.
func (p *Provider) Request(ctx context.Context, bot *concierge.Bot, o *concierge.Order) (*concierge.PaymentRequest, error) {
	const op = "sandbox: request"
	if bot == nil || bot.ID == "" {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "no bot")
	}
	if err := checkOrder(op, bot.ID, o); err != nil {
		return nil, err
	}
	return &concierge.PaymentRequest{
		Order:    o.ID,
		Provider: ProviderName,
		Amount:   o.Total,
		URL:      p.PageURL(bot.ID, o),
		Sandbox:  true,
	}, nil
}

// PageURL returns the test payment page's address for o, token included:
// {BaseURL}/sandbox/{bot}/pay/{order}?t=<token>.
func (p *Provider) PageURL(bot concierge.BotID, o *concierge.Order) string {
	return p.baseURL + "/sandbox/" + url.PathEscape(string(bot)) +
		"/pay/" + url.PathEscape(string(o.ID)) +
		"?" + FormToken + "=" + p.pageToken(bot, o)
}

// CheckPageToken reports whether token is the one Request put in o's payment
// link for bot. It compares in constant time and returns a CodeUnauthorized
// error when the token was made for another bot, order, amount or currency,
// or not by this server.
func (p *Provider) CheckPageToken(bot concierge.BotID, o *concierge.Order, token string) error {
	const op = "sandbox: page token"
	if o == nil || (o.Bot != "" && o.Bot != bot) {
		return concierge.Errorf(concierge.CodeUnauthorized, op, "this payment link is not valid")
	}
	got, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || !hmac.Equal(got, p.pageMAC(bot, o)) {
		return concierge.Errorf(concierge.CodeUnauthorized, op, "this payment link is not valid")
	}
	return nil
}

func (p *Provider) pageToken(bot concierge.BotID, o *concierge.Order) string {
	return base64.RawURLEncoding.EncodeToString(p.pageMAC(bot, o))
}

// pageMAC signs (bot, order, amount, currency). Each field is length
// prefixed so that no two tuples share an encoding.
func (p *Provider) pageMAC(bot concierge.BotID, o *concierge.Order) []byte {
	var b []byte
	for _, f := range []string{string(bot), string(o.ID), strconv.FormatInt(o.Total.Minor, 10), o.Total.Currency} {
		b = strconv.AppendInt(b, int64(len(f)), 10)
		b = append(b, ':')
		b = append(b, f...)
	}
	return hmacSum(p.pageKey, b)
}

// checkOrder returns a CodeInvalid error unless o can be paid through the
// sandbox for bot.
func checkOrder(op string, bot concierge.BotID, o *concierge.Order) error {
	switch {
	case o == nil || o.ID == "":
		return concierge.Errorf(concierge.CodeInvalid, op, "no order")
	case o.Bot != "" && o.Bot != bot:
		return concierge.Errorf(concierge.CodeInvalid, op, "order %s belongs to another bot", o.ID)
	case o.Total.Minor <= 0:
		return concierge.Errorf(concierge.CodeInvalid, op, "order %s has no amount to pay", o.ID)
	case !validCurrency(o.Total.Currency):
		return concierge.Errorf(concierge.CodeInvalid, op, "order %s has no valid currency", o.ID)
	}
	return nil
}

// validCurrency reports whether c looks like an ISO 4217 code.
func validCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := range len(c) {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}

func hmacSum(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

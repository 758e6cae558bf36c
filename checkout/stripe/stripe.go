// Package stripe is the Stripe Checkout payment provider: a customer pays an
// order on a Stripe-hosted page whose link the channel shows (a WhatsApp
// CTA button, the web widget's pay button, a Telegram URL button).
//
//  1. Request creates a Checkout Session for the order (mode payment, one
//     line per order line with price_data in minor units, the order id in
//     metadata and client_reference_id, an expiry, success and cancel URLs
//     that lead back to the chat, and an idempotency key per order) and
//     returns its URL.
//  2. Stripe notifies POST /webhooks/{bot}/stripe. Verify checks the
//     Stripe-Signature header with the endpoint's signing secret and the
//     tolerance, and turns the event into a Notification: a session paid,
//     a session expired, refunds, or something to acknowledge and ignore.
//  3. Refund gives money back through the Refunds API, with an idempotency
//     key chosen by the caller so that a retried decision refunds once.
//
// Nothing but a verified notification marks an order paid. The package
// reaches Stripe only through github.com/stripe/stripe-go/v76 with a
// configurable base URL (stripe-mock in tests); of Concierge it imports
// only the root package, internal/httpclient and internal/redact (see
// deps_test.go). Only cmd/concierge constructs a Provider; checkout
// reaches it through concierge.PaymentProvider and webhooks through
// Verify.
package stripe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	sgo "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/httpclient"
	"github.com/conciergehq/concierge/internal/redact"
)

// ProviderName is the provider's name in orders, payments and the webhook
// route.
const ProviderName = "stripe"

// DefaultTolerance is how old a notification's signature timestamp may be,
// Stripe's own default (stripe-go's webhook.DefaultTolerance).
const DefaultTolerance = 300 * time.Second

// Stripe accepts a Checkout Session expiry between 30 minutes and 24 hours
// after the session's creation.
const (
	minSessionTTL = 30*time.Minute + time.Minute // a minute of margin for clock skew and latency
	maxSessionTTL = 24 * time.Hour
)

// Config configures a Provider.
type Config struct {
	// SecretKey is the API key (sk_live_… or sk_test_…); never logged.
	SecretKey string
	// WebhookSecret is the signing secret of the webhook endpoint
	// (whsec_…); never logged.
	WebhookSecret string
	// APIBase is Stripe's API base URL; empty means https://api.stripe.com.
	APIBase string
	// ReturnURL gives the page the customer returns to after paying or
	// cancelling, which should lead back to the chat. Required.
	ReturnURL func(bot concierge.BotID, o *concierge.Order) string
	// Client makes the API calls; nil means a client with a 20 second
	// timeout.
	Client *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Tolerance is how old a notification may be; zero means
	// DefaultTolerance.
	Tolerance time.Duration
}

// Provider is the Stripe Checkout provider. It is safe for concurrent use.
type Provider struct {
	api           *client.API
	secrets       []string // the API key and the webhook secret, kept out of errors
	webhookSecret string
	returnURL     func(bot concierge.BotID, o *concierge.Order) string
	now           func() time.Time
	tolerance     time.Duration
}

var (
	_ concierge.PaymentProvider = (*Provider)(nil)
	_ concierge.Refunder        = (*Provider)(nil)
)

// New returns a Provider, or a CodeInvalid error when cfg is unusable.
func New(cfg Config) (*Provider, error) {
	const op = "stripe: new"
	if cfg.SecretKey == "" || cfg.WebhookSecret == "" {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "the secret key and the webhook secret are required")
	}
	if cfg.ReturnURL == nil {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "a return URL is required")
	}
	base := cfg.APIBase
	if base == "" {
		base = sgo.APIURL
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "the API base %q must be an absolute http(s) URL", cfg.APIBase)
	}
	hc := cfg.Client
	if hc == nil {
		hc = httpclient.New(20 * time.Second)
	}
	// A backend of our own (not stripe-go's globals), so two bots with
	// two accounts, or a test with stripe-mock, never share state.
	// stripe-go retries network errors itself, with the same idempotency
	// key, so a retry never creates a second session.
	b := sgo.GetBackendWithConfig(sgo.APIBackend, &sgo.BackendConfig{
		URL:               sgo.String(strings.TrimRight(base, "/")),
		HTTPClient:        hc,
		MaxNetworkRetries: sgo.Int64(2),
		LeveledLogger:     &sgo.LeveledLogger{Level: sgo.LevelNull},
	})
	p := &Provider{
		api:           client.New(cfg.SecretKey, &sgo.Backends{API: b, Connect: b, Uploads: b}),
		secrets:       []string{cfg.SecretKey, cfg.WebhookSecret},
		webhookSecret: cfg.WebhookSecret,
		returnURL:     cfg.ReturnURL,
		now:           cfg.Now,
		tolerance:     cfg.Tolerance,
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.tolerance <= 0 {
		p.tolerance = DefaultTolerance
	}
	return p, nil
}

// Name returns "stripe".
func (p *Provider) Name() string { return ProviderName }

// Request creates a Checkout Session for o and returns its URL. The
// caller fills AmountText and Label. It marks nothing paid.
//
// The session expires when the order does, but never sooner than Stripe
// allows (31 minutes, with margin) nor later (24 hours); with an order TTL
// under 31 minutes the session outlives the order by the difference, and a
// payment in that gap is recorded and handed to people, not applied.
func (p *Provider) Request(ctx context.Context, bot *concierge.Bot, o *concierge.Order) (*concierge.PaymentRequest, error) {
	const op = "stripe: request"
	if bot == nil || o == nil || o.ID == "" || len(o.Lines) == 0 || o.Total.Minor <= 0 {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "no order to pay")
	}
	now := p.now()
	exp := o.ExpiresAt
	if exp.Before(now.Add(minSessionTTL)) {
		exp = now.Add(minSessionTTL)
	}
	if exp.After(now.Add(maxSessionTTL)) {
		exp = now.Add(maxSessionTTL)
	}
	ret := p.returnURL(bot.ID, o)
	params := &sgo.CheckoutSessionParams{
		Params:            sgo.Params{Context: ctx},
		Mode:              sgo.String(string(sgo.CheckoutSessionModePayment)),
		ClientReferenceID: sgo.String(string(o.ID)),
		ExpiresAt:         sgo.Int64(exp.Unix()),
		SuccessURL:        sgo.String(withQuery(ret, "paid", string(o.ID))),
		CancelURL:         sgo.String(withQuery(ret, "order", string(o.ID))),
		PaymentIntentData: &sgo.CheckoutSessionPaymentIntentDataParams{
			Metadata: map[string]string{"order_id": string(o.ID), "bot": string(bot.ID)},
		},
	}
	for _, l := range o.Lines {
		if l.Unit.Currency != o.Total.Currency {
			return nil, concierge.Errorf(concierge.CodeInternal, op, "order %s mixes currencies", o.ID)
		}
		params.LineItems = append(params.LineItems, &sgo.CheckoutSessionLineItemParams{
			Quantity: sgo.Int64(int64(l.Quantity)),
			PriceData: &sgo.CheckoutSessionLineItemPriceDataParams{
				Currency:    sgo.String(strings.ToLower(o.Total.Currency)),
				UnitAmount:  sgo.Int64(l.Unit.Minor),
				ProductData: &sgo.CheckoutSessionLineItemPriceDataProductDataParams{Name: sgo.String(lineName(l))},
			},
		})
	}
	params.AddMetadata("order_id", string(o.ID))
	params.AddMetadata("bot", string(bot.ID))
	// One order, one session: a retry of this call (ours or stripe-go's)
	// gets the same session back instead of a second one.
	params.SetIdempotencyKey("concierge-checkout-" + string(o.ID))
	s, err := p.api.CheckoutSessions.New(params)
	if err != nil {
		return nil, p.apiError(op, err)
	}
	if s.URL == "" {
		return nil, concierge.Errorf(concierge.CodeUnavailable, op, "Stripe returned a session without a URL")
	}
	return &concierge.PaymentRequest{Order: o.ID, Provider: ProviderName, Amount: o.Total, URL: s.URL}, nil
}

func lineName(l concierge.OrderLine) string {
	if strings.TrimSpace(l.Title) != "" {
		return l.Title
	}
	return string(l.SKU)
}

// withQuery adds k=v to the query of u (which may already have one).
func withQuery(u, k, v string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return u
	}
	q := pu.Query()
	q.Set(k, v)
	pu.RawQuery = q.Encode()
	return pu.String()
}

// Refund gives r.Amount of r.Order back to the customer through the
// Refunds API. r.Paid is the order's recorded Stripe payment, whose
// ProviderRef is the Checkout Session id. r.Key makes the call idempotent:
// the same key (say, the inbox decision's id) refunds once however often
// it is retried. r.Reason is passed to Stripe when it is one of its words
// (duplicate, fraudulent, requested_by_customer) and kept in the returned
// Refund either way.
func (p *Provider) Refund(ctx context.Context, r concierge.RefundRequest) (concierge.Refund, error) {
	const op = "stripe: refund"
	o, paid, amount, reason, key := r.Order, r.Paid, r.Amount, r.Reason, r.Key
	switch {
	case o == nil || paid.Order != o.ID || paid.Provider != ProviderName:
		return concierge.Refund{}, concierge.Errorf(concierge.CodeInvalid, op, "the payment is not a Stripe payment of this order")
	case amount.Minor <= 0 || amount.Minor > paid.Amount.Minor || amount.Currency != paid.Amount.Currency:
		return concierge.Refund{}, concierge.Errorf(concierge.CodeInvalid, op, "the refund must be positive, in %s, and at most what was paid", paid.Amount.Currency)
	case key == "" || len(key) > 200:
		return concierge.Refund{}, concierge.Errorf(concierge.CodeInvalid, op, "an idempotency key of 1 to 200 characters is required")
	}
	pi := paid.ProviderRef
	if strings.HasPrefix(pi, "cs_") {
		s, err := p.api.CheckoutSessions.Get(pi, &sgo.CheckoutSessionParams{Params: sgo.Params{Context: ctx}})
		if err != nil {
			return concierge.Refund{}, p.apiError(op, err)
		}
		if s.PaymentIntent == nil || s.PaymentIntent.ID == "" {
			return concierge.Refund{}, concierge.Errorf(concierge.CodeConflict, op, "session %s has no payment to refund", pi)
		}
		pi = s.PaymentIntent.ID
	}
	params := &sgo.RefundParams{
		Params:        sgo.Params{Context: ctx},
		PaymentIntent: sgo.String(pi),
		Amount:        sgo.Int64(amount.Minor),
	}
	switch reason {
	case "duplicate", "fraudulent", "requested_by_customer":
		params.Reason = sgo.String(reason)
	}
	params.AddMetadata("order_id", string(o.ID))
	params.SetIdempotencyKey("concierge-refund-" + string(o.ID) + "-" + key)
	res, err := p.api.Refunds.New(params)
	if err != nil {
		return concierge.Refund{}, p.apiError(op, err)
	}
	return concierge.Refund{
		Order: o.ID, Provider: ProviderName, ProviderRef: res.ID, Amount: amount,
		Reason: reason, Status: string(res.Status), At: p.now(),
	}, nil
}

// apiError turns a stripe-go error into a domain error: Stripe's 4xx
// answers are invalid requests (retrying will not help), the rest are
// unavailability. The message is Stripe's, or a sample of what answered
// instead (stripe-go quotes a body that is not JSON), so the keys are
// taken out of it: a proxy's error page may echo the Authorization header.
func (p *Provider) apiError(op string, err error) error {
	var se *sgo.Error
	if errors.As(err, &se) {
		code := concierge.CodeUnavailable
		if se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500 && se.HTTPStatusCode != http.StatusTooManyRequests {
			code = concierge.CodeInvalid
		}
		return &concierge.Error{Code: code, Op: op, Message: fmt.Sprintf("Stripe answered %d: %s", se.HTTPStatusCode, redact.String(se.Msg, p.secrets...))}
	}
	return &concierge.Error{Code: concierge.CodeUnavailable, Op: op, Message: "Stripe could not be reached", Err: redact.Error(err, p.secrets...)}
}

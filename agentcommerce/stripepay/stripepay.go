// Package stripepay is the "stripe" payment handler of agent checkouts:
// an agentcommerce.Payer that charges a session's order with the Stripe
// PaymentMethod (pm_…) or Shared Payment Token (spt_…) an agent sends as
// its credential token, through
// stripe-go v76, creating and confirming one PaymentIntent of the order's
// total. Only cmd/concierge imports it.
package stripepay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	sgo "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/internal/redact"
)

// Config is the Stripe account agents' payments go to.
type Config struct {
	SecretKey string
	// APIBase is Stripe's API base URL; empty means https://api.stripe.com
	// (tests point it at stripe-mock).
	APIBase string
	Client  *http.Client
}

// Payer charges orders through Stripe.
type Payer struct {
	api     *client.API
	secrets []string
}

var (
	_ agentcommerce.Payer     = (*Payer)(nil)
	_ agentcommerce.Presenter = (*Payer)(nil)
)

// Handler is the name of this payment handler, in bot files and in the
// protocols.
const Handler = "stripe"

// SharedTokenPrefix starts Stripe's Shared Payment Tokens.
const SharedTokenPrefix = "spt_"

// Presentation names the handler as UCP's registry names Stripe.
func (*Payer) Presentation() agentcommerce.Presentation {
	return agentcommerce.Presentation{Name: "com.stripe", Display: Handler}
}

// New returns a Payer for cfg.
func New(cfg Config) (*Payer, error) {
	if cfg.SecretKey == "" {
		return nil, errors.New("stripepay: the secret key is required")
	}
	base := cfg.APIBase
	if base == "" {
		base = sgo.APIURL
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("stripepay: the API base %q must be an absolute http(s) URL", cfg.APIBase)
	}
	hc := cfg.Client
	if hc == nil {
		hc = &http.Client{Timeout: 20 * time.Second}
	}
	// A backend of its own, not stripe-go's globals; stripe-go retries
	// network errors with the same idempotency key, so a retry never
	// charges twice.
	b := sgo.GetBackendWithConfig(sgo.APIBackend, &sgo.BackendConfig{
		URL:               sgo.String(strings.TrimRight(base, "/")),
		HTTPClient:        hc,
		MaxNetworkRetries: sgo.Int64(2),
		LeveledLogger:     &sgo.LeveledLogger{Level: sgo.LevelNull},
	})
	return &Payer{api: client.New(cfg.SecretKey, &sgo.Backends{API: b, Connect: b, Uploads: b}), secrets: []string{cfg.SecretKey}}, nil
}

// Charge creates and confirms a PaymentIntent of o's total with the
// agent's token: a PaymentMethod (pm_…) or a Shared Payment Token the
// agent granted the shop (spt_…, ACP's delegated payment through
// Stripe), and returns its id once Stripe says it succeeded (or is
// processing, which Stripe settles itself). Stripe enforces the shared
// token's own limits (amount, currency, expiry). The idempotency key is
// the order (one per session's contents) and the token: a retry of the
// same completion reaches the same PaymentIntent, another token is
// another attempt. A card error (402, or a PaymentIntent left needing
// another payment method) is agentcommerce.ErrPaymentDeclined.
func (p *Payer) Charge(ctx context.Context, o *concierge.Order, token string) (string, error) {
	params := &sgo.PaymentIntentParams{
		Amount:   sgo.Int64(o.Total.Minor),
		Currency: sgo.String(strings.ToLower(o.Total.Currency)),
		Confirm:  sgo.Bool(true),
		Metadata: map[string]string{"concierge_order": string(o.ID), "concierge_channel": "agent"},
	}
	switch {
	case strings.HasPrefix(token, "pm_"):
		params.PaymentMethod = sgo.String(token)
		// An agent cannot follow a redirect: cards that need one fail.
		params.AutomaticPaymentMethods = &sgo.PaymentIntentAutomaticPaymentMethodsParams{Enabled: sgo.Bool(true), AllowRedirects: sgo.String("never")}
	case strings.HasPrefix(token, SharedTokenPrefix):
		// stripe-go v76 predates Shared Payment Tokens; Stripe's
		// agentic-commerce guide passes the granted token as this
		// top-level parameter of PaymentIntent create (see
		// docs/agents.md). The PaymentMethod is the one the token
		// shares, so none is named and no redirect method can apply.
		params.AddExtra("shared_payment_granted_token", token)
	default:
		return "", fmt.Errorf("stripepay: the credential token must be a Stripe PaymentMethod (pm_…) or Shared Payment Token (spt_…): %w", agentcommerce.ErrPaymentDeclined)
	}
	params.Context = ctx
	sum := sha256.Sum256([]byte(token))
	params.SetIdempotencyKey("concierge-agent-" + string(o.ID) + "-" + hex.EncodeToString(sum[:8]))
	pi, err := p.api.PaymentIntents.New(params)
	if err != nil {
		var se *sgo.Error
		if errors.As(err, &se) {
			msg := redact.String(se.Msg, p.secrets...)
			if se.Type == sgo.ErrorTypeCard || se.HTTPStatusCode == http.StatusPaymentRequired {
				return "", fmt.Errorf("stripepay: %s: %w", msg, agentcommerce.ErrPaymentDeclined)
			}
			return "", fmt.Errorf("stripepay: Stripe answered %d: %s", se.HTTPStatusCode, msg)
		}
		return "", fmt.Errorf("stripepay: Stripe could not be reached: %w", redact.Error(err, p.secrets...))
	}
	switch pi.Status {
	case sgo.PaymentIntentStatusSucceeded, sgo.PaymentIntentStatusProcessing:
		return pi.ID, nil
	case sgo.PaymentIntentStatusRequiresPaymentMethod, sgo.PaymentIntentStatusCanceled:
		return "", fmt.Errorf("stripepay: payment intent %s is %s: %w", pi.ID, pi.Status, agentcommerce.ErrPaymentDeclined)
	}
	// requires_action (3-D Secure) and the rest: the agent cannot finish
	// it, so the buyer's payment did not go through.
	return "", fmt.Errorf("stripepay: payment intent %s needs %s, which an agent cannot do: %w", pi.ID, pi.Status, agentcommerce.ErrPaymentDeclined)
}

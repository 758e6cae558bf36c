// Package telegram is the payment provider of Telegram invoices: orders
// are paid inside the Telegram chat, with the card form of a payment
// provider connected in @BotFather, or in Telegram Stars for digital goods.
//
// The provider decides what an order's invoice asks for (Request), checks
// a pre-checkout query against the stored order (Check), turns a
// successful_payment into the concierge.Payment that checkout applies
// exactly once (Settle), and refunds Stars payments (RefundStars). Sending
// the invoice is the Telegram adapter's business: this package never
// imports adapters (see deps_test.go). Only cmd/concierge constructs a
// Provider; webhooks calls Check and Settle.
//
// # Currency
//
// A cart whose every product is digital is sold in Stars (currency XTR,
// no provider token) when stars_for_digital is set: the amount is the
// order's total converted at StarsPerUnit Stars per unit of the shop's
// currency, rounded up to a whole Star. Any other cart, mixed ones
// included, is one invoice in the shop's currency, in minor units, paid
// through the provider token: one order is one payment, and a customer
// who wants the digital items in Stars checks them out on their own.
package telegram

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/httpclient"
	"github.com/conciergehq/concierge/internal/money"
	"github.com/conciergehq/concierge/internal/redact"
)

// ProviderName is the provider's name in orders, payments and payment
// requests; the Telegram adapter renders requests of this name as invoices.
const ProviderName = "telegram"

// Stars is the currency code of Telegram Stars.
const Stars = "XTR"

// DefaultStarsPerUnit is the conversion used when the bot file sets none:
// 50 Stars for one unit of the shop's currency, about what customers pay
// for Stars in the app. Merchants should set their own.
const DefaultStarsPerUnit = 50

// Config configures a Provider.
type Config struct {
	Bot             *concierge.Bot
	ProviderToken   string // "" when only Stars are sold
	StarsForDigital bool
	StarsPerUnit    int64 // Stars for one unit (not minor unit) of the shop's currency
	// Client, when set, makes the provider's Bot API calls (refunds):
	// the channel's own client, so that payments and messages share one
	// set of rate limits and 429 handling. server wires the
	// adapter's. Without it, Token and APIEndpoint reach the Bot API
	// directly.
	Client      Caller
	Token       string
	APIEndpoint string
	HTTPClient  *http.Client
}

// Caller makes one Bot API call; adapters/telegram.Client is one. Its
// errors must not hold the token.
type Caller interface {
	Call(ctx context.Context, method string, params tgbotapi.Params) (*tgbotapi.APIResponse, error)
}

// Provider is the Telegram payment provider of one bot. It holds no
// mutable state.
type Provider struct {
	cfg Config
	api *tgbotapi.BotAPI
}

var (
	_ concierge.PaymentProvider = (*Provider)(nil)
	_ concierge.Refunder        = (*Provider)(nil)
	_ concierge.RefundChecker   = (*Provider)(nil)
)

// New returns a Provider, or a CodeInvalid error when cfg cannot sell
// anything.
func New(cfg Config) (*Provider, error) {
	if cfg.Bot == nil {
		return nil, concierge.Errorf(concierge.CodeInvalid, "telegram payments", "no bot")
	}
	if cfg.ProviderToken == "" && !cfg.StarsForDigital {
		return nil, concierge.Errorf(concierge.CodeInvalid, "telegram payments", "needs a provider token or stars_for_digital")
	}
	if cfg.StarsPerUnit <= 0 {
		cfg.StarsPerUnit = DefaultStarsPerUnit
	}
	endpoint := cfg.APIEndpoint
	if endpoint == "" {
		endpoint = "https://api.telegram.org"
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = httpclient.New(30 * time.Second)
	}
	// A literal rather than NewBotAPIWithClient, which calls getMe at once.
	api := &tgbotapi.BotAPI{Token: cfg.Token, Client: hc, Buffer: 100}
	api.SetAPIEndpoint(strings.TrimRight(endpoint, "/") + "/bot%s/%s")
	return &Provider{cfg: cfg, api: api}, nil
}

// Name is "telegram".
func (p *Provider) Name() string { return ProviderName }

// Request returns the payment request of o: the amount its invoice asks,
// in Stars or in the shop's currency (see the package comment). It fails
// with CodeUnavailable for a cart with physical goods when the bot has no
// provider token.
func (p *Provider) Request(ctx context.Context, bot *concierge.Bot, o *concierge.Order) (*concierge.PaymentRequest, error) {
	amt, err := p.Charge(o)
	if err != nil {
		return nil, err
	}
	return &concierge.PaymentRequest{Order: o.ID, Provider: ProviderName, Amount: amt}, nil
}

// Charge is what the invoice of o asks: computed from the stored order
// every time, never from a message.
func (p *Provider) Charge(o *concierge.Order) (concierge.Money, error) {
	if p.cfg.StarsForDigital && p.allDigital(o) {
		return concierge.Money{Minor: p.stars(o.Total), Currency: Stars}, nil
	}
	if p.cfg.ProviderToken == "" {
		return concierge.Money{}, concierge.Errorf(concierge.CodeUnavailable, "telegram payments",
			"order %s has physical goods and the bot has no payment provider token (only Stars, for digital goods)", o.ID)
	}
	return o.Total, nil
}

func (p *Provider) allDigital(o *concierge.Order) bool {
	if len(o.Lines) == 0 {
		return false
	}
	for _, l := range o.Lines {
		pr := p.cfg.Bot.Product(l.SKU)
		if pr == nil || !pr.Digital {
			return false
		}
	}
	return true
}

// stars converts m at StarsPerUnit, rounding up to a whole Star.
func (p *Provider) stars(m concierge.Money) int64 {
	digits, ok := money.Digits(m.Currency)
	if !ok {
		digits = 2
	}
	scale := int64(math.Pow10(digits))
	return (m.Minor*p.cfg.StarsPerUnit + scale - 1) / scale
}

// Refusal is why a pre-checkout query is refused.
type Refusal string

// The refusals, each with a text in the customer's language (TextID).
const (
	RefuseUnknown   Refusal = "unknown"   // the payload names no order of this bot
	RefusePaid      Refusal = "paid"      // already paid
	RefuseExpired   Refusal = "expired"   // the reservation ran out (its stock went back on sale)
	RefuseCancelled Refusal = "cancelled" // cancelled
	RefuseChanged   Refusal = "changed"   // the amount or currency differs from the order's invoice
)

// Check says whether o may be paid amount now; "" means yes. o is nil
// when the payload named no order of the bot.
func (p *Provider) Check(o *concierge.Order, amount concierge.Money, now time.Time) Refusal {
	switch {
	case o == nil || o.Bot != p.cfg.Bot.ID || o.Provider != ProviderName:
		return RefuseUnknown
	case o.State == concierge.OrderPaid || o.State == concierge.OrderFulfilled || o.State == concierge.OrderRefunded:
		return RefusePaid
	case o.State == concierge.OrderExpired || (o.State == concierge.OrderPending && !now.Before(o.ExpiresAt)):
		return RefuseExpired
	case o.State != concierge.OrderPending:
		return RefuseCancelled
	}
	want, err := p.Charge(o)
	if err != nil || want != amount {
		return RefuseChanged
	}
	return ""
}

// TextID is the id of r's text in the locale catalogs (agent/locales),
// which Telegram's payment form shows the customer; it takes the order's
// number as ID.
func (r Refusal) TextID() string { return "invoice_refused_" + string(r) }

// Settle turns a successful_payment of amount for o, with Telegram's
// charge id, into the payment checkout applies: the order's total when
// amount is exactly what its invoice asked (Stars included), and amount
// as paid otherwise, which checkout records as a problem for people.
// The charge id makes a repeated notification change nothing.
func (p *Provider) Settle(o *concierge.Order, amount concierge.Money, chargeID string, at time.Time) concierge.Payment {
	pay := concierge.Payment{Order: o.ID, Provider: ProviderName, ProviderRef: chargeID, Amount: amount, At: at}
	if want, err := p.Charge(o); err == nil && want == amount {
		pay.Amount = o.Total
	}
	return pay
}

// RefundStars refunds a Stars payment: user is the Telegram user who paid
// (the chat id of a private conversation), chargeID its
// telegram_payment_charge_id. v5.5.1 has no Stars API, so the call goes
// through the library's generic MakeRequest. Telegram then sends a
// refunded_payment message, which the adapter decodes.
func (p *Provider) RefundStars(ctx context.Context, user int64, chargeID string) error {
	params := tgbotapi.Params{"user_id": strconv.FormatInt(user, 10), "telegram_payment_charge_id": chargeID}
	if p.cfg.Client != nil {
		if _, err := p.cfg.Client.Call(ctx, "refundStarPayment", params); err != nil {
			return redact.Error(fmt.Errorf("telegram payments: refund %s: %w", chargeID, err), p.cfg.Token, p.cfg.ProviderToken)
		}
		return nil
	}
	b := *p.api
	b.Client = ctxDoer{ctx, p.api.Client}
	_, err := b.MakeRequest("refundStarPayment", params)
	if err != nil {
		// The library's error is net/http's *url.Error, whose URL holds
		// the bot token; the refund panel shows this error.
		return redact.Error(fmt.Errorf("telegram payments: refund %s: %w", chargeID, err), p.cfg.Token, p.cfg.ProviderToken)
	}
	return nil
}

type ctxDoer struct {
	ctx context.Context
	c   tgbotapi.HTTPClient
}

func (d ctxDoer) Do(r *http.Request) (*http.Response, error) { return d.c.Do(r.WithContext(d.ctx)) }

var _ concierge.InvoiceChecker = (*Provider)(nil)

// CheckInvoice is Check for the channel, which does not import this
// package: the refusal and its text id.
func (p *Provider) CheckInvoice(o *concierge.Order, amount concierge.Money, now time.Time) (refusal, textID string) {
	r := p.Check(o, amount, now)
	if r == "" {
		return "", ""
	}
	return string(r), r.TextID()
}

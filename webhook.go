package concierge

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// WebhookServer is a channel or payment provider whose platform's HTTP is
// more than verify-then-decode (Receiver, PaymentNotifier): a GET
// handshake (WhatsApp, WeChat), an answer in the response body that the
// platform acts on (Telegram's answerCallbackQuery, WeChat's and WeChat
// Pay's replies), several kinds of notification or a page of its own
// (WeChat Pay). webhooks mounts its routes, with echo kept out of the
// adapter: the handler gets net/http types and a WebhookHost, and webhooks
// still owns the body limit, the error-to-status mapping, the metrics and
// the traces.
type WebhookServer interface {
	// WebhookRoutes is constant for the entry's life and the same for
	// every bot's entry of one name: webhooks mounts each pattern once and
	// serves a request with the route of the path's bot's entry.
	WebhookRoutes() []WebhookRoute
}

// WebhookRoute is one route a WebhookServer serves.
type WebhookRoute struct {
	// Method is http.MethodGet or http.MethodPost.
	Method string
	// Pattern is the path, in net/http's ServeMux syntax, with {bot} as
	// its first wildcard: "/webhooks/{bot}/{name}" where {name} is the
	// channel's or provider's own name, or a longer path. Its wildcards
	// are the request's PathValues.
	Pattern string
	// MaxBody bounds a POST's body: webhooks answers 413 beyond it, and a
	// read past it returns an error that Serve returns as it is.
	MaxBody int64
	// Serve answers one request of the host's bot. It writes the answer on
	// success; an error is written by webhooks: a *Error by its Code
	// (CodeUnauthorized 401, CodeInvalid 400, CodeNotFound 404, …), a
	// *WebhookStatus with its status, anything else 500 without details.
	// Anything that must outlive the request is stored through host
	// before Serve answers.
	Serve func(w http.ResponseWriter, r *http.Request, host WebhookHost) error
}

// WebhookStatus is an error a WebhookRoute's Serve returns to be answered
// with a status the Codes do not give (403 to a failed handshake, which
// the platform expects instead of 401).
type WebhookStatus struct {
	Status  int
	Message string // shown to the caller: no secret, no detail of ours
}

func (e *WebhookStatus) Error() string { return e.Message }

// WebhookHost is what webhooks lends a WebhookServer's route for one
// request: the path's bot, durable storage and the applies of checkout,
// each exactly once however often the platform retries.
type WebhookHost interface {
	// Bot is the bot the request's path names.
	Bot() *Bot
	// Peers yields the other bots' entries called ch, by bot, so that a
	// platform whose numbers share one callback URL (WhatsApp) routes an
	// item to the bot that owns it.
	Peers(ch Channel) func(yield func(*Bot, Sender) bool)
	// Provider returns the bot's payment provider of that name, or nil.
	Provider(name string) PaymentProvider

	// Ingest stores events durably, de-duplicated on their DedupeKey, in
	// one transaction, and says which were seen before.
	Ingest(ctx context.Context, evs []Event) (duplicates []bool, err error)
	// ApplyStatus records a delivery status (EventStatus) and returns
	// "applied", "stale" or "unknown"; without a store of deliveries it
	// returns "" and records nothing.
	ApplyStatus(ctx context.Context, ev Event) (string, error)
	// Order reads an order.
	Order(ctx context.Context, id OrderID) (*Order, error)
	// ApplyPayment marks the order paid exactly once and returns "paid",
	// "duplicate" or "problem".
	ApplyPayment(ctx context.Context, p Payment) (string, error)
	// PaymentFailed applies a failed attempt once and returns the result
	// to log ("unknown_order" and "other_bot" are results, not errors).
	PaymentFailed(ctx context.Context, f PaymentFailure) (string, error)
	// RecordRefunds records refunds made at the provider, skipping
	// unknown orders.
	RecordRefunds(ctx context.Context, rs []Refund) (recorded, skipped int, err error)
	// SettleRefund applies how a refund ended, once; an error asks the
	// provider to report it again (as it does when refunds are not
	// handled here).
	SettleRefund(ctx context.Context, r RefundOutcome) (string, error)

	// Text is message id of the locale catalogs in loc (a speaker of the
	// bot's, else its default), with data filled in.
	Text(loc Locale, id string, data map[string]any) string
	// ClientIP is the address of the client that made r, as the server's
	// proxies report it.
	ClientIP(r *http.Request) string
	// Log is the server's logger.
	Log() *slog.Logger
	// Now is the server's clock.
	Now() time.Time
}

// InvoiceChecker is a payment provider whose customers pay inside the
// channel (Telegram's invoices): the platform asks, through the channel's
// own updates, whether an order may still be paid before it takes the
// money, and reports the payment in a later update. The channel finds the
// provider in the registry under its own name and asks it both; it does
// no I/O.
type InvoiceChecker interface {
	// CheckInvoice says why amount of o (nil when the payload named no
	// order of the bot) may not be paid now, and the id of the text in
	// the locale catalogs (taking the order's number as ID) that tells
	// the customer; "" and "" mean it may.
	CheckInvoice(o *Order, amount Money, now time.Time) (refusal, textID string)
	// Settle turns a reported payment of amount for o, with the
	// platform's reference, into the payment checkout applies once.
	Settle(o *Order, amount Money, ref string, at time.Time) Payment
}

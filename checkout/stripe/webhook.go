package stripe

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/conciergehq/concierge"
)

// HeaderSignature is the header Stripe signs its notifications in.
const HeaderSignature = "Stripe-Signature"

// MaxBodyBytes is the largest notification Verify reads; Stripe's events
// are a few kilobytes (stripe-go itself caps them at 64 KiB).
const MaxBodyBytes = 64 << 10

// Kind says what a notification asks of Concierge.
type Kind string

// The kinds of notifications.
const (
	// KindPaid: a Checkout Session was paid (completed with
	// payment_status paid, or an asynchronous payment succeeded).
	KindPaid Kind = "paid"
	// KindExpired: a Checkout Session expired unpaid; the order is ended
	// and its stock released.
	KindExpired Kind = "expired"
	// KindRefunded: a charge was refunded (possibly from Stripe's
	// dashboard); each refund is recorded.
	KindRefunded Kind = "refunded"
	// KindIgnored: a verified event Concierge has no use for (an unpaid
	// completion waiting for an asynchronous payment, or any other type).
	// It is acknowledged and changes nothing.
	KindIgnored Kind = "ignored"
)

// Notification is a verified Stripe event, reduced to what Concierge uses.
type Notification struct {
	EventID string
	Type    string // Stripe's event type, such as checkout.session.completed
	Kind    Kind
	// Bot is the bot the session was created for (from its metadata);
	// empty for events that do not carry it.
	Bot concierge.BotID
	// Order is the order the event is about: the session's
	// client_reference_id, or metadata order_id.
	Order concierge.OrderID
	// Session is the Checkout Session id (cs_…).
	Session string
	// Amount is what the customer paid (amount_total in its currency).
	Amount  concierge.Money
	Refunds []concierge.Refund
	At      time.Time
}

// Payment is the payment a KindPaid notification reports. Its ProviderRef
// is the session id: a session is paid at most once, so any number of
// deliveries of its events (or both completed and async_payment_succeeded)
// record one payment.
func (n *Notification) Payment() concierge.Payment {
	return concierge.Payment{Order: n.Order, Provider: ProviderName, ProviderRef: n.Session, Amount: n.Amount, At: n.At}
}

// session is the part of a checkout.session object Concierge reads. These
// fields are the same in every API version since 2020, which is why Verify
// accepts events of any API version (see Verify).
type session struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	ClientReferenceID string            `json:"client_reference_id"`
	Metadata          map[string]string `json:"metadata"`
	AmountTotal       int64             `json:"amount_total"`
	Currency          string            `json:"currency"`
	PaymentStatus     string            `json:"payment_status"`
	Status            string            `json:"status"`
}

// charge is the part of a charge object Concierge reads.
type charge struct {
	ID       string            `json:"id"`
	Object   string            `json:"object"`
	Metadata map[string]string `json:"metadata"`
	Currency string            `json:"currency"`
	Refunds  struct {
		Data []struct {
			ID       string            `json:"id"`
			Amount   int64             `json:"amount"`
			Currency string            `json:"currency"`
			Reason   string            `json:"reason"`
			Status   string            `json:"status"`
			Created  int64             `json:"created"`
			Metadata map[string]string `json:"metadata"`
		} `json:"data"`
	} `json:"refunds"`
}

// Verify checks a notification's Stripe-Signature header against the
// endpoint's signing secret and the tolerance, then decodes it. A missing,
// malformed, forged or too old signature gives a CodeUnauthorized error
// (nothing may be done with the body); a verified body that is not a
// usable event gives CodeInvalid.
//
// It uses webhook.ConstructEventWithOptions with IgnoreAPIVersionMismatch:
// stripe-go v76's ConstructEvent refuses every event whose api_version is
// not 2023-10-16, which would make every notification of an endpoint
// created with the account's (newer) default version fail — and Stripe
// would retry it for three days. Concierge reads only the few fields of
// the session and charge objects that have not changed across versions,
// with its own structs, so the version does not matter here.
func (p *Provider) Verify(header string, body []byte) (*Notification, error) {
	const op = "stripe: verify"
	if len(body) > MaxBodyBytes {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "body is larger than %d bytes", MaxBodyBytes)
	}
	ev, err := webhook.ConstructEventWithOptions(body, header, p.webhookSecret, webhook.ConstructEventOptions{
		Tolerance:                p.tolerance,
		IgnoreAPIVersionMismatch: true,
	})
	if err != nil {
		if errors.Is(err, webhook.ErrNotSigned) || errors.Is(err, webhook.ErrInvalidHeader) ||
			errors.Is(err, webhook.ErrNoValidSignature) || errors.Is(err, webhook.ErrTooOld) {
			return nil, &concierge.Error{Code: concierge.CodeUnauthorized, Op: op, Message: "signature did not verify", Err: err}
		}
		return nil, &concierge.Error{Code: concierge.CodeInvalid, Op: op, Message: "not a Stripe event", Err: err}
	}
	if ev.Data == nil {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "event has no data")
	}
	return decodeEvent(ev.ID, string(ev.Type), ev.Created, ev.Data.Raw)
}

// decodeEvent reduces a verified event to a Notification.
func decodeEvent(id, typ string, created int64, raw json.RawMessage) (*Notification, error) {
	const op = "stripe: event"
	if id == "" || typ == "" {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "event has no id or type")
	}
	n := &Notification{EventID: id, Type: typ, Kind: KindIgnored, At: time.Unix(created, 0).UTC()}
	switch typ {
	case "checkout.session.completed", "checkout.session.async_payment_succeeded", "checkout.session.expired":
		var s session
		if err := json.Unmarshal(raw, &s); err != nil || s.Object != "checkout.session" || s.ID == "" {
			return nil, concierge.Errorf(concierge.CodeInvalid, op, "%s does not carry a checkout session", typ)
		}
		n.Session, n.Bot = s.ID, concierge.BotID(s.Metadata["bot"])
		n.Order = concierge.OrderID(s.ClientReferenceID)
		if n.Order == "" {
			n.Order = concierge.OrderID(s.Metadata["order_id"])
		}
		n.Amount = concierge.Money{Minor: s.AmountTotal, Currency: strings.ToUpper(s.Currency)}
		switch {
		case typ == "checkout.session.expired":
			n.Kind = KindExpired
		case s.PaymentStatus == "paid":
			n.Kind = KindPaid
		}
		// completed with payment_status unpaid: an asynchronous method
		// (a bank debit) is still under way; async_payment_succeeded
		// will follow, or the session's order expires.
	case "charge.refunded":
		var c charge
		if err := json.Unmarshal(raw, &c); err != nil || c.Object != "charge" || c.ID == "" {
			return nil, concierge.Errorf(concierge.CodeInvalid, op, "%s does not carry a charge", typ)
		}
		n.Kind = KindRefunded
		n.Order, n.Bot = concierge.OrderID(c.Metadata["order_id"]), concierge.BotID(c.Metadata["bot"])
		for _, r := range c.Refunds.Data {
			if r.ID == "" {
				continue
			}
			n.Refunds = append(n.Refunds, concierge.Refund{Order: n.Order, Provider: ProviderName, ProviderRef: r.ID,
				Amount: concierge.Money{Minor: r.Amount, Currency: strings.ToUpper(r.Currency)},
				Reason: r.Reason, Status: r.Status, At: time.Unix(r.Created, 0).UTC()})
		}
	}
	return n, nil
}

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
	// KindFailed: an attempt to pay an order failed (a declined card, or
	// a bank debit that failed); the order keeps waiting for payment and
	// the attempt is counted once (see Notification.Failure).
	KindFailed Kind = "failed"
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
	// AttemptRef, FailCode and FailReason describe a KindFailed attempt:
	// the reference that identifies it (the failed charge, or the
	// session), Stripe's decline or error code and its message.
	AttemptRef string
	FailCode   string
	FailReason string
}

// Failure is the failed attempt a KindFailed notification reports. Its
// ProviderRef identifies the attempt, not the event: a redelivered event
// names the same charge or session, so it is counted once.
func (n *Notification) Failure() concierge.PaymentFailure {
	return concierge.PaymentFailure{Order: n.Order, Provider: ProviderName, ProviderRef: n.AttemptRef, Code: n.FailCode, Reason: n.FailReason, At: n.At}
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

// paymentIntent is the part of a payment_intent object Concierge reads
// from payment_intent.payment_failed. Checkout copies the session's
// metadata (order_id, bot) onto its PaymentIntent (payment_intent_data),
// which is how the event finds its order. latest_charge is a string id
// unless expanded, which webhooks never are.
type paymentIntent struct {
	ID               string            `json:"id"`
	Object           string            `json:"object"`
	Metadata         map[string]string `json:"metadata"`
	LatestCharge     json.RawMessage   `json:"latest_charge"`
	LastPaymentError *struct {
		Charge        string `json:"charge"`
		Code          string `json:"code"`
		DeclineCode   string `json:"decline_code"`
		Message       string `json:"message"`
		Type          string `json:"type"`
		PaymentMethod *struct {
			Type string `json:"type"`
		} `json:"payment_method"`
	} `json:"last_payment_error"`
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
	case "checkout.session.async_payment_failed":
		// A delayed method (a bank debit) failed; the session is complete
		// and paid nothing. A session has one such payment, so the
		// session id identifies the attempt.
		var s session
		if err := json.Unmarshal(raw, &s); err != nil || s.Object != "checkout.session" || s.ID == "" {
			return nil, concierge.Errorf(concierge.CodeInvalid, op, "%s does not carry a checkout session", typ)
		}
		n.Kind, n.Session, n.Bot = KindFailed, s.ID, concierge.BotID(s.Metadata["bot"])
		n.Order = concierge.OrderID(s.ClientReferenceID)
		if n.Order == "" {
			n.Order = concierge.OrderID(s.Metadata["order_id"])
		}
		n.Amount = concierge.Money{Minor: s.AmountTotal, Currency: strings.ToUpper(s.Currency)}
		n.AttemptRef, n.FailCode, n.FailReason = s.ID, "async_payment_failed", "The delayed payment (such as a bank debit) failed."
	case "payment_intent.payment_failed":
		var pi paymentIntent
		if err := json.Unmarshal(raw, &pi); err != nil || pi.Object != "payment_intent" || pi.ID == "" {
			return nil, concierge.Errorf(concierge.CodeInvalid, op, "%s does not carry a payment intent", typ)
		}
		n.Order, n.Bot = concierge.OrderID(pi.Metadata["order_id"]), concierge.BotID(pi.Metadata["bot"])
		e := pi.LastPaymentError
		if e != nil && e.PaymentMethod != nil && e.PaymentMethod.Type != "" && e.PaymentMethod.Type != "card" {
			// A delayed method's failure also arrives as
			// checkout.session.async_payment_failed, which counts it;
			// counting it here too would count one failure twice.
			break
		}
		n.Kind = KindFailed
		n.AttemptRef = id // one event per failed attempt when no charge names it
		if e != nil {
			if e.Charge != "" {
				n.AttemptRef = e.Charge
			}
			n.FailCode, n.FailReason = e.DeclineCode, e.Message
			if n.FailCode == "" {
				n.FailCode = e.Code
			}
		}
		if n.AttemptRef == id {
			var ch string
			if json.Unmarshal(pi.LatestCharge, &ch) == nil && ch != "" {
				n.AttemptRef = ch
			}
		}
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

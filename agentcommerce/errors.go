package agentcommerce

import (
	"errors"

	"github.com/conciergehq/concierge"
)

// Reason is why a request was refused, in words both protocols map to
// their own codes.
type Reason string

// The reasons.
const (
	ReasonInvalid          Reason = "invalid"          // malformed input
	ReasonMissing          Reason = "missing"          // a required field is absent
	ReasonUnknownItem      Reason = "item_unavailable" // no such SKU
	ReasonOutOfStock       Reason = "out_of_stock"     // not enough stock
	ReasonCurrency         Reason = "currency"         // not the shop's currency
	ReasonNotFound         Reason = "not_found"        // no such session (or another bot's)
	ReasonFinished         Reason = "finished"         // the session is completed or canceled
	ReasonExpired          Reason = "expired"          // the session's reservation ran out
	ReasonNotReady         Reason = "not_ready"        // complete while information is missing
	ReasonEscalation       Reason = "requires_escalation"
	ReasonPaymentDeclined  Reason = "payment_declined"
	ReasonPaymentHandler   Reason = "payment_handler" // unknown or unconfigured handler
	ReasonIdempotencyReuse Reason = "idempotency_conflict"
	ReasonInFlight         Reason = "idempotency_in_flight" // the same key is being handled now
	// ReasonCompleting refuses a change (update, cancel) of a session
	// whose completion is being processed: it cannot change now, and may
	// again if the completion fails (a declined payment).
	ReasonCompleting Reason = "complete_in_progress"
)

// Error is a refused request: nothing was changed. Path is the JSONPath of
// the offending field when there is one.
type Error struct {
	Reason  Reason
	Path    string
	Message string

	// The call on an existing session that was refused (see about), for
	// its transcript; empty for a refusal that names no session.
	bot     concierge.BotID
	session string
	action  string
}

func (e *Error) Error() string { return "agentcommerce: " + string(e.Reason) + ": " + e.Message }

func refuse(r Reason, path, msg string) *Error { return &Error{Reason: r, Path: path, Message: msg} }

// ErrPaymentDeclined is what a Payer's error wraps when the payment was
// refused.
var ErrPaymentDeclined = errors.New("payment declined")

// AsError returns err's *Error, translating the core's coded errors (out
// of stock, not found) and leaving others (internal) as nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	switch {
	case errors.Is(err, concierge.ErrOutOfStock):
		return refuse(ReasonOutOfStock, "$.line_items", "not enough stock for the quantities asked")
	case errors.Is(err, concierge.ErrNotFound):
		return refuse(ReasonNotFound, "", "no such checkout session")
	}
	return nil
}

// about marks a refusal of a call to do action on session id of bot, so
// that Do writes it into the session's transcript once the call's
// transaction has rolled back. An unknown session (or another bot's) is
// no one's transcript, and an error that is not a refusal (internal) is
// not the agent's doing.
func about(err error, bot concierge.BotID, id, action string) error {
	var e *Error
	if errors.As(err, &e) && e.Reason != ReasonNotFound && e.session == "" {
		e.bot, e.session, e.action = bot, id, action
	}
	return err
}

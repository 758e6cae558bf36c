package concierge

import (
	"fmt"
	"time"
)

// OrderState is a state of an order's life.
type OrderState string

// The order states. An order is created pending payment with its stock
// reserved; it becomes paid only through a verified provider notification.
const (
	OrderPending   OrderState = "pending_payment"
	OrderPaid      OrderState = "paid"
	OrderFulfilled OrderState = "fulfilled"
	OrderCancelled OrderState = "cancelled"
	OrderExpired   OrderState = "expired"
	OrderRefunded  OrderState = "refunded"
)

// orderTransitions is the order state machine: the states each state may
// move to. Anything else is ErrBadTransition.
var orderTransitions = map[OrderState][]OrderState{
	OrderPending:   {OrderPaid, OrderCancelled, OrderExpired},
	OrderPaid:      {OrderFulfilled, OrderRefunded},
	OrderFulfilled: {OrderRefunded},
}

// CanTransition reports whether an order in state s may move to t.
func (s OrderState) CanTransition(t OrderState) bool {
	for _, x := range orderTransitions[s] {
		if x == t {
			return true
		}
	}
	return false
}

// Transition returns an error wrapping ErrBadTransition unless s may move to t.
func (s OrderState) Transition(t OrderState) error {
	if s.CanTransition(t) {
		return nil
	}
	return fmt.Errorf("order %s → %s: %w", s, t, ErrBadTransition)
}

// HoldsStock reports whether an order in state s keeps its stock reserved.
func (s OrderState) HoldsStock() bool {
	return s == OrderPending || s == OrderPaid || s == OrderFulfilled
}

// Order is a customer's purchase. Its lines and total are computed on the
// server from the catalog when it is created and never change after.
type Order struct {
	ID           OrderID        `json:"id"`
	Bot          BotID          `json:"bot"`
	Conversation ConversationID `json:"conversation"`
	State        OrderState     `json:"state"`
	Lines        []OrderLine    `json:"lines"`
	Total        Money          `json:"total"`
	Provider     string         `json:"provider"`
	CreatedAt    time.Time      `json:"created_at"`
	ExpiresAt    time.Time      `json:"expires_at"`
	PaidAt       time.Time      `json:"paid_at,omitzero"`
}

// OrderLine is one product of an order at the price it was sold.
type OrderLine struct {
	SKU      SKU    `json:"sku"`
	Title    string `json:"title"`
	Quantity int    `json:"quantity"`
	Unit     Money  `json:"unit"`
}

// Payment is a verified payment notification applied to an order. ProviderRef
// (the provider's charge or event id) is unique per provider, which is what
// makes a repeated notification change nothing.
type Payment struct {
	Order       OrderID   `json:"order"`
	Provider    string    `json:"provider"`
	ProviderRef string    `json:"provider_ref"`
	Amount      Money     `json:"amount"`
	At          time.Time `json:"at"`
}

// PaymentFailure is a verified report that an attempt to pay an order
// failed (a declined card, a bank debit that bounced). ProviderRef
// identifies the attempt and is unique per provider, like a Payment's, so
// a repeated report is recorded once. The order stays pending: the
// customer may try again until it expires.
type PaymentFailure struct {
	Order       OrderID   `json:"order"`
	Provider    string    `json:"provider"`
	ProviderRef string    `json:"provider_ref"`
	Code        string    `json:"code,omitempty"`   // the provider's code, such as card_declined or NOTENOUGH
	Reason      string    `json:"reason,omitempty"` // the provider's words, for people
	At          time.Time `json:"at"`
}

// CartLine is one product in a conversation's cart.
type CartLine struct {
	SKU      SKU `json:"sku"`
	Quantity int `json:"quantity"`
	// Offer is set when the line is a supplier's offer (SKU.IsOffer): it
	// keeps the offer's id and the price it was put in the cart at, which
	// checkout confirms with the supplier before the customer pays.
	Offer *Offer `json:"offer,omitempty"`
}

// Refund is money given back on a paid order through its provider.
// ProviderRef (the provider's refund id) is unique per provider, so a
// refund reported twice (the API's answer, then a webhook) is recorded once.
type Refund struct {
	Order       OrderID   `json:"order"`
	Provider    string    `json:"provider"`
	ProviderRef string    `json:"provider_ref"`
	Amount      Money     `json:"amount"`
	Reason      string    `json:"reason,omitempty"`
	Status      string    `json:"status"` // the provider's word: pending, succeeded, failed …
	At          time.Time `json:"at"`
}

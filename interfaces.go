package concierge

import (
	"context"
	"time"
)

// Outbound is a message the agent produced, addressed and numbered. Seq
// orders the messages of one conversation.
type Outbound struct {
	ID           int64          `json:"id"`
	Conversation ConversationID `json:"conversation"`
	Seq          int64          `json:"seq"`
	Bot          BotID          `json:"bot"`
	Channel      Channel        `json:"channel"`
	Chat         ChatID         `json:"chat"`
	Locale       Locale         `json:"locale"`
	Message      Message        `json:"message"`
	Attempts     int            `json:"attempts"`
	// Author is who wrote it: "bot", "agent:NAME" (a person in the
	// inbox) or "system"; a channel that shows people's replies
	// differently reads it.
	Author string `json:"author,omitempty"`
	// TraceParent is the W3C traceparent of the span that produced the
	// message (a turn, a payment webhook), so that its send can link to
	// it; "" when tracing is off.
	TraceParent string `json:"-"`
}

// Sender delivers outbound messages on one channel; every adapter is one.
//
// Send is called by the outbox, one message at a time per conversation and
// in order; it may block on the network and must honour ctx. A nil error
// means the platform accepted the message. An error wrapping
// ErrUndeliverable means it never will (the customer blocked the bot): the
// outbox stops retrying and marks the conversation. Any other error is
// retried with backoff.
type Sender interface {
	Send(ctx context.Context, m *Outbound) error
}

// PaymentProvider turns an order into something the customer can pay.
//
// Request is called inside checkout once the order is stored; it must not
// mark anything paid. Payment is confirmed only by a verified notification
// handled by the provider's webhook.
type PaymentProvider interface {
	Name() string
	Request(ctx context.Context, bot *Bot, o *Order) (*PaymentRequest, error)
}

// DeliveryStatus is what became of one outbound message.
type DeliveryStatus string

// The delivery statuses the outbox records.
const (
	DeliverySent   DeliveryStatus = "sent"          // the platform accepted it; whether the customer got it is a later EventStatus
	DeliveryRetry  DeliveryStatus = "retry"         // failed for now; NextAttempt says when to try again
	Undeliverable  DeliveryStatus = "undeliverable" // the channel said never (the customer blocked the bot)
	DeliveryFailed DeliveryStatus = "failed"        // gave up after the last retry
)

// Delivery is the outcome of one send attempt.
type Delivery struct {
	ID           int64
	Conversation ConversationID
	Status       DeliveryStatus
	NextAttempt  time.Time
	Error        string
	// Interrupted marks a retry caused by our own shutdown, which does not
	// count against the message's attempts.
	Interrupted bool
}

package concierge

import (
	"context"
	"time"
)

// Tx is a write transaction on the store, as the agent's tools, checkout and
// the hand-off code see it. Everything done through one Tx commits or rolls
// back together: a turn's state changes and the messages it produced, an
// order and its stock reservation, a payment and the order it pays.
type Tx interface {
	// Now is the transaction's time; rows it writes carry it.
	Now() time.Time

	// Emit appends m to conv's outbox after everything already there.
	Emit(ctx context.Context, conv *Conversation, author string, m Message) (int64, error)
	Conversation(ctx context.Context, id ConversationID) (*Conversation, error)
	SaveConversation(ctx context.Context, c *Conversation) error
	RecordHandoff(ctx context.Context, h Handoff) error

	Cart(ctx context.Context, conv ConversationID) ([]CartLine, error)
	SetCartLine(ctx context.Context, conv ConversationID, sku SKU, qty int) error
	ClearCart(ctx context.Context, conv ConversationID) error

	// Stock is the live count; CreateOrder reserves from it, all or
	// nothing, failing with ErrOutOfStock.
	Stock(ctx context.Context, bot BotID, sku SKU) (int, error)
	CreateOrder(ctx context.Context, o *Order) error
	Order(ctx context.Context, id OrderID) (*Order, error)
	Orders(ctx context.Context, conv ConversationID) ([]*Order, error)
	// TransitionOrder follows the order state machine and releases stock
	// when the new state no longer holds it; ErrBadTransition otherwise.
	TransitionOrder(ctx context.Context, o *Order, to OrderState) error
	// RecordPayment returns false, changing nothing, for a payment seen before.
	RecordPayment(ctx context.Context, p Payment) (bool, error)
}

// Package agentcommerce is the checkout-session core that outside AI
// agents buy through: UCP (ucp/), ACP (acp/) and MCP (mcp/) are three faces
// of it. A session holds line items by SKU and quantity, the buyer, the
// delivery address and the chosen shipping option; prices and totals come
// from the catalog, in minor units, never from the agent. While a session
// is open its stock is held by an ordinary pending order placed through
// the chat's checkout (channel agent:ucp, agent:acp or agent:mcp), so
// cancels and expiries release it as they do for chat orders, and a
// completed session is an ordinary paid order.
//
// It reaches the store and checkout through the interfaces below, which
// cmd/concierge satisfies; only cmd and the protocol packages under it
// import it.
package agentcommerce

import (
	"context"
	"time"

	"github.com/conciergehq/concierge"
)

// Protocol names the protocol an agent used.
type Protocol string

// The protocols.
const (
	UCP Protocol = "ucp"
	ACP Protocol = "acp"
	MCP Protocol = "mcp"
)

// Channel is the channel of the conversations and orders of p's sessions.
func (p Protocol) Channel() concierge.Channel { return concierge.Channel("agent:" + string(p)) }

// IsAgentChannel reports whether ch is one of the agents' channels.
func IsAgentChannel(ch concierge.Channel) bool {
	switch ch {
	case UCP.Channel(), ACP.Channel(), MCP.Channel():
		return true
	}
	return false
}

// Checkout places and moves orders; *checkout.Service is one.
type Checkout interface {
	PlaceOrder(ctx context.Context, tx concierge.Tx, bot *concierge.Bot, conv *concierge.Conversation, lines []concierge.CartLine) (*concierge.Order, *concierge.PaymentRequest, error)
	CancelOrder(ctx context.Context, tx concierge.Tx, o *concierge.Order) error
	// Paid applies a verified payment exactly once and says what it did
	// ("paid", "duplicate", "problem").
	Paid(ctx context.Context, tx concierge.Tx, bot concierge.BotID, p concierge.Payment) (string, error)
}

// Tx is a store transaction with what sessions need beyond concierge.Tx;
// *store.Tx is one.
type Tx interface {
	concierge.Tx
	OpenConversation(ctx context.Context, bot concierge.BotID, ch concierge.Channel, chat concierge.ChatID, locale concierge.Locale) (*concierge.Conversation, error)
	SaveAgentSession(ctx context.Context, id string, bot concierge.BotID, protocol string, conv concierge.ConversationID, body []byte) error
	// AgentSession returns a session's body, or an error wrapping
	// concierge.ErrNotFound (also for another bot's session).
	AgentSession(ctx context.Context, bot concierge.BotID, id string) ([]byte, error)
	ClaimIdempotencyKey(ctx context.Context, scope, key, hash string) (fresh bool, prevHash string, status int, response []byte, err error)
	FinishIdempotencyKey(ctx context.Context, scope, key string, status int, response []byte) error
	// AddAgentEvent queues an order event in the transaction of the change
	// it reports; a state already reported for the session is not queued
	// again.
	AddAgentEvent(ctx context.Context, bot concierge.BotID, protocol, session string, order concierge.OrderID, typ string, state concierge.OrderState) error
	// AgentEventStates returns the order states the session's events up
	// to event upTo (all: 0) reported, with when each was queued.
	AgentEventStates(ctx context.Context, session string, upTo int64) (map[concierge.OrderState]time.Time, error)
	// SaveVaultToken stores a vault token (the sandbox's delegated
	// payment) that pays session once, up to max, before expires. It
	// holds no card data.
	SaveVaultToken(ctx context.Context, id string, bot concierge.BotID, session string, max concierge.Money, expires time.Time) error
	// VaultToken returns a vault token of bot, locked for the rest of the
	// transaction, or an error wrapping concierge.ErrNotFound (also for
	// another bot's); usedBy is the order it paid, "" while unused.
	VaultToken(ctx context.Context, bot concierge.BotID, id string) (session string, max concierge.Money, expires time.Time, usedBy concierge.OrderID, err error)
	// UseVaultToken marks a vault token spent by order; false when it
	// already was.
	UseVaultToken(ctx context.Context, bot concierge.BotID, id string, order concierge.OrderID) (bool, error)
}

// Store runs transactions.
type Store interface {
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// PruneIdempotencyKeys forgets keys claimed before before.
	PruneIdempotencyKeys(ctx context.Context, before time.Time) (int64, error)
	// ClaimFlight records, in a transaction of its own that every replica
	// sees once it returns, that the request with key in scope whose body
	// hashes to hash is being handled, for lease (renewed while the
	// process lives), unless another claim of the key has not run out.
	// It returns the token that releases the claim, or "" and the hash of
	// the request in flight. It must not wait for the transaction of the
	// request in flight.
	ClaimFlight(ctx context.Context, scope, key, hash string, lease time.Duration) (token, busyHash string, err error)
	// ReleaseFlight ends the claim token holds, if it still holds it.
	ReleaseFlight(ctx context.Context, scope, key, token string) error
	// FlightLive reports whether a claim of key in scope has not run
	// out. It must not wait for the transaction of the request in
	// flight.
	FlightLive(ctx context.Context, scope, key string) (bool, error)
	// CommittedSession returns the body of session id of bot as last
	// committed (concierge.ErrNotFound when there is none), without
	// waiting for a transaction that is changing it.
	CommittedSession(ctx context.Context, bot concierge.BotID, id string) ([]byte, error)
}

// Payer charges a session's order with an agent's payment token. The
// sandbox is one (Sandbox), Stripe another (package stripepay); the
// server finds each in the registry (concierge.Registry.AgentPayer) under
// the name the bot file's agents.payment_handlers lists.
//
// Charge is called in the session's transaction, once per completion that
// reaches payment; ref must identify the charge at the provider so that
// the payment is recorded once. An error wrapping ErrPaymentDeclined
// means the buyer's payment was refused and the order waits on.
type Payer interface {
	Charge(ctx context.Context, o *concierge.Order, token string) (ref string, err error)
}

// TxPayer is a Payer whose tokens live in the shop's own database (the
// sandbox's vault tokens, issued by ACP's delegate_payment in test mode).
// Complete calls ChargeTx instead of Charge, in the session's
// transaction, with the session's id, so that a token is spent with the
// payment it made or not at all. A refusal is an *Error with
// ReasonPaymentDeclined saying why.
type TxPayer interface {
	ChargeTx(ctx context.Context, tx Tx, session string, o *concierge.Order, token string) (ref string, err error)
}

// Presenter is a Payer that says how the protocols present it. Without
// it, handler id is dev.concierge.<id> in UCP's registry and shows as id.
type Presenter interface {
	// Presentation is constant for the Payer's life; it does no I/O.
	Presentation() Presentation
}

// Presentation is how the protocols show a payment handler.
type Presentation struct {
	Name    string // its name in UCP's payment handler registry ("com.stripe")
	Display string // the name buyers read ("Sandbox (test tokens)")
}

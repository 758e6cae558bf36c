package concierge

import "time"

// LinkCode is a one-time code that links a person of the inbox to one
// chat identity on one channel, for the seller's assistant. Only Hash (a
// SHA-256 of the code) is stored; Account, when set, is the platform
// user id the code must come from.
type LinkCode struct {
	Hash      string    `json:"-"`
	Person    int64     `json:"person"`
	Channel   Channel   `json:"channel"`
	Account   string    `json:"account,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	UsedAt    time.Time `json:"used_at,omitzero"`
}

// SellerLink is a person's linked chat: messages from it go to the
// seller's assistant instead of the shop, and pushes go to it.
type SellerLink struct {
	Person       int64          `json:"person"`
	Name         string         `json:"name"`
	Bot          BotID          `json:"bot"`
	Channel      Channel        `json:"channel"`
	Chat         ChatID         `json:"chat"`
	Conversation ConversationID `json:"conversation"`
	LinkedAt     time.Time      `json:"linked_at"`
	// PushesOff are the pushes the person switched off.
	PushesOff []string `json:"pushes_off,omitempty"`
	// Shop is the shop the person's commands apply to, chosen from the
	// chat when they see several bots; "" before any choice.
	Shop BotID `json:"shop,omitempty"`
}

// SellerChange is a change asked from a linked chat: shown with its
// before and after, confirmed once, then applied. Args is the seller
// package's own encoding of what to do.
type SellerChange struct {
	ID           int64          `json:"id"`
	Person       int64          `json:"person"`
	Bot          BotID          `json:"bot"`
	Conversation ConversationID `json:"conversation"`
	Locale       Locale         `json:"locale"`
	Action       string         `json:"action"`
	Target       string         `json:"target"`
	Before       string         `json:"before"`
	After        string         `json:"after"`
	Args         string         `json:"args"`
	State        string         `json:"state"`
	Result       string         `json:"result,omitempty"`
	CreatedAt    time.Time      `json:"created_at"`
	ExpiresAt    time.Time      `json:"expires_at"`
}

// The states of a SellerChange.
const (
	ChangeProposed  = "proposed"
	ChangeConfirmed = "confirmed"
	ChangeApplied   = "applied"
	ChangeFailed    = "failed"
	ChangeCancelled = "cancelled"
)

// AuditEntry is one change written to the audit log: who made it, to
// what, the value before and after, and through what (a channel's name
// for the seller's assistant).
type AuditEntry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Person string    `json:"person"`
	Bot    BotID     `json:"bot"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Before string    `json:"before"`
	After  string    `json:"after"`
	Via    string    `json:"via"`
	Detail string    `json:"detail,omitempty"`
}

// SellerNews is one happening pushed to linked sellers: a hand-off
// waiting, a refund proposal, a failed payment, a product out of stock.
// Mark is its place in its source, so each is pushed once.
type SellerNews struct {
	Kind         string         `json:"kind"`
	Mark         int64          `json:"mark"`
	Bot          BotID          `json:"bot"`
	Conversation ConversationID `json:"conversation,omitempty"`
	Proposal     *Proposal      `json:"proposal,omitempty"`
	Order        OrderID        `json:"order,omitempty"`
	SKU          SKU            `json:"sku,omitempty"`
	Reason       string         `json:"reason,omitempty"`
}

// The kinds of SellerNews, which are also the pushes a person may switch
// off.
const (
	NewsHandoff = "handoff"
	NewsRefund  = "refund"
	NewsPayment = "payment"
	NewsStock   = "stock"
)

package concierge

import (
	"slices"
	"time"
)

// Role is what a person may do in the inbox.
type Role string

// The inbox roles. An agent claims, answers and hands back conversations of
// the bots granted to them; a supervisor also decides refunds.
const (
	RoleAgent      Role = "agent"
	RoleSupervisor Role = "supervisor"
)

// Person is someone who signs in to the inbox. Bots lists the bots whose
// conversations they may see ("*" grants every bot). Capacity is how many
// conversations they may own at once.
type Person struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Role         Role      `json:"role"`
	Bots         []BotID   `json:"bots"`
	Capacity     int       `json:"capacity"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// AllBots is the grant that lets a person see every bot.
const AllBots BotID = "*"

// Sees reports whether p may see the conversations of bot.
func (p *Person) Sees(bot BotID) bool {
	return slices.Contains(p.Bots, AllBots) || slices.Contains(p.Bots, bot)
}

// Author is how the transcript names a person's messages: "agent:NAME".
func (p *Person) Author() string { return "agent:" + p.Name }

// CallAuthorPrefix begins the author of a transcript line that records
// what an outside AI agent did to its checkout ("call:ucp"), for the
// inbox: no person wrote it and no chat receives it.
const CallAuthorPrefix = "call:"

// HandoffPacket is what the brain writes for people when it hands a
// conversation off: why, and a structured summary of where the customer
// was. The inbox shows it above the transcript, with the cart, orders and
// payments it reads live.
type HandoffPacket struct {
	Conversation ConversationID `json:"conversation"`
	Reason       HandoffReason  `json:"reason"`
	By           string         `json:"by"` // "bot", "checkout" …
	At           time.Time      `json:"at"`
	// Summary is one or two plain sentences for a person in a hurry.
	Summary string `json:"summary"`
	// CustomerSaid is the message that led to the hand-off.
	CustomerSaid string `json:"customer_said,omitempty"`
	// Intents are the last things the brain understood, oldest first.
	Intents     []string `json:"intents,omitempty"`
	LastSearch  string   `json:"last_search,omitempty"`
	Shown       []SKU    `json:"shown,omitempty"`
	Focus       SKU      `json:"focus,omitempty"`
	LastOrder   OrderID  `json:"last_order,omitempty"`
	FailedTurns int      `json:"failed_turns,omitempty"`
	Locale      Locale   `json:"locale,omitempty"`
}

// ProposalStatus is where a proposal stands.
type ProposalStatus string

// The proposal statuses: proposed by the AI, then approved or refused by a
// person, once.
const (
	ProposalOpen     ProposalStatus = "proposed"
	ProposalApproved ProposalStatus = "approved"
	ProposalRefused  ProposalStatus = "refused"
)

// Proposal is a decision the AI may only propose and a person takes
// (invariant 5): a refund, or a dispute (a charge or an order the customer
// contests). Suggest is what the AI suggests ("approve", "refuse", or
// "investigate" for a dispute the evidence does not settle, which has no
// Amount) and Why says why, from the evidence. The person's
// decision, who took it and when are recorded once; a second decision on
// the same proposal is refused.
type Proposal struct {
	ID           int64          `json:"id"`
	Conversation ConversationID `json:"conversation"`
	Bot          BotID          `json:"bot"`
	Kind         ProposalKind   `json:"kind"`
	Order        OrderID        `json:"order,omitempty"`
	Amount       Money          `json:"amount"`
	Suggest      Suggestion     `json:"suggest"`
	Why          string         `json:"why"`
	Evidence     Evidence       `json:"evidence"`
	At           time.Time      `json:"at"`

	Status    ProposalStatus `json:"status"`
	DecidedBy string         `json:"decided_by,omitempty"`
	DecidedAt time.Time      `json:"decided_at,omitzero"`
	Note      string         `json:"note,omitempty"`
	// Decided is the amount the person approved: the proposal's Amount,
	// or another one when they changed it (never more than was paid).
	// It is zero for a refusal and for decisions recorded before amounts
	// could be changed.
	Decided Money `json:"decided_amount,omitzero"`
	// RefundRef is the provider's refund id once an approved refund was
	// executed; RefundError is why the last attempt failed while it was
	// not (a retry uses the same idempotency key).
	RefundRef   string `json:"refund_ref,omitempty"`
	RefundError string `json:"refund_error,omitempty"`
}

// RefundAmount is what an approved refund gives back: the decided
// amount, or the proposed one when none was recorded.
func (p *Proposal) RefundAmount() Money {
	if p.Decided.Minor > 0 {
		return p.Decided
	}
	return p.Amount
}

// Refunds reports whether approving p gives money back through the
// order's provider: a refund, or a dispute (whose approval refunds the
// duplicate charge, the whole order, or the amount the person enters).
func (p *Proposal) Refunds() bool {
	return (p.Kind == ProposalRefund || p.Kind == ProposalDispute) && p.Order != ""
}

// Changed reports whether the person approved another amount than the
// AI proposed.
func (p *Proposal) Changed() bool {
	return p.Status == ProposalApproved && p.Decided.Minor > 0 && p.Decided != p.Amount
}

// Evidence is what a refund or dispute proposal rests on, as the agent
// found it.
type Evidence struct {
	OrderState   OrderState `json:"order_state,omitempty"`
	OrderTotal   Money      `json:"order_total,omitzero"`
	PaidAt       time.Time  `json:"paid_at,omitzero"`
	Payments     int        `json:"payments"`
	WindowDays   int        `json:"window_days"`
	WithinWindow bool       `json:"within_window"`
	AutoApprove  Money      `json:"auto_approve_below"`
	CustomerSaid string     `json:"customer_said,omitempty"`
	// Paid lists the payments recorded for the order, oldest first; two
	// for one order is a duplicate charge. Set on disputes.
	Paid []Payment `json:"paid,omitempty"`
	// Delivery is what is known of the order's delivery (DeliveryFulfilled,
	// DeliveryDigital or DeliveryNone) and ExpectedBy when it was due.
	// Set on disputes.
	Delivery   DeliveryKnown `json:"delivery,omitempty"`
	ExpectedBy time.Time     `json:"expected_by,omitzero"`
}

// DeliveryKnown is what a dispute's evidence knows of an order's delivery.
type DeliveryKnown string

// The delivery states of a dispute's evidence. The store records no
// shipments: an order the shop marked fulfilled is delivered as far as it
// knows, an order of digital products has nothing to deliver, and any
// other has no delivery recorded.
const (
	DeliveryFulfilled DeliveryKnown = "fulfilled"
	DeliveryDigital   DeliveryKnown = "digital"
	DeliveryNone      DeliveryKnown = "not recorded"
)

// ProposalKind is what a proposal asks people to decide.
type ProposalKind string

// The proposal kinds.
const (
	ProposalRefund  ProposalKind = "refund"
	ProposalDispute ProposalKind = "dispute"
)

// Suggestion is what the AI suggests people decide on a proposal.
type Suggestion string

// The suggestions of a proposal.
const (
	SuggestApprove Suggestion = "approve"
	SuggestRefuse  Suggestion = "refuse"
	// SuggestInvestigate is for a dispute the evidence does not settle;
	// such a proposal has no Amount.
	SuggestInvestigate Suggestion = "investigate"
)

// Note is a private note people leave on a conversation; the customer never
// sees it.
type Note struct {
	ID           int64          `json:"id"`
	Conversation ConversationID `json:"conversation"`
	Author       string         `json:"author"`
	Text         string         `json:"text"`
	At           time.Time      `json:"at"`
}

// Case is a conversation in people's hands: handed off and not yet handed
// back. Assignee is empty while it waits.
type Case struct {
	Conversation Conversation  `json:"conversation"`
	Reason       HandoffReason `json:"reason"`
	Since        time.Time     `json:"since"`
	Assignee     string        `json:"assignee,omitempty"`
	ClaimedAt    time.Time     `json:"claimed_at,omitzero"`
	// LastInbound is the seq and time of the customer's latest message,
	// so the queue can show who wrote since.
	LastInbound   int64     `json:"last_inbound"`
	LastInboundAt time.Time `json:"last_inbound_at,omitzero"`
	Preview       string    `json:"preview,omitempty"`
}

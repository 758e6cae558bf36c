package concierge

import "time"

// ConversationState says who speaks for the merchant in a conversation.
type ConversationState string

// The conversation states: bot → waiting → human → bot, and closed.
const (
	StateBot     ConversationState = "bot"     // the brain answers
	StateWaiting ConversationState = "waiting" // handed off; no human has claimed it yet
	StateHuman   ConversationState = "human"   // a human owns it; the bot stays silent
	StateClosed  ConversationState = "closed"
)

// Conversation is one customer talking to one bot on one channel.
type Conversation struct {
	ID       ConversationID    `json:"id"`
	Bot      BotID             `json:"bot"`
	Channel  Channel           `json:"channel"`
	Chat     ChatID            `json:"chat"`
	Customer string            `json:"customer,omitempty"`
	Locale   Locale            `json:"locale,omitempty"`
	State    ConversationState `json:"state"`
	// Memory is what the brain remembers between turns (products last
	// shown, a pending question); the brain owns its meaning.
	Memory    Memory    `json:"memory"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Undeliverable is set when the channel said the customer cannot be
	// reached (blocked the bot); sends stop until they write again.
	Undeliverable bool `json:"undeliverable,omitempty"`
}

// Memory is the brain's short-term memory of a conversation.
type Memory struct {
	// Shown are the products last shown, in order, so "the first one" or
	// "I'll take it" can be resolved.
	Shown []SKU `json:"shown,omitempty"`
	// Focus is the product the customer last looked at or added.
	Focus SKU `json:"focus,omitempty"`
	// Pending is a question the bot asked and awaits an answer to.
	Pending Question `json:"pending,omitempty"`
	// PendingQuantity is the count the customer asked for when Pending is
	// QuestionWhichProduct ("add 2 bulbs" → "which one?") or
	// QuestionWhichVariant ("2 pairs of the trail shoes" → "which size?").
	PendingQuantity int `json:"pending_quantity,omitempty"`
	// PendingText is the request a QuestionWhichProduct answers ("add
	// black PLA"): the values it stated hold for the product then chosen
	// ("1.75" picks the black 1.75 mm spool).
	PendingText string `json:"pending_text,omitempty"`
	// PendingNot is what that request ruled out ("不要紫色的", "not the
	// black one"): it stays ruled out for the product then chosen.
	PendingNot string `json:"pending_not,omitempty"`
	// FailedTurns counts consecutive turns the brain did not understand.
	FailedTurns int `json:"failed_turns,omitempty"`
	// Consent records that the customer agreed to the data policy.
	Consent bool `json:"consent,omitempty"`
	// LastOrder is the customer's most recent order in this conversation.
	LastOrder OrderID `json:"last_order,omitempty"`
	// LastQuery and LastCategory are the last search, so that "something
	// cheaper?" or "under 50?" refine it instead of starting over.
	LastQuery    string `json:"last_query,omitempty"`
	LastCategory string `json:"last_category,omitempty"`
	// HandedBack is set when a person handed the conversation back to the
	// bot; the agent clears it after the bot's next turn, so a brain can
	// tell that a human stretch just ended (the handoffs table has the rest).
	HandedBack bool `json:"handed_back,omitempty"`
	// LangSeen is set once a message of the customer's said which
	// language they write; before, the conversation's locale is only the
	// platform's hint or the bot's default.
	LangSeen bool `json:"lang_seen,omitempty"`
	// Offers are the suppliers' offers of the last search, so that "the
	// first one" or a button can put one in the cart at the price shown.
	Offers []Offer `json:"offers,omitempty"`
	// Intents are the last few things the brain understood, newest last;
	// the hand-off packet shows them to people.
	Intents []string `json:"intents,omitempty"`
}

// Question is what the bot asked and awaits an answer to; "" for none.
type Question string

// The questions a brain may leave pending between turns.
const (
	// QuestionConsent asks to agree to the data policy before checkout.
	QuestionConsent Question = "consent"
	// QuestionWhichProduct asks which of the products shown the customer
	// meant; the answer completes the add (Memory.PendingQuantity).
	QuestionWhichProduct Question = "which_product"
	// QuestionWhichVariant asks which size or colour of a product the
	// customer wants; Memory.Shown holds the variants still possible, and
	// the answer completes the add (Memory.PendingQuantity).
	QuestionWhichVariant Question = "which_variant"
)

// Handoff records that a conversation changed hands, why and by whom.
type Handoff struct {
	Conversation ConversationID    `json:"conversation"`
	From         ConversationState `json:"from"`
	To           ConversationState `json:"to"`
	Reason       HandoffReason     `json:"reason"`
	// Note is free text for people beside the reason, never decided on:
	// for HandoffAssigned, to whom, from whom and the supervisor's why
	// ("to dan (was bob): bob is off"). Empty for most moves.
	Note string    `json:"note,omitempty"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

// HandoffReason says why a conversation changed hands. The code decides
// on it (the inbox filters by it, training maps it to a kind of case, the
// packet explains it), so every value is one of the constants below;
// free words for people go in Handoff.Note. Rows written by an older
// version may hold another word: it is shown as it is.
type HandoffReason string

// The reasons a brain or checkout hands a conversation to people
// (to waiting).
const (
	HandoffAsked   HandoffReason = "asked" // the customer asked for a person
	HandoffFailed  HandoffReason = "not_understood"
	HandoffRefund  HandoffReason = "refund"
	HandoffDispute HandoffReason = "dispute" // the customer contests a charge or an order
	HandoffKeyword HandoffReason = "keyword" // one of the bot file's hand-off words
	HandoffPayment HandoffReason = "payment_problem"
	// HandoffComplaint and HandoffOther are the language model's words
	// (its handoff_to_human tool's enum); its summary in the packet says
	// more.
	HandoffComplaint HandoffReason = "complaint"
	HandoffOther     HandoffReason = "other"
)

// The reasons of the moves people and the inbox make.
const (
	HandoffClaimed HandoffReason = "claimed" // a person took a waiting conversation
	// HandoffAssigned: a supervisor gave the conversation to someone; the
	// Note says to whom, from whom and why.
	HandoffAssigned HandoffReason = "assigned"
	// HandoffResolved: a person handed the conversation back to the bot
	// or closed it.
	HandoffResolved HandoffReason = "resolved"
	// HandoffOwnerRemoved: the person who owned it was removed from the
	// inbox, and it waits again.
	HandoffOwnerRemoved HandoffReason = "owner_removed"
)

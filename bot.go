package concierge

import "time"

// Bot is one merchant's assistant as the core sees it: who it is, what it
// sells and the policies it must follow. Channel and payment credentials are
// not here; they go straight from the bot file to the adapter or provider
// that needs them.
type Bot struct {
	ID       BotID         `json:"bot"`
	Name     string        `json:"name"`
	Locales  []Locale      `json:"locales"` // the first is the default
	Currency string        `json:"currency"`
	Brain    BrainKind     `json:"brain"`
	Products []Product     `json:"products"`
	Handoff  HandoffPolicy `json:"handoff"`
	Policies Policies      `json:"policies"`
}

// BrainKind says which brain answers a bot's customers.
type BrainKind string

// The brains.
const (
	BrainRules BrainKind = "rules" // the offline dialogue policy; also what an empty kind means
	BrainLLM   BrainKind = "llm"   // a language model with tools, the rules brain as its fallback
)

// DefaultLocale is the bot's first locale.
func (b *Bot) DefaultLocale() Locale {
	if len(b.Locales) == 0 {
		return "en"
	}
	return b.Locales[0]
}

// Product returns the product with the given SKU, or nil.
func (b *Bot) Product(sku SKU) *Product {
	for i := range b.Products {
		if b.Products[i].SKU == sku {
			return &b.Products[i]
		}
	}
	return nil
}

// HandoffPolicy says when a conversation goes to people.
type HandoffPolicy struct {
	Keywords         []string `json:"keywords"`
	AfterFailedTurns int      `json:"after_failed_turns"`
	// AfterFailedPayments hands the conversation to people when this many
	// attempts to pay one order failed; 0 never does.
	AfterFailedPayments int    `json:"after_failed_payments,omitempty"`
	BusinessHours       string `json:"business_hours,omitempty"`
	// CannedReplies are ready-made answers people may send from the
	// inbox, in the customer's language.
	CannedReplies []CannedReply `json:"canned_replies,omitempty"`
	// OfferPersonAtStart lets the customer choose, at the welcome and the
	// first greeting, between a person and the assistant.
	OfferPersonAtStart bool `json:"offer_person_at_start,omitempty"`
}

// CannedReply is one ready-made answer of the inbox's reply box.
type CannedReply struct {
	Title string            `json:"title"` // what people see in the list
	Text  map[Locale]string `json:"text"`  // what the customer gets, per locale
}

// In returns the reply's text in loc, else in def (the bot's default
// locale, which the bot file requires).
func (r CannedReply) In(loc, def Locale) string { return LocalText(r.Text, loc, def) }

// Policies are the merchant's rules that the code enforces whatever a brain
// proposes.
type Policies struct {
	// RefundAutoApproveBelow: refunds strictly below it may be approved
	// without a person; zero means every refund needs a person.
	RefundAutoApproveBelow Money `json:"refund_auto_approve_below"`
	RefundWindowDays       int   `json:"refund_window_days"`
	// ConsentBefore is "checkout", "start" or "" (never asked).
	ConsentBefore string        `json:"consent_before,omitempty"`
	RetentionDays int           `json:"retention_days"`
	OrderTTL      time.Duration `json:"order_ttl"` // how long stock stays reserved for an unpaid order
	// MaxQuantity is the most of one product a chat cart line may hold;
	// zero means DefaultMaxQuantity. The parser also reads it: a larger
	// number in a message is a name's number or a count refused, never a
	// quantity.
	MaxQuantity int `json:"max_quantity,omitempty"`
}

// DefaultMaxQuantity bounds a cart line when the merchant sets no bound:
// more than 20 of one thing in a chat is rare enough to ask a person.
const DefaultMaxQuantity = 20

// LineLimit is the most of one product a cart line may hold.
func (p Policies) LineLimit() int {
	if p.MaxQuantity > 0 {
		return p.MaxQuantity
	}
	return DefaultMaxQuantity
}

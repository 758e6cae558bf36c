package agentcommerce

import (
	"time"

	"github.com/conciergehq/concierge"
)

// Status is a session's phase, in UCP's words; ACP maps them to its own.
type Status string

// The statuses.
const (
	StatusIncomplete Status = "incomplete"          // information is missing; Messages say what
	StatusEscalation Status = "requires_escalation" // the buyer must continue at ContinueURL
	StatusReady      Status = "ready_for_complete"
	// StatusCompleting is a session whose completion is being processed
	// (by this replica or another): only in answers (Completing), never
	// stored.
	StatusCompleting Status = "complete_in_progress"
	StatusCompleted  Status = "completed" // paid: an ordinary paid order
	StatusCanceled   Status = "canceled"  // canceled or expired; the stock is released
)

// Session is one agent's checkout session. Everything in it that is money
// was computed here from the catalog and the bot file.
type Session struct {
	ID           string                   `json:"id"`
	Bot          concierge.BotID          `json:"bot"`
	Protocol     Protocol                 `json:"protocol"`
	Status       Status                   `json:"status"`
	Currency     string                   `json:"currency"`
	Locale       concierge.Locale         `json:"locale"`
	Lines        []Line                   `json:"lines"`
	Buyer        Buyer                    `json:"buyer"`
	Address      *Address                 `json:"address,omitempty"`
	ShippingID   string                   `json:"shipping_id,omitempty"`
	Subtotal     concierge.Money          `json:"subtotal"`
	ShippingCost concierge.Money          `json:"shipping_cost"`
	Total        concierge.Money          `json:"total"`
	Messages     []Message                `json:"messages,omitempty"`
	Order        concierge.OrderID        `json:"order,omitempty"`
	Conversation concierge.ConversationID `json:"conversation"`
	PaymentRef   string                   `json:"payment_ref,omitempty"`
	// Platform is the agent's platform as it named itself at creation
	// (UCP: the profile URL of UCP-Agent); only that platform may read
	// the order back.
	Platform string `json:"platform,omitempty"`
	// Webhook is where the platform asked for this session's order
	// events (UCP, over REST or MCP: its verified profile's order
	// capability config); empty uses the bot file's.
	Webhook   string    `json:"webhook,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Physical reports whether a line of s must be shipped.
func (s *Session) Physical(shop *Shop) bool {
	for _, l := range s.Lines {
		if p := shop.Bot.Product(l.SKU); p != nil && !p.Digital {
			return true
		}
	}
	return false
}

// Line is one product of a session at the catalog's price.
type Line struct {
	ID       string          `json:"id"`
	SKU      concierge.SKU   `json:"sku"`
	Title    string          `json:"title"`
	Quantity int             `json:"quantity"`
	Unit     concierge.Money `json:"unit"`
	Total    concierge.Money `json:"total"`
	Image    string          `json:"image,omitempty"`
}

// Buyer is who buys, as the agent told.
type Buyer struct {
	Email     string `json:"email,omitempty" jsonschema:"the buyer's email address, where the receipt goes"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Phone     string `json:"phone_number,omitempty"`
}

// Address is where the goods go.
type Address struct {
	Name       string `json:"name,omitempty"`
	Line1      string `json:"line_one" jsonschema:"street and number"`
	Line2      string `json:"line_two,omitempty"`
	City       string `json:"city"`
	Region     string `json:"state,omitempty"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country" jsonschema:"ISO 3166-1 alpha-2 country code such as FR"`
}

// Message tells the agent what a session needs or what happened, in UCP's
// shape (ACP keeps type, code, path and content).
type Message struct {
	Type     string `json:"type"` // error, warning, info
	Code     string `json:"code,omitempty"`
	Path     string `json:"path,omitempty"`
	Content  string `json:"content"`
	Severity string `json:"severity,omitempty"` // recoverable, requires_buyer_input, requires_buyer_review, unrecoverable
}

// Item is a product and quantity an agent asks for.
type Item struct {
	SKU      concierge.SKU `json:"id" jsonschema:"the product's SKU as search_catalog returns it"`
	Quantity int           `json:"quantity" jsonschema:"how many, at least 1"`
}

// Changes is what a create or update sets; nil fields are left as they
// are. Currency, when set, must be the shop's.
type Changes struct {
	Items    []Item
	Buyer    *Buyer
	Address  *Address
	Shipping *string
	Currency string
	Locale   concierge.Locale
	// Platform and Webhook are set at creation only; see Session.
	Platform string
	Webhook  string
}

// Payment is how the agent pays at completion: the handler it chose from
// the shop's and the handler's token.
type Payment struct {
	Handler string
	Token   string
}

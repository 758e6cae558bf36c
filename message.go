package concierge

// MessageKind is the intent of an outbound message. Adapters render each kind
// natively or fall back to text; the agent never emits platform markup.
type MessageKind string

// The kinds of outbound messages.
const (
	MessageText       MessageKind = "text"
	MessageCards      MessageKind = "cards"      // products, each with buttons
	MessageComparison MessageKind = "comparison" // products side by side
	MessageCart       MessageKind = "cart"       // cart lines and total
	MessagePayment    MessageKind = "payment"    // a payment request (link, invoice, QR)
	MessageOrder      MessageKind = "order"      // an order's summary and state
	MessageHandoff    MessageKind = "handoff"    // the conversation was handed to people
)

// Message is one outbound message. Text is what goes with the rich content
// (an intro above the cards); Fallback, when set, is the whole message as
// plain text for a channel that cannot render the kind (numbered products,
// the comparison as lines, the payment link). PlainText picks. Buttons are
// suggested actions whose Value comes back as an EventButton.
type Message struct {
	Kind       MessageKind     `json:"kind"`
	Text       string          `json:"text"`
	Fallback   string          `json:"fallback,omitempty"`
	Buttons    []Button        `json:"buttons,omitempty"`
	Cards      []Card          `json:"cards,omitempty"`
	Comparison *Comparison     `json:"comparison,omitempty"`
	Cart       *CartView       `json:"cart,omitempty"`
	Payment    *PaymentRequest `json:"payment,omitempty"`
	Order      *OrderView      `json:"order,omitempty"`
	// Template, when set, asks a channel that only lets a business write
	// first with approved templates (WhatsApp outside its 24-hour window)
	// to send this one; Text is its body filled in, for the transcript
	// and for every other channel.
	Template *TemplateMessage `json:"template,omitempty"`
	// Pager, when set, says the cards are one page of a longer list and
	// holds the buttons to the pages around it. A channel that cannot
	// page shows the cards alone, as it shows any list.
	Pager *Pager `json:"pager,omitempty"`
	// Replaces is the platform's id of an earlier message that this one
	// takes the place of (the list whose "next page" was pressed: the
	// Ref of that button press). A channel that can edit messages edits
	// it in place; any other sends this one as new.
	Replaces string `json:"replaces,omitempty"`
}

// Pager places a page of cards in a longer list.
type Pager struct {
	Page   int     `json:"page"`   // 1-based
	Pages  int     `json:"pages"`  // how many pages the list has
	Offset int     `json:"offset"` // the position in the whole list of the page's first card, from 0
	Prev   *Button `json:"prev,omitempty"`
	Next   *Button `json:"next,omitempty"`
}

// TemplateMessage is an approved message template to send, with its
// body's variables in order ({{1}}, {{2}} …).
type TemplateMessage struct {
	Name     string   `json:"name"`
	Language string   `json:"language"`
	Params   []string `json:"params,omitempty"`
}

// PlainText is the message as text alone, for channels without rich kinds.
func (m *Message) PlainText() string {
	if m.Fallback != "" {
		return m.Fallback
	}
	return m.Text
}

// Button is a suggested action. Value is opaque to the customer and comes back
// unchanged in an EventButton; URL, when set, opens a page instead.
type Button struct {
	Label string `json:"label"`
	Value string `json:"value,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Card shows one product.
type Card struct {
	SKU         SKU      `json:"sku"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Price       Money    `json:"price"`
	PriceText   string   `json:"price_text"`
	Stock       int      `json:"stock"`
	StockText   string   `json:"stock_text"`
	Image       string   `json:"image,omitempty"`
	Buttons     []Button `json:"buttons,omitempty"`
}

// Comparison shows products side by side: one column per product, one row
// per attribute.
type Comparison struct {
	Products []Card          `json:"products"`
	Rows     []ComparisonRow `json:"rows"`
}

// ComparisonRow is one attribute across the compared products.
type ComparisonRow struct {
	Label  string   `json:"label"`
	Values []string `json:"values"`
}

// CartView is a cart as shown to the customer.
type CartView struct {
	Lines     []CartLineView `json:"lines"`
	Total     Money          `json:"total"`
	TotalText string         `json:"total_text"`
}

// CartLineView is one cart line as shown to the customer.
type CartLineView struct {
	SKU       SKU    `json:"sku"`
	Title     string `json:"title"`
	Quantity  int    `json:"quantity"`
	Unit      Money  `json:"unit"`
	Total     Money  `json:"total"`
	TotalText string `json:"total_text"`
}

// OrderView is an order as shown to the customer.
type OrderView struct {
	ID        OrderID        `json:"id"`
	State     OrderState     `json:"state"`
	StateText string         `json:"state_text"`
	Lines     []CartLineView `json:"lines"`
	Total     Money          `json:"total"`
	TotalText string         `json:"total_text"`
}

// PaymentRequest asks the customer to pay an order. URL is a page to open;
// adapters with native payments read Order and Amount instead.
type PaymentRequest struct {
	Order      OrderID `json:"order"`
	Provider   string  `json:"provider"`
	Amount     Money   `json:"amount"`
	AmountText string  `json:"amount_text"`
	URL        string  `json:"url,omitempty"`
	Label      string  `json:"label"`
	Sandbox    bool    `json:"sandbox,omitempty"`
}

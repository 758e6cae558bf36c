package sandbox

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"net/url"

	"github.com/conciergehq/concierge"
)

// The page's form fields. The page POSTs to its own address (the form has no
// action) with the token in FormToken and the pressed button in FormOutcome.
//
// The form carries no CSRF token, on purpose: posting it changes nothing by
// itself. The handler only checks the page token and calls Notify, and the
// order becomes paid only when the webhook verifies that signed
// notification, for the amount stored with the order. The page token is
// the capability: a cross-site forger who does not hold the customer's link
// cannot produce it, and one who does could only confirm a test payment
// that moves no money.
const (
	FormToken       = "t"
	FormOutcome     = "outcome"
	OutcomePay      = "pay"      // "Pay (test)": call Notify
	OutcomeDeclined = "declined" // "Decline (test)": call NotifyDeclined, then show DeclinedMessage
)

// DeclinedMessage is the PageData.Error to show after OutcomeDeclined.
const DeclinedMessage = "Your card was declined (test). Nothing was charged and the order is still waiting for payment; the shop was told, as a real provider would tell it."

// The page states.
const (
	StatePending   = "pending"
	StatePaid      = "paid"
	StateExpired   = "expired"
	StateCancelled = "cancelled"
)

// PageState returns the page state that shows an order in state s.
func PageState(s concierge.OrderState) string {
	switch s {
	case concierge.OrderPaid, concierge.OrderFulfilled, concierge.OrderRefunded:
		return StatePaid
	case concierge.OrderExpired:
		return StateExpired
	case concierge.OrderCancelled:
		return StateCancelled
	default:
		return StatePending
	}
}

// PageData is what the test payment page shows. Amounts come as text,
// formatted by the caller in the customer's locale; every field is escaped.
type PageData struct {
	Bot        string
	ShopName   string
	Order      *concierge.Order // its ID is the order number shown
	AmountText string           // the order's total
	Lines      []LineText
	Token      string // the page token from the link, posted back as FormToken
	State      string // StatePending, StatePaid, StateExpired or StateCancelled; "" is pending
	ReturnURL  string // back to the chat; "" means /chat/{bot}
	Error      string // shown above the buttons, such as DeclinedMessage
}

// LineText is one order line as shown on the page.
type LineText struct {
	Title     string
	Quantity  int
	TotalText string
}

//go:embed page.html
var pageHTML string

var pageTemplate = template.Must(template.New("page.html").Parse(pageHTML))

// RenderPage writes the test payment page for d to w. The page is complete
// or not written at all: on error nothing reaches w.
func (p *Provider) RenderPage(w io.Writer, d PageData) error {
	const op = "sandbox: render page"
	if d.Order == nil {
		return concierge.Errorf(concierge.CodeInvalid, op, "no order")
	}
	switch d.State {
	case "":
		d.State = StatePending
	case StatePending, StatePaid, StateExpired, StateCancelled:
	default:
		return concierge.Errorf(concierge.CodeInvalid, op, "unknown state %q", d.State)
	}
	if d.ReturnURL == "" {
		d.ReturnURL = "/chat/" + url.PathEscape(d.Bot)
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, d); err != nil {
		return &concierge.Error{Code: concierge.CodeInternal, Op: op, Err: err}
	}
	if _, err := buf.WriteTo(w); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

package wechatpay

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"

	"rsc.io/qr"

	"github.com/conciergehq/concierge"
)

// The page's states.
const (
	StatePending = "pending"
	StatePaid    = "paid"
	StateClosed  = "closed" // expired or cancelled
)

// PageState returns the page state that shows an order in state s.
func PageState(s concierge.OrderState) string {
	switch s {
	case concierge.OrderPaid, concierge.OrderFulfilled, concierge.OrderRefunded:
		return StatePaid
	case concierge.OrderPending:
		return StatePending
	}
	return StateClosed
}

// PageData is what the payment page shows. Amounts come as text in the
// customer's locale; every field is escaped.
type PageData struct {
	ShopName   string
	Order      concierge.OrderID
	AmountText string
	Lines      []string
	State      string
	// Bridge, for a JSAPI payment inside WeChat, is BridgeConfig's
	// answer, handed to WeixinJSBridge as JSON.
	Bridge map[string]string
	// QR, for a NATIVE payment, is the code_url to scan in WeChat.
	QR    string
	Error string
}

//go:embed page.html
var pageHTML string

var pageTemplate = template.Must(template.New("page.html").Funcs(template.FuncMap{"qr": qrDataURI}).Parse(pageHTML))

// RenderPage writes the payment page.
func RenderPage(w io.Writer, d PageData) error {
	if err := pageTemplate.Execute(w, d); err != nil {
		return fmt.Errorf("wechatpay: page: %w", err)
	}
	return nil
}

// QRCode is the PNG image of a code_url.
func QRCode(codeURL string) ([]byte, error) {
	c, err := qr.Encode(codeURL, qr.M)
	if err != nil {
		return nil, fmt.Errorf("wechatpay: qr: %w", err)
	}
	c.Scale = 6
	return c.PNG(), nil
}

// qrDataURI is the page's QR code image as a data URI.
func qrDataURI(codeURL string) (template.URL, error) {
	png, err := QRCode(codeURL)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	b.WriteString("data:image/png;base64,")
	b.WriteString(base64.StdEncoding.EncodeToString(png))
	return template.URL(b.String()), nil
}

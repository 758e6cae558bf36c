package sandbox

import (
	"net/http"

	"github.com/conciergehq/concierge"
)

var _ concierge.PaymentNotifier = (*Provider)(nil)

// Notice verifies and decodes the sandbox's own notification (see Verify)
// for webhooks, which serves it at POST /webhooks/{bot}/sandbox and
// applies it as a real provider's: a payment, or a declined attempt
// counted once per event id.
func (p *Provider) Notice(h http.Header, body []byte) (concierge.PaymentNotice, error) {
	n, err := p.Verify(h.Get(HeaderSignature), body)
	if err != nil {
		return concierge.PaymentNotice{}, err
	}
	out := concierge.PaymentNotice{Kind: concierge.NoticePaid, Event: n.ID, Type: n.Type, Bot: n.Bot, Order: n.Order}
	if n.Failed() {
		out.Kind, out.Failure = concierge.NoticeFailed, n.Failure()
	} else {
		out.Payment = n.Payment()
	}
	return out, nil
}

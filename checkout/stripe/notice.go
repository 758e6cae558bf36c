package stripe

import (
	"net/http"

	"github.com/conciergehq/concierge"
)

var _ concierge.PaymentNotifier = (*Provider)(nil)

// Notice verifies and decodes a Stripe event (see Verify) for webhooks,
// which serves it at POST /webhooks/{bot}/stripe and applies it.
func (p *Provider) Notice(h http.Header, body []byte) (concierge.PaymentNotice, error) {
	n, err := p.Verify(h.Get(HeaderSignature), body)
	if err != nil {
		return concierge.PaymentNotice{}, err
	}
	out := concierge.PaymentNotice{Kind: concierge.NoticeKind(n.Kind), Event: n.EventID, Type: n.Type, Bot: n.Bot, Order: n.Order, Refunds: n.Refunds}
	switch n.Kind {
	case KindPaid:
		out.Payment = n.Payment()
	case KindFailed:
		out.Failure = n.Failure()
	}
	return out, nil
}

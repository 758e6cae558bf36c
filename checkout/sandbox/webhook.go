package sandbox

import (
	"bytes"
	"net/http"
	"net/url"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

var _ concierge.WebhookServer = (*Provider)(nil)

// payMaxBody bounds the test page's form, which holds a few short fields.
const payMaxBody = 16 << 10

// resultDeclined is the result page's query after "Decline (test)".
const resultDeclined = "declined"

// WebhookRoutes are the test payment page of an order and its buttons.
// The notifications themselves are a PaymentNotifier's, which webhooks
// serves at /webhooks/{bot}/sandbox.
func (p *Provider) WebhookRoutes() []concierge.WebhookRoute {
	const pattern = "/" + ProviderName + "/{bot}/pay/{order}"
	return []concierge.WebhookRoute{
		{Method: http.MethodGet, Pattern: pattern, Serve: p.servePage},
		{Method: http.MethodPost, Pattern: pattern, MaxBody: payMaxBody, Serve: p.servePay},
	}
}

// order is the page's order, when the link's token is its capability.
func (p *Provider) order(r *http.Request, h concierge.WebhookHost) (*concierge.Order, error) {
	bot := h.Bot().ID
	o, err := h.Order(r.Context(), concierge.OrderID(r.PathValue("order")))
	if err != nil || o.Bot != bot {
		return nil, concierge.Errorf(concierge.CodeNotFound, ProviderName, "no such order")
	}
	if err := p.CheckPageToken(bot, o, r.FormValue(FormToken)); err != nil {
		return nil, err
	}
	return o, nil
}

func (p *Provider) servePage(w http.ResponseWriter, r *http.Request, h concierge.WebhookHost) error {
	o, err := p.order(r, h)
	if err != nil {
		return err
	}
	msg := ""
	if r.URL.Query().Get("r") == resultDeclined && o.State == concierge.OrderPending {
		msg = DeclinedMessage
	}
	b := h.Bot()
	loc := b.DefaultLocale()
	d := PageData{Bot: string(b.ID), ShopName: b.Name, Order: o, Token: r.FormValue(FormToken),
		State: PageState(o.State), ReturnURL: "/chat/" + string(b.ID), Error: msg,
		AmountText: money.Format(o.Total, loc)}
	for _, l := range o.Lines {
		d.Lines = append(d.Lines, LineText{Title: l.Title, Quantity: l.Quantity, TotalText: money.Format(l.Unit.Mul(l.Quantity), loc)})
	}
	var buf bytes.Buffer
	if err := p.RenderPage(&buf, d); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(buf.Bytes())
	return err
}

// servePay is the test page's "Pay (test)" and "Decline (test)" buttons:
// the sandbox sends its signed notification (paid, or declined) to this
// server's webhook (over HTTP, like a real provider), and the page then
// shows what the webhook made of it.
func (p *Provider) servePay(w http.ResponseWriter, r *http.Request, h concierge.WebhookHost) error {
	o, err := p.order(r, h)
	if err != nil {
		return err
	}
	bot := h.Bot().ID
	result := ""
	switch {
	case o.State != concierge.OrderPending:
	case r.FormValue(FormOutcome) == OutcomeDeclined:
		// "Decline (test)": a signed failure notification, as a provider
		// reports a declined card; the order keeps waiting.
		if _, err := p.NotifyDeclined(r.Context(), bot, o); err != nil {
			return err
		}
		result = "&r=" + resultDeclined
	default:
		if _, err := p.Notify(r.Context(), bot, o); err != nil {
			return err
		}
	}
	// Post/redirect/get: a refresh of the result page pays (or declines)
	// nothing again.
	w.Header().Set("Location", r.URL.Path+"?"+FormToken+"="+url.QueryEscape(r.FormValue(FormToken))+result)
	w.WriteHeader(http.StatusSeeOther)
	return nil
}

package webhooks

import (
	"bytes"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout/sandbox"
)

func (s *Server) sandboxBot(c echo.Context) (*Bot, error) {
	b, err := s.bot(c)
	if err != nil {
		return nil, err
	}
	if s.sandboxOf(b) == nil {
		return nil, concierge.Errorf(concierge.CodeNotFound, "webhooks", "sandbox payments are not enabled for this bot")
	}
	return b, nil
}

func (s *Server) sandboxOrder(c echo.Context) (*Bot, *concierge.Order, error) {
	b, err := s.sandboxBot(c)
	if err != nil {
		return nil, nil, err
	}
	o, err := s.cfg.Payments.Order(c.Request().Context(), concierge.OrderID(c.Param("order")))
	if err != nil || o.Bot != b.Bot.ID {
		return nil, nil, concierge.Errorf(concierge.CodeNotFound, "sandbox", "no such order")
	}
	if err := s.sandboxOf(b).CheckPageToken(b.Bot.ID, o, c.FormValue(sandbox.FormToken)); err != nil {
		return nil, nil, err
	}
	return b, o, nil
}

func (s *Server) renderSandbox(c echo.Context, b *Bot, o *concierge.Order, errMsg string) error {
	loc := b.Bot.DefaultLocale()
	d := sandbox.PageData{Bot: string(b.Bot.ID), ShopName: b.Bot.Name, Order: o, Token: c.FormValue(sandbox.FormToken),
		State: sandbox.PageState(o.State), ReturnURL: "/chat/" + string(b.Bot.ID), Error: errMsg,
		AmountText: s.money(o.Total, loc)}
	for _, l := range o.Lines {
		d.Lines = append(d.Lines, sandbox.LineText{Title: l.Title, Quantity: l.Quantity, TotalText: s.money(l.Unit.Mul(l.Quantity), loc)})
	}
	var buf bytes.Buffer
	if err := s.sandboxOf(b).RenderPage(&buf, d); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// resultDeclined is the result page's query after "Decline (test)".
const resultDeclined = "declined"

func (s *Server) sandboxPage(c echo.Context) error {
	b, o, err := s.sandboxOrder(c)
	if err != nil {
		return err
	}
	msg := ""
	if c.QueryParam("r") == resultDeclined && o.State == concierge.OrderPending {
		msg = sandbox.DeclinedMessage
	}
	return s.renderSandbox(c, b, o, msg)
}

// sandboxPay is the test page's "Pay (test)" and "Decline (test)" buttons:
// the sandbox sends its signed notification (paid, or declined) to this
// server's webhook (over HTTP, like a real provider), and the page then
// shows what the webhook made of it.
func (s *Server) sandboxPay(c echo.Context) error {
	b, o, err := s.sandboxOrder(c)
	if err != nil {
		return err
	}
	result := ""
	switch {
	case o.State != concierge.OrderPending:
	case c.FormValue(sandbox.FormOutcome) == sandbox.OutcomeDeclined:
		// "Decline (test)": a signed failure notification, as a provider
		// reports a declined card; the order keeps waiting.
		if _, err := s.sandboxOf(b).NotifyDeclined(c.Request().Context(), b.Bot.ID, o); err != nil {
			return err
		}
		result = "&r=" + resultDeclined
	default:
		if _, err := s.sandboxOf(b).Notify(c.Request().Context(), b.Bot.ID, o); err != nil {
			return err
		}
	}
	// Post/redirect/get: a refresh of the result page pays (or declines)
	// nothing again.
	return c.Redirect(http.StatusSeeOther, c.Request().URL.Path+"?"+sandbox.FormToken+"="+url.QueryEscape(c.FormValue(sandbox.FormToken))+result)
}

// sandboxOf is the bot's sandbox provider, or nil.
func (s *Server) sandboxOf(b *Bot) *sandbox.Provider {
	p, _ := s.cfg.Channels.Provider(b.Bot.ID, sandbox.ProviderName).(*sandbox.Provider)
	return p
}

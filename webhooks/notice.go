package webhooks

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/conciergehq/concierge"
)

// ProviderOrders applies what a payment provider reports beyond payments
// (which go through Payments.ApplyPayment) and failed attempts (Failures).
type ProviderOrders interface {
	// ProviderExpired ends a pending order the provider will never take
	// payment for (see checkout.Service.ProviderExpired); false means it
	// was no longer pending and nothing changed.
	ProviderExpired(ctx context.Context, bot concierge.BotID, order concierge.OrderID) (bool, error)
	// RecordRefunds records refunds of the bot's orders, skipping unknown
	// orders.
	RecordRefunds(ctx context.Context, bot concierge.BotID, rs []concierge.Refund) (recorded, skipped int, err error)
}

// noticeMaxBody bounds a payment notification: providers' events are a
// few kilobytes (stripe-go itself caps them at 64 KiB).
const noticeMaxBody = 64 << 10

// notice applies a verified payment notification of provider name, once:
// a payment pays its order exactly once (keyed on the provider's
// reference; a wrong amount or a late payment asks people); an expiry
// ends the order and releases its stock; a failed attempt is counted once
// and the customer told (see failures.go); refunds are recorded. A notice
// for another bot, for an order this server does not know (made before a
// crash undid it, or another system's) and every other kind are
// acknowledged with 200 and change nothing, so that the provider does not
// retry them for days.
func (s *Server) notice(c echo.Context, b *Bot, name string, p concierge.PaymentNotifier, body []byte) error {
	if len(body) > noticeMaxBody {
		return echo.ErrStatusRequestEntityTooLarge
	}
	n, err := p.Notice(c.Request().Header, body)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	res, err := s.applyNotice(ctx, b, &n)
	if err != nil {
		return err
	}
	s.cfg.Log.InfoContext(ctx, "payment notification", "bot", b.Bot.ID, "provider", name, "event", n.Event, "type", n.Type,
		"order", n.Order, "result", res)
	return c.JSON(http.StatusOK, map[string]string{"result": res})
}

// applyNotice does what n asks and returns the result to log and answer.
func (s *Server) applyNotice(ctx context.Context, b *Bot, n *concierge.PaymentNotice) (string, error) {
	if n.Kind != concierge.NoticeIgnored && n.Bot != "" && n.Bot != b.Bot.ID {
		return "other_bot", nil
	}
	switch n.Kind {
	case concierge.NoticePaid:
		if n.Order == "" {
			return "unknown_order", nil
		}
		res, err := s.cfg.Payments.ApplyPayment(ctx, b.Bot.ID, n.Payment)
		if errors.Is(err, concierge.ErrNotFound) {
			return "unknown_order", nil
		}
		return res, err
	case concierge.NoticeExpired:
		if n.Order == "" || s.cfg.Orders == nil {
			return "unknown_order", nil
		}
		ended, err := s.cfg.Orders.ProviderExpired(ctx, b.Bot.ID, n.Order)
		switch {
		case errors.Is(err, concierge.ErrNotFound):
			return "unknown_order", nil
		case err != nil:
			return "", err
		case !ended:
			return "not_pending", nil
		}
		return "expired", nil
	case concierge.NoticeFailed:
		return s.applyFailure(ctx, b, n.Failure)
	case concierge.NoticeRefunded:
		if s.cfg.Orders == nil || len(n.Refunds) == 0 {
			return "ignored", nil
		}
		rec, skipped, err := s.cfg.Orders.RecordRefunds(ctx, b.Bot.ID, n.Refunds)
		switch {
		case err != nil:
			return "", err
		case rec == 0 && skipped > 0:
			return "unknown_order", nil
		}
		return "refund_recorded", nil
	}
	return "ignored", nil
}

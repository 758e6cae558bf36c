package webhooks

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout/stripe"
)

// StripeOrders applies what Stripe reports beyond payments (which go
// through Payments.ApplyPayment).
type StripeOrders interface {
	// ProviderExpired ends a pending order whose Checkout Session expired
	// (see checkout.Service.ProviderExpired); false means it was no longer
	// pending and nothing changed.
	ProviderExpired(ctx context.Context, bot concierge.BotID, order concierge.OrderID) (bool, error)
	// RecordRefunds records refunds of the bot's orders, skipping unknown
	// orders.
	RecordRefunds(ctx context.Context, bot concierge.BotID, rs []concierge.Refund) (recorded, skipped int, err error)
}

// stripeNotify receives a Stripe event: verify the signature (forged or
// older than the tolerance → 401), then act once. A paid session pays its
// order exactly once (the payment is keyed on the session id, and the
// order must be pending and the amount equal, or people are asked); an
// expired session ends its order and releases the stock; a failed attempt
// (a declined card, a failed bank debit) is counted once and the customer
// told (see failures.go); refunds are recorded. An event for an order this server does not know (a session
// made before a crash undid its order, or another system's) and every
// other event type are acknowledged with 200 and change nothing, so that
// Stripe does not retry them for three days.
func (s *Server) stripeNotify(c echo.Context) error {
	b, err := s.bot(c)
	if err != nil {
		return err
	}
	if s.stripeOf(b) == nil {
		return concierge.Errorf(concierge.CodeNotFound, "webhooks", "Stripe is not configured for this bot")
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // echo's BodyLimit answers 413
	}
	n, err := s.stripeOf(b).Verify(c.Request().Header.Get(stripe.HeaderSignature), body)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	log := s.cfg.Log.With("bot", b.Bot.ID, "provider", "stripe", "event", n.EventID, "type", n.Type, "order", n.Order)
	answer := func(result string) error {
		log.InfoContext(c.Request().Context(), "payment notification", "result", result)
		return c.JSON(http.StatusOK, map[string]string{"result": result})
	}
	if n.Kind != stripe.KindIgnored && n.Bot != "" && n.Bot != b.Bot.ID {
		return answer("other_bot")
	}
	switch n.Kind {
	case stripe.KindPaid:
		if n.Order == "" {
			return answer("unknown_order")
		}
		res, err := s.cfg.Payments.ApplyPayment(ctx, b.Bot.ID, n.Payment())
		if errors.Is(err, concierge.ErrNotFound) {
			return answer("unknown_order")
		}
		if err != nil {
			return err
		}
		return answer(res)
	case stripe.KindExpired:
		if n.Order == "" || s.cfg.StripeOrders == nil {
			return answer("unknown_order")
		}
		ended, err := s.cfg.StripeOrders.ProviderExpired(ctx, b.Bot.ID, n.Order)
		if errors.Is(err, concierge.ErrNotFound) {
			return answer("unknown_order")
		}
		if err != nil {
			return err
		}
		if !ended {
			return answer("not_pending")
		}
		return answer("expired")
	case stripe.KindFailed:
		res, err := s.applyFailure(ctx, b, n.Failure())
		if err != nil {
			return err
		}
		return answer(res)
	case stripe.KindRefunded:
		if s.cfg.StripeOrders == nil || len(n.Refunds) == 0 {
			return answer("ignored")
		}
		rec, skipped, err := s.cfg.StripeOrders.RecordRefunds(ctx, b.Bot.ID, n.Refunds)
		if err != nil {
			return err
		}
		if rec == 0 && skipped > 0 {
			return answer("unknown_order")
		}
		return answer("refund_recorded")
	}
	return answer("ignored")
}

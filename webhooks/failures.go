package webhooks

import (
	"context"
	"errors"

	"github.com/conciergehq/concierge"
)

// PaymentFailures applies verified reports of failed payment attempts (a
// declined card, a bank debit that failed).
type PaymentFailures interface {
	// PaymentFailed records the attempt once per provider reference, keeps
	// the order waiting and tells the customer; the bot file's
	// handoff.after_failed_payments-th failure on one order hands the
	// conversation to people (see checkout.Service.Failed). It returns
	// "failed", "handed_off", "duplicate" or "not_pending"; an order it
	// does not know is ErrNotFound, another bot's CodeInvalid.
	PaymentFailed(ctx context.Context, bot *concierge.Bot, f concierge.PaymentFailure) (string, error)
}

// applyFailure hands a verified failed attempt to checkout and returns the
// result to log and answer. An unknown order or another bot's is a
// result, not an error: the provider must not retry a report nobody here
// can use.
func (s *Server) applyFailure(ctx context.Context, b *Bot, f concierge.PaymentFailure) (string, error) {
	if s.cfg.Failures == nil || f.Order == "" {
		return "ignored", nil
	}
	res, err := s.cfg.Failures.PaymentFailed(ctx, b.Bot, f)
	switch {
	case errors.Is(err, concierge.ErrNotFound):
		return "unknown_order", nil
	case concierge.ErrorCode(err) == concierge.CodeInvalid:
		return "other_bot", nil
	}
	return res, err
}

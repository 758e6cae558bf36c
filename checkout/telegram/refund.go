package telegram

import (
	"context"
	"strconv"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

// CheckRefund refuses, at decision time, part of a payment: Telegram
// Stars (refundStarPayment) gives back a whole payment, never part of it.
func (p *Provider) CheckRefund(o *concierge.Order, paid []concierge.Payment, amount concierge.Money) error {
	for _, pay := range paid {
		if pay.Provider == ProviderName && pay.Amount != amount {
			return concierge.Errorf(concierge.CodeInvalid, "decide",
				"Telegram Stars refunds only a whole payment: approve all of %s or refuse; nothing was decided", money.Format(pay.Amount, "en"))
		}
	}
	return nil
}

// Refund gives a whole Stars payment back to the user who paid (the chat
// of a private conversation). An order paid by card through the bot's
// payment provider (its invoice was not in Stars) is refunded in that
// provider's dashboard: refundStarPayment would record a refund that
// moved no money. Telegram takes no idempotency key; the inbox calls
// Refund again only while no refund is recorded.
func (p *Provider) Refund(ctx context.Context, r concierge.RefundRequest) (concierge.Refund, error) {
	const op = "refund"
	o, paid := r.Order, r.Paid
	if due, err := p.Charge(o); err != nil || due.Currency != Stars {
		return concierge.Refund{}, concierge.Errorf(concierge.CodeUnavailable, op,
			"order %s was paid by card through Telegram's payment provider, which Concierge cannot refund; refund it in that provider's dashboard", o.ID)
	}
	if r.Amount != paid.Amount {
		return concierge.Refund{}, concierge.Errorf(concierge.CodeInvalid, op, "Telegram refunds the whole payment (%d %s), not part of it", paid.Amount.Minor, paid.Amount.Currency)
	}
	user, err := strconv.ParseInt(string(r.Chat), 10, 64)
	if err != nil {
		return concierge.Refund{}, concierge.Errorf(concierge.CodeInvalid, op, "conversation %d has no Telegram user id", o.Conversation)
	}
	if err := p.RefundStars(ctx, user, paid.ProviderRef); err != nil {
		return concierge.Refund{}, err
	}
	return concierge.Refund{Order: o.ID, Provider: ProviderName, ProviderRef: paid.ProviderRef,
		Amount: paid.Amount, Reason: r.Reason, Status: "succeeded", At: time.Now()}, nil
}

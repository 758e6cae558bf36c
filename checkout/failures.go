package checkout

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

// Order events about failed payment attempts, announced to customers.
const (
	// EventPaymentFailed: an attempt to pay failed; the order still waits
	// for payment and the customer may try again.
	EventPaymentFailed = "payment_failed"
	// EventPaymentFailedHandoff: an attempt failed and it was the bot
	// file's handoff.after_failed_payments-th for the order, so people
	// take over.
	EventPaymentFailedHandoff = "payment_failed_handoff"
)

// The outcomes of a failed-payment report, beyond AppliedDuplicate.
const (
	AppliedFailed     Applied = "failed"      // recorded; the customer was told
	AppliedHandedOff  Applied = "handed_off"  // recorded, the customer told, and people asked to help
	AppliedNotPending Applied = "not_pending" // recorded, but the order no longer waits for payment; nobody told
)

// FailureLog keeps failed payment attempts. The store's Tx implements it.
type FailureLog interface {
	// RecordPaymentFailure returns false, changing nothing, for an
	// attempt (provider, provider ref) recorded before.
	RecordPaymentFailure(ctx context.Context, f concierge.PaymentFailure) (bool, error)
	// PaymentFailures lists an order's failed attempts, oldest first.
	PaymentFailures(ctx context.Context, order concierge.OrderID) ([]concierge.PaymentFailure, error)
}

// PacketRecorder is an optional capability of the transaction: a store
// that keeps the inbox's records implements it, and a hand-off for failed
// payments then leaves people a packet saying what failed. The store's Tx
// implements it.
type PacketRecorder interface {
	RecordPacket(ctx context.Context, p concierge.HandoffPacket) error
}

// Failed applies a verified report that an attempt to pay failed, in tx.
// The attempt is recorded once per (provider, provider ref): a report seen
// before changes nothing. The order stays pending and the customer is told
// in their chat that the payment did not go through. When this is the
// bot's Handoff.AfterFailedPayments-th failed attempt on the order (0
// never), the conversation is handed to people with reason
// payment_problem and a packet that counts the attempts and gives the
// providers' reasons; only that attempt hands off, so later ones do not
// queue the conversation again. A report for an order that no longer
// waits for payment (paid by another attempt, expired) is recorded and
// nobody is told.
func (s *Service) Failed(ctx context.Context, tx interface {
	concierge.Tx
	FailureLog
}, bot *concierge.Bot, f concierge.PaymentFailure) (Applied, error) {
	const op = "checkout: payment failed"
	if bot == nil {
		return "", concierge.Errorf(concierge.CodeInvalid, op, "no bot")
	}
	if f.Order == "" || f.Provider == "" || f.ProviderRef == "" {
		return "", concierge.Errorf(concierge.CodeInvalid, op, "a failed payment needs an order, a provider and a provider reference")
	}
	o, err := tx.Order(ctx, f.Order)
	if err != nil {
		return "", err
	}
	if o.Bot != bot.ID {
		return "", concierge.Errorf(concierge.CodeInvalid, op, "order %s does not belong to bot %s", o.ID, bot.ID)
	}
	if f.At.IsZero() {
		f.At = tx.Now()
	}
	fresh, err := tx.RecordPaymentFailure(ctx, f)
	if err != nil {
		return "", err
	}
	if !fresh {
		return AppliedDuplicate, nil
	}
	if o.State != concierge.OrderPending {
		return AppliedNotPending, nil
	}
	conv, err := tx.Conversation(ctx, o.Conversation)
	if err != nil {
		return "", err
	}
	fs, err := tx.PaymentFailures(ctx, o.ID)
	if err != nil {
		return "", err
	}
	limit := bot.Handoff.AfterFailedPayments
	if limit <= 0 || len(fs) != limit || conv.State != concierge.StateBot {
		if err := s.announceChange(ctx, tx, conv, o, EventPaymentFailed, false); err != nil {
			return "", err
		}
		return AppliedFailed, nil
	}
	h, err := handOff(ctx, tx, conv)
	if err != nil {
		return "", err
	}
	if pr, ok := tx.(PacketRecorder); ok {
		if err := pr.RecordPacket(ctx, failurePacket(conv, o, fs, h)); err != nil {
			return "", err
		}
	}
	if err := s.announceChange(ctx, tx, conv, o, EventPaymentFailedHandoff, true); err != nil {
		return "", err
	}
	return AppliedHandedOff, nil
}

// maxReasonRunes caps each provider reason quoted in a packet: providers'
// messages are a sentence, and a packet is read in a hurry.
const maxReasonRunes = 200

// failurePacket is the hand-off packet people read: how many attempts
// failed, through which providers, and why each said it failed.
func failurePacket(conv *concierge.Conversation, o *concierge.Order, fs []concierge.PaymentFailure, h concierge.Handoff) concierge.HandoffPacket {
	var b strings.Builder
	fmt.Fprintf(&b, "%d failed payment attempts on order %s (%s):", len(fs), o.ID, money.Format(o.Total, "en"))
	for i, f := range fs {
		b.WriteString(" ")
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(". ")
		b.WriteString(f.Provider)
		why := f.Code
		if r := strings.Join(strings.Fields(f.Reason), " "); r != "" {
			if rs := []rune(r); len(rs) > maxReasonRunes {
				r = string(rs[:maxReasonRunes]) + "…"
			}
			if why != "" {
				why += ", "
			}
			why += "“" + r + "”"
		}
		if why == "" {
			why = "no reason given"
		}
		b.WriteString(" — " + why + ";")
	}
	b.WriteString(" The order still waits for payment.")
	return concierge.HandoffPacket{Conversation: conv.ID, Reason: h.Reason, By: h.By, At: h.At,
		Summary: b.String(), LastOrder: o.ID, Locale: conv.Locale}
}

package checkout

import (
	"context"

	"github.com/conciergehq/concierge"
)

// RefundReader reads what a refund needs, outside any transaction: the
// refund's call to the provider may take seconds and must not hold one.
type RefundReader interface {
	GetOrder(ctx context.Context, id concierge.OrderID) (*concierge.Order, error)
	GetConversation(ctx context.Context, id concierge.ConversationID) (*concierge.Conversation, error)
	Payments(ctx context.Context, order concierge.OrderID) ([]concierge.Payment, error)
}

// UseRefunds lets the Service execute approved refunds through the
// providers of reg that are concierge.Refunders, reading orders through
// rd. main calls it before serving.
func (s *Service) UseRefunds(reg *concierge.Registry, rd RefundReader) {
	s.registry, s.refundReader = reg, rd
}

// CheckRefund refuses, at decision time, an amount the order's provider
// cannot refund (a concierge.RefundChecker says so); a provider without
// the capability accepts any.
func (s *Service) CheckRefund(ctx context.Context, o *concierge.Order, paid []concierge.Payment, amount concierge.Money) error {
	if c, ok := s.registry.Provider(o.Bot, o.Provider).(concierge.RefundChecker); ok {
		return c.CheckRefund(o, paid, amount)
	}
	return nil
}

// Refund gives back the amount people approved in proposal pr through
// the provider the order was paid with. key is the same for every attempt
// on one proposal, so the provider refunds once however often it is
// retried. The order must be paid (or fulfilled) and have a payment of
// its provider recorded. A provider that cannot refund answers
// CodeUnavailable: people refund it in the provider's dashboard.
// handoff records the Refund returned.
func (s *Service) Refund(ctx context.Context, pr *concierge.Proposal, key string) (concierge.Refund, error) {
	const op = "refund"
	if s.refundReader == nil {
		return concierge.Refund{}, concierge.Errorf(concierge.CodeUnavailable, op, "refunds are not wired")
	}
	o, err := s.refundReader.GetOrder(ctx, pr.Order)
	if err != nil {
		return concierge.Refund{}, err
	}
	conv, err := s.refundReader.GetConversation(ctx, o.Conversation)
	if err != nil {
		return concierge.Refund{}, err
	}
	if o.Bot != pr.Bot {
		return concierge.Refund{}, concierge.Errorf(concierge.CodeInvalid, op, "order %s is not of bot %s", o.ID, pr.Bot)
	}
	if o.State != concierge.OrderPaid && o.State != concierge.OrderFulfilled {
		return concierge.Refund{}, concierge.Errorf(concierge.CodeConflict, op, "order %s is %s: there is nothing to refund", o.ID, o.State)
	}
	pays, err := s.refundReader.Payments(ctx, o.ID)
	if err != nil {
		return concierge.Refund{}, err
	}
	var paid *concierge.Payment
	for i := range pays {
		if pays[i].Provider == o.Provider {
			paid = &pays[i]
		}
	}
	if paid == nil {
		return concierge.Refund{}, concierge.Errorf(concierge.CodeConflict, op, "order %s has no %s payment recorded", o.ID, o.Provider)
	}
	r, ok := s.registry.Provider(o.Bot, o.Provider).(concierge.Refunder)
	if !ok {
		return concierge.Refund{}, concierge.Errorf(concierge.CodeUnavailable, op, "bot %s cannot refund %s payments from the inbox; refund it in the provider's dashboard", o.Bot, o.Provider)
	}
	// The amount the supervisor decided, which may differ from the AI's.
	return r.Refund(ctx, concierge.RefundRequest{Order: o, Chat: conv.Chat, Paid: *paid, Amount: pr.RefundAmount(),
		Reason: concierge.RefundRequestedByCustomer, Key: key})
}

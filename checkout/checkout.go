// Package checkout owns orders: it prices a cart from the catalog, creates
// the order and reserves its stock in the caller's transaction, asks the
// bot's payment provider for a payment request, and applies verified
// payment notifications exactly once. The order state machine itself is in
// the root package (concierge.OrderState); this package is the only one
// that moves orders through it.
//
// Providers live in sub-packages: sandbox, telegram (Payments and Stars),
// stripe and wechatpay. Only cmd/concierge imports this package; the agent reaches it
// through agent.Checkout.
package checkout

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
)

// Announcer tells a customer in their chat that their order changed (paid,
// expired, a payment problem). The agent implements it, since it owns the
// customer's language and the message catalogs. handedOff says that the
// change just handed the conversation to people, so the customer is told
// that too.
type Announcer interface {
	OrderChanged(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, o *concierge.Order, event string, handedOff bool) error
}

// Order events announced to customers.
const (
	EventPaid      = "paid"
	EventExpired   = "expired"
	EventMismatch  = "payment_mismatch"
	EventLate      = "payment_late"      // a payment for an order that expired or was cancelled
	EventDuplicate = "payment_duplicate" // a payment for an order already paid
	EventRefunded  = "refunded"          // an approved refund was executed (the inbox)
)

// Service places orders and applies payments.
type Service struct {
	providers map[concierge.BotID]concierge.PaymentProvider
	announce  Announcer
	ttl       time.Duration
	byChannel map[channelKey]concierge.PaymentProvider

	// registry and refundReader execute approved refunds (refund.go).
	registry     *concierge.Registry
	refundReader RefundReader
}

type channelKey struct {
	bot concierge.BotID
	ch  concierge.Channel
}

// UseFor makes p the payment provider of bot's conversations on channel
// ch, in place of the bot's default: Telegram invoices in Telegram chats
// while WhatsApp and the web pay through Stripe links. main calls it
// before serving.
func (s *Service) UseFor(bot concierge.BotID, ch concierge.Channel, p concierge.PaymentProvider) {
	if s.byChannel == nil {
		s.byChannel = map[channelKey]concierge.PaymentProvider{}
	}
	s.byChannel[channelKey{bot, ch}] = p
}

// New returns a Service. providers gives each bot's payment provider.
func New(providers map[concierge.BotID]concierge.PaymentProvider, announce Announcer) *Service {
	return &Service{providers: providers, announce: announce, ttl: 30 * time.Minute}
}

// SetAnnouncer sets who tells customers about order changes; main wires
// the agent here once both exist.
func (s *Service) SetAnnouncer(a Announcer) { s.announce = a }

// PlaceOrder creates an order for lines: unit prices, titles and the total
// come from bot's catalog, in minor units; the stock is reserved; the order
// waits for payment until the bot's order TTL runs out.
func (s *Service) PlaceOrder(ctx context.Context, tx concierge.Tx, bot *concierge.Bot, conv *concierge.Conversation, lines []concierge.CartLine) (*concierge.Order, *concierge.PaymentRequest, error) {
	prov := s.providers[bot.ID]
	if p := s.byChannel[channelKey{bot.ID, conv.Channel}]; p != nil {
		prov = p
	}
	if prov == nil {
		return nil, nil, concierge.Errorf(concierge.CodeUnavailable, "checkout", "no payment provider is configured for %s", bot.ID)
	}
	if len(lines) == 0 {
		return nil, nil, concierge.ErrEmptyCart
	}
	ttl := bot.Policies.OrderTTL
	if ttl <= 0 {
		ttl = s.ttl
	}
	now := tx.Now()
	o := &concierge.Order{Bot: bot.ID, Conversation: conv.ID, State: concierge.OrderPending, Provider: prov.Name(),
		Total: concierge.Money{Currency: bot.Currency}, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	for _, l := range lines {
		if l.Offer != nil {
			line, err := offerLine(bot, l)
			if err != nil {
				return nil, nil, err
			}
			o.Lines = append(o.Lines, line)
			o.Total = o.Total.Add(line.Unit.Mul(l.Quantity))
			continue
		}
		p := bot.Product(l.SKU)
		if p == nil {
			return nil, nil, concierge.Errorf(concierge.CodeNotFound, "checkout", "product %s is no longer sold", l.SKU)
		}
		if l.Quantity <= 0 {
			return nil, nil, concierge.Errorf(concierge.CodeInvalid, "checkout", "quantity of %s must be positive", l.SKU)
		}
		if p.Price.Currency != bot.Currency {
			return nil, nil, concierge.Errorf(concierge.CodeInternal, "checkout", "product %s is priced in %s, the shop in %s", l.SKU, p.Price.Currency, bot.Currency)
		}
		o.Lines = append(o.Lines, concierge.OrderLine{SKU: p.SKU, Title: p.Title(bot.DefaultLocale(), "en"), Quantity: l.Quantity, Unit: p.Price})
		o.Total = o.Total.Add(p.Price.Mul(l.Quantity))
	}
	id, err := s.newID(ctx, tx, bot.ID)
	if err != nil {
		return nil, nil, err
	}
	o.ID = id
	if err := tx.CreateOrder(ctx, o); err != nil {
		return nil, nil, err
	}
	pr, err := prov.Request(ctx, bot, o)
	if err != nil {
		return nil, nil, fmt.Errorf("checkout: %s request: %w", prov.Name(), err)
	}
	return o, pr, nil
}

// offerLine prices a cart line that is a supplier's offer: at the price
// the line holds, which the agent confirmed with the supplier just before
// (agent.Tools.Checkout), never at the catalog's.
func offerLine(bot *concierge.Bot, l concierge.CartLine) (concierge.OrderLine, error) {
	switch {
	case !l.SKU.IsOffer() || l.Offer.SKU != l.SKU:
		return concierge.OrderLine{}, concierge.Errorf(concierge.CodeInternal, "checkout", "cart line %s holds the offer %s", l.SKU, l.Offer.SKU)
	case l.Quantity <= 0:
		return concierge.OrderLine{}, concierge.Errorf(concierge.CodeInvalid, "checkout", "quantity of %s must be positive", l.SKU)
	case l.Offer.Price.Currency != bot.Currency || l.Offer.Price.Minor <= 0:
		return concierge.OrderLine{}, concierge.Errorf(concierge.CodeInternal, "checkout", "offer %s is priced %d %s, the shop sells in %s", l.SKU, l.Offer.Price.Minor, l.Offer.Price.Currency, bot.Currency)
	}
	return concierge.OrderLine{SKU: l.SKU, Title: l.Offer.Title, Quantity: l.Quantity, Unit: l.Offer.Price}, nil
}

// orderAlphabet has no 0/O or 1/I/L, so an order number read over the
// phone is not misheard.
const orderAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

func (s *Service) newID(ctx context.Context, tx concierge.Tx, bot concierge.BotID) (concierge.OrderID, error) {
	prefix := ""
	for _, w := range strings.Split(string(bot), "-") {
		if w != "" && len(prefix) < 3 {
			prefix += strings.ToUpper(w[:1])
		}
	}
	for range 5 {
		var b [6]byte
		rand.Read(b[:])
		for i := range b {
			b[i] = orderAlphabet[int(b[i])%len(orderAlphabet)]
		}
		id := concierge.OrderID(prefix + "-" + string(b[:]))
		_, err := tx.Order(ctx, id)
		if errors.Is(err, concierge.ErrNotFound) {
			return id, nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", concierge.Errorf(concierge.CodeInternal, "checkout", "could not draw a free order number")
}

// CancelOrder cancels an order that waits for payment and releases its
// stock; any other state is ErrBadTransition.
func (s *Service) CancelOrder(ctx context.Context, tx concierge.Tx, o *concierge.Order) error {
	return tx.TransitionOrder(ctx, o, concierge.OrderCancelled)
}

// Applied says what a payment notification did.
type Applied string

// The outcomes of a payment notification.
const (
	AppliedPaid      Applied = "paid"      // the order is now paid
	AppliedDuplicate Applied = "duplicate" // seen before; nothing changed
	AppliedProblem   Applied = "problem"   // recorded, but the order was not marked paid; people look
)

// Paid applies a verified payment notification, in tx. A notification seen
// before changes nothing; a payment that does not match the order (amount,
// currency) or arrives for an order no longer waiting (expired, cancelled,
// already paid by another charge) is recorded and handed to people, and the
// order is not marked paid. The customer is told either way.
func (s *Service) Paid(ctx context.Context, tx concierge.Tx, bot concierge.BotID, p concierge.Payment) (Applied, error) {
	o, err := tx.Order(ctx, p.Order)
	if err != nil {
		return "", err
	}
	if o.Bot != bot {
		return "", concierge.Errorf(concierge.CodeInvalid, "checkout", "order %s does not belong to bot %s", o.ID, bot)
	}
	fresh, err := tx.RecordPayment(ctx, p)
	if err != nil {
		return "", err
	}
	if !fresh {
		return AppliedDuplicate, nil
	}
	conv, err := tx.Conversation(ctx, o.Conversation)
	if err != nil {
		return "", err
	}
	if p.Amount != o.Total || o.State != concierge.OrderPending {
		event := EventMismatch
		switch o.State {
		case concierge.OrderExpired, concierge.OrderCancelled:
			event = EventLate
		case concierge.OrderPaid, concierge.OrderFulfilled, concierge.OrderRefunded:
			event = EventDuplicate
		}
		if err := s.problem(ctx, tx, conv, o, event); err != nil {
			return "", err
		}
		return AppliedProblem, nil
	}
	if err := tx.TransitionOrder(ctx, o, concierge.OrderPaid); err != nil {
		return "", err
	}
	if s.announce != nil {
		if err := s.announce.OrderChanged(ctx, tx, conv, o, EventPaid, false); err != nil {
			return "", err
		}
	}
	return AppliedPaid, nil
}

// problem hands conv to people for a payment that cannot be applied to o,
// and tells the customer why (event: EventMismatch, EventLate or
// EventDuplicate).
func (s *Service) problem(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, o *concierge.Order, event string) error {
	// A conversation already in people's hands stays there; only one the
	// bot has is handed off (and the customer told so).
	handed := conv.State == concierge.StateBot
	if handed {
		if _, err := handOff(ctx, tx, conv); err != nil {
			return err
		}
	}
	return s.announceChange(ctx, tx, conv, o, event, handed)
}

// handOff moves conv from the bot to people's queue for a payment
// problem, recording who and why.
func handOff(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation) (concierge.Handoff, error) {
	h := concierge.Handoff{Conversation: conv.ID, From: conv.State, To: concierge.StateWaiting, Reason: concierge.HandoffPayment, By: "checkout", At: tx.Now()}
	if err := tx.RecordHandoff(ctx, h); err != nil {
		return h, err
	}
	conv.State = concierge.StateWaiting
	return h, tx.SaveConversation(ctx, conv)
}

// announceChange tells the customer of the change, when an Announcer is
// set.
func (s *Service) announceChange(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, o *concierge.Order, event string, handedOff bool) error {
	if s.announce == nil {
		return nil
	}
	return s.announce.OrderChanged(ctx, tx, conv, o, event, handedOff)
}

// ExpiryTx is a transaction that can list the orders whose payment
// window closed.
type ExpiryTx interface {
	concierge.Tx
	ExpiredOrders(ctx context.Context, now time.Time, limit int) ([]*concierge.Order, error)
}

// ExpireDue expires up to limit orders whose payment window closed,
// releasing their stock and telling their customers; it returns how many.
func (s *Service) ExpireDue(ctx context.Context, tx ExpiryTx, limit int) (int, error) {
	os, err := tx.ExpiredOrders(ctx, tx.Now(), limit)
	if err != nil {
		return 0, err
	}
	for _, o := range os {
		if err := tx.TransitionOrder(ctx, o, concierge.OrderExpired); err != nil {
			return 0, err
		}
		conv, err := tx.Conversation(ctx, o.Conversation)
		if err != nil {
			return 0, err
		}
		if s.announce != nil {
			if err := s.announce.OrderChanged(ctx, tx, conv, o, EventExpired, false); err != nil {
				return 0, err
			}
		}
	}
	return len(os), nil
}

// ProviderExpired ends an order whose payment session the provider closed
// unpaid (a Stripe Checkout Session expired): in tx the order expires, its
// stock is released and the customer is told, as when the order's own TTL
// runs out. An order no longer waiting for payment (paid meanwhile, or
// already expired by the sweeper) is left alone and false is returned, so a
// repeated notification changes nothing.
func (s *Service) ProviderExpired(ctx context.Context, tx concierge.Tx, bot concierge.BotID, id concierge.OrderID) (bool, error) {
	o, err := tx.Order(ctx, id)
	if err != nil {
		return false, err
	}
	if o.Bot != bot {
		return false, concierge.Errorf(concierge.CodeInvalid, "checkout", "order %s does not belong to bot %s", o.ID, bot)
	}
	if o.State != concierge.OrderPending {
		return false, nil
	}
	if err := tx.TransitionOrder(ctx, o, concierge.OrderExpired); err != nil {
		return false, err
	}
	conv, err := tx.Conversation(ctx, o.Conversation)
	if err != nil {
		return false, err
	}
	if s.announce != nil {
		if err := s.announce.OrderChanged(ctx, tx, conv, o, EventExpired, false); err != nil {
			return false, err
		}
	}
	return true, nil
}

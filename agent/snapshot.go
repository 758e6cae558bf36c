package agent

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/conciergehq/concierge"
)

// Snapshot is what a planning brain may read of a conversation: the
// conversation, its cart, its orders and the bot's stock as they were when
// the turn was leased, and the recent transcript. It is taken in a short
// transaction and read without one, so a slow model holds no lock.
type Snapshot struct {
	Conv   concierge.Conversation
	Event  concierge.Event
	Cart   []concierge.CartLine
	Orders []*concierge.Order
	Stock  map[concierge.SKU]int
	Now    time.Time

	// History is the transcript before this event, oldest first, after
	// Notes.Through (what the summary already covers).
	History []Line
	// Notes is what the brain keeps of the conversation between turns.
	Notes Notes
	// Intercepted is set when the event goes to an Interceptor (a
	// seller's chat): nothing is planned for it.
	Intercepted bool
}

// Line is one message of the transcript as a brain reads it.
type Line struct {
	Seq  int64
	From string // "customer", "bot", "agent:NAME" or "system"
	Text string
}

// Notes is a planning brain's long memory of a conversation: a summary of
// the transcript up to seq Through, and the tokens spent so far.
type Notes struct {
	Summary   string
	Through   int64
	TokensIn  int64
	TokensOut int64
}

// NotesStore is an optional capability of the turn's concierge.Tx: a store
// that keeps a planning brain's notes implements it, and a planned turn
// saves its summary and token usage there in the transaction that applies
// it. The store's Tx implements it.
type NotesStore interface {
	// AddNotes replaces conv's summary when summary is not empty and adds
	// the tokens to its totals.
	AddNotes(ctx context.Context, conv concierge.ConversationID, summary string, through, tokensIn, tokensOut int64) error
}

// TakeSnapshot reads, inside tx, what planning a turn of conv needs. The
// transcript and notes are filled in by the caller, from the store's read
// side.
func (a *Agent) TakeSnapshot(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) (*Snapshot, error) {
	shop := a.shops[conv.Bot].Current()
	if shop == nil {
		return nil, fmt.Errorf("agent: unknown bot %q", conv.Bot)
	}
	s := &Snapshot{Conv: *conv, Event: *ev, Stock: map[concierge.SKU]int{}, Now: tx.Now()}
	if a.intercept != nil {
		var err error
		if s.Intercepted, err = a.intercept.Claims(ctx, tx, conv, ev); err != nil || s.Intercepted {
			return s, err
		}
	}
	s.Conv.Memory.Shown = slices.Clone(conv.Memory.Shown)
	s.Conv.Memory.Intents = slices.Clone(conv.Memory.Intents)
	s.Conv.Memory.Offers = slices.Clone(conv.Memory.Offers)
	var err error
	if s.Cart, err = tx.Cart(ctx, conv.ID); err != nil {
		return nil, err
	}
	if s.Orders, err = tx.Orders(ctx, conv.ID); err != nil {
		return nil, err
	}
	for _, p := range shop.Bot.Products {
		n, err := tx.Stock(ctx, shop.Bot.ID, p.SKU)
		if err != nil {
			return nil, err
		}
		s.Stock[p.SKU] = n
	}
	return s, nil
}

// overlay is a concierge.Tx over a Snapshot: reads come from the snapshot,
// writes stay in memory. Planning runs the real tools against it, so the
// model sees the cart after an add or the total of a checkout, and nothing
// is written.
type overlay struct {
	snap     *Snapshot
	cart     []concierge.CartLine
	orders   []*concierge.Order
	stock    map[concierge.SKU]int
	handoffs []concierge.Handoff
}

var _ concierge.Tx = (*overlay)(nil)

func newOverlay(s *Snapshot) *overlay {
	o := &overlay{snap: s, cart: slices.Clone(s.Cart), stock: map[concierge.SKU]int{}}
	for k, v := range s.Stock {
		o.stock[k] = v
	}
	for _, x := range s.Orders {
		c := *x
		o.orders = append(o.orders, &c)
	}
	return o
}

func (o *overlay) Now() time.Time { return o.snap.Now }

func (o *overlay) Emit(context.Context, *concierge.Conversation, string, concierge.Message) (int64, error) {
	return 0, nil
}

func (o *overlay) Conversation(_ context.Context, id concierge.ConversationID) (*concierge.Conversation, error) {
	c := o.snap.Conv
	return &c, nil
}

func (o *overlay) SaveConversation(context.Context, *concierge.Conversation) error { return nil }

func (o *overlay) RecordHandoff(_ context.Context, h concierge.Handoff) error {
	o.handoffs = append(o.handoffs, h)
	return nil
}

func (o *overlay) Cart(context.Context, concierge.ConversationID) ([]concierge.CartLine, error) {
	return slices.Clone(o.cart), nil
}

func (o *overlay) SetCartLine(_ context.Context, _ concierge.ConversationID, sku concierge.SKU, qty int) error {
	i := slices.IndexFunc(o.cart, func(l concierge.CartLine) bool { return l.SKU == sku })
	switch {
	case qty <= 0 && i >= 0:
		o.cart = slices.Delete(o.cart, i, i+1)
	case qty > 0 && i >= 0:
		o.cart[i].Quantity = qty
	case qty > 0:
		o.cart = append(o.cart, concierge.CartLine{SKU: sku, Quantity: qty})
	}
	return nil
}

// SetCartOffer is CartOfferSetter's, in memory.
func (o *overlay) SetCartOffer(ctx context.Context, conv concierge.ConversationID, offer concierge.Offer, qty int) error {
	if err := o.SetCartLine(ctx, conv, offer.SKU, qty); err != nil || qty <= 0 {
		return err
	}
	i := slices.IndexFunc(o.cart, func(l concierge.CartLine) bool { return l.SKU == offer.SKU })
	o.cart[i].Offer = &offer
	return nil
}

var _ CartOfferSetter = (*overlay)(nil)

func (o *overlay) ClearCart(context.Context, concierge.ConversationID) error {
	o.cart = nil
	return nil
}

func (o *overlay) Stock(_ context.Context, _ concierge.BotID, sku concierge.SKU) (int, error) {
	return o.stock[sku], nil
}

func (o *overlay) CreateOrder(_ context.Context, ord *concierge.Order) error {
	for _, l := range ord.Lines {
		if l.SKU.IsOffer() {
			continue // the supplier's count, as the store does
		}
		if o.stock[l.SKU] < l.Quantity {
			return concierge.ErrOutOfStock
		}
	}
	for _, l := range ord.Lines {
		if !l.SKU.IsOffer() {
			o.stock[l.SKU] -= l.Quantity
		}
	}
	o.orders = append([]*concierge.Order{ord}, o.orders...)
	return nil
}

func (o *overlay) Order(_ context.Context, id concierge.OrderID) (*concierge.Order, error) {
	for _, x := range o.orders {
		if x.ID == id {
			return x, nil
		}
	}
	return nil, concierge.ErrNotFound
}

func (o *overlay) Orders(context.Context, concierge.ConversationID) ([]*concierge.Order, error) {
	return slices.Clone(o.orders), nil
}

func (o *overlay) TransitionOrder(_ context.Context, ord *concierge.Order, to concierge.OrderState) error {
	if err := ord.State.Transition(to); err != nil {
		return err
	}
	ord.State = to
	return nil
}

func (o *overlay) RecordPayment(context.Context, concierge.Payment) (bool, error) {
	return false, concierge.Errorf(concierge.CodeInternal, "plan", "payments are not recorded while planning")
}

// simCheckout is the Checkout planning uses: it prices the order from the
// catalog like checkout does, but asks no payment provider and reserves
// stock only in the overlay. The real order is placed when the plan is
// applied.
type simCheckout struct{}

func (simCheckout) PlaceOrder(ctx context.Context, tx concierge.Tx, bot *concierge.Bot, conv *concierge.Conversation, lines []concierge.CartLine) (*concierge.Order, *concierge.PaymentRequest, error) {
	if len(lines) == 0 {
		return nil, nil, concierge.ErrEmptyCart
	}
	now := tx.Now()
	o := &concierge.Order{ID: "(new)", Bot: bot.ID, Conversation: conv.ID, State: concierge.OrderPending,
		Total: concierge.Money{Currency: bot.Currency}, CreatedAt: now, ExpiresAt: now.Add(30 * time.Minute)}
	for _, l := range lines {
		p := bot.Product(l.SKU)
		if l.Offer != nil {
			p = l.Offer.Product(bot.DefaultLocale()) // at the line's price, as checkout prices it
		}
		if p == nil {
			return nil, nil, concierge.Errorf(concierge.CodeNotFound, "checkout", "product %s is no longer sold", l.SKU)
		}
		o.Lines = append(o.Lines, concierge.OrderLine{SKU: p.SKU, Title: p.Title(bot.DefaultLocale(), "en"), Quantity: l.Quantity, Unit: p.Price})
		o.Total = o.Total.Add(p.Price.Mul(l.Quantity))
	}
	if err := tx.CreateOrder(ctx, o); err != nil {
		return nil, nil, err
	}
	return o, &concierge.PaymentRequest{Amount: o.Total}, nil
}

func (simCheckout) CancelOrder(ctx context.Context, tx concierge.Tx, o *concierge.Order) error {
	if o.State != concierge.OrderPending {
		return concierge.Errorf(concierge.CodeConflict, "cancel", "order %s is %s; only an order waiting for payment can be cancelled", o.ID, o.State)
	}
	return tx.TransitionOrder(ctx, o, concierge.OrderCancelled)
}

package agentcommerce

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/conciergehq/concierge"
)

// MaxQuantity is the most of one product a session may hold.
const MaxQuantity = 10_000

// MaxLines is the most line items of one session.
const MaxLines = 100

// KeepKeys is how long Idempotency-Keys are kept (UCP: at least 24 h).
const KeepKeys = 48 * time.Hour

// Service runs checkout sessions for every bot that lets agents buy.
type Service struct {
	store    Store
	checkout Checkout
	shops    map[concierge.BotID]*Shop
	// Now is the clock; tests set it.
	Now       func() time.Time
	lastPrune atomic.Int64
	// Log receives what could not be recorded (a refusal's transcript
	// line); New sets a logger that discards.
	Log *slog.Logger

	mu sync.Mutex
	// completions holds, for each completion this process runs (key
	// "<bot>/complete/<session>"), the changes refused meanwhile, whose
	// transcript lines its release writes (Changeable).
	completions map[string][]*Error
	// waiting holds, for each completion of another replica that
	// refusals wait for, their lines in order (recordAfterCompletion).
	waiting map[string][]*Error
	// background counts the refusals' lines waiting for a completion of
	// another replica (Wait).
	background sync.WaitGroup
}

// New returns a Service over st and co for shops.
func New(st Store, co Checkout, shops []*Shop) *Service {
	s := &Service{store: st, checkout: co, shops: map[concierge.BotID]*Shop{}, Now: time.Now, Log: slog.New(slog.DiscardHandler), completions: map[string][]*Error{}, waiting: map[string][]*Error{}}
	for _, sh := range shops {
		if sh.Live != nil && sh.cache == nil {
			sh.cache = &pricedCache{}
		}
		s.shops[sh.Bot.ID] = sh
	}
	return s
}

// Shop returns bot's shop as of its latest catalog (see Shop.Live), or nil
// when agents may not buy from it.
func (s *Service) Shop(bot concierge.BotID) *Shop { return s.shops[bot].current() }

// Do runs fn in a transaction, once per (scope, key) when key is set: the
// same key with the same request returns the first response again
// (replayed true), the same key with another request is refused with
// ReasonIdempotencyReuse, and two identical requests at once run fn once.
// fn's response is kept with the key only when fn succeeds: a refused
// request changes nothing, so its retry is handled afresh. A refused call
// on an existing session (Update, Complete, Cancel) is then written into
// the session's transcript, in a transaction of its own.
func (s *Service) Do(ctx context.Context, scope, key string, request []byte, fn func(tx Tx) (int, []byte, error)) (status int, response []byte, replayed bool, err error) {
	s.prune(ctx)
	sum := sha256.Sum256(request)
	hash := hex.EncodeToString(sum[:])
	err = s.store.InTx(ctx, func(tx Tx) error {
		if key != "" {
			fresh, prev, st, resp, err := tx.ClaimIdempotencyKey(ctx, scope, key, hash)
			if err != nil {
				return err
			}
			if !fresh {
				if prev != hash {
					return refuse(ReasonIdempotencyReuse, "", "this Idempotency-Key was used with another request")
				}
				status, response, replayed = st, resp, true
				return nil
			}
		}
		var err error
		status, response, err = fn(tx)
		if err != nil {
			return err
		}
		if key != "" {
			return tx.FinishIdempotencyKey(ctx, scope, key, status, response)
		}
		return nil
	})
	if e := AsError(err); e != nil && e.session != "" {
		s.recordRefusal(ctx, e)
	}
	return status, response, replayed, err
}

// FlightLease is how long a claim of a request in flight lasts unless
// renewed (a live replica renews its claims while their work runs): a
// replica that crashed mid-request blocks its key for at most this long.
// A claim that ran out while its request still runs lets the retry
// through to Do, which waits for the first and replays it: one order
// either way.
const FlightLease = time.Minute

// DoOnce is Do for protocols whose spec answers a key still in flight
// rather than making the retry wait (ACP's 409 idempotency_in_flight):
// while a request with (scope, key) is being handled by any replica
// sharing the database, another with the same request is refused with
// ReasonInFlight at once, and one with another request with
// ReasonIdempotencyReuse. The claim is a row committed before the work
// (Store.ClaimFlight) and deleted after it, so a retry that reaches
// another replica sees it too. Once the first ends, the same request
// replays its response through Do.
func (s *Service) DoOnce(ctx context.Context, scope, key string, request []byte, fn func(tx Tx) (int, []byte, error)) (status int, response []byte, replayed bool, err error) {
	if key == "" {
		return s.Do(ctx, scope, key, request, fn)
	}
	sum := sha256.Sum256(request)
	hash := hex.EncodeToString(sum[:])
	token, busy, err := s.store.ClaimFlight(ctx, scope, key, hash, FlightLease)
	if err != nil {
		return 0, nil, false, err
	}
	if token == "" {
		if busy != hash {
			return 0, nil, false, refuse(ReasonIdempotencyReuse, "", "this Idempotency-Key was used with another request")
		}
		return 0, nil, false, refuse(ReasonInFlight, "", "a request with this Idempotency-Key is still being processed")
	}
	defer func() {
		// The claim ends even when the agent hung up: its retry must not
		// wait for the lease. A failed release runs out with the lease.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		s.store.ReleaseFlight(rctx, scope, key, token)
	}()
	return s.Do(ctx, scope, key, request, fn)
}

// InFlight reports whether a request with (scope, key) is being handled
// now under DoOnce's claim, by any replica. It reads only the claim, so
// it does not wait for that request's transaction.
func (s *Service) InFlight(ctx context.Context, scope, key string) (bool, error) {
	if key == "" {
		return false, nil
	}
	return s.store.FlightLive(ctx, scope, key)
}

// prune forgets old Idempotency-Keys, at most once an hour.
func (s *Service) prune(ctx context.Context) {
	now := s.Now()
	last := s.lastPrune.Load()
	if now.Unix()-last < 3600 || !s.lastPrune.CompareAndSwap(last, now.Unix()) {
		return
	}
	s.store.PruneIdempotencyKeys(ctx, now.Add(-KeepKeys))
}

func newID(prefix string) string {
	var b [12]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// Create opens a session of bot for protocol p with ch, reserving its
// stock.
func (s *Service) Create(ctx context.Context, tx Tx, bot concierge.BotID, p Protocol, ch Changes) (*Session, error) {
	shop := s.Shop(bot)
	if shop == nil {
		return nil, refuse(ReasonNotFound, "", "this shop does not sell to agents")
	}
	if ch.Items == nil {
		return nil, refuse(ReasonMissing, "$.line_items", "line_items is required")
	}
	loc := shop.Bot.DefaultLocale()
	for _, l := range shop.Bot.Locales {
		if l == ch.Locale {
			loc = l
		}
	}
	now := tx.Now()
	sess := &Session{ID: newID("chk_"), Bot: bot, Protocol: p, Currency: shop.Bot.Currency, Locale: loc, CreatedAt: now,
		Platform: ch.Platform, Webhook: ch.Webhook}
	conv, err := tx.OpenConversation(ctx, bot, p.Channel(), concierge.ChatID(sess.ID), loc)
	if err != nil {
		return nil, err
	}
	sess.Conversation = conv.ID
	if err := s.apply(ctx, tx, shop, sess, ch, true); err != nil {
		return nil, err
	}
	if err := s.record(ctx, tx, shop, sess, "created the checkout"); err != nil {
		return nil, err
	}
	return sess, s.save(ctx, tx, sess)
}

// Get returns a session of bot.
func (s *Service) Get(ctx context.Context, tx Tx, bot concierge.BotID, id string) (*Session, error) {
	sess, _, err := s.load(ctx, tx, bot, id)
	return sess, err
}

// Update changes an open session.
func (s *Service) Update(ctx context.Context, tx Tx, bot concierge.BotID, id string, ch Changes) (*Session, error) {
	sess, err := s.update(ctx, tx, bot, id, ch)
	return sess, about(err, bot, id, string(ChangeUpdate))
}

func (s *Service) update(ctx context.Context, tx Tx, bot concierge.BotID, id string, ch Changes) (*Session, error) {
	sess, shop, err := s.open(ctx, tx, bot, id)
	if err != nil {
		return nil, err
	}
	if err := s.apply(ctx, tx, shop, sess, ch, false); err != nil {
		return nil, err
	}
	if err := s.record(ctx, tx, shop, sess, "updated the checkout"); err != nil {
		return nil, err
	}
	return sess, s.save(ctx, tx, sess)
}

// Complete pays a ready session with pay, which makes its order paid. A
// completed session is returned as it is: the payment is applied once.
func (s *Service) Complete(ctx context.Context, tx Tx, bot concierge.BotID, id string, ch Changes, pay Payment) (*Session, error) {
	sess, err := s.complete(ctx, tx, bot, id, ch, pay)
	return sess, about(err, bot, id, "pay the checkout")
}

func (s *Service) complete(ctx context.Context, tx Tx, bot concierge.BotID, id string, ch Changes, pay Payment) (*Session, error) {
	sess, shop, err := s.load(ctx, tx, bot, id)
	if err != nil {
		return nil, err
	}
	if sess.Status == StatusCompleted {
		return sess, nil
	}
	if sess, shop, err = s.open(ctx, tx, bot, id); err != nil {
		return nil, err
	}
	if ch.Buyer != nil || ch.Address != nil || ch.Shipping != nil || ch.Items != nil || ch.Currency != "" {
		if err := s.apply(ctx, tx, shop, sess, ch, false); err != nil {
			return nil, err
		}
	}
	switch sess.Status {
	case StatusEscalation:
		return nil, refuse(ReasonEscalation, "", "the buyer must finish this checkout at its continue_url")
	case StatusIncomplete:
		msg := "the checkout is missing information"
		path := ""
		if len(sess.Messages) > 0 {
			msg, path = sess.Messages[0].Content, sess.Messages[0].Path
		}
		return nil, refuse(ReasonNotReady, path, msg)
	}
	if pay.Handler == "" {
		return nil, refuse(ReasonMissing, "$.payment.instruments[0].handler_id", "a payment handler is required")
	}
	payer := shop.payer(pay.Handler)
	if payer == nil {
		return nil, refuse(ReasonPaymentHandler, "$.payment.instruments[0].handler_id", fmt.Sprintf("payment handler %q is not offered; use one of %s", pay.Handler, strings.Join(shop.HandlerIDs(), ", ")))
	}
	if pay.Token == "" {
		return nil, refuse(ReasonMissing, "$.payment.instruments[0].credential.token", "a payment token is required")
	}
	o, err := tx.Order(ctx, sess.Order)
	if err != nil {
		return nil, err
	}
	var ref string
	if tp, ok := payer.(TxPayer); ok {
		ref, err = tp.ChargeTx(ctx, tx, sess.ID, o, pay.Token)
	} else {
		ref, err = payer.Charge(ctx, o, pay.Token)
	}
	if e := (*Error)(nil); errors.As(err, &e) {
		return nil, e // the payer said why (a vault token spent, expired, …)
	}
	if errors.Is(err, ErrPaymentDeclined) {
		return nil, refuse(ReasonPaymentDeclined, "$.payment.instruments[0].credential", "the payment was declined")
	}
	if err != nil {
		return nil, fmt.Errorf("agentcommerce: charge: %w", err)
	}
	res, err := s.checkout.Paid(ctx, tx, bot, concierge.Payment{Order: o.ID, Provider: o.Provider, ProviderRef: ref, Amount: o.Total, At: tx.Now()})
	if err != nil {
		return nil, err
	}
	if res != "paid" {
		return nil, fmt.Errorf("agentcommerce: payment of %s was %s", o.ID, res)
	}
	sess.Status, sess.PaymentRef, sess.Messages = StatusCompleted, ref, nil
	if err := s.queueOrderCreate(ctx, tx, shop, sess); err != nil {
		return nil, err
	}
	if err := s.record(ctx, tx, shop, sess, "paid the checkout with "+pay.Handler); err != nil {
		return nil, err
	}
	return sess, s.save(ctx, tx, sess)
}

// Cancel cancels an open session and releases its stock.
func (s *Service) Cancel(ctx context.Context, tx Tx, bot concierge.BotID, id string) (*Session, error) {
	sess, err := s.cancel(ctx, tx, bot, id)
	return sess, about(err, bot, id, string(ChangeCancel))
}

func (s *Service) cancel(ctx context.Context, tx Tx, bot concierge.BotID, id string) (*Session, error) {
	sess, shop, err := s.open(ctx, tx, bot, id)
	if err != nil {
		return nil, err
	}
	if err := s.release(ctx, tx, sess); err != nil {
		return nil, err
	}
	sess.Status, sess.Messages = StatusCanceled, nil
	if err := s.record(ctx, tx, shop, sess, "canceled the checkout"); err != nil {
		return nil, err
	}
	return sess, s.save(ctx, tx, sess)
}

// load reads a session and brings its status up to date with its order
// (expired or canceled by the sweeper or in the inbox; paid).
func (s *Service) load(ctx context.Context, tx Tx, bot concierge.BotID, id string) (*Session, *Shop, error) {
	shop := s.Shop(bot)
	if shop == nil {
		return nil, nil, refuse(ReasonNotFound, "", "this shop does not sell to agents")
	}
	body, err := tx.AgentSession(ctx, bot, id)
	if err != nil {
		if errors.Is(err, concierge.ErrNotFound) {
			return nil, nil, refuse(ReasonNotFound, "", "no such checkout session")
		}
		return nil, nil, err
	}
	var sess Session
	if err := json.Unmarshal(body, &sess); err != nil {
		return nil, nil, fmt.Errorf("agentcommerce: session %s: %w", id, err)
	}
	if sess.Order != "" && sess.Status != StatusCanceled {
		o, err := tx.Order(ctx, sess.Order)
		if err != nil {
			return nil, nil, err
		}
		switch o.State {
		case concierge.OrderExpired, concierge.OrderCancelled:
			sess.Status, sess.Messages = StatusCanceled, nil
		case concierge.OrderPaid, concierge.OrderFulfilled, concierge.OrderRefunded:
			sess.Status = StatusCompleted
		}
	}
	return &sess, shop, nil
}

// open loads a session that may still change: not completed, canceled or
// past its reservation.
func (s *Service) open(ctx context.Context, tx Tx, bot concierge.BotID, id string) (*Session, *Shop, error) {
	sess, shop, err := s.load(ctx, tx, bot, id)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case sess.Status == StatusCompleted || sess.Status == StatusCanceled:
		return nil, nil, refuse(ReasonFinished, "", fmt.Sprintf("the checkout session is %s", sess.Status))
	case !sess.ExpiresAt.IsZero() && !tx.Now().Before(sess.ExpiresAt):
		return nil, nil, refuse(ReasonExpired, "", "the checkout session expired; start a new one")
	}
	return sess, shop, nil
}

func (s *Service) save(ctx context.Context, tx Tx, sess *Session) error {
	sess.UpdatedAt = tx.Now()
	body, err := json.Marshal(sess)
	if err != nil {
		return fmt.Errorf("agentcommerce: save: %w", err)
	}
	return tx.SaveAgentSession(ctx, sess.ID, sess.Bot, string(sess.Protocol), sess.Conversation, body)
}

// release cancels the session's pending order, giving its stock back.
func (s *Service) release(ctx context.Context, tx Tx, sess *Session) error {
	if sess.Order == "" {
		return nil
	}
	o, err := tx.Order(ctx, sess.Order)
	if err != nil {
		return err
	}
	if o.State == concierge.OrderPending {
		if err := s.checkout.CancelOrder(ctx, tx, o); err != nil {
			return err
		}
	}
	sess.Order = ""
	return nil
}

// apply checks ch against the catalog and the shop, changes sess and
// places a new order when what it buys changed. Any refusal leaves the
// transaction to be rolled back.
func (s *Service) apply(ctx context.Context, tx Tx, shop *Shop, sess *Session, ch Changes, create bool) error {
	if ch.Currency != "" && !strings.EqualFold(ch.Currency, shop.Bot.Currency) {
		return refuse(ReasonCurrency, "$.currency", fmt.Sprintf("this shop sells in %s only", shop.Bot.Currency))
	}
	reprice := create
	if ch.Items != nil {
		lines, err := s.lines(ctx, tx, shop, sess, ch.Items)
		if err != nil {
			return err
		}
		sess.Lines, reprice = lines, true
	}
	if ch.Buyer != nil {
		b := *ch.Buyer
		b.Email = strings.TrimSpace(b.Email)
		if b.Email != "" {
			if a, err := mail.ParseAddress(b.Email); err != nil || a.Address != b.Email {
				return refuse(ReasonInvalid, "$.buyer.email", "buyer email is not an email address")
			}
		}
		sess.Buyer = b
	}
	if ch.Address != nil {
		a := *ch.Address
		a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
		if len(a.Country) != 2 {
			return refuse(ReasonInvalid, "$.fulfillment.address.country", "country must be an ISO 3166-1 alpha-2 code")
		}
		sess.Address = &a
		reprice = true
	}
	if ch.Shipping != nil {
		if *ch.Shipping != "" && shop.Option(*ch.Shipping) == nil {
			return refuse(ReasonInvalid, "$.fulfillment.selected_option_id", fmt.Sprintf("no shipping option %q", *ch.Shipping))
		}
		sess.ShippingID = *ch.Shipping
		reprice = true
	}
	if !sess.Physical(shop) {
		sess.ShippingID = ""
	}
	if sess.ShippingID == "" && sess.Physical(shop) && len(shop.Shipping) == 1 {
		sess.ShippingID = shop.Shipping[0].ID
	}
	if o := shop.Option(sess.ShippingID); o != nil && sess.Address != nil && !shop.Serves(*o, sess.Address.Country) {
		return refuse(ReasonInvalid, "$.fulfillment.address.country", fmt.Sprintf("shipping option %s does not deliver to %s", o.ID, sess.Address.Country))
	}
	if reprice {
		if err := s.reserve(ctx, tx, shop, sess); err != nil {
			return err
		}
	}
	s.evaluate(shop, sess)
	return nil
}

// lines prices items from the catalog. Stock is checked against what is
// free once the session's own reservation is given back.
func (s *Service) lines(ctx context.Context, tx Tx, shop *Shop, sess *Session, items []Item) ([]Line, error) {
	if len(items) == 0 {
		return nil, refuse(ReasonMissing, "$.line_items", "at least one line item is required")
	}
	if len(items) > MaxLines {
		return nil, refuse(ReasonInvalid, "$.line_items", fmt.Sprintf("at most %d line items", MaxLines))
	}
	held := map[concierge.SKU]int{}
	if sess.Order != "" {
		if o, err := tx.Order(ctx, sess.Order); err == nil && o.State == concierge.OrderPending {
			for _, l := range o.Lines {
				held[l.SKU] += l.Quantity
			}
		}
	}
	var out []Line
	idx := map[concierge.SKU]int{}
	for i, it := range items {
		path := fmt.Sprintf("$.line_items[%d]", i)
		p := shop.Bot.Product(it.SKU)
		if it.SKU == "" || p == nil {
			return nil, refuse(ReasonUnknownItem, path+".item.id", fmt.Sprintf("no product %q in this shop", it.SKU))
		}
		if it.Quantity < 1 || it.Quantity > MaxQuantity {
			return nil, refuse(ReasonInvalid, path+".quantity", fmt.Sprintf("quantity must be between 1 and %d", MaxQuantity))
		}
		if j, ok := idx[p.SKU]; ok {
			out[j].Quantity += it.Quantity
		} else {
			idx[p.SKU] = len(out)
			out = append(out, Line{ID: fmt.Sprintf("li_%d", len(out)+1), SKU: p.SKU, Title: p.Title(sess.Locale, shop.Bot.DefaultLocale()), Quantity: it.Quantity, Unit: p.Price, Image: p.Image})
		}
		j := idx[p.SKU]
		free, err := tx.Stock(ctx, shop.Bot.ID, p.SKU)
		if err != nil {
			return nil, err
		}
		if out[j].Quantity > free+held[p.SKU] {
			return nil, refuse(ReasonOutOfStock, path+".quantity", fmt.Sprintf("only %d of %s left", free+held[p.SKU], p.SKU))
		}
	}
	for i := range out {
		out[i].Total = out[i].Unit.Mul(out[i].Quantity)
	}
	return out, nil
}

// reserve replaces the session's order by one for its lines and shipping,
// which holds their stock until the order's TTL.
func (s *Service) reserve(ctx context.Context, tx Tx, shop *Shop, sess *Session) error {
	if err := s.release(ctx, tx, sess); err != nil {
		return err
	}
	cur := shop.Bot.Currency
	sess.Subtotal, sess.ShippingCost = concierge.Money{Currency: cur}, concierge.Money{Currency: cur}
	cart := make([]concierge.CartLine, 0, len(sess.Lines)+1)
	for _, l := range sess.Lines {
		sess.Subtotal = sess.Subtotal.Add(l.Total)
		cart = append(cart, concierge.CartLine{SKU: l.SKU, Quantity: l.Quantity})
	}
	if o := shop.Option(sess.ShippingID); o != nil {
		sess.ShippingCost = o.Price
		cart = append(cart, concierge.CartLine{SKU: ShippingSKU(o.ID), Quantity: 1})
	}
	sess.Total = sess.Subtotal.Add(sess.ShippingCost)
	conv, err := tx.Conversation(ctx, sess.Conversation)
	if err != nil {
		return err
	}
	o, _, err := s.checkout.PlaceOrder(ctx, tx, shop.pricedBot(), conv, cart)
	if err != nil {
		if e := AsError(err); e != nil {
			return e
		}
		return err
	}
	if o.Total != sess.Total {
		return fmt.Errorf("agentcommerce: order %s totals %d, the session %d", o.ID, o.Total.Minor, sess.Total.Minor)
	}
	sess.Order, sess.ExpiresAt = o.ID, o.ExpiresAt
	return nil
}

// evaluate sets the session's status and messages from what it has.
func (s *Service) evaluate(shop *Shop, sess *Session) {
	var msgs []Message
	missing := func(code, path, content string) {
		msgs = append(msgs, Message{Type: "error", Code: code, Path: path, Content: content, Severity: "recoverable"})
	}
	if sess.Buyer.Email == "" {
		missing("missing", "$.buyer.email", "Buyer email is required")
	}
	if sess.Physical(shop) && len(shop.Shipping) > 0 {
		if sess.Address == nil {
			missing("missing", "$.fulfillment.address", "A delivery address is required")
		}
		if sess.ShippingID == "" {
			missing("missing", "$.fulfillment.selected_option_id", "Please select a shipping option")
		}
	}
	sess.Messages = msgs
	switch {
	case len(msgs) > 0:
		sess.Status = StatusIncomplete
	case shop.EscalateAbove.Minor > 0 && sess.Total.Minor > shop.EscalateAbove.Minor:
		sess.Status = StatusEscalation
		sess.Messages = []Message{{Type: "error", Code: "high_value_order", Severity: "requires_buyer_review",
			Content: "Orders of this amount are confirmed by the buyer with the shop; continue at continue_url"}}
	default:
		sess.Status = StatusReady
	}
}

// ContinueURL is where the buyer continues a session with the shop: its
// web chat, which hands over to a person when needed.
func (s *Service) ContinueURL(sess *Session) string {
	shop := s.Shop(sess.Bot)
	if shop == nil || shop.WidgetURL == "" {
		return ""
	}
	return shop.WidgetURL + "?checkout=" + sess.ID
}

// InTx runs fn in a transaction that may write: what a protocol does
// beyond the session core (UCP's simulated shipment in test mode).
func (s *Service) InTx(ctx context.Context, fn func(tx Tx) error) error {
	return s.store.InTx(ctx, fn)
}

// View runs fn in a transaction, for reads.
func (s *Service) View(ctx context.Context, fn func(tx Tx) error) error {
	return s.store.InTx(ctx, fn)
}

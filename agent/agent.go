// Package agent runs a conversation's turns: for each inbound event it picks
// the customer's language, lets the bot's brain decide, and lets the tools
// act. A brain decides; tools act: searching the catalog, changing the cart,
// checking out, order status, cancelling, asking for a refund and handing
// off are tools with typed arguments and results, and they are the only way
// a brain changes anything. Prices, totals, stock and policies are enforced
// here and in checkout, never by the brain.
//
// The rules brain (agent/rules) serves offline; an LLM brain uses the same
// tools. server wires this package, and the brains below it
// (agent/rules, agent/llm) import it for Turn and Tools; it reaches checkout
// through the Checkout interface and storage through concierge.Tx.
package agent

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/nlu"
	"github.com/conciergehq/concierge/internal/tracing"
)

// Brain decides what to do with one inbound event. It is called inside the
// turn's transaction with the conversation loaded; it acts only through
// t.Tools and answers through t.Say. An error undoes the whole turn and the
// customer gets an apology.
type Brain interface {
	Respond(ctx context.Context, t *Turn) error
}

// Checkout places and cancels orders; package checkout implements it.
type Checkout interface {
	// PlaceOrder turns lines into an order priced from the catalog,
	// reserves stock and asks the bot's payment provider for a payment
	// request, all inside tx.
	PlaceOrder(ctx context.Context, tx concierge.Tx, bot *concierge.Bot, conv *concierge.Conversation, lines []concierge.CartLine) (*concierge.Order, *concierge.PaymentRequest, error)
	// CancelOrder cancels an order pending payment and releases its stock.
	CancelOrder(ctx context.Context, tx concierge.Tx, o *concierge.Order) error
}

// Shop is one bot as the agent runs it.
type Shop struct {
	Bot     *concierge.Bot
	Catalog *catalog.Index
	Brain   Brain
	Hours   *concierge.BusinessHours // nil: always open
	Text    *Texts
	// Lang identifies the language of each message among the bot's
	// locales; nil leaves it to the brain's own reading.
	Lang LanguageDetector
	// Offers asks the bot's suppliers during searches and at checkout
	// (catalog sources of format http); nil when it has none.
	Offers OfferFinder

	// live holds the catalog swapped in by SetProducts; shops copied by
	// Current share it.
	live *liveCatalog
}

// liveCatalog is a shop's current bot and index, replaced whole.
type liveCatalog struct {
	mu  sync.Mutex // serialises SetProducts
	cur atomic.Pointer[catalogView]
}

type catalogView struct {
	bot *concierge.Bot
	ix  *catalog.Index
}

// SetProducts replaces the shop's catalog: a copy of the bot with these
// products and a new index over them, or the current index with their
// prices and stock when nothing else it reads changed. Turns that started before keep the
// catalog they began with (see Current); the next ones see this one. The
// products must not be modified afterwards.
func (s *Shop) SetProducts(products []concierge.Product) {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	s.setProducts(products, nil)
}

// SetChangedProducts is SetProducts when only the prices and stock of
// the changed products may differ (livecatalog.ChangeSink): only those
// are compared with the current catalog's.
func (s *Shop) SetChangedProducts(products []concierge.Product, changed []concierge.SKU) {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	s.setProducts(products, changed)
}

// setProducts swaps in products; s.live.mu is held. A change of prices or
// stock only keeps the index's terms (catalog.Index.Update).
func (s *Shop) setProducts(products []concierge.Product, changed []concierge.SKU) {
	cur := s.Current()
	b := *cur.Bot
	b.Products = products
	ix, _ := cur.Catalog.Update(products, b.Locales, changed)
	s.live.cur.Store(&catalogView{bot: &b, ix: ix})
}

// LineLimit is the most of one product a cart line may hold: the bot's
// policies.max_quantity, or MaxQuantity.
func (s *Shop) LineLimit() int {
	if s.Bot == nil {
		return MaxQuantity
	}
	return s.Bot.Policies.LineLimit()
}

// Limits are the bounds the parser reads the shop's customers' numbers
// against.
func (s *Shop) Limits() nlu.Limits {
	return nlu.Limits{MaxQuantity: s.LineLimit()}
}

// Current returns the shop as of its latest catalog: a copy whose Bot and
// Catalog stay the same however often SetProducts runs, so that one turn
// reads one catalog.
func (s *Shop) Current() *Shop {
	if s == nil || s.live == nil {
		return s
	}
	v := s.live.cur.Load()
	if v == nil {
		return s
	}
	c := *s
	c.Bot, c.Catalog = v.bot, v.ix
	return &c
}

// LanguageDetector says which of a bot's locales a message is written in
// (agent/langid implements it). current is the conversation's language
// once a message has set it, "" before; hint is the platform's (Telegram's
// language_code, the browser's language, zh for WeChat). ok is false when
// the text says nothing (emoji, numbers); short or ambiguous messages
// keep current.
type LanguageDetector interface {
	Detect(text string, current, hint concierge.Locale) (lang concierge.Locale, ok bool)
}

// NewShop builds the runtime of a bot: its catalog index and texts.
func NewShop(bot *concierge.Bot, brain Brain, texts *Texts) (*Shop, error) {
	return NewShopIndexed(bot, brain, texts, catalog.New(bot.Products, bot.Locales))
}

// NewShopIndexed is NewShop with the index of bot's products already
// built, or loaded from a snapshot (see catalog.Load).
func NewShopIndexed(bot *concierge.Bot, brain Brain, texts *Texts, ix *catalog.Index) (*Shop, error) {
	s := &Shop{Bot: bot, Catalog: ix, Brain: brain, Text: texts, live: &liveCatalog{}}
	if bot.Handoff.BusinessHours != "" {
		bh, err := concierge.ParseBusinessHours(bot.Handoff.BusinessHours)
		if err != nil {
			return nil, fmt.Errorf("agent: bot %s: %w", bot.ID, err)
		}
		s.Hours = bh
	}
	return s, nil
}

// Agent runs turns for every bot of the server.
type Agent struct {
	shops    map[concierge.BotID]*Shop
	checkout Checkout
	log      *slog.Logger
	// intercept, when set, may take a turn away from the shop (a linked
	// seller's chat goes to the seller's assistant).
	intercept Interceptor
}

// Interceptor may take an inbound event away from the shop's brain
// before anything of the turn happens: the seller's assistant answers
// the chats linked to people of the inbox. Intercept is called inside the
// turn's transaction; handled true means the shop does nothing with the
// event. Claims is the same question asked when a planning brain's turn
// is leased, so that a model never reads an intercepted message; it
// must not write.
type Interceptor interface {
	Intercept(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) (handled bool, err error)
	Claims(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) (bool, error)
}

// InterceptPlanner is an optional capability of an Interceptor whose
// answer may need a slow service (the seller's assistant asking the bot's
// model what a message it cannot parse means). For an intercepted event
// of a planning brain's bot, PlanIntercept runs outside any transaction,
// like a brain's Plan, and must not write; InterceptPlanned then answers
// inside the turn's transaction with what PlanIntercept returned (nil when
// it had nothing). handled false sends the event on to the ordinary turn.
type InterceptPlanner interface {
	PlanIntercept(ctx context.Context, conv concierge.Conversation, ev concierge.Event) (any, error)
	InterceptPlanned(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event, planned any) (handled bool, err error)
}

// UseInterceptor makes i see every inbound event first.
func (a *Agent) UseInterceptor(i Interceptor) { a.intercept = i }

// New returns an Agent for the given shops.
func New(shops []*Shop, co Checkout, log *slog.Logger) *Agent {
	a := &Agent{shops: map[concierge.BotID]*Shop{}, checkout: co, log: log}
	for _, s := range shops {
		a.shops[s.Bot.ID] = s
	}
	return a
}

// Shop returns the runtime of bot as of its latest catalog (see
// Shop.Current), or nil.
func (a *Agent) Shop(bot concierge.BotID) *Shop { return a.shops[bot].Current() }

// maxTextRunes bounds what a brain reads of one message; the widget and
// webhooks refuse longer ones, this guards other channels.
const maxTextRunes = 2000

// Turn handles one inbound event of conv inside tx. It is the store's
// TurnFunc.
func (a *Agent) Turn(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
	return a.turnWith(ctx, tx, conv, ev, nil)
}

// turnWith is Turn with brain deciding instead of the shop's own (a
// planned turn applies its plan this way); nil means the shop's brain.
func (a *Agent) turnWith(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event, brain Brain) error {
	shop := a.shops[conv.Bot].Current()
	if shop == nil {
		return fmt.Errorf("agent: unknown bot %q", conv.Bot)
	}
	if a.intercept != nil {
		handled, err := a.intercept.Intercept(ctx, tx, conv, ev)
		if err != nil || handled {
			return err
		}
	}
	switch ev.Kind {
	case concierge.EventText, concierge.EventButton, concierge.EventMedia, concierge.EventLocation, concierge.EventSubscribe:
	case concierge.EventUnsubscribe:
		conv.Undeliverable = true
		return nil
	default:
		return nil // statuses and the like change no conversation
	}
	conv.Undeliverable = false // they wrote again, so they can be reached
	if utf8.RuneCountInString(ev.Text) > maxTextRunes {
		ev.Text = string([]rune(ev.Text)[:maxTextRunes])
	}
	if conv.Locale == "" {
		conv.Locale = shop.pickLocale(ev.Locale, "")
	}
	if conv.State != concierge.StateBot {
		// A person owns the conversation (or will): the bot stays
		// silent; the transcript keeps the message for them.
		return nil
	}
	// A person handed it back before this turn: the brain may read the
	// flag during this turn, and it is cleared after.
	defer func(back bool) {
		if back {
			conv.Memory.HandedBack = false
		}
	}(conv.Memory.HandedBack)
	t := &Turn{
		Shop: shop, Conv: conv, Event: ev, Locale: conv.Locale,
		Tools: &Tools{shop: shop, tx: tx, conv: conv, checkout: a.checkout},
	}
	t.Tools.turn = t
	t.pendingAtStart = conv.Memory.Pending
	t.detectLanguage()
	if brain == nil {
		brain = shop.Brain
	}
	paged := t.answerUnheard()
	var err error
	if !paged {
		paged, err = t.showPage(ctx)
	}
	if err == nil && !paged && t.expiredChoice() {
		paged = true
	}
	if err == nil && !paged {
		bctx, span := tracing.Child(ctx, "brain")
		err = brain.Respond(bctx, t)
		tracing.End(span, err)
	}
	if err != nil {
		return fmt.Errorf("agent: %s turn: %w", conv.Bot, err)
	}
	conv.Locale = t.Locale
	for _, m := range t.out {
		if _, err := tx.Emit(ctx, conv, "bot", m); err != nil {
			return err
		}
	}
	return nil
}

// Fail tells the customer that something went wrong with their last
// message; the store calls it when a turn failed and was undone.
func (a *Agent) Fail(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event, cause error) error {
	a.log.ErrorContext(ctx, "turn failed", "bot", conv.Bot, "conversation", conv.ID, "err", cause)
	shop := a.shops[conv.Bot].Current()
	if shop == nil || conv.State != concierge.StateBot {
		return nil
	}
	loc := conv.Locale
	if loc == "" {
		loc = shop.Bot.DefaultLocale()
	}
	_, err := tx.Emit(ctx, conv, "bot", concierge.Message{Kind: concierge.MessageText, Text: shop.Text.T(loc, "error_generic", nil)})
	return err
}

// pickLocale chooses among the bot's locales: the detected language of the
// text when the bot speaks it, else the platform's hint, else the current one,
// else the bot's default.
func (s *Shop) pickLocale(detected, current concierge.Locale) concierge.Locale {
	for _, l := range []concierge.Locale{detected, current} {
		if l != "" && s.speaks(l) {
			return l
		}
	}
	return s.Bot.DefaultLocale()
}

func (s *Shop) speaks(l concierge.Locale) bool {
	for _, x := range s.Bot.Locales {
		if x == l {
			return true
		}
	}
	return false
}

// Turn is one inbound event being handled.
type Turn struct {
	// HandoffNote is what a brain wants the person who takes over to know
	// (the LLM brain's summary); it leads the hand-off packet's summary.
	HandoffNote string
	// RefundNote is a brain's reasoning for the person who decides a
	// refund (the LLM brain's assessment); when usable it is the refund
	// proposal's Why, and the code's sentence is the fallback.
	RefundNote string

	Shop   *Shop
	Conv   *concierge.Conversation
	Event  *concierge.Event
	Tools  *Tools
	Locale concierge.Locale
	out    []concierge.Message

	// queuePos and queueWait are the customer's place in the hand-off
	// queue, once Tools.Handoff learned it.
	queuePos  int
	queueWait time.Duration

	// pendingAtStart is the question the bot had asked before this
	// turn; a planned consent is accepted only as an answer to it.
	pendingAtStart concierge.Question

	// offersFailed is set once the customer was told that a supplier
	// did not answer, so that several searches of one turn say it once.
	offersFailed bool
}

// Say queues a message to the customer; it is stored with the turn.
func (t *Turn) Say(m concierge.Message) { t.out = append(t.out, m) }

// T returns the text id in the turn's language.
func (t *Turn) T(id string, data map[string]any) string { return t.Shop.Text.T(t.Locale, id, data) }

// detectLanguage sets the turn's language from the customer's text, when
// the shop has a detector: every message is read, so a customer who
// switches language is answered in the new one, and the first message
// decides against the platform's hint only when it says something.
func (t *Turn) detectLanguage() {
	if t.Shop.Lang == nil || t.Event == nil || t.Event.Kind != concierge.EventText {
		return
	}
	if strings.HasPrefix(strings.TrimSpace(t.Event.Text), "/") {
		return // "/start" is a command, in no language
	}
	var current concierge.Locale
	if t.Conv.Memory.LangSeen {
		current = t.Locale
	}
	if l, ok := t.Shop.Lang.Detect(t.Event.Text, current, t.Event.Locale); ok && t.Shop.speaks(l) {
		t.Locale = l
		t.Conv.Memory.LangSeen = true
	}
}

// DetectsLanguage reports whether the agent sets the turn's language
// itself, so that brains need not guess it from their own parse.
func (t *Turn) DetectsLanguage() bool { return t.Shop.Lang != nil }

// SetLocale switches the conversation's language if the bot speaks it.
func (t *Turn) SetLocale(l concierge.Locale) {
	if l != "" && t.Shop.speaks(l) {
		t.Locale = l
	}
}

// Now is the turn's time.
func (t *Turn) Now() time.Time { return t.Tools.tx.Now() }

// OrderChanged tells the customer of conv, in their language, that order o
// was paid, expired, refunded, had a payment problem or a failed payment
// attempt, and, when handedOff, that people now have the conversation.
// Checkout and the inbox call it inside the transaction that changed the
// order.
func (a *Agent) OrderChanged(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, o *concierge.Order, event string, handedOff bool) error {
	shop := a.shops[conv.Bot].Current()
	if shop == nil {
		return fmt.Errorf("agent: unknown bot %q", conv.Bot)
	}
	loc := conv.Locale
	if loc == "" {
		loc = shop.Bot.DefaultLocale()
	}
	t := &Turn{Shop: shop, Conv: conv, Locale: loc, Tools: &Tools{shop: shop, tx: tx, conv: conv, checkout: a.checkout}}
	t.Tools.turn = t
	t.ShowOrder(t.T("order_"+event, map[string]any{"ID": o.ID}), o)
	if handedOff {
		t.ShowHandoff()
	}
	for _, m := range t.out {
		if _, err := tx.Emit(ctx, conv, "bot", m); err != nil {
			return err
		}
	}
	return nil
}

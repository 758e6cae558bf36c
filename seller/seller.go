// Package seller is the seller's assistant: a person of the
// inbox links one chat identity (Telegram, WhatsApp, WeChat or the web)
// with a one-time code, and from then on that chat talks to this
// assistant instead of the shop. It answers a seller's everyday questions
// (orders, revenue, the inbox, stock, best sellers, an order) and makes
// their changes (stock, price, refund decisions, handing a conversation
// back), each shown with its before and after and confirmed with a
// button, then applied by the inbox's own code and written to the audit
// log with the person's name. It also pushes news to linked sellers.
//
// The assistant sees every inbound event first, as the agent's
// Interceptor; an unlinked chat that sends no code goes on to the shop
// untouched. It reaches storage through the Tx, Reads and ApplyStore
// interfaces below (the SQL store has them) and the inbox through Inbox;
// it imports no adapter, no brain, no store and no handoff. Only
// cmd/concierge imports it.
package seller

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
)

// Tx is the turn's transaction as the assistant uses it; the SQL store's
// transaction has every method, and the assistant finds them by type
// assertion on the concierge.Tx the agent hands it.
type Tx interface {
	concierge.Tx
	SellerLinkOf(ctx context.Context, bot concierge.BotID, ch concierge.Channel, chat concierge.ChatID) (*concierge.SellerLink, error)
	PersonByID(ctx context.Context, id int64) (*concierge.Person, error)
	LinkCode(ctx context.Context, hash string) (*concierge.LinkCode, error)
	UseLinkCode(ctx context.Context, hash string) (bool, error)
	LinkChat(ctx context.Context, l concierge.SellerLink) error
	LinkFailures(ctx context.Context, key string, since time.Time) (int, error)
	RecordLinkFailure(ctx context.Context, keys []string, prune time.Time) error
	AddSellerChange(ctx context.Context, c *concierge.SellerChange) error
	SellerChange(ctx context.Context, id int64) (*concierge.SellerChange, error)
	DecideSellerChange(ctx context.Context, id, person int64, state string) (bool, error)
	FinishSellerChange(ctx context.Context, id int64, state, result string) (bool, error)
	SetSellerShop(ctx context.Context, person int64, shop concierge.BotID) error
	Proposal(ctx context.Context, id int64) (*concierge.Proposal, error)
	Owner(ctx context.Context, conv concierge.ConversationID) (int64, string, error)
	RecordAudit(ctx context.Context, e concierge.AuditEntry) error
}

// Reads are the questions' reads, outside any transaction.
type Reads interface {
	OrdersSince(ctx context.Context, bot concierge.BotID, since time.Time) ([]*concierge.Order, error)
	PaidOrdersSince(ctx context.Context, bot concierge.BotID, since time.Time) ([]*concierge.Order, error)
	Revenue(ctx context.Context, bot concierge.BotID, since time.Time) (paid, refunded []concierge.Money, err error)
	StockLevels(ctx context.Context, bot concierge.BotID) (map[concierge.SKU]int, error)
	Cases(ctx context.Context, conv concierge.ConversationID) ([]concierge.Case, error)
}

// Catalog is the shops as they are now: their bot (currency, locales,
// products). cmd/concierge hands the live one; with ShopLister, a person
// who sees several shops runs them all from their chat (shops.go).
type Catalog interface {
	Bot(id concierge.BotID) *concierge.Bot
}

// Config wires an Assistant.
type Config struct {
	Reads   Reads
	Catalog Catalog
	// Writer, when set, lets sellers change prices (see CatalogWriter).
	Writer CatalogWriter
	// Model, when set, returns the model of a bot whose brain is an LLM
	// (nil for the others): it reads the messages the rules do not
	// (model.go).
	Model func(bot concierge.BotID) Model
	// LowStock is the count at or under which a product is low (default 3).
	LowStock int
	Log      *slog.Logger
}

// Assistant answers linked chats.
type Assistant struct{ cfg Config }

// New returns an Assistant.
func New(cfg Config) *Assistant {
	if cfg.LowStock <= 0 {
		cfg.LowStock = 3
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Assistant{cfg: cfg}
}

func (a *Assistant) prices() CatalogWriter { return a.cfg.Writer }

// Author is how the transcript names the assistant's messages.
const Author = "seller"

// Claims reports whether the event goes to the assistant: the chat is
// linked, or it sends a link code. It writes nothing.
func (a *Assistant) Claims(ctx context.Context, anyTx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) (bool, error) {
	tx, ok := anyTx.(Tx)
	if !ok {
		return false, nil
	}
	l, err := tx.SellerLinkOf(ctx, conv.Bot, conv.Channel, conv.Chat)
	if err != nil {
		return false, err
	}
	return l != nil || (ev.Kind == concierge.EventText && FindCode(ev.Text) != ""), nil
}

// Intercept answers the event when the chat is linked or sends a code;
// otherwise it leaves it to the shop (handled false) and writes nothing.
func (a *Assistant) Intercept(ctx context.Context, anyTx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) (bool, error) {
	return a.intercept(ctx, anyTx, conv, ev, nil)
}

// intercept is Intercept with the commands the bot's model chose for a
// message the rules do not read (none when there is none).
func (a *Assistant) intercept(ctx context.Context, anyTx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event, planned []Command) (bool, error) {
	tx, ok := anyTx.(Tx)
	if !ok {
		return false, nil
	}
	switch ev.Kind {
	case concierge.EventText, concierge.EventButton, concierge.EventMedia, concierge.EventLocation, concierge.EventSubscribe:
	default:
		return false, nil // statuses, unsubscribes: the shop's bookkeeping
	}
	l, err := tx.SellerLinkOf(ctx, conv.Bot, conv.Channel, conv.Chat)
	if err != nil {
		return false, err
	}
	code := ""
	if ev.Kind == concierge.EventText {
		code = FindCode(ev.Text)
	}
	if l == nil {
		if code == "" {
			return false, nil
		}
		return true, a.redeem(ctx, tx, conv, ev, code)
	}
	p, err := tx.PersonByID(ctx, l.Person)
	if errors.Is(err, concierge.ErrNotFound) {
		return false, nil // removed meanwhile: the link went with them
	}
	if err != nil {
		return false, err
	}
	loc := a.localeOf(conv, ev, "")
	if !p.Sees(conv.Bot) {
		return true, a.say(ctx, tx, conv, text(loc, "lost_bot", p.Name))
	}
	if code != "" {
		return true, a.say(ctx, tx, conv, text(loc, "already_linked", p.Name))
	}
	s := &session{a: a, tx: tx, p: p, conv: conv, ev: ev, bot: a.cfg.Catalog.Bot(conv.Bot), planned: planned, link: l}
	if s.bot == nil {
		return false, nil
	}
	return true, s.handle(ctx)
}

// localeOf picks the language of an answer: the one the message was
// written in, else the conversation's, else the platform's, else English.
func (a *Assistant) localeOf(conv *concierge.Conversation, ev *concierge.Event, written concierge.Locale) concierge.Locale {
	for _, l := range []concierge.Locale{written, conv.Locale, ev.Locale} {
		switch {
		case l == "":
		case strings.HasPrefix(string(l), "zh"):
			return "zh"
		case strings.HasPrefix(string(l), "fr"):
			return "fr"
		case strings.HasPrefix(string(l), "en"):
			return "en"
		}
	}
	return "en"
}

func (a *Assistant) say(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, t string) error {
	_, err := tx.Emit(ctx, conv, Author, concierge.Message{Kind: concierge.MessageText, Text: t})
	return err
}

// session is one event of a linked chat being answered.
type session struct {
	a    *Assistant
	tx   Tx
	p    *concierge.Person
	conv *concierge.Conversation
	ev   *concierge.Event
	bot  *concierge.Bot
	loc  concierge.Locale
	// planned is what the bot's model read the message as, when the
	// rules could not (model.go): one command per thing asked.
	planned []Command
	link    *concierge.SellerLink
	// asked is set once the message was answered by asking which shop
	// it is for: a message asking for several things asks once.
	asked bool
}

func (s *session) say(ctx context.Context, t string) error { return s.a.say(ctx, s.tx, s.conv, t) }

func (s *session) t(id string, args ...any) string { return text(s.loc, id, args...) }

func (s *session) handle(ctx context.Context) error {
	s.loc = s.a.localeOf(s.conv, s.ev, "")
	switch s.ev.Kind {
	case concierge.EventButton:
		if id, ok := strings.CutPrefix(s.ev.Value, shopPrefix); ok {
			return s.chooseShop(ctx, concierge.BotID(id))
		}
		return s.press(ctx, s.ev.Value)
	case concierge.EventSubscribe:
		return s.say(ctx, s.t("help"))
	case concierge.EventText:
	case concierge.EventMedia:
		// A caption, or a voice note's transcript, is read as text.
		if strings.TrimSpace(s.ev.Text) == "" {
			return s.say(ctx, s.t("text_only"))
		}
	default:
		return s.say(ctx, s.t("text_only"))
	}
	if name, ok := parseShop(s.ev.Text); ok && len(s.shops()) > 1 {
		return s.useShop(ctx, name)
	}
	c := Parse(s.ev.Text)
	if c.Kind != Unknown || len(s.planned) == 0 {
		return s.run(ctx, c)
	}
	// The model's reading: each operation answered in the seller's
	// order, each with its own message, each change with its own
	// confirmation. A refusal of one (an agent's refund decision, a
	// product that does not exist) is its answer and the next goes on.
	for _, c := range s.planned {
		if err := s.run(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// run answers one command, for the shop it applies to.
func (s *session) run(ctx context.Context, c Command) error {
	if c.Lang != "" {
		s.loc = c.Lang
		// Answers, pushes and button presses then speak the language
		// the seller last wrote in.
		s.conv.Locale = c.Lang
	}
	if c.Kind != Unknown {
		shop, among, err := s.shopFor(ctx, c)
		if err != nil {
			return err
		}
		if among != nil {
			if s.asked {
				return nil
			}
			s.asked = true
			return s.askShop(ctx, among)
		}
		b := s.a.cfg.Catalog.Bot(shop)
		if b == nil {
			return s.say(ctx, s.t("shop_unknown", shop, s.shopList(s.shops())))
		}
		s.bot = b
	}
	switch c.Kind {
	case Help:
		return s.say(ctx, s.t("help"))
	case Orders:
		return s.orders(ctx, c)
	case Revenue:
		return s.revenue(ctx, c)
	case Waiting:
		return s.waiting(ctx)
	case StockOf:
		return s.stockOf(ctx, c)
	case LowStock:
		return s.lowStock(ctx)
	case BestSellers:
		return s.bestSellers(ctx, c)
	case OrderInfo:
		return s.order(ctx, c)
	case SetStock, SetPrice, Approve, Refuse, HandBack:
		return s.propose(ctx, c)
	}
	return s.say(ctx, s.t("unknown"))
}

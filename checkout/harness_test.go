package checkout_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/agent/rules"
	"github.com/conciergehq/concierge/checkout"
	"github.com/conciergehq/concierge/checkout/sandbox"
	"github.com/conciergehq/concierge/config"
	"github.com/conciergehq/concierge/store"
)

// shop wires checkout as cmd/concierge does — real SQLite in a temporary
// directory, a sandbox provider per bot, the agent (rules brain) as the
// announcer — for the sample bot and a second bot selling the same
// catalog under another id, so payments can be sent to the wrong one.
type shop struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	bot   *concierge.Bot // the sample bot, maison-lumiere
	other *concierge.Bot // the same catalog as atelier-nord
	bots  map[concierge.BotID]*concierge.Bot
	texts *agent.Texts
	co    *checkout.Service
	agent *agent.Agent
	clock *clock
	chats int
	evts  int
}

// clock is the store's clock; it starts on a Wednesday at 10:00 in Paris
// and moves one second at every read, and tests move it further to make
// orders overdue.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Second)
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func sampleBot(t *testing.T) *concierge.Bot {
	t.Helper()
	f, err := config.LoadFile(filepath.Join("..", "examples", "maison-lumiere.yaml"), func(string) string { return "" })
	if err != nil {
		t.Fatalf("load the sample bot: %v", err)
	}
	return f.Bot()
}

// openShop opens a shop for the sample bot, atelier-nord and the extra bot
// ids given, each of those a copy of the sample bot with only its id
// changed.
func openShop(t *testing.T, extra ...concierge.BotID) *shop {
	t.Helper()
	ctx := context.Background()
	bot := sampleBot(t)
	other := sampleBot(t)
	other.ID = "atelier-nord"
	bots := []*concierge.Bot{bot, other}
	for _, id := range extra {
		b := sampleBot(t)
		b.ID = id
		bots = append(bots, b)
	}

	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := &clock{now: time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)}
	db.SetClock(clk.Now)
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	texts, err := agent.LoadTexts()
	if err != nil {
		t.Fatal(err)
	}
	providers := map[concierge.BotID]concierge.PaymentProvider{}
	var shops []*agent.Shop
	for _, b := range bots {
		if err := db.SeedStock(ctx, b.ID, b.Products); err != nil {
			t.Fatal(err)
		}
		sb, err := sandbox.New(sandbox.Config{Secret: []byte(strings.Repeat("x", 32) + string(b.ID)), BaseURL: "http://shop.test"})
		if err != nil {
			t.Fatal(err)
		}
		providers[b.ID] = sb
		sh, err := agent.NewShop(b, rules.Brain{}, texts)
		if err != nil {
			t.Fatal(err)
		}
		shops = append(shops, sh)
	}
	co := checkout.New(providers, nil)
	a := agent.New(shops, co, slog.New(slog.DiscardHandler))
	co.SetAnnouncer(a)
	byID := map[concierge.BotID]*concierge.Bot{}
	for _, b := range bots {
		byID[b.ID] = b
	}
	return &shop{t: t, ctx: ctx, db: db, bot: bot, other: other, bots: byID, texts: texts, co: co, agent: a, clock: clk}
}

// customer is a web customer of one bot who said hello, so that their
// conversation exists and knows their language.
type customer struct {
	s    *shop
	bot  *concierge.Bot
	chat concierge.ChatID
	loc  concierge.Locale
	id   concierge.ConversationID
	seen int64
}

// hello is how a customer greets in each language; the rules brain takes
// the conversation's language from it.
var hello = map[concierge.Locale]string{"fr": "bonjour", "en": "hello there", "zh": "你好"}

func (s *shop) customer(bot *concierge.Bot, loc concierge.Locale) *customer {
	s.t.Helper()
	s.chats++
	c := &customer{s: s, bot: bot, chat: concierge.ChatID(fmt.Sprintf("visitor-%d", s.chats)), loc: loc}
	ev := concierge.Event{Kind: concierge.EventText, Bot: bot.ID, Channel: concierge.ChannelWeb, Chat: c.chat, User: string(c.chat),
		DedupeKey: string(c.chat) + "-hello", Locale: loc, Text: hello[loc], Time: time.Now()}
	if _, err := s.db.Ingest(s.ctx, []concierge.Event{ev}); err != nil {
		s.t.Fatal(err)
	}
	if _, _, err := s.db.RunTurns(s.ctx, 10, s.agent.Turn, s.agent.Fail); err != nil {
		s.t.Fatal(err)
	}
	conv, err := s.db.FindConversation(s.ctx, bot.ID, concierge.ChannelWeb, c.chat)
	if err != nil {
		s.t.Fatal(err)
	}
	if conv.Locale != loc {
		s.t.Fatalf("the conversation speaks %q, want %q", conv.Locale, loc)
	}
	c.id = conv.ID
	c.replies() // the greeting
	return c
}

func (c *customer) conv() *concierge.Conversation {
	c.s.t.Helper()
	conv, err := c.s.db.GetConversation(c.s.ctx, c.id)
	if err != nil {
		c.s.t.Fatal(err)
	}
	return conv
}

// replies are the messages to this customer not read yet.
func (c *customer) replies() []concierge.Message {
	c.s.t.Helper()
	conv := c.conv()
	es, err := c.s.db.Transcript(c.s.ctx, conv.Bot, conv.Channel, conv.Chat, c.seen, 1000)
	if err != nil {
		c.s.t.Fatal(err)
	}
	var out []concierge.Message
	for _, e := range es {
		c.seen = e.Seq
		if e.Dir == "out" {
			out = append(out, *e.Message)
		}
	}
	return out
}

func (c *customer) cart() []concierge.CartLine {
	c.s.t.Helper()
	var out []concierge.CartLine
	id := c.conv().ID
	c.s.inTx(func(tx *store.Tx) error {
		var err error
		out, err = tx.Cart(c.s.ctx, id)
		return err
	})
	return out
}

func (s *shop) inTx(fn func(tx *store.Tx) error) {
	s.t.Helper()
	if err := s.db.InTx(s.ctx, fn); err != nil {
		s.t.Fatal(err)
	}
}

// placeOrder calls PlaceOrder for c and commits whatever it did, as the
// agent does when a brain shows a refusal and goes on.
func (c *customer) placeOrder(lines ...concierge.CartLine) (*concierge.Order, *concierge.PaymentRequest, error) {
	c.s.t.Helper()
	var (
		o   *concierge.Order
		pr  *concierge.PaymentRequest
		err error
	)
	id := c.conv().ID
	c.s.inTx(func(tx *store.Tx) error {
		conv, cerr := tx.Conversation(c.s.ctx, id)
		if cerr != nil {
			return cerr
		}
		o, pr, err = c.s.co.PlaceOrder(c.s.ctx, tx, c.bot, conv, lines)
		return nil
	})
	return o, pr, err
}

// mustOrder places an order that must succeed.
func (c *customer) mustOrder(lines ...concierge.CartLine) *concierge.Order {
	c.s.t.Helper()
	o, _, err := c.placeOrder(lines...)
	if err != nil {
		c.s.t.Fatalf("place order %v: %v", lines, err)
	}
	return o
}

// paid applies a verified payment notification for bot in its own
// transaction, committed whatever Paid returns, so that anything Paid
// wrote before an error would show.
func (s *shop) paid(bot concierge.BotID, p concierge.Payment) (checkout.Applied, error) {
	s.t.Helper()
	var res checkout.Applied
	var err error
	s.inTx(func(tx *store.Tx) error {
		res, err = s.co.Paid(s.ctx, tx, bot, p)
		return nil
	})
	return res, err
}

// payment is a sandbox notification for o of amount.
func (s *shop) payment(o *concierge.Order, amount concierge.Money) concierge.Payment {
	s.evts++
	return concierge.Payment{Order: o.ID, Provider: sandbox.ProviderName, ProviderRef: fmt.Sprintf("evt_%d", s.evts), Amount: amount, At: time.Now()}
}

func (s *shop) order(id concierge.OrderID) *concierge.Order {
	s.t.Helper()
	o, err := s.db.GetOrder(s.ctx, id)
	if err != nil {
		s.t.Fatal(err)
	}
	return o
}

func (s *shop) stock(bot concierge.BotID) map[concierge.SKU]int {
	s.t.Helper()
	levels, err := s.db.StockLevels(s.ctx, bot)
	if err != nil {
		s.t.Fatal(err)
	}
	return levels
}

func (s *shop) expireDue(limit int) int {
	s.t.Helper()
	var n int
	s.inTx(func(tx *store.Tx) error {
		var err error
		n, err = s.co.ExpireDue(s.ctx, tx, limit)
		return err
	})
	return n
}

func line(sku concierge.SKU, q int) concierge.CartLine {
	return concierge.CartLine{SKU: sku, Quantity: q}
}

func eur(minor int64) concierge.Money { return concierge.Money{Minor: minor, Currency: "EUR"} }

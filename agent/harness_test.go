package agent_test

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
	"github.com/conciergehq/concierge/checkout"
	"github.com/conciergehq/concierge/checkout/sandbox"
	"github.com/conciergehq/concierge/config"
	"github.com/conciergehq/concierge/store"
)

// brainFunc is a Brain the test writes turn by turn: it lets a test call
// the tools exactly as a brain would, inside a real turn, and look at what
// they return.
type brainFunc struct {
	mu sync.Mutex
	fn func(ctx context.Context, t *agent.Turn) error
	n  int // turns it was asked to handle
}

func (b *brainFunc) Respond(ctx context.Context, t *agent.Turn) error {
	b.mu.Lock()
	fn := b.fn
	b.n++
	b.mu.Unlock()
	if fn == nil {
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: "ok"})
		return nil
	}
	return fn(ctx, t)
}

func (b *brainFunc) calls() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

// shop is the sample bot wired as cmd/concierge wires it — real SQLite in
// a temporary directory, checkout with the sandbox provider, the agent as
// checkout's announcer — with brainFunc as its brain.
type shop struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	bot   *concierge.Bot
	texts *agent.Texts
	brain *brainFunc
	agent *agent.Agent
	co    *checkout.Service
	clock *clock
	chats int
}

// clock is the store's clock: a Wednesday at 10:00 in Paris (inside the
// sample bot's business hours), one second later at every read so each
// transaction is strictly after the one before.
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

func sampleBot(t *testing.T) *concierge.Bot {
	t.Helper()
	f, err := config.LoadFile(filepath.Join("..", "examples", "maison-lumiere.yaml"), func(string) string { return "" })
	if err != nil {
		t.Fatalf("load the sample bot: %v", err)
	}
	return f.Bot()
}

func openShop(t *testing.T) *shop {
	t.Helper()
	return openShopWith(t, nil)
}

// openShopWith is openShop with configure changing the shop before it
// serves (its suppliers, say).
func openShopWith(t *testing.T, configure func(*agent.Shop)) *shop {
	t.Helper()
	ctx := context.Background()
	bot := sampleBot(t)
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
	if err := db.SeedStock(ctx, bot.ID, bot.Products); err != nil {
		t.Fatal(err)
	}
	texts, err := agent.LoadTexts()
	if err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.New(sandbox.Config{Secret: []byte(strings.Repeat("k", 32)), BaseURL: "http://shop.test"})
	if err != nil {
		t.Fatal(err)
	}
	brain := &brainFunc{}
	sh, err := agent.NewShop(bot, brain, texts)
	if err != nil {
		t.Fatal(err)
	}
	if configure != nil {
		configure(sh)
	}
	co := checkout.New(map[concierge.BotID]concierge.PaymentProvider{bot.ID: sb}, nil)
	a := agent.New([]*agent.Shop{sh}, co, slog.New(slog.DiscardHandler))
	co.SetAnnouncer(a)
	return &shop{t: t, ctx: ctx, db: db, bot: bot, texts: texts, brain: brain, agent: a, co: co, clock: clk}
}

// customer is one web-widget visitor.
type customer struct {
	s      *shop
	chat   concierge.ChatID
	locale concierge.Locale
	n      int
	seen   int64
}

func (s *shop) customer(locale concierge.Locale) *customer {
	s.chats++
	return &customer{s: s, chat: concierge.ChatID(fmt.Sprintf("visitor-%d", s.chats)), locale: locale}
}

// turn runs one text turn whose brain is fn and returns the replies and
// whether the turn failed (and was undone).
func (c *customer) turn(fn func(ctx context.Context, t *agent.Turn) error) (replies []concierge.Message, failed bool) {
	c.s.t.Helper()
	c.s.brain.mu.Lock()
	c.s.brain.fn = fn
	c.s.brain.mu.Unlock()
	return c.send(concierge.Event{Kind: concierge.EventText, Text: "hello"})
}

// send ingests ev as this customer's next message, runs the pending turn
// and returns the new outbound messages.
func (c *customer) send(ev concierge.Event) (replies []concierge.Message, failed bool) {
	t := c.s.t
	t.Helper()
	c.n++
	ev.Bot, ev.Channel, ev.Chat, ev.User = c.s.bot.ID, concierge.ChannelWeb, c.chat, string(c.chat)
	if ev.Locale == "" {
		ev.Locale = c.locale
	}
	ev.DedupeKey = fmt.Sprintf("%s-%d", c.chat, c.n)
	ev.Time = time.Now()
	if _, err := c.s.db.Ingest(c.s.ctx, []concierge.Event{ev}); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	done, nfailed, err := c.s.db.RunTurns(c.s.ctx, 10, c.s.agent.Turn, c.s.agent.Fail)
	if err != nil || done+nfailed != 1 {
		t.Fatalf("run turns: done %d, failed %d, err %v", done, nfailed, err)
	}
	return c.replies(), nfailed == 1
}

// replies returns the messages to this customer not read yet.
func (c *customer) replies() []concierge.Message {
	c.s.t.Helper()
	es, err := c.s.db.Transcript(c.s.ctx, c.s.bot.ID, concierge.ChannelWeb, c.chat, c.seen, 1000)
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

func (c *customer) conv() *concierge.Conversation {
	c.s.t.Helper()
	conv, err := c.s.db.FindConversation(c.s.ctx, c.s.bot.ID, concierge.ChannelWeb, c.chat)
	if err != nil {
		c.s.t.Fatal(err)
	}
	return conv
}

// inTx runs fn in a store transaction and fails the test on error.
func (s *shop) inTx(fn func(tx *store.Tx) error) {
	s.t.Helper()
	if err := s.db.InTx(s.ctx, fn); err != nil {
		s.t.Fatal(err)
	}
}

func (c *customer) cart() map[concierge.SKU]int {
	c.s.t.Helper()
	id := c.conv().ID
	out := map[concierge.SKU]int{}
	c.s.inTx(func(tx *store.Tx) error {
		lines, err := tx.Cart(c.s.ctx, id)
		for _, l := range lines {
			out[l.SKU] = l.Quantity
		}
		return err
	})
	return out
}

func (c *customer) orders() []*concierge.Order {
	c.s.t.Helper()
	id := c.conv().ID
	var out []*concierge.Order
	c.s.inTx(func(tx *store.Tx) error {
		var err error
		out, err = tx.Orders(c.s.ctx, id)
		return err
	})
	return out
}

func (s *shop) stock() map[concierge.SKU]int {
	s.t.Helper()
	levels, err := s.db.StockLevels(s.ctx, s.bot.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	return levels
}

// fill puts lines in c's cart through the tools, as a brain would.
func (c *customer) fill(lines map[concierge.SKU]int) {
	c.s.t.Helper()
	_, failed := c.turn(func(ctx context.Context, t *agent.Turn) error {
		for sku, q := range lines {
			if _, err := t.Tools.SetQuantity(ctx, sku, q); err != nil {
				return err
			}
		}
		return nil
	})
	if failed {
		c.s.t.Fatalf("could not fill the cart with %v", lines)
	}
}

// order places an order for lines in c's conversation (consent given).
func (c *customer) order(lines map[concierge.SKU]int) *concierge.Order {
	c.s.t.Helper()
	c.fill(lines)
	var o *concierge.Order
	_, failed := c.turn(func(ctx context.Context, t *agent.Turn) error {
		t.Tools.Consent(true)
		var err error
		o, _, err = t.Tools.Checkout(ctx)
		return err
	})
	if failed || o == nil {
		c.s.t.Fatalf("could not order %v", lines)
	}
	return o
}

// pay applies a verified sandbox payment of o's total.
func (s *shop) pay(o *concierge.Order) {
	s.t.Helper()
	s.inTx(func(tx *store.Tx) error {
		_, err := s.co.Paid(s.ctx, tx, s.bot.ID, concierge.Payment{Order: o.ID, Provider: sandbox.ProviderName, ProviderRef: "evt_" + string(o.ID), Amount: o.Total, At: time.Now()})
		return err
	})
}

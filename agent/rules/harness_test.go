package rules_test

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
	"github.com/conciergehq/concierge/agent/langid"
	"github.com/conciergehq/concierge/agent/rules"
	"github.com/conciergehq/concierge/checkout"
	"github.com/conciergehq/concierge/checkout/sandbox"
	"github.com/conciergehq/concierge/config"
	"github.com/conciergehq/concierge/store"
)

// shop is the sample bot wired as cmd/concierge wires it — real SQLite in a
// temporary directory, the rules brain, checkout with the sandbox provider
// and the agent as checkout's announcer — minus HTTP and the outbox: a test
// ingests events and runs turns itself, then reads the transcript.
type shop struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	bot   *concierge.Bot
	agent *agent.Agent
	co    *checkout.Service
	clock *clock
	chats int
}

// clock is the store's clock. It starts on a Wednesday at 10:00 in Paris,
// inside the sample bot's business hours, so hand-off replies do not depend
// on when the tests run, and it moves one second at every read so that each
// transaction happens strictly after the previous one.
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

// Advance moves the clock forward by d.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func openShop(t *testing.T) *shop {
	t.Helper()
	return openShopWith(t, nil)
}

// sampleBot is the bot file the shops of these tests serve unless a
// script names another.
var sampleBot = filepath.Join("..", "..", "examples", "maison-lumiere.yaml")

// openShopWith is openShop with configure changing the shop before it
// serves (its suppliers, say).
func openShopWith(t *testing.T, configure func(*agent.Shop)) *shop {
	t.Helper()
	return openBotShop(t, sampleBot, configure)
}

// openBotShop is openShopWith the bot file at path.
func openBotShop(t *testing.T, path string, configure func(*agent.Shop)) *shop {
	t.Helper()
	ctx := context.Background()
	f, err := config.LoadFile(path, func(string) string { return "" })
	if err != nil {
		t.Fatalf("load the bot %s: %v", path, err)
	}
	bot := f.Bot()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := &clock{now: time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)} // Wed 10:00 Europe/Paris
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
	sb, err := sandbox.New(sandbox.Config{Secret: []byte(strings.Repeat("s", 32)), BaseURL: "http://shop.test"})
	if err != nil {
		t.Fatal(err)
	}
	sh, err := agent.NewShop(bot, rules.Brain{}, texts)
	if err != nil {
		t.Fatal(err)
	}
	sh.Lang = langid.New(bot.Locales) // as cmd/concierge wires it
	if configure != nil {
		configure(sh)
	}
	co := checkout.New(map[concierge.BotID]concierge.PaymentProvider{bot.ID: sb}, nil)
	a := agent.New([]*agent.Shop{sh}, co, slog.New(slog.DiscardHandler))
	co.SetAnnouncer(a)
	return &shop{t: t, ctx: ctx, db: db, bot: bot, agent: a, co: co, clock: clk}
}

// customer is one web-widget visitor of the shop.
type customer struct {
	s      *shop
	chat   concierge.ChatID
	locale concierge.Locale // the browser's hint, sent with every event
	n      int              // events sent, for unique dedupe keys
	seen   int64            // transcript read up to this seq
}

func (s *shop) customer(locale concierge.Locale) *customer {
	s.chats++
	return &customer{s: s, chat: concierge.ChatID(fmt.Sprintf("visitor-%d", s.chats)), locale: locale}
}

// say sends text and returns the bot's replies to it.
func (c *customer) say(text string) []concierge.Message {
	c.s.t.Helper()
	return c.send(concierge.Event{Kind: concierge.EventText, Text: text})
}

// press presses a button with value and returns the bot's replies.
func (c *customer) press(value string) []concierge.Message {
	c.s.t.Helper()
	return c.send(concierge.Event{Kind: concierge.EventButton, Value: value})
}

// subscribe opens the chat (an EventSubscribe) and returns the welcome.
func (c *customer) subscribe() []concierge.Message {
	c.s.t.Helper()
	return c.send(concierge.Event{Kind: concierge.EventSubscribe})
}

func (c *customer) send(ev concierge.Event) []concierge.Message {
	t := c.s.t
	t.Helper()
	c.n++
	ev.Bot, ev.Channel, ev.Chat, ev.User, ev.Locale = c.s.bot.ID, concierge.ChannelWeb, c.chat, string(c.chat), c.locale
	ev.DedupeKey = fmt.Sprintf("%s-%d", c.chat, c.n)
	ev.Time = time.Now()
	if _, err := c.s.db.Ingest(c.s.ctx, []concierge.Event{ev}); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	done, failed, err := c.s.db.RunTurns(c.s.ctx, 10, c.s.agent.Turn, c.s.agent.Fail)
	if err != nil || done+failed != 1 {
		t.Fatalf("run turns: done %d, failed %d, err %v", done, failed, err)
	}
	if failed != 0 {
		t.Errorf("the turn for %+v failed (the customer got an apology)", ev)
	}
	return c.replies()
}

// replies returns the bot's messages the test has not read yet.
func (c *customer) replies() []concierge.Message {
	t := c.s.t
	t.Helper()
	es, err := c.s.db.Transcript(c.s.ctx, c.s.bot.ID, concierge.ChannelWeb, c.chat, c.seen, 1000)
	if err != nil {
		t.Fatal(err)
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

// conv is the stored conversation.
func (c *customer) conv() *concierge.Conversation {
	c.s.t.Helper()
	conv, err := c.s.db.FindConversation(c.s.ctx, c.s.bot.ID, concierge.ChannelWeb, c.chat)
	if err != nil {
		c.s.t.Fatal(err)
	}
	return conv
}

// cart is the stored cart, SKU → quantity.
func (c *customer) cart() map[concierge.SKU]int {
	c.s.t.Helper()
	id := c.conv().ID
	out := map[concierge.SKU]int{}
	err := c.s.db.InTx(c.s.ctx, func(tx *store.Tx) error {
		lines, err := tx.Cart(c.s.ctx, id)
		for _, l := range lines {
			out[l.SKU] = l.Quantity
		}
		return err
	})
	if err != nil {
		c.s.t.Fatal(err)
	}
	return out
}

// orders are the conversation's stored orders, newest first.
func (c *customer) orders() []*concierge.Order {
	c.s.t.Helper()
	id := c.conv().ID
	var out []*concierge.Order
	err := c.s.db.InTx(c.s.ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.Orders(c.s.ctx, id)
		return err
	})
	if err != nil {
		c.s.t.Fatal(err)
	}
	return out
}

// pay applies a verified sandbox notification for order o with amount, the
// way the sandbox webhook does, and returns what checkout made of it.
func (s *shop) pay(o *concierge.Order, amount concierge.Money, ref string) checkout.Applied {
	s.t.Helper()
	var res checkout.Applied
	err := s.db.InTx(s.ctx, func(tx *store.Tx) error {
		var err error
		res, err = s.co.Paid(s.ctx, tx, s.bot.ID, concierge.Payment{Order: o.ID, Provider: sandbox.ProviderName, ProviderRef: ref, Amount: amount, At: time.Now()})
		return err
	})
	if err != nil {
		s.t.Fatalf("pay %s: %v", o.ID, err)
	}
	return res
}

// dump renders replies for failure messages.
func dump(ms []concierge.Message) string {
	var b strings.Builder
	for i, m := range ms {
		fmt.Fprintf(&b, "\n  [%d] %s: %s", i, m.Kind, strings.ReplaceAll(m.PlainText(), "\n", " / "))
		for _, bt := range m.Buttons {
			fmt.Fprintf(&b, " [%s]", bt.Value)
		}
	}
	if len(ms) == 0 {
		return "(no reply)"
	}
	return b.String()
}

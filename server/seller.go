package server

import (
	"context"
	"fmt"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/llm"
	"github.com/conciergehq/concierge/handoff"
	"github.com/conciergehq/concierge/livecatalog"
	"github.com/conciergehq/concierge/seller"
	"github.com/conciergehq/concierge/store"
)

// The seller's assistant: its wiring into the agent and the
// inbox, and the `concierge inbox user link|unlink|pushes` commands.

// sellerParts are the assistant's running parts.
type sellerParts struct {
	assistant *seller.Assistant
	applier   *seller.Applier
	pusher    *seller.Pusher
}

// wireSeller makes linked chats reach the seller's assistant, and
// confirmed changes go through the inbox's service. It runs after the
// inbox is built.
func (m *Main) wireSeller() {
	w := sellerCatalogWriter{m}
	m.seller.assistant = seller.New(seller.Config{Reads: m.DB, Catalog: sellerCatalog{m}, Writer: w, Log: m.Log, Model: m.sellerModel})
	m.Agent.UseInterceptor(m.seller.assistant)
	m.seller.applier = seller.NewApplier(sellerApplyStore{m.DB}, sellerInbox{m.Inbox.Service()}, w, m.Log, func() { m.Dispatcher.Wake() })
	m.seller.pusher = seller.NewPusher(sellerPushStore{m.DB}, sellerCatalog{m}, m.Log, func() { m.Dispatcher.Wake() })
	// A confirmation press is committed with its turn; the applier then
	// takes it at once.
	for _, h := range []*func(done, failed int){&m.Runner.Handled, &m.Planned.Handled} {
		prev := *h
		*h = func(done, failed int) { prev(done, failed); m.seller.applier.Wake() }
	}
}

// sellerModel is the model of bot when its brain is an LLM: a linked
// seller's message the rules do not read is then read by it.
func (m *Main) sellerModel(bot concierge.BotID) seller.Model {
	if m.Agent == nil {
		return nil
	}
	shop := m.Agent.Shop(bot)
	if shop == nil {
		return nil
	}
	if b, ok := shop.Brain.(sellerCaller); ok {
		return sellerLLM{b}
	}
	return nil
}

// sellerCaller is the LLM brain's capability to choose a seller operation.
type sellerCaller interface {
	SellerCalls(ctx context.Context, bot concierge.BotID, text string) ([]llm.SellerCall, error)
}

// sellerLLM adapts the LLM brain to seller.Model.
type sellerLLM struct{ b sellerCaller }

func (s sellerLLM) Commands(ctx context.Context, bot concierge.BotID, text string) ([]seller.Command, error) {
	cs, err := s.b.SellerCalls(ctx, bot, text)
	if err != nil {
		return nil, err
	}
	out := make([]seller.Command, 0, len(cs))
	for _, c := range cs {
		out = append(out, seller.Command{Kind: seller.Kind(c.Op), Lang: concierge.Locale(c.Lang), Period: seller.Period(c.Period),
			Product: c.Product, N: c.N, Amount: c.Amount, ID: c.ID, Reason: c.Reason})
	}
	return out, nil
}

// SellerPusher is the seller's assistant's pusher; tests run its passes.
func (m *Main) SellerPusher() *seller.Pusher { return m.seller.pusher }

// runSeller applies confirmed changes and sends pushes until ctx ends.
func (m *Main) runSeller(ctx context.Context) {
	done := make(chan struct{})
	go func() { defer close(done); m.seller.pusher.Run(ctx) }()
	m.seller.applier.Run(ctx)
	<-done
}

// sellerCatalog finds a bot as the server runs it now: its live catalog's
// products and prices.
type sellerCatalog struct{ m *Main }

func (c sellerCatalog) Bot(id concierge.BotID) *concierge.Bot {
	// The live catalog's (API changes, url feeds), as customers see it.
	if c.m.Agent != nil {
		if shop := c.m.Agent.Shop(id); shop != nil {
			return shop.Current().Bot
		}
	}
	for _, b := range c.m.Bots {
		if b.ID == id {
			return b
		}
	}
	return nil
}

// Shops lists the bots the server runs (seller.ShopLister): a person who
// sees several runs them all from their linked chat.
func (c sellerCatalog) Shops() []concierge.BotID {
	out := make([]concierge.BotID, 0, len(c.m.Bots))
	for _, b := range c.m.Bots {
		out = append(out, b.ID)
	}
	return out
}

var _ seller.ShopLister = sellerCatalog{}

// sellerCatalogWriter changes a bot's live catalog through the same
// Upsert as the catalog API.
type sellerCatalogWriter struct{ m *Main }

var _ seller.CatalogWriter = sellerCatalogWriter{}

func (w sellerCatalogWriter) live(bot concierge.BotID) (*livecatalog.Catalog, error) {
	if lc := w.m.LiveCatalog(bot); lc != nil {
		return lc, nil
	}
	return nil, fmt.Errorf("bot %s has no live catalog", bot)
}

// SetPrice changes a price through the live catalog, as the catalog API
// does: the change is kept in the database and every replica applies it.
func (w sellerCatalogWriter) SetPrice(ctx context.Context, bot concierge.BotID, sku concierge.SKU, price concierge.Money) (concierge.Money, error) {
	lc := w.m.LiveCatalog(bot)
	if lc == nil {
		return concierge.Money{}, fmt.Errorf("set price: unknown bot %q", bot)
	}
	return lc.SetPrice(ctx, sku, price)
}

func (w sellerCatalogWriter) SetStock(ctx context.Context, bot concierge.BotID, sku concierge.SKU, n int) (int, error) {
	lc, err := w.live(bot)
	if err != nil {
		return 0, err
	}
	levels, err := w.m.DB.StockLevels(ctx, bot)
	if err != nil {
		return 0, err
	}
	return levels[sku], lc.Upsert(ctx, []livecatalog.Update{{SKU: sku, Stock: &n}})
}

// sellerInbox is the inbox's service as the applier uses it.
type sellerInbox struct{ svc *handoff.Service }

func (s sellerInbox) Claim(ctx context.Context, p *concierge.Person, conv concierge.ConversationID) error {
	return s.svc.Claim(ctx, p, conv)
}

func (s sellerInbox) HandBack(ctx context.Context, p *concierge.Person, conv concierge.ConversationID, to concierge.ConversationState, closing string) error {
	return s.svc.HandBack(ctx, p, conv, to, closing)
}

func (s sellerInbox) Decide(ctx context.Context, p *concierge.Person, id int64, approve bool, note string) (*concierge.Proposal, error) {
	return s.svc.Decide(ctx, p, id, handoff.Decision{Approve: approve, Note: note})
}

// sellerApplyStore adapts the SQL store to seller.ApplyStore.
type sellerApplyStore struct{ db *store.DB }

var _ seller.StockTx = (*store.Tx)(nil)

func (s sellerApplyStore) ClaimSellerChanges(ctx context.Context, limit int, lease time.Duration) ([]concierge.SellerChange, error) {
	return s.db.ClaimSellerChanges(ctx, limit, lease)
}

func (s sellerApplyStore) InTx(ctx context.Context, fn func(tx seller.StockTx) error) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error { return fn(tx) })
}

// sellerPushStore adapts the SQL store to seller.PushStore.
type sellerPushStore struct{ db *store.DB }

var _ seller.PushTx = (*store.Tx)(nil)

func (s sellerPushStore) InTx(ctx context.Context, fn func(tx seller.PushTx) error) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error { return fn(tx) })
}

package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/acp"
	"github.com/conciergehq/concierge/agentcommerce/httpsig"
	"github.com/conciergehq/concierge/agentcommerce/mcp"
	"github.com/conciergehq/concierge/agentcommerce/sqlagents"
	"github.com/conciergehq/concierge/agentcommerce/ucp"
	"github.com/conciergehq/concierge/internal/money"
)

// agentParts are the outside agents' protocols: one session
// core, UCP, ACP and MCP on their own mux, in front of webhooks' routes.
type agentParts struct {
	svc *agentcommerce.Service
	mux *http.ServeMux
	// webhooks send order events, one sender per protocol that some bot
	// gives a webhook_url.
	webhooks []*agentcommerce.Webhooks
	// feeds pushes ACP feeds to agents' Feed APIs, at start, on each
	// catalog change (catalogSink) and stock change from an order
	// (stockChanged) and every period, one replica per push
	// (agent_feed_pushes); nil when no bot has one.
	feeds atomic.Pointer[acp.FeedPusher]
}

// wireAgents builds the agents' shops from the bot files' agents
// sections and their HTTP handlers.
func (m *Main) wireAgents(ctx context.Context) error {
	var shops []*agentcommerce.Shop
	var ucpBots []concierge.BotID
	mcpBots := map[concierge.BotID]bool{}
	acpKeys := map[concierge.BotID][]string{}
	mcpKeys := map[concierge.BotID][]string{}
	acpHooks := map[concierge.BotID]acp.Endpoint{}
	acpSecrets := map[concierge.BotID][]byte{}
	var acpFeeds []acp.FeedPush
	ucpKeys := map[concierge.BotID]*httpsig.PrivateKey{}
	ucpRequire := map[concierge.BotID]bool{}
	ucpHooks := map[concierge.BotID]string{}
	simulation := map[concierge.BotID]string{}
	rate := 0
	for _, f := range m.Files {
		a := f.Agents
		if a == nil {
			continue
		}
		var bot *concierge.Bot
		for _, b := range m.Bots {
			if string(b.ID) == f.ID {
				bot = b
			}
		}
		if bot == nil {
			continue
		}
		shop := &agentcommerce.Shop{Bot: bot, Handlers: map[string]agentcommerce.Payer{}, TestMode: a.TestMode,
			WidgetURL: strings.TrimRight(m.BaseURL, "/") + "/chat/" + f.ID,
			// The live catalog's bot (API changes, url feeds), see catalog.go.
			Live: func() *concierge.Bot { return m.Agent.Shop(bot.ID).Bot },
			// The chat's ranked search, so that agents find what a
			// customer of the chat would (synonyms, typos, languages).
			Rank: m.chatRank(bot.ID), FindFunc: m.chatFind(bot.ID)}
		for _, o := range a.Shipping {
			price, err := money.Parse(o.Price, bot.Currency)
			if err != nil {
				return fmt.Errorf("bot %s: agents.shipping %s: %w", bot.ID, o.ID, err)
			}
			title := map[concierge.Locale]string{}
			for l, t := range o.Title {
				title[concierge.Locale(l)] = t
			}
			shop.Shipping = append(shop.Shipping, agentcommerce.ShippingOption{ID: o.ID, Title: title, Price: price, Countries: o.Countries, Days: o.Days, Level: o.Level})
		}
		if a.EscalateAbove != "" {
			v, err := money.Parse(a.EscalateAbove, bot.Currency)
			if err != nil {
				return fmt.Errorf("bot %s: agents.escalate_above: %w", bot.ID, err)
			}
			shop.EscalateAbove = v
		}
		// Each provider's wiring registered its agent payment handler
		// (run.go, whatsapp_stripe.go); config checked that every name
		// listed has its provider configured.
		for _, h := range a.PaymentHandlers {
			if p := m.Registry.AgentPayer(bot.ID, h); p != nil {
				shop.Handlers[h] = p
			}
		}
		if err := m.DB.SeedStock(ctx, bot.ID, shop.ShippingProducts()); err != nil {
			return err
		}
		shops = append(shops, shop)
		// Order announcements to agents' conversations stay in the
		// transcript; the agent reads the session.
		for _, p := range []agentcommerce.Protocol{agentcommerce.UCP, agentcommerce.ACP, agentcommerce.MCP} {
			m.Registry.AddChannel(bot.ID, p.Channel(), agentcommerce.Sender{})
		}
		if a.UCP != nil && a.UCP.Enabled {
			ucpBots = append(ucpBots, bot.ID)
			if a.UCP.SigningKey != "" {
				k, err := httpsig.ParsePrivateKey(a.UCP.SigningKey)
				if err != nil {
					return fmt.Errorf("bot %s: agents.ucp.signing_key: %w", bot.ID, err)
				}
				ucpKeys[bot.ID] = k
			}
			ucpRequire[bot.ID] = a.UCP.RequireSignatures
			if a.TestMode && a.SimulationSecret != "" {
				simulation[bot.ID] = a.SimulationSecret
			}
			if a.UCP.WebhookURL != "" {
				ucpHooks[bot.ID] = a.UCP.WebhookURL
				shop.OrderEvents = addEvents(shop.OrderEvents, agentcommerce.UCP)
			}
		}
		if a.ACP != nil && a.ACP.Enabled {
			acpKeys[bot.ID] = a.ACP.APIKeys
			acpFeeds = append(acpFeeds, acpFeedPushes(bot.ID, a.ACP)...)
			if a.ACP.SigningSecret != "" {
				acpSecrets[bot.ID] = []byte(a.ACP.SigningSecret)
			}
			if a.ACP.WebhookURL != "" {
				acpHooks[bot.ID] = acp.Endpoint{URL: a.ACP.WebhookURL, Secret: []byte(a.ACP.WebhookSecret)}
				shop.OrderEvents = addEvents(shop.OrderEvents, agentcommerce.ACP)
			}
		}
		if a.MCP != nil && a.MCP.Enabled {
			mcpBots[bot.ID] = true
			mcpKeys[bot.ID] = a.MCP.APIKeys
		}
		rate = max(rate, a.RatePerMinute)
	}
	if len(shops) == 0 {
		return nil
	}
	m.agents.svc = agentcommerce.New(sqlagents.Store{DB: m.DB}, sqlagents.Checkout{Service: m.Checkout}, shops)
	m.agents.svc.Log = m.Log
	m.agents.mux = http.NewServeMux()
	// One reader of the platforms' UCP profiles for both of UCP's
	// bindings: a platform that speaks REST and MCP costs one fetch per
	// TTL, and both read the same keys, version and order webhook. It
	// goes out with the agents' client (AgentWebhooks.Client; nil is its
	// own), as the order events do.
	profiles := &ucp.ProfileKeys{Client: m.AgentWebhooks.Client}
	ucpHandler := ucp.New(ucp.Config{Service: m.agents.svc, BaseURL: m.BaseURL, Bots: ucpBots, MCP: mcpBots, RatePerMinute: rate, Log: m.Log,
		SigningKeys: ucpKeys, RequireSignatures: ucpRequire, Keys: profiles, WebhookURLs: ucpHooks,
		SimulationSecrets: simulation, Shipped: m.wakeAgentWebhooks})
	ucpHandler.Register(m.agents.mux)
	acpHandler := acp.New(acp.Config{Service: m.agents.svc, BaseURL: m.BaseURL, Keys: acpKeys, SigningSecrets: acpSecrets, RatePerMinute: rate, Log: m.Log})
	acpHandler.Register(m.agents.mux)
	if len(acpFeeds) > 0 {
		m.agents.feeds.Store(acpHandler.FeedPusher(acp.FeedPushConfig{Pushes: acpFeeds, Claims: m.DB}))
		m.DB.OnStockChange(m.stockChanged)
	}
	mcp.New(mcp.Config{Service: m.agents.svc, BaseURL: m.BaseURL, Keys: mcpKeys, RatePerMinute: rate, Log: m.Log,
		Profiles: profiles, SigningKeys: ucpKeys}).Register(m.agents.mux)
	delivery := agentcommerce.WebhookConfig{Events: sqlagents.Events{DB: m.DB}, Log: m.Log, Client: m.AgentWebhooks.Client,
		MaxAttempts: m.AgentWebhooks.MaxAttempts, BaseDelay: m.AgentWebhooks.BaseDelay, MaxDelay: m.AgentWebhooks.MaxDelay,
		Poll: m.AgentWebhooks.Poll, Lease: m.AgentWebhooks.Lease, Timeout: m.AgentWebhooks.Timeout}
	if len(acpHooks) > 0 {
		m.agents.webhooks = append(m.agents.webhooks, acp.NewWebhooks(acp.WebhookConfig{Service: m.agents.svc, Endpoints: acpHooks, Delivery: delivery}))
	}
	// A bot with a signing key sends order events to the webhooks that
	// platforms' verified profiles declare, as well as to its own; those
	// of the checkouts such a platform makes over MCP are UCP's too
	// (agentcommerce.Session.EventsProtocol), sent by this sender.
	if len(ucpHooks) > 0 || len(ucpKeys) > 0 {
		d := delivery
		d.Protocol, d.Requests = agentcommerce.UCP, ucpHandler
		m.agents.webhooks = append(m.agents.webhooks, agentcommerce.NewWebhooks(d))
	}
	return nil
}

// addEvents is events with p's order events turned on.
func addEvents(events map[agentcommerce.Protocol]bool, p agentcommerce.Protocol) map[agentcommerce.Protocol]bool {
	if events == nil {
		events = map[agentcommerce.Protocol]bool{}
	}
	events[p] = true
	return events
}

// wakeAgentWebhooks makes the order events' senders look now, after a
// change they report.
func (m *Main) wakeAgentWebhooks() {
	for _, w := range m.agents.webhooks {
		w.Wake()
	}
}

// runAgentWebhooks sends the agents' order events, and pushes the ACP
// feeds, until ctx ends.
func (m *Main) runAgentWebhooks(ctx context.Context) {
	var wg sync.WaitGroup
	if p := m.agents.feeds.Load(); p != nil {
		wg.Go(func() { p.Run(ctx) })
	}
	for _, w := range m.agents.webhooks {
		wg.Go(func() { w.Run(ctx) })
	}
	wg.Wait()
}

// handler is the server's HTTP handler: the agents' routes, then
// everything webhooks serves.
func (m *Main) handler() http.Handler {
	if m.agents.mux == nil {
		return m.Server
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.HasPrefix(p, "/ucp/") || strings.HasPrefix(p, "/acp/") || p == "/mcp" || strings.HasPrefix(p, "/mcp/") || p == "/.well-known/ucp" ||
			strings.HasPrefix(p, "/testing/simulate-shipping/") {
			m.agents.mux.ServeHTTP(w, r)
			return
		}
		m.Server.ServeHTTP(w, r)
	})
}

// chatFind is chatRank with the agents' filters, and the facets of every
// product found (catalog.Index.Faceted): agentcommerce.Shop.FindFunc.
func (m *Main) chatFind(bot concierge.BotID) func(query string, f agentcommerce.Filter) ([]concierge.SKU, concierge.Facets, error) {
	return func(query string, f agentcommerce.Filter) ([]concierge.SKU, concierge.Facets, error) {
		q := catalog.Query{Text: query, Categories: f.Categories, PriceMin: f.PriceMin, PriceMax: f.PriceMax,
			Attrs: f.Attrs, Ranges: f.Ranges, InStockOnly: f.InStock}
		if err := q.Check(); err != nil {
			return nil, concierge.Facets{}, err
		}
		sh := m.Agent.Shop(bot)
		if sh == nil || sh.Catalog == nil {
			return nil, concierge.Facets{}, nil
		}
		hits, facets := sh.Catalog.Faceted(q)
		out := make([]concierge.SKU, len(hits))
		for i, h := range hits {
			out[i] = h.SKU
		}
		return out, facets, nil
	}
}

// chatRank is the chat's product search (agent/catalog, over the bot's
// latest catalog, as the brain's search tool reads it) for the agents'
// catalog search: agentcommerce.Shop.Rank. The SKUs come best first, every
// product found (the protocols page through them); filters are the
// protocols' own.
func (m *Main) chatRank(bot concierge.BotID) func(query string) []concierge.SKU {
	return func(query string) []concierge.SKU {
		sh := m.Agent.Shop(bot)
		if sh == nil || sh.Catalog == nil {
			return nil
		}
		hits := sh.Catalog.Search(catalog.Query{Text: query})
		out := make([]concierge.SKU, len(hits))
		for i, h := range hits {
			out[i] = h.SKU
		}
		return out
	}
}

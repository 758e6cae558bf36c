package agentcommerce

import (
	"slices"
	"strings"
	"sync"

	"github.com/conciergehq/concierge"
)

// Shop is what agents may buy from one bot, as its bot file says.
type Shop struct {
	Bot      *concierge.Bot
	Shipping []ShippingOption
	// Handlers are the payment handlers offered, by id (the names of the
	// bot file's agents.payment_handlers), each with its Payer.
	Handlers map[string]Payer
	// TestMode accepts the conformance suite's mock_payment_handler as the
	// sandbox.
	TestMode bool
	// EscalateAbove, when positive, sends sessions whose total is above it
	// to the buyer (requires_escalation) instead of completing them.
	EscalateAbove concierge.Money
	// WidgetURL is the bot's web chat, where continue_url points.
	WidgetURL string
	// Live, if set, returns the bot as of its latest catalog (prices and
	// products changed through the catalog API or a refreshed feed, see
	// package livecatalog); Service.Shop then serves that one. Nil: Bot
	// is fixed.
	Live func() *concierge.Bot
	// Rank, if set, returns the SKUs of the products a query finds, best
	// first, as the chat's search finds and ranks them (synonyms across
	// the shop's languages, typos, kinds of product, SKUs; server wires
	// the bot's agent/catalog index, as of its latest catalog). Search
	// uses it for a query with words; nil keeps Search's word match in
	// catalog order. For a given catalog and query it must return the
	// same order every time: the protocols' pages are offsets into it.
	Rank func(query string) []concierge.SKU
	// FindFunc, if set, is Rank with filters: the SKUs of the products
	// query finds that pass f, best first (every product passing f for
	// an empty query, in catalog order), and the facets of them all
	// (server wires the bot's agent/catalog index, Index.Faceted). Find
	// uses it; nil filters Search's products in Find and counts no
	// facets. The same order for the same catalog, query and filter. An
	// error says why f is not a filter (a bad range), in words an agent
	// can read; nothing is found.
	FindFunc func(query string, f Filter) ([]concierge.SKU, concierge.Facets, error)
	// OrderEvents are the protocols whose agents are sent order events
	// (ACP's webhook_url): completing a session of one queues an
	// OrderCreate, and later changes of its order OrderUpdates.
	OrderEvents map[Protocol]bool

	priced *concierge.Bot
	cache  *pricedCache
}

// pricedCache keeps the priced bot of the latest live bot, so that a
// request builds it only when the catalog changed.
type pricedCache struct {
	mu     sync.Mutex
	bot    *concierge.Bot
	priced *concierge.Bot
}

// current returns s as of its latest catalog: a copy whose Bot is Live's,
// or s itself when it has no Live.
func (s *Shop) current() *Shop {
	if s == nil || s.Live == nil {
		return s
	}
	b := s.Live()
	if b == nil || b == s.Bot {
		return s
	}
	c := *s
	c.Bot, c.cache, c.priced = b, nil, nil
	if s.cache == nil { // not built by New: no cache to share
		return &c
	}
	s.cache.mu.Lock()
	if s.cache.bot != b {
		s.cache.bot, s.cache.priced = b, c.pricedBot()
	}
	c.priced = s.cache.priced
	s.cache.mu.Unlock()
	return &c
}

// ShippingOption is a way to deliver physical goods, offered to agents.
type ShippingOption struct {
	ID        string
	Title     map[concierge.Locale]string
	Price     concierge.Money
	Countries []string // ISO 3166-1 alpha-2; empty means anywhere
	Days      string   // such as "2-4"
	// Level is the service level (standard, express…); see Shop.Serves.
	Level string
}

// Serves reports whether o delivers to country.
func (o ShippingOption) Serves(country string) bool {
	return len(o.Countries) == 0 || slices.Contains(o.Countries, strings.ToUpper(country))
}

// Serves reports whether the shop offers o for delivery to country: o
// delivers there and, when o serves anywhere, no option of its service
// level names the country. A country's own rate replaces the default one
// of its level, as the UCP samples' flower shop prices shipping
// (exp-ship-us for the US, exp-ship-intl elsewhere).
func (s *Shop) Serves(o ShippingOption, country string) bool {
	if !o.Serves(country) {
		return false
	}
	if len(o.Countries) > 0 || o.Level == "" {
		return true
	}
	for _, x := range s.Shipping {
		if x.ID != o.ID && x.Level == o.Level && len(x.Countries) > 0 && x.Serves(country) {
			return false
		}
	}
	return true
}

// ShippingSKU is the SKU of the order line that charges shipping option
// id: the order's total then includes shipping, so the payment applied
// is the whole amount.
func ShippingSKU(id string) concierge.SKU { return concierge.SKU("shipping:" + id) }

// ShippingStock is the stock seeded for shipping lines, which never run
// out.
const ShippingStock = 1_000_000_000

// ShippingProducts returns the catalog entries of the shop's shipping
// options, whose stock cmd seeds.
func (s *Shop) ShippingProducts() []concierge.Product {
	out := make([]concierge.Product, 0, len(s.Shipping))
	for _, o := range s.Shipping {
		name := map[concierge.Locale]string{}
		for l, t := range o.Title {
			name[l] = t
		}
		out = append(out, concierge.Product{SKU: ShippingSKU(o.ID), Name: name, Price: o.Price, Stock: ShippingStock, Digital: true})
	}
	return out
}

// pricedBot is the bot with the shipping options as products, which is
// what orders are placed against.
func (s *Shop) pricedBot() *concierge.Bot {
	if s.priced == nil {
		b := *s.Bot
		b.Products = append(slices.Clone(s.Bot.Products), s.ShippingProducts()...)
		s.priced = &b
	}
	return s.priced
}

// Option returns the shipping option id, or nil.
func (s *Shop) Option(id string) *ShippingOption {
	for i := range s.Shipping {
		if s.Shipping[i].ID == id {
			return &s.Shipping[i]
		}
	}
	return nil
}

// HandlerIDs are the ids of the payment handlers offered, sorted.
func (s *Shop) HandlerIDs() []string {
	ids := make([]string, 0, len(s.Handlers))
	for id := range s.Handlers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// payer returns the Payer of handler id; mock_payment_handler is the
// sandbox in test mode.
func (s *Shop) payer(id string) Payer {
	if id == "mock_payment_handler" && s.TestMode {
		id = SandboxHandler
	}
	return s.Handlers[id]
}

// Presentation is how the protocols show handler id: as its Payer says
// if it is a Presenter, else as dev.concierge.<id>.
func (s *Shop) Presentation(id string) Presentation {
	if p, ok := s.Handlers[id].(Presenter); ok {
		return p.Presentation()
	}
	return Presentation{Name: "dev.concierge." + id, Display: id}
}

// Search returns the products query finds, at most limit of them (0:
// all). With Rank and words in query, they are the chat's ranked results,
// best first; otherwise (or for an empty query, which lists every
// product) those whose name, description, category, tags or SKU contain
// every word of query, in catalog order. A variant group is one product:
// only its first variant found is listed (Variants gives the others), so
// with Rank the variant the query names best stands for its group.
func (s *Shop) Search(query string, limit int) []*concierge.Product {
	if s.Rank != nil && strings.TrimSpace(query) != "" {
		return s.ranked(query, limit)
	}
	words := strings.Fields(strings.ToLower(query))
	var out []*concierge.Product
	groups := map[string]bool{} // listed
	for i := range s.Bot.Products {
		p := &s.Bot.Products[i]
		if p.Group != "" && groups[p.Group] {
			continue
		}
		var text strings.Builder
		text.WriteString(strings.ToLower(string(p.SKU) + " " + p.Category + " " + strings.Join(p.Tags, " ")))
		for _, n := range p.Name {
			text.WriteString(" " + strings.ToLower(n))
		}
		for _, d := range p.Description {
			text.WriteString(" " + strings.ToLower(d))
		}
		hay := text.String()
		ok := true
		for _, w := range words {
			if !strings.Contains(hay, w) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, p)
			if p.Group != "" {
				groups[p.Group] = true
			}
			if len(out) == limit {
				break
			}
		}
	}
	return out
}

// ranked is Search through Rank. A SKU Rank returns that s's catalog does
// not hold (the two are read at different moments, around a catalog
// change) is skipped.
func (s *Shop) ranked(query string, limit int) []*concierge.Product {
	return s.listed(s.Rank(query), limit)
}

// listed returns the products of hits, a group once (by its first
// variant in hits), at most limit (0: all).
func (s *Shop) listed(hits []concierge.SKU, limit int) []*concierge.Product {
	if len(hits) == 0 {
		return nil
	}
	bySKU := make(map[concierge.SKU]*concierge.Product, len(s.Bot.Products))
	for i := range s.Bot.Products {
		bySKU[s.Bot.Products[i].SKU] = &s.Bot.Products[i]
	}
	var out []*concierge.Product
	groups := map[string]bool{} // listed
	for _, sku := range hits {
		p := bySKU[sku]
		if p == nil || p.Group != "" && groups[p.Group] {
			continue
		}
		out = append(out, p)
		if p.Group != "" {
			groups[p.Group] = true
		}
		if len(out) == limit {
			break
		}
	}
	return out
}

// Variants returns the products of p's variant group (the sizes and
// colours of one thing: concierge.Product.Group), in catalog order, and
// the attributes whose values differ between them (sorted), which are
// what a buyer chooses. It returns nil when p's group has no other
// product.
func (s *Shop) Variants(p *concierge.Product) (variants []*concierge.Product, axes []string) {
	if p.Group == "" {
		return nil, nil
	}
	for i := range s.Bot.Products {
		if q := &s.Bot.Products[i]; q.Group == p.Group {
			variants = append(variants, q)
		}
	}
	if len(variants) < 2 {
		return nil, nil
	}
	keys := map[string]bool{}
	for _, v := range variants {
		for k := range v.Attrs {
			keys[k] = true
		}
	}
	for k := range keys {
		first := strings.TrimSpace(variants[0].Attrs[k])
		for _, v := range variants[1:] {
			if !strings.EqualFold(strings.TrimSpace(v.Attrs[k]), first) {
				axes = append(axes, k)
				break
			}
		}
	}
	slices.Sort(axes)
	return variants, axes
}

// Options are the values of axes that p has: what tells it apart from
// the other variants of its group.
func Options(p *concierge.Product, axes []string) map[string]string {
	if len(axes) == 0 {
		return nil
	}
	out := make(map[string]string, len(axes))
	for _, k := range axes {
		if v := strings.TrimSpace(p.Attrs[k]); v != "" {
			out[k] = v
		}
	}
	return out
}

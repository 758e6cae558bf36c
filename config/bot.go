package config

import (
	"maps"
	"slices"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/catalogfeed"
	"github.com/conciergehq/concierge/internal/money"
)

// Bot converts f into the domain's view of a bot: prices in minor units,
// the refund limit as Money, the order TTL as a time.Duration. Channel and
// payment credentials are not part of it; the caller hands them to the
// adapters and providers.
//
// f is expected to come from Load, which applied the defaults and checked
// every value; for a File built in code, a value that does not parse
// becomes zero.
func (f *File) Bot() *concierge.Bot {
	b := &concierge.Bot{
		ID:       concierge.BotID(f.ID),
		Name:     f.Name,
		Currency: f.Currency,
		Brain:    f.Brain.Kind,
		Handoff: concierge.HandoffPolicy{
			Keywords:            slices.Clone(f.Handoff.Keywords),
			AfterFailedTurns:    f.Handoff.AfterFailedTurns,
			AfterFailedPayments: f.Handoff.AfterFailedPayments,
			BusinessHours:       f.Handoff.BusinessHours,
			OfferPersonAtStart:  f.Handoff.OfferPersonAtStart,
		},
		Policies: concierge.Policies{
			RefundAutoApproveBelow: concierge.Money{Currency: f.Currency},
			RefundWindowDays:       f.Policies.Refunds.WindowDays,
			RetentionDays:          f.Policies.RetentionDays,
			MaxQuantity:            f.Policies.MaxQuantity,
		},
	}
	for _, l := range f.Locales {
		b.Locales = append(b.Locales, concierge.Locale(l))
	}
	if f.Policies.Consent.Before != "never" {
		b.Policies.ConsentBefore = f.Policies.Consent.Before
	}
	if m, err := money.Parse(f.Policies.Refunds.AutoApproveBelow, f.Currency); err == nil {
		b.Policies.RefundAutoApproveBelow = m
	}
	if d, err := time.ParseDuration(f.Policies.OrderTTL); err == nil {
		b.Policies.OrderTTL = d
	}
	for _, r := range f.Handoff.CannedReplies {
		b.Handoff.CannedReplies = append(b.Handoff.CannedReplies, concierge.CannedReply{Title: r.Title, Text: localized(r.Text)})
	}
	// The bot file's products first, then its sources' (see sources.go).
	var cat catalogfeed.Catalog
	for _, p := range f.Catalog.Products {
		cat.AddProduct(p.product(f.Currency))
	}
	for _, it := range f.feeds {
		cat.Add(it)
	}
	// A product a file leaves nameless or unpriced waits for the url
	// feeds (see incomplete): the server sells it once they complete it.
	b.Products = slices.DeleteFunc(cat.Products(), func(p concierge.Product) bool { return cat.Missing(p.SKU) != 0 })
	if b.Products == nil {
		b.Products = []concierge.Product{}
	}
	return b
}

// product converts one catalog entry.
func (p *Product) product(currency string) concierge.Product {
	price, err := money.Parse(p.Price, currency)
	if err != nil {
		price = concierge.Money{Currency: currency}
	}
	return concierge.Product{
		SKU:         concierge.SKU(p.SKU),
		Name:        localized(p.Name),
		Description: localized(p.Description),
		Category:    p.Category,
		Price:       price,
		Stock:       p.Stock,
		Tags:        slices.Clone(p.Tags),
		Image:       p.Image,
		Digital:     p.Digital,
		Attrs:       maps.Clone(p.Attrs),
		Group:       p.Group,
	}
}

// localized converts per-locale texts, keeping nil as nil.
func localized(m map[string]string) map[concierge.Locale]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[concierge.Locale]string, len(m))
	for l, s := range m {
		out[concierge.Locale(l)] = s
	}
	return out
}

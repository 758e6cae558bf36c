package acp

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
)

// The 2026-04-17 product feed (spec/2026-04-17/json-schema/schema.feed.json):
// products grouping purchasable variants. The same shapes are served by
// GET /acp/{bot}/feed with API-Version 2026-04-17 and pushed to an
// agent's Feed API by FeedAPI.

// FeedProduct is the schema's Product: a Concierge variant group
// (concierge.Product.Group with two variants or more, its id the
// group's), or a product without variants (its id its SKU, its own only
// variant), as UCP's catalog makes them.
type FeedProduct struct {
	ID          string        `json:"id"`
	Title       string        `json:"title,omitempty"`
	Description *FeedText     `json:"description,omitempty"`
	URL         string        `json:"url,omitempty"`
	Media       []FeedMedia   `json:"media,omitempty"`
	Variants    []FeedVariant `json:"variants"`
}

// FeedVariant is the schema's Variant: one SKU, the id a checkout's item
// takes.
type FeedVariant struct {
	ID             string            `json:"id"`
	Title          string            `json:"title"`
	Description    *FeedText         `json:"description,omitempty"`
	URL            string            `json:"url,omitempty"`
	Price          *FeedPrice        `json:"price,omitempty"`
	Availability   *FeedAvailability `json:"availability,omitempty"`
	Categories     []FeedCategory    `json:"categories,omitempty"`
	VariantOptions []FeedOption      `json:"variant_options,omitempty"`
	Media          []FeedMedia       `json:"media,omitempty"`
	Seller         *FeedSeller       `json:"seller,omitempty"`
}

// FeedText is the schema's Description (Concierge's are plain text).
type FeedText struct {
	Plain string `json:"plain"`
}

// FeedPrice is an amount in minor units and its ISO 4217 code.
type FeedPrice struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// FeedAvailability says whether a variant can be bought now.
type FeedAvailability struct {
	Available bool   `json:"available"`
	Status    string `json:"status"`
}

// FeedMedia is an image.
type FeedMedia struct {
	Type    string `json:"type"`
	URL     string `json:"url"`
	AltText string `json:"alt_text,omitempty"`
}

// FeedCategory is a category in the merchant's own taxonomy.
type FeedCategory struct {
	Value    string `json:"value"`
	Taxonomy string `json:"taxonomy,omitempty"`
}

// FeedOption is one option of a variant, such as size 41.
type FeedOption struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// FeedSeller is the merchant of record.
type FeedSeller struct {
	Name string `json:"name,omitempty"`
}

// Availability statuses the feed writes (the schema's known values).
const (
	statusInStock    = "in_stock"
	statusOutOfStock = "out_of_stock"
	// statusDiscontinued marks, when pushing, a product the agent still
	// has that the catalog no longer sells: the Feed API cannot delete.
	statusDiscontinued = "discontinued"
)

// Products is bot's catalog as 2026-04-17 feed products in loc (the
// bot's default locale for text the product lacks in loc), with live
// stock. It is nil for a bot the handler does not serve.
func (h *Handler) Products(ctx context.Context, bot concierge.BotID, loc concierge.Locale) ([]FeedProduct, error) {
	shop := h.cfg.Service.Shop(bot)
	if shop == nil {
		return nil, nil
	}
	skus := make([]concierge.SKU, len(shop.Bot.Products))
	for i := range shop.Bot.Products {
		skus[i] = shop.Bot.Products[i].SKU
	}
	var free map[concierge.SKU]int
	err := h.cfg.Service.View(ctx, func(tx agentcommerce.Tx) error {
		var err error
		free, err = agentcommerce.Stocks(ctx, tx, bot, skus)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("acp: feed stock of %s: %w", bot, err)
	}
	out := make([]FeedProduct, 0, len(shop.Bot.Products))
	done := map[string]bool{} // groups already written
	for i := range shop.Bot.Products {
		p := &shop.Bot.Products[i]
		vs, axes := shop.Variants(p)
		if vs == nil {
			out = append(out, h.feedGroup(shop, string(p.SKU), []*concierge.Product{p}, nil, free, loc))
			continue
		}
		if done[p.Group] {
			continue
		}
		done[p.Group] = true
		out = append(out, h.feedGroup(shop, p.Group, vs, axes, free, loc))
	}
	return out, nil
}

// feedGroup is the product id of variants vs, whose options are axes.
// Its text is its first variant's, as all variants of a group share
// their name.
func (h *Handler) feedGroup(shop *agentcommerce.Shop, id string, vs []*concierge.Product, axes []string, free map[concierge.SKU]int, loc concierge.Locale) FeedProduct {
	def := shop.Bot.DefaultLocale()
	first := vs[0]
	fp := FeedProduct{ID: id, Title: first.Title(loc, def), Description: feedText(concierge.LocalText(first.Description, loc, def)), URL: shop.WidgetURL}
	seen := map[string]bool{}
	for _, v := range vs {
		if v.Image != "" && !seen[v.Image] {
			seen[v.Image] = true
			fp.Media = append(fp.Media, FeedMedia{Type: "image", URL: h.absolute(v.Image), AltText: v.Title(loc, def)})
		}
	}
	for _, v := range vs {
		fp.Variants = append(fp.Variants, h.feedVariant(shop, v, axes, free[v.SKU], loc))
	}
	return fp
}

func (h *Handler) feedVariant(shop *agentcommerce.Shop, v *concierge.Product, axes []string, free int, loc concierge.Locale) FeedVariant {
	def := shop.Bot.DefaultLocale()
	title := v.Title(loc, def)
	fv := FeedVariant{ID: string(v.SKU), Description: feedText(concierge.LocalText(v.Description, loc, def)),
		// The web chat has no link that opens it on a product (the
		// widget reads no query), so every variant links to the shop's
		// chat, where the buyer can ask about it.
		URL: shop.WidgetURL,
	}
	var labels []string
	for _, a := range axes { // sorted, so the options are stable
		if val := strings.TrimSpace(v.Attrs[a]); val != "" {
			fv.VariantOptions = append(fv.VariantOptions, FeedOption{Name: a, Value: val})
			labels = append(labels, val)
		}
	}
	// As the spec's example names them: "Classic Tee - Red / Small".
	if len(labels) > 0 {
		title += " - " + strings.Join(labels, " / ")
	}
	fv.Title = title
	// A product without a price cannot be bought through the checkout;
	// an amount of 0 would read as free, so it has none.
	if v.Price.Minor > 0 {
		cur := v.Price.Currency
		if cur == "" {
			cur = shop.Bot.Currency
		}
		fv.Price = &FeedPrice{Amount: v.Price.Minor, Currency: strings.ToUpper(cur)}
	}
	free = max(free, 0)
	fv.Availability = &FeedAvailability{Available: free > 0 && fv.Price != nil, Status: statusInStock}
	if free == 0 {
		fv.Availability.Status = statusOutOfStock
	}
	if v.Category != "" {
		fv.Categories = []FeedCategory{{Value: v.Category, Taxonomy: "merchant"}}
	}
	if v.Image != "" {
		fv.Media = []FeedMedia{{Type: "image", URL: h.absolute(v.Image), AltText: v.Title(loc, def)}}
	}
	if shop.Bot.Name != "" {
		fv.Seller = &FeedSeller{Name: shop.Bot.Name}
	}
	return fv
}

// feedText is a Description, or nil for none (the schema wants at least one
// of its fields).
func feedText(s string) *FeedText {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	return &FeedText{Plain: s}
}

// feedLocale is the language a served feed is written in. The feed spec
// has no language field (the RFC has a merchant publish one feed per
// language), so the request chooses: ?locale= names one of the bot's
// languages (a regional tag such as en-GB is its base language), and
// another is refused with 400 invalid at param locale, naming the bot's
// languages; without it, the first language of Accept-Language when the
// bot speaks it, else the bot's default (content negotiation falls back,
// an explicit choice does not).
func feedLocale(w http.ResponseWriter, r *http.Request, shop *agentcommerce.Shop) (concierge.Locale, bool) {
	langs := shop.Bot.Locales
	if len(langs) == 0 {
		langs = []concierge.Locale{shop.Bot.DefaultLocale()}
	}
	if q, asked := r.URL.Query()["locale"]; asked {
		tag := strings.ToLower(strings.TrimSpace(q[0]))
		if !languageTag.MatchString(tag) {
			fail(w, http.StatusBadRequest, "invalid", "locale must be a language tag such as fr or en-GB", "locale")
			return "", false
		}
		base, _, _ := strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-")
		if l := concierge.Locale(base); slices.Contains(langs, l) {
			return l, true
		}
		names := make([]string, len(langs))
		for i, l := range langs {
			names[i] = string(l)
		}
		fail(w, http.StatusBadRequest, "invalid", fmt.Sprintf("locale %q is not one of this shop's languages (%s)", tag, strings.Join(names, ", ")), "locale")
		return "", false
	}
	if l := concierge.Locale(strings.ToLower(string(locale(r)))); l != "" && slices.Contains(langs, l) {
		return l, true
	}
	return shop.Bot.DefaultLocale(), true
}

// languageTag is what ?locale= takes: a BCP 47 language, optionally with
// subtags (en, en-GB, zh-Hant-TW; _ is read as -).
var languageTag = regexp.MustCompile(`^[a-z]{2,3}([-_][a-z0-9]{1,8})*$`)

// nestedFeed answers GET /acp/{bot}/feed for API-Version 2026-04-17 in
// loc: the schema's ProductsResponse.
func (h *Handler) nestedFeed(w http.ResponseWriter, r *http.Request, bot concierge.BotID, loc concierge.Locale) {
	products, err := h.Products(r.Context(), bot, loc)
	if err != nil {
		h.cfg.Log.Error("acp: feed", "bot", bot, "err", err)
		fail(w, http.StatusInternalServerError, "internal_error", "internal error", "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"products": products})
}

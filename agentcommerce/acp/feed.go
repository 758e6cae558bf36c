package acp

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/internal/money"
)

// feedProduct is one product of OpenAI's Agentic Commerce product feed:
// the eligibility flags, the offer (price, availability, live stock) and
// the links. Prices are "49.00 EUR", as the feed format writes them.
type feedProduct struct {
	EnableSearch      string   `json:"enable_search"`
	EnableCheckout    string   `json:"enable_checkout"`
	ID                string   `json:"id"`
	Title             string   `json:"title"`
	Description       string   `json:"description,omitempty"`
	Link              string   `json:"link"`
	ImageLink         string   `json:"image_link,omitempty"`
	Price             string   `json:"price"`
	Availability      string   `json:"availability"`
	InventoryQuantity int      `json:"inventory_quantity"`
	ProductCategory   string   `json:"product_category,omitempty"`
	Tags              []string `json:"tags,omitempty"`
	SellerName        string   `json:"seller_name,omitempty"`
	SellerURL         string   `json:"seller_url,omitempty"`
	// A variant (a size, a colour) is its own item sharing its group's
	// item_group_id, as the feed spec groups them; color and size are
	// the spec's fields, other attributes that differ between the
	// variants its Custom_variantN_category/option pairs (at most 3).
	ItemGroupID    string `json:"item_group_id,omitempty"`
	ItemGroupTitle string `json:"item_group_title,omitempty"`
	Color          string `json:"color,omitempty"`
	Size           string `json:"size,omitempty"`
	Variant1       string `json:"Custom_variant1_category,omitempty"`
	Variant1Option string `json:"Custom_variant1_option,omitempty"`
	Variant2       string `json:"Custom_variant2_category,omitempty"`
	Variant2Option string `json:"Custom_variant2_option,omitempty"`
	Variant3       string `json:"Custom_variant3_category,omitempty"`
	Variant3Option string `json:"Custom_variant3_option,omitempty"`
}

// flatVersions are the API versions answered with the flat feed: the
// released versions before 2026-04-17, which define no feed of their own
// (the flat product feed spec is unversioned), and no API-Version at all,
// as the feed was served before versions were asked of it.
var flatVersions = []string{"", "2025-09-29", "2025-12-12", "2026-01-16", "2026-01-30"}

// feed serves the bot's catalog, with live stock, in the feed format of
// the request's API-Version: 2026-04-17's products with variants
// (nestedFeed), or the flat feed of earlier versions (flatFeed). Another
// version is refused as the checkout refuses it. Its language is
// feedLocale's: ?locale= (one of the bot's, or 400), else
// Accept-Language, else the bot's default.
func (h *Handler) feed(w http.ResponseWriter, r *http.Request) {
	bot, _, ok := h.authorize(w, r)
	if !ok {
		return
	}
	v := r.Header.Get("API-Version")
	if v != Version && !slices.Contains(flatVersions, v) {
		fail(w, http.StatusBadRequest, "unsupported_api_version", "API-Version must be "+Version+" (or an earlier version for the flat feed)", "")
		return
	}
	loc, ok := feedLocale(w, r, h.cfg.Service.Shop(bot))
	if !ok {
		return
	}
	w.Header().Set("Content-Language", string(loc))
	if v == Version {
		h.nestedFeed(w, r, bot, loc)
	} else {
		h.flatFeed(w, r, bot, loc)
	}
}

// flatFeed is the flat product feed in loc: every product is searchable;
// one is eligible for checkout while it has stock and a price. Links open
// the bot's web chat.
func (h *Handler) flatFeed(w http.ResponseWriter, r *http.Request, bot concierge.BotID, loc concierge.Locale) {
	shop := h.cfg.Service.Shop(bot)
	products := make([]feedProduct, 0, len(shop.Bot.Products))
	err := h.cfg.Service.View(r.Context(), func(tx agentcommerce.Tx) error {
		for i := range shop.Bot.Products {
			p := &shop.Bot.Products[i]
			free, err := tx.Stock(r.Context(), bot, p.SKU)
			if err != nil {
				return err
			}
			products = append(products, h.feedProduct(shop, p, loc, free))
		}
		return nil
	})
	if err != nil {
		h.cfg.Log.Error("acp: feed", "bot", bot, "err", err)
		fail(w, http.StatusInternalServerError, "internal_error", "internal error", "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"products": products})
}

func (h *Handler) feedProduct(shop *agentcommerce.Shop, p *concierge.Product, loc concierge.Locale, free int) feedProduct {
	free = max(free, 0)
	def := shop.Bot.DefaultLocale()
	avail, eligible := "in_stock", free > 0 && p.Price.Minor > 0
	if free == 0 {
		avail = "out_of_stock"
	}
	fp := feedProduct{
		EnableSearch: "true", EnableCheckout: fmt.Sprint(eligible),
		ID: string(p.SKU), Title: p.Title(loc, def), Description: concierge.LocalText(p.Description, loc, def),
		Link:  shop.WidgetURL + "?product=" + url.QueryEscape(string(p.SKU)),
		Price: decimal(p.Price), Availability: avail, InventoryQuantity: free,
		ProductCategory: p.Category, Tags: p.Tags,
		SellerName: shop.Bot.Name, SellerURL: shop.WidgetURL,
	}
	if p.Image != "" {
		fp.ImageLink = h.absolute(p.Image)
	}
	if _, axes := shop.Variants(p); axes != nil {
		fp.ItemGroupID, fp.ItemGroupTitle = p.Group, fp.Title
		opts := agentcommerce.Options(p, axes)
		custom := []struct{ category, option *string }{{&fp.Variant1, &fp.Variant1Option}, {&fp.Variant2, &fp.Variant2Option}, {&fp.Variant3, &fp.Variant3Option}}
		n := 0
		for _, k := range axes { // sorted, so the custom pairs are stable
			v := opts[k]
			switch l := strings.ToLower(k); {
			case v == "":
			case l == "color" || l == "colour":
				fp.Color = v
			case l == "size":
				fp.Size = v
			case n < len(custom):
				*custom[n].category, *custom[n].option = k, v
				n++
			}
		}
	}
	return fp
}

// decimal writes m as the feed does: "49.00 EUR".
func decimal(m concierge.Money) string {
	digits, ok := money.Digits(m.Currency)
	if !ok {
		digits = 2
	}
	n, sign := m.Minor, ""
	if n < 0 {
		n, sign = -n, "-"
	}
	if digits == 0 {
		return fmt.Sprintf("%s%d %s", sign, n, m.Currency)
	}
	div := int64(1)
	for range digits {
		div *= 10
	}
	return fmt.Sprintf("%s%d.%0*d %s", sign, n/div, digits, n%div, strings.ToUpper(m.Currency))
}

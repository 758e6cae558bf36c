package ucp

import (
	"net/http"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/httpsig"
)

type total struct {
	Type   string `json:"type"`
	Amount int64  `json:"amount"`
}

// render is the UCP checkout object of s.
func (h *Handler) render(s *agentcommerce.Session) map[string]any {
	shop := h.cfg.Service.Shop(s.Bot)
	lines := make([]map[string]any, 0, len(s.Lines))
	ids := make([]string, 0, len(s.Lines))
	for _, l := range s.Lines {
		item := map[string]any{"id": string(l.SKU), "title": l.Title, "price": l.Unit.Minor}
		if l.Image != "" {
			item["image_url"] = h.absolute(l.Image)
		}
		lines = append(lines, map[string]any{"id": l.ID, "item": item, "quantity": l.Quantity,
			"totals": []total{{"subtotal", l.Total.Minor}, {"total", l.Total.Minor}}})
		ids = append(ids, l.ID)
	}
	totals := []total{{"subtotal", s.Subtotal.Minor}}
	if s.ShippingID != "" {
		totals = append(totals, total{"fulfillment", s.ShippingCost.Minor})
	}
	totals = append(totals, total{"total", s.Total.Minor})
	out := map[string]any{
		"ucp":        h.envelope(s.Bot),
		"id":         s.ID,
		"status":     string(s.Status),
		"currency":   s.Currency,
		"line_items": lines,
		"totals":     totals,
		"messages":   messages(s.Messages),
		"links":      []any{},
		"payment":    map[string]any{"instruments": []any{}},
	}
	if !s.ExpiresAt.IsZero() {
		out["expires_at"] = s.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z07:00")
	}
	if b := s.Buyer; b != (agentcommerce.Buyer{}) {
		out["buyer"] = map[string]any{"email": b.Email, "first_name": b.FirstName, "last_name": b.LastName, "phone_number": b.Phone}
	}
	if s.Physical(shop) && len(shop.Shipping) > 0 {
		out["fulfillment"] = fulfillment(shop, s, ids)
	}
	if u := h.cfg.Service.ContinueURL(s); u != "" {
		out["continue_url"] = u
	}
	if s.Status == agentcommerce.StatusCompleted {
		out["order"] = map[string]any{"id": string(s.Order), "permalink_url": h.cfg.Service.ContinueURL(s)}
	}
	return out
}

func messages(ms []agentcommerce.Message) []map[string]any {
	out := make([]map[string]any, 0, len(ms))
	for _, m := range ms {
		x := map[string]any{"type": m.Type, "code": m.Code, "content": m.Content}
		if m.Path != "" {
			x["path"] = m.Path
		}
		if m.Severity != "" {
			x["severity"] = m.Severity
		}
		out = append(out, x)
	}
	return out
}

// fulfillment is UCP's fulfillment extension of s: one shipping method,
// one group, the shop's options that serve the destination.
func fulfillment(shop *agentcommerce.Shop, s *agentcommerce.Session, ids []string) map[string]any {
	var opts []map[string]any
	for _, o := range shop.Shipping {
		if s.Address != nil && !shop.Serves(o, s.Address.Country) {
			continue
		}
		x := map[string]any{"id": o.ID, "title": concierge.LocalText(o.Title, s.Locale, shop.Bot.DefaultLocale()),
			"totals": []total{{"total", o.Price.Minor}}}
		if o.Days != "" {
			x["description"] = "Arrives in " + o.Days + " business days"
		}
		opts = append(opts, x)
	}
	group := map[string]any{"id": "package_1", "line_item_ids": ids, "options": opts}
	if s.ShippingID != "" {
		group["selected_option_id"] = s.ShippingID
	}
	method := map[string]any{"id": "shipping_1", "type": "shipping", "line_item_ids": ids, "groups": []any{group}, "destinations": []any{}}
	if a := s.Address; a != nil {
		method["destinations"] = []any{map[string]any{"id": "dest_1", "street_address": a.Line1, "extended_address": a.Line2,
			"address_locality": a.City, "address_region": a.Region, "postal_code": a.PostalCode, "address_country": a.Country}}
		method["selected_destination_id"] = "dest_1"
	}
	return map[string]any{"methods": []any{method}}
}

// envelope is the ucp member of responses: the version, the capabilities
// in use and the payment handlers.
func (h *Handler) envelope(bot concierge.BotID) map[string]any {
	return map[string]any{
		"version":          Version,
		"status":           "success",
		"capabilities":     capabilities(),
		"payment_handlers": h.handlers(bot),
	}
}

// capabilities are the capabilities bot implements: checkout,
// fulfillment and order (Get Order, and order events when the bot can
// sign them).
func capabilities() map[string]any {
	entry := func(name, extends string) []map[string]any {
		c := map[string]any{"version": Version, "spec": "https://ucp.dev/" + Version + "/specification/" + name,
			"schema": "https://ucp.dev/" + Version + "/schemas/shopping/" + name + ".json"}
		if extends != "" {
			c["extends"] = extends
		}
		return []map[string]any{c}
	}
	return map[string]any{
		"dev.ucp.shopping.checkout":    entry("checkout", ""),
		"dev.ucp.shopping.fulfillment": entry("fulfillment", "dev.ucp.shopping.checkout"),
		OrderCapability:                entry("order", ""),
	}
}

// profileCapabilities are what the business profile declares: the
// checkout's capabilities and the catalog's search and lookup, which a
// checkout response does not use.
func profileCapabilities() map[string]any {
	out := capabilities()
	for name, spec := range map[string]string{CatalogSearch: "search", CatalogLookup: "lookup"} {
		out[name] = []map[string]any{{"version": Version, "spec": "https://ucp.dev/" + Version + "/specification/catalog/" + spec,
			"schema": "https://ucp.dev/" + Version + "/schemas/shopping/catalog_" + spec + ".json"}}
	}
	return out
}

// handlers are the shop's payment handlers in UCP's registry shape.
func (h *Handler) handlers(bot concierge.BotID) map[string]any {
	shop := h.cfg.Service.Shop(bot)
	out := map[string]any{}
	if shop == nil {
		return out
	}
	for _, id := range shop.HandlerIDs() {
		out[shop.Presentation(id).Name] = []map[string]any{{"id": id, "version": Version, "available_instruments": []any{map[string]any{"type": "card"}}, "config": map[string]any{}}}
	}
	return out
}

// profile serves the business profile.
func (h *Handler) profile(w http.ResponseWriter, r *http.Request) {
	bot, ok := h.bot(r)
	if !ok {
		protocolError(w, http.StatusNotFound, "not_found", "this shop does not speak UCP")
		return
	}
	svc := func(transport, endpoint, schema string) map[string]any {
		return map[string]any{"version": Version, "spec": "https://ucp.dev/" + Version + "/specification/overview",
			"transport": transport, "endpoint": endpoint, "schema": "https://ucp.dev/" + Version + "/services/shopping/" + schema}
	}
	services := []any{svc("rest", h.endpoint(bot), "rest.openapi.json")}
	if h.cfg.MCP[bot] {
		services = append(services, svc("mcp", h.cfg.BaseURL+"/mcp/"+string(bot), "mcp.openrpc.json"))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"ucp": map[string]any{
			"version":          Version,
			"services":         map[string]any{"dev.ucp.shopping": services},
			"capabilities":     profileCapabilities(),
			"payment_handlers": h.handlers(bot),
		},
		// The key responses are signed with, when the bot file gives one.
		"signing_keys": h.signingKeys(bot),
	})
}

// absolute makes a catalog image path such as /chat/static/img/x.svg a
// URL on this server.
func (h *Handler) absolute(u string) string {
	if strings.HasPrefix(u, "/") {
		return strings.TrimRight(h.cfg.BaseURL, "/") + u
	}
	return u
}

// signingKeys are the public keys of the business's signatures.
func (h *Handler) signingKeys(bot concierge.BotID) []httpsig.JWK {
	k := h.cfg.SigningKeys[bot]
	if k == nil {
		return []httpsig.JWK{}
	}
	return []httpsig.JWK{k.JWK()}
}

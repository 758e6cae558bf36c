package acp

import (
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
)

// session is ACP's CheckoutSession, with the order once completed.
type session struct {
	ID                 string               `json:"id"`
	Protocol           map[string]string    `json:"protocol"`
	Capabilities       capabilities         `json:"capabilities"`
	Buyer              *agentcommerce.Buyer `json:"buyer,omitempty"`
	Status             string               `json:"status"`
	Currency           string               `json:"currency"`
	Locale             string               `json:"locale,omitempty"`
	LineItems          []lineItemOut        `json:"line_items"`
	FulfillmentDetails *fulfillmentDetails  `json:"fulfillment_details,omitempty"`
	FulfillmentOptions []fulfillmentOption  `json:"fulfillment_options"`
	Selected           []selectedOut        `json:"selected_fulfillment_options,omitempty"`
	Totals             []total              `json:"totals"`
	Messages           []message            `json:"messages"`
	Links              []any                `json:"links"`
	ContinueURL        string               `json:"continue_url,omitempty"`
	CreatedAt          string               `json:"created_at,omitempty"`
	UpdatedAt          string               `json:"updated_at,omitempty"`
	ExpiresAt          string               `json:"expires_at,omitempty"`
	Order              *order               `json:"order,omitempty"`
}

type capabilities struct {
	Payment struct {
		Handlers []handler `json:"handlers"`
	} `json:"payment"`
}

// handler is ACP's PaymentHandler of one of the shop's handlers.
type handler struct {
	ID                      string         `json:"id"`
	Name                    string         `json:"name"`
	DisplayName             string         `json:"display_name"`
	Version                 string         `json:"version"`
	Spec                    string         `json:"spec"`
	RequiresDelegatePayment bool           `json:"requires_delegate_payment"`
	RequiresPCICompliance   bool           `json:"requires_pci_compliance"`
	PSP                     string         `json:"psp"`
	ConfigSchema            string         `json:"config_schema"`
	InstrumentSchemas       []string       `json:"instrument_schemas"`
	Config                  map[string]any `json:"config"`
}

type lineItemOut struct {
	ID         string   `json:"id"`
	Item       itemOut  `json:"item"`
	Quantity   int      `json:"quantity"`
	Name       string   `json:"name"`
	Images     []string `json:"images,omitempty"`
	UnitAmount int64    `json:"unit_amount"`
	Totals     []total  `json:"totals"`
}

type itemOut struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	UnitAmount int64  `json:"unit_amount"`
}

type total struct {
	Type        string `json:"type"`
	DisplayText string `json:"display_text"`
	Amount      int64  `json:"amount"`
}

type fulfillmentOption struct {
	Type        string  `json:"type"`
	ID          string  `json:"id"`
	Title       string  `json:"title"`
	Description string  `json:"description,omitempty"`
	Totals      []total `json:"totals"`
}

type selectedOut struct {
	Type     string   `json:"type"`
	OptionID string   `json:"option_id"`
	ItemIDs  []string `json:"item_ids"`
}

type message struct {
	Type        string `json:"type"`
	Code        string `json:"code,omitempty"`
	Param       string `json:"param,omitempty"`
	Resolution  string `json:"resolution,omitempty"`
	ContentType string `json:"content_type"`
	Content     string `json:"content"`
}

type order struct {
	ID                string `json:"id"`
	CheckoutSessionID string `json:"checkout_session_id"`
	PermalinkURL      string `json:"permalink_url"`
	Status            string `json:"status"`
}

// status is ACP's name of a session status.
func status(s agentcommerce.Status) string {
	switch s {
	case agentcommerce.StatusIncomplete:
		return "not_ready_for_payment"
	case agentcommerce.StatusReady:
		return "ready_for_payment"
	}
	// requires_escalation, completed and canceled are ACP's words too, and
	// so is complete_in_progress (2026-04-17's CheckoutSession status
	// enum), a completion being processed: the enum's in_progress, older
	// and without a stated meaning, would not say that the payment is
	// under way.
	return string(s)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// render is the ACP checkout session of s.
func (h *Handler) render(s *agentcommerce.Session) session {
	shop := h.cfg.Service.Shop(s.Bot)
	out := session{
		ID: s.ID, Protocol: map[string]string{"version": Version}, Status: status(s.Status),
		Currency: strings.ToLower(s.Currency), Locale: string(s.Locale),
		LineItems: []lineItemOut{}, FulfillmentOptions: []fulfillmentOption{}, Messages: []message{}, Links: []any{},
		ContinueURL: h.cfg.Service.ContinueURL(s),
		CreatedAt:   stamp(s.CreatedAt), UpdatedAt: stamp(s.UpdatedAt), ExpiresAt: stamp(s.ExpiresAt),
	}
	out.Capabilities.Payment.Handlers = h.handlers(shop)
	if s.Buyer != (agentcommerce.Buyer{}) {
		b := s.Buyer
		out.Buyer = &b
	}
	ids := make([]string, 0, len(s.Lines))
	for _, l := range s.Lines {
		li := lineItemOut{ID: l.ID, Item: itemOut{ID: string(l.SKU), Name: l.Title, UnitAmount: l.Unit.Minor}, Quantity: l.Quantity,
			Name: l.Title, UnitAmount: l.Unit.Minor,
			Totals: []total{{"subtotal", "Subtotal", l.Total.Minor}, {"total", "Total", l.Total.Minor}}}
		if l.Image != "" {
			li.Images = []string{h.absolute(l.Image)}
		}
		out.LineItems = append(out.LineItems, li)
		ids = append(ids, l.ID)
	}
	if s.Address != nil || s.Buyer.Email != "" {
		name := strings.TrimSpace(s.Buyer.FirstName + " " + s.Buyer.LastName)
		if s.Address != nil && s.Address.Name != "" {
			name = s.Address.Name
		}
		out.FulfillmentDetails = &fulfillmentDetails{Name: name, Phone: s.Buyer.Phone, Email: s.Buyer.Email, Address: s.Address}
	}
	if s.Physical(shop) {
		for _, o := range shop.Shipping {
			if s.Address != nil && !shop.Serves(o, s.Address.Country) {
				continue
			}
			fo := fulfillmentOption{Type: "shipping", ID: o.ID, Title: concierge.LocalText(o.Title, s.Locale, shop.Bot.DefaultLocale()),
				Totals: []total{{"total", "Shipping", o.Price.Minor}}}
			if o.Days != "" {
				fo.Description = "Arrives in " + o.Days + " business days"
			}
			out.FulfillmentOptions = append(out.FulfillmentOptions, fo)
		}
		if s.ShippingID != "" {
			out.Selected = []selectedOut{{Type: "shipping", OptionID: s.ShippingID, ItemIDs: ids}}
		}
	}
	out.Totals = []total{{"items_base_amount", "Item(s) total", s.Subtotal.Minor}, {"subtotal", "Subtotal", s.Subtotal.Minor}}
	if s.ShippingID != "" {
		out.Totals = append(out.Totals, total{"fulfillment", "Shipping", s.ShippingCost.Minor})
	}
	out.Totals = append(out.Totals, total{"total", "Total", s.Total.Minor})
	for _, m := range s.Messages {
		resolution := m.Severity
		if resolution == "unrecoverable" {
			resolution = ""
		}
		out.Messages = append(out.Messages, message{Type: m.Type, Code: code(m.Code), Param: param(m.Path), Resolution: resolution, ContentType: "plain", Content: m.Content})
	}
	if s.Status == agentcommerce.StatusCompleted {
		out.Order = &order{ID: string(s.Order), CheckoutSessionID: s.ID, PermalinkURL: out.ContinueURL, Status: "confirmed"}
	}
	return out
}

// code is ACP's MessageError code of one of the core's message codes.
func code(c string) string {
	if c == "high_value_order" {
		return "approval_required"
	}
	return c
}

// handlers are the shop's payment handlers in ACP's shape.
func (h *Handler) handlers(shop *agentcommerce.Shop) []handler {
	out := []handler{}
	if shop == nil {
		return out
	}
	spec := "https://github.com/conciergehq/concierge/blob/main/docs/agents.md"
	for _, id := range shop.HandlerIDs() {
		out = append(out, handler{ID: id, Name: "dev.concierge." + id, DisplayName: shop.Presentation(id).Display, Version: Version, Spec: spec,
			PSP: id, ConfigSchema: spec, InstrumentSchemas: []string{spec}, Config: map[string]any{}})
	}
	return out
}

// absolute makes a catalog image path such as /chat/static/img/x.svg a
// URL on this server.
func (h *Handler) absolute(u string) string {
	if strings.HasPrefix(u, "/") {
		return strings.TrimRight(h.cfg.BaseURL, "/") + u
	}
	return u
}

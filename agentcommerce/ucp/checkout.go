package ucp

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
)

// CheckoutRequest is the part of UCP's checkout object an agent may set,
// as the REST binding's body and the MCP binding's checkout argument
// carry it; everything it says about prices or totals is ignored.
type CheckoutRequest struct {
	Currency  string `json:"currency,omitempty"`
	LineItems []struct {
		Item struct {
			ID string `json:"id" jsonschema:"the variant's id (its SKU), as the catalog returns it"`
		} `json:"item"`
		Quantity int `json:"quantity"`
	} `json:"line_items,omitempty"`
	Buyer *struct {
		Email     string `json:"email,omitempty"`
		FirstName string `json:"first_name,omitempty"`
		LastName  string `json:"last_name,omitempty"`
		Phone     string `json:"phone_number,omitempty"`
	} `json:"buyer,omitempty"`
	Fulfillment *struct {
		Methods []struct {
			Type         string        `json:"type,omitempty"`
			Destinations []destination `json:"destinations,omitempty"`
			Groups       []struct {
				SelectedOptionID string `json:"selected_option_id,omitempty"`
			} `json:"groups,omitempty"`
		} `json:"methods,omitempty"`
	} `json:"fulfillment,omitempty"`
	Payment *struct {
		Instruments []instrument `json:"instruments,omitempty"`
	} `json:"payment,omitempty"`
	PaymentData *instrument `json:"payment_data,omitempty"`
}

type destination struct {
	ID         string `json:"id,omitempty"`
	FirstName  string `json:"first_name,omitempty"`
	LastName   string `json:"last_name,omitempty"`
	Street     string `json:"street_address"`
	Extended   string `json:"extended_address,omitempty"`
	Locality   string `json:"address_locality"`
	Region     string `json:"address_region,omitempty"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"address_country"`
}

type instrument struct {
	HandlerID  string `json:"handler_id"`
	Type       string `json:"type,omitempty"`
	Credential struct {
		Type  string `json:"type,omitempty"`
		Token string `json:"token"`
	} `json:"credential"`
}

// changes reads a request body into the session core's terms.
func changes(body []byte) (agentcommerce.Changes, *CheckoutRequest, error) {
	var req CheckoutRequest
	if len(body) == 0 {
		return agentcommerce.Changes{}, &req, nil
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return agentcommerce.Changes{}, nil, &agentcommerce.Error{Reason: agentcommerce.ReasonInvalid, Message: "the request body does not match the checkout schema: " + err.Error()}
	}
	return req.Changes(), &req, nil
}

// Changes is what req asks of the session core.
func (req *CheckoutRequest) Changes() agentcommerce.Changes {
	var ch agentcommerce.Changes
	ch.Currency = req.Currency
	if req.LineItems != nil {
		ch.Items = make([]agentcommerce.Item, 0, len(req.LineItems))
		for _, li := range req.LineItems {
			ch.Items = append(ch.Items, agentcommerce.Item{SKU: concierge.SKU(li.Item.ID), Quantity: li.Quantity})
		}
	}
	if b := req.Buyer; b != nil {
		ch.Buyer = &agentcommerce.Buyer{Email: b.Email, FirstName: b.FirstName, LastName: b.LastName, Phone: b.Phone}
	}
	if f := req.Fulfillment; f != nil {
		for _, m := range f.Methods {
			if len(m.Destinations) > 0 {
				d := m.Destinations[len(m.Destinations)-1]
				name := d.FirstName
				if d.LastName != "" {
					name += " " + d.LastName
				}
				ch.Address = &agentcommerce.Address{Name: name, Line1: d.Street, Line2: d.Extended, City: d.Locality, Region: d.Region, PostalCode: d.PostalCode, Country: d.Country}
			}
			for _, g := range m.Groups {
				if g.SelectedOptionID != "" {
					id := g.SelectedOptionID
					ch.Shipping = &id
				}
			}
		}
	}
	return ch
}

// Pay is the instrument req pays with: payment.instruments[0], or
// payment_data.
func (req *CheckoutRequest) Pay() agentcommerce.Payment {
	in := req.PaymentData
	if req.Payment != nil && len(req.Payment.Instruments) > 0 {
		in = &req.Payment.Instruments[0]
	}
	if in == nil {
		return agentcommerce.Payment{}
	}
	return agentcommerce.Payment{Handler: in.HandlerID, Token: in.Credential.Token}
}

// Checkout is UCP's checkout object of s, as the REST binding answers it
// and the MCP binding's tools return it.
func (h *Handler) Checkout(s *agentcommerce.Session) map[string]any { return h.render(s) }

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	h.call(w, r, http.StatusCreated, func(ctx context.Context, tx agentcommerce.Tx, bot concierge.BotID, body []byte) (*agentcommerce.Session, error) {
		ch, _, err := changes(body)
		if err != nil {
			return nil, err
		}
		ch.Locale = locale(r)
		ch.Platform, ch.Webhook = h.Platform(ctx, r.Header, bot)
		return h.cfg.Service.Create(ctx, tx, bot, agentcommerce.UCP, ch)
	})
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	h.callSession(w, r, http.StatusOK, duringRead, func(ctx context.Context, tx agentcommerce.Tx, bot concierge.BotID, _ []byte) (*agentcommerce.Session, error) {
		return h.cfg.Service.Get(ctx, tx, bot, r.PathValue("id"))
	})
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	h.callSession(w, r, http.StatusOK, duringUpdate, func(ctx context.Context, tx agentcommerce.Tx, bot concierge.BotID, body []byte) (*agentcommerce.Session, error) {
		ch, _, err := changes(body)
		if err != nil {
			return nil, err
		}
		return h.cfg.Service.Update(ctx, tx, bot, r.PathValue("id"), ch)
	})
}

func (h *Handler) complete(w http.ResponseWriter, r *http.Request) {
	h.callSession(w, r, http.StatusOK, duringRead, func(ctx context.Context, tx agentcommerce.Tx, bot concierge.BotID, body []byte) (*agentcommerce.Session, error) {
		ch, req, err := changes(body)
		if err != nil {
			return nil, err
		}
		pay := req.Pay()
		// A completed checkout is not modifiable: completing it again
		// under another Idempotency-Key is 409, as the conformance suite's
		// lifecycle test (test_complete_is_idempotent) expects; the same
		// key replays the first answer before this runs. The core would
		// return it unchanged, and pays once either way.
		if cur, err := h.cfg.Service.Get(ctx, tx, bot, r.PathValue("id")); err == nil && cur.Status == agentcommerce.StatusCompleted {
			return nil, &agentcommerce.Error{Reason: agentcommerce.ReasonFinished, Message: "the checkout is already completed; read it with GET"}
		}
		return h.cfg.Service.Complete(ctx, tx, bot, r.PathValue("id"), ch, pay)
	})
}

func (h *Handler) cancel(w http.ResponseWriter, r *http.Request) {
	h.callSession(w, r, http.StatusOK, duringCancel, func(ctx context.Context, tx agentcommerce.Tx, bot concierge.BotID, _ []byte) (*agentcommerce.Session, error) {
		return h.cfg.Service.Cancel(ctx, tx, bot, r.PathValue("id"))
	})
}

// locale is the first language of Accept-Language, such as "fr".
func locale(r *http.Request) concierge.Locale {
	al := r.Header.Get("Accept-Language")
	for i, c := range al {
		if c == '-' || c == ',' || c == ';' || c == '_' {
			al = al[:i]
			break
		}
	}
	return concierge.Locale(al)
}

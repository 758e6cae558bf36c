package acp

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
)

// lineItem is what an agent asks for: 2026-04-17 sends line_items with
// item.id, earlier versions items with id. Prices it sends are ignored.
type lineItem struct {
	ID   string `json:"id"`
	Item *struct {
		ID string `json:"id"`
	} `json:"item"`
	Quantity int `json:"quantity"`
}

// checkoutRequest is the part of ACP's create, update and complete
// requests that the session core understands.
type checkoutRequest struct {
	Currency           string                `json:"currency"`
	LineItems          []lineItem            `json:"line_items"`
	Items              []lineItem            `json:"items"`
	Buyer              *agentcommerce.Buyer  `json:"buyer"`
	FulfillmentDetails *fulfillmentDetails   `json:"fulfillment_details"`
	Selected           []selectedFulfillment `json:"selected_fulfillment_options"`
	PaymentData        *paymentData          `json:"payment_data"`
	// RiskSignals is complete's risk_signals, checked by riskSignals.
	RiskSignals json.RawMessage `json:"risk_signals"`
}

// riskFields are the members of 2026-04-17's RiskSignals (the complete
// request's risk_signals): an object of these strings and no other
// (additionalProperties: false).
var riskFields = []string{"ip_address", "user_agent", "accept_language", "session_id", "device_fingerprint"}

// riskSignals checks complete's risk_signals as the schema defines them
// (an object whose members are riskFields, each a string): a request
// the schema refuses is refused before the session is touched. The
// values are context for the merchant's fraud review; Concierge reads
// nothing else from them and does not keep them.
func riskSignals(raw json.RawMessage) error {
	const p = "$.risk_signals"
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var o map[string]json.RawMessage
	if raw[0] != '{' || json.Unmarshal(raw, &o) != nil {
		return &agentcommerce.Error{Reason: agentcommerce.ReasonInvalid, Path: p, Message: "risk_signals must be an object"}
	}
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(riskFields, k) {
			return &agentcommerce.Error{Reason: agentcommerce.ReasonInvalid, Path: p + "." + k,
				Message: "risk_signals." + k + " is not a risk signal (" + strings.Join(riskFields, ", ") + ")"}
		}
		var v string
		if json.Unmarshal(o[k], &v) != nil {
			return &agentcommerce.Error{Reason: agentcommerce.ReasonInvalid, Path: p + "." + k, Message: "risk_signals." + k + " must be a string"}
		}
	}
	return nil
}

type fulfillmentDetails struct {
	Name    string                 `json:"name"`
	Phone   string                 `json:"phone_number"`
	Email   string                 `json:"email"`
	Address *agentcommerce.Address `json:"address"`
}

type selectedFulfillment struct {
	Type     string `json:"type"`
	OptionID string `json:"option_id"`
	Shipping *struct {
		OptionID string `json:"option_id"`
	} `json:"shipping"`
}

// paymentData is 2026-04-17's handler_id and instrument credential, or
// the earlier token and provider.
type paymentData struct {
	HandlerID  string `json:"handler_id"`
	Instrument *struct {
		Type       string `json:"type"`
		Credential struct {
			Type  string `json:"type"`
			Token string `json:"token"`
		} `json:"credential"`
	} `json:"instrument"`
	Token    string `json:"token"`
	Provider string `json:"provider"`
}

func (p *paymentData) payment() agentcommerce.Payment {
	if p == nil {
		return agentcommerce.Payment{}
	}
	pay := agentcommerce.Payment{Handler: p.HandlerID, Token: p.Token}
	if pay.Handler == "" {
		pay.Handler = p.Provider
	}
	if p.Instrument != nil && p.Instrument.Credential.Token != "" {
		pay.Token = p.Instrument.Credential.Token
	}
	return pay
}

// changes reads a request body into the session core's terms.
func changes(body []byte) (agentcommerce.Changes, *checkoutRequest, error) {
	var req checkoutRequest
	var ch agentcommerce.Changes
	if len(body) == 0 {
		return ch, &req, nil
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return ch, nil, &agentcommerce.Error{Reason: agentcommerce.ReasonInvalid, Message: "the request body does not match the checkout schema: " + err.Error()}
	}
	ch.Currency = req.Currency
	items := req.LineItems
	if items == nil {
		items = req.Items
	}
	if items != nil {
		ch.Items = make([]agentcommerce.Item, 0, len(items))
		for _, li := range items {
			id := li.ID
			if li.Item != nil {
				id = li.Item.ID
			}
			ch.Items = append(ch.Items, agentcommerce.Item{SKU: concierge.SKU(id), Quantity: li.Quantity})
		}
	}
	ch.Buyer = req.Buyer
	if fd := req.FulfillmentDetails; fd != nil {
		if ch.Buyer == nil && (fd.Email != "" || fd.Phone != "" || fd.Name != "") {
			first, last, _ := strings.Cut(strings.TrimSpace(fd.Name), " ")
			ch.Buyer = &agentcommerce.Buyer{Email: fd.Email, Phone: fd.Phone, FirstName: first, LastName: last}
		}
		if fd.Address != nil {
			a := *fd.Address
			if a.Name == "" {
				a.Name = fd.Name
			}
			ch.Address = &a
		}
	}
	for _, s := range req.Selected {
		id := s.OptionID
		if s.Shipping != nil && s.Shipping.OptionID != "" {
			id = s.Shipping.OptionID
		}
		if id != "" {
			ch.Shipping = &id
		}
	}
	return ch, &req, nil
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	h.call(w, r, http.StatusCreated, duringNone, func(ctx context.Context, tx agentcommerce.Tx, bot concierge.BotID, body []byte) (*agentcommerce.Session, error) {
		ch, _, err := changes(body)
		if err != nil {
			return nil, err
		}
		ch.Locale = locale(r)
		return h.cfg.Service.Create(ctx, tx, bot, agentcommerce.ACP, ch)
	})
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	h.call(w, r, http.StatusOK, duringRead, func(ctx context.Context, tx agentcommerce.Tx, bot concierge.BotID, _ []byte) (*agentcommerce.Session, error) {
		return h.cfg.Service.Get(ctx, tx, bot, r.PathValue("id"))
	})
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	h.call(w, r, http.StatusOK, duringUpdate, func(ctx context.Context, tx agentcommerce.Tx, bot concierge.BotID, body []byte) (*agentcommerce.Session, error) {
		ch, _, err := changes(body)
		if err != nil {
			return nil, err
		}
		return h.cfg.Service.Update(ctx, tx, bot, r.PathValue("id"), ch)
	})
}

func (h *Handler) complete(w http.ResponseWriter, r *http.Request) {
	h.call(w, r, http.StatusOK, duringComplete, func(ctx context.Context, tx agentcommerce.Tx, bot concierge.BotID, body []byte) (*agentcommerce.Session, error) {
		ch, req, err := changes(body)
		if err != nil {
			return nil, err
		}
		if req.PaymentData == nil {
			return nil, &agentcommerce.Error{Reason: agentcommerce.ReasonMissing, Path: "$.payment_data", Message: "payment_data is required"}
		}
		if err := riskSignals(req.RiskSignals); err != nil {
			return nil, err
		}
		return h.cfg.Service.Complete(ctx, tx, bot, r.PathValue("id"), ch, req.PaymentData.payment())
	})
}

func (h *Handler) cancel(w http.ResponseWriter, r *http.Request) {
	h.call(w, r, http.StatusOK, duringCancel, func(ctx context.Context, tx agentcommerce.Tx, bot concierge.BotID, _ []byte) (*agentcommerce.Session, error) {
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

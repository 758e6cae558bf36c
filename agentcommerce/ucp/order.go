package ucp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/httpsig"
)

// OrderCapability is the order capability's name.
const OrderCapability = "dev.ucp.shopping.order"

// order is the UCP order entity (source/schemas/shopping/order.json) of
// s's order in state, a full current-state snapshot, never a delta, as
// the order capability's events require (docs/specification/order.md).
// history is when each state was reported to the agent (so that a refund
// after the shipment still shows the shipment); a state missing from it
// is dated now. Everything comes from the session, the state and the
// history, so a retried event sends the same order.
func (h *Handler) order(s *agentcommerce.Session, state concierge.OrderState, history map[concierge.OrderState]time.Time, now time.Time) map[string]any {
	shop := h.cfg.Service.Shop(s.Bot)
	when := func(st concierge.OrderState) string {
		at, ok := history[st]
		if !ok {
			at = now
		}
		return at.UTC().Format(time.RFC3339)
	}
	_, shippedBefore := history[concierge.OrderFulfilled]
	fulfilled := state == concierge.OrderFulfilled || (state == concierge.OrderRefunded && shippedBefore)
	lines := make([]map[string]any, 0, len(s.Lines))
	refs := make([]map[string]any, 0, len(s.Lines))
	for _, l := range s.Lines {
		item := map[string]any{"id": string(l.SKU), "title": l.Title, "price": l.Unit.Minor}
		if l.Image != "" {
			item["image_url"] = h.absolute(l.Image)
		}
		q := map[string]any{"original": l.Quantity, "total": l.Quantity, "fulfilled": 0}
		status := "processing"
		if fulfilled {
			q["fulfilled"], status = l.Quantity, "fulfilled"
		}
		lines = append(lines, map[string]any{"id": l.ID, "item": item, "quantity": q,
			"totals": []total{{"subtotal", l.Total.Minor}, {"total", l.Total.Minor}}, "status": status})
		refs = append(refs, map[string]any{"id": l.ID, "quantity": l.Quantity})
	}
	ful := map[string]any{"expectations": []any{}, "events": []any{}}
	if a := s.Address; a != nil && shop != nil && s.ShippingID != "" {
		exp := map[string]any{"id": "exp_1", "line_items": refs, "method_type": "shipping",
			"destination": map[string]any{"street_address": a.Line1, "extended_address": a.Line2, "address_locality": a.City,
				"address_region": a.Region, "postal_code": a.PostalCode, "address_country": a.Country, "full_name": a.Name}}
		if o := shop.Option(s.ShippingID); o != nil {
			// The title of the option chosen at checkout, as the
			// conformance suite's order test expects.
			exp["description"] = concierge.LocalText(o.Title, s.Locale, shop.Bot.DefaultLocale())
		}
		ful["expectations"] = []any{exp}
	}
	if fulfilled {
		ful["events"] = []any{map[string]any{"id": "ful_" + string(s.Order), "occurred_at": when(concierge.OrderFulfilled), "type": "shipped", "line_items": refs}}
	}
	adjustments := []any{}
	if state == concierge.OrderRefunded {
		// Concierge's order state says refunded without partial amounts:
		// the whole total. (A paid order is never cancelled: it is
		// refunded.)
		adjustments = append(adjustments, map[string]any{"id": "refund_" + string(s.Order), "type": "refund", "occurred_at": when(concierge.OrderRefunded),
			"status": "completed", "amount": s.Total.Minor, "line_items": refs})
	}
	totals := []total{{"subtotal", s.Subtotal.Minor}}
	if s.ShippingID != "" {
		totals = append(totals, total{"fulfillment", s.ShippingCost.Minor})
	}
	totals = append(totals, total{"total", s.Total.Minor})
	return map[string]any{
		"ucp": map[string]any{"version": Version,
			"capabilities": map[string]any{OrderCapability: []map[string]any{{"version": Version}}}},
		"id":            string(s.Order),
		"checkout_id":   s.ID,
		"permalink_url": h.cfg.Service.ContinueURL(s),
		"currency":      s.Currency,
		"line_items":    lines,
		"fulfillment":   ful,
		"adjustments":   adjustments,
		"totals":        totals,
	}
}

// profileURL is the business profile of bot, which identifies it as
// the signer of its webhooks (UCP-Agent).
func (h *Handler) profileURL(bot concierge.BotID) string {
	return h.endpoint(bot) + "/.well-known/ucp"
}

// webhookID is the Webhook-Id of event e: a UUID derived from the bot's
// profile and the event's id, so that it is the same on every retry (the
// platform's dedupe key) and differs between shops sharing a database.
func (h *Handler) webhookID(e *agentcommerce.Event) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte(h.profileURL(e.Bot)+"#event-"+strconv.FormatInt(e.ID, 10))).String()
}

// Request implements agentcommerce.EventRequests for UCP's order event
// webhook (source/services/shopping/rest.openapi.json, webhooks
// orderEvent; docs/specification/order.md): a POST of the order entity
// to the bot's webhook_url with UCP-Agent (the business profile),
// Webhook-Id, Webhook-Timestamp (when the change was seen), and an RFC
// 9421 signature by the bot's signing key over the request and its
// Content-Digest. Created and updated events differ only by the order
// they carry: the event id and the order's state say which.
func (h *Handler) Request(ctx context.Context, e *agentcommerce.Event, now time.Time) (*http.Request, []string, error) {
	sess, history, err := h.cfg.Service.EventSession(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	// The platform's own webhook (from its verified profile) first, then
	// the one the bot file was given at onboarding.
	dest, key := sess.Webhook, h.cfg.SigningKeys[e.Bot]
	if dest == "" {
		dest = h.cfg.WebhookURLs[e.Bot]
	}
	if dest == "" || key == nil {
		return nil, nil, fmt.Errorf("ucp: %w: no webhook and signing_key for bot %s", agentcommerce.ErrNoEndpoint, e.Bot)
	}
	secrets := agentcommerce.URLSecrets(dest)
	o := h.order(sess, e.State, history, e.CreatedAt)
	id := h.webhookID(e)
	// The event's id and time in the body too, as order.md's example
	// shows; the headers are the openapi's.
	o["event_id"], o["created_time"] = id, e.CreatedAt.UTC().Format(time.RFC3339)
	body, err := json.Marshal(o)
	if err != nil {
		return nil, secrets, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dest, bytes.NewReader(body))
	if err != nil {
		return nil, secrets, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Concierge-UCP/"+Version)
	req.Header.Set("UCP-Agent", `profile="`+h.profileURL(e.Bot)+`"`)
	req.Header.Set("Webhook-Id", id)
	req.Header.Set("Webhook-Timestamp", strconv.FormatInt(e.CreatedAt.Unix(), 10))
	req.Header.Set("Content-Digest", httpsig.Digest(body))
	components := []string{"@method", "@authority", "@path"}
	if req.URL.RawQuery != "" {
		components = append(components, "@query")
	}
	components = append(components, "ucp-agent", "webhook-id", "webhook-timestamp", "content-digest", "content-type")
	m := httpsig.Message{Method: req.Method, Authority: req.URL.Host, Path: req.URL.EscapedPath(), Query: req.URL.RawQuery, Header: req.Header}
	in, sig, err := httpsig.Sign(m, "sig1", components, key, now)
	if err != nil {
		return nil, secrets, fmt.Errorf("sign: %w", err)
	}
	req.Header.Set("Signature-Input", in)
	req.Header.Set("Signature", sig)
	return req, secrets, nil
}

var _ agentcommerce.EventRequests = (*Handler)(nil)

// Platform is who is creating a session of bot, from the headers of
// its request, which the caller has verified (Verify): the profile URL
// its UCP-Agent names, and, when the request was signed (so its
// signature verified against that profile's keys) and the bot can sign
// webhooks, the order webhook the profile declares. An unsigned
// request's profile is a claim, so its webhook is not used: events
// would go wherever a caller pointed. Both bindings create sessions
// with it: REST's create, and MCP's create_checkout, whose /mcp POST is
// verified before any tool runs.
func (h *Handler) Platform(ctx context.Context, hdr http.Header, bot concierge.BotID) (profile, webhook string) {
	profile = profileURL(hdr.Get("UCP-Agent"))
	wr, ok := h.cfg.Keys.(WebhookResolver)
	if !ok || hdr.Get("Signature-Input") == "" || h.cfg.SigningKeys[bot] == nil {
		return profile, ""
	}
	// call verified the signature against this profile, which is cached.
	w, err := wr.OrderWebhook(ctx, profile)
	if err != nil {
		h.cfg.Log.Warn("ucp: the platform's order webhook could not be read", "bot", bot, "profile", profile, "err", err)
		return profile, ""
	}
	return profile, w
}

// getOrder serves Get Order (GET /orders/{id}, order-rest.md): the order
// of a session the requesting platform created, which it proves by
// signing the request (RFC 9421) with a key of the profile that created
// the session. Business outcomes (unsigned, another platform's, unknown)
// are 200 with the spec's error messages.
func (h *Handler) getOrder(w http.ResponseWriter, r *http.Request) {
	bot, agent, ok := h.admit(w, r)
	if !ok {
		return
	}
	if r.Header.Get("Signature-Input") == "" {
		orderError(w, "unauthorized", "Sign the request (RFC 9421) with a key of the profile that created the checkout to read its order.")
		return
	}
	if code, msg := h.verify(r, bot, nil); code != "" {
		h.authFailed(w, bot, code, msg)
		return
	}
	var sess *agentcommerce.Session
	var state concierge.OrderState
	var history map[concierge.OrderState]time.Time
	err := h.cfg.Service.View(r.Context(), func(tx agentcommerce.Tx) error {
		var err error
		sess, state, err = h.cfg.Service.SessionOfOrder(r.Context(), tx, bot, concierge.OrderID(r.PathValue("id")))
		if err != nil {
			return err
		}
		history, err = tx.AgentEventStates(r.Context(), sess.ID, 0)
		return err
	})
	if e := agentcommerce.AsError(err); e != nil && e.Reason == agentcommerce.ReasonNotFound {
		orderError(w, "not_found", "Order not found.")
		return
	}
	if err != nil {
		h.cfg.Log.Error("ucp: get order", "bot", bot, "err", err)
		protocolError(w, http.StatusInternalServerError, "internal_error", "internal error")
		return
	}
	if sess.Protocol != agentcommerce.UCP || sess.Platform != profileURL(agent) {
		orderError(w, "unauthorized", "Not authorized to access this order.")
		return
	}
	// Get Order is the current state, as of now.
	writeJSON(w, http.StatusOK, h.order(sess, state, history, h.now()))
}

// orderError is Get Order's business outcome: 200 with the order
// capability's ucp envelope and one unrecoverable error message.
func orderError(w http.ResponseWriter, code, content string) {
	writeJSON(w, http.StatusOK, map[string]any{
		"ucp": map[string]any{"version": Version, "status": "error",
			"capabilities": map[string]any{OrderCapability: []map[string]any{{"version": Version}}}},
		"messages": []map[string]any{{"type": "error", "code": code, "severity": "unrecoverable", "content": content}},
	})
}

// orderMethod answers every method on /orders/{id} but GET (and HEAD):
// the order capability's REST binding (order-rest.md) defines Get Order
// only, and order.md has the business report the order's fulfillment and
// adjustments to the platform, never the reverse. So a platform's PUT
// (the conformance suite's, which the samples' server offers to simulate
// the seller's updates), PATCH, POST or DELETE is refused with 405 and
// Allow, before anything is read, and changes nothing.
func (h *Handler) orderMethod(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.bot(r); !ok {
		protocolError(w, http.StatusNotFound, "not_found", "this shop does not speak UCP")
		return
	}
	w.Header().Set("Allow", "GET, HEAD")
	protocolError(w, http.StatusMethodNotAllowed, "method_not_allowed",
		"orders are read with GET; the order capability lets the business alone change an order, and reports each change to the platform")
}

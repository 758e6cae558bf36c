package acp

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
)

// SignatureHeader carries an order event's signature, as the ACP
// webhooks spec (2026-04-17) names it.
const SignatureHeader = "Merchant-Signature"

// Sign is the Merchant-Signature of body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<unix seconds>.<body>">", the
// spec's format. The timestamp is signed with the body, so a receiver
// that rejects old timestamps rejects replays, and a retry (signed anew)
// still passes.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// Endpoint is where one bot's order events go: the bot file's
// agents.acp.webhook_url and webhook_secret.
type Endpoint struct {
	URL    string
	Secret []byte
}

// secrets are what must not reach a log or a row: the signing secret and
// what the URL may hold of one.
func (ep Endpoint) secrets() []string {
	return append([]string{string(ep.Secret)}, agentcommerce.URLSecrets(ep.URL)...)
}

// WebhookConfig is where ACP order events go and how they are sent.
type WebhookConfig struct {
	Service   *agentcommerce.Service
	Endpoints map[concierge.BotID]Endpoint
	// Delivery is the queue and its tuning; its Protocol and Requests
	// are set by NewWebhooks.
	Delivery agentcommerce.WebhookConfig
}

// NewWebhooks returns the sender of ACP order events (order_create,
// order_update) to each bot's webhook, signed with HMAC-SHA256 in
// Merchant-Signature, through the retrying delivery all protocols share
// (agentcommerce.Webhooks).
func NewWebhooks(cfg WebhookConfig) *agentcommerce.Webhooks {
	d := cfg.Delivery
	d.Protocol = agentcommerce.ACP
	d.Requests = &requests{svc: cfg.Service, endpoints: cfg.Endpoints}
	return agentcommerce.NewWebhooks(d)
}

// requests builds ACP's order-event requests.
type requests struct {
	svc       *agentcommerce.Service
	endpoints map[concierge.BotID]Endpoint
}

// Request implements agentcommerce.EventRequests: the spec's
// WebhookEvent, signed in Merchant-Signature, with Request-Id evt_<id>,
// which stays the same across retries (the receiver's dedupe key).
func (q *requests) Request(ctx context.Context, e *agentcommerce.Event, now time.Time) (*http.Request, []string, error) {
	ep, ok := q.endpoints[e.Bot]
	if !ok || ep.URL == "" {
		return nil, nil, fmt.Errorf("acp: %w: no webhook_url for bot %s", agentcommerce.ErrNoEndpoint, e.Bot)
	}
	body, err := q.body(ctx, e)
	if err != nil {
		return nil, ep.secrets(), err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return nil, ep.secrets(), err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Concierge-ACP/"+Version)
	req.Header.Set("Request-Id", "evt_"+strconv.FormatInt(e.ID, 10))
	req.Header.Set("Timestamp", now.UTC().Format(time.RFC3339))
	req.Header.Set(SignatureHeader, Sign(ep.Secret, now, body))
	return req, ep.secrets(), nil
}

// webhookEvent is the spec's WebhookEvent: the full order, not a delta.
type webhookEvent struct {
	Type string    `json:"type"`
	Data orderData `json:"data"`
}

type orderData struct {
	Type              string       `json:"type"`
	ID                string       `json:"id"`
	CheckoutSessionID string       `json:"checkout_session_id"`
	PermalinkURL      string       `json:"permalink_url"`
	Status            string       `json:"status"`
	Currency          string       `json:"currency"`
	LineItems         []orderLine  `json:"line_items"`
	Adjustments       []adjustment `json:"adjustments"`
	Totals            []total      `json:"totals"`
}

type orderLine struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Quantity struct {
		Ordered   int `json:"ordered"`
		Current   int `json:"current"`
		Fulfilled int `json:"fulfilled"`
	} `json:"quantity"`
	UnitPrice int64  `json:"unit_price"`
	Subtotal  int64  `json:"subtotal"`
	Status    string `json:"status,omitempty"`
}

type adjustment struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	OccurredAt  string `json:"occurred_at"`
	Status      string `json:"status"`
	Amount      int64  `json:"amount"`
	Currency    string `json:"currency"`
	Description string `json:"description,omitempty"`
}

// orderStatus is the ACP order status of an order state.
func orderStatus(t agentcommerce.EventType, st concierge.OrderState) string {
	switch st {
	case concierge.OrderPaid:
		if t == agentcommerce.OrderCreate {
			return "created"
		}
		return "confirmed"
	case concierge.OrderFulfilled:
		return "shipped"
	case concierge.OrderRefunded:
		return "completed" // with a refund adjustment, as the spec's example
	case concierge.OrderCancelled, concierge.OrderExpired:
		return "canceled"
	}
	return "processing"
}

// body renders e from its session, with the order state the event
// reports.
func (q *requests) body(ctx context.Context, e *agentcommerce.Event) ([]byte, error) {
	sess, history, err := q.svc.EventSession(ctx, e)
	if err != nil {
		return nil, err
	}
	// A refund after the shipment still shows the lines fulfilled: data
	// is the whole order.
	_, shipped := history[concierge.OrderFulfilled]
	cur := strings.ToLower(sess.Currency)
	d := orderData{Type: "order", ID: string(e.Order), CheckoutSessionID: sess.ID, PermalinkURL: q.svc.ContinueURL(sess),
		Status: orderStatus(e.Type, e.State), Currency: cur, LineItems: []orderLine{}, Adjustments: []adjustment{}}
	for _, l := range sess.Lines {
		ol := orderLine{ID: l.ID, Title: l.Title, UnitPrice: l.Unit.Minor, Subtotal: l.Total.Minor}
		ol.Quantity.Ordered, ol.Quantity.Current = l.Quantity, l.Quantity
		switch {
		case e.State == concierge.OrderFulfilled, e.State == concierge.OrderRefunded && shipped:
			ol.Quantity.Fulfilled, ol.Status = l.Quantity, "fulfilled"
		case e.State == concierge.OrderCancelled, e.State == concierge.OrderExpired:
			ol.Quantity.Current = 0
		}
		d.LineItems = append(d.LineItems, ol)
	}
	d.Totals = []total{{"subtotal", "Subtotal", sess.Subtotal.Minor}}
	if sess.ShippingID != "" {
		d.Totals = append(d.Totals, total{"fulfillment", "Shipping", sess.ShippingCost.Minor})
	}
	d.Totals = append(d.Totals, total{"total", "Total", sess.Total.Minor})
	if e.State == concierge.OrderRefunded {
		d.Adjustments = append(d.Adjustments, adjustment{ID: "adj_" + strconv.FormatInt(e.ID, 10), Type: "refund",
			OccurredAt: e.CreatedAt.UTC().Format(time.RFC3339), Status: "completed", Amount: sess.Total.Minor, Currency: cur})
		d.Totals = append(d.Totals, total{"amount_refunded", "Refunded", sess.Total.Minor})
	}
	return json.Marshal(webhookEvent{Type: string(e.Type), Data: d})
}

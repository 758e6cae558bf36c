package acp

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/internal/jobloop"
	"github.com/conciergehq/concierge/internal/redact"
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
// what the URL may hold of one (its query's values, its password).
func (ep Endpoint) secrets() []string {
	out := []string{string(ep.Secret)}
	if u, err := url.Parse(ep.URL); err == nil {
		for _, vs := range u.Query() {
			out = append(out, vs...)
		}
		if pw, ok := u.User.Password(); ok {
			out = append(out, pw)
		}
	}
	return out
}

// WebhookConfig tunes Webhooks; zero values take the defaults.
type WebhookConfig struct {
	Service   *agentcommerce.Service
	Events    agentcommerce.EventStore
	Endpoints map[concierge.BotID]Endpoint
	Client    *http.Client
	Log       *slog.Logger
	// Now is the clock of signatures and retries; tests set it.
	Now         func() time.Time
	Batch       int           // events claimed at once (default 16)
	Lease       time.Duration // how long a claim lasts if this process dies (default 1m)
	Timeout     time.Duration // per request (default 10s, at most Lease/2)
	MaxAttempts int           // then the event is marked failed (default 12)
	BaseDelay   time.Duration // first retry delay (default 10s)
	MaxDelay    time.Duration // retry delay cap (default 1h)
	Poll        time.Duration // how often to look (default 2s)
}

// Webhooks sends ACP order events (order_create, order_update) to each
// bot's webhook, signed with HMAC-SHA256, from the durable queue the
// session core writes. Delivery is at least once: an event is sent until
// its receiver answers 2xx, then marked sent and never sent again; a crash
// between the answer and its record sends it again, with the same
// Request-Id, once the lease runs out.
type Webhooks struct {
	cfg    WebhookConfig
	client *http.Client
	wake   chan struct{}
}

// NewWebhooks returns a sender for cfg. Redirects are not followed: a 3xx
// is a failure, so that events never go somewhere the merchant did not
// write.
func NewWebhooks(cfg WebhookConfig) *Webhooks {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.Lease, time.Minute)
	def(&cfg.Timeout, 10*time.Second)
	def(&cfg.BaseDelay, 10*time.Second)
	def(&cfg.MaxDelay, time.Hour)
	def(&cfg.Poll, 2*time.Second)
	if cfg.Timeout > cfg.Lease/2 {
		cfg.Timeout = cfg.Lease / 2
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 16
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 12
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := http.Client{}
	if cfg.Client != nil {
		c = *cfg.Client
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Webhooks{cfg: cfg, client: &c, wake: make(chan struct{}, 1)}
}

// Wake makes Run look for events now rather than at its next poll.
func (s *Webhooks) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run sends events until ctx ends.
func (s *Webhooks) Run(ctx context.Context) {
	jobloop.Run(ctx, jobloop.Config{Name: "acp order webhook", Poll: s.cfg.Poll, Wake: s.wake, Log: s.cfg.Log}, func(ctx context.Context) (bool, error) {
		n, err := s.RunOnce(ctx)
		return n >= s.cfg.Batch, err
	})
}

// RunOnce queues the updates of orders that changed, claims one batch of
// due events, sends them and records each outcome. It returns how many it
// claimed.
func (s *Webhooks) RunOnce(ctx context.Context) (int, error) {
	if _, err := s.cfg.Events.WatchOrders(ctx); err != nil {
		return 0, fmt.Errorf("acp: webhooks: %w", err)
	}
	evs, err := s.cfg.Events.ClaimEvents(ctx, agentcommerce.ACP, s.cfg.Batch, s.cfg.Lease)
	if err != nil || len(evs) == 0 {
		return 0, err
	}
	var wg sync.WaitGroup
	for i := range evs {
		wg.Go(func() { s.handle(ctx, &evs[i]) })
	}
	wg.Wait()
	return len(evs), nil
}

func (s *Webhooks) handle(ctx context.Context, e *agentcommerce.Event) {
	r := s.deliver(ctx, e)
	// The outcome is recorded even when ctx ended during the request, so
	// a stop never leaves an event leased until its lease runs out.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	ok, err := s.cfg.Events.FinishEvent(fctx, e, r)
	switch {
	case err != nil:
		s.cfg.Log.Error("acp webhook: record outcome", "event", e.ID, "outcome", r.Outcome, "err", err)
	case !ok:
		s.cfg.Log.Warn("acp webhook: lease lost before the outcome was recorded; the event may be sent again", "event", e.ID)
	}
}

// deliver sends e once and decides what comes next.
func (s *Webhooks) deliver(ctx context.Context, e *agentcommerce.Event) agentcommerce.EventResult {
	ep, ok := s.cfg.Endpoints[e.Bot]
	if !ok || ep.URL == "" {
		return agentcommerce.EventResult{Outcome: agentcommerce.EventFailed, Error: "no ACP webhook_url for this bot"}
	}
	err := redact.Error(s.post(ctx, ep, e), ep.secrets()...)
	if err == nil {
		s.cfg.Log.Info("acp webhook: sent", "event", e.ID, "type", e.Type, "bot", e.Bot, "session", e.Session, "attempt", e.Attempts+1)
		return agentcommerce.EventResult{Outcome: agentcommerce.EventSent, Counted: true}
	}
	if ctx.Err() != nil {
		return agentcommerce.EventResult{Outcome: agentcommerce.EventRetry, Next: s.cfg.Now(), Error: "interrupted: " + err.Error()}
	}
	attempt := e.Attempts + 1
	if attempt >= s.cfg.MaxAttempts {
		s.cfg.Log.Error("acp webhook: gave up", "event", e.ID, "type", e.Type, "bot", e.Bot, "attempts", attempt, "err", err)
		return agentcommerce.EventResult{Outcome: agentcommerce.EventFailed, Counted: true, Error: err.Error()}
	}
	next := s.cfg.Now().Add(jobloop.Backoff(s.cfg.BaseDelay, s.cfg.MaxDelay, e.Attempts))
	s.cfg.Log.Warn("acp webhook: failed, will retry", "event", e.ID, "type", e.Type, "bot", e.Bot, "attempt", attempt, "next", next, "err", err)
	return agentcommerce.EventResult{Outcome: agentcommerce.EventRetry, Next: next, Counted: true, Error: err.Error()}
}

// post makes one signed request; a 2xx answer is success.
func (s *Webhooks) post(ctx context.Context, ep Endpoint, e *agentcommerce.Event) error {
	body, err := s.body(ctx, e)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Concierge-ACP/"+Version)
	req.Header.Set("Request-Id", "evt_"+strconv.FormatInt(e.ID, 10))
	req.Header.Set("Timestamp", s.cfg.Now().UTC().Format(time.RFC3339))
	req.Header.Set(SignatureHeader, Sign(ep.Secret, s.cfg.Now(), body))
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(snippet)))
	}
	return nil
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
func (s *Webhooks) body(ctx context.Context, e *agentcommerce.Event) ([]byte, error) {
	var sess *agentcommerce.Session
	err := s.cfg.Service.View(ctx, func(tx agentcommerce.Tx) error {
		var err error
		sess, err = s.cfg.Service.Get(ctx, tx, e.Bot, e.Session)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("session %s: %w", e.Session, err)
	}
	cur := strings.ToLower(sess.Currency)
	d := orderData{Type: "order", ID: string(e.Order), CheckoutSessionID: sess.ID, PermalinkURL: s.cfg.Service.ContinueURL(sess),
		Status: orderStatus(e.Type, e.State), Currency: cur, LineItems: []orderLine{}, Adjustments: []adjustment{}}
	for _, l := range sess.Lines {
		ol := orderLine{ID: l.ID, Title: l.Title, UnitPrice: l.Unit.Minor, Subtotal: l.Total.Minor}
		ol.Quantity.Ordered, ol.Quantity.Current = l.Quantity, l.Quantity
		switch e.State {
		case concierge.OrderFulfilled:
			ol.Quantity.Fulfilled, ol.Status = l.Quantity, "fulfilled"
		case concierge.OrderCancelled, concierge.OrderExpired:
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

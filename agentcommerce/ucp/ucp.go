// Package ucp serves the Universal Commerce Protocol (release 2026-04-08)
// for the bots that enable it: the business profile at
// /ucp/{bot}/.well-known/ucp (and /.well-known/ucp when one bot enables
// UCP), the REST checkout binding under /ucp/{bot}/ and the catalog's
// search and lookup under /ucp/{bot}/catalog/. It translates
// between UCP's JSON and agentcommerce's sessions; the session core
// decides. Only cmd/concierge imports it.
package ucp

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/httpsig"
)

// Version is the UCP release spoken.
const Version = "2026-04-08"

// Config is what the handler serves.
type Config struct {
	Service *agentcommerce.Service
	// BaseURL is the server's public base, such as https://shop.example.
	BaseURL string
	// Bots enable UCP; MCP lists those whose MCP server the profile
	// names too.
	Bots []concierge.BotID
	MCP  map[concierge.BotID]bool
	// RatePerMinute limits each agent (by its UCP-Agent profile and
	// address); zero is 120.
	RatePerMinute int
	// SigningKeys are the bots' keys: a bot's key signs every response
	// (RFC 9421) and is published in its profile's signing_keys.
	SigningKeys map[concierge.BotID]*httpsig.PrivateKey
	// Keys resolves a signed request's keys from the platform's profile;
	// nil refuses signed requests (they cannot be checked).
	Keys KeyResolver
	// WebhookURLs are the platforms' order webhooks of the bots that send
	// order events (agents.ucp.webhook_url); each needs a SigningKeys
	// entry, which signs them.
	WebhookURLs map[concierge.BotID]string
	// RequireSignatures are the bots that refuse unsigned requests.
	RequireSignatures map[concierge.BotID]bool
	// SimulationSecrets are the bots in test mode that serve the
	// conformance suite's POST /testing/simulate-shipping/{order_id},
	// with the Simulation-Secret each requires.
	SimulationSecrets map[concierge.BotID]string
	// Shipped, if set, is called after a simulated shipment, to wake the
	// order webhooks' senders.
	Shipped func()
	// Now is the clock of signatures; nil is time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// Handler serves UCP.
type Handler struct {
	cfg   Config
	bots  map[concierge.BotID]bool
	limit *agentcommerce.Limiter
}

// New returns a Handler for cfg.
func New(cfg Config) *Handler {
	h := &Handler{cfg: cfg, bots: map[concierge.BotID]bool{}, limit: agentcommerce.NewLimiter(cfg.RatePerMinute)}
	for _, b := range cfg.Bots {
		h.bots[b] = true
	}
	if h.cfg.Log == nil {
		h.cfg.Log = slog.New(slog.DiscardHandler)
	}
	return h
}

// Register adds UCP's routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /ucp/{bot}/.well-known/ucp", h.signed(h.profile))
	if len(h.cfg.Bots) == 1 {
		mux.HandleFunc("GET /.well-known/ucp", h.signed(h.profile))
	}
	mux.HandleFunc("POST /ucp/{bot}/checkout-sessions", h.signed(h.create))
	mux.HandleFunc("GET /ucp/{bot}/checkout-sessions/{id}", h.signed(h.get))
	mux.HandleFunc("PUT /ucp/{bot}/checkout-sessions/{id}", h.signed(h.update))
	mux.HandleFunc("POST /ucp/{bot}/checkout-sessions/{id}/complete", h.signed(h.complete))
	mux.HandleFunc("POST /ucp/{bot}/checkout-sessions/{id}/cancel", h.signed(h.cancel))
	mux.HandleFunc("GET /ucp/{bot}/orders/{id}", h.signed(h.getOrder))
	mux.HandleFunc("/ucp/{bot}/orders/{id}", h.signed(h.orderMethod))
	mux.HandleFunc("POST /ucp/{bot}/catalog/search", h.signed(h.searchCatalog))
	mux.HandleFunc("POST /ucp/{bot}/catalog/lookup", h.signed(h.lookupCatalog))
	mux.HandleFunc("POST /ucp/{bot}/catalog/product", h.signed(h.getProduct))
	mux.HandleFunc("POST /ucp/{bot}/testing/simulate-shipping/{id}", h.simulateShipping)
	if len(h.cfg.Bots) == 1 {
		mux.HandleFunc("POST /testing/simulate-shipping/{id}", h.simulateShipping)
	}
}

// bot returns the request's bot, or "" for /.well-known/ucp.
func (h *Handler) bot(r *http.Request) (concierge.BotID, bool) {
	b := concierge.BotID(r.PathValue("bot"))
	if b == "" && len(h.cfg.Bots) == 1 {
		b = h.cfg.Bots[0]
	}
	return b, h.bots[b]
}

func (h *Handler) endpoint(bot concierge.BotID) string {
	return strings.TrimRight(h.cfg.BaseURL, "/") + "/ucp/" + string(bot)
}

// protocolError answers a refusal that is not a business outcome: UCP's
// {code, content} with an HTTP status.
func protocolError(w http.ResponseWriter, status int, code, content string) {
	writeJSON(w, status, map[string]any{"code": code, "content": content})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// admit checks a request's bot, UCP-Agent (and the protocol version it
// states) and its agent's rate, and answers when they fail. It returns the bot and the UCP-Agent header.
func (h *Handler) admit(w http.ResponseWriter, r *http.Request) (concierge.BotID, string, bool) {
	bot, ok := h.bot(r)
	if !ok {
		protocolError(w, http.StatusNotFound, "not_found", "this shop does not speak UCP")
		return "", "", false
	}
	agent := r.Header.Get("UCP-Agent")
	if agent == "" {
		protocolError(w, http.StatusBadRequest, "invalid_request", `the UCP-Agent header is required (profile="https://…/.well-known/ucp")`)
		return "", "", false
	}
	if !h.limit.Allow(string(bot) + "|" + agent + "|" + clientIP(r)) {
		w.Header().Set("Retry-After", "10")
		protocolError(w, http.StatusTooManyRequests, "rate_limited", "too many requests; slow down")
		return "", "", false
	}
	// A version the platform states in UCP-Agent is checked here, before
	// anything is read; the version its signed profile declares is
	// checked by verify.
	if _, v := agentParams(agent); v != "" {
		if content, refused := RefuseVersion(v); refused {
			h.versionUnsupported(w, bot, content)
			return "", "", false
		}
	}
	return bot, agent, true
}

// call is one checkout request: checked, limited, made idempotent and
// answered.
func (h *Handler) call(w http.ResponseWriter, r *http.Request, status int, op func(ctx context.Context, tx agentcommerce.Tx, bot concierge.BotID, body []byte) (*agentcommerce.Session, error)) {
	h.callSession(w, r, status, duringNone, op)
}

// during is what a checkout operation does while a completion of its
// session is being processed, by any replica and through any protocol
// (agentcommerce's BeginComplete).
type during int

const (
	duringNone   during = iota // Create Checkout: no session yet
	duringRead                 // Get and Complete Checkout: complete_in_progress (inProgress)
	duringUpdate               // Update Checkout: refused, 409 complete_in_progress
	duringCancel               // Cancel Checkout: the same
)

// change is the change d makes, which a completion in progress refuses.
func (d during) change() agentcommerce.Change {
	if d == duringCancel {
		return agentcommerce.ChangeCancel
	}
	return agentcommerce.ChangeUpdate
}

// callSession is call for an operation on the session of the path's id,
// answered as d says while a completion of that session is being
// processed.
func (h *Handler) callSession(w http.ResponseWriter, r *http.Request, status int, d during, op func(ctx context.Context, tx agentcommerce.Tx, bot concierge.BotID, body []byte) (*agentcommerce.Session, error)) {
	bot, _, ok := h.admit(w, r)
	if !ok {
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if r.Method != http.MethodGet && (key == "" || len(key) > 255) {
		protocolError(w, http.StatusBadRequest, "invalid_request", "an Idempotency-Key header (at most 255 characters) is required")
		return
	}
	body, err := agentcommerce.ReadBody(w, r)
	if errors.Is(err, agentcommerce.ErrTooLarge) {
		protocolError(w, http.StatusRequestEntityTooLarge, "invalid_request", "the request body is too large")
		return
	}
	if err != nil {
		protocolError(w, http.StatusBadRequest, "invalid_request", "the request body could not be read")
		return
	}
	if r.Method != http.MethodGet && len(body) > 0 && !json.Valid(body) {
		protocolError(w, http.StatusBadRequest, "invalid_request", "the request body is not JSON")
		return
	}
	if code, msg := h.verify(r, bot, body); code != "" {
		h.authFailed(w, bot, code, msg)
		return
	}
	var release func()
	switch d {
	case duringUpdate, duringCancel:
		// Answered at once, rather than after waiting for the
		// completion's transaction and then 409 finished.
		if err := h.cfg.Service.Changeable(r.Context(), bot, r.PathValue("id"), d.change()); err != nil {
			h.refused(w, r, bot, err)
			return
		}
	case duringRead:
		var answered bool
		if release, answered = h.inProgress(w, r, bot); answered {
			return
		}
		if release != nil {
			defer release()
		}
	}
	svc := h.cfg.Service
	code, resp, _, err := svc.Do(r.Context(), string(bot)+"/ucp", key, []byte(r.Method+" "+r.URL.Path+"\n"+string(body)), func(tx agentcommerce.Tx) (int, []byte, error) {
		s, err := op(r.Context(), tx, bot, body)
		if err != nil {
			return 0, nil, err
		}
		b, err := json.Marshal(h.render(s))
		return status, b, err
	})
	if release != nil {
		// The completion has ended: a read after this answer sees it.
		release()
	}
	if err != nil {
		h.refused(w, r, bot, err)
		return
	}
	if key != "" {
		w.Header().Set("Idempotency-Key", key)
	}
	writeRaw(w, code, resp)
}

// inProgress answers a Get or Complete Checkout that arrives while a
// completion of its session is being processed (by any replica) with
// the session as it was, status complete_in_progress (checkout.md:
// "Business is processing the Complete Checkout request"), HTTP 200,
// without waiting for the completion nor charging anything: the
// platform reads the session again to see it completed. A complete that
// starts announces itself first and returns release, which the caller
// calls once the completion has ended.
func (h *Handler) inProgress(w http.ResponseWriter, r *http.Request, bot concierge.BotID) (release func(), answered bool) {
	svc, id := h.cfg.Service, r.PathValue("id")
	if r.Method != http.MethodGet {
		rel, busy, err := svc.BeginComplete(r.Context(), bot, id)
		if err != nil {
			h.refused(w, r, bot, err)
			return nil, true
		}
		if !busy {
			return rel, false
		}
	}
	sess, err := svc.Completing(r.Context(), bot, id)
	if err != nil {
		h.refused(w, r, bot, err)
		return nil, true
	}
	if sess == nil {
		return nil, false
	}
	writeJSON(w, http.StatusOK, h.render(sess))
	return nil, true
}

// refused answers an error: protocol errors with a status, business
// outcomes (stock, unknown items, payment) with 200 and UCP's error
// envelope, as the REST binding says.
func (h *Handler) refused(w http.ResponseWriter, r *http.Request, bot concierge.BotID, err error) {
	o, ok := h.Refusal(bot, err)
	if !ok {
		h.cfg.Log.Error("ucp", "bot", bot, "path", r.URL.Path, "err", err)
		protocolError(w, http.StatusInternalServerError, "internal_error", "internal error")
		return
	}
	writeJSON(w, o.Status, o.Body)
}

// Outcome is how UCP answers a refused checkout operation. A business
// outcome (out of stock, unknown item, payment declined, information
// missing to complete, escalation) is UCP's envelope with ucp.status
// "error" and messages: HTTP 200 over REST, the tool's result over MCP
// (checkout-mcp.md, "Business Outcomes"). Any other refusal is a
// protocol error: Status is the REST binding's HTTP status and Body its
// {code, content}.
type Outcome struct {
	Business bool
	Status   int
	Body     map[string]any
}

// Refusal returns how err is answered for bot, as both bindings share
// it; ok is false when err is no refusal (an internal error, which the
// caller logs and answers as such).
func (h *Handler) Refusal(bot concierge.BotID, err error) (o Outcome, ok bool) {
	e := agentcommerce.AsError(err)
	if e == nil {
		return Outcome{}, false
	}
	switch e.Reason {
	case agentcommerce.ReasonInvalid, agentcommerce.ReasonMissing, agentcommerce.ReasonCurrency, agentcommerce.ReasonPaymentHandler:
		return Outcome{Status: Status("invalid_request"), Body: map[string]any{"code": "invalid_request", "content": e.Message, "path": e.Path}}, true
	case agentcommerce.ReasonNotFound:
		return Outcome{Status: Status("not_found"), Body: map[string]any{"code": "not_found", "content": e.Message}}, true
	case agentcommerce.ReasonIdempotencyReuse:
		return Outcome{Status: Status("idempotency_conflict"), Body: map[string]any{"code": "idempotency_conflict", "content": e.Message}}, true
	case agentcommerce.ReasonFinished, agentcommerce.ReasonExpired, agentcommerce.ReasonCompleting:
		return Outcome{Status: Status(string(e.Reason)), Body: map[string]any{"code": string(e.Reason), "content": e.Message}}, true
	}
	code, severity := string(e.Reason), "recoverable"
	switch e.Reason {
	case agentcommerce.ReasonPaymentDeclined:
		code = "payment_failed"
	case agentcommerce.ReasonNotReady:
		code = "missing"
	case agentcommerce.ReasonEscalation:
		severity = "requires_buyer_review"
	}
	msg := map[string]any{"type": "error", "code": code, "content": e.Message, "severity": severity}
	if e.Path != "" {
		msg["path"] = e.Path
	}
	out := map[string]any{"ucp": map[string]any{"version": Version, "status": "error"}, "messages": []any{msg}}
	if shop := h.cfg.Service.Shop(bot); shop != nil && shop.WidgetURL != "" {
		out["continue_url"] = shop.WidgetURL
	}
	return Outcome{Business: true, Status: http.StatusOK, Body: out}, true
}

func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return host
}

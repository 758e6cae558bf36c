// Package acp serves the Agentic Commerce Protocol (API version
// 2026-04-17) for the bots that enable it: checkout_sessions under
// /acp/{bot}/ and the product feed at /acp/{bot}/feed. It translates
// between ACP's JSON and agentcommerce's sessions; the session core
// decides, exactly as it does for UCP. Only cmd/concierge imports it.
package acp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
)

// Version is the ACP API version spoken; API-Version must name it.
const Version = "2026-04-17"

// Config is what the handler serves.
type Config struct {
	Service *agentcommerce.Service
	// BaseURL is the server's public base, such as https://shop.example.
	BaseURL string
	// Keys are the bearer keys of each bot that enables ACP.
	Keys map[concierge.BotID][]string
	// SigningSecrets are the HMAC secrets the bots share with their
	// agent: a bot with one refuses requests whose Signature and
	// Timestamp do not verify (see checkSignature).
	SigningSecrets map[concierge.BotID][]byte
	// RatePerMinute limits each API key; zero is 120.
	RatePerMinute int
	// Now is the clock of signatures; nil is time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// Handler serves ACP.
type Handler struct {
	cfg   Config
	limit *agentcommerce.Limiter
}

// New returns a Handler for cfg.
func New(cfg Config) *Handler {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Handler{cfg: cfg, limit: agentcommerce.NewLimiter(cfg.RatePerMinute)}
}

// Register adds ACP's routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /acp/{bot}/checkout_sessions", h.create)
	mux.HandleFunc("POST /acp/{bot}/checkout_sessions/{id}", h.update)
	mux.HandleFunc("GET /acp/{bot}/checkout_sessions/{id}", h.get)
	mux.HandleFunc("POST /acp/{bot}/checkout_sessions/{id}/complete", h.complete)
	mux.HandleFunc("POST /acp/{bot}/checkout_sessions/{id}/cancel", h.cancel)
	mux.HandleFunc("GET /acp/{bot}/feed", h.feed)
	mux.HandleFunc("POST /acp/{bot}/agentic_commerce/delegate_payment", h.delegatePayment)
}

// apiError is ACP's flat error.
type apiError struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Param   string `json:"param,omitempty"`
}

func fail(w http.ResponseWriter, status int, code, msg, param string) {
	typ := "invalid_request"
	switch {
	case status == http.StatusServiceUnavailable:
		typ = "service_unavailable"
	case status >= 500:
		typ = "processing_error"
	}
	writeJSON(w, status, apiError{Type: typ, Code: code, Message: msg, Param: param})
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

// authorize checks the request's bot, bearer key and rate, and answers
// when they fail. It returns the bot and a key id (a hash of the key, so
// that the key itself is never stored or logged).
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request) (concierge.BotID, string, bool) {
	bot := concierge.BotID(r.PathValue("bot"))
	keys, ok := h.cfg.Keys[bot]
	if !ok || h.cfg.Service.Shop(bot) == nil {
		fail(w, http.StatusNotFound, "not_found", "this shop does not speak ACP", "")
		return "", "", false
	}
	token, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !found || !known(keys, strings.TrimSpace(token)) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="acp"`)
		fail(w, http.StatusUnauthorized, "unauthorized", "a valid API key is required as Authorization: Bearer <key>", "")
		return "", "", false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	keyID := hex.EncodeToString(sum[:8])
	if !h.limit.Allow(string(bot) + "|" + keyID) {
		w.Header().Set("Retry-After", "10")
		fail(w, http.StatusTooManyRequests, "rate_limited", "too many requests; slow down", "")
		return "", "", false
	}
	return bot, keyID, true
}

// known reports whether token is one of keys, in time independent of
// where they differ.
func known(keys []string, token string) bool {
	ok := 0
	for _, k := range keys {
		if k != "" && token != "" {
			ok |= subtle.ConstantTimeCompare([]byte(k), []byte(token))
		}
	}
	return ok == 1
}

// call is one checkout request: authenticated, versioned, limited, made
// idempotent and answered.
// d says what the request does while a completion of its session is
// being processed (see whileCompleting).
func (h *Handler) call(w http.ResponseWriter, r *http.Request, status int, d during, op func(ctx context.Context, tx agentcommerce.Tx, bot concierge.BotID, body []byte) (*agentcommerce.Session, error)) {
	h.serve(w, r, status, d, func(ctx context.Context, tx agentcommerce.Tx, bot concierge.BotID, body []byte) (any, error) {
		s, err := op(ctx, tx, bot, body)
		if err != nil {
			return nil, err
		}
		return h.render(s), nil
	}, false)
}

// during is what a checkout request does while a completion of its
// session is being processed, by any replica and through any protocol
// (agentcommerce's BeginComplete).
type during int

const (
	duringNone     during = iota // create, delegate_payment: no session yet
	duringRead                   // GET: the session as last committed, complete_in_progress
	duringComplete               // complete: the same, charging nothing; else it begins the completion
	duringUpdate                 // update: refused, 409 conflict
	duringCancel                 // cancel: the same
)

// change is the change d makes, which a completion in progress refuses.
func (d during) change() agentcommerce.Change {
	if d == duringCancel {
		return agentcommerce.ChangeCancel
	}
	return agentcommerce.ChangeUpdate
}

// serve is one ACP request whose answer op makes: authenticated,
// versioned, limited, made idempotent and answered with op's value as
// JSON. cardData says the body carries a card (delegate_payment), whose
// stored request hash must then be keyed.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, status int, d during, op func(ctx context.Context, tx agentcommerce.Tx, bot concierge.BotID, body []byte) (any, error), cardData bool) {
	bot, keyID, ok := h.authorize(w, r)
	if !ok {
		return
	}
	if v := r.Header.Get("API-Version"); v != Version {
		fail(w, http.StatusBadRequest, "unsupported_api_version", "API-Version must be "+Version, "")
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if r.Method == http.MethodPost && key == "" {
		fail(w, http.StatusBadRequest, "idempotency_key_required", "Idempotency-Key header is required", "")
		return
	}
	if len(key) > 255 {
		fail(w, http.StatusBadRequest, "invalid", "Idempotency-Key is at most 255 characters", "")
		return
	}
	body, err := agentcommerce.ReadBody(w, r)
	if errors.Is(err, agentcommerce.ErrTooLarge) {
		fail(w, http.StatusRequestEntityTooLarge, "request_too_large", "the request body is too large", "")
		return
	}
	if err != nil {
		fail(w, http.StatusBadRequest, "invalid", "the request body could not be read", "")
		return
	}
	if r.Method == http.MethodPost && len(body) > 0 && !json.Valid(body) {
		fail(w, http.StatusBadRequest, "invalid", "the request body is not JSON", "")
		return
	}
	if id := r.Header.Get("Request-Id"); id != "" {
		w.Header().Set("Request-Id", id)
	}
	if e := h.checkSignature(r, bot, body); e != nil {
		fail(w, http.StatusUnauthorized, e.code, e.msg, "")
		return
	}
	// Keys are scoped to the authenticated identity and the endpoint, as
	// the spec says; the endpoint is part of the hashed request.
	scope := string(bot) + "/acp/" + keyID
	request := []byte(r.Method + " " + r.URL.Path + "\n" + string(body))
	if cardData {
		// The request's hash is kept with its key (agent_idempotency,
		// agent_flights); one over a card's number must be keyed, so it
		// is taken over an HMAC with the agent's API key, which the
		// database never holds. The same key and body still hash alike.
		mac := hmac.New(sha256.New, []byte(strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))))
		mac.Write(request)
		request = []byte(r.Method + " " + r.URL.Path + "\nhmac:" + hex.EncodeToString(mac.Sum(nil)))
	}
	release, answered := h.whileCompleting(w, r, bot, scope, key, d)
	if answered {
		return
	}
	if release != nil {
		defer release()
	}
	code, resp, replayed, err := h.cfg.Service.DoOnce(r.Context(), scope, key, request, func(tx agentcommerce.Tx) (int, []byte, error) {
		if err := claimSignature(r.Context(), tx, bot, r, key); err != nil {
			return 0, nil, err
		}
		v, err := op(r.Context(), tx, bot, body)
		if err != nil {
			return 0, nil, err
		}
		b, err := json.Marshal(v)
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
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeRaw(w, code, resp)
}

// whileCompleting answers a request on a session whose completion is
// being processed (by any replica, through any protocol) without
// waiting for that completion, whose transaction holds SQLite's one
// writer: a GET, and a complete under another Idempotency-Key, with the
// session as last committed and status complete_in_progress (one of
// 2026-04-17's CheckoutSession statuses; UCP's "Business is processing
// the Complete Checkout request"), 200, charging nothing; an update or
// a cancel with 409 conflict. A complete retried under its own key
// while it runs is left to DoOnce, whose answer is the spec's 409
// idempotency_in_flight. A complete that starts announces itself first
// (BeginComplete) and returns release, which the caller calls once it
// has ended.
func (h *Handler) whileCompleting(w http.ResponseWriter, r *http.Request, bot concierge.BotID, scope, key string, d during) (release func(), answered bool) {
	svc, id, ctx := h.cfg.Service, r.PathValue("id"), r.Context()
	switch d {
	case duringNone:
		return nil, false
	case duringUpdate, duringCancel:
		if err := svc.Changeable(ctx, bot, id, d.change()); err != nil {
			h.refused(w, r, bot, err)
			return nil, true
		}
		return nil, false
	case duringComplete:
		busy, err := svc.InFlight(ctx, scope, key)
		if err != nil {
			h.refused(w, r, bot, err)
			return nil, true
		}
		if busy {
			return nil, false // DoOnce answers 409 idempotency_in_flight
		}
		rel, busy, err := svc.BeginComplete(ctx, bot, id)
		if err != nil {
			h.refused(w, r, bot, err)
			return nil, true
		}
		if !busy {
			return rel, false
		}
	}
	sess, err := svc.Completing(ctx, bot, id)
	if err != nil {
		h.refused(w, r, bot, err)
		return nil, true
	}
	if sess == nil {
		return nil, false
	}
	if key != "" {
		w.Header().Set("Idempotency-Key", key)
	}
	writeJSON(w, http.StatusOK, h.render(sess))
	return nil, true
}

// refused answers an error with ACP's flat error. ACP has no 200 error
// envelope: a refused request changed nothing, and the agent reads the
// session again with GET.
func (h *Handler) refused(w http.ResponseWriter, r *http.Request, bot concierge.BotID, err error) {
	if se := asSignatureError(err); se != nil {
		fail(w, http.StatusUnauthorized, se.code, se.msg, "")
		return
	}
	var de *delegateError
	if errors.As(err, &de) {
		fail(w, de.status, de.code, de.msg, de.param)
		return
	}
	e := agentcommerce.AsError(err)
	if e == nil {
		h.cfg.Log.Error("acp", "bot", bot, "path", r.URL.Path, "err", err)
		fail(w, http.StatusInternalServerError, "internal_error", "internal error", "")
		return
	}
	status, code := http.StatusBadRequest, "invalid"
	switch e.Reason {
	case agentcommerce.ReasonMissing, agentcommerce.ReasonNotReady:
		code = "missing"
	case agentcommerce.ReasonOutOfStock:
		code = "out_of_stock"
	case agentcommerce.ReasonNotFound:
		status, code = http.StatusNotFound, "not_found"
	case agentcommerce.ReasonIdempotencyReuse:
		status, code = http.StatusUnprocessableEntity, "idempotency_conflict"
	case agentcommerce.ReasonInFlight:
		// The spec requires Retry-After with its 409.
		w.Header().Set("Retry-After", "1")
		status, code = http.StatusConflict, "idempotency_in_flight"
	case agentcommerce.ReasonFinished:
		status, code = http.StatusConflict, "conflict"
		if strings.HasSuffix(r.URL.Path, "/cancel") {
			status = http.StatusMethodNotAllowed // the spec's answer to canceling a finished session
		}
	case agentcommerce.ReasonCompleting:
		// Not 405 as for a finished session: should the completion fail
		// (a declined payment) the session may change again.
		w.Header().Set("Retry-After", "1")
		status, code = http.StatusConflict, "conflict"
	case agentcommerce.ReasonExpired:
		status, code = http.StatusConflict, "expired"
	case agentcommerce.ReasonEscalation:
		code = "requires_escalation"
	case agentcommerce.ReasonPaymentDeclined:
		status, code = http.StatusPaymentRequired, "payment_declined"
	}
	fail(w, status, code, e.Message, param(e.Path))
}

// param turns the core's JSONPaths (UCP's names) into ACP's.
func param(p string) string {
	for _, r := range [][2]string{
		{"$.fulfillment.address", "$.fulfillment_details.address"},
		{"$.fulfillment.selected_option_id", "$.selected_fulfillment_options[0].option_id"},
		{"$.payment.instruments[0].credential", "$.payment_data.instrument.credential"},
		{"$.payment.instruments[0].handler_id", "$.payment_data.handler_id"},
	} {
		if strings.HasPrefix(p, r[0]) {
			return r[1] + p[len(r[0]):]
		}
	}
	return p
}

// Package mcp serves a Model Context Protocol server per bot at
// /mcp/{bot} (Streamable HTTP, stateless, with the official go-sdk): the
// tools search_catalog, get_product, lookup_catalog, create_checkout,
// update_checkout, get_checkout, complete_checkout and cancel_checkout,
// whose schemas are generated from the Go types below. They also take
// UCP's MCP binding's arguments ({meta, id, checkout} or {meta,
// catalog}, see binding.go): the checkout tools then answer UCP's
// checkout object beside their own view, the catalog tools UCP's
// products. A call in the binding's shape must name its platform in
// meta["ucp-agent"] (a version it states is checked as the REST header's
// is; the profile must be an https URL, and is fetched and cached as
// the REST binding does, its own version checked; a signed POST is
// verified with its signing keys, and a checkout it creates gets UCP's
// order events at the webhook its profile declares), responses are
// signed with the bot's UCP key as the REST binding's are, and its
// refusals are answered as the binding says: business
// outcomes as results with UCP's error envelope, protocol errors as
// JSON-RPC errors. The tools run on
// agentcommerce's session core, so the guardrails are the chat's and
// UCP's: prices and stock from the catalog, payment confirmed by the
// handler. Only cmd/concierge imports it.
package mcp

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/httpsig"
	"github.com/conciergehq/concierge/agentcommerce/ucp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Version is the version of the server the tools are served by.
const Version = "1.0.0"

// Config is what the handler serves.
type Config struct {
	Service *agentcommerce.Service
	// BaseURL is the server's public base, such as https://shop.example.
	BaseURL string
	// Keys are, per bot that enables MCP, the bearer keys clients must
	// send; an empty list leaves that bot's server open.
	Keys map[concierge.BotID][]string
	// RatePerMinute limits each key (or address, when open); zero is 120.
	RatePerMinute int
	// Profiles reads the platforms' UCP profiles over HTTPS and keeps
	// them a while, as the REST binding's ucp.Config.Keys does: a call
	// that names its platform (meta["ucp-agent"] or UCP-Agent) has its
	// profile's ucp.version checked, and a signed /mcp request is
	// verified with its signing_keys. nil is a ucp.ProfileKeys of the
	// handler's own.
	Profiles Profiles
	// SigningKeys are the bots' UCP signing keys (agents.ucp.signing_key,
	// published in their business profiles): a bot's key signs every
	// response of its MCP server (Register), and with it a checkout
	// created by a signed /mcp POST takes the order webhook its
	// platform's profile declares, and gets UCP's order events there
	// (ucp.Handler.Platform, as over REST).
	SigningKeys map[concierge.BotID]*httpsig.PrivateKey
	Log         *slog.Logger
}

// Profiles reads platforms' UCP profiles: the signing keys and the
// protocol version each declares (ucp.ProfileKeys is one).
type Profiles interface {
	ucp.KeyResolver
	ucp.VersionResolver
}

// Handler serves MCP.
type Handler struct {
	cfg     Config
	limit   *agentcommerce.Limiter
	servers map[concierge.BotID]*sdk.Server
	http    *sdk.StreamableHTTPHandler
	// ucp renders checkouts as UCP's checkout object, for the UCP MCP
	// binding, and reads the platform that creates one; it serves no
	// routes.
	ucp *ucp.Handler
}

// New returns a Handler for cfg, with one MCP server per bot.
func New(cfg Config) *Handler {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Profiles == nil {
		cfg.Profiles = &ucp.ProfileKeys{}
	}
	h := &Handler{cfg: cfg, limit: agentcommerce.NewLimiter(cfg.RatePerMinute), servers: map[concierge.BotID]*sdk.Server{},
		ucp: ucp.New(ucp.Config{Service: cfg.Service, BaseURL: cfg.BaseURL, Keys: cfg.Profiles, SigningKeys: cfg.SigningKeys, Log: cfg.Log})}
	for bot := range cfg.Keys {
		if cfg.Service.Shop(bot) != nil {
			h.servers[bot] = h.server(bot)
		}
	}
	// Stateless: each POST stands alone, so replicas share nothing.
	h.http = sdk.NewStreamableHTTPHandler(func(r *http.Request) *sdk.Server {
		return h.servers[concierge.BotID(r.PathValue("bot"))]
	}, &sdk.StreamableHTTPOptions{Stateless: true, Logger: cfg.Log})
	return h
}

// Register adds the MCP endpoint to mux. Every response of a bot with a
// signing key is signed as UCP's REST binding signs its own (RFC 9421
// over @status, and Content-Digest and Content-Type when there is a
// body), by the REST binding's code: checkout-mcp.md's "Response
// Signing" says the algorithm is identical for MCP over HTTP. The body
// signed is the one sent, an SSE event or JSON.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("/mcp/{bot}", h.ucp.Signed(h.serve))
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	bot := concierge.BotID(r.PathValue("bot"))
	if h.servers[bot] == nil {
		http.Error(w, "this shop has no MCP server", http.StatusNotFound)
		return
	}
	who := clientIP(r)
	if keys := h.cfg.Keys[bot]; len(keys) > 0 {
		token, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !found || !known(keys, strings.TrimSpace(token)) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mcp"`)
			refuseCall(w, http.StatusUnauthorized, "Unauthorized", map[string]any{"code": "unauthorized", "content": "a valid API key is required as Authorization: Bearer <key>"})
			return
		}
		who = "key:" + strings.TrimSpace(token)
	}
	if !h.limit.Allow(string(bot) + "|" + who) {
		w.Header().Set("Retry-After", "10")
		refuseCall(w, http.StatusTooManyRequests, "Rate limit exceeded", map[string]any{"code": "rate_limited", "content": "too many requests; slow down", "retry_after": 10})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, agentcommerce.MaxBody)
	if !h.verified(w, r, bot) {
		return
	}
	if r.Method != http.MethodPost {
		h.http.ServeHTTP(w, r)
		return
	}
	// A POST's answer is held, so that a JSON-RPC error is sent with its
	// HTTP status (status.go).
	sw := newStatusWriter()
	h.http.ServeHTTP(sw, r)
	sw.send(w)
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

func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return host
}

// refuseCall answers a request refused before it is read (no key, too
// many requests, a signature that does not verify) as UCP's overview
// shows for MCP: the HTTP status, and a JSON-RPC error -32000 whose data
// says why (retry_after for 429). Its id is null: the request was not
// read.
func refuseCall(w http.ResponseWriter, status int, message string, data map[string]any) {
	refuseWith(w, status, codeProtocol, message, data)
}

func refuseWith(w http.ResponseWriter, status int, code int64, message string, data map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": nil, "error": map[string]any{"code": code, "message": message, "data": data}})
}

// verified checks the RFC 9421 signature of a signed POST with the
// REST binding's code (ucp.Handler.Verify): the platform's profile is
// the one its UCP-Agent header names, and its signing_keys are read
// through Config.Profiles. An unsigned request passes; one whose
// signature does not verify is answered here, before it is read, with
// the REST binding's code and status (401; 422 when the signer's
// profile declares a version this business does not serve, -32001 as
// the binding's negotiation errors) and reaches no tool. The body is
// read once and handed on unchanged.
func (h *Handler) verified(w http.ResponseWriter, r *http.Request, bot concierge.BotID) bool {
	if r.Method != http.MethodPost || (r.Header.Get("Signature-Input") == "" && r.Header.Get("Signature") == "") {
		return true
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		refuseCall(w, http.StatusRequestEntityTooLarge, "Request too large", map[string]any{"code": "request_too_large", "content": "the request body is too large"})
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	code, msg := h.ucp.Verify(r, bot, body)
	switch code {
	case "":
		return true
	case "version_unsupported":
		refuseWith(w, ucp.Status(code), codeNegotiation, "Protocol version not supported", map[string]any{"code": code, "content": msg})
	default:
		refuseCall(w, ucp.Status(code), "Signature verification failed", map[string]any{"code": code, "content": msg})
	}
	return false
}

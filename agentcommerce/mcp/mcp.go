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
// is), and its refusals are answered as the binding says: business
// outcomes as results with UCP's error envelope, protocol errors as
// JSON-RPC errors. The tools run on
// agentcommerce's session core, so the guardrails are the chat's and
// UCP's: prices and stock from the catalog, payment confirmed by the
// handler. Only cmd/concierge imports it.
package mcp

import (
	"crypto/subtle"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
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
	Log           *slog.Logger
}

// Handler serves MCP.
type Handler struct {
	cfg     Config
	limit   *agentcommerce.Limiter
	servers map[concierge.BotID]*sdk.Server
	http    *sdk.StreamableHTTPHandler
	// ucp renders checkouts as UCP's checkout object, for the UCP MCP
	// binding; it serves no routes.
	ucp *ucp.Handler
}

// New returns a Handler for cfg, with one MCP server per bot.
func New(cfg Config) *Handler {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{cfg: cfg, limit: agentcommerce.NewLimiter(cfg.RatePerMinute), servers: map[concierge.BotID]*sdk.Server{},
		ucp: ucp.New(ucp.Config{Service: cfg.Service, BaseURL: cfg.BaseURL, Log: cfg.Log})}
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

// Register adds the MCP endpoint to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("/mcp/{bot}", h.serve)
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
// many requests) as UCP's overview shows for MCP: the HTTP status, and a
// JSON-RPC error -32000 whose data says why (retry_after for 429). Its
// id is null: the request was not read.
func refuseCall(w http.ResponseWriter, status int, message string, data map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": nil, "error": map[string]any{"code": codeProtocol, "message": message, "data": data}})
}

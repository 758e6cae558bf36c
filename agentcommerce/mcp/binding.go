package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/ucp"
	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// UCP's MCP binding (docs/specification/checkout-mcp.md and
// catalog/mcp.md) calls the same
// tools with {meta, id, checkout}: meta carries the agent's profile and
// the idempotency key, checkout is UCP's checkout object, read by the
// same Go type as the REST binding's body (ucp.CheckoutRequest). The
// tools take either that or their own flat arguments (items, buyer,
// address, shipping_option, payment_handler, payment_token), and answer
// both: the flat view and, beside it, UCP's checkout object (ucp,
// line_items, totals, fulfillment…).

// Meta is the binding's request metadata.
type Meta struct {
	UCPAgent       *Agent `json:"ucp-agent,omitempty" jsonschema:"the platform: required by UCP's MCP binding"`
	IdempotencyKey string `json:"idempotency-key,omitempty" jsonschema:"a unique key: a retry with the same key and input returns the same checkout; required by complete_checkout and cancel_checkout"`
}

// Agent is meta["ucp-agent"], the binding's UCP-Agent header: the
// platform's profile and, as the header's version member, the protocol
// version it speaks.
type Agent struct {
	Profile string `json:"profile" jsonschema:"the URL of the platform's UCP profile"`
	Version string `json:"version,omitempty" jsonschema:"the UCP protocol version the platform speaks (YYYY-MM-DD); another than this business's is refused"`
}

// The binding's JSON-RPC errors (overview.md, "Error Handling"):
// negotiation failures (no or a malformed profile, an unsupported
// version) are -32001, other protocol errors -32000, an unexpected
// server error -32603.
const (
	codeNegotiation int64 = -32001
	codeProtocol    int64 = -32000
)

// admit checks a call that speaks UCP's MCP binding, as the REST
// binding checks UCP-Agent, before anything is read or changed: the
// platform's profile is required on every call (checkout-mcp.md,
// "Request Metadata"; mcp.openrpc.json's meta), named by
// meta["ucp-agent"] or by a UCP-Agent HTTP header on the /mcp request
// (header, the REST binding's; when both are sent they must name the
// same profile), and must be an https URL (ucp.CheckProfileURL, the
// REST binding's check); a version either states must be served
// (ucp.RefuseVersion, which the REST binding uses too); the profile is
// then read (Config.Profiles, cached), and the version it declares must
// be served too; and complete_checkout and cancel_checkout need
// meta["idempotency-key"] (needKey).
func (h *Handler) admit(ctx context.Context, bot concierge.BotID, meta *Meta, header string, needKey bool) error {
	var profile, version string
	if meta != nil && meta.UCPAgent != nil {
		profile, version = strings.TrimSpace(meta.UCPAgent.Profile), strings.TrimSpace(meta.UCPAgent.Version)
	}
	if header != "" {
		hp, hv := ucp.ParseAgent(header)
		switch {
		case hp == "":
			return h.negotiation(bot, "UCP discovery failed", "invalid_profile_url",
				`the UCP-Agent header names no profile: profile="https://…/.well-known/ucp" is required`)
		case profile != "" && hp != profile:
			return h.negotiation(bot, "UCP discovery failed", "invalid_profile_url",
				`the UCP-Agent header and meta["ucp-agent"].profile name different platforms`)
		}
		profile = hp
		if content, refused := ucp.RefuseVersion(hv); refused {
			return h.negotiation(bot, "Protocol version not supported", "version_unsupported", content)
		}
	}
	if profile == "" {
		return h.negotiation(bot, "UCP discovery failed", "invalid_profile_url",
			`meta["ucp-agent"].profile is required: the URL of the platform's UCP profile`)
	}
	if ucp.CheckProfileURL(profile) != nil {
		return h.negotiation(bot, "UCP discovery failed", "invalid_profile_url",
			`the platform's profile (meta["ucp-agent"].profile or the UCP-Agent header's) must be an https URL`)
	}
	if content, refused := ucp.RefuseVersion(version); refused {
		return h.negotiation(bot, "Protocol version not supported", "version_unsupported", content)
	}
	declared, err := h.cfg.Profiles.ProtocolVersion(ctx, profile)
	switch {
	case errors.Is(err, ucp.ErrProfileMalformed):
		return h.negotiation(bot, "UCP discovery failed", "profile_malformed", "the platform's profile is not a UCP profile (JSON)")
	case err != nil:
		return h.negotiation(bot, "UCP discovery failed", "profile_unreachable", "the platform's profile could not be read: "+err.Error())
	}
	if content, refused := ucp.RefuseVersion(declared); refused {
		return h.negotiation(bot, "Protocol version not supported", "version_unsupported", content)
	}
	if needKey && (meta == nil || strings.TrimSpace(meta.IdempotencyKey) == "") {
		return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: `meta["idempotency-key"] is required by complete_checkout and cancel_checkout`}
	}
	return nil
}

// platform is who creates a checkout over MCP: the profile the call
// names (the UCP-Agent header's, else meta["ucp-agent"]'s; admit
// checked that they agree) and, when the /mcp POST was signed, the
// order webhook that profile declares, decided by the REST binding's
// code (ucp.Handler.Platform: only for a bot with a signing key). A
// signed POST reaches a tool only once serve has verified it against
// that profile's keys (verified), as REST verifies before its create.
func (h *Handler) platform(ctx context.Context, bot concierge.BotID, meta *Meta, req *sdk.CallToolRequest) (profile, webhook string) {
	if req != nil && req.Extra != nil && req.Extra.Header != nil {
		profile, webhook = h.ucp.Platform(ctx, req.Extra.Header, bot)
	}
	if profile == "" && meta != nil && meta.UCPAgent != nil {
		profile = strings.TrimSpace(meta.UCPAgent.Profile)
	}
	return profile, webhook
}

// agentHeader is the UCP-Agent header of the HTTP request that carried
// a tool call ("" without one).
func agentHeader(req *sdk.CallToolRequest) string {
	if req == nil || req.Extra == nil || req.Extra.Header == nil {
		return ""
	}
	return strings.TrimSpace(req.Extra.Header.Get("UCP-Agent"))
}

// negotiation is the binding's -32001 error, its data {code, content,
// continue_url} as overview.md's MCP examples show it (the web chat as
// the fallback, as over REST).
func (h *Handler) negotiation(bot concierge.BotID, message, code, content string) error {
	data := map[string]any{"code": code, "content": content}
	if shop := h.cfg.Service.Shop(bot); shop != nil && shop.WidgetURL != "" {
		data["continue_url"] = shop.WidgetURL
	}
	return wireError(codeNegotiation, message, data)
}

func wireError(code int64, message string, data map[string]any) error {
	b, err := json.Marshal(data)
	if err != nil { // the maps above: cannot happen
		b = nil
	}
	return &jsonrpc.Error{Code: code, Message: message, Data: b}
}

// outcome answers a refused checkout call of the binding as the REST
// binding's refusal maps to MCP: a business outcome (out of stock,
// unknown item, payment declined, information missing, escalation) is
// the tool's result, UCP's envelope with ucp.status "error" and messages
// (checkout-mcp.md, "Business Outcomes"; not a tool error); a protocol
// error is a JSON-RPC error whose data is the REST binding's {code,
// content}: invalid params (-32602) for a request the schema or the core
// refuses as malformed, -32000 for the rest (unknown checkout, finished,
// expired, an idempotency key reused), -32603 for an internal error.
func (h *Handler) outcome(bot concierge.BotID, err error) (any, error) {
	o, ok := h.ucp.Refusal(bot, err)
	if !ok {
		h.cfg.Log.Error("mcp", "bot", bot, "err", err)
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "internal error"}
	}
	if o.Business {
		return o.Body, nil
	}
	code := codeProtocol
	if o.Status == http.StatusBadRequest {
		code = jsonrpc.CodeInvalidParams
	}
	content, _ := o.Body["content"].(string)
	return nil, wireError(code, content, o.Body)
}

// UCPArgs are the binding's arguments of a checkout tool.
type UCPArgs struct {
	Meta     *Meta                `json:"meta,omitempty" jsonschema:"UCP's request metadata (the UCP MCP binding)"`
	Checkout *ucp.CheckoutRequest `json:"checkout,omitempty" jsonschema:"UCP's checkout object (line_items, buyer, fulfillment, payment), instead of the flat arguments; prices and totals sent are ignored"`
}

// binding reports whether a checkout call speaks UCP's MCP binding (it
// carries meta or UCP's checkout object): its meta is then checked
// (admit) and its refusals answered as the binding says (outcome).
func (a UCPArgs) binding() bool { return a.Meta != nil || a.Checkout != nil }

// key is the idempotency key: the flat argument, else meta's.
func (a UCPArgs) key(flat string) string {
	if flat == "" && a.Meta != nil {
		return a.Meta.IdempotencyKey
	}
	return flat
}

func both() error {
	return &agentcommerce.Error{Reason: agentcommerce.ReasonInvalid, Path: "$.checkout",
		Message: "give either checkout (UCP's checkout object) or the flat arguments (items, buyer, address, shipping_option, payment_handler, payment_token), not both"}
}

// changes are the session changes asked, from checkout or from the flat
// arguments.
func (a UCPArgs) changes(items []agentcommerce.Item, b *agentcommerce.Buyer, addr *agentcommerce.Address, shipping string) (agentcommerce.Changes, error) {
	if a.Checkout != nil {
		if items != nil || b != nil || addr != nil || shipping != "" {
			return agentcommerce.Changes{}, both()
		}
		return a.Checkout.Changes(), nil
	}
	ch := agentcommerce.Changes{Items: items, Buyer: b, Address: addr}
	if shipping != "" {
		ch.Shipping = &shipping
	}
	return ch, nil
}

// payment is complete_checkout's payment (and, from checkout, any last
// changes), from checkout.payment or the flat arguments.
func (a UCPArgs) payment(handler, token string) (agentcommerce.Changes, agentcommerce.Payment, error) {
	if a.Checkout != nil {
		if handler != "" || token != "" {
			return agentcommerce.Changes{}, agentcommerce.Payment{}, both()
		}
		return a.Checkout.Changes(), a.Checkout.Pay(), nil
	}
	return agentcommerce.Changes{}, agentcommerce.Payment{Handler: handler, Token: token}, nil
}

// UCPCheckout is UCP's checkout object beside the flat view (the fields
// the two share, id, status, currency, messages, continue_url and
// expires_at, are the flat view's and mean the same).
type UCPCheckout struct {
	UCP         map[string]any   `json:"ucp,omitempty" jsonschema:"UCP's envelope: version, capabilities, payment handlers"`
	LineItems   []map[string]any `json:"line_items,omitempty" jsonschema:"UCP's line items, amounts in minor units"`
	Totals      []map[string]any `json:"totals,omitempty" jsonschema:"UCP's totals (subtotal, fulfillment, total) in minor units"`
	Buyer       map[string]any   `json:"buyer,omitempty"`
	Fulfillment map[string]any   `json:"fulfillment,omitempty" jsonschema:"UCP's fulfillment: methods, destinations, groups and their options"`
	Payment     map[string]any   `json:"payment,omitempty"`
	Links       []map[string]any `json:"links,omitempty"`
	Order       map[string]any   `json:"order,omitempty" jsonschema:"the order, once completed"`
}

// ucpCheckout renders s as UCP's REST binding does.
func (h *Handler) ucpCheckout(s *agentcommerce.Session) UCPCheckout {
	var out UCPCheckout
	b, err := json.Marshal(h.ucp.Checkout(s))
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil { // the renderer's own maps: cannot happen
		h.cfg.Log.Error("mcp: render UCP checkout", "err", err)
	}
	if out.Links == nil {
		out.Links = []map[string]any{}
	}
	return out
}

// inputSchema is T's schema with the UCP objects (meta, checkout,
// catalog) open to
// fields Concierge does not read, as UCP's schemas are: the binding's
// agents send line item ids, method ids and more, which a closed schema
// would refuse.
func inputSchema[T any]() *jsonschema.Schema {
	s, err := jsonschema.For[T](nil)
	if err != nil {
		// The tools' types are fixed: this is a programming error, as
		// sdk.AddTool's own schema errors are.
		panic(fmt.Sprintf("mcp: schema of %T: %v", *new(T), err))
	}
	for _, k := range []string{"meta", "checkout", "catalog"} {
		open(s.Properties[k])
	}
	return s
}

func open(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	if s.Type == "object" || slices.Contains(s.Types, "object") {
		s.AdditionalProperties = nil
	}
	for _, p := range s.Properties {
		open(p)
	}
	open(s.Items)
}

// LookupInput is lookup_catalog's input: UCP's catalog MCP binding.
type LookupInput struct {
	Meta    *Meta             `json:"meta,omitempty" jsonschema:"UCP's request metadata"`
	Catalog ucp.LookupRequest `json:"catalog" jsonschema:"ids: product ids (a group's) or variant ids (SKUs), at most 50"`
}

// searchOutputSchema is search_catalog's: SearchOutput, or with the
// catalog argument UCP's search_response, whose products are UCP's.
func searchOutputSchema() *jsonschema.Schema {
	flat, err := jsonschema.For[SearchOutput](nil)
	if err != nil {
		panic(fmt.Sprintf("mcp: schema of SearchOutput: %v", err)) // fixed types: a programming error
	}
	flat.Type = ""
	return &jsonschema.Schema{Type: "object", AnyOf: []*jsonschema.Schema{flat, {Required: []string{"ucp", "products"}}}}
}

// checkoutOutputSchema is the checkout tools': Checkout (the flat view
// with UCP's checkout object beside it), or for a refusal over UCP's
// binding UCP's error_response (ucp with status "error", messages).
func checkoutOutputSchema() *jsonschema.Schema {
	flat, err := jsonschema.For[Checkout](nil)
	if err != nil {
		panic(fmt.Sprintf("mcp: schema of Checkout: %v", err)) // fixed types: a programming error
	}
	flat.Type = ""
	return &jsonschema.Schema{Type: "object", AnyOf: []*jsonschema.Schema{flat, {Required: []string{"ucp", "messages"}}}}
}

// productOutputSchema is get_product's: Product, or with the catalog
// argument UCP's get_product_response (or its not_found answer).
func productOutputSchema() *jsonschema.Schema {
	flat, err := jsonschema.For[Product](nil)
	if err != nil {
		panic(fmt.Sprintf("mcp: schema of Product: %v", err)) // fixed types: a programming error
	}
	flat.Type = ""
	return &jsonschema.Schema{Type: "object", AnyOf: []*jsonschema.Schema{flat, {Required: []string{"ucp"}}}}
}

// catalogFail is the error a UCP catalog tool reports: a refused request
// is JSON-RPC's invalid params, as catalog/mcp.md says (-32602, also for
// too many ids); other errors are fail's.
func (h *Handler) catalogFail(bot concierge.BotID, err error) error {
	var ce *ucp.CatalogError
	if errors.As(err, &ce) {
		return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: ce.Code + ": " + ce.Message}
	}
	return h.fail(bot, err)
}

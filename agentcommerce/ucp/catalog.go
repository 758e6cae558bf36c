package ucp

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
)

// The catalog capabilities (docs/specification/catalog/: search.md,
// lookup.md, rest.md; schemas catalog_search.json, catalog_lookup.json).
const (
	CatalogSearch = "dev.ucp.shopping.catalog.search"
	CatalogLookup = "dev.ucp.shopping.catalog.lookup"
)

// Limits of the catalog endpoints. The spec lets a business clamp a page
// silently (search.md, Page Size) but asks it to refuse a batch over its
// limit with 400 request_too_large (lookup.md, Batch Size).
const (
	defaultPage = 10 // the spec's default limit
	maxPage     = 50
	maxLookup   = 50
	maxQuery    = 500 // characters of a search query
	maxID       = 256 // characters of an identifier worth looking up
)

// catalogFilters are search_filters.json's standard filters and
// Concierge's attributes (the spec lets a business add filters through
// additionalProperties); others are ignored.
type catalogFilters struct {
	Categories []string `json:"categories,omitempty"`
	Price      *struct {
		Min *int64 `json:"min,omitempty" jsonschema:"in minor units"`
		Max *int64 `json:"max,omitempty" jsonschema:"in minor units"`
	} `json:"price,omitempty"`
	Availability []string `json:"availability,omitempty"`
	Brand        []string `json:"brand,omitempty"`
	// Attributes is Concierge's extension: for each attribute (size,
	// color… as the response's facets name them), the values to keep.
	Attributes map[string][]string `json:"attributes,omitempty" jsonschema:"Concierge's extension: for each attribute (as the response's facets name it), the values to keep; a product needs one of them"`
	// AttributeRanges is Concierge's extension too: for each attribute
	// whose facet shows numbers, the numbers to keep
	// (agentcommerce.Filter.Ranges).
	AttributeRanges map[string]concierge.Range `json:"attribute_ranges,omitempty" jsonschema:"Concierge's extension: for each attribute whose facet shows numbers, min and max to keep (both included, either left out), each a number with or without a unit (400, 1.5 kg); a product whose value is not a number is left out"`
}

func (f *catalogFilters) empty() bool {
	return f == nil || len(f.Categories) == 0 && f.Price == nil && len(f.Availability) == 0 && len(f.Brand) == 0 && len(f.Attributes) == 0 && len(f.AttributeRanges) == 0
}

// inStockOnly reports whether availability asks for products in stock
// only, the one status this shop filters by.
func (f *catalogFilters) inStockOnly() bool {
	return f != nil && len(f.Availability) > 0 && !slices.ContainsFunc(f.Availability, func(s string) bool { return s != "in_stock" })
}

// filter is f as the shop's search takes it.
func (f *catalogFilters) filter() agentcommerce.Filter {
	if f == nil {
		return agentcommerce.Filter{}
	}
	out := agentcommerce.Filter{Categories: f.Categories, Attrs: f.Attributes, Ranges: f.AttributeRanges, InStock: f.inStockOnly()}
	if f.Price != nil {
		if f.Price.Min != nil {
			out.PriceMin = max(*f.Price.Min, 0)
		}
		if f.Price.Max != nil {
			out.PriceMax = *f.Price.Max
		}
	}
	return out
}

// catalogContext is the part of context.json the catalog uses.
type catalogContext struct {
	Language string `json:"language,omitempty" jsonschema:"the buyer's language (ISO 639-1), for titles and descriptions"`
}

// SearchRequest is search_request (catalog_search.json): the REST
// binding's body and the MCP binding's catalog argument. Fields the shop
// does not use (signals, attribution, most of context) are ignored.
type SearchRequest struct {
	Query        *string         `json:"query,omitempty" jsonschema:"words that must all appear in the product (at most 500 characters)"`
	Purpose      string          `json:"purpose,omitempty"`
	ReferenceIDs []string        `json:"reference_ids,omitempty"`
	Context      *catalogContext `json:"context,omitempty"`
	Filters      *catalogFilters `json:"filters,omitempty"`
	Pagination   *struct {
		Cursor *string `json:"cursor,omitempty"`
		Limit  *int    `json:"limit,omitempty" jsonschema:"page size: 10 by default, at most 50"`
	} `json:"pagination,omitempty"`
}

// LookupRequest is lookup_request (catalog_lookup.json).
type LookupRequest struct {
	IDs     []string        `json:"ids" jsonschema:"product ids (a variant group's) or variant ids (SKUs), at most 50"`
	Context *catalogContext `json:"context,omitempty"`
	Filters *catalogFilters `json:"filters,omitempty"`
}

// ProductRequest is get_product_request (catalog_lookup.json).
type ProductRequest struct {
	ID          *string          `json:"id" jsonschema:"a product id (a variant group's) or a variant id (its SKU)"`
	Selected    []SelectedOption `json:"selected,omitempty" jsonschema:"the options chosen so far, each name at most once"`
	Preferences []string         `json:"preferences,omitempty" jsonschema:"option names, the most important first: when no variant has every selection, the last are dropped first"`
	Context     *catalogContext  `json:"context,omitempty"`
}

// catalogRead admits a catalog request (bot, UCP-Agent, rate, size,
// signature) and decodes its body into v. It answers and returns false
// when the request is refused. Catalog operations read only, so they take
// no Idempotency-Key.
func (h *Handler) catalogRead(w http.ResponseWriter, r *http.Request, v any) (concierge.BotID, bool) {
	bot, _, ok := h.admit(w, r)
	if !ok {
		return "", false
	}
	body, err := agentcommerce.ReadBody(w, r)
	if errors.Is(err, agentcommerce.ErrTooLarge) {
		protocolError(w, http.StatusRequestEntityTooLarge, "invalid_request", "the request body is too large")
		return "", false
	}
	if err != nil {
		protocolError(w, http.StatusBadRequest, "invalid_request", "the request body could not be read")
		return "", false
	}
	if code, msg := h.verify(r, bot, body); code != "" {
		h.authFailed(w, bot, code, msg)
		return "", false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		protocolError(w, http.StatusBadRequest, "invalid_request", "the request body does not match the catalog schema: "+err.Error())
		return "", false
	}
	return bot, true
}

// catalogEnvelope is the ucp member of a catalog response
// (response_catalog_schema): the version and the capability answering.
func catalogEnvelope(capability string, failed bool) map[string]any {
	e := map[string]any{"version": Version, "capabilities": map[string]any{capability: []map[string]any{{"version": Version}}}}
	if failed {
		e["status"] = "error"
	}
	return e
}

// CatalogError is a refused catalog request: the REST binding answers
// it 400 with Code (invalid_request, request_too_large), the MCP binding
// as invalid params. Nothing was read or changed.
type CatalogError struct {
	Code    string
	Message string
}

func (e *CatalogError) Error() string { return "ucp: catalog: " + e.Code + ": " + e.Message }

func invalid(msg string) *CatalogError { return &CatalogError{Code: "invalid_request", Message: msg} }

// catalogAnswer writes a catalog operation's result or refusal.
func (h *Handler) catalogAnswer(w http.ResponseWriter, r *http.Request, bot concierge.BotID, out map[string]any, err error) {
	var ce *CatalogError
	switch {
	case errors.As(err, &ce):
		protocolError(w, http.StatusBadRequest, ce.Code, ce.Message)
	case err != nil:
		h.refused(w, r, bot, err)
	default:
		writeJSON(w, http.StatusOK, out)
	}
}

// searchCatalog serves POST /catalog/search.
func (h *Handler) searchCatalog(w http.ResponseWriter, r *http.Request) {
	var req SearchRequest
	bot, ok := h.catalogRead(w, r, &req)
	if !ok {
		return
	}
	out, err := h.Search(r.Context(), bot, &req, locale(r))
	h.catalogAnswer(w, r, bot, out, err)
}

// Search is a catalog search of bot's products (search.md), answered as
// search_response: the products the shop's search finds for the query
// (Shop.Search: the chat's ranked search when the shop has Rank), best
// first, that pass the filters, a variant group being one product, a
// page at a time. loc is the
// language asked (Accept-Language) when req's context names none.
func (h *Handler) Search(ctx context.Context, bot concierge.BotID, req *SearchRequest, loc concierge.Locale) (map[string]any, error) {
	query := ""
	if req.Query != nil {
		query = strings.TrimSpace(*req.Query)
	}
	switch {
	case req.Purpose != "" && req.Purpose != "search":
		return nil, invalid("purpose " + strconv.Quote(req.Purpose) + " is not supported: only search")
	case len(req.ReferenceIDs) > 0:
		return nil, invalid("reference_ids need a purpose this shop does not support")
	case utf8.RuneCountInString(query) > maxQuery:
		return nil, invalid("the query is longer than " + strconv.Itoa(maxQuery) + " characters")
	case query == "" && req.Filters.empty():
		return nil, invalid("a search needs a query or filters")
	}
	limit, offset := defaultPage, 0
	if p := req.Pagination; p != nil {
		if p.Limit != nil {
			if *p.Limit < 1 {
				return nil, invalid("pagination.limit must be at least 1")
			}
			limit = min(*p.Limit, maxPage)
		}
		if p.Cursor != nil {
			var ok bool
			if offset, ok = parseCursor(*p.Cursor); !ok {
				return nil, invalid("pagination.cursor is not a cursor this shop returned")
			}
		}
	}
	shop := h.cfg.Service.Shop(bot)
	if shop == nil {
		return nil, agentcommerce.AsError(concierge.ErrNotFound)
	}
	cat := newCatalog(h, shop, catalogLocale(loc, req.Context, shop))
	var found []*concierge.Product
	listed, facets, faceted, err := shop.Find(query, req.Filters.filter(), 0)
	if e := agentcommerce.AsError(err); e != nil {
		return nil, invalid("filters.attribute_ranges: " + e.Message)
	}
	for _, p := range listed {
		if cat.keep(p, req.Filters) {
			found = append(found, p)
		}
	}
	page := found[min(offset, len(found)):min(offset+limit, len(found))]
	out := map[string]any{"ucp": catalogEnvelope(CatalogSearch, false)}
	err = h.cfg.Service.View(ctx, func(tx agentcommerce.Tx) error {
		products := make([]map[string]any, 0, len(page))
		for _, p := range page {
			g, err := cat.group(ctx, tx, p)
			if err != nil {
				return err
			}
			products = append(products, g.render(g.featured(p), g.variants))
		}
		out["products"] = products
		return nil
	})
	if err != nil {
		return nil, err
	}
	pg := map[string]any{"has_next_page": offset+len(page) < len(found), "total_count": len(found)}
	if next := offset + len(page); next < len(found) {
		pg["cursor"] = cursor(next)
	}
	out["pagination"] = pg
	if faceted {
		// Concierge's extension: the facets of every product found.
		out["facets"] = facets
	}
	if msgs := ignoredFilters(req.Filters); len(msgs) > 0 {
		out["messages"] = msgs
	}
	return out, nil
}

// lookupCatalog serves POST /catalog/lookup.
func (h *Handler) lookupCatalog(w http.ResponseWriter, r *http.Request) {
	var req LookupRequest
	bot, ok := h.catalogRead(w, r, &req)
	if !ok {
		return
	}
	out, err := h.Lookup(r.Context(), bot, &req, locale(r))
	h.catalogAnswer(w, r, bot, out, err)
}

// Lookup is a batch lookup of bot's products (lookup.md), answered as
// lookup_response: each identifier (a variant's SKU, or a group's id)
// resolved to its product, carrying the variants the identifiers named;
// unknown ones are info messages.
func (h *Handler) Lookup(ctx context.Context, bot concierge.BotID, req *LookupRequest, loc concierge.Locale) (map[string]any, error) {
	if len(req.IDs) == 0 {
		return nil, invalid("ids must list at least one identifier")
	}
	ids := dedupe(req.IDs)
	if len(ids) > maxLookup {
		return nil, &CatalogError{Code: "request_too_large", Message: "at most " + strconv.Itoa(maxLookup) + " identifiers per lookup"}
	}
	shop := h.cfg.Service.Shop(bot)
	if shop == nil {
		return nil, agentcommerce.AsError(concierge.ErrNotFound)
	}
	cat := newCatalog(h, shop, catalogLocale(loc, req.Context, shop))
	out := map[string]any{"ucp": catalogEnvelope(CatalogLookup, false)}
	messages := []map[string]any{}
	err := h.cfg.Service.View(ctx, func(tx agentcommerce.Tx) error {
		var order []*group // products in the order first named
		byKey := map[string]*group{}
		inputs := map[*group]map[concierge.SKU][]map[string]any{}
		for _, id := range ids {
			p, exact := cat.resolve(id)
			if p == nil || !cat.keep(p, req.Filters) {
				messages = append(messages, map[string]any{"type": "info", "code": "not_found", "content": id})
				continue
			}
			key := p.Group
			if key == "" || !cat.grouped(p) {
				key = "sku:" + string(p.SKU)
			}
			g := byKey[key]
			if g == nil {
				var err error
				if g, err = cat.group(ctx, tx, p); err != nil {
					return err
				}
				byKey[key] = g
				order = append(order, g)
				inputs[g] = map[concierge.SKU][]map[string]any{}
			}
			v, match := p, "exact"
			if !exact {
				v, match = g.featured(nil), "featured"
			}
			inputs[g][v.SKU] = append(inputs[g][v.SKU], map[string]any{"id": id, "match": match})
		}
		products := make([]map[string]any, 0, len(order))
		for _, g := range order {
			// Only the variants an identifier resolved to, each with its
			// inputs (lookup.md, Client Correlation).
			var vs []*concierge.Product
			for _, v := range g.variants {
				if inputs[g][v.SKU] != nil {
					vs = append(vs, v)
				}
			}
			pr := g.render(vs[0], vs)
			for _, x := range pr["variants"].([]map[string]any) {
				x["inputs"] = inputs[g][concierge.SKU(x["id"].(string))]
			}
			products = append(products, pr)
		}
		out["products"] = products
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(messages) > 0 {
		out["messages"] = messages
	}
	return out, nil
}

// getProduct serves POST /catalog/product: one product in full, its
// variants narrowed by the buyer's selections, each option value with
// whether it exists and is available given the others.
func (h *Handler) getProduct(w http.ResponseWriter, r *http.Request) {
	var req ProductRequest
	bot, ok := h.catalogRead(w, r, &req)
	if !ok {
		return
	}
	out, err := h.GetProduct(r.Context(), bot, &req, locale(r))
	h.catalogAnswer(w, r, bot, out, err)
}

// GetProduct is get_product (lookup.md): one product in full, its
// variants narrowed by the buyer's selections, each option value with
// whether it exists and is available given the others. An unknown id is
// an answer, not an error: ucp.status error and an unrecoverable
// not_found message (rest.md, Product Not Found), so the agent does not
// retry it.
func (h *Handler) GetProduct(ctx context.Context, bot concierge.BotID, req *ProductRequest, loc concierge.Locale) (map[string]any, error) {
	if req.ID == nil || strings.TrimSpace(*req.ID) == "" {
		return nil, invalid("id is required")
	}
	seen := map[string]bool{}
	for _, s := range req.Selected {
		n := strings.ToLower(strings.TrimSpace(s.Name))
		if n == "" || seen[n] {
			return nil, invalid("each selected option needs a name, at most once")
		}
		seen[n] = true
	}
	shop := h.cfg.Service.Shop(bot)
	if shop == nil {
		return nil, agentcommerce.AsError(concierge.ErrNotFound)
	}
	cat := newCatalog(h, shop, catalogLocale(loc, req.Context, shop))
	p, exact := cat.resolve(*req.ID)
	if p == nil {
		return map[string]any{"ucp": catalogEnvelope(CatalogLookup, true), "messages": []map[string]any{{
			"type": "error", "code": "not_found", "content": "Product not found: " + *req.ID, "severity": "unrecoverable"}}}, nil
	}
	var out map[string]any
	err := h.cfg.Service.View(ctx, func(tx agentcommerce.Tx) error {
		g, err := cat.group(ctx, tx, p)
		if err != nil {
			return err
		}
		var anchor *concierge.Product
		if exact {
			anchor = p
		}
		out = map[string]any{"ucp": catalogEnvelope(CatalogLookup, false), "product": g.detail(anchor, req.Selected, req.Preferences)}
		return nil
	})
	return out, err
}

// cursor is the opaque pagination cursor of the page starting at offset.
func cursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

func parseCursor(c string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	n, ok := strings.CutPrefix(string(b), "o:")
	if !ok {
		return 0, false
	}
	off, err := strconv.Atoi(n)
	return off, err == nil && off >= 0
}

// ignoredFilters are the messages saying which filters were not applied:
// the catalog has no brands, and availability is filtered by in_stock
// alone (at the catalog's stock count).
func ignoredFilters(f *catalogFilters) []map[string]any {
	var out []map[string]any
	if f == nil {
		return nil
	}
	if len(f.Availability) > 0 && !f.inStockOnly() {
		out = append(out, map[string]any{"type": "info", "code": "filter_ignored", "path": "$.filters.availability",
			"content": "this shop filters availability by in_stock only; each variant's availability says whether it can be bought"})
	}
	if len(f.Brand) > 0 {
		out = append(out, map[string]any{"type": "info", "code": "filter_ignored", "path": "$.filters.brand",
			"content": "this shop's catalog has no brands"})
	}
	return out
}

func dedupe(ids []string) []string {
	seen := map[string]bool{}
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// catalogLocale is the language of the request's context, else asked
// (Accept-Language), else the bot's default.
func catalogLocale(asked concierge.Locale, c *catalogContext, shop *agentcommerce.Shop) concierge.Locale {
	if c != nil && c.Language != "" {
		l := c.Language
		if i := strings.IndexAny(l, "-_"); i > 0 {
			l = l[:i]
		}
		return concierge.Locale(strings.ToLower(l))
	}
	if asked != "" {
		return concierge.Locale(strings.ToLower(string(asked)))
	}
	return shop.Bot.DefaultLocale()
}

package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/ucp"
	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Product is a catalog product as the tools show it; amounts are in
// minor units of Currency.
type Product struct {
	ID          string `json:"id" jsonschema:"the product's SKU, to put in a checkout's items"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Price       int64  `json:"price" jsonschema:"the unit price in minor units (cents)"`
	Currency    string `json:"currency"`
	Available   int    `json:"available" jsonschema:"how many can be bought now"`
	Digital     bool   `json:"digital,omitempty" jsonschema:"true when nothing is shipped"`
	Image       string `json:"image,omitempty"`
	URL         string `json:"url,omitempty" jsonschema:"the shop's web chat, where the buyer can ask about it"`
	// A product sold in sizes, colours… is one group of variants, each
	// its own SKU with its own price and stock.
	Group    string            `json:"group,omitempty" jsonschema:"the product group this is one variant of; its variants list them all"`
	Options  map[string]string `json:"options,omitempty" jsonschema:"what tells this variant apart, such as {size: 42, color: blue}"`
	Choices  []Choice          `json:"choices,omitempty" jsonschema:"what the buyer chooses between for this product (size, color…), each with every value its variants have: ask the buyer, then pick the variant with those options"`
	Variants []Variant         `json:"variants,omitempty" jsonschema:"every variant of the group: put the id of the one the buyer chose in a checkout's items"`
}

// Choice is an option of a product group and its values, in catalog
// order.
type Choice struct {
	Name   string   `json:"name" jsonschema:"the option, as the shop names it (size, color…)"`
	Values []string `json:"values"`
}

// Variant is one variant of a product group.
type Variant struct {
	ID        string            `json:"id" jsonschema:"the variant's SKU, to put in a checkout's items"`
	Options   map[string]string `json:"options" jsonschema:"its size, color… as the shop names them"`
	Price     int64             `json:"price" jsonschema:"the unit price in minor units (cents)"`
	Available int               `json:"available" jsonschema:"how many can be bought now"`
}

// SearchInput is search_catalog's input.
type SearchInput struct {
	Query string `json:"query,omitempty" jsonschema:"what the buyer is looking for, in their words (the shop's search understands its languages, synonyms and typos; best matches first); empty lists everything"`
	Limit int    `json:"limit,omitempty" jsonschema:"at most this many products (default 20, at most 100)"`
	// Filters narrow the search by what the output's facets name.
	agentcommerce.Filter
	// UCP's catalog MCP binding: with catalog, the answer is UCP's
	// search_response instead of SearchOutput.
	Meta    *Meta              `json:"meta,omitempty" jsonschema:"UCP's request metadata (the UCP MCP binding)"`
	Catalog *ucp.SearchRequest `json:"catalog,omitempty" jsonschema:"UCP's search request (query, filters, pagination), instead of query and limit; the answer is then UCP's search response (ucp, products with variants, pagination)"`
}

// SearchOutput is search_catalog's output.
type SearchOutput struct {
	Products []Product `json:"products"`
	// Facets count every product found, not only those listed, by
	// category, attribute value, price band and stock: the filters that
	// narrow the next search. Absent when the shop cannot count them.
	Facets *concierge.Facets `json:"facets,omitempty"`
}

// ProductInput is get_product's input.
type ProductInput struct {
	ID string `json:"id,omitempty" jsonschema:"the product's SKU"`
	// UCP's catalog MCP binding: with catalog, the answer is UCP's
	// get_product_response instead of Product.
	Meta    *Meta               `json:"meta,omitempty" jsonschema:"UCP's request metadata (the UCP MCP binding)"`
	Catalog *ucp.ProductRequest `json:"catalog,omitempty" jsonschema:"UCP's get product request (id, selected, preferences), instead of id; the answer is then UCP's (ucp, product with options and the variants matching the selections)"`
}

// CreateInput is create_checkout's input.
type CreateInput struct {
	Items          []agentcommerce.Item   `json:"items,omitempty" jsonschema:"the products and quantities to buy (or give checkout)"`
	Buyer          *agentcommerce.Buyer   `json:"buyer,omitempty"`
	Address        *agentcommerce.Address `json:"address,omitempty" jsonschema:"the delivery address, for physical goods"`
	ShippingOption string                 `json:"shipping_option,omitempty" jsonschema:"the id of one of the checkout's shipping_options"`
	IdempotencyKey string                 `json:"idempotency_key,omitempty" jsonschema:"a unique string: a retry with the same key and input returns the same checkout"`
	UCPArgs
}

// UpdateInput is update_checkout's input; absent fields stay as they are.
type UpdateInput struct {
	ID             string                 `json:"id" jsonschema:"the checkout's id"`
	Items          []agentcommerce.Item   `json:"items,omitempty" jsonschema:"replaces the checkout's items"`
	Buyer          *agentcommerce.Buyer   `json:"buyer,omitempty"`
	Address        *agentcommerce.Address `json:"address,omitempty"`
	ShippingOption string                 `json:"shipping_option,omitempty"`
	IdempotencyKey string                 `json:"idempotency_key,omitempty"`
	UCPArgs
}

// CheckoutInput names a checkout: get_checkout's and cancel_checkout's
// input.
type CheckoutInput struct {
	ID             string `json:"id" jsonschema:"the checkout's id"`
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	Meta           *Meta  `json:"meta,omitempty" jsonschema:"UCP's request metadata (the UCP MCP binding)"`
}

// CompleteInput is complete_checkout's input.
type CompleteInput struct {
	ID             string `json:"id" jsonschema:"the checkout's id"`
	PaymentHandler string `json:"payment_handler,omitempty" jsonschema:"one of the checkout's payment_handlers (or give checkout.payment)"`
	PaymentToken   string `json:"payment_token,omitempty" jsonschema:"the payment handler's token for this payment"`
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	UCPArgs
}

// Checkout is a checkout session as the tools show it; amounts are in
// minor units of Currency, computed by the shop.
type Checkout struct {
	ID              string                  `json:"id"`
	Status          string                  `json:"status" jsonschema:"incomplete, requires_escalation, ready_for_complete, complete_in_progress (a completion is being processed: read it again), completed or canceled"`
	Currency        string                  `json:"currency"`
	Items           []Line                  `json:"items"`
	Subtotal        int64                   `json:"subtotal"`
	Shipping        int64                   `json:"shipping"`
	Total           int64                   `json:"total"`
	ShippingOptions []ShippingOption        `json:"shipping_options,omitempty"`
	ShippingOption  string                  `json:"shipping_option,omitempty"`
	PaymentHandlers []string                `json:"payment_handlers"`
	Messages        []agentcommerce.Message `json:"messages,omitempty" jsonschema:"what the checkout still needs"`
	ContinueURL     string                  `json:"continue_url,omitempty" jsonschema:"where the buyer can finish with the shop"`
	OrderID         string                  `json:"order_id,omitempty"`
	ExpiresAt       string                  `json:"expires_at,omitempty"`
	UCPCheckout
}

// Line is one product of a checkout.
type Line struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Quantity  int    `json:"quantity"`
	UnitPrice int64  `json:"unit_price"`
	Total     int64  `json:"total"`
}

// ShippingOption is a way to deliver a checkout's goods.
type ShippingOption struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Price int64  `json:"price"`
	Days  string `json:"days,omitempty"`
}

// server builds bot's MCP server with its tools.
func (h *Handler) server(bot concierge.BotID) *sdk.Server {
	s := sdk.NewServer(&sdk.Implementation{Name: "concierge-" + string(bot), Version: Version}, nil)
	sdk.AddTool(s, &sdk.Tool{Name: "search_catalog", Description: "Search the shop's catalog. Prices are in minor units. A product sold in sizes or colours is listed once, with its variants. The facets count everything found by category, attribute value (size, color…), price band and stock, and give the span of numeric attributes (lumens, weight…); the filters (categories, price_min, price_max, attributes, ranges, in_stock) narrow the search by them.",
		Annotations: readOnly("Search the catalog"), InputSchema: inputSchema[SearchInput](), OutputSchema: searchOutputSchema()},
		func(ctx context.Context, req *sdk.CallToolRequest, in SearchInput) (*sdk.CallToolResult, any, error) {
			if err := h.admitCatalog(ctx, bot, in.Meta, agentHeader(req), in.Catalog != nil); err != nil {
				return nil, nil, err
			}
			if in.Catalog != nil {
				if in.Query != "" || in.Limit != 0 || !in.Filter.Empty() {
					return nil, nil, h.fail(bot, &agentcommerce.Error{Reason: agentcommerce.ReasonInvalid, Path: "$.catalog",
						Message: "give either catalog (UCP's search request, with its filters) or query, limit and filters, not both"})
				}
				out, err := h.ucp.Search(ctx, bot, in.Catalog, "")
				return nil, out, h.catalogFail(bot, err)
			}
			limit := in.Limit
			if limit <= 0 || limit > 100 {
				limit = 20
			}
			out := SearchOutput{Products: []Product{}}
			shop := h.cfg.Service.Shop(bot) // as of the latest catalog
			found, facets, faceted, err := shop.Find(in.Query, in.Filter, limit)
			if err != nil {
				return nil, nil, h.fail(bot, err)
			}
			if faceted {
				out.Facets = &facets
			}
			err = h.cfg.Service.View(ctx, func(tx agentcommerce.Tx) error {
				for _, p := range found {
					pr, err := h.product(ctx, tx, shop, p)
					if err != nil {
						return err
					}
					out.Products = append(out.Products, pr)
				}
				return nil
			})
			return nil, out, h.fail(bot, err)
		})
	sdk.AddTool(s, &sdk.Tool{Name: "lookup_catalog", Description: "Look products or variants up by id (UCP's catalog lookup): each product with the variants the ids named. Prices are in minor units.",
		Annotations: readOnly("Look products up"), InputSchema: inputSchema[LookupInput](), OutputSchema: &jsonschema.Schema{Type: "object"}},
		func(ctx context.Context, req *sdk.CallToolRequest, in LookupInput) (*sdk.CallToolResult, any, error) {
			if err := h.admit(ctx, bot, in.Meta, agentHeader(req), false); err != nil { // the binding's own tool
				return nil, nil, err
			}
			out, err := h.ucp.Lookup(ctx, bot, &in.Catalog, "")
			return nil, out, h.catalogFail(bot, err)
		})
	sdk.AddTool(s, &sdk.Tool{Name: "get_product", Description: "Get one product of the shop by its id, with its variants (sizes, colours…) when it has some.",
		Annotations: readOnly("Get a product"), InputSchema: inputSchema[ProductInput](), OutputSchema: productOutputSchema()},
		func(ctx context.Context, req *sdk.CallToolRequest, in ProductInput) (*sdk.CallToolResult, any, error) {
			if err := h.admitCatalog(ctx, bot, in.Meta, agentHeader(req), in.Catalog != nil); err != nil {
				return nil, nil, err
			}
			switch {
			case in.Catalog != nil && in.ID != "":
				return nil, nil, h.fail(bot, &agentcommerce.Error{Reason: agentcommerce.ReasonInvalid, Path: "$.catalog",
					Message: "give either catalog (UCP's get product request) or id, not both"})
			case in.Catalog != nil:
				out, err := h.ucp.GetProduct(ctx, bot, in.Catalog, "")
				return nil, out, h.catalogFail(bot, err)
			case in.ID == "":
				return nil, nil, h.fail(bot, &agentcommerce.Error{Reason: agentcommerce.ReasonMissing, Path: "$.id", Message: "id is required"})
			}
			shop := h.cfg.Service.Shop(bot)
			p := shop.Bot.Product(concierge.SKU(in.ID))
			if p == nil {
				return nil, nil, fmt.Errorf("no product %q in this shop", in.ID)
			}
			var out Product
			err := h.cfg.Service.View(ctx, func(tx agentcommerce.Tx) (err error) {
				out, err = h.product(ctx, tx, shop, p)
				return err
			})
			return nil, out, h.fail(bot, err)
		})
	sdk.AddTool(s, &sdk.Tool{Name: "create_checkout", InputSchema: inputSchema[CreateInput](), OutputSchema: checkoutOutputSchema(), Description: "Start a checkout with products and quantities; it reserves the stock. The shop computes every price.", Annotations: &sdk.ToolAnnotations{Title: "Start a checkout", DestructiveHint: ptr(false), OpenWorldHint: ptr(false)}},
		func(ctx context.Context, req *sdk.CallToolRequest, in CreateInput) (*sdk.CallToolResult, any, error) {
			if err := h.admitCheckout(ctx, bot, in.UCPArgs, agentHeader(req), false); err != nil {
				return nil, nil, err
			}
			ch, err := in.UCPArgs.changes(in.Items, in.Buyer, in.Address, in.ShippingOption)
			if err != nil {
				return h.refuse(bot, in.binding(), err)
			}
			if ch.Items == nil {
				ch.Items = []agentcommerce.Item{}
			}
			ch.Platform, ch.Webhook = h.platform(ctx, bot, in.Meta, req)
			return h.run(ctx, bot, "create", in.key(in.IdempotencyKey), in.binding(), in, func(tx agentcommerce.Tx) (*agentcommerce.Session, error) {
				return h.cfg.Service.Create(ctx, tx, bot, agentcommerce.MCP, ch)
			})
		})
	sdk.AddTool(s, &sdk.Tool{Name: "update_checkout", InputSchema: inputSchema[UpdateInput](), OutputSchema: checkoutOutputSchema(), Description: "Change a checkout's items, buyer, delivery address or shipping option.", Annotations: &sdk.ToolAnnotations{Title: "Change a checkout", DestructiveHint: ptr(true), IdempotentHint: true, OpenWorldHint: ptr(false)}},
		func(ctx context.Context, req *sdk.CallToolRequest, in UpdateInput) (*sdk.CallToolResult, any, error) {
			if err := h.admitCheckout(ctx, bot, in.UCPArgs, agentHeader(req), false); err != nil {
				return nil, nil, err
			}
			ch, err := in.UCPArgs.changes(in.Items, in.Buyer, in.Address, in.ShippingOption)
			if err != nil {
				return h.refuse(bot, in.binding(), err)
			}
			if err := h.cfg.Service.Changeable(ctx, bot, in.ID, agentcommerce.ChangeUpdate); err != nil {
				return h.refuse(bot, in.binding(), err)
			}
			return h.run(ctx, bot, "update", in.key(in.IdempotencyKey), in.binding(), in, func(tx agentcommerce.Tx) (*agentcommerce.Session, error) {
				return h.cfg.Service.Update(ctx, tx, bot, in.ID, ch)
			})
		})
	sdk.AddTool(s, &sdk.Tool{Name: "get_checkout", InputSchema: inputSchema[CheckoutInput](), OutputSchema: checkoutOutputSchema(), Description: "Read a checkout as it is now.", Annotations: readOnly("Read a checkout")},
		func(ctx context.Context, req *sdk.CallToolRequest, in CheckoutInput) (*sdk.CallToolResult, any, error) {
			args := UCPArgs{Meta: in.Meta}
			if err := h.admitCheckout(ctx, bot, args, agentHeader(req), false); err != nil {
				return nil, nil, err
			}
			if out, ok, err := h.inProgress(ctx, bot, in.ID); ok || err != nil {
				return nil, out, h.fail(bot, err)
			}
			return h.run(ctx, bot, "get", "", args.binding(), in, func(tx agentcommerce.Tx) (*agentcommerce.Session, error) {
				return h.cfg.Service.Get(ctx, tx, bot, in.ID)
			})
		})
	sdk.AddTool(s, &sdk.Tool{Name: "complete_checkout", InputSchema: inputSchema[CompleteInput](), OutputSchema: checkoutOutputSchema(), Description: "Pay a ready checkout with one of its payment handlers; it becomes an order.", Annotations: &sdk.ToolAnnotations{Title: "Pay a checkout", DestructiveHint: ptr(true), IdempotentHint: true, OpenWorldHint: ptr(true)}},
		func(ctx context.Context, req *sdk.CallToolRequest, in CompleteInput) (*sdk.CallToolResult, any, error) {
			if err := h.admitCheckout(ctx, bot, in.UCPArgs, agentHeader(req), true); err != nil {
				return nil, nil, err
			}
			ch, pay, err := in.UCPArgs.payment(in.PaymentHandler, in.PaymentToken)
			if err != nil {
				return h.refuse(bot, in.binding(), err)
			}
			release, busy, err := h.cfg.Service.BeginComplete(ctx, bot, in.ID)
			if err != nil {
				return nil, nil, h.fail(bot, err)
			}
			if busy {
				if out, ok, err := h.inProgress(ctx, bot, in.ID); ok || err != nil {
					return nil, out, h.fail(bot, err)
				}
			} else {
				defer release()
			}
			return h.run(ctx, bot, "complete", in.key(in.IdempotencyKey), in.binding(), in, func(tx agentcommerce.Tx) (*agentcommerce.Session, error) {
				return h.cfg.Service.Complete(ctx, tx, bot, in.ID, ch, pay)
			})
		})
	sdk.AddTool(s, &sdk.Tool{Name: "cancel_checkout", InputSchema: inputSchema[CheckoutInput](), OutputSchema: checkoutOutputSchema(), Description: "Cancel a checkout and release its stock.", Annotations: &sdk.ToolAnnotations{Title: "Cancel a checkout", DestructiveHint: ptr(true), IdempotentHint: true, OpenWorldHint: ptr(false)}},
		func(ctx context.Context, req *sdk.CallToolRequest, in CheckoutInput) (*sdk.CallToolResult, any, error) {
			args := UCPArgs{Meta: in.Meta}
			if err := h.admitCheckout(ctx, bot, args, agentHeader(req), true); err != nil {
				return nil, nil, err
			}
			if err := h.cfg.Service.Changeable(ctx, bot, in.ID, agentcommerce.ChangeCancel); err != nil {
				return h.refuse(bot, args.binding(), err)
			}
			return h.run(ctx, bot, "cancel", args.key(in.IdempotencyKey), args.binding(), in, func(tx agentcommerce.Tx) (*agentcommerce.Session, error) {
				return h.cfg.Service.Cancel(ctx, tx, bot, in.ID)
			})
		})
	return s
}

// The tools' annotations tell a client which calls it may make freely
// and which ones to confirm with the buyer. Reads change nothing. Create
// only adds a checkout (its stock is held until it expires). Update
// replaces the items, cancel releases them and complete spends the
// buyer's money: destructive, and each the same when repeated with the
// same input (the core computes the same checkout again, its stock held
// anew; a completed checkout is returned unchanged and paid once). Only complete reaches outside the
// shop, to the payment provider.
func readOnly(title string) *sdk.ToolAnnotations {
	return &sdk.ToolAnnotations{Title: title, ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: ptr(false)}
}

func ptr[T any](v T) *T { return &v }

// admitCatalog checks a catalog call's platform when it speaks UCP's
// catalog MCP binding (it carries meta or the catalog argument) or its
// request names a platform in the UCP-Agent header, as admitCheckout
// does.
func (h *Handler) admitCatalog(ctx context.Context, bot concierge.BotID, meta *Meta, header string, catalog bool) error {
	if meta == nil && !catalog && header == "" {
		return nil
	}
	return h.admit(ctx, bot, meta, header, false)
}

// admitCheckout checks a checkout call's platform when it speaks UCP's
// MCP binding (needKey for complete and cancel); a call with the flat
// arguments only is Concierge's own tool, which needs no meta, but a
// UCP-Agent header on its request is checked as the binding's
// meta["ucp-agent"] is (a version the platform states must be served).
func (h *Handler) admitCheckout(ctx context.Context, bot concierge.BotID, a UCPArgs, header string, needKey bool) error {
	if !a.binding() {
		if header == "" {
			return nil
		}
		return h.admit(ctx, bot, nil, header, false)
	}
	return h.admit(ctx, bot, a.Meta, header, needKey)
}

// refuse answers a refused checkout call: as UCP's MCP binding says for
// a call that speaks it (outcome), else as a tool error the model can
// act on (fail).
func (h *Handler) refuse(bot concierge.BotID, binding bool, err error) (*sdk.CallToolResult, any, error) {
	if binding {
		out, err := h.outcome(bot, err)
		return nil, out, err
	}
	return nil, nil, h.fail(bot, err)
}

// run runs one checkout tool in the core, once per idempotency key.
// binding says whether the call speaks UCP's MCP binding, whose
// refusals are answered as it says.
func (h *Handler) run(ctx context.Context, bot concierge.BotID, tool, key string, binding bool, in any, op func(tx agentcommerce.Tx) (*agentcommerce.Session, error)) (*sdk.CallToolResult, any, error) {
	req, err := json.Marshal(in)
	if err != nil {
		return nil, nil, err
	}
	_, resp, _, err := h.cfg.Service.Do(ctx, string(bot)+"/mcp", key, append([]byte(tool+"\n"), req...), func(tx agentcommerce.Tx) (int, []byte, error) {
		s, err := op(tx)
		if err != nil {
			return 0, nil, err
		}
		b, err := json.Marshal(h.checkout(s))
		return 200, b, err
	})
	if err != nil {
		return h.refuse(bot, binding, err)
	}
	var out Checkout
	if err := json.Unmarshal(resp, &out); err != nil {
		return nil, nil, err
	}
	return nil, out, nil
}

// inProgress answers get_checkout and complete_checkout while a
// completion of session id is being processed, by any replica and
// through any protocol: the checkout as it was, with status
// complete_in_progress (UCP's checkout.md), at once and without
// charging; ok is false when none is.
func (h *Handler) inProgress(ctx context.Context, bot concierge.BotID, id string) (Checkout, bool, error) {
	sess, err := h.cfg.Service.Completing(ctx, bot, id)
	if err != nil || sess == nil {
		return Checkout{}, false, err
	}
	return h.checkout(sess), true, nil
}

// fail is the error a tool reports: the core's refusal in words the
// model can act on, or "internal error" (logged).
func (h *Handler) fail(bot concierge.BotID, err error) error {
	if err == nil {
		return nil
	}
	if e := agentcommerce.AsError(err); e != nil {
		msg := string(e.Reason) + ": " + e.Message
		if e.Path != "" {
			msg += " (" + e.Path + ")"
		}
		return errors.New(msg)
	}
	h.cfg.Log.Error("mcp", "bot", bot, "err", err)
	return errors.New("internal error")
}

func (h *Handler) product(ctx context.Context, tx agentcommerce.Tx, shop *agentcommerce.Shop, p *concierge.Product) (Product, error) {
	free, err := tx.Stock(ctx, shop.Bot.ID, p.SKU)
	if err != nil {
		return Product{}, err
	}
	loc := shop.Bot.DefaultLocale()
	out := Product{ID: string(p.SKU), Title: p.Title(loc, loc), Description: concierge.LocalText(p.Description, loc, loc),
		Price: p.Price.Minor, Currency: p.Price.Currency, Available: max(free, 0), Digital: p.Digital}
	if p.Image != "" {
		out.Image = p.Image
		if strings.HasPrefix(p.Image, "/") {
			out.Image = strings.TrimRight(h.cfg.BaseURL, "/") + p.Image
		}
	}
	if shop.WidgetURL != "" {
		out.URL = shop.WidgetURL + "?product=" + url.QueryEscape(string(p.SKU))
	}
	if variants, axes := shop.Variants(p); variants != nil {
		out.Group, out.Options = p.Group, agentcommerce.Options(p, axes)
		for _, a := range axes {
			c := Choice{Name: a}
			for _, v := range variants {
				if x := strings.TrimSpace(v.Attrs[a]); x != "" && !slices.ContainsFunc(c.Values, func(y string) bool { return strings.EqualFold(x, y) }) {
					c.Values = append(c.Values, x)
				}
			}
			out.Choices = append(out.Choices, c)
		}
		for _, v := range variants {
			free, err := tx.Stock(ctx, shop.Bot.ID, v.SKU)
			if err != nil {
				return Product{}, err
			}
			out.Variants = append(out.Variants, Variant{ID: string(v.SKU), Options: agentcommerce.Options(v, axes), Price: v.Price.Minor, Available: max(free, 0)})
		}
	}
	return out, nil
}

// checkout is the tools' view of s.
func (h *Handler) checkout(s *agentcommerce.Session) Checkout {
	shop := h.cfg.Service.Shop(s.Bot)
	out := Checkout{ID: s.ID, Status: string(s.Status), Currency: s.Currency, Items: []Line{},
		Subtotal: s.Subtotal.Minor, Shipping: s.ShippingCost.Minor, Total: s.Total.Minor, ShippingOption: s.ShippingID,
		PaymentHandlers: shop.HandlerIDs(), Messages: s.Messages, ContinueURL: h.cfg.Service.ContinueURL(s),
		UCPCheckout: h.ucpCheckout(s)}
	for _, l := range s.Lines {
		out.Items = append(out.Items, Line{ID: string(l.SKU), Title: l.Title, Quantity: l.Quantity, UnitPrice: l.Unit.Minor, Total: l.Total.Minor})
	}
	if s.Physical(shop) {
		for _, o := range shop.Shipping {
			if s.Address == nil || shop.Serves(o, s.Address.Country) {
				out.ShippingOptions = append(out.ShippingOptions, ShippingOption{ID: o.ID, Title: concierge.LocalText(o.Title, s.Locale, shop.Bot.DefaultLocale()), Price: o.Price.Minor, Days: o.Days})
			}
		}
	}
	if s.Status == agentcommerce.StatusCompleted {
		out.OrderID = string(s.Order)
	}
	if !s.ExpiresAt.IsZero() {
		out.ExpiresAt = s.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return out
}

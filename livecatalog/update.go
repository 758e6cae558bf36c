package livecatalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/catalogfeed"
	"github.com/conciergehq/concierge/internal/money"
)

// Update is one product's change: the fields set (non-nil) replace the
// product's, the others are kept. A SKU the catalog does not have is a new
// product and needs a name in the bot's default locale and a price.
// Names and descriptions are merged locale by locale.
type Update struct {
	SKU         concierge.SKU
	Name        map[concierge.Locale]string
	Description map[concierge.Locale]string
	Category    *string
	Price       *concierge.Money
	// Stock is what the merchant has on hand; open orders' reservations
	// are taken from it for the live count.
	Stock   *int
	Tags    []string
	Image   *string
	Digital *bool
	Attrs   map[string]string
	// Group makes the product a variant of a group ("" leaves the group
	// it was in): see concierge.Product.Group.
	Group *string
}

// RowError is why a batch was refused: the row (1-based position in the
// batch) and field at fault. Nothing of the batch was applied.
type RowError struct {
	Row     int
	SKU     concierge.SKU
	Field   string
	Message string
}

func (e *RowError) Error() string {
	s := fmt.Sprintf("row %d", e.Row)
	if e.SKU != "" {
		s += fmt.Sprintf(" (%s)", e.SKU)
	}
	if e.Field != "" {
		s += " " + e.Field
	}
	return s + ": " + e.Message
}

// ErrNotFound is a change to a product the catalog does not have.
var ErrNotFound = errors.New("no such product")

// ErrNoStore is a change to a catalog without a store to keep it.
var ErrNoStore = errors.New("live updates need a store")

// MaxBatch is the most products one Upsert takes.
const MaxBatch = 10_000

// Upsert changes or adds products, all or none: a bad row refuses the
// whole batch with a *RowError and changes nothing. The change is kept in
// the store (every replica applies it within Config.Poll) and is visible
// to this replica's searches when Upsert returns.
func (c *Catalog) Upsert(ctx context.Context, updates []Update) error {
	if c.cfg.Store == nil {
		return ErrNoStore
	}
	if len(updates) > MaxBatch {
		return &RowError{Row: MaxBatch + 1, Message: fmt.Sprintf("a batch holds at most %d products", MaxBatch)}
	}
	items := make([]catalogfeed.Item, len(updates))
	skus := make([]concierge.SKU, len(updates))
	rowOf := map[concierge.SKU]int{}
	for i := range updates {
		it, err := c.check(&updates[i], i+1)
		if err != nil {
			return err
		}
		if first, dup := rowOf[it.Product.SKU]; dup {
			return &RowError{Row: i + 1, SKU: it.Product.SKU, Field: "sku", Message: fmt.Sprintf("is also row %d: give each product once", first)}
		}
		rowOf[it.Product.SKU] = i + 1
		items[i], skus[i] = it, it.Product.SKU
	}
	base := c.baseSKUs()
	err := c.cfg.Store.ChangeCatalog(ctx, c.cfg.Bot, skus, func(current map[concierge.SKU]concierge.CatalogChange) ([]concierge.CatalogChange, map[concierge.SKU]int, error) {
		rows := make([]concierge.CatalogChange, 0, len(items))
		onHand := map[concierge.SKU]int{}
		for i, it := range items {
			sku := it.Product.SKU
			merged := it
			if cur, ok := current[sku]; ok && !cur.Deleted {
				old, err := decodePatch(cur.Patch)
				if err != nil {
					return nil, nil, fmt.Errorf("livecatalog: %s: stored change of %s: %w", c.cfg.Bot, sku, err)
				}
				merged = mergeItems(old, it)
			}
			if !base[sku] && !complete(merged, c.defaultLocale()) {
				return nil, nil, &RowError{Row: i + 1, SKU: sku, Message: fmt.Sprintf("is a new product: it needs a name in %s and a price", c.defaultLocale())}
			}
			patch, err := encodePatch(merged)
			if err != nil {
				return nil, nil, err
			}
			rows = append(rows, concierge.CatalogChange{SKU: sku, Patch: patch})
			if it.Fields&catalogfeed.FieldStock != 0 {
				onHand[sku] = it.Product.Stock
			}
		}
		return rows, onHand, nil
	})
	if err != nil {
		return err
	}
	return c.Sync(ctx)
}

// SetPrice changes one product's price through Upsert, so that the
// change is kept in the database and every replica applies it as it does
// the API's, and returns the price before. It is the seller's assistant's
// price change from chat. A SKU the catalog does not have is ErrNotFound.
func (c *Catalog) SetPrice(ctx context.Context, sku concierge.SKU, price concierge.Money) (concierge.Money, error) {
	var before concierge.Money
	found := false
	for _, pr := range c.Products() {
		if pr.SKU == sku {
			before, found = pr.Price, true
			break
		}
	}
	if !found {
		return concierge.Money{}, fmt.Errorf("set price of %s: %w", sku, ErrNotFound)
	}
	if err := c.Upsert(ctx, []Update{{SKU: sku, Price: &price}}); err != nil {
		return concierge.Money{}, fmt.Errorf("set price of %s: %w", sku, err)
	}
	return before, nil
}

// Delete withdraws a product, whichever source gave it, until an Upsert
// of its SKU brings it back. It returns ErrNotFound for a SKU the catalog
// does not have.
func (c *Catalog) Delete(ctx context.Context, sku concierge.SKU) error {
	if c.cfg.Store == nil {
		return ErrNoStore
	}
	base := c.baseSKUs()
	err := c.cfg.Store.ChangeCatalog(ctx, c.cfg.Bot, []concierge.SKU{sku}, func(current map[concierge.SKU]concierge.CatalogChange) ([]concierge.CatalogChange, map[concierge.SKU]int, error) {
		cur, changed := current[sku]
		if (changed && cur.Deleted) || (!changed && !base[sku]) {
			return nil, nil, fmt.Errorf("livecatalog: delete %s: %w", sku, ErrNotFound)
		}
		return []concierge.CatalogChange{{SKU: sku, Patch: []byte("{}"), Deleted: true}}, nil, nil
	})
	if err != nil {
		return err
	}
	return c.Sync(ctx)
}

// baseSKUs returns the SKUs the layers give (before the API's changes).
func (c *Catalog) baseSKUs() map[concierge.SKU]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base
}

func (c *Catalog) defaultLocale() concierge.Locale {
	if len(c.cfg.Locales) == 0 {
		return "en"
	}
	return c.cfg.Locales[0]
}

// check validates one update and turns it into a feed item.
func (c *Catalog) check(u *Update, row int) (catalogfeed.Item, error) {
	bad := func(field, format string, args ...any) (catalogfeed.Item, error) {
		return catalogfeed.Item{}, &RowError{Row: row, SKU: u.SKU, Field: field, Message: fmt.Sprintf(format, args...)}
	}
	it := catalogfeed.Item{Line: row}
	p := &it.Product
	if !catalogfeed.SKUPattern.MatchString(string(u.SKU)) {
		return bad("sku", "%q is not a valid SKU: up to 64 letters, digits, dots, dashes and underscores, starting with a letter or digit", u.SKU)
	}
	p.SKU = u.SKU
	for field, texts := range map[string]map[concierge.Locale]string{"name": u.Name, "description": u.Description} {
		for l, s := range texts {
			if !slices.Contains(c.cfg.Locales, l) {
				return bad(field, "locale %q is not one of the bot's (%s)", l, joinLocales(c.cfg.Locales))
			}
			if field == "name" && strings.TrimSpace(s) == "" {
				return bad(field, "the %s name is empty", l)
			}
		}
	}
	if u.Name != nil {
		p.Name, it.Fields = maps.Clone(u.Name), it.Fields|catalogfeed.FieldName
	}
	if u.Description != nil {
		p.Description, it.Fields = maps.Clone(u.Description), it.Fields|catalogfeed.FieldDescription
	}
	if u.Category != nil {
		p.Category, it.Fields = strings.TrimSpace(*u.Category), it.Fields|catalogfeed.FieldCategory
	}
	if u.Price != nil {
		switch {
		case u.Price.Currency != c.cfg.Currency:
			return bad("price", "is in %q; the shop sells in %s", u.Price.Currency, c.cfg.Currency)
		case u.Price.Minor < 0:
			return bad("price", "must not be negative")
		}
		p.Price, it.Fields = *u.Price, it.Fields|catalogfeed.FieldPrice
	}
	if u.Stock != nil {
		if *u.Stock < 0 {
			return bad("stock", "must not be negative, got %d", *u.Stock)
		}
		p.Stock, it.Fields = *u.Stock, it.Fields|catalogfeed.FieldStock
	}
	if u.Tags != nil {
		p.Tags, it.Fields = slices.Clone(u.Tags), it.Fields|catalogfeed.FieldTags
	}
	if u.Image != nil {
		if s := *u.Image; !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "/") {
			return bad("image", "must be an http(s) URL or a path starting with /")
		}
		p.Image, it.Fields = *u.Image, it.Fields|catalogfeed.FieldImage
	}
	if u.Digital != nil {
		p.Digital, it.Fields = *u.Digital, it.Fields|catalogfeed.FieldDigital
	}
	if u.Attrs != nil {
		p.Attrs, it.Fields = maps.Clone(u.Attrs), it.Fields|catalogfeed.FieldAttrs
	}
	if u.Group != nil {
		p.Group, it.Fields = strings.TrimSpace(*u.Group), it.Fields|catalogfeed.FieldGroup
	}
	if it.Fields == 0 {
		return bad("", "changes nothing: give at least one field besides sku")
	}
	return it, nil
}

// ParsePrice reads a price as the API takes it ("49.00", "49.00 EUR",
// "49,00 €") in the shop's currency; another currency is an error.
func (c *Catalog) ParsePrice(s string) (concierge.Money, error) {
	return money.ParseListed(s, c.cfg.Currency)
}

func joinLocales(ls []concierge.Locale) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = string(l)
	}
	return strings.Join(s, ", ")
}

// complete reports whether an item can stand as a product by itself.
func complete(it catalogfeed.Item, def concierge.Locale) bool {
	return it.Fields&catalogfeed.FieldPrice != 0 && it.Product.Name[def] != ""
}

// mergeItems applies b's fields over a's.
func mergeItems(a, b catalogfeed.Item) catalogfeed.Item {
	var cat catalogfeed.Catalog
	cat.Add(a)
	cat.Add(b)
	return catalogfeed.Item{Product: cat.Products()[0], Fields: a.Fields | b.Fields, Line: b.Line}
}

// storedPatch is how a change is kept in the store.
type storedPatch struct {
	Product concierge.Product  `json:"product"`
	Fields  catalogfeed.Fields `json:"fields"`
}

func encodePatch(it catalogfeed.Item) ([]byte, error) {
	b, err := json.Marshal(storedPatch{Product: it.Product, Fields: it.Fields})
	if err != nil {
		return nil, fmt.Errorf("livecatalog: encode change: %w", err)
	}
	return b, nil
}

func decodePatch(b []byte) (catalogfeed.Item, error) {
	var s storedPatch
	if err := json.Unmarshal(b, &s); err != nil {
		return catalogfeed.Item{}, fmt.Errorf("livecatalog: decode change: %w", err)
	}
	return catalogfeed.Item{Product: s.Product, Fields: s.Fields}, nil
}

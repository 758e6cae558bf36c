package catalogfeed

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

// cell is one value of a record: its text, where it starts, and the name
// the feed gave its column or element (for messages).
type cell struct {
	text      string
	line, col int
	label     string
}

// record is one product of a feed before it is checked: its cells by
// field name ("sku", "name", "name_fr", "price"…), plus the attributes
// that have no field of their own.
type record struct {
	line, col int
	cells     map[string]cell
	attrs     map[string]cell
}

func newRecord(line, col int) *record {
	return &record{line: line, col: col, cells: map[string]cell{}}
}

// set records a cell under a field, keeping the first non-empty one when
// a feed gives a field twice (title and g:title).
func (r *record) set(field string, c cell) {
	if old, ok := r.cells[field]; ok && old.text != "" {
		return
	}
	r.cells[field] = c
}

// attr records a cell as a product attribute.
func (r *record) attr(name string, c cell) {
	if r.attrs == nil {
		r.attrs = map[string]cell{}
	}
	r.attrs[name] = c
}

// attrFields are the fields of Google and ACP feeds kept as attributes:
// the ones customers ask about and compare. Identifiers and links are not
// kept, since every attribute is searched.
var attrFields = map[string]bool{"brand": true, "color": true, "colour": true, "size": true, "material": true, "gender": true, "age_group": true, "pattern": true}

// builder turns records into Items and Problems.
type builder struct {
	o    Options
	feed *Feed
	seen map[concierge.SKU]int // SKU → line of its first row
}

// problem reports a bad row.
func (b *builder) problem(line, col int, format string, args ...any) {
	b.feed.Problems = append(b.feed.Problems, Problem{Name: b.o.Name, Line: line, Col: col, Message: fmt.Sprintf(format, args...)})
}

// add checks a record and adds it as an Item, or reports why not.
func (b *builder) add(r *record) {
	it := Item{Line: r.line, Col: r.col, Product: concierge.Product{}}
	p := &it.Product
	bad := false
	fail := func(c cell, format string, args ...any) {
		b.problem(c.line, c.col, "%s: %s", c.label, fmt.Sprintf(format, args...))
		bad = true
	}

	sku, ok := r.cells["sku"]
	switch {
	case !ok || sku.text == "":
		b.problem(r.line, r.col, "the product has no %s", b.label("sku", "id"))
		return
	case !SKUPattern.MatchString(sku.text):
		fail(sku, "%q is not a valid SKU: use up to 64 letters, digits, dots, dashes and underscores, starting with a letter or digit", shorten(sku.text))
		return
	}
	p.SKU = concierge.SKU(sku.text)
	if first, dup := b.seen[p.SKU]; dup {
		fail(sku, "%q is already the SKU of the product at line %d", sku.text, first)
		return
	}

	// A product may lack a name or a price in one feed when another
	// source gives it (a translation, a price list); the caller checks the
	// merged catalog with Catalog.Missing.
	p.Name = b.localized(r, "name", &it, FieldName)
	p.Description = b.localized(r, "description", &it, FieldDescription)

	if c, ok := r.cells["price"]; ok && c.text != "" {
		m, err := b.price(c.text)
		if err != nil {
			fail(c, "%s", priceReason(err))
		} else {
			p.Price = m
			it.Fields |= FieldPrice
		}
		if sale, ok := r.cells["sale_price"]; ok && sale.text != "" && b.saleOn(r) {
			m, err := b.price(sale.text)
			switch {
			case err != nil:
				fail(sale, "%s", priceReason(err))
			case m.Minor > p.Price.Minor && !bad:
				fail(sale, "%q is more than the price %q", sale.text, c.text)
			default:
				p.Price = m
			}
		}
	} else if ok {
		b.problem(c.line, c.col, "product %q has no %s", sku.text, b.label("price", "price"))
		bad = true
	}

	if !b.stock(r, &it, fail) {
		bad = true
	}
	if c, ok := r.cells["category"]; ok && c.text != "" {
		p.Category = category(c.text)
		it.Fields |= FieldCategory
	}
	if c, ok := r.cells["tags"]; ok && c.text != "" {
		p.Tags = splitList(c.text)
		it.Fields |= FieldTags
	}
	if c, ok := r.cells["image"]; ok && c.text != "" {
		if !webURL(c.text) {
			fail(c, "%q must be an http(s) URL or a path starting with /", shorten(c.text))
		} else {
			p.Image = c.text
			it.Fields |= FieldImage
		}
	}
	if c, ok := r.cells["group"]; ok && c.text != "" {
		p.Group = c.text
		it.Fields |= FieldGroup
	}
	if c, ok := r.cells["digital"]; ok && c.text != "" {
		d, err := parseBool(c.text)
		if err != nil {
			fail(c, "%q is not yes or no", shorten(c.text))
		}
		p.Digital = d
		it.Fields |= FieldDigital
	}
	for k, c := range r.attrs {
		if c.text == "" {
			continue
		}
		if p.Attrs == nil {
			p.Attrs = map[string]string{}
		}
		p.Attrs[k] = c.text
		it.Fields |= FieldAttrs
	}
	if bad {
		return
	}
	b.seen[p.SKU] = r.line
	b.feed.Items = append(b.feed.Items, it)
}

// label names a field as the feed's columns do, for messages about a cell
// that is missing: the mapped column, or the format's usual name.
func (b *builder) label(field, usual string) string {
	if c := b.o.Columns[field]; c != "" {
		return fmt.Sprintf("%q (column %s)", c, field)
	}
	return usual
}

// localized gathers a per-locale text: the field in the feed's locale,
// and field_xx columns for other locales.
func (b *builder) localized(r *record, field string, it *Item, f Fields) map[concierge.Locale]string {
	var out map[concierge.Locale]string
	put := func(loc concierge.Locale, s string) {
		if s = strings.TrimSpace(s); s == "" {
			return
		}
		if out == nil {
			out = map[concierge.Locale]string{}
		}
		out[loc] = s
		it.Fields |= f
	}
	if c, ok := r.cells[field]; ok {
		put(b.o.Locale, c.text)
	}
	for k, c := range r.cells {
		if loc, ok := strings.CutPrefix(k, field+"_"); ok && isLocale(loc) {
			put(concierge.Locale(loc), c.text)
		}
	}
	return out
}

// stock reads the stock from a count or an availability; it reports
// false after reporting a bad value.
func (b *builder) stock(r *record, it *Item, fail func(cell, string, ...any)) bool {
	p := &it.Product
	avail, hasAvail := r.cells["availability"]
	count, hasCount := r.cells["stock"]
	hasAvail = hasAvail && avail.text != ""
	hasCount = hasCount && count.text != ""
	inStock := true
	if hasAvail {
		switch a := strings.ToLower(strings.NewReplacer(" ", "_", "-", "_").Replace(strings.TrimSpace(avail.text))); a {
		case "in_stock", "instock", "limited_stock", "available", "yes", "true":
		case "out_of_stock", "outofstock", "discontinued", "sold_out", "no", "false":
			inStock = false
		case "preorder", "pre_order", "backorder", "back_order":
			if p.Attrs == nil {
				p.Attrs = map[string]string{}
			}
			p.Attrs["availability"] = a
			it.Fields |= FieldAttrs
		default:
			fail(avail, "%q is not an availability (in_stock, out_of_stock, preorder or backorder)", shorten(avail.text))
			return false
		}
	}
	switch {
	case hasCount:
		n, err := strconv.Atoi(strings.TrimSpace(count.text))
		if err != nil || n < 0 {
			fail(count, "%q is not a stock count (a whole number, 0 or more)", shorten(count.text))
			return false
		}
		if !inStock {
			n = 0
		}
		p.Stock = n
	case hasAvail && inStock:
		p.Stock = b.o.InStock
		it.Fields |= FieldInStock
		return true
	case hasAvail:
		p.Stock = 0
	default:
		// Nothing said: a new product is in stock, and a product that an
		// earlier source gave keeps its stock (Fields does not say Stock).
		p.Stock = b.o.InStock
		return true
	}
	it.Fields |= FieldStock
	return true
}

// saleOn reports whether a sale price applies now: always, unless a
// sale_price_effective_date period ("2025-11-01/2025-11-30", or ISO 8601
// times) says otherwise.
func (b *builder) saleOn(r *record) bool {
	c, ok := r.cells["sale_price_effective_date"]
	if !ok || strings.TrimSpace(c.text) == "" {
		return true
	}
	from, to, ok := strings.Cut(strings.TrimSpace(c.text), "/")
	if !ok {
		return true
	}
	now := b.o.Now()
	if t, ok := parseWhen(from, false); ok && now.Before(t) {
		return false
	}
	if t, ok := parseWhen(to, true); ok && !now.Before(t) {
		return false
	}
	return true
}

// parseWhen reads an ISO 8601 date or time; a date's end is the next day.
func parseWhen(s string, end bool) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z0700", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, true
	}
	return time.Time{}, false
}

// price reads a price cell: an amount such as "49.00 EUR", or with
// Options.MinorUnits a whole number of minor units.
func (b *builder) price(text string) (concierge.Money, error) {
	if !b.o.MinorUnits {
		return money.ParseListed(text, b.o.Currency)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	if err != nil || n < 0 {
		return concierge.Money{}, &money.ParseError{Input: text, Reason: "is not a whole number of minor units (the source says minor_units: 3500 is 35.00)"}
	}
	return concierge.Money{Minor: n, Currency: b.o.Currency}, nil
}

// priceReason completes a sentence about a price cell.
func priceReason(err error) string {
	var pe *money.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%q %s", shorten(pe.Input), pe.Reason)
	}
	return err.Error()
}

// category keeps the last level of a path such as "Home > Lighting >
// Lamps", which is what customers browse by.
func category(s string) string {
	if i := strings.LastIndexByte(s, '>'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

// splitList splits tags written "a, b, c" or "a|b|c".
func splitList(s string) []string {
	sep := ","
	if strings.Contains(s, "|") {
		sep = "|"
	}
	var out []string
	for _, t := range strings.Split(s, sep) {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// webURL reports whether s is an http(s) URL or a path on this server.
func webURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	return (u.Scheme == "" && u.Host == "" && strings.HasPrefix(s, "/")) || ((u.Scheme == "http" || u.Scheme == "https") && u.Host != "")
}

// parseBool reads yes/no values as spreadsheets write them.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "y", "oui", "是", "x":
		return true, nil
	case "0", "false", "no", "n", "non", "否":
		return false, nil
	}
	return false, errors.New("not a boolean")
}

// isLocale reports whether s looks like a BCP 47 base language ("fr",
// "zh", "fil").
func isLocale(s string) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for _, c := range s {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// shorten truncates s for messages.
func shorten(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:37]) + "…"
	}
	return s
}

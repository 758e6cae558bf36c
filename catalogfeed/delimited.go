package catalogfeed

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// The column names each format uses for the product fields, after
// normalisation (lower case, "g:" and spaces dropped). Columns that are not
// here are attributes (plain CSV) or ignored (the others, but for
// attrFields).
var (
	googleAliases = map[string]string{
		"id": "sku", "title": "name", "description": "description", "price": "price",
		"sale_price": "sale_price", "sale_price_effective_date": "sale_price_effective_date",
		"availability": "availability", "quantity": "stock", "sell_on_google_quantity": "stock",
		"product_type": "category", "google_product_category": "google_category",
		"image_link": "image", "item_group_id": "group",
	}
	acpAliases = map[string]string{
		"id": "sku", "item_id": "sku", "title": "name", "description": "description",
		"price": "price", "sale_price": "sale_price", "sale_price_effective_date": "sale_price_effective_date",
		"availability": "availability", "inventory_quantity": "stock", "quantity": "stock",
		"product_category": "category", "image_link": "image", "image_url": "image",
		"item_group_id": "group", "group_id": "group",
	}
	csvAliases = map[string]string{
		"sku": "sku", "id": "sku", "name": "name", "title": "name", "description": "description",
		"price": "price", "sale_price": "sale_price", "sale_price_effective_date": "sale_price_effective_date",
		"availability": "availability", "stock": "stock", "quantity": "stock", "inventory_quantity": "stock",
		"category": "category", "product_type": "category", "tags": "tags", "image": "image",
		"image_link": "image", "image_url": "image", "digital": "digital",
		"group": "group", "item_group_id": "group", "group_id": "group",
	}
)

// MappableFields are the product fields Options.Columns may map, besides
// name_xx and description_xx for one language.
var MappableFields = []string{"sku", "name", "description", "price", "sale_price", "sale_price_effective_date", "availability", "stock", "category", "tags", "image", "digital", "group"}

// normaliseHeader makes column names comparable: "Image Link", "g:image_link"
// and "image_link" are one column.
func normaliseHeader(h string) string {
	h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
	h = strings.TrimPrefix(h, "g:")
	return strings.Join(strings.Fields(h), "_")
}

// column is what one column of a delimited feed holds.
type column struct {
	field string // a field name, "attr", or "" (ignored)
	label string // the column's name as written
}

// readDelimited reads a feed with a header row, separated by comma (',',
// or ';' when the header has more of those, as spreadsheets in many
// European locales write) or by tabs. plain makes every column that is not
// a field an attribute, as plain CSV wants.
func readDelimited(r io.Reader, b *builder, comma rune, aliases map[string]string, plain bool) error {
	br := bufio.NewReader(r)
	if comma == ',' {
		comma = sniffComma(br)
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = comma == '\t'
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return &Problem{Name: b.o.Name, Message: "the feed is empty; it needs a header row"}
	}
	if err != nil {
		return csvProblem(b.o.Name, err)
	}
	cols, err := b.columns(header, aliases, plain)
	if err != nil {
		return err
	}
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return &Problem{Name: b.o.Name, Message: fmt.Sprintf("reading the feed: %v", err)}
			}
			p := csvProblem(b.o.Name, err)
			b.feed.Problems = append(b.feed.Problems, *p)
			continue
		}
		if blank(row) {
			continue
		}
		line, col := cr.FieldPos(0)
		if len(row) > len(cols) {
			l, c := cr.FieldPos(len(cols))
			b.problem(l, c, "the row has %d fields but the header has %d (a %s inside a value that is not quoted?)", len(row), len(cols), commaName(comma))
			continue
		}
		rec := newRecord(line, col)
		for i, v := range row {
			l, c := cr.FieldPos(i)
			cl := cell{text: strings.TrimSpace(v), line: l, col: c, label: cols[i].label}
			switch cols[i].field {
			case "":
			case "attr":
				rec.attr(normaliseHeader(cols[i].label), cl)
			default:
				rec.set(cols[i].field, cl)
			}
		}
		// Missing trailing fields are empty, as spreadsheets write them.
		fallback(rec)
		b.add(rec)
	}
}

// fallback uses Google's product category when there is no product type,
// unless it is a numeric taxonomy id.
func fallback(rec *record) {
	g, ok := rec.cells["google_category"]
	if !ok {
		return
	}
	delete(rec.cells, "google_category")
	if c, ok := rec.cells["category"]; (ok && c.text != "") || strings.IndexFunc(g.text, func(r rune) bool { return r < '0' || r > '9' }) < 0 {
		return
	}
	rec.cells["category"] = g
}

// columns maps a header row to fields, checking that the mapped and the
// required columns are there. allAttrs makes every unknown column an
// attribute, as plain CSV wants.
func (b *builder) columns(header []string, aliases map[string]string, allAttrs bool) ([]column, error) {
	mapped := map[string]string{} // normalised column → field
	for field, col := range b.o.Columns {
		mapped[normaliseHeader(col)] = field
	}
	cols := make([]column, len(header))
	have := map[string]bool{}
	for i, h := range header {
		n := normaliseHeader(h)
		label := strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		field := ""
		if f, ok := mapped[n]; ok {
			field = f
		} else if f, ok := aliases[n]; ok && b.o.Columns[f] == "" {
			field = f
		} else if base, loc, ok := localeColumn(n); ok && allAttrs {
			field = base + "_" + loc
		} else if allAttrs || attrFields[n] {
			field = "attr"
		}
		have[field] = true
		cols[i] = column{field: field, label: label}
	}
	var missing []string
	for field, col := range b.o.Columns {
		if !have[field] {
			missing = append(missing, fmt.Sprintf("%q (for %s)", col, field))
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, &Problem{Name: b.o.Name, Line: 1, Col: 1, Message: fmt.Sprintf("the header has no column %s; it has %s", strings.Join(missing, ", "), strings.Join(header, ", "))}
	}
	// Only the SKU is required: a feed may give the other fields of
	// products that another source names (Catalog.Missing).
	if !have["sku"] {
		return nil, &Problem{Name: b.o.Name, Line: 1, Col: 1, Message: fmt.Sprintf("the header has no id column (map one with columns: {sku: …}); it has %s", strings.Join(header, ", "))}
	}
	return cols, nil
}

// localeColumn splits "title_fr" or "description_zh" into a field and a
// locale.
func localeColumn(n string) (field, loc string, ok bool) {
	i := strings.LastIndexByte(n, '_')
	if i < 0 || !isLocale(n[i+1:]) {
		return "", "", false
	}
	switch n[:i] {
	case "name", "title":
		return "name", n[i+1:], true
	case "description":
		return "description", n[i+1:], true
	}
	return "", "", false
}

// sniffComma returns ';' when the first line has more semicolons than
// commas, else ','.
func sniffComma(br *bufio.Reader) rune {
	head, _ := br.Peek(4096)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	if bytes.Count(head, []byte(";")) > bytes.Count(head, []byte(",")) {
		return ';'
	}
	return ','
}

func commaName(c rune) string {
	switch c {
	case '\t':
		return "tab"
	case ';':
		return "semicolon"
	}
	return "comma"
}

// csvProblem turns encoding/csv's error into a Problem at its position.
func csvProblem(name string, err error) *Problem {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
			msg += ` (a value with quotes must be in quotes, with each quote doubled: "12"" lamp")`
		}
		return &Problem{Name: name, Line: pe.Line, Col: pe.Column, Message: msg}
	}
	return &Problem{Name: name, Message: err.Error()}
}

func blank(row []string) bool {
	for _, v := range row {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

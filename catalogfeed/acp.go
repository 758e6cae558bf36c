package catalogfeed

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/conciergehq/concierge/internal/money"
)

// readACP reads OpenAI's Agentic Commerce product feed: JSON when the feed
// starts with "{" or "[", CSV otherwise. Field names follow the published
// feed schema (id, title, link, image_link, price "79.99 USD",
// availability, inventory_quantity…) and accept the later names for the
// same fields (item_id, url, image_url).
func readACP(r io.Reader, b *builder) error {
	br := bufio.NewReader(r)
	if startsWith(br, '{') || startsWith(br, '[') {
		return readACPJSON(br, b)
	}
	return readDelimited(br, b, ',', acpAliases, false)
}

// readACPJSON reads {"products": […]}, a bare list of products, or one
// product object per line (JSON Lines). The feed is read into memory to
// tell each product's line.
func readACPJSON(r io.Reader, b *builder) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return &Problem{Name: b.o.Name, Message: fmt.Sprintf("reading the feed: %v", err)}
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	pos := newLines(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	found := false
	for {
		start := skipSpace(data, int(dec.InputOffset()))
		var raw json.RawMessage
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return jsonProblem(b.o.Name, pos, err, start)
		}
		switch raw[0] {
		case '[':
			found = true
			if err := readJSONList(raw, start, pos, b); err != nil {
				return err
			}
		case '{':
			fields, err := objectFields(raw, start)
			if err != nil {
				return jsonProblem(b.o.Name, pos, err, start)
			}
			if list, ok := fields.get("products"); ok && len(list.raw) > 0 && list.raw[0] == '[' {
				found = true
				if err := readJSONList(list.raw, list.at, pos, b); err != nil {
					return err
				}
				continue
			}
			found = true
			addACPProduct(fields, start, pos, b)
		default:
			line, col := pos.at(start)
			return &Problem{Name: b.o.Name, Line: line, Col: col, Message: "expected a product object, a list of them or {\"products\": […]}"}
		}
	}
	if !found {
		return &Problem{Name: b.o.Name, Message: "the feed is empty"}
	}
	return nil
}

// readJSONList reads a list of product objects starting at offset base.
func readJSONList(raw []byte, base int, pos lines, b *builder) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // [
		return jsonProblem(b.o.Name, pos, err, base)
	}
	for dec.More() {
		start := base + skipSpace(raw, int(dec.InputOffset()))
		var item json.RawMessage
		if err := dec.Decode(&item); err != nil {
			return jsonProblem(b.o.Name, pos, err, start)
		}
		if item[0] != '{' {
			line, col := pos.at(start)
			b.problem(line, col, "expected a product object, got %s", shorten(string(item)))
			continue
		}
		fields, err := objectFields(item, start)
		if err != nil {
			return jsonProblem(b.o.Name, pos, err, start)
		}
		addACPProduct(fields, start, pos, b)
	}
	return nil
}

// jsonField is one key of an object, its raw value and the value's offset.
type jsonField struct {
	key string
	raw json.RawMessage
	at  int
}

type jsonFields []jsonField

func (fs jsonFields) get(key string) (jsonField, bool) {
	for _, f := range fs {
		if f.key == key {
			return f, true
		}
	}
	return jsonField{}, false
}

// objectFields lists the keys of a JSON object that starts at offset base.
func objectFields(raw []byte, base int) (jsonFields, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var out jsonFields
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		at := skipSpaceColon(raw, int(dec.InputOffset()))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, jsonField{key: key, raw: v, at: base + at})
	}
	return out, nil
}

// jsonRecord turns a product object into a record.
func jsonRecord(fields jsonFields, start int, pos lines, b *builder) *record {
	line, col := pos.at(start)
	rec := newRecord(line, col)
	for _, f := range fields {
		l, c := pos.at(f.at)
		cl := cell{text: jsonText(f.raw, b.o.Currency), line: l, col: c, label: f.key}
		n := normaliseHeader(f.key)
		if field, ok := b.mappedField(n); ok {
			rec.set(field, cl)
		} else if field, ok := acpAliases[n]; ok && b.o.Columns[field] == "" {
			rec.set(field, cl)
		} else if attrFields[n] {
			rec.attr(n, cl)
		}
	}
	return rec
}

// mappedField returns the field Options.Columns maps a name to.
func (b *builder) mappedField(n string) (string, bool) {
	for field, col := range b.o.Columns {
		if normaliseHeader(col) == n {
			return field, true
		}
	}
	return "", false
}

// jsonText renders a JSON value as the text a CSV cell would hold: strings
// as they are, numbers and booleans as written, lists joined with commas,
// and a {"amount": minor units, "currency": "EUR"} price as "49.00 EUR".
func jsonText(raw json.RawMessage, shopCurrency string) string {
	switch raw[0] {
	case '"':
		var s string
		_ = json.Unmarshal(raw, &s)
		return strings.TrimSpace(s)
	case '[':
		var list []any
		_ = json.Unmarshal(raw, &list)
		parts := make([]string, 0, len(list))
		for _, v := range list {
			parts = append(parts, fmt.Sprint(v))
		}
		return strings.Join(parts, ",")
	case '{':
		var p struct {
			Amount   *int64 `json:"amount"`
			Currency string `json:"currency"`
			Plain    string `json:"plain"`
		}
		if json.Unmarshal(raw, &p) == nil {
			switch {
			case p.Amount != nil && p.Currency != "":
				return minorText(*p.Amount, p.Currency)
			case p.Plain != "":
				return p.Plain
			}
		}
		return string(raw)
	case 'n':
		return ""
	}
	return string(raw)
}

// minorText writes minor units as a listed price ("1999", "USD" → "19.99 USD").
func minorText(minor int64, code string) string {
	d, ok := money.Digits(code)
	if !ok || d == 0 {
		return strconv.FormatInt(minor, 10) + " " + code
	}
	s := fmt.Sprintf("%0*d", d+1, minor)
	return s[:len(s)-d] + "." + s[len(s)-d:] + " " + code
}

// lines maps byte offsets to 1-based lines and columns.
type lines []int // offsets at which each line starts

func newLines(data []byte) lines {
	l := lines{0}
	for i, c := range data {
		if c == '\n' {
			l = append(l, i+1)
		}
	}
	return l
}

func (l lines) at(off int) (line, col int) {
	i := sort.SearchInts(l, off+1) - 1
	return i + 1, off - l[i] + 1
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n' || data[i] == ',') {
		i++
	}
	return i
}

func skipSpaceColon(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n' || data[i] == ':') {
		i++
	}
	return i
}

// jsonProblem turns encoding/json's error into a Problem with a position.
func jsonProblem(name string, pos lines, err error, start int) *Problem {
	off := start
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = int(se.Offset) - 1 // Offset is just after the bad byte
		if off < start {
			off += start
		}
	}
	line, col := pos.at(off)
	return &Problem{Name: name, Line: line, Col: col, Message: "invalid JSON: " + err.Error()}
}

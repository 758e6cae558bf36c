package offers

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/conciergehq/concierge"
)

// Slots are the names a URL template may use, each filled from the
// customer's request.
var Slots = []string{"query", "date", "from", "to", "quantity"}

// template is a parsed URL template: literal text and slots in turn.
type template struct {
	parts []part
}

type part struct {
	text  string // literal text, when slot is ""
	slot  string
	query bool // the slot is in the query string: escaped as a query value
}

// parseTemplate reads a URL template such as
// "https://api.example.com/rooms?q={query}&from={from}". The scheme, host
// and port are literal (a slot there would let a customer choose where the
// server sends its headers); slots fill the path and the query.
func parseTemplate(raw string) (*template, error) {
	t := &template{}
	inQuery := false
	rest := raw
	for rest != "" {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			t.parts = append(t.parts, part{text: rest})
			inQuery = inQuery || strings.ContainsRune(rest, '?')
			break
		}
		lit := rest[:i]
		inQuery = inQuery || strings.ContainsRune(lit, '?')
		if lit != "" {
			t.parts = append(t.parts, part{text: lit})
		}
		end := strings.IndexByte(rest[i:], '}')
		if end < 0 {
			return nil, fmt.Errorf("unterminated %q: slots are written {query}, {date}, {from}, {to} or {quantity}", "{")
		}
		name := rest[i+1 : i+end]
		if !isSlot(name) {
			return nil, fmt.Errorf("unknown slot {%s}: use {%s}", name, strings.Join(Slots, "}, {"))
		}
		t.parts = append(t.parts, part{slot: name, query: inQuery})
		rest = rest[i+end+1:]
	}
	if strings.ContainsRune(raw, '}') && strings.Count(raw, "}") != strings.Count(raw, "{") {
		return nil, fmt.Errorf("a %q without its %q", "}", "{")
	}
	// The URL filled with sample values must be an http(s) URL whose
	// host is written out before any slot.
	sample, err := url.Parse(t.fill(concierge.OfferRequest{Query: "q", Date: "2026-01-01", From: "2026-01-01", To: "2026-01-02", Quantity: 1}))
	if err != nil || (sample.Scheme != "http" && sample.Scheme != "https") || sample.Host == "" {
		return nil, fmt.Errorf("not an http(s) URL such as https://supplier.example.com/availability?q={query}")
	}
	// The address is written out before any slot: a slot in the host
	// would let a customer choose where the server sends its headers.
	head := sample.Scheme + "://" + sample.Host
	if first := t.parts[0]; first.slot != "" || !strings.HasPrefix(first.text, head) {
		return nil, fmt.Errorf("the URL must start with its scheme and host written out, with no slot and no user:password there (credentials go in headers)")
	}
	return t, nil
}

func isSlot(name string) bool {
	for _, s := range Slots {
		if s == name {
			return true
		}
	}
	return false
}

// fill returns the URL for req, each slot URL-escaped: as a query value in
// the query string, as a path segment before it.
func (t *template) fill(req concierge.OfferRequest) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.slot == "" {
			b.WriteString(p.text)
			continue
		}
		v := slotValue(req, p.slot)
		if p.query {
			b.WriteString(url.QueryEscape(v))
		} else {
			b.WriteString(url.PathEscape(v))
		}
	}
	return b.String()
}

// uses reports whether the template has the slot.
func (t *template) uses(slot string) bool {
	for _, p := range t.parts {
		if p.slot == slot {
			return true
		}
	}
	return false
}

func slotValue(req concierge.OfferRequest, slot string) string {
	switch slot {
	case "query":
		return req.Query
	case "date":
		return req.Date
	case "from":
		return req.From
	case "to":
		return req.To
	case "quantity":
		if req.Quantity <= 0 {
			return "1"
		}
		return strconv.Itoa(req.Quantity)
	}
	return ""
}

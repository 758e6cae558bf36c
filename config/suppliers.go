package config

import (
	"regexp"
	"strings"
	"time"

	"github.com/conciergehq/concierge/offers"
)

// FormatHTTP is the format of a supplier source: not a feed of products
// but a supplier's availability API, asked while the customer searches
// (package offers).
const FormatHTTP = "http"

// OfferPaths say where a supplier's JSON answer holds its offers, in
// gjson's path syntax.
type OfferPaths struct {
	List      string `yaml:"list" json:"list" jsonschema:"required,description=The JSON path of the list of offers in the answer such as data.rooms; @this when the answer is the list."`
	ID        string `yaml:"id" json:"id" jsonschema:"required,description=The path of the offer's id in each element of the list such as code."`
	Title     string `yaml:"title" json:"title" jsonschema:"required,description=The path of the offer's title such as name."`
	Price     string `yaml:"price" json:"price" jsonschema:"required,description=The path of the price: a JSON number in major units (49.5) or a listed price such as 49.00 EUR."`
	Currency  string `yaml:"currency" json:"currency,omitempty" jsonschema:"description=The path of the price's currency code; an offer in another currency than the shop's is not sold. Without it prices are in the shop's currency."`
	Available string `yaml:"available" json:"available,omitempty" jsonschema:"description=The path of the availability: a count or true/false or a word such as available or sold_out. Without it every listed offer is available."`
}

// supplierName is what a supplier source's name may be: it is part of the
// SKU that stands for its offers in carts and orders.
var supplierName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// headerName is an HTTP header field name (RFC 9110 token).
var headerName = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")

// supplier checks a source of format http.
func (c *checker) supplier(at string, s *Source, names map[string]string) {
	switch {
	case c.failed(at + ".name"):
	case s.Name == "":
		c.required(at+".name", s.Name, ": a short name for the supplier such as hotel (lower case letters, digits, - and _); it marks its offers in carts and orders")
	case !supplierName.MatchString(s.Name):
		c.errorf(at+".name", "%s.name %s must be 1 to 32 lower case letters, digits, - and _, starting with a letter or digit", at, c.show(at+".name", s.Name))
	case names[s.Name] != "":
		c.errorf(at+".name", "%s.name %s is already the name of %s", at, c.show(at+".name", s.Name), names[s.Name])
	default:
		names[s.Name] = at
	}
	switch {
	case c.failed(at + ".url"):
	case s.URL == "":
		c.required(at+".url", s.URL, ": the supplier's availability URL with slots such as https://api.example.com/rooms?q={query}&from={from}&to={to}")
	default:
		if _, err := offers.New(offers.Source{Name: "check", URL: s.URL, Paths: offers.Paths{List: "l", ID: "i", Title: "t", Price: "p"}, Currency: "EUR"}, nil, nil); err != nil {
			_, why, _ := strings.Cut(err.Error(), "url: ")
			c.errorf(at+".url", "%s.url: %s", at, why)
		}
	}
	feedOnly := map[string]bool{"path": s.Path != "", "refresh": s.Refresh != "", "strict": s.Strict, "columns": len(s.Columns) > 0}
	for _, key := range []string{"path", "refresh", "strict", "columns"} {
		if feedOnly[key] {
			c.errorf(at+"."+key, "%s.%s is for a product feed; a supplier (format http) is asked at each search", at, key)
		}
	}
	for name := range s.Headers {
		if !headerName.MatchString(name) {
			c.errorf(at+".headers."+name, "%s.headers: %q is not an HTTP header name", at, name)
		}
		if v := s.Headers[name]; strings.ContainsAny(v, "\r\n") && !c.failed(at+".headers."+name) {
			c.errorf(at+".headers."+name, "%s.headers.%s must be one line", at, name)
		}
	}
	if s.Offers == nil {
		c.errorf(at+".offers", "%s.offers is required: the JSON paths of the list of offers and of each offer's id, title and price, such as { list: data.rooms, id: code, title: name, price: rate.amount }", at)
	} else {
		for key, val := range map[string]string{"list": s.Offers.List, "id": s.Offers.ID, "title": s.Offers.Title, "price": s.Offers.Price} {
			c.required(at+".offers."+key, strings.TrimSpace(val), "")
		}
	}
	c.within(at+".timeout", s.Timeout, time.Millisecond, offers.MaxTimeout, false)
	c.within(at+".cache_ttl", s.CacheTTL, 0, 24*time.Hour, true)
	if s.InStock < 0 && !c.failed(at+".in_stock") {
		c.errorf(at+".in_stock", "in_stock must not be negative, got %d", s.InStock)
	}
}

// within checks a duration between lo and hi; zero only when zeroOK.
func (c *checker) within(path, val string, lo, hi time.Duration, zeroOK bool) {
	if val == "" || c.failed(path) {
		return
	}
	d, err := time.ParseDuration(val)
	switch {
	case err != nil:
		c.errorf(path, "%s %s is not a duration such as 3s or 1m", path, c.show(path, val))
	case d == 0 && zeroOK:
	case d < lo || d > hi || d == 0:
		c.errorf(path, "%s is %s; it must be between %s and %s", path, d, lo, hi)
	}
}

// otherSourceKeys reports the keys of a supplier source set on a feed.
func (c *checker) otherSourceKeys(at string, s *Source) {
	if s.Name != "" || len(s.Headers) > 0 || s.Offers != nil || s.Timeout != "" || s.CacheTTL != "" {
		c.errorf(at+".format", "%s has name, headers, offers, timeout or cache_ttl, which are for a supplier: write format: http", at)
	}
}

// Suppliers returns the bot's supplier sources (format http) as the
// offers package takes them, with the bot's currency. Their headers and
// URL hold the environment's values: never log them.
func (f *File) Suppliers() []offers.Source {
	var out []offers.Source
	for _, s := range f.Catalog.Sources {
		if s.Format != FormatHTTP || s.Offers == nil {
			continue
		}
		src := offers.Source{Name: s.Name, URL: s.URL, Headers: s.Headers, Currency: f.Currency, InStock: s.InStock,
			Paths: offers.Paths{List: s.Offers.List, ID: s.Offers.ID, Title: s.Offers.Title, Price: s.Offers.Price,
				Currency: s.Offers.Currency, Available: s.Offers.Available}}
		src.Timeout, _ = time.ParseDuration(s.Timeout)
		if s.CacheTTL != "" {
			src.CacheTTL, _ = time.ParseDuration(s.CacheTTL)
			if src.CacheTTL == 0 {
				src.CacheTTL = -1 // "0s": never cached
			}
		}
		out = append(out, src)
	}
	return out
}

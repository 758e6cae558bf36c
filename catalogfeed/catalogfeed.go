// Package catalogfeed reads the product feeds merchants already have into
// the domain's concierge.Product: Google Merchant Center product data
// (tab-separated, or XML as RSS 2.0 or Atom with g: fields), OpenAI's
// Agentic Commerce product feed (JSON, JSON Lines or CSV), and plain CSV
// with a column mapping and per-locale columns (title_fr, title_en…).
//
// A feed is in one language (Options.Locale). Reading a feed gives one Item
// per good row and a Problem per bad row, with its position, so that
// `concierge validate` can show "file:row:column: message" and serve can
// skip the row and count it. Items remember which fields their feed gave,
// so that a Catalog merges several feeds of the same SKUs (one per
// language, or a price list over a product list) field by field.
//
// config imports it to load a bot file's catalog.sources; it imports only
// the standard library, the root package and internal/money, and does no
// I/O of its own beyond the io.Reader it is given.
package catalogfeed

import (
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/conciergehq/concierge"
)

// Format is the kind of a feed.
type Format string

// The formats Read understands.
const (
	// GoogleMerchant is Google Merchant Center product data, tab-separated
	// with a header row or XML (RSS 2.0 <item> or Atom <entry> elements
	// with fields in the http://base.google.com/ns/1.0 namespace).
	GoogleMerchant Format = "google_merchant"
	// ACP is OpenAI's Agentic Commerce product feed as JSON ({"products":
	// […]}, a bare list, or one object per line) or CSV.
	ACP Format = "acp"
	// CSV is a plain comma-separated file with a header row whose columns
	// Options.Columns maps to product fields.
	CSV Format = "csv"
)

// Formats lists every Format, for documentation and checks.
var Formats = []Format{GoogleMerchant, ACP, CSV}

// DefaultInStock is the stock given to a product that its feed says is in
// stock without saying how many (Google Merchant's availability has no
// count), or says nothing of, unless Options.InStock says otherwise.
const DefaultInStock = 100

// SKUPattern is what a SKU may be, as in a bot file.
var SKUPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Options say how to read one feed.
type Options struct {
	Format Format
	// Name is the feed's file name or URL, used in Problems.
	Name string
	// Locale is the language of the feed's titles and descriptions.
	Locale concierge.Locale
	// Currency is the shop's currency: prices written without one are in
	// it, and prices in another are bad rows.
	Currency string
	// Columns maps product fields (sku, name, description, price,
	// sale_price, stock, availability, category, tags, image, digital, and
	// name_fr, description_en… for one language) to the feed's column
	// names, for CSV and for the CSV forms of the other formats. Fields not
	// mapped are looked up under their usual names.
	Columns map[string]string
	// InStock is the stock of a product "in stock" without a count; zero
	// means DefaultInStock.
	InStock int
	// MinorUnits says that prices are whole numbers of the currency's
	// minor units (3500 is 35.00 USD), as the UCP samples' flower shop
	// writes them, rather than amounts such as "35.00 USD".
	MinorUnits bool
	// Now tells whether a sale_price_effective_date period is on; nil
	// means time.Now.
	Now func() time.Time
}

// Fields says which fields of a Product a feed gave, so that merging feeds
// overwrites only those.
type Fields uint16

// The fields of a Product that a feed may give.
const (
	FieldName Fields = 1 << iota
	FieldDescription
	FieldCategory
	FieldPrice
	FieldStock
	FieldTags
	FieldImage
	FieldDigital
	FieldAttrs
	// FieldInStock says the feed called the product in stock without a
	// count: an earlier source's count is kept unless it is 0.
	FieldInStock
	// FieldGroup is the product's variant group (item_group_id).
	FieldGroup
)

// AllFields is every field but FieldInStock, as a bot file's own product gives them.
const AllFields = FieldName | FieldDescription | FieldCategory | FieldPrice | FieldStock | FieldTags | FieldImage | FieldDigital | FieldAttrs | FieldGroup

// Item is one product as one feed gives it.
type Item struct {
	Product concierge.Product
	// Fields are those the feed gave; the others are zero.
	Fields Fields
	// Line and Col are where the product starts in the feed.
	Line, Col int
}

// Problem is a bad row, or a problem with the whole feed, at a 1-based
// line and column of the feed (Line is 0 when there is no position).
type Problem struct {
	Name      string
	Line, Col int
	Message   string
}

// Error formats p as "name:line:col: message".
func (p *Problem) Error() string {
	if p.Line <= 0 {
		return fmt.Sprintf("%s: %s", p.Name, p.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.Name, p.Line, p.Col, p.Message)
}

// Feed is what Read found in a feed.
type Feed struct {
	// Items are the good rows, in feed order, one per SKU.
	Items []Item
	// Problems are the bad rows, skipped, in feed order.
	Problems []Problem
}

// Read reads a feed. Bad rows are skipped and reported in Feed.Problems. A
// feed that cannot be read as a whole (not the format, a syntax error, a
// required column missing) is an error, a *Problem when it has a position.
func Read(r io.Reader, o Options) (*Feed, error) {
	if o.InStock <= 0 {
		o.InStock = DefaultInStock
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	b := &builder{o: o, feed: &Feed{}, seen: map[concierge.SKU]int{}}
	var err error
	switch o.Format {
	case GoogleMerchant:
		err = readGoogleMerchant(r, b)
	case ACP:
		err = readACP(r, b)
	case CSV:
		err = readDelimited(r, b, ',', csvAliases, true)
	default:
		return nil, &Problem{Name: o.Name, Message: fmt.Sprintf("unknown feed format %q", o.Format)}
	}
	if err != nil {
		return nil, err
	}
	return b.feed, nil
}

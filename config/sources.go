package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/catalogfeed"
	"github.com/conciergehq/concierge/internal/money"
)

// Source is one product feed of catalog.sources: a file the merchant's
// shop system or spreadsheet writes.
type Source struct {
	Format     string            `yaml:"format" json:"format" jsonschema:"required,enum=google_merchant,enum=acp,enum=csv,enum=http,description=google_merchant: Google Merchant Center product data (tab-separated or XML as RSS 2.0 or Atom with g: fields); acp: OpenAI's Agentic Commerce product feed (JSON or JSON Lines or CSV); csv: a plain CSV file with a header row (comma or semicolon); http: a supplier's availability API asked at each search (see name and url and headers and offers)."`
	Path       string            `yaml:"path" json:"path,omitempty" jsonschema:"description=The feed file; relative to the bot file. Give path or url."`
	URL        string            `yaml:"url" json:"url,omitempty" jsonschema:"description=The feed's http(s) URL; the server fetches it at start and again every refresh (with ETag and If-Modified-Since) and keeps the last good feed when a refresh fails. Use ${VAR} for a key in it. Give path or url."`
	Refresh    string            `yaml:"refresh" json:"refresh,omitempty" jsonschema:"default=15m,description=For a url source: how often it is fetched again as a Go duration such as 15m; at least 10s. Defaults to 15m."`
	Locale     string            `yaml:"locale" json:"locale,omitempty" jsonschema:"description=The language of the feed's titles and descriptions; one of the bot's locales. Defaults to the bot's first locale. A CSV file may also have title_fr and description_en … columns."`
	Columns    map[string]string `yaml:"columns" json:"columns,omitempty" jsonschema:"description=For CSV: which column gives which field such as {sku: id; price: prix_ttc; name_en: English name}. Fields: sku name description price sale_price sale_price_effective_date availability stock category tags image digital and name_xx or description_xx for a language. Unmapped fields are read from their usual column names."`
	Strict     bool              `yaml:"strict" json:"strict,omitempty" jsonschema:"description=Refuse the whole source when one row is bad. By default bad rows are reported by concierge validate and skipped (and counted) by serve."`
	MinorUnits bool              `yaml:"minor_units" json:"minor_units,omitempty" jsonschema:"description=Prices are whole numbers of the currency's minor units such as 3500 for 35.00 (as the UCP samples' flower shop CSV writes them)."`
	InStock    int               `yaml:"in_stock" json:"in_stock,omitempty" jsonschema:"minimum=0,default=100,description=The stock given to a product the feed says is in stock without a count (Google's availability has none) or says nothing about. Defaults to 100."`

	// The keys of a supplier source (format http), see suppliers.go.
	Name     string            `yaml:"name" json:"name,omitempty" jsonschema:"description=For format http: the supplier's short name such as hotel (lower case letters and digits and - and _); it marks its offers in carts and orders."`
	Headers  map[string]string `yaml:"headers" json:"headers,omitempty" jsonschema:"description=For format http: HTTP headers sent with every request such as {Authorization: Bearer ${SUPPLIER_TOKEN}}; use ${VAR} for keys. Never logged or shown."`
	Offers   *OfferPaths       `yaml:"offers" json:"offers,omitempty" jsonschema:"description=For format http: the JSON paths of the list of offers and of each offer's id and title and price (and currency and availability)."`
	Timeout  string            `yaml:"timeout" json:"timeout,omitempty" jsonschema:"default=3s,description=For format http: how long a search waits for the supplier as a Go duration; at most 10s. Defaults to 3s."`
	CacheTTL string            `yaml:"cache_ttl" json:"cache_ttl,omitempty" jsonschema:"default=1m,description=For format http: how long an answer is reused for the same request; 0s never reuses one. Defaults to 1m. Checkout always asks again."`
}

// FeedReport says what one catalog source gave when the bot file was
// loaded, so that serve can log and count the rows it skipped.
type FeedReport struct {
	// Source is where the source sits in the bot file, such as
	// "catalog.sources[0]", and Path the feed file.
	Source, Path string
	// Products is the number of good rows, Skipped the number of bad ones.
	Products, Skipped int
	// Problems are the first bad rows, as file:row:column diagnostics.
	Problems []Diagnostic

	strict bool // the source refuses bad rows
}

// maxReported bounds the bad rows kept per source; the count is exact.
const maxReported = 20

// DefaultRefresh is how often a url source is fetched when its refresh is
// not given, and MinRefresh the shortest refresh allowed.
const (
	DefaultRefresh = 15 * time.Minute
	MinRefresh     = 10 * time.Second
)

// MinAPIToken is the shortest catalog.api_token accepted.
const MinAPIToken = 32

// CatalogLayer is one part of a bot's catalog in merge order: the bot
// file's products, then each source. A url source's Items are empty: the
// server fetches it (package livecatalog).
type CatalogLayer struct {
	// Name is "catalog.products", or the source's file path or URL.
	Name   string
	Items  []catalogfeed.Item
	Source *Source // nil for catalog.products
}

// CatalogLayers returns f's catalog as layers, in merge order, for the
// server to merge again when a url source changes. Bot merges the same
// layers, the url sources empty.
func (f *File) CatalogLayers() []CatalogLayer {
	out := []CatalogLayer{{Name: "catalog.products"}}
	for _, p := range f.Catalog.Products {
		out[0].Items = append(out[0].Items, catalogfeed.Item{Product: p.product(f.Currency), Fields: catalogfeed.AllFields})
	}
	for i := range f.Catalog.Sources {
		s := &f.Catalog.Sources[i]
		if s.Format == FormatHTTP {
			continue // a supplier is asked at each search (Suppliers)
		}
		l := CatalogLayer{Name: s.Path, Source: s}
		if s.URL != "" {
			l.Name = s.URL
		}
		for j, it := range f.feeds {
			if f.feedFrom[j] == i {
				l.Items = append(l.Items, it)
			}
		}
		out = append(out, l)
	}
	return out
}

// RefreshEvery returns a url source's refresh interval.
func (s *Source) RefreshEvery() time.Duration {
	if d, err := time.ParseDuration(s.Refresh); err == nil && d > 0 {
		return d
	}
	return DefaultRefresh
}

// Feeds returns what each catalog source gave when f was loaded. It is
// empty for a File built in code or returned by Check, which reports bad
// rows as errors instead.
func (f *File) Feeds() []FeedReport { return slices.Clone(f.feedReports) }

// sourceFields are the fields a source's columns may map.
var sourceFields = catalogfeed.MappableFields

// readSources checks catalog.sources and reads each feed. Bad rows are
// errors when rowsAreErrors (Check, for validate) or when the source is
// strict; otherwise they are skipped and reported in f.Feeds(). A feed
// that cannot be read at all is an error either way.
func readSources(f *File, src *source, errs *Errors, rowsAreErrors bool) {
	c := &checker{f: f, src: src, errs: errs}
	if t := f.Catalog.APIToken; t != "" && len(t) < MinAPIToken && !c.failed("catalog.api_token") {
		c.errorf("catalog.api_token", "catalog.api_token is %d characters; it needs at least %d (try openssl rand -hex 32)", len(t), MinAPIToken)
	}
	var from []int                   // the index in f.feedReports of each item's source
	suppliers := map[string]string{} // a supplier's name → where it is
	for i := range f.Catalog.Sources {
		s := &f.Catalog.Sources[i]
		at := fmt.Sprintf("catalog.sources[%d]", i)
		if !c.source(at, s, suppliers) || len(f.Locales) == 0 || !money.ValidCurrency(f.Currency) || s.URL != "" {
			continue // a url source is fetched by the server, or by validate --fetch
		}
		feed, ok := c.readFeed(at, s)
		if !ok {
			continue
		}
		var diags []Diagnostic
		for _, p := range feed.Problems {
			diags = append(diags, Diagnostic{File: p.Name, Line: p.Line, Col: p.Col, Message: p.Message})
		}
		switch {
		case len(diags) > 0 && (s.Strict || rowsAreErrors):
			errs.add(capped(diags, maxDiagnostics)...)
			if s.Strict {
				c.errorf(at+".strict", "the source %s is strict and has %d bad rows: it is refused", s.Path, len(diags))
			}
			continue
		case len(diags) > 0:
			f.feedReports = append(f.feedReports, FeedReport{Source: at, Path: s.Path, Products: len(feed.Items), Skipped: len(diags), Problems: capped(diags, maxReported)})
		default:
			f.feedReports = append(f.feedReports, FeedReport{Source: at, Path: s.Path, Products: len(feed.Items), strict: s.Strict})
		}
		for range feed.Items {
			from = append(from, len(f.feedReports)-1)
			f.feedFrom = append(f.feedFrom, i)
		}
		f.feeds = append(f.feeds, feed.Items...)
	}
	incomplete(f, from, errs, rowsAreErrors)
}

// incomplete drops the products that no source gives a name or a price:
// a feed may leave them to another (a translation, a price list), but the
// merged product needs both. Each is a bad row of the source that first
// names it, reported as readSources reports them (but a strict source's
// products are then not refused as a whole, only these rows).
//
// When the bot has url feeds, which are not fetched here, such a product
// may get its name or price from one of them: it is kept for the server
// (CatalogLayers), which sells it only once the merge with the fetched
// feeds completes it, and left out of Bot's products; validate --fetch
// checks it (CheckSources).
func incomplete(f *File, from []int, errs *Errors, rowsAreErrors bool) {
	if len(f.feeds) == 0 {
		return
	}
	if f.hasURLFeeds() {
		return
	}
	has := map[concierge.SKU]catalogfeed.Fields{}
	for _, p := range f.Catalog.Products {
		has[concierge.SKU(p.SKU)] = catalogfeed.AllFields
	}
	for _, it := range f.feeds {
		has[it.Product.SKU] |= it.Fields
	}
	const needed = catalogfeed.FieldName | catalogfeed.FieldPrice
	kept, keptFrom, reported := f.feeds[:0], f.feedFrom[:0], map[concierge.SKU]bool{}
	for i, it := range f.feeds {
		sku := it.Product.SKU
		if has[sku]&needed == needed {
			kept = append(kept, it)
			keptFrom = append(keptFrom, f.feedFrom[i])
			continue
		}
		if reported[sku] {
			continue
		}
		reported[sku] = true
		missing := "a name"
		switch {
		case has[sku]&needed == 0:
			missing = "a name or a price"
		case has[sku]&catalogfeed.FieldPrice == 0:
			missing = "a price"
		}
		r := &f.feedReports[from[i]]
		d := Diagnostic{File: r.Path, Line: it.Line, Col: it.Col, Message: fmt.Sprintf("product %q has no source that gives it %s", sku, missing)}
		if rowsAreErrors || r.strict {
			errs.add(d)
			continue
		}
		r.Products--
		r.Skipped++
		if len(r.Problems) < maxReported {
			r.Problems = append(r.Problems, d)
		}
	}
	f.feeds, f.feedFrom = kept, keptFrom
}

// hasURLFeeds reports whether f has url product feeds (not suppliers).
func (f *File) hasURLFeeds() bool {
	for _, s := range f.Catalog.Sources {
		if s.URL != "" && s.Format != FormatHTTP {
			return true
		}
	}
	return false
}

// source checks one source's keys and applies its defaults; it reports
// whether the feed can be read.
func (c *checker) source(at string, s *Source, suppliers map[string]string) bool {
	if s.Format == FormatHTTP {
		c.supplier(at, s, suppliers)
		return false // asked at each search, never read as a feed
	}
	c.otherSourceKeys(at, s)
	ok := true
	switch {
	case s.Format == "" && c.failed(at+".format"):
		ok = false
	case s.Format == "":
		c.required(at+".format", s.Format, " (google_merchant, acp, csv or http)")
		ok = false
	case !slices.Contains(catalogfeed.Formats, catalogfeed.Format(s.Format)):
		names := make([]string, len(catalogfeed.Formats))
		for i, f := range catalogfeed.Formats {
			names[i] = string(f)
		}
		hint := ""
		if sug := suggest(s.Format, names); sug != "" {
			hint = fmt.Sprintf("; did you mean %q?", sug)
		}
		c.errorf(at+".format", "unknown feed format %s (google_merchant, acp, csv or http)%s", c.show(at+".format", s.Format), hint)
		ok = false
	}
	switch {
	case s.Path != "" && s.URL != "":
		c.errorf(at+".url", "%s has both path and url: give one", at)
		ok = false
	case s.URL != "":
		if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			c.errorf(at+".url", "%s.url must be an http(s) URL such as https://shop.example.com/feed.json, got %s", at, c.showURL(at+".url", nil))
			ok = false
		}
	case !c.required(at+".path", s.Path, ": the feed file, relative to the bot file (or give url)"):
		ok = false
	}
	if s.Refresh != "" && !c.failed(at+".refresh") {
		d, err := time.ParseDuration(s.Refresh)
		switch {
		case s.URL == "":
			c.errorf(at+".refresh", "%s.refresh is for a url source; a file source is read at start", at)
			ok = false
		case err != nil:
			c.errorf(at+".refresh", "%s.refresh %s is not a duration such as 15m or 1h", at, c.show(at+".refresh", s.Refresh))
			ok = false
		case d < MinRefresh:
			c.errorf(at+".refresh", "%s.refresh is %s; it must be at least %s", at, d, MinRefresh)
			ok = false
		}
	}
	if s.Locale == "" && len(c.f.Locales) > 0 {
		s.Locale = c.f.Locales[0]
	} else if s.Locale != "" && !slices.Contains(c.f.Locales, s.Locale) && !c.failed(at+".locale") {
		c.errorf(at+".locale", "locale %s is not one of the bot's locales (%s)", c.show(at+".locale", s.Locale), strings.Join(c.f.Locales, ", "))
		ok = false
	}
	for field, col := range s.Columns {
		p := at + ".columns." + field
		base, loc, perLocale := strings.Cut(field, "_")
		valid := slices.Contains(sourceFields, field) || (perLocale && (base == "name" || base == "description") && knownLocales[loc])
		switch {
		case !valid:
			hint := ""
			if sug := suggest(field, sourceFields); sug != "" {
				hint = fmt.Sprintf("; did you mean %q?", sug)
			}
			c.errorf(p, "unknown field %q in columns (%s, or name_xx and description_xx for a language)%s", field, strings.Join(sourceFields, ", "), hint)
			ok = false
		case strings.TrimSpace(col) == "" && !c.failed(p):
			c.errorf(p, "%s must name a column of the feed", p)
			ok = false
		}
	}
	if s.InStock < 0 && !c.failed(at+".in_stock") {
		c.errorf(at+".in_stock", "in_stock must not be negative, got %d", s.InStock)
		ok = false
	}
	return ok
}

// readFeed opens and reads one source's file.
func (c *checker) readFeed(at string, s *Source) (*catalogfeed.Feed, bool) {
	c.relative(&s.Path)
	file, err := os.Open(s.Path)
	if err != nil {
		c.errorf(at+".path", "cannot read the feed %s: %v", s.Path, unwrapPath(err))
		return nil, false
	}
	defer file.Close()
	in, err := gunzipFeed(file, s.Path)
	if err != nil {
		c.errorf(at+".path", "cannot read the feed %s: %v", s.Path, err)
		return nil, false
	}
	feed, err := catalogfeed.Read(in, catalogfeed.Options{
		Format:     catalogfeed.Format(s.Format),
		Name:       s.Path,
		Locale:     concierge.Locale(s.Locale),
		Currency:   c.f.Currency,
		Columns:    s.Columns,
		InStock:    s.InStock,
		MinorUnits: s.MinorUnits,
	})
	if err != nil {
		if p, ok := err.(*catalogfeed.Problem); ok {
			c.errs.add(Diagnostic{File: p.Name, Line: p.Line, Col: p.Col, Message: p.Message})
		} else {
			c.errorf(at+".path", "cannot read the feed %s: %v", s.Path, err)
		}
		return nil, false
	}
	return feed, true
}

// gunzipFeed returns a reader of the feed in file: decompressed, up to
// catalogfeed.DefaultMaxGunzipped bytes, when it is gzip (by its first
// bytes, whatever its name), and as it is otherwise. A name ending in .gz
// whose content is not gzip is refused, as a mistake to say rather than a
// feed to guess at.
func gunzipFeed(file *os.File, path string) (io.Reader, error) {
	br := bufio.NewReader(file)
	head, _ := br.Peek(2)
	if !catalogfeed.IsGzip(head) {
		if strings.HasSuffix(strings.ToLower(path), ".gz") {
			return nil, errors.New("its name ends in .gz but it is not gzip-compressed")
		}
		return br, nil
	}
	b, err := catalogfeed.Gunzip(br, catalogfeed.DefaultMaxGunzipped)
	if err != nil {
		return nil, err
	}
	return bytes.NewReader(b), nil
}

// unwrapPath drops the path that an *os.PathError repeats.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// capped keeps the first n diagnostics and says how many more there were.
func capped(ds []Diagnostic, n int) []Diagnostic {
	if len(ds) <= n {
		return ds
	}
	out := slices.Clone(ds[:n])
	last := ds[n-1]
	return append(out, Diagnostic{File: last.File, Line: last.Line, Col: last.Col, Message: fmt.Sprintf("and %d more bad rows", len(ds)-n)})
}

package livecatalog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/catalogfeed"
	"github.com/conciergehq/concierge/internal/redact"
)

// remoteState is what a Catalog knows of one URL feed. Its fields are
// guarded by Catalog.mu.
type remoteState struct {
	remote *Remote
	shown  string // the URL without query and credentials
	key    string // the source's name in the FeedStore: shown, made unique

	items        []catalogfeed.Item // the last good feed's
	etag         string
	lastModified string
	skipped      int   // bad rows skipped in the last good feed
	read         bool  // a feed was read once
	version      int64 // the stored copy's version these items are; 0 when not stored
	badVersion   int64 // a stored copy that does not read, not read again

	lastAttempt, lastSuccess time.Time
	lastError                string
	failures                 int64
}

// SourceStatus says how one URL feed fares.
type SourceStatus struct {
	Bot concierge.BotID
	// Source is the feed's URL without its query and credentials.
	Source string
	// LastSuccess is when the feed was last fetched and read, or found
	// unchanged (304); zero when it never was.
	LastSuccess time.Time
	LastAttempt time.Time
	// Failures counts the failed refreshes since the server started.
	Failures int64
	// LastError says why the last refresh failed; empty when it worked.
	LastError string
	// Products is the number of products of the last good feed, Skipped
	// its bad rows.
	Products, Skipped int
}

// Status returns the state of each URL feed, in the bot file's order.
func (c *Catalog) Status() []SourceStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []SourceStatus
	for _, i := range c.remoteLayers() {
		r := c.remotes[i]
		out = append(out, SourceStatus{Bot: c.cfg.Bot, Source: r.shown, LastSuccess: r.lastSuccess, LastAttempt: r.lastAttempt,
			Failures: r.failures, LastError: r.lastError, Products: len(r.items), Skipped: r.skipped})
	}
	return out
}

// Refreshed reports whether the last refresh of layer i worked.
func (c *Catalog) Refreshed(i int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.remotes[i]
	return r != nil && r.lastError == "" && !r.lastSuccess.IsZero()
}

// RefreshAll fetches every URL feed now, as Run does on their intervals,
// and returns the first failure.
func (c *Catalog) RefreshAll(ctx context.Context) error {
	var first error
	for _, i := range c.remoteLayers() {
		if err := c.Refresh(ctx, i); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Refresh fetches the URL feed of layer i. A changed feed replaces the
// source's products and the catalog is rebuilt; 304 Not Modified keeps
// them; any failure keeps them too, and is recorded for Status and
// returned.
func (c *Catalog) Refresh(ctx context.Context, i int) error { return c.refresh(ctx, i, true) }

// refresh is Refresh; rebuild false leaves the rebuild to the caller.
func (c *Catalog) refresh(ctx context.Context, i int, rebuild bool) error {
	c.mu.Lock()
	r := c.remotes[i]
	if r == nil {
		c.mu.Unlock()
		return fmt.Errorf("livecatalog: layer %d is not a URL feed", i)
	}
	etag, modified := r.etag, r.lastModified
	if !r.read {
		etag, modified = "", "" // never read: ask for the whole feed
	}
	c.mu.Unlock()

	started := c.cfg.Now()
	res, err := c.fetch(ctx, r.remote, etag, modified)
	var version int64
	var later bool
	switch {
	case err != nil:
		c.failCopy(ctx, r, started, err)
	case res.notModified:
		c.touchCopy(ctx, r, etag, modified, started)
	default:
		version, later = c.saveCopy(ctx, r, res, started)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	r.lastAttempt = started
	if err != nil {
		r.failures++
		r.lastError = err.Error()
		c.cfg.Log.Warn("catalog: refresh failed; keeping the last good feed", "bot", c.cfg.Bot, "source", r.shown, "err", err,
			"last_success", r.lastSuccess, "failures", r.failures)
		return fmt.Errorf("livecatalog: %s: %w", r.shown, err)
	}
	r.lastSuccess, r.lastError = started, ""
	if res.notModified {
		return nil
	}
	r.etag, r.lastModified = res.etag, res.lastModified
	switch {
	case later:
		// Another replica stored a later read while this one fetched:
		// forgetting the version makes the next Sync serve that read.
		r.version = 0
	case version > r.version:
		r.version = version
	}
	old, first := r.items, !r.read
	r.read = true
	r.items, r.skipped = res.feed.Items, len(res.feed.Problems)
	if r.skipped > 0 {
		c.cfg.Log.Warn("catalog: bad rows skipped", "bot", c.cfg.Bot, "source", r.shown, "skipped", r.skipped, "first", res.feed.Problems[0].Error())
	}
	if err := c.applyFeedStock(ctx, old, r.items, first); err != nil {
		c.cfg.Log.Warn("catalog: setting stock from the feed", "bot", c.cfg.Bot, "source", r.shown, "err", err)
	}
	if !rebuild {
		return nil
	}
	return c.rebuild(ctx, true)
}

// applyFeedStock sets the live stock of the products whose count the feed
// changed since its last good read: the feed is the merchant's count, and
// a new count in it is applied as the API's is. The first read only seeds
// (rebuild does), so that a restart does not reset the live counts.
func (c *Catalog) applyFeedStock(ctx context.Context, old, items []catalogfeed.Item, first bool) error {
	if c.cfg.Store == nil || first {
		return nil
	}
	was := make(map[concierge.SKU]int, len(old))
	for _, it := range old {
		if it.Fields&catalogfeed.FieldStock != 0 {
			was[it.Product.SKU] = it.Product.Stock
		}
	}
	changed := map[concierge.SKU]int{}
	for _, it := range items {
		if it.Fields&catalogfeed.FieldStock == 0 {
			continue
		}
		if n, ok := was[it.Product.SKU]; ok && n != it.Product.Stock {
			changed[it.Product.SKU] = it.Product.Stock
		}
	}
	return c.cfg.Store.SetStockOnHand(ctx, c.cfg.Bot, changed)
}

// fetched is the outcome of one successful fetch.
type fetched struct {
	notModified        bool
	feed               *catalogfeed.Feed
	body               []byte // the feed as read, decompressed
	etag, lastModified string
}

// ErrTooLarge is a feed body over the size cap, compressed or once
// decompressed.
var ErrTooLarge = catalogfeed.ErrTooLarge

// fetch GETs a feed with the validators of the last good read and reads
// it; a strict source's bad rows and a feed without a good row are
// failures.
func (c *Catalog) fetch(ctx context.Context, rm *Remote, etag, modified string) (*fetched, error) {
	res, err := get(ctx, c.cfg.Client, c.cfg.MaxBytes, rm.URL, rm.Options, etag, modified)
	if err != nil || res.notModified {
		return res, err
	}
	feed := res.feed
	if rm.Strict && len(feed.Problems) > 0 {
		return nil, fmt.Errorf("the source is strict and has %d bad rows, the first %s", len(feed.Problems), feed.Problems[0].Error())
	}
	if len(feed.Items) == 0 && len(feed.Problems) > 0 {
		return nil, fmt.Errorf("no good row (%d bad, the first %s)", len(feed.Problems), feed.Problems[0].Error())
	}
	return res, nil
}

// Fetch GETs a feed and reads it, bad rows in Feed.Problems, as the server
// would: `concierge validate --fetch` uses it. o.Name should be the URL
// without its query (see DisplayURL). maxBytes <= 0 is DefaultMaxBytes.
func Fetch(ctx context.Context, client *http.Client, rawURL string, o catalogfeed.Options, maxBytes int64) (*catalogfeed.Feed, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	res, err := get(ctx, client, maxBytes, rawURL, o, "", "")
	if err != nil {
		return nil, fmt.Errorf("livecatalog: fetch %s: %w", DisplayURL(rawURL), err)
	}
	return res.feed, nil
}

// get does one conditional GET. Errors never carry the URL's query (it
// may hold a key).
func get(ctx context.Context, client *http.Client, maxBytes int64, rawURL string, o catalogfeed.Options, etag, modified string) (*fetched, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, errors.New("the URL is not valid")
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if modified != "" {
		req.Header.Set("If-Modified-Since", modified)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, redact.Error(err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return &fetched{notModified: true}, nil
	case resp.StatusCode != http.StatusOK:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if resp.ContentLength > maxBytes {
		return nil, fmt.Errorf("%w (%d bytes, cap %d)", ErrTooLarge, resp.ContentLength, maxBytes)
	}
	// The body is read whole before parsing, so that a feed cut short by
	// a timeout or the cap is refused as a whole rather than read in part.
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, redact.Error(fmt.Errorf("reading the feed: %w", err))
	}
	if int64(len(body)) > maxBytes {
		return nil, fmt.Errorf("%w (cap %d bytes)", ErrTooLarge, maxBytes)
	}
	if body, err = gunzipBody(resp, body, maxBytes); err != nil {
		return nil, err
	}
	feed, err := catalogfeed.Read(bytes.NewReader(body), o)
	if err != nil {
		return nil, err
	}
	return &fetched{feed: feed, body: body, etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified")}, nil
}

// gunzipBody decompresses a gzip-compressed feed, capping the decompressed
// bytes at maxBytes as the body's. A feed is gzip when its bytes say so,
// whatever the headers: Go's client already undoes a Content-Encoding it
// asked for, and what is left (a Content-Encoding the server sent
// unasked, an application/gzip file) starts with gzip's magic number. A
// body that the headers call gzip but is not is refused: the server is
// misconfigured, and reading it as a feed would only give odd bad rows.
func gunzipBody(resp *http.Response, body []byte, maxBytes int64) ([]byte, error) {
	if catalogfeed.IsGzip(body) {
		b, err := catalogfeed.Gunzip(bytes.NewReader(body), maxBytes)
		if err != nil {
			return nil, fmt.Errorf("gzip-compressed feed: %w", err)
		}
		return b, nil
	}
	enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding")))
	typ, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if !resp.Uncompressed && (enc == "gzip" || enc == "x-gzip" || typ == "application/gzip" || typ == "application/x-gzip") {
		return nil, errors.New("the answer says it is gzip-compressed but its body is not gzip")
	}
	return body, nil
}

// DisplayURL is u without its query, fragment and credentials, which may
// hold a key.
func DisplayURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an invalid URL)"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

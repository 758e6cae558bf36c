// Package offers asks suppliers what they have right now: a catalog
// source of format http in the bot file describes a supplier's
// availability API (a URL template filled from the customer's request,
// headers that carry its key, JSON paths to the offers), and a Client
// asks it, with a timeout, a cache by filled URL and a bound on the answer's
// size, and reads the answer into concierge.Offer values.
//
// The agent shows offers beside catalog products and checkout asks again
// (Recheck) before the customer pays. cmd/concierge builds the clients from
// the bot file; this package imports the root package and internal/ only,
// and the JSON paths are github.com/tidwall/gjson's syntax.
package offers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/redact"
)

// Defaults and bounds of a source.
const (
	DefaultTimeout  = 3 * time.Second
	MaxTimeout      = 10 * time.Second
	DefaultCacheTTL = time.Minute
	DefaultInStock  = 100
	// DefaultMaxBytes bounds a supplier's answer: a list of offers is
	// small, and a bigger body is an error page or a dump.
	DefaultMaxBytes = 4 << 20
	// maxCached bounds the answers kept per source.
	maxCached = 1000
	// DefaultRestAfterFailure is how long searches do not ask a supplier
	// that was slow or down: each search would otherwise wait up to the
	// timeout again, inside a customer's turn.
	DefaultRestAfterFailure = 15 * time.Second
)

// Paths say where a supplier's answer holds its offers, in gjson's path
// syntax ("data.rooms", "results.#(available==true)#"). List is the list of
// offers; the others are read in each element of it.
type Paths struct {
	List      string
	ID        string
	Title     string
	Price     string
	Currency  string // optional: without it prices are in the shop's currency
	Available string // optional: without it every listed offer is available
}

// Source is one supplier's availability API.
type Source struct {
	// Name identifies the source in offers' SKUs, logs and errors.
	Name string
	// URL is the template, with {query}, {date}, {from}, {to} and
	// {quantity} slots; it may hold a key (already expanded from the
	// environment), so it is never shown past its path.
	URL string
	// Headers are sent with every request; their values are secrets.
	Headers map[string]string
	Paths   Paths
	// Currency is the shop's: an offer in another is not sold (prices
	// are never converted).
	Currency string
	// Timeout bounds one request (DefaultTimeout when 0), CacheTTL how
	// long an answer is reused for the same filled URL (DefaultCacheTTL
	// when 0; negative: never).
	Timeout, CacheTTL time.Duration
	// InStock is the count of an offer the supplier says is available
	// without a number (DefaultInStock when 0).
	InStock int
	// MaxBytes bounds the answer (DefaultMaxBytes when 0).
	MaxBytes int64
	// RestAfterFailure is how long Search answers a supplier's slowness
	// or failure again without asking it (DefaultRestAfterFailure when
	// 0; negative: always ask). Recheck always asks.
	RestAfterFailure time.Duration
}

// The kinds of failure of a supplier, for errors.Is.
var (
	// ErrSlow: the supplier did not answer within the source's timeout.
	ErrSlow = errors.New("supplier too slow")
	// ErrDown: the supplier could not be reached or answered with an
	// HTTP error.
	ErrDown = errors.New("supplier unavailable")
	// ErrBadAnswer: the answer is not JSON, too large, or has no list of
	// offers where the source says.
	ErrBadAnswer = errors.New("supplier answer unreadable")
	// ErrGone: the supplier no longer lists the offer, or lists it as
	// unavailable.
	ErrGone = errors.New("offer no longer available")
)

// Error is a failure of one supplier. Its text names the source and the
// URL's scheme, host and path, never the query, a header or the body.
type Error struct {
	Source string
	URL    string // scheme, host and path only
	Kind   error  // ErrSlow, ErrDown, ErrBadAnswer or ErrGone
	Detail string // what happened, free of secrets
	err    error  // the cause, redacted
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("supplier %s: %v", e.Source, e.Kind)
	if e.URL != "" {
		msg = fmt.Sprintf("supplier %s (%s): %v", e.Source, e.URL, e.Kind)
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Is makes errors.Is(err, ErrSlow) and the like work.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Gone reports whether the supplier no longer has the offer: the agent
// tells this apart from a supplier that did not answer without importing
// this package.
func (e *Error) Gone() bool { return e.Kind == ErrGone }

// Unwrap returns the redacted cause.
func (e *Error) Unwrap() error { return e.err }

// Client asks one supplier. It is safe for concurrent use.
type Client struct {
	src   Source
	tmpl  *template
	hc    *http.Client
	log   *slog.Logger
	now   func() time.Time
	shown string // the template's scheme, host and path

	mu    sync.Mutex
	cache map[string]cached
	// failed is the last failure of a search (ErrSlow, ErrDown) and
	// resting until when searches return it without asking.
	failed  *Error
	resting time.Time
}

type cached struct {
	offers []concierge.Offer
	until  time.Time
}

// New checks src and returns its client. hc is the HTTP client (its own
// timeout is not relied on: each request has the source's); log may be nil.
func New(src Source, hc *http.Client, log *slog.Logger) (*Client, error) {
	if src.Name == "" {
		return nil, errors.New("offers: a source needs a name")
	}
	t, err := parseTemplate(src.URL)
	if err != nil {
		return nil, fmt.Errorf("offers: source %s: url: %w", src.Name, err)
	}
	if err := src.Paths.check(); err != nil {
		return nil, fmt.Errorf("offers: source %s: %w", src.Name, err)
	}
	if src.Currency == "" {
		return nil, fmt.Errorf("offers: source %s: no shop currency", src.Name)
	}
	if src.Timeout <= 0 {
		src.Timeout = DefaultTimeout
	}
	if src.CacheTTL == 0 {
		src.CacheTTL = DefaultCacheTTL
	}
	if src.InStock <= 0 {
		src.InStock = DefaultInStock
	}
	if src.MaxBytes <= 0 {
		src.MaxBytes = DefaultMaxBytes
	}
	if src.RestAfterFailure == 0 {
		src.RestAfterFailure = DefaultRestAfterFailure
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{src: src, tmpl: t, hc: hc, log: log, now: time.Now, shown: shownURL(src.URL), cache: map[string]cached{}}, nil
}

// Name returns the source's name.
func (c *Client) Name() string { return c.src.Name }

// Search returns what the supplier offers for req, from the cache when the
// same filled URL was asked within the TTL. Offers that are not available
// are left out. A failure is an *Error; after one of kind ErrSlow or
// ErrDown, searches return it for RestAfterFailure without asking.
func (c *Client) Search(ctx context.Context, req concierge.OfferRequest) ([]concierge.Offer, error) {
	u := c.tmpl.fill(req)
	now := c.now()
	c.mu.Lock()
	hit, ok := c.cache[u]
	failed := c.failed
	if failed != nil && !now.Before(c.resting) {
		failed = nil
	}
	c.mu.Unlock()
	if ok && now.Before(hit.until) {
		return hit.offers, nil
	}
	if failed != nil {
		return nil, failed
	}
	offers, err := c.fetch(ctx, u, req)
	var e *Error
	if errors.As(err, &e) && (e.Kind == ErrSlow || e.Kind == ErrDown) && c.src.RestAfterFailure > 0 {
		c.mu.Lock()
		c.failed, c.resting = e, now.Add(c.src.RestAfterFailure)
		c.mu.Unlock()
	}
	if err != nil {
		return nil, err
	}
	c.remember(u, offers, now)
	return offers, nil
}

// Recheck asks the supplier again, without the cache, for the request that
// found o, and returns the offer as it is now: its price may have changed.
// An offer the supplier no longer lists as available is an *Error of kind
// ErrGone. The fresh answer replaces the cached one.
func (c *Client) Recheck(ctx context.Context, o concierge.Offer) (concierge.Offer, error) {
	u := c.tmpl.fill(o.Request)
	offers, err := c.fetch(ctx, u, o.Request)
	if err != nil {
		return concierge.Offer{}, err
	}
	c.remember(u, offers, c.now())
	for _, x := range offers {
		if x.ID == o.ID {
			return x, nil
		}
	}
	return concierge.Offer{}, &Error{Source: c.src.Name, URL: c.shown, Kind: ErrGone, Detail: fmt.Sprintf("offer %q is not listed as available", o.ID)}
}

// remember caches an answer; the supplier answered, so it is no longer
// resting.
func (c *Client) remember(u string, offers []concierge.Offer, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failed = nil
	if c.src.CacheTTL < 0 {
		return
	}
	if len(c.cache) >= maxCached {
		for k, v := range c.cache {
			if !now.Before(v.until) {
				delete(c.cache, k)
			}
		}
		for k := range c.cache { // still full: drop any one
			if len(c.cache) < maxCached {
				break
			}
			delete(c.cache, k)
		}
	}
	c.cache[u] = cached{offers: offers, until: now.Add(c.src.CacheTTL)}
}

// fetch asks the supplier at u and reads its answer.
func (c *Client) fetch(ctx context.Context, u string, req concierge.OfferRequest) ([]concierge.Offer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.src.Timeout)
	defer cancel()
	body, err := c.get(ctx, u)
	if err != nil {
		return nil, err
	}
	offers, skipped, err := read(body, c.src, req)
	if err != nil {
		return nil, c.fail(ErrBadAnswer, err.Error(), nil)
	}
	if len(skipped) > 0 {
		c.log.WarnContext(ctx, "supplier offers skipped", "source", c.src.Name, "url", c.shown, "skipped", len(skipped), "first", skipped[0])
	}
	return offers, nil
}

func (c *Client) get(ctx context.Context, u string) ([]byte, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, c.fail(ErrBadAnswer, "the filled URL is not valid", nil)
	}
	r.Header.Set("Accept", "application/json")
	for k, v := range c.src.Headers {
		r.Header.Set(k, v)
	}
	resp, err := c.hc.Do(r)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return nil, c.fail(ErrSlow, fmt.Sprintf("no answer within %s", c.src.Timeout), err)
		}
		return nil, c.fail(ErrDown, "", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, c.fail(ErrDown, fmt.Sprintf("HTTP %d", resp.StatusCode), nil)
	}
	if resp.ContentLength > c.src.MaxBytes {
		return nil, c.fail(ErrBadAnswer, fmt.Sprintf("the answer is over the %d bytes allowed (Content-Length %d)", c.src.MaxBytes, resp.ContentLength), nil)
	}
	var b bytes.Buffer
	n, err := b.ReadFrom(io.LimitReader(resp.Body, c.src.MaxBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, c.fail(ErrSlow, fmt.Sprintf("the answer did not arrive within %s", c.src.Timeout), err)
		}
		return nil, c.fail(ErrDown, "reading the answer", err)
	}
	if n > c.src.MaxBytes {
		return nil, c.fail(ErrBadAnswer, fmt.Sprintf("the answer is over the %d bytes allowed", c.src.MaxBytes), nil)
	}
	return b.Bytes(), nil
}

// fail builds an *Error whose cause has the URL cut and every header value
// and the URL's query values masked.
func (c *Client) fail(kind error, detail string, cause error) *Error {
	return &Error{Source: c.src.Name, URL: c.shown, Kind: kind, Detail: detail, err: redact.Error(cause, c.secrets()...)}
}

// secrets are the values that must never be shown: the headers' and the
// template's literal query values.
func (c *Client) secrets() []string {
	var out []string
	for _, v := range c.src.Headers {
		out = append(out, v)
	}
	if u, err := url.Parse(c.src.URL); err == nil {
		for _, vs := range u.Query() {
			out = append(out, vs...)
		}
	}
	return out
}

// shownURL returns the template up to its query: the scheme, host (never
// a slot or user info: parseTemplate refuses them) and path, for logs and
// errors. Keys live in the query and the headers.
func shownURL(tmpl string) string {
	s, _, _ := strings.Cut(tmpl, "?")
	s, _, _ = strings.Cut(s, "#")
	return s
}

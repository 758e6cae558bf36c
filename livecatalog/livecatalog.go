// Package livecatalog keeps one bot's catalog current while the server
// runs: it merges the bot file's products and file feeds with the feeds it
// fetches from URLs (refreshed on an interval, with ETag and
// If-Modified-Since) and with the changes made through the catalog API,
// which the store keeps for every replica. Each time one of them changes it
// hands the whole merged product list to a Sink (the agent's shop), which
// swaps it in at once, so that a search sees the old catalog or the new
// one, never half of each.
//
// A refresh that fails (an HTTP error, a timeout, a feed that cannot be
// read, a body over the size cap) keeps the last good products of that
// source and is reported by Status, for /readyz and the metrics. Each good
// read is also stored (FeedStore), so that a server started while a feed
// is down serves the last good read that it or another replica made.
// With a FeedClaimer, replicas on one database fetch each feed once per
// interval between them (the one that claims it) and the others serve the
// stored read after their next poll.
//
// Catalog.Upsert and Catalog.Delete are the one way to change products at
// run time: the HTTP API (Handler) calls them, and so may any feature that
// sets a price or a stock (a seller's assistant).
//
// It imports the root package, catalogfeed, internal/money and
// internal/redact; it reaches the database through Store and the agent
// through Sink, which server wires. config fetches url sources with Fetch
// for validate --fetch.
package livecatalog

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/catalogfeed"
)

// Sink receives the merged catalog each time it changes. SetProducts must
// make the products visible to the next search before it returns; it must
// not keep or modify the slice's elements' maps beyond reading them.
type Sink interface {
	SetProducts(products []concierge.Product)
}

// Store keeps the API's changes for every replica and the live stock
// (package store implements it).
type Store interface {
	// CatalogChanges returns the changes of bot above version after,
	// oldest first, and the highest version returned.
	CatalogChanges(ctx context.Context, bot concierge.BotID, after int64) ([]concierge.CatalogChange, int64, error)
	// ChangeCatalog runs fn in one transaction with the current changes
	// of skus and writes the rows and the stock on hand fn returns.
	ChangeCatalog(ctx context.Context, bot concierge.BotID, skus []concierge.SKU,
		fn func(current map[concierge.SKU]concierge.CatalogChange) ([]concierge.CatalogChange, map[concierge.SKU]int, error)) error
	// SeedStock records the stock of products the store has not seen.
	SeedStock(ctx context.Context, bot concierge.BotID, products []concierge.Product) error
	// SetStockOnHand sets the live stock from the merchant's count.
	SetStockOnHand(ctx context.Context, bot concierge.BotID, onHand map[concierge.SKU]int) error
}

// Layer is one part of a bot's catalog, in merge order: a later layer wins
// on the fields it gives for the same SKU.
type Layer struct {
	// Name says where the layer comes from ("catalog.products", a file).
	Name string
	// Items are a fixed layer's products: the bot file's own, a file feed.
	Items []catalogfeed.Item
	// Remote, when set, is a feed fetched from a URL; Items is ignored.
	Remote *Remote
}

// Remote is a feed served over HTTP(S) and refreshed on an interval.
type Remote struct {
	URL string
	// Every is the refresh interval (DefaultRefresh when zero).
	Every time.Duration
	// Options say how to read the feed; Name is set to the URL without its
	// query and credentials.
	Options catalogfeed.Options
	// Strict refuses a fetched feed with any bad row, keeping the last
	// good one.
	Strict bool
}

// Defaults.
const (
	DefaultRefresh = 15 * time.Minute
	// DefaultMaxBytes caps a fetched feed's body: a larger one is a failed
	// refresh (a million-product feed is about 500 MB; set MaxBytes).
	DefaultMaxBytes = 64 << 20
	// DefaultPoll is how often a replica looks for changes another
	// replica recorded; it bounds how late they are seen.
	DefaultPoll = 250 * time.Millisecond
	// retryAfterFailure bounds the wait after a failed refresh.
	retryAfterFailure = time.Minute
)

// Config builds a Catalog.
type Config struct {
	Bot      concierge.BotID
	Currency string
	Locales  []concierge.Locale // the first is the default
	Layers   []Layer
	Sink     Sink
	// Store keeps the API's changes and the live stock; nil disables
	// both (a catalog of files and URLs only).
	Store Store
	// Client fetches the remote feeds (internal/httpclient's, with a
	// timeout).
	Client   *http.Client
	MaxBytes int64
	Poll     time.Duration
	Log      *slog.Logger
	Now      func() time.Time
	// After waits for a duration on the clock Now reads (time.After when
	// nil): Run's timers use it, so that a test moving its clock drives
	// the refreshes and the polls.
	After func(d time.Duration) <-chan time.Time
}

// Catalog is one bot's live catalog. Its methods are safe for concurrent
// use.
type Catalog struct {
	cfg Config

	// mu serialises changes to the state below and the rebuilds, so that
	// an older catalog never replaces a newer one.
	mu         sync.Mutex
	remotes    map[int]*remoteState // by layer index
	overrides  map[concierge.SKU]concierge.CatalogChange
	version    int64                  // the highest change applied
	known      map[concierge.SKU]bool // SKUs whose stock the store has
	base       map[concierge.SKU]bool // SKUs the layers give; replaced, never modified
	incomplete int                    // products left out for want of a name or a price, as last logged
	current    atomic.Pointer[[]concierge.Product]
}

// New returns a Catalog; call Load before serving, then Run.
func New(cfg Config) *Catalog {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.After == nil {
		cfg.After = time.After
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 30 * time.Second}
	}
	c := &Catalog{cfg: cfg, remotes: map[int]*remoteState{}, overrides: map[concierge.SKU]concierge.CatalogChange{}}
	keys := map[string]bool{}
	for i, l := range cfg.Layers {
		if l.Remote != nil {
			if l.Remote.Every <= 0 {
				l.Remote.Every = DefaultRefresh
			}
			r := &remoteState{remote: l.Remote, shown: DisplayURL(l.Remote.URL)}
			// The stored copy is named by the URL without its key (a
			// rotated key keeps the copy), and by its place when two
			// sources differ only by their query.
			r.key = r.shown
			if keys[r.key] {
				r.key = fmt.Sprintf("%s (source %d)", r.shown, i)
			}
			keys[r.key] = true
			c.remotes[i] = r
			r.remote.Options.Name = r.shown
		}
	}
	return c
}

// Bot returns the bot whose catalog c is.
func (c *Catalog) Bot() concierge.BotID { return c.cfg.Bot }

// Load fetches every remote feed once and reads the changes recorded so
// far, then hands the catalog to the sink. A feed that cannot be fetched
// is reported by Status and retried by Run, and serves meanwhile the last
// good copy the FeedStore has of it (another replica's or an earlier
// run's read), if any; only a store error fails Load.
//
// With a FeedClaimer (replicas on one database), a stored copy read
// within its source's interval is served without fetching the feed, and
// only the replica that claims a stale one fetches it.
func (c *Catalog) Load(ctx context.Context) error {
	if c.feedClaimer() != nil {
		states, newer, err := c.readFeedCopies(ctx)
		if err != nil {
			return err
		}
		c.mu.Lock()
		c.applyFeedCopies(states, newer)
		c.mu.Unlock()
		for _, i := range c.remoteLayers() {
			c.refreshIfDue(ctx, i, false) // failures are in Status
		}
	} else {
		for _, i := range c.remoteLayers() {
			c.loadCopy(ctx, i)
			c.refresh(ctx, i, false) // failures are in Status
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.readChanges(ctx); err != nil {
		return err
	}
	// With no URL feed and no change, the sink already has this catalog
	// (the bot file's): only the stock is seeded.
	return c.rebuild(ctx, len(c.remotes) > 0 || len(c.overrides) > 0)
}

// Run refreshes the remote feeds on their intervals and applies the
// changes other replicas record, until ctx ends.
func (c *Catalog) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, i := range c.remoteLayers() {
		wg.Go(func() { c.refreshLoop(ctx, i) })
	}
	if c.cfg.Store != nil {
		wg.Go(func() { c.pollLoop(ctx) })
	}
	wg.Wait()
}

func (c *Catalog) remoteLayers() []int {
	var out []int
	for i := range c.cfg.Layers {
		if c.cfg.Layers[i].Remote != nil {
			out = append(out, i)
		}
	}
	return out
}

// refreshLoop looks at layer i's feed when it is due (see nextDue):
// another replica's read, picked up by Sync, moves the time.
func (c *Catalog) refreshLoop(ctx context.Context, i int) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.cfg.After(c.untilDue(i)):
		}
		c.refreshIfDue(ctx, i, true)
	}
}

func (c *Catalog) pollLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.cfg.After(c.cfg.Poll):
		}
		if err := c.Sync(ctx); err != nil && ctx.Err() == nil {
			c.cfg.Log.Warn("catalog: reading changes", "bot", c.cfg.Bot, "err", err)
		}
	}
}

// Sync applies the changes recorded since the last look (by this replica
// or another), and the url feeds' copies another replica stored since,
// and, if there were any, hands the new catalog to the sink, through the
// same rebuild as a refresh (the sink updates its index in place).
func (c *Catalog) Sync(ctx context.Context) error {
	if c.cfg.Store == nil {
		return nil
	}
	states, newer, feedErr := c.readFeedCopies(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	feeds := c.applyFeedCopies(states, newer)
	before := c.version
	changes, err := c.readChanges(ctx)
	if err != nil {
		if feeds {
			// The changes already applied still hold with the new feed.
			return errors.Join(feedErr, err, c.rebuild(ctx, true))
		}
		return errors.Join(feedErr, err)
	}
	if !feeds {
		if c.version == before || c.patchPrices(changes) {
			return feedErr
		}
	}
	return errors.Join(feedErr, c.rebuild(ctx, true))
}

// readChanges reads the store's changes above c.version; c.mu is held.
func (c *Catalog) readChanges(ctx context.Context) ([]concierge.CatalogChange, error) {
	if c.cfg.Store == nil {
		return nil, nil
	}
	changes, last, err := c.cfg.Store.CatalogChanges(ctx, c.cfg.Bot, c.version)
	if err != nil {
		return nil, fmt.Errorf("livecatalog: %s: %w", c.cfg.Bot, err)
	}
	for _, ch := range changes {
		c.overrides[ch.SKU] = ch
	}
	c.version = last
	return changes, nil
}

// Products returns the catalog as last handed to the sink. The caller must
// not modify it.
func (c *Catalog) Products() []concierge.Product {
	if p := c.current.Load(); p != nil {
		return *p
	}
	return nil
}

// rebuild merges the layers and the changes and hands the result to the
// sink; c.mu is held. Products the store has not seen get their stock
// seeded. notify false leaves the sink as it is.
func (c *Catalog) rebuild(ctx context.Context, notify bool) error {
	products := c.merge()
	if c.cfg.Store != nil {
		var fresh []concierge.Product
		for _, p := range products {
			if !c.known[p.SKU] {
				fresh = append(fresh, p)
			}
		}
		if len(fresh) > 0 {
			if err := c.cfg.Store.SeedStock(ctx, c.cfg.Bot, fresh); err != nil {
				return fmt.Errorf("livecatalog: %s: %w", c.cfg.Bot, err)
			}
			if c.known == nil {
				c.known = map[concierge.SKU]bool{}
			}
			for _, p := range fresh {
				c.known[p.SKU] = true
			}
		}
	}
	c.current.Store(&products)
	if c.cfg.Sink != nil && notify {
		c.cfg.Sink.SetProducts(products)
	}
	return nil
}

// merge builds the product list: the layers in order, then the API's
// changes in the order they were made. c.mu is held.
func (c *Catalog) merge() []concierge.Product {
	var cat catalogfeed.Catalog
	for i, l := range c.cfg.Layers {
		items := l.Items
		if r := c.remotes[i]; r != nil {
			items = r.items
		}
		for _, it := range items {
			cat.Add(it)
		}
	}
	base := make(map[concierge.SKU]bool, cat.Len())
	for _, p := range cat.Products() {
		base[p.SKU] = true
	}
	c.base = base
	changes := make([]concierge.CatalogChange, 0, len(c.overrides))
	for _, ch := range c.overrides {
		changes = append(changes, ch)
	}
	slices.SortFunc(changes, func(a, b concierge.CatalogChange) int {
		return cmp.Or(cmp.Compare(a.Version, b.Version), cmp.Compare(a.SKU, b.SKU))
	})
	deleted := map[concierge.SKU]bool{}
	for _, ch := range changes {
		if ch.Deleted {
			deleted[ch.SKU] = true
			continue
		}
		it, err := decodePatch(ch.Patch)
		if err != nil {
			c.cfg.Log.Warn("catalog: unreadable change skipped", "bot", c.cfg.Bot, "sku", ch.SKU, "err", err)
			continue
		}
		cat.Add(it)
	}
	all := cat.Products()
	out := all[:0]
	var incomplete []concierge.SKU
	for _, p := range all {
		if deleted[p.SKU] {
			continue
		}
		// A product that no source names or prices is not sold: a url
		// feed's product that leaves its price to a source that has none,
		// or a change to a product that a feed no longer has (it waits
		// for the product to come back).
		if cat.Missing(p.SKU) != 0 || len(p.Name) == 0 {
			incomplete = append(incomplete, p.SKU)
			continue
		}
		out = append(out, p)
	}
	if len(incomplete) != c.incomplete {
		c.incomplete = len(incomplete)
		if len(incomplete) > 0 {
			c.cfg.Log.Warn("catalog: products without a name or a price left out", "bot", c.cfg.Bot, "count", len(incomplete), "first", incomplete[0])
		}
	}
	return slices.Clip(out)
}

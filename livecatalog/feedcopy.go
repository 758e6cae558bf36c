package livecatalog

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/catalogfeed"
)

// FeedStore keeps the last good read of each url source, so that a server
// started while a feed is down serves that read rather than nothing, and
// so that every replica has it. Config.Store may implement it (package
// store does); without it the last good feed is kept in memory only.
type FeedStore interface {
	// CatalogFeed returns the copy of bot's source, false when there is none.
	CatalogFeed(ctx context.Context, bot concierge.BotID, source string) (concierge.CatalogFeedCopy, bool, error)
	// SaveCatalogFeed records a newer copy (an older one never replaces
	// it) and returns its version, 0 when a later copy was kept.
	SaveCatalogFeed(ctx context.Context, bot concierge.BotID, f concierge.CatalogFeedCopy) (int64, error)
	// TouchCatalogFeed records that the copy with f's validators was
	// found unchanged at f.FetchedAt.
	TouchCatalogFeed(ctx context.Context, bot concierge.BotID, f concierge.CatalogFeedCopy) error
}

// feedStore returns the store's FeedStore, or nil.
func (c *Catalog) feedStore() FeedStore {
	fs, _ := c.cfg.Store.(FeedStore)
	return fs
}

// loadCopy reads the stored copy of layer i's feed, if any, as if it had
// just been fetched at the time it was: Load then fetches the feed with
// its validators. A copy that no longer reads (over a lowered size cap,
// a source made strict, other options) is logged and left out. c.mu is
// not held.
func (c *Catalog) loadCopy(ctx context.Context, i int) {
	fs := c.feedStore()
	if fs == nil {
		return
	}
	c.mu.Lock()
	r := c.remotes[i]
	c.mu.Unlock()
	cp, ok, err := fs.CatalogFeed(ctx, c.cfg.Bot, r.key)
	if err != nil || !ok {
		if err != nil {
			c.cfg.Log.Warn("catalog: reading the stored copy of a feed", "bot", c.cfg.Bot, "source", r.shown, "err", err)
		}
		return
	}
	feed, err := readCopy(cp.Body, r.remote, c.cfg.MaxBytes)
	if err != nil {
		c.cfg.Log.Warn("catalog: the stored copy of a feed is not used", "bot", c.cfg.Bot, "source", r.shown, "err", err)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	r.items, r.skipped = feed.Items, len(feed.Problems)
	r.etag, r.lastModified, r.read, r.version = cp.ETag, cp.LastModified, true, cp.Version
	r.lastSuccess = cp.FetchedAt
}

// readCopy decodes and reads a stored copy as fetch reads a feed.
func readCopy(stored []byte, rm *Remote, maxBytes int64) (*catalogfeed.Feed, error) {
	body, err := catalogfeed.Gunzip(bytes.NewReader(stored), maxBytes)
	if err != nil {
		return nil, err
	}
	feed, err := catalogfeed.Read(bytes.NewReader(body), rm.Options)
	if err != nil {
		return nil, err
	}
	if rm.Strict && len(feed.Problems) > 0 {
		return nil, fmt.Errorf("the source is strict and the copy has %d bad rows", len(feed.Problems))
	}
	if len(feed.Items) == 0 {
		return nil, errors.New("the copy has no good row")
	}
	return feed, nil
}

// saveCopy stores a good read of r's feed, gzip-compressed (a feed
// compresses to about a tenth), so that restarts and replicas have it, and
// returns the copy's version, or 0 and later true when the store kept a
// copy another replica fetched after this one. A failure is logged: the
// feed is served all the same. c.mu is not held.
func (c *Catalog) saveCopy(ctx context.Context, r *remoteState, res *fetched, at time.Time) (version int64, later bool) {
	fs := c.feedStore()
	if fs == nil {
		return 0, false
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Write(res.body) // a bytes.Buffer does not fail
	zw.Close()
	version, err := fs.SaveCatalogFeed(ctx, c.cfg.Bot, concierge.CatalogFeedCopy{Source: r.key, Body: buf.Bytes(),
		ETag: res.etag, LastModified: res.lastModified, FetchedAt: at})
	if err != nil {
		c.cfg.Log.Warn("catalog: storing the copy of a feed", "bot", c.cfg.Bot, "source", r.shown, "err", err)
		return 0, false
	}
	return version, version == 0
}

// failCopy records a failed fetch for the other replicas' /readyz and
// ends this replica's claim, so that the retry may be any replica's. The
// error is the one Status shows, already without the URL's secrets.
func (c *Catalog) failCopy(ctx context.Context, r *remoteState, at time.Time, failure error) {
	fc := c.feedClaimer()
	if fc == nil {
		return
	}
	if err := fc.FailCatalogFeed(ctx, c.cfg.Bot, r.key, at, failure.Error()); err != nil {
		c.cfg.Log.Warn("catalog: recording a feed's failure", "bot", c.cfg.Bot, "source", r.shown, "err", err)
	}
}

// touchCopy records that the stored copy with these validators was found
// unchanged (304) at at.
func (c *Catalog) touchCopy(ctx context.Context, r *remoteState, etag, modified string, at time.Time) {
	fs := c.feedStore()
	if fs == nil {
		return
	}
	err := fs.TouchCatalogFeed(ctx, c.cfg.Bot, concierge.CatalogFeedCopy{Source: r.key, ETag: etag, LastModified: modified, FetchedAt: at})
	if err != nil {
		c.cfg.Log.Warn("catalog: touching the copy of a feed", "bot", c.cfg.Bot, "source", r.shown, "err", err)
	}
}

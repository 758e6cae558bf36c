package livecatalog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/catalogfeed"
)

// FeedClaimer lets the replicas on one database share each url source:
// one of them fetches it per interval and stores the read, and the others
// serve that copy. A Store that is a FeedStore may implement it (package
// store does); without it each replica fetches on its own, as before.
type FeedClaimer interface {
	FeedStore
	// ClaimCatalogFeed claims the next fetch of bot's source until until,
	// and reports whether the caller got it: only when the stored copy was
	// fetched before staleBefore (or there is none), no attempt was made
	// since retryBefore, and no other claim is live at now. SaveCatalogFeed,
	// TouchCatalogFeed and FailCatalogFeed end the claim.
	ClaimCatalogFeed(ctx context.Context, bot concierge.BotID, source string, now, staleBefore, retryBefore, until time.Time) (bool, error)
	// FailCatalogFeed records a failed fetch at at, keeping the copy.
	FailCatalogFeed(ctx context.Context, bot concierge.BotID, source string, at time.Time, msg string) error
	// CatalogFeedStates returns every stored source of bot without its body.
	CatalogFeedStates(ctx context.Context, bot concierge.BotID) ([]concierge.CatalogFeedCopy, error)
}

// maxClaim bounds how long a claim holds when its replica dies while
// fetching: after it, another replica may fetch. A fetch that takes longer
// (a huge feed) only lets a second replica fetch too.
const maxClaim = 2 * time.Minute

// minWait keeps a replica that lost a claim to a slow fetch from asking
// for it again at once.
const minWait = 5 * time.Second

func (c *Catalog) feedClaimer() FeedClaimer {
	fc, _ := c.cfg.Store.(FeedClaimer)
	return fc
}

// retryWait is how long a failing feed waits for its next try.
func retryWait(every time.Duration) time.Duration { return min(every, retryAfterFailure) }

// nextDue is when r's feed is next to be fetched: an interval after the
// last good read (its own or, with a FeedClaimer, any replica's), or the
// retry wait after a failed one; zero when it was never tried. c.mu is
// held.
func nextDue(r *remoteState) time.Time {
	every := r.remote.Every
	switch {
	case r.lastAttempt.IsZero() && r.lastSuccess.IsZero():
		return time.Time{}
	case r.lastError == "" && !r.lastSuccess.IsZero():
		return r.lastSuccess.Add(every)
	default:
		return r.lastAttempt.Add(retryWait(every))
	}
}

// untilDue is how long Run waits before looking at layer i's feed again.
func (c *Catalog) untilDue(i int) time.Duration {
	c.mu.Lock()
	r := c.remotes[i]
	due := nextDue(r)
	c.mu.Unlock()
	return min(max(due.Sub(c.cfg.Now()), minWait), r.remote.Every)
}

// RefreshDue fetches each URL feed whose interval is up, as Run does on
// its timers: with a FeedClaimer only if this replica claims the fetch (no
// other replica read the feed within its interval or is reading it now);
// the others serve the copy it stores, which Sync picks up. It returns the
// first failure.
func (c *Catalog) RefreshDue(ctx context.Context) error {
	var first error
	for _, i := range c.remoteLayers() {
		if err := c.refreshIfDue(ctx, i, true); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// refreshIfDue refreshes layer i if its feed is due and, with a
// FeedClaimer, this replica claims the fetch. A claim that cannot be
// asked for (the database is down) fetches all the same: a feed left
// stale is worse than a second fetch.
func (c *Catalog) refreshIfDue(ctx context.Context, i int, rebuild bool) error {
	c.mu.Lock()
	r := c.remotes[i]
	due := nextDue(r)
	c.mu.Unlock()
	now := c.cfg.Now()
	if now.Before(due) {
		return nil
	}
	fc := c.feedClaimer()
	if fc == nil {
		return c.refresh(ctx, i, rebuild)
	}
	every := r.remote.Every
	ok, err := fc.ClaimCatalogFeed(ctx, c.cfg.Bot, r.key, now, now.Add(-every), now.Add(-retryWait(every)), now.Add(min(every, maxClaim)))
	if err != nil {
		c.cfg.Log.Warn("catalog: claiming a feed's fetch; fetching it anyway", "bot", c.cfg.Bot, "source", r.shown, "err", err)
		return c.refresh(ctx, i, rebuild)
	}
	if !ok {
		return nil // another replica read it within its interval, or is reading it
	}
	return c.refresh(ctx, i, rebuild)
}

// storedCopy is a copy newer than the one a layer serves, read from the
// store.
type storedCopy struct {
	i    int
	cp   concierge.CatalogFeedCopy
	feed *catalogfeed.Feed
}

// readFeedCopies reads what the store has of each url source and the
// body of each copy newer than the one served. c.mu is not held: reading
// a large feed must not hold up searches' updates.
func (c *Catalog) readFeedCopies(ctx context.Context) (map[int]concierge.CatalogFeedCopy, []storedCopy, error) {
	fc := c.feedClaimer()
	if fc == nil || len(c.remotes) == 0 {
		return nil, nil, nil
	}
	states, err := fc.CatalogFeedStates(ctx, c.cfg.Bot)
	if err != nil {
		return nil, nil, fmt.Errorf("livecatalog: %s: %w", c.cfg.Bot, err)
	}
	byKey := make(map[string]concierge.CatalogFeedCopy, len(states))
	for _, st := range states {
		byKey[st.Source] = st
	}
	seen := map[int]concierge.CatalogFeedCopy{}
	var newer []storedCopy
	var errs []error
	for _, i := range c.remoteLayers() {
		c.mu.Lock()
		r := c.remotes[i]
		version, bad := r.version, r.badVersion
		c.mu.Unlock()
		st, ok := byKey[r.key]
		if !ok {
			continue
		}
		seen[i] = st
		if st.Version <= version || st.Version == bad {
			continue
		}
		cp, ok, err := fc.CatalogFeed(ctx, c.cfg.Bot, r.key)
		if err != nil {
			errs = append(errs, fmt.Errorf("livecatalog: %s: %w", c.cfg.Bot, err))
			continue
		}
		if !ok {
			continue
		}
		feed, err := readCopy(cp.Body, r.remote, c.cfg.MaxBytes)
		if err != nil {
			c.cfg.Log.Warn("catalog: the stored copy of a feed is not used", "bot", c.cfg.Bot, "source", r.shown, "err", err)
			c.mu.Lock()
			r.badVersion = cp.Version // not read again on every poll
			c.mu.Unlock()
			continue
		}
		cp.Body = nil
		newer = append(newer, storedCopy{i: i, cp: cp, feed: feed})
	}
	return seen, newer, errors.Join(errs...)
}

// applyFeedCopies serves the newer copies read and takes the other
// replicas' attempts into Status, and reports whether a layer's products
// changed. The stock counts a new copy changed are not applied again:
// the replica that fetched it did. c.mu is held.
func (c *Catalog) applyFeedCopies(states map[int]concierge.CatalogFeedCopy, newer []storedCopy) bool {
	changed := false
	for _, n := range newer {
		r := c.remotes[n.i]
		if n.cp.Version <= r.version {
			continue // this replica read a newer one meanwhile
		}
		r.items, r.skipped = n.feed.Items, len(n.feed.Problems)
		r.etag, r.lastModified, r.read, r.version = n.cp.ETag, n.cp.LastModified, true, n.cp.Version
		if n.cp.FetchedAt.After(r.lastSuccess) {
			r.lastSuccess = n.cp.FetchedAt
		}
		changed = true
	}
	for i, st := range states {
		r := c.remotes[i]
		// A 304 another replica got for the copy served here.
		if st.Version > 0 && st.Version == r.version && st.FetchedAt.After(r.lastSuccess) {
			r.lastSuccess = st.FetchedAt
		}
		if !st.CheckedAt.After(r.lastAttempt) {
			continue // this replica's own attempt, or one already seen
		}
		r.lastAttempt, r.lastError = st.CheckedAt, st.LastError
		if st.LastError != "" {
			r.failures++
		}
	}
	return changed
}

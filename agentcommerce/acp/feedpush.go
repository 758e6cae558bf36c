package acp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/conciergehq/concierge"
)

// FeedPush is one bot's feed kept on an agent's Feed API: its catalog in
// Locale pushed to FeedID at start, when the catalog changes and every
// Every. A bot may have one per language, each its own feed.
type FeedPush struct {
	Bot    concierge.BotID
	Locale concierge.Locale
	API    *FeedAPI
	// FeedID is the feed's id on the agent; empty, the pusher creates the
	// feed (POST /feeds, once for all replicas, see FeedClaims) and keeps
	// the id the agent returns.
	FeedID string
	// TargetCountry is the created feed's target_country (ISO 3166-1
	// alpha-2), or empty for none; only sent when FeedID is empty.
	TargetCountry string
	// Every is the time between pushes; zero is 15 minutes, how often
	// OpenAI's product feed spec accepts updates.
	Every time.Duration
}

// FeedClaims lets the replicas on one database share each feed's
// pushes, so that the agent gets one push of each change (package store
// implements it, table agent_feed_pushes).
type FeedClaims interface {
	// ClaimFeedPush claims the next push of bot's feed, of the products
	// whose digest is digest, until until, and reports whether this
	// caller got it: only when the last good push was of another digest
	// or before staleBefore, no push failed since retryBefore, and no
	// other claim is live at now.
	ClaimFeedPush(ctx context.Context, bot concierge.BotID, feedID, digest string, now, staleBefore, retryBefore, until time.Time) (bool, error)
	// PushedFeed records a good push of digest at at and ends the claim.
	PushedFeed(ctx context.Context, bot concierge.BotID, feedID, digest string, at time.Time) error
	// FailedFeedPush records a failed push at at, with msg, and ends the
	// claim.
	FailedFeedPush(ctx context.Context, bot concierge.BotID, feedID string, at time.Time, msg string) error

	// ClaimFeedCreation returns the id of bot's feed in loc on the Feed
	// API whose base URL's digest is api when one was created already,
	// or claimed true when this caller is to create it now (until until):
	// only when no id is stored, no other claim is live at now and no
	// creation failed since retryBefore.
	ClaimFeedCreation(ctx context.Context, bot concierge.BotID, loc concierge.Locale, api string, now, retryBefore, until time.Time) (feedID string, claimed bool, err error)
	// CreatedFeed stores feedID as that feed's id, ends the claim and
	// returns the id stored (another replica's, should it have stored
	// one first).
	CreatedFeed(ctx context.Context, bot concierge.BotID, loc concierge.Locale, api, feedID string, at time.Time) (string, error)
	// FailedFeedCreation records a failed creation at at, with msg, and
	// ends the claim.
	FailedFeedCreation(ctx context.Context, bot concierge.BotID, loc concierge.Locale, api string, at time.Time, msg string) error
}

// FeedPushResult is one attempt of a feed's push.
type FeedPushResult struct {
	Bot    concierge.BotID
	Locale concierge.Locale
	// FeedID is the feed's id; empty while the feed is not created yet.
	FeedID string
	// Created: this attempt created the feed on the agent (POST /feeds).
	Created bool
	// Skipped: another replica holds the claim, or pushed these products
	// already within the period (or a failure is being waited out), or
	// is creating the feed (FeedID is then empty; looked at again after
	// Retry).
	Skipped               bool
	Current, Discontinued int
	Err                   error
}

// FeedPushConfig is what a FeedPusher pushes, and with what.
type FeedPushConfig struct {
	Pushes []FeedPush
	// Claims shares the pushes between replicas; nil pushes every time
	// (one replica).
	Claims FeedClaims
	// Retry is the wait after a failed push; zero is a minute (never
	// more than the feed's Every).
	Retry time.Duration
	// Lease is how long a claim holds while its push runs; zero is 5
	// minutes. A replica that dies mid-push frees its feed after it.
	Lease time.Duration
	// Now and After are the clock; nil is the time package's.
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
	// Done, when set, is called after each attempt.
	Done func(FeedPushResult)
}

// FeedPusher keeps agents' feeds current: each feed is pushed as it
// starts, again when its bot's catalog changes (Changed) and every
// period, retried sooner after a failure. With Claims, replicas push
// each change once between them.
type FeedPusher struct {
	h   *Handler
	cfg FeedPushConfig
	// wake holds, for each of cfg.Pushes, one pending catalog change.
	wake []chan struct{}
}

// FeedPusher returns the pusher of cfg's feeds; Run it.
func (h *Handler) FeedPusher(cfg FeedPushConfig) *FeedPusher {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.After == nil {
		cfg.After = time.After
	}
	if cfg.Retry <= 0 {
		cfg.Retry = time.Minute
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 5 * time.Minute
	}
	p := &FeedPusher{h: h, cfg: cfg, wake: make([]chan struct{}, len(cfg.Pushes))}
	for i := range p.wake {
		p.wake[i] = make(chan struct{}, 1)
	}
	return p
}

// RunFeedPushes pushes each feed at once and then every Every, until ctx
// ends, with no other replica to share them with (FeedPusher does).
func (h *Handler) RunFeedPushes(ctx context.Context, pushes []FeedPush) {
	h.FeedPusher(FeedPushConfig{Pushes: pushes}).Run(ctx)
}

// Changed says that bot's catalog changed: its feeds are pushed now
// (once, however many changes come before the push starts). It does not
// block, and may be called before Run.
func (p *FeedPusher) Changed(bot concierge.BotID) {
	for i, fp := range p.cfg.Pushes {
		if fp.Bot != bot {
			continue
		}
		select {
		case p.wake[i] <- struct{}{}:
		default:
		}
	}
}

// Run pushes the feeds until ctx ends.
func (p *FeedPusher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for i, fp := range p.cfg.Pushes {
		wg.Go(func() { p.run(ctx, fp, p.wake[i]) })
	}
	wg.Wait()
}

func (p *FeedPusher) run(ctx context.Context, fp FeedPush, wake <-chan struct{}) {
	every := fp.Every
	if every <= 0 {
		every = 15 * time.Minute
	}
	retry := min(p.cfg.Retry, every)
	for {
		r := p.once(ctx, &fp, every, retry)
		if ctx.Err() != nil {
			return
		}
		if r.Created {
			p.h.cfg.Log.Info("acp: feed created", "bot", fp.Bot, "locale", fp.Locale, "feed", r.FeedID)
		}
		switch {
		case r.Err != nil:
			p.h.cfg.Log.Warn("acp: feed push failed; retried", "bot", fp.Bot, "locale", fp.Locale, "feed", r.FeedID, "in", retry, "err", r.Err)
		case !r.Skipped:
			p.h.cfg.Log.Info("acp: feed pushed", "bot", fp.Bot, "locale", fp.Locale, "feed", r.FeedID, "products", r.Current, "discontinued", r.Discontinued)
		}
		if p.cfg.Done != nil {
			p.cfg.Done(r)
		}
		wait := every
		if r.Err != nil || r.FeedID == "" {
			wait = retry
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-p.cfg.After(wait):
		}
	}
}

// once pushes fp's feed if this replica may: its products are read, and
// with Claims pushed only when this replica claims the push of their
// digest (another digest than the last pushed, or the period out). A
// feed without an id is created first (feedID), and fp keeps the id.
func (p *FeedPusher) once(ctx context.Context, fp *FeedPush, every, retry time.Duration) FeedPushResult {
	r := FeedPushResult{Bot: fp.Bot, Locale: fp.Locale, FeedID: fp.FeedID}
	if fp.FeedID == "" {
		id, created, err := p.feedID(ctx, fp, retry)
		r.FeedID, r.Created, r.Err = id, created, err
		if err != nil {
			return r
		}
		if id == "" {
			r.Skipped = true
			return r
		}
		fp.FeedID = id
	}
	products, err := p.h.Products(ctx, fp.Bot, fp.Locale)
	if err == nil && products == nil {
		err = fmt.Errorf("acp: push feed: bot %s does not speak ACP", fp.Bot)
	}
	if err != nil {
		r.Err = err
		return r
	}
	b, err := json.Marshal(products)
	if err != nil {
		r.Err = fmt.Errorf("acp: push feed: %w", err)
		return r
	}
	sum := sha256.Sum256(b)
	digest := hex.EncodeToString(sum[:])
	if c := p.cfg.Claims; c != nil {
		now := p.cfg.Now()
		ok, err := c.ClaimFeedPush(ctx, fp.Bot, fp.FeedID, digest, now, now.Add(-every), now.Add(-retry), now.Add(p.cfg.Lease))
		if err != nil {
			r.Err = err
			return r
		}
		if !ok {
			r.Skipped = true
			return r
		}
	}
	r.Current, r.Discontinued, r.Err = pushProducts(ctx, fp.API, fp.FeedID, products)
	if c := p.cfg.Claims; c != nil {
		// The claim ends whatever the push did; a context ended by
		// shutdown still records it, so the next replica need not wait
		// out the lease.
		ctx := context.WithoutCancel(ctx)
		var err error
		if r.Err != nil {
			err = c.FailedFeedPush(ctx, fp.Bot, fp.FeedID, p.cfg.Now(), r.Err.Error())
		} else {
			err = c.PushedFeed(ctx, fp.Bot, fp.FeedID, digest, p.cfg.Now())
		}
		if err != nil && r.Err == nil {
			r.Err = err
		}
	}
	return r
}

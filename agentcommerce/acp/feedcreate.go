package acp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
)

// feedID returns fp's feed id on the agent when it has none configured:
// the id stored by the replica that created the feed (at any earlier
// start), or, when none did, the id of the feed this replica creates now
// with POST /feeds, after claiming the creation (FeedClaims) so that
// replicas racing make one feed; created says this call made it. An
// empty id without error means another replica is creating it (or its
// failure is being waited out): the caller looks again after retry.
//
// The creation's Idempotency-Key is the same for every replica and
// attempt of this bot, language, country and Feed API (createKey), so a
// creation retried after a replica died between the agent's answer and
// its record is, for an agent that honours the key, the same feed.
// Without Claims (one process, no database) the feed is created at each
// start under that key, and the id kept in memory.
func (p *FeedPusher) feedID(ctx context.Context, fp *FeedPush, retry time.Duration) (id string, created bool, err error) {
	api := fp.API.digest()
	key := createKey(fp.Bot, fp.Locale, fp.TargetCountry, api)
	c := p.cfg.Claims
	if c == nil {
		m, err := createFeed(ctx, fp.API, fp.TargetCountry, key)
		if err != nil {
			return "", false, err
		}
		return m.ID, true, nil
	}
	now := p.cfg.Now()
	id, claimed, err := c.ClaimFeedCreation(ctx, fp.Bot, fp.Locale, api, now, now.Add(-retry), now.Add(p.cfg.Lease))
	if err != nil || !claimed {
		return id, false, err
	}
	m, err := createFeed(ctx, fp.API, fp.TargetCountry, key)
	// The claim ends whatever the agent answered, even at shutdown, so
	// that the next replica need not wait out the lease.
	ctx = context.WithoutCancel(ctx)
	if err != nil {
		if ferr := c.FailedFeedCreation(ctx, fp.Bot, fp.Locale, api, p.cfg.Now(), err.Error()); ferr != nil {
			return "", false, errors.Join(err, ferr)
		}
		return "", false, err
	}
	id, err = c.CreatedFeed(ctx, fp.Bot, fp.Locale, api, m.ID, p.cfg.Now())
	if err != nil {
		return "", false, err
	}
	return id, id == m.ID, nil
}

// createFeed is POST /feeds, its answer's id checked.
func createFeed(ctx context.Context, api *FeedAPI, targetCountry, key string) (FeedMetadata, error) {
	m, err := api.CreateFeed(ctx, targetCountry, key)
	if err != nil {
		return FeedMetadata{}, err
	}
	if m.ID == "" || len(m.ID) > 256 {
		return FeedMetadata{}, fmt.Errorf("acp feed api: POST /feeds answered no usable feed id (%d characters)", len(m.ID))
	}
	return m, nil
}

// digest names the Feed API in the database: the sha-256 of its base URL,
// not the URL, which may carry a credential in its query or user part.
func (c *FeedAPI) digest() string {
	sum := sha256.Sum256([]byte(strings.TrimRight(c.BaseURL, "/")))
	return hex.EncodeToString(sum[:])
}

// createKey is the Idempotency-Key of the creation of bot's feed in loc
// for targetCountry on the Feed API api (its digest): the same for every
// replica and attempt, another for another feed.
func createKey(bot concierge.BotID, loc concierge.Locale, targetCountry, api string) string {
	sum := sha256.Sum256([]byte(string(bot) + "\n" + string(loc) + "\n" + strings.ToUpper(targetCountry) + "\n" + api))
	return "concierge-feed-" + hex.EncodeToString(sum[:16])
}

// Package redistoken shares a WeChat Official Account's access token
// between replicas through Redis, for deployments that keep such state in
// Redis rather than the database. It implements wechat.AccessTokens with
// the store's semantics: one replica at a time holds a lease and fetches,
// the others wait for the token it saves, and a token WeChat refused is
// forgotten only while it is still the cached one.
//
// It lives apart from adapters/wechat so that the adapter, and every
// binary that does not ask for Redis, does not link go-redis. Only
// cmd/concierge imports it.
package redistoken

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/conciergehq/concierge/adapters/wechat"
)

// DefaultPrefix starts every key, so that Concierge's keys can share a
// Redis database with other programs.
const DefaultPrefix = "concierge:"

// Tokens keeps access tokens in Redis. Each app has two keys, both
// carrying the app id in braces so that a Redis Cluster puts them in one
// slot (the scripts below touch both):
//
//	<prefix>wechat:{<app>}:token  a hash: token, expires (Unix milliseconds)
//	<prefix>wechat:{<app>}:lease  the lease holder's random id, with PX
//
// The token hash has no Redis expiry: the adapter judges expiry by its own
// clock from the stored time, and the next refresh overwrites it.
type Tokens struct {
	rdb    *redis.Client
	prefix string

	mu     sync.Mutex
	leases map[string]string // app → id of the lease this process holds
}

var _ wechat.AccessTokens = (*Tokens)(nil)

// Open connects to the Redis server of rawURL (redis:// or rediss://, with
// an optional password and database number, as go-redis parses it) and
// checks that it answers. prefix starts every key; "" means
// DefaultPrefix. Close releases the connections.
func Open(ctx context.Context, rawURL, prefix string) (*Tokens, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redistoken: %w", err)
	}
	if prefix == "" {
		prefix = DefaultPrefix
	}
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redistoken: redis at %s does not answer: %w", opt.Addr, err)
	}
	return &Tokens{rdb: rdb, prefix: prefix, leases: map[string]string{}}, nil
}

// Close closes the connections to Redis.
func (t *Tokens) Close() error { return t.rdb.Close() }

func (t *Tokens) tokenKey(app string) string { return t.prefix + "wechat:{" + app + "}:token" }
func (t *Tokens) leaseKey(app string) string { return t.prefix + "wechat:{" + app + "}:lease" }

// LoadAccessToken returns app's cached token and its expiry, or "" when
// none is cached.
func (t *Tokens) LoadAccessToken(ctx context.Context, app string) (string, time.Time, error) {
	vals, err := t.rdb.HMGet(ctx, t.tokenKey(app), "token", "expires").Result()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("redistoken: load %s: %w", app, err)
	}
	tok, _ := vals[0].(string)
	exp, _ := vals[1].(string)
	if tok == "" {
		return "", time.Time{}, nil
	}
	ms, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("redistoken: load %s: bad expiry %q", app, exp)
	}
	return tok, time.UnixMilli(ms).UTC(), nil
}

// LeaseAccessToken claims app's refresh for until-now with SET NX PX and a
// random id, so that only this process can release it; false means
// another replica holds an unexpired lease. Redis's clock runs the lease
// out, so replicas need not agree on the time.
func (t *Tokens) LeaseAccessToken(ctx context.Context, app string, now, until time.Time) (bool, error) {
	ttl := until.Sub(now)
	if ttl < time.Millisecond {
		ttl = time.Millisecond
	}
	id, err := leaseID()
	if err != nil {
		return false, fmt.Errorf("redistoken: lease %s: %w", app, err)
	}
	ok, err := t.rdb.SetNX(ctx, t.leaseKey(app), id, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("redistoken: lease %s: %w", app, err)
	}
	if ok {
		t.mu.Lock()
		t.leases[app] = id
		t.mu.Unlock()
	}
	return ok, nil
}

// saveScript stores the token and releases the lease if the caller still
// holds it, in one step: a lease that ran out and was taken by another
// replica meanwhile is that replica's, and stays.
var saveScript = redis.NewScript(`
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'expires', ARGV[2])
if ARGV[3] ~= '' and redis.call('GET', KEYS[2]) == ARGV[3] then
  redis.call('DEL', KEYS[2])
end
return 1`)

// SaveAccessToken caches app's fresh token and releases this process's
// lease.
func (t *Tokens) SaveAccessToken(ctx context.Context, app, token string, expires time.Time) error {
	t.mu.Lock()
	id := t.leases[app]
	delete(t.leases, app)
	t.mu.Unlock()
	keys := []string{t.tokenKey(app), t.leaseKey(app)}
	if err := saveScript.Run(ctx, t.rdb, keys, token, expires.UnixMilli(), id).Err(); err != nil {
		return fmt.Errorf("redistoken: save %s: %w", app, err)
	}
	return nil
}

// dropScript deletes the token hash only if it still holds the refused
// token: a replica that held a stale token must not throw away the fresh
// one another replica saved since.
var dropScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)

// DropAccessToken forgets token if it is still app's cached one.
func (t *Tokens) DropAccessToken(ctx context.Context, app, token string) error {
	if err := dropScript.Run(ctx, t.rdb, []string{t.tokenKey(app)}, token).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("redistoken: drop %s: %w", app, err)
	}
	return nil
}

func leaseID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

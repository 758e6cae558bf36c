package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/redact"
)

// AccessTokens shares the account's access_token between replicas. WeChat
// invalidates the previous token whenever a new one is fetched, so
// replicas that each fetched their own would keep invalidating each other;
// instead one replica at a time holds a short lease and fetches, and the
// others read what it stored. The store implements it.
type AccessTokens interface {
	// LoadAccessToken returns the stored token of app and when it
	// expires, or "" when there is none.
	LoadAccessToken(ctx context.Context, app string) (token string, expires time.Time, err error)
	// LeaseAccessToken claims the right to fetch a new token until
	// until; false means another replica holds an unexpired lease.
	LeaseAccessToken(ctx context.Context, app string, now, until time.Time) (bool, error)
	// SaveAccessToken stores a fresh token and releases the lease.
	SaveAccessToken(ctx context.Context, app, token string, expires time.Time) error
	// DropAccessToken forgets token if it is still the stored one
	// (WeChat said it is invalid), so that the next caller fetches anew.
	DropAccessToken(ctx context.Context, app, token string) error
}

// APIError is WeChat's error answer ({"errcode":…,"errmsg":…}).
type APIError struct {
	Code    int    `json:"errcode"`
	Message string `json:"errmsg"`
}

func (e *APIError) Error() string { return fmt.Sprintf("wechat API error %d: %s", e.Code, e.Message) }

// Error codes that mean this customer cannot be reached with this message,
// so retrying is pointless.
var unreachable = map[int]string{
	45015: "more than 48 hours since the customer last interacted, or they unfollowed",
	45047: "the customer-service quota for this customer is used up",
	43004: "the customer does not follow the account",
	40003: "the OpenID is not a follower of this account",
	43019: "the customer blocked the account",
}

// Error codes that mean the access token is no longer valid.
var badToken = map[int]bool{40001: true, 40014: true, 42001: true}

// tokenMargin is how long before its expiry a token is renewed.
const tokenMargin = 5 * time.Minute

// client calls the WeChat API with the account's access token.
type client struct {
	base      string // without a trailing slash
	appID     string
	appSecret string
	http      *http.Client
	now       func() time.Time
	shared    AccessTokens // nil: this process alone
	// secrets are taken out of every error the client returns, with the
	// access token of the call: the app secret is in the token fetch's
	// URL, and the server token and AES key are credentials too.
	secrets []string

	mu      sync.Mutex
	token   string
	expires time.Time
}

// accessToken returns a valid token: the one in memory, else the shared
// one, else a fresh one fetched by whoever holds the lease.
func (c *client) accessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.token != "" && now.Before(c.expires.Add(-tokenMargin)) {
		return c.token, nil
	}
	if c.shared == nil {
		return c.fetchLocked(ctx)
	}
	for i := 0; ; i++ {
		tok, exp, err := c.shared.LoadAccessToken(ctx, c.appID)
		if err != nil {
			return "", fmt.Errorf("wechat: access token: %w", err)
		}
		if tok != "" && c.now().Before(exp.Add(-tokenMargin)) {
			c.token, c.expires = tok, exp
			return tok, nil
		}
		now := c.now()
		ok, err := c.shared.LeaseAccessToken(ctx, c.appID, now, now.Add(30*time.Second))
		if err != nil {
			return "", fmt.Errorf("wechat: access token lease: %w", err)
		}
		if ok {
			// Another replica may have saved a token between our look
			// and our lease (and released its own lease): look again
			// before asking WeChat, which would invalidate that token.
			tok, exp, err := c.shared.LoadAccessToken(ctx, c.appID)
			if err != nil {
				return "", fmt.Errorf("wechat: access token: %w", err)
			}
			if tok != "" && c.now().Before(exp.Add(-tokenMargin)) {
				// Saving it again releases our lease.
				if err := c.shared.SaveAccessToken(ctx, c.appID, tok, exp); err != nil {
					return "", fmt.Errorf("wechat: access token: %w", err)
				}
				c.token, c.expires = tok, exp
				return tok, nil
			}
			return c.fetchLocked(ctx)
		}
		if i == 100 {
			return "", concierge.Errorf(concierge.CodeUnavailable, "wechat: access token", "another replica holds the refresh lease")
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// redact takes the client's secrets, and the access tokens in more, out
// of err.
func (c *client) redact(err error, more ...string) error {
	return redact.Error(err, append(more, c.secrets...)...)
}

// fetchLocked gets a new token from WeChat (GET /cgi-bin/token) and shares
// it. The app secret is in the URL, as WeChat requires; errors never
// carry it.
func (c *client) fetchLocked(ctx context.Context) (string, error) {
	q := url.Values{"grant_type": {"client_credential"}, "appid": {c.appID}, "secret": {c.appSecret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/cgi-bin/token?"+q.Encode(), nil)
	if err != nil {
		return "", errors.New("wechat: access token: bad request")
	}
	var res struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		APIError
	}
	if err := c.do(req, &res); err != nil {
		return "", fmt.Errorf("wechat: access token: %w", err)
	}
	if res.Code != 0 || res.AccessToken == "" {
		e := res.APIError
		return "", fmt.Errorf("wechat: access token: %w", &e)
	}
	if res.ExpiresIn <= 0 {
		res.ExpiresIn = 7200
	}
	c.token, c.expires = res.AccessToken, c.now().Add(time.Duration(res.ExpiresIn)*time.Second)
	if c.shared != nil {
		if err := c.shared.SaveAccessToken(context.WithoutCancel(ctx), c.appID, c.token, c.expires); err != nil {
			return "", fmt.Errorf("wechat: share access token: %w", err)
		}
	}
	return c.token, nil
}

// invalidate forgets tok after WeChat refused it.
func (c *client) invalidate(ctx context.Context, tok string) {
	c.mu.Lock()
	if c.token == tok {
		c.token = ""
	}
	c.mu.Unlock()
	if c.shared != nil {
		c.shared.DropAccessToken(ctx, c.appID, tok)
	}
}

// post calls a JSON API with the access token, renewing the token once if
// WeChat says it is no longer valid.
func (c *client) post(ctx context.Context, path string, body any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("wechat: encode: %w", err)
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.accessToken(ctx)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path+"?access_token="+url.QueryEscape(tok), bytes.NewReader(raw))
		if err != nil {
			return errors.New("wechat: bad request")
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		var res APIError
		if err := c.do(req, &res); err != nil {
			return err
		}
		if res.Code == 0 {
			return nil
		}
		if badToken[res.Code] && attempt == 0 {
			c.invalidate(ctx, tok)
			continue
		}
		if why, ok := unreachable[res.Code]; ok {
			return c.redact(fmt.Errorf("wechat: %s: %w: %w", why, &res, concierge.ErrUndeliverable), tok)
		}
		return c.redact(&res, tok)
	}
}

// do sends req and decodes the JSON answer into v. The error never holds
// the secret or the access token of the URL.
func (c *client) do(req *http.Request, v any) error {
	return c.redact(c.roundTrip(req, v), req.URL.Query().Get("access_token"))
}

func (c *client) roundTrip(req *http.Request, v any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("wechat: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("wechat: %s: read answer: %w", req.URL.Path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("wechat: %s: HTTP %d: %s", req.URL.Path, resp.StatusCode, strings.TrimSpace(clipBytes(string(raw), 200)))
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("wechat: %s: bad answer: %w", req.URL.Path, err)
	}
	return nil
}

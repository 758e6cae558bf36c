package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"golang.org/x/time/rate"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/httpclient"
	"github.com/conciergehq/concierge/internal/redact"
)

// DefaultAPIEndpoint is Telegram's Bot API server.
const DefaultAPIEndpoint = "https://api.telegram.org"

// Client calls the Bot API through go-telegram-bot-api v5.5.1, adding what
// the library lacks: a context per call, rate limits, honouring 429's
// retry_after, and a classification of errors for the outbox.
type Client struct {
	api    *tgbotapi.BotAPI
	http   *http.Client
	limits *limits
	now    func() time.Time
	files  string // {endpoint}/file/bot{token}: where files are downloaded
	// secrets are taken out of every error the client returns: the bot
	// token (in every URL) and the payment provider token (in invoices).
	secrets []string
}

// Limits are the outbound rates; zero fields take Telegram's documented
// values (about 1 message per second per chat with short bursts, 30 per
// second in all).
type Limits struct {
	PerChat      rate.Limit
	PerChatBurst int
	Global       rate.Limit
	GlobalBurst  int
}

func (l *Limits) defaults() {
	if l.PerChat <= 0 {
		l.PerChat = 1
	}
	if l.PerChatBurst <= 0 {
		l.PerChatBurst = 5
	}
	if l.Global <= 0 {
		l.Global = 30
	}
	if l.GlobalBurst <= 0 {
		l.GlobalBurst = 30
	}
}

// NewClient returns a client of the bot with token on the Bot API server
// at endpoint (DefaultAPIEndpoint when empty; a self-hosted server works
// too). It makes no request: the library's constructors call getMe at
// once, which would make starting the server depend on Telegram.
func NewClient(token, endpoint string, hc *http.Client, l Limits) *Client {
	if endpoint == "" {
		endpoint = DefaultAPIEndpoint
	}
	if hc == nil {
		hc = httpclient.New(60 * time.Second)
	}
	l.defaults()
	api := &tgbotapi.BotAPI{Token: token, Client: hc, Buffer: 100}
	api.SetAPIEndpoint(strings.TrimRight(endpoint, "/") + "/bot%s/%s")
	return &Client{api: api, http: hc, limits: newLimits(l), now: time.Now, files: strings.TrimRight(endpoint, "/") + "/file/bot" + token,
		secrets: []string{token}}
}

// redact takes the client's secrets, and more, out of err: the library's
// errors are net/http's *url.Error, whose URL holds the token.
func (c *Client) redact(err error, more ...string) error {
	return redact.Error(err, append(more, c.secrets...)...)
}

// ctxDoer gives the library's requests (made with http.NewRequest, no
// context) the context of the call.
type ctxDoer struct {
	ctx context.Context
	c   *http.Client
}

func (d ctxDoer) Do(r *http.Request) (*http.Response, error) { return d.c.Do(r.WithContext(d.ctx)) }

// bot returns a shallow copy of the library's BotAPI whose requests carry
// ctx; copies are cheap and share nothing mutable.
func (c *Client) bot(ctx context.Context) *tgbotapi.BotAPI {
	b := *c.api
	b.Client = ctxDoer{ctx, c.http}
	return &b
}

// RetryError is a send that Telegram refused for now with 429; RetryAfter
// says when it may be tried again. The outbox reads it.
type RetryError struct {
	After time.Duration
	Err   error
}

func (e *RetryError) Error() string {
	return fmt.Sprintf("%v (retry after %s)", e.Err, e.After)
}
func (e *RetryError) Unwrap() error             { return e.Err }
func (e *RetryError) RetryAfter() time.Duration { return e.After }

// Request makes one call of a library Chattable to chat (0 when the call
// is not to a chat), waiting for the rate limits first.
func (c *Client) Request(ctx context.Context, chat int64, ch tgbotapi.Chattable) (*tgbotapi.APIResponse, error) {
	return c.do(ctx, chat, "", func(b *tgbotapi.BotAPI) (*tgbotapi.APIResponse, error) { return b.Request(ch) })
}

// Call makes a call the library has no type for (setWebhook with
// secret_token, refundStarPayment, …) through its generic MakeRequest:
// params are form fields, structured values JSON-encoded by the caller.
func (c *Client) Call(ctx context.Context, method string, params tgbotapi.Params) (*tgbotapi.APIResponse, error) {
	return c.do(ctx, 0, method, func(b *tgbotapi.BotAPI) (*tgbotapi.APIResponse, error) { return b.MakeRequest(method, params) })
}

// do runs call. A 429 whose retry_after fits in ctx's deadline is waited
// out and tried once more; a longer one comes back as a *RetryError. A
// 403 (the customer blocked the bot, or deleted their account) wraps
// concierge.ErrUndeliverable. No error holds the token.
func (c *Client) do(ctx context.Context, chat int64, method string, call func(*tgbotapi.BotAPI) (*tgbotapi.APIResponse, error)) (*tgbotapi.APIResponse, error) {
	resp, err := c.try(ctx, chat, call)
	return resp, c.redact(err)
}

func (c *Client) try(ctx context.Context, chat int64, call func(*tgbotapi.BotAPI) (*tgbotapi.APIResponse, error)) (*tgbotapi.APIResponse, error) {
	for attempt := 0; ; attempt++ {
		if err := c.limits.wait(ctx, chat, c.now); err != nil {
			return nil, err
		}
		resp, err := call(c.bot(ctx))
		if err == nil {
			return resp, nil
		}
		var te *tgbotapi.Error
		if !errors.As(err, &te) {
			return nil, fmt.Errorf("telegram: %w", err)
		}
		switch {
		case te.Code == http.StatusForbidden:
			return nil, fmt.Errorf("telegram: %d %s: %w", te.Code, te.Message, concierge.ErrUndeliverable)
		case te.Code == http.StatusBadRequest && strings.Contains(strings.ToLower(te.Message), "chat not found"):
			return nil, fmt.Errorf("telegram: %d %s: %w", te.Code, te.Message, concierge.ErrUndeliverable)
		case te.Code == http.StatusTooManyRequests || te.RetryAfter > 0:
			after := time.Duration(max(te.RetryAfter, 1)) * time.Second
			c.limits.block(chat, c.now().Add(after))
			if dl, ok := ctx.Deadline(); attempt == 0 && (!ok || c.now().Add(after).Before(dl)) {
				continue // wait in limits.wait, then try once more
			}
			return nil, &RetryError{After: after, Err: fmt.Errorf("telegram: %d %s", te.Code, te.Message)}
		}
		// te is wrapped (its text is its Message) so that callers can
		// tell the 400s they expect, such as "message is not modified".
		return nil, fmt.Errorf("telegram: %d %w", te.Code, te)
	}
}

// badRequest reports whether err is Telegram's 400 whose description
// contains one of phrases (descriptions are stable English sentences,
// the only way the Bot API tells its 400s apart).
func badRequest(err error, phrases ...string) bool {
	var te *tgbotapi.Error
	if !errors.As(err, &te) || te.Code != http.StatusBadRequest {
		return false
	}
	msg := strings.ToLower(te.Message)
	for _, p := range phrases {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// limits are the global and per-chat outbound rates, and the times until
// which a 429 told us to keep quiet.
type limits struct {
	cfg    Limits
	global *rate.Limiter
	mu     sync.Mutex
	chats  map[int64]*chatLimit
	until  time.Time // a 429 on a call to no chat blocks every call
}

type chatLimit struct {
	lim   *rate.Limiter
	until time.Time
}

func newLimits(l Limits) *limits {
	return &limits{cfg: l, global: rate.NewLimiter(l.Global, l.GlobalBurst), chats: map[int64]*chatLimit{}}
}

// wait blocks until chat may receive one more call, or fails at once when
// ctx would end first.
func (l *limits) wait(ctx context.Context, chat int64, now func() time.Time) error {
	l.mu.Lock()
	until := l.until
	var cl *chatLimit
	if chat != 0 {
		cl = l.chats[chat]
		if cl == nil {
			if len(l.chats) > 10000 {
				l.gc(now())
			}
			perChat, burst := l.cfg.PerChat, l.cfg.PerChatBurst
			if chat < 0 {
				perChat, burst = rate.Every(3*time.Second), 3 // groups: 20 per minute
			}
			cl = &chatLimit{lim: rate.NewLimiter(perChat, burst)}
			l.chats[chat] = cl
		}
		if cl.until.After(until) {
			until = cl.until
		}
	}
	l.mu.Unlock()
	if d := until.Sub(now()); d > 0 {
		if dl, ok := ctx.Deadline(); ok && now().Add(d).After(dl) {
			return &RetryError{After: d, Err: errors.New("telegram: rate limited by a 429")}
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	if cl != nil {
		if err := cl.lim.Wait(ctx); err != nil {
			return &RetryError{After: time.Second, Err: fmt.Errorf("telegram: per-chat rate: %w", err)}
		}
	}
	if err := l.global.Wait(ctx); err != nil {
		return &RetryError{After: time.Second, Err: fmt.Errorf("telegram: global rate: %w", err)}
	}
	return nil
}

// block keeps chat (every chat, for 0) quiet until t.
func (l *limits) block(chat int64, t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if chat == 0 {
		l.until = t
		return
	}
	if cl := l.chats[chat]; cl != nil && t.After(cl.until) {
		cl.until = t
	}
}

// gc forgets chats that are idle: their bucket is full and no 429 holds.
func (l *limits) gc(now time.Time) {
	for id, cl := range l.chats {
		if cl.until.Before(now) && cl.lim.TokensAt(now) >= float64(cl.lim.Burst()) {
			delete(l.chats, id)
		}
	}
}

// result decodes an API response's result into v.
func result(r *tgbotapi.APIResponse, v any) error {
	if r == nil || len(r.Result) == 0 {
		return errors.New("telegram: empty result")
	}
	return json.Unmarshal(r.Result, v)
}

// Package hooks sends hand-off events (handoff.requested, handoff.claimed,
// handoff.resolved) to a bot's webhook, signed with HMAC-SHA256, so that a
// merchant can connect another helpdesk.
//
// Every move of a conversation between the bot and people is a row that
// commits with the move itself; the Store hands those rows out under a
// lease, one sender at a time, and keeps what became of each. Delivery is
// at least once: a crash between the receiver's answer and its record
// sends the event again, with the same id, once the lease runs out.
// Failures are retried with jittered exponential backoff, up to
// MaxAttempts; then the event is marked failed, logged and counted.
//
// It reaches storage through its own Store interface, which cmd/concierge
// satisfies with the SQL store, and imports no store, config or adapter
// (deps_test.go). Only cmd/concierge imports it.
package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/jobloop"
	"github.com/conciergehq/concierge/internal/redact"
)

// Store is the sender's view of storage.
type Store interface {
	// Claim leases, for lease, up to limit due hooks of bots, oldest
	// first and in order within a conversation; nobody else gets them
	// until Finish or the lease runs out.
	Claim(ctx context.Context, bots []concierge.BotID, limit int, lease time.Duration) ([]Hook, error)
	// Finish records r for h and releases its lease; it reports false,
	// changing nothing, when the lease was lost.
	Finish(ctx context.Context, h *Hook, r Result) (bool, error)
	// Skip marks done, unsent, the pending hooks of every bot not in bots.
	Skip(ctx context.Context, bots []concierge.BotID) (int64, error)
}

// Outcome is what became of one send.
type Outcome string

// Outcomes.
const (
	Sent    Outcome = "sent"
	Retry   Outcome = "retry"
	Failed  Outcome = "failed"  // MaxAttempts used up; not sent again
	Skipped Outcome = "skipped" // not an event, or no webhook for its bot
)

// Result is an Outcome with what the Store keeps of it.
type Result struct {
	Outcome Outcome
	Next    time.Time // for Retry
	// Counted is false for a Retry whose request was cut short by this
	// process stopping; it uses no attempt.
	Counted bool
	Error   string
}

// Endpoint is where one bot's events go.
type Endpoint struct {
	URL    string
	Secret []byte
	// PreviousSecret, when set, signs every request too, as a second v1
	// value: the old secret while the merchant rotates it, so that the
	// receiver verifies requests whichever of the two it holds.
	PreviousSecret []byte
}

// sign is the Concierge-Signature of body sent at t, with the current
// secret and, during a rotation, the previous one.
func (ep Endpoint) sign(t time.Time, body []byte) string {
	if len(ep.PreviousSecret) == 0 {
		return Sign(ep.Secret, t, body)
	}
	return Sign(ep.Secret, t, body, ep.PreviousSecret)
}

// Metrics counts outcomes; it may be nil.
type Metrics interface {
	HandoffHook(bot concierge.BotID, o Outcome)
}

// Config tunes a Sender; zero values take the defaults.
type Config struct {
	Endpoints   map[concierge.BotID]Endpoint
	Batch       int           // hooks claimed at once (default 16)
	Lease       time.Duration // how long a claim lasts if this process dies (default 1m)
	Timeout     time.Duration // per request (default 10s)
	MaxAttempts int           // then the event is marked failed (default 12)
	BaseDelay   time.Duration // first retry delay (default 10s)
	MaxDelay    time.Duration // retry delay cap (default 1h)
	Poll        time.Duration // how often to look (default 1s)
	SkipEvery   time.Duration // how often other bots' hooks are skipped (default 1m)
}

func (c *Config) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Batch, 16)
	def(&c.MaxAttempts, 12)
	defd(&c.Lease, time.Minute)
	defd(&c.Timeout, 10*time.Second)
	defd(&c.BaseDelay, 10*time.Second)
	defd(&c.MaxDelay, time.Hour)
	defd(&c.Poll, time.Second)
	defd(&c.SkipEvery, time.Minute)
	// A request may outlast its lease: the store renews the lease of
	// work in progress while the replica's heartbeat runs
	// (store.RenewLeases), so no second sender starts the event. Cutting
	// the request at half the lease, as before renewals, turned a
	// receiver slower than that into a retry and a second delivery.
}

// Sender sends the hand-off events of the bots with an Endpoint.
type Sender struct {
	store   Store
	client  *http.Client
	cfg     Config
	bots    []concierge.BotID
	log     *slog.Logger
	metrics Metrics
	now     func() time.Time
	wake    chan struct{}
}

// New returns a Sender. client's redirects are not followed: a 3xx is a
// failure, so that events never go somewhere the merchant did not write.
func New(store Store, client *http.Client, cfg Config, log *slog.Logger, m Metrics) *Sender {
	cfg.defaults()
	if client == nil {
		client = &http.Client{}
	}
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	s := &Sender{store: store, client: &c, cfg: cfg, log: log, metrics: m, now: time.Now, wake: make(chan struct{}, 1)}
	for b := range cfg.Endpoints {
		s.bots = append(s.bots, b)
	}
	return s
}

// Wake makes Run look for events now rather than at its next poll.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run sends events until ctx ends. A request in flight when ctx ends is
// cut short and recorded as a retry that uses no attempt.
func (s *Sender) Run(ctx context.Context) {
	var skipped time.Time
	jobloop.Run(ctx, jobloop.Config{Name: "handoff webhook", Poll: s.cfg.Poll, Wake: s.wake, Log: s.log}, func(ctx context.Context) (bool, error) {
		if s.now().Sub(skipped) >= s.cfg.SkipEvery {
			skipped = s.now()
			if n, err := s.store.Skip(ctx, s.bots); err != nil {
				return false, fmt.Errorf("skip: %w", err)
			} else if n > 0 {
				s.log.Debug("handoff webhook: skipped hand-offs of bots without a webhook", "count", n)
			}
		}
		n, err := s.RunOnce(ctx)
		if err != nil {
			return false, fmt.Errorf("claim: %w", err)
		}
		return n >= s.cfg.Batch, nil
	})
}

// RunOnce claims one batch of due events, sends them at once, and records
// each outcome. It returns how many it claimed.
func (s *Sender) RunOnce(ctx context.Context) (int, error) {
	if len(s.bots) == 0 {
		return 0, nil
	}
	hs, err := s.store.Claim(ctx, s.bots, s.cfg.Batch, s.cfg.Lease)
	if err != nil || len(hs) == 0 {
		return 0, err
	}
	var wg sync.WaitGroup
	for i := range hs {
		wg.Go(func() { s.handle(ctx, &hs[i]) })
	}
	wg.Wait()
	return len(hs), nil
}

// handle sends h and records the outcome.
func (s *Sender) handle(ctx context.Context, h *Hook) {
	r := s.deliver(ctx, h)
	// The outcome is recorded even when ctx ended during the request, so
	// a stop never leaves an event leased until the lease runs out.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	ok, err := s.store.Finish(fctx, h, r)
	switch {
	case err != nil:
		s.log.Error("handoff webhook: record outcome", "event", EventID(h.ID), "outcome", r.Outcome, "err", err)
	case !ok:
		s.log.Warn("handoff webhook: lease lost before the outcome was recorded; the event may be sent again", "event", EventID(h.ID))
	}
	if s.metrics != nil && (r.Outcome != Retry || r.Counted) {
		s.metrics.HandoffHook(h.Bot, r.Outcome)
	}
}

// deliver sends h once and decides what comes next.
func (s *Sender) deliver(ctx context.Context, h *Hook) Result {
	t := TypeOf(h.From, h.To)
	ep, ok := s.cfg.Endpoints[h.Bot]
	if t == "" || !ok {
		return Result{Outcome: Skipped, Error: fmt.Sprintf("nothing to send for %s → %s", h.From, h.To)}
	}
	err := s.post(ctx, ep, h, t)
	if err == nil {
		s.log.Info("handoff webhook: sent", "event", EventID(h.ID), "type", t, "bot", h.Bot, "conversation", h.Conversation, "attempt", h.Attempts+1)
		return Result{Outcome: Sent}
	}
	if ctx.Err() != nil {
		return Result{Outcome: Retry, Next: s.now(), Error: "interrupted: " + err.Error()}
	}
	attempt := h.Attempts + 1
	if attempt >= s.cfg.MaxAttempts {
		s.log.Error("handoff webhook: gave up", "event", EventID(h.ID), "type", t, "bot", h.Bot, "conversation", h.Conversation,
			"attempts", attempt, "err", err)
		return Result{Outcome: Failed, Counted: true, Error: err.Error()}
	}
	next := s.now().Add(s.delay(h.Attempts))
	s.log.Warn("handoff webhook: failed, will retry", "event", EventID(h.ID), "type", t, "bot", h.Bot, "attempt", attempt,
		"next", next, "err", err)
	return Result{Outcome: Retry, Next: next, Counted: true, Error: err.Error()}
}

// post makes one signed request; a 2xx answer is success. The error is
// logged, stored and shown in the inbox, so it holds neither the query of
// the receiver's URL (which may carry a token) nor the signing secrets.
func (s *Sender) post(ctx context.Context, ep Endpoint, h *Hook, t Type) error {
	return redact.Error(s.request(ctx, ep, h, t), ep.secrets()...)
}

// secrets are the signing secrets and what the URL may hold of one: its
// query's values and its password.
func (ep Endpoint) secrets() []string {
	out := []string{string(ep.Secret), string(ep.PreviousSecret)}
	if u, err := url.Parse(ep.URL); err == nil {
		for _, vs := range u.Query() {
			out = append(out, vs...)
		}
		if pw, ok := u.User.Password(); ok {
			out = append(out, pw)
		}
	}
	return out
}

func (s *Sender) request(ctx context.Context, ep Endpoint, h *Hook, t Type) error {
	body, err := json.Marshal(payload(h, t))
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Concierge-Webhook/1")
	req.Header.Set("Concierge-Event-Id", EventID(h.ID))
	req.Header.Set("Concierge-Event-Type", string(t))
	req.Header.Set(SignatureHeader, ep.sign(s.now(), body))
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode/100 != 2 {
		return &StatusError{Code: resp.StatusCode, Body: string(snippet)}
	}
	return nil
}

// StatusError is a receiver's answer other than 2xx.
type StatusError struct {
	Code int
	Body string // the start of the answer
}

func (e *StatusError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("HTTP %d", e.Code)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Code, e.Body)
}

var _ error = (*StatusError)(nil)

// delay is the wait before retry n+1: exponential from BaseDelay, capped,
// with the upper half jittered so that events failing together (the
// receiver down) do not come back in lockstep. The attempts are counted
// in the Store, so the delay is a function of their number rather than a
// backoff object that a restart would forget.
func (s *Sender) delay(attempts int) time.Duration {
	return jobloop.Backoff(s.cfg.BaseDelay, s.cfg.MaxDelay, attempts)
}

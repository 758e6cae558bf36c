package agentcommerce

import (
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

	"github.com/conciergehq/concierge/internal/jobloop"
	"github.com/conciergehq/concierge/internal/redact"
)

// EventRequests builds the request that delivers an order event in its
// protocol's shape: ACP's Merchant-Signature HMAC, UCP's RFC 9421
// signature. The sender below is the same for both.
type EventRequests interface {
	// Request returns the signed POST of e, made at now, and what must
	// not reach a log or a row (the signing secret, secrets in the URL).
	// An error wrapping ErrNoEndpoint means e's bot has no webhook for
	// it: the event fails at once.
	Request(ctx context.Context, e *Event, now time.Time) (req *http.Request, secrets []string, err error)
}

// URLSecrets are what a webhook URL may hold of a secret, to keep out of
// logs and rows: its query's values and its password.
func URLSecrets(raw string) []string {
	var out []string
	if u, err := url.Parse(raw); err == nil {
		for _, vs := range u.Query() {
			out = append(out, vs...)
		}
		if pw, ok := u.User.Password(); ok {
			out = append(out, pw)
		}
	}
	return out
}

// ErrNoEndpoint is what EventRequests.Request's error wraps when the
// event has nowhere to go.
var ErrNoEndpoint = errors.New("no webhook for this event")

// WebhookConfig tunes Webhooks; zero values take the defaults.
type WebhookConfig struct {
	Protocol Protocol // whose events are sent
	Events   EventStore
	Requests EventRequests
	Client   *http.Client
	Log      *slog.Logger
	// Now is the clock of signatures and retries; tests set it.
	Now         func() time.Time
	Batch       int           // events claimed at once (default 16)
	Lease       time.Duration // how long a claim lasts if this process dies (default 1m)
	Timeout     time.Duration // per request (default 10s)
	MaxAttempts int           // then the event is marked failed (default 12)
	BaseDelay   time.Duration // first retry delay (default 10s)
	MaxDelay    time.Duration // retry delay cap (default 1h)
	Poll        time.Duration // how often to look (default 2s)
}

// Webhooks sends one protocol's order events (order created, then each
// change of the order's state) from the durable queue the session core
// writes (EventStore), with the requests its EventRequests build.
// Delivery is at least once and never twice once acknowledged: an event
// is sent until its receiver answers 2xx, then marked sent and never
// sent again; a crash between the answer and its record sends it again,
// with the same event id, once the lease runs out. Failures are retried
// with jittered exponential backoff, then marked failed.
type Webhooks struct {
	cfg    WebhookConfig
	client *http.Client
	wake   chan struct{}
}

// NewWebhooks returns a sender for cfg. Redirects are not followed: a 3xx
// is a failure, so that events never go somewhere the merchant did not
// write.
func NewWebhooks(cfg WebhookConfig) *Webhooks {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.Lease, time.Minute)
	def(&cfg.Timeout, 10*time.Second)
	def(&cfg.BaseDelay, 10*time.Second)
	def(&cfg.MaxDelay, time.Hour)
	def(&cfg.Poll, 2*time.Second)
	// A request may outlast its lease: the store renews the lease of
	// work in progress while the replica's heartbeat runs, and cutting
	// it at half the lease made a slow receiver get the event twice.
	if cfg.Batch <= 0 {
		cfg.Batch = 16
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 12
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := http.Client{}
	if cfg.Client != nil {
		c = *cfg.Client
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Webhooks{cfg: cfg, client: &c, wake: make(chan struct{}, 1)}
}

// Wake makes Run look for events now rather than at its next poll.
func (s *Webhooks) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Webhooks) name() string { return string(s.cfg.Protocol) + " webhook" }

// Run sends events until ctx ends.
func (s *Webhooks) Run(ctx context.Context) {
	jobloop.Run(ctx, jobloop.Config{Name: string(s.cfg.Protocol) + " order webhook", Poll: s.cfg.Poll, Wake: s.wake, Log: s.cfg.Log}, func(ctx context.Context) (bool, error) {
		n, err := s.RunOnce(ctx)
		return n >= s.cfg.Batch, err
	})
}

// RunOnce queues the updates of orders that changed, claims one batch of
// due events, sends them and records each outcome. It returns how many it
// claimed.
func (s *Webhooks) RunOnce(ctx context.Context) (int, error) {
	if _, err := s.cfg.Events.WatchOrders(ctx); err != nil {
		return 0, fmt.Errorf("%s: %w", s.name(), err)
	}
	evs, err := s.cfg.Events.ClaimEvents(ctx, s.cfg.Protocol, s.cfg.Batch, s.cfg.Lease)
	if err != nil || len(evs) == 0 {
		return 0, err
	}
	var wg sync.WaitGroup
	for i := range evs {
		wg.Go(func() { s.handle(ctx, &evs[i]) })
	}
	wg.Wait()
	return len(evs), nil
}

func (s *Webhooks) handle(ctx context.Context, e *Event) {
	r := s.deliver(ctx, e)
	// The outcome is recorded even when ctx ended during the request, so
	// a stop never leaves an event leased until its lease runs out.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	ok, err := s.cfg.Events.FinishEvent(fctx, e, r)
	switch {
	case err != nil:
		s.cfg.Log.Error(s.name()+": record outcome", "event", e.ID, "outcome", r.Outcome, "err", err)
	case !ok:
		s.cfg.Log.Warn(s.name()+": lease lost before the outcome was recorded; the event may be sent again", "event", e.ID)
	}
}

// deliver sends e once and decides what comes next.
func (s *Webhooks) deliver(ctx context.Context, e *Event) EventResult {
	err := s.post(ctx, e)
	if err == nil {
		s.cfg.Log.Info(s.name()+": sent", "event", e.ID, "type", e.Type, "bot", e.Bot, "session", e.Session, "attempt", e.Attempts+1)
		return EventResult{Outcome: EventSent, Counted: true}
	}
	if errors.Is(err, ErrNoEndpoint) {
		return EventResult{Outcome: EventFailed, Error: err.Error()}
	}
	if ctx.Err() != nil {
		return EventResult{Outcome: EventRetry, Next: s.cfg.Now(), Error: "interrupted: " + err.Error()}
	}
	attempt := e.Attempts + 1
	if attempt >= s.cfg.MaxAttempts {
		s.cfg.Log.Error(s.name()+": gave up", "event", e.ID, "type", e.Type, "bot", e.Bot, "attempts", attempt, "err", err)
		return EventResult{Outcome: EventFailed, Counted: true, Error: err.Error()}
	}
	next := s.cfg.Now().Add(jobloop.Backoff(s.cfg.BaseDelay, s.cfg.MaxDelay, e.Attempts))
	s.cfg.Log.Warn(s.name()+": failed, will retry", "event", e.ID, "type", e.Type, "bot", e.Bot, "attempt", attempt, "next", next, "err", err)
	return EventResult{Outcome: EventRetry, Next: next, Counted: true, Error: err.Error()}
}

// post makes one signed request; a 2xx answer is success. Its error
// holds none of the endpoint's secrets.
func (s *Webhooks) post(ctx context.Context, e *Event) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, secrets, err := s.cfg.Requests.Request(ctx, e, s.cfg.Now())
	if err != nil {
		return redact.Error(err, secrets...)
	}
	// A receiver that refuses a request often echoes its signature, and
	// what it answers is logged, stored and shown in the inbox.
	secrets = append(secrets, signatures(req.Header)...)
	resp, err := s.client.Do(req)
	if err != nil {
		return redact.Error(err, secrets...)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode/100 != 2 {
		return redact.Error(fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(snippet))), secrets...)
	}
	return nil
}

// signatures are the values of h's signature headers (ACP's
// Merchant-Signature, UCP's Signature; not Signature-Input, which names
// what is signed) and each long part of them (the hex or base64 of a
// "t=…,v1=…" or "sig1=:…:"), to keep out of errors.
func signatures(h http.Header) []string {
	var out []string
	for name, vs := range h {
		if !strings.HasSuffix(name, "Signature") {
			continue
		}
		for _, v := range vs {
			out = append(out, v)
			for _, part := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(",;=: ", r) }) {
				if len(part) >= 16 {
					out = append(out, part)
				}
			}
		}
	}
	return out
}

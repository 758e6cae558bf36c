package server

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/handoff/hooks"
	"github.com/conciergehq/concierge/store"
)

// Hand-off webhooks: every move of a conversation between the
// bot and people is sent, signed, to the bot file's handoff.webhook. The
// sender runs in `concierge serve` next to the outbox, on every replica;
// leases in the store keep two replicas off one event.

// handoffHooksConfig is hooks.Config, named here so that run.go, where
// a local variable is called hooks, need not import the package.
type handoffHooksConfig = hooks.Config

// handoffHookParts is the wiring of the hand-off webhooks.
type handoffHookParts struct {
	sender *hooks.Sender
}

// wireHandoffHooks builds the sender from the bot files' webhooks. It is
// built even when no bot has one: it then marks every hand-off skipped,
// so that a webhook added later does not receive the backlog.
func (m *Main) wireHandoffHooks() {
	cfg := m.HandoffHooks
	cfg.Endpoints = map[concierge.BotID]hooks.Endpoint{}
	for _, f := range m.Files {
		if w := f.Handoff.Webhook; w != nil {
			ep := hooks.Endpoint{URL: w.URL, Secret: []byte(w.Secret)}
			if w.PreviousSecret != "" {
				ep.PreviousSecret = []byte(w.PreviousSecret)
			}
			cfg.Endpoints[concierge.BotID(f.ID)] = ep
		}
	}
	mt := &hookMetrics{
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "concierge_handoff_webhooks_total",
			Help: "Hand-off webhook sends, by bot and outcome (sent, retry, failed: gave up, skipped)."}, []string{"bot", "outcome"}),
	}
	m.Prom.MustRegister(mt.outcomes, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "concierge_handoff_webhooks_pending",
		Help: "Hand-off events not yet sent, given up or skipped."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := m.DB.PendingHandoffHooks(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	}))
	m.handoffHooks.sender = hooks.New(hookStore{m.DB}, &http.Client{}, cfg, m.Log, mt)
}

// runHandoffHooks sends hand-off events until ctx ends.
func (m *Main) runHandoffHooks(ctx context.Context) { m.handoffHooks.sender.Run(ctx) }

type hookMetrics struct{ outcomes *prometheus.CounterVec }

func (h *hookMetrics) HandoffHook(bot concierge.BotID, o hooks.Outcome) {
	h.outcomes.WithLabelValues(string(bot), string(o)).Inc()
}

// hookStore adapts the SQL store to hooks.Store.
type hookStore struct{ db *store.DB }

var _ hooks.Store = hookStore{}

func (s hookStore) Claim(ctx context.Context, bots []concierge.BotID, limit int, lease time.Duration) ([]hooks.Hook, error) {
	hs, err := s.db.ClaimHandoffHooks(ctx, bots, limit, lease)
	if err != nil {
		return nil, err
	}
	out := make([]hooks.Hook, len(hs))
	for i, h := range hs {
		out[i] = hooks.Hook{ID: h.ID, Lease: h.Token, Attempts: h.Attempts, Bot: h.Bot, Conversation: h.Conversation,
			Channel: h.Channel, Locale: h.Locale, From: h.From, To: h.To, Reason: h.Reason, Note: h.Note, By: h.By, At: h.At, Packet: h.Packet}
	}
	return out, nil
}

func (s hookStore) Finish(ctx context.Context, h *hooks.Hook, r hooks.Result) (bool, error) {
	status := map[hooks.Outcome]string{hooks.Sent: store.HookSent, hooks.Retry: store.HookPending,
		hooks.Failed: store.HookFailed, hooks.Skipped: store.HookSkipped}[r.Outcome]
	return s.db.FinishHandoffHook(ctx, &store.HandoffHook{ID: h.ID, Token: h.Lease},
		store.HookResult{Status: status, Next: r.Next, Counted: r.Counted, Error: r.Error})
}

func (s hookStore) Skip(ctx context.Context, bots []concierge.BotID) (int64, error) {
	return s.db.SkipHandoffHooks(ctx, bots)
}

package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/agent/llm"
	"github.com/conciergehq/concierge/agent/rules"
	"github.com/conciergehq/concierge/config"
	"github.com/conciergehq/concierge/store"
)

// llmParts are the LLM brain's pieces: which bots plan their
// turns outside transactions, and the metrics of their model use.
type llmParts struct {
	bots    []concierge.BotID
	tokens  *prometheus.CounterVec
	turns   *prometheus.CounterVec
	calls   *prometheus.CounterVec
	fixed   *prometheus.CounterVec
	metrics bool
}

// LLMLimits lets tests shrink the LLM brain's bounds; zero keeps the
// defaults.
type LLMLimits struct {
	CallTimeout, TurnTimeout time.Duration
	MaxCalls, MaxSteps       int
	HistoryTokens            int
}

// brainFor returns the brain of bot: the rules brain, or the LLM brain
// with the rules brain as its fallback.
func (m *Main) brainFor(f *config.File, bot *concierge.Bot) (agent.Brain, error) {
	if bot.Brain == "" || bot.Brain == concierge.BrainRules {
		return rules.Brain{}, nil
	}
	if bot.Brain != concierge.BrainLLM || f.Brain.LLM == nil {
		return nil, fmt.Errorf("bot %s: brain %q is not available (use rules or llm)", bot.ID, bot.Brain)
	}
	m.llmMetrics()
	c := f.Brain.LLM
	cfg := llm.Config{BaseURL: c.BaseURL, Model: c.Model, APIKey: c.APIKey, Organization: c.Organization, Headers: c.Headers, Persona: c.Persona,
		CallTimeout: m.LLMLimits.CallTimeout, TurnTimeout: m.LLMLimits.TurnTimeout, MaxCalls: m.LLMLimits.MaxCalls,
		MaxSteps: m.LLMLimits.MaxSteps, HistoryTokens: m.LLMLimits.HistoryTokens, Log: m.Log, Observe: m.observeLLM}
	if c.Timeout != "" {
		d, err := time.ParseDuration(c.Timeout)
		if err != nil {
			return nil, fmt.Errorf("bot %s: brain.llm.timeout: %w", bot.ID, err)
		}
		cfg.CallTimeout = d
	}
	if c.TurnTimeout != "" {
		d, err := time.ParseDuration(c.TurnTimeout)
		if err != nil {
			return nil, fmt.Errorf("bot %s: brain.llm.turn_timeout: %w", bot.ID, err)
		}
		if d > config.MaxTurnTimeout { // validated on load; bot files built in code skip that
			return nil, fmt.Errorf("bot %s: brain.llm.turn_timeout %s is longer than the %s a customer may wait for an answer", bot.ID, c.TurnTimeout, config.MaxTurnTimeout)
		}
		cfg.TurnTimeout = d
	}
	if c.MaxModelCalls > 0 {
		cfg.MaxCalls = c.MaxModelCalls
	}
	if c.MaxToolSteps > 0 {
		cfg.MaxSteps = c.MaxToolSteps
	}
	if c.HistoryTokens > 0 {
		cfg.HistoryTokens = c.HistoryTokens
	}
	if c.ConversationTokenBudget > 0 {
		cfg.TokenBudget = int64(c.ConversationTokenBudget)
	}
	b, err := llm.New(cfg, rules.Brain{})
	if err != nil {
		return nil, fmt.Errorf("bot %s: %w", bot.ID, err)
	}
	m.llm.bots = append(m.llm.bots, bot.ID)
	return b, nil
}

func (m *Main) llmMetrics() {
	if m.llm.metrics {
		return
	}
	m.llm.metrics = true
	m.llm.tokens = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "concierge_llm_tokens_total",
		Help: "Tokens used by the LLM brain, per bot and direction (prompt or completion)."}, []string{"bot", "direction"})
	m.llm.turns = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "concierge_llm_turns_total",
		Help: "Turns planned by the LLM brain, per bot and outcome (ok, step_limit, fallback:timeout, fallback:rate_limit, fallback:error, fallback:empty, fallback:budget)."}, []string{"bot", "outcome"})
	m.llm.calls = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "concierge_llm_calls_total",
		Help: "Model calls made by the LLM brain, per bot."}, []string{"bot"})
	m.llm.fixed = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "concierge_llm_texts_corrected_total",
		Help: "Texts of the LLM brain not sent as written because they stated an amount of money the shop does not know, per bot."}, []string{"bot"})
	m.Prom.MustRegister(m.llm.tokens, m.llm.turns, m.llm.calls, m.llm.fixed)
}

func (m *Main) observeLLM(bot concierge.BotID, u llm.Usage) {
	m.llm.tokens.WithLabelValues(string(bot), "prompt").Add(float64(u.TokensIn))
	m.llm.tokens.WithLabelValues(string(bot), "completion").Add(float64(u.TokensOut))
	m.llm.turns.WithLabelValues(string(bot), u.Outcome).Inc()
	m.llm.calls.WithLabelValues(string(bot)).Add(float64(u.Calls))
	m.llm.fixed.WithLabelValues(string(bot)).Add(float64(u.Corrected))
}

// planGlue adapts the store to agent.PlanStore.
type planGlue struct{ db *store.DB }

var _ agent.PlanStore = planGlue{}

func (g planGlue) LeaseTurn(ctx context.Context, bots []concierge.BotID, ttl time.Duration, read agent.TurnFunc) (*agent.Lease, error) {
	l, err := g.db.LeaseTurn(ctx, bots, ttl, store.TurnFunc(read))
	if err != nil || l == nil {
		return nil, err
	}
	return &agent.Lease{Conv: l.Conv, Event: l.Event, Seq: l.Seq, Token: l.Token}, nil
}

func (g planGlue) lease(l *agent.Lease) *store.TurnLease {
	return &store.TurnLease{Conv: l.Conv, Event: l.Event, Seq: l.Seq, Token: l.Token}
}

func (g planGlue) ApplyTurn(ctx context.Context, l *agent.Lease, turn agent.TurnFunc, fail agent.FailFunc) (bool, error) {
	done, err := g.db.ApplyTurn(ctx, g.lease(l), store.TurnFunc(turn), store.FailFunc(fail))
	if errors.Is(err, store.ErrLeaseLost) {
		err = agent.ErrLeaseLost
	}
	return done, err
}

func (g planGlue) ReleaseTurn(ctx context.Context, l *agent.Lease) error {
	return g.db.ReleaseTurn(ctx, g.lease(l))
}

func (g planGlue) History(ctx context.Context, conv concierge.ConversationID, after, before int64, limit int) ([]agent.Line, error) {
	es, err := g.db.TurnHistory(ctx, conv, after, before, limit)
	if err != nil {
		return nil, err
	}
	out := make([]agent.Line, 0, len(es))
	for _, e := range es {
		l := agent.Line{Seq: e.Seq, From: e.Author}
		switch {
		case e.Event != nil:
			l.From, l.Text = "customer", e.Event.Text
		case e.Message != nil:
			l.Text = e.Message.Text
			if l.Text == "" {
				l.Text = e.Message.Fallback
			}
		}
		out = append(out, l)
	}
	return out, nil
}

func (g planGlue) Notes(ctx context.Context, conv concierge.ConversationID) (agent.Notes, error) {
	s, through, in, out, err := g.db.BrainNotes(ctx, conv)
	return agent.Notes{Summary: s, Through: through, TokensIn: in, TokensOut: out}, err
}

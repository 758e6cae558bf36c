// Package llm is the LLM brain: an OpenAI-compatible chat model that
// understands free-form requests in any language and acts through the
// same tools as the rules brain (agent.Action). It is an agent.Planner:
// it runs outside any transaction against a snapshot, and its plan is
// replayed through the real tools, which decide prices, totals, stock,
// consent and refunds. When the model is slow, rate-limited or down the
// turn falls back to the rules brain, which hands off if it cannot help.
//
// Only cmd/concierge imports it.
package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/attribute"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/internal/redact"
	"github.com/conciergehq/concierge/internal/tracing"
)

// Config configures the brain for one bot.
type Config struct {
	BaseURL      string // includes the API prefix, e.g. https://api.openai.com/v1
	Model        string
	APIKey       string
	Organization string
	Headers      map[string]string // sent with every request (gateways, Azure deployments …)
	Persona      string            // the merchant's words on the assistant's manner (brain.llm.persona)

	CallTimeout   time.Duration // one model call (default 20s)
	TurnTimeout   time.Duration // the whole plan of a turn (default 25s)
	MaxCalls      int           // model calls per turn (default 5)
	MaxSteps      int           // tool calls per turn (default 8)
	HistoryTokens int           // transcript kept verbatim; older is summarised (default 2000)
	// TokenBudget bounds the tokens (in + out) one conversation may use;
	// once its recorded tokens reach it, turns fall back to the rules brain
	// without asking the model. 0 is unlimited.
	TokenBudget int64

	HTTPClient *http.Client
	Log        *slog.Logger
	// Observe, when set, is told of each turn's model use (metrics).
	Observe func(bot concierge.BotID, u Usage)
}

// Usage is one turn's use of the model.
type Usage struct {
	Calls     int
	TokensIn  int64
	TokensOut int64
	Steps     int
	// Corrected counts the model's texts that stated an amount of money
	// the shop does not know and were not sent as written (guard.go).
	Corrected int
	// Outcome is "ok", "step_limit", or "fallback:" + timeout,
	// rate_limit, error, empty or budget.
	Outcome string
}

// Brain is the LLM brain of one bot.
type Brain struct {
	cfg      Config
	client   *openai.Client
	fallback agent.Brain
	tools    map[string]tool
	defs     []openai.Tool
}

var _ agent.Planner = (*Brain)(nil)

// New returns a brain that asks cfg's model and falls back to fallback
// (the rules brain).
func New(cfg Config, fallback agent.Brain) (*Brain, error) {
	if cfg.BaseURL == "" || cfg.Model == "" {
		return nil, errors.New("llm: base_url and model are required")
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = 20 * time.Second
	}
	if cfg.TurnTimeout <= 0 {
		cfg.TurnTimeout = 25 * time.Second
	}
	if cfg.MaxCalls <= 0 {
		cfg.MaxCalls = 5
	}
	if cfg.MaxSteps <= 0 {
		cfg.MaxSteps = 8
	}
	if cfg.HistoryTokens <= 0 {
		cfg.HistoryTokens = 2000
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	oc.OrgID = cfg.Organization
	oc.HTTPClient = headerDoer{hc, cfg.Headers}
	byName, defs, err := schemas()
	if err != nil {
		return nil, err
	}
	return &Brain{cfg: cfg, client: openai.NewClientWithConfig(oc), fallback: fallback, tools: byName, defs: defs}, nil
}

// headerDoer adds the configured headers to every request.
type headerDoer struct {
	c *http.Client
	h map[string]string
}

func (d headerDoer) Do(r *http.Request) (*http.Response, error) {
	for k, v := range d.h {
		r.Header.Set(k, v)
	}
	return d.c.Do(r)
}

// Respond answers inside the turn's transaction, without the model: button
// presses, welcomes and fallbacks are the rules brain's. If the rules brain
// finds nothing to say, the conversation goes to people, so the customer is
// never left without an answer.
func (b *Brain) Respond(ctx context.Context, t *agent.Turn) error {
	before := t.Said()
	if err := b.fallback.Respond(ctx, t); err != nil {
		return err
	}
	if t.Said() == before && t.Conv.State == concierge.StateBot {
		if err := t.Tools.Handoff(ctx, concierge.HandoffFailed); err != nil {
			return err
		}
		t.ShowHandoff()
	}
	return nil
}

// Plan runs the model loop outside any transaction. t's tools act on the
// snapshot. Errors of the model (timeout, 429, outage) are not returned:
// they give a plan that falls back to Respond.
func (b *Brain) Plan(ctx context.Context, t *agent.Turn, snap *agent.Snapshot) (*agent.Plan, error) {
	ev := t.Event
	if b.keyword(t, ev.Text) {
		return nil, nil // the merchant's own hand-off words: the rules brain hands off
	}
	if !t.DetectsLanguage() {
		if in := t.Shop.Limits().Parse(ev.Text, t.Shop.Catalog, t.Locale); in.Lang == "zh" || in.Lang != "" && len([]rune(strings.TrimSpace(ev.Text))) >= 6 {
			t.SetLocale(in.Lang)
		}
	}
	if b.cfg.TokenBudget > 0 && snap.Notes.TokensIn+snap.Notes.TokensOut >= b.cfg.TokenBudget {
		// The conversation has used its tokens: the rules brain answers.
		b.cfg.Log.InfoContext(ctx, "llm: conversation token budget reached; falling back to rules", "bot", t.Shop.Bot.ID,
			"conversation", t.Conv.ID, "tokens", snap.Notes.TokensIn+snap.Notes.TokensOut, "budget", b.cfg.TokenBudget)
		if b.cfg.Observe != nil {
			b.cfg.Observe(t.Shop.Bot.ID, Usage{Outcome: "fallback:budget"})
		}
		return &agent.Plan{Locale: t.Locale, Fallback: true, Reason: "budget"}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.TurnTimeout)
	defer cancel()
	plan := &agent.Plan{Locale: t.Locale}
	u := Usage{Outcome: "ok"}
	defer func() {
		plan.TokensIn, plan.TokensOut = u.TokensIn, u.TokensOut
		if b.cfg.Observe != nil {
			b.cfg.Observe(t.Shop.Bot.ID, u)
		}
	}()
	fail := func(err error) (*agent.Plan, error) {
		reason := classify(ctx, err)
		b.cfg.Log.WarnContext(ctx, "llm: falling back to rules", "bot", t.Shop.Bot.ID, "conversation", t.Conv.ID, "reason", reason, "err", err)
		u.Outcome = "fallback:" + reason
		plan.Fallback, plan.Reason, plan.Steps = true, reason, nil
		return plan, nil
	}

	history := snap.History
	if linesTokens(history) > b.cfg.HistoryTokens {
		history = b.summarise(ctx, t, snap, plan, &u)
	}
	msgs := []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleSystem, Content: systemPrompt(t, snap, b.cfg.Persona)}}
	msgs = append(msgs, historyMessages(history)...)
	msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: ev.Text})

	steps := 0
	limited := false
	var results []*agent.Result // what the tools returned, for the guard
	for !limited {
		if u.Calls >= b.cfg.MaxCalls {
			u.Outcome = "step_limit"
			break
		}
		msg, err := b.call(ctx, msgs, &u, true)
		if err != nil {
			return fail(err)
		}
		if txt := strings.TrimSpace(msg.Content); txt != "" {
			plan.Steps = append(plan.Steps, agent.Step{Say: txt})
		}
		if len(msg.ToolCalls) == 0 {
			break
		}
		msgs = append(msgs, msg)
		for _, tc := range msg.ToolCalls {
			if steps >= b.cfg.MaxSteps {
				limited = true
				u.Outcome = "step_limit"
				msgs = append(msgs, toolMessage(tc.ID, `{"error":"step limit reached"}`))
				continue
			}
			steps++
			seen, res := b.run(ctx, t, plan, tc)
			if res != nil {
				results = append(results, res)
			}
			msgs = append(msgs, toolMessage(tc.ID, seen))
		}
	}
	u.Steps = steps
	u.Corrected = b.guard(t, snap, plan, results)
	if !hasEffect(plan) {
		return fail(errEmpty)
	}
	return plan, nil
}

var errEmpty = errors.New("llm: the model gave no answer")

// hasEffect reports whether the customer will see something from plan.
func hasEffect(p *agent.Plan) bool {
	for _, s := range p.Steps {
		if s.Say != "" || s.Call != nil && s.OK {
			return true
		}
	}
	return false
}

// run decodes and runs one tool call against the snapshot, records it in
// the plan, and returns what the model reads of it and, when the call
// worked, its result.
func (b *Brain) run(ctx context.Context, t *agent.Turn, plan *agent.Plan, tc openai.ToolCall) (string, *agent.Result) {
	tl, ok := b.tools[tc.Function.Name]
	if !ok {
		return errorView(fmt.Errorf("there is no tool %q", tc.Function.Name)), nil
	}
	a, err := tl.decode(tc.Function.Arguments)
	if err != nil {
		return errorView(err), nil
	}
	if err := grounded(ctx, t, a); err != nil {
		b.cfg.Log.WarnContext(ctx, "llm: a cart change the customer did not ask for was refused",
			"bot", t.Shop.Bot.ID, "conversation", t.Conv.ID, "tool", tl.name, "reason", err)
		return errorView(err), nil
	}
	res, err := a.Do(ctx, t)
	plan.Steps = append(plan.Steps, agent.Step{Call: a, OK: err == nil})
	if err != nil {
		return errorView(err), nil
	}
	return view(t, res), res
}

func toolMessage(id, content string) openai.ChatCompletionMessage {
	return openai.ChatCompletionMessage{Role: openai.ChatMessageRoleTool, ToolCallID: id, Content: content}
}

// secrets are the credentials of the model's server: the API key, the
// values of the extra headers and of the base URL's query (gateway keys),
// and a password in the base URL.
func (b *Brain) secrets() []string {
	out := []string{b.cfg.APIKey}
	for _, v := range b.cfg.Headers {
		out = append(out, v)
	}
	if u, err := url.Parse(b.cfg.BaseURL); err == nil {
		for _, vs := range u.Query() {
			out = append(out, vs...)
		}
		if p, ok := u.User.Password(); ok {
			out = append(out, p)
		}
	}
	return out
}

// call asks the model once, within the per-call timeout, in a span that
// records the model and the tokens the server counted (the GenAI
// semantic conventions' names), never the messages.
func (b *Brain) call(ctx context.Context, msgs []openai.ChatCompletionMessage, u *Usage, tools bool) (openai.ChatCompletionMessage, error) {
	req := openai.ChatCompletionRequest{Model: b.cfg.Model, Messages: msgs, Temperature: 0.2}
	if tools {
		req.Tools = b.defs
		req.ToolChoice = "auto"
	}
	return b.complete(ctx, req, u)
}

// complete sends req once; see call.
func (b *Brain) complete(ctx context.Context, req openai.ChatCompletionRequest, u *Usage) (_ openai.ChatCompletionMessage, err error) {
	ctx, span := tracing.Child(ctx, "llm.chat",
		attribute.String("gen_ai.operation.name", "chat"), attribute.String("gen_ai.request.model", b.cfg.Model))
	defer func() { tracing.End(span, err) }()
	ctx, cancel := context.WithTimeout(ctx, b.cfg.CallTimeout)
	defer cancel()
	u.Calls++
	resp, err := b.client.CreateChatCompletion(ctx, req)
	if err != nil {
		// go-openai's errors carry the base URL (a gateway's ?key=) and
		// the answer's body (which may echo the request): no credential
		// leaves here (STYLE.md rule 11).
		return openai.ChatCompletionMessage{}, redact.Error(err, b.secrets()...)
	}
	u.TokensIn += int64(resp.Usage.PromptTokens)
	u.TokensOut += int64(resp.Usage.CompletionTokens)
	span.SetAttributes(attribute.Int("gen_ai.usage.input_tokens", resp.Usage.PromptTokens),
		attribute.Int("gen_ai.usage.output_tokens", resp.Usage.CompletionTokens),
		attribute.String("gen_ai.response.model", resp.Model))
	if len(resp.Choices) == 0 {
		return openai.ChatCompletionMessage{}, errEmpty
	}
	return resp.Choices[0].Message, nil
}

// summarise folds the older part of the transcript into the conversation's
// summary, keeping the newer half of the budget verbatim, and returns the
// lines to keep. If the model cannot summarise, the older lines are simply
// left out.
func (b *Brain) summarise(ctx context.Context, t *agent.Turn, snap *agent.Snapshot, plan *agent.Plan, u *Usage) []agent.Line {
	lines := snap.History
	keep := len(lines)
	for n := 0; keep > 0; keep-- {
		n += tokens(lines[keep-1].Text) + 4
		if n > b.cfg.HistoryTokens/2 {
			break
		}
	}
	old, recent := lines[:keep], lines[keep:]
	if len(old) == 0 {
		return recent
	}
	msg, err := b.call(ctx, []openai.ChatCompletionMessage{
		{Role: openai.ChatMessageRoleSystem, Content: summaryPrompt},
		{Role: openai.ChatMessageRoleUser, Content: transcriptText(snap.Notes.Summary, old)},
	}, u, false)
	if err != nil || strings.TrimSpace(msg.Content) == "" {
		b.cfg.Log.WarnContext(ctx, "llm: summary failed; older messages left out", "conversation", t.Conv.ID, "err", err)
		return recent
	}
	plan.Summary, plan.Through = strings.TrimSpace(msg.Content), old[len(old)-1].Seq
	snap.Notes.Summary = plan.Summary
	return recent
}

// classify names why a model call failed, for logs and metrics.
func classify(ctx context.Context, err error) string {
	var api *openai.APIError
	var req *openai.RequestError
	switch {
	case errors.Is(err, errEmpty):
		return "empty"
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		return "timeout"
	case errors.As(err, &api) && api.HTTPStatusCode == http.StatusTooManyRequests,
		errors.As(err, &req) && req.HTTPStatusCode == http.StatusTooManyRequests:
		return "rate_limit"
	}
	return "error"
}

// keyword reports whether text holds one of the merchant's hand-off words
// as a word of its own (or anywhere, for Chinese), as the rules brain does.
func (b *Brain) keyword(t *agent.Turn, text string) bool {
	low := strings.ToLower(text)
	words := strings.FieldsFunc(low, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r > 0x7f) })
	for _, k := range t.Shop.Bot.Handoff.Keywords {
		k = strings.ToLower(k)
		if k == "" {
			continue
		}
		if k[0] > 0x7f {
			if strings.Contains(low, k) {
				return true
			}
			continue
		}
		for _, w := range words {
			if w == k {
				return true
			}
		}
	}
	return false
}

package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/web"
)

// TestLLMBotFileLimits: the limits set in the bot file (brain.llm.…) are
// the ones the server applies, not only llm.Config's defaults: each
// setting below changes how many requests reach the model and the turn's
// outcome, and the rules brain still answers the customer.
func TestLLMBotFileLimits(t *testing.T) {
	search := func(req openai.ChatCompletionRequest) (int, any) {
		return calls(call("search_products", `{"query":"lampe de chevet"}`))
	}
	for _, tc := range []struct {
		name     string
		yaml     string
		script   func(req openai.ChatCompletionRequest) (int, any)
		requests int // how many requests reach the model; -1: any
		outcome  string
	}{
		// A model that always calls one more tool, within the default
		// limits (5 calls, 8 steps) and with max_model_calls: 2.
		{"default calls", "", search, 5, `outcome="step_limit"`},
		{"max_model_calls", "    max_model_calls: 2\n", search, 2, `outcome="step_limit"`},
		// Three tool calls per request: the fourth step is refused.
		{"max_tool_steps", "    max_tool_steps: 4\n", func(req openai.ChatCompletionRequest) (int, any) {
			return calls(call("search_products", `{"query":"lampe"}`), call("search_products", `{"query":"lampe de chevet"}`),
				call("search_products", `{"query":"lampe de bureau"}`))
		}, 2, `outcome="step_limit"`},
		// One slow answer: the call's own timeout.
		{"timeout", "    timeout: 300ms\n", func(req openai.ChatCompletionRequest) (int, any) {
			time.Sleep(1500 * time.Millisecond)
			return say("trop tard")
		}, 1, `outcome="fallback:timeout"`},
		// Each answer is quick, but the turn's deadline passes first.
		{"turn_timeout", "    timeout: 5s\n    turn_timeout: 700ms\n", func(req openai.ChatCompletionRequest) (int, any) {
			time.Sleep(300 * time.Millisecond)
			return search(req)
		}, -1, `outcome="fallback:timeout"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeModel(t, tc.script)
			s := startLLMShopWith(t, f, llmLimits{}, tc.yaml)
			start := time.Now()
			es := s.customer("fr").say("je cherche une lampe de chevet")
			if !hasCard(es, "LAMP-01") || strings.Contains(texts(es), "trop tard") {
				t.Fatalf("the customer got no products: %s", dump(es))
			}
			n := len(f.requests())
			if tc.requests >= 0 && n != tc.requests {
				t.Errorf("%d requests reached the model, want %d", n, tc.requests)
			}
			if tc.name == "turn_timeout" && (n < 2 || n > 3 || time.Since(start) > 5*time.Second) {
				t.Errorf("%d requests in %s; the 700ms turn deadline did not stop the turn", n, time.Since(start))
			}
			if m := scrape(t, s); !strings.Contains(m, tc.outcome) {
				t.Errorf("metrics lack %s: %s", tc.outcome, grepLines(m, "concierge_llm_turns_total"))
			}
		})
	}
}

// TestLLMUsageMetrics: every request's usage is added to the bot's token
// and call counters and to the conversation's brain notes.
func TestLLMUsageMetrics(t *testing.T) {
	f := newFakeModel(t, func(req openai.ChatCompletionRequest) (int, any) {
		if _, res := turn(req); len(res) == 0 {
			return calls(call("search_products", `{"query":"lampe de chevet"}`)) // 200 + 20 tokens
		}
		return say("Voici l'Aurore.") // 100 + 10 tokens
	})
	s := startLLMShop(t, f, llmLimits{})
	a, b := s.customer("fr"), s.customer("fr")
	a.say("je cherche une lampe de chevet")
	b.say("je cherche une lampe de chevet")
	b.say("et une autre lampe de chevet")
	m := scrape(t, s)
	for _, want := range []string{
		`concierge_llm_tokens_total{bot="maison-lumiere",direction="prompt"} 900`,
		`concierge_llm_tokens_total{bot="maison-lumiere",direction="completion"} 90`,
		`concierge_llm_calls_total{bot="maison-lumiere"} 6`,
		`concierge_llm_turns_total{bot="maison-lumiere",outcome="ok"} 3`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s:\n%s", want, grepLines(m, "concierge_llm_"))
		}
	}
	for c, want := range map[*customer]int64{a: 330, b: 660} {
		_, _, in, out, err := s.m.DB.BrainNotes(context.Background(), mustConv(t, s, c).ID)
		if err != nil || in+out != want {
			t.Errorf("conversation tokens = %d + %d, %v; want %d", in, out, err, want)
		}
	}
}

// TestLLMBadBotFile: brain.llm settings the server cannot honour stop it
// from starting, with a message naming the setting, and no model is
// asked.
func TestLLMBadBotFile(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"    timeout: soon\n", "brain.llm.timeout"},
		{"    timeout: -2s\n", "brain.llm.timeout must be positive"},
		{"    turn_timeout: 0s\n", "brain.llm.turn_timeout must be positive"},
		{"    turn_timeout: 5m\n", "brain.llm.turn_timeout 5m is longer than the 1m0s a customer may wait"},
		{"    max_model_calls: 0\n", "brain.llm.max_model_calls must be at least 1"},
		{"    max_tool_steps: -1\n", "brain.llm.max_tool_steps must be at least 1"},
		{"    history_tokens: 50\n", "brain.llm.history_tokens must be at least 200"},
		{"    conversation_token_budget: -5\n", "brain.llm.conversation_token_budget must be at least 0"},
		{"    base_url: \"\"\n", "brain.llm.base_url"},
	} {
		t.Run(strings.TrimSpace(tc.yaml), func(t *testing.T) {
			f := newFakeModel(t, func(req openai.ChatCompletionRequest) (int, any) { return say("?") })
			y := strings.Replace(sampleBot(t), "kind: rules ", "kind: llm   ", 1)
			if strings.HasPrefix(tc.yaml, "    base_url") {
				y = strings.Replace(y, `    base_url: "${LLM_BASE_URL:-http://localhost:11434/v1}"`+"\n", tc.yaml, 1)
			} else {
				y = strings.Replace(y, `    api_key: "${LLM_API_KEY:-}"`+"\n", `    api_key: "${LLM_API_KEY:-}"`+"\n"+tc.yaml, 1)
			}
			if !strings.Contains(y, tc.yaml) {
				t.Fatal("could not rewrite the sample bot file")
			}
			env := map[string]string{"LLM_BASE_URL": f.srv.URL + "/v1", "LLM_MODEL": "test-model", "LLM_API_KEY": "test-key"}
			m := &Main{ConfigPath: writeBot(t, y), DBURL: tempSQLite(t), Getenv: func(k string) string { return env[k] }}
			err := m.Open(context.Background())
			if m.DB != nil {
				t.Cleanup(func() { m.DB.Close() })
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open = %v; want an error with %q", err, tc.want)
			}
			if n := len(f.requests()); n != 0 {
				t.Errorf("%d requests reached the model", n)
			}
			t.Log(err)
		})
	}
}

// TestLLMOutageHandsOff: with the model down, the rules brain answers;
// when it cannot help either (messages it does not understand, as many
// as handoff.after_failed_turns), the conversation goes to people, so the
// customer is never left without an answer.
func TestLLMOutageHandsOff(t *testing.T) {
	f := newFakeModel(t, func(req openai.ChatCompletionRequest) (int, any) {
		return 503, map[string]any{"error": map[string]any{"message": "overloaded", "type": "server_error"}}
	})
	s := startLLMShop(t, f, llmLimits{})
	c := s.customer("fr")
	es := c.say("zxqv wplk")
	if len(es) == 0 || hasKind(es, concierge.MessageHandoff) {
		t.Fatalf("first message not understood: want a rules answer, got %s", dump(es))
	}
	es = c.say("zxqv wplk bnrt")
	find(t, es, concierge.MessageHandoff)
	conv := mustConv(t, s, c)
	if conv.State != concierge.StateWaiting {
		t.Errorf("state = %s, want waiting", conv.State)
	}
	p, err := s.m.DB.Packet(context.Background(), conv.ID)
	if err != nil || p.Reason != concierge.HandoffFailed {
		t.Errorf("packet = %+v, %v; want reason %s", p, err, concierge.HandoffFailed)
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("%d requests reached the model, want 2 (one per message)", n)
	}
	if m := scrape(t, s); !strings.Contains(m, `concierge_llm_turns_total{bot="maison-lumiere",outcome="fallback:error"} 2`) {
		t.Errorf("metrics: %s", grepLines(m, "concierge_llm_turns_total"))
	}
}

func hasKind(es []web.Entry, k concierge.MessageKind) bool {
	return slices.ContainsFunc(es, func(e web.Entry) bool { return e.Message.Kind == k })
}

// TestLLMConsentNotForged: a model that agrees to the data-consent
// question on the customer's behalf, before the shop asked it, gets a
// tool error; checkout then asks the customer, and no payment is offered
// until the customer answers.
func TestLLMConsentNotForged(t *testing.T) {
	var refused bool
	f := newFakeModel(t, func(req openai.ChatCompletionRequest) (int, any) {
		_, res := turn(req)
		if len(res) == 0 {
			return calls(call("add_to_cart", `{"sku":"LAMP-01"}`), call("record_consent", `{"agreed":true}`), call("checkout", `{}`))
		}
		refused = len(res) == 3 && strings.Contains(res[1], "not been asked for consent")
		return say("Voilà.")
	})
	s := startLLMShop(t, f, llmLimits{})
	c := s.customer("fr")
	es := c.say("Je prends l'Aurore, j'accepte tout d'avance, payez directement")
	if !refused {
		t.Errorf("record_consent before the question was not refused: %v", f.requests()[len(f.requests())-1].Messages)
	}
	if hasKind(es, concierge.MessagePayment) {
		t.Fatalf("a payment was offered without the customer's consent: %s", dump(es))
	}
	if !slices.ContainsFunc(es, func(e web.Entry) bool {
		return slices.ContainsFunc(e.Message.Buttons, func(b concierge.Button) bool { return b.Value == "consent:yes" })
	}) {
		t.Fatalf("checkout did not ask the customer for consent: %s", dump(es))
	}
}

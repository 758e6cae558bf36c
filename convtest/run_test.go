package convtest

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// parrot is a TurnRunner whose turns answer from the text alone, on a
// real store: "show A B" shows the cards of A and B, "boom" fails, any
// other text is echoed with an "Again" button. The whole pipeline is
// tested in cmd/concierge; this one tests the runner.
type parrot struct{ db *store.DB }

func (p parrot) RunPending(ctx context.Context) (int, int, error) {
	return p.db.RunTurns(ctx, 10,
		func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
			conv.Locale = "fr"
			if ev.Text == "boom" {
				return errors.New("boom")
			}
			m := concierge.Message{Kind: concierge.MessageText, Text: "echo: " + ev.Text, Buttons: []concierge.Button{{Label: "Again", Value: "again"}}}
			if skus, ok := strings.CutPrefix(ev.Text, "show "); ok {
				m = concierge.Message{Kind: concierge.MessageCards, Text: "found"}
				for _, s := range strings.Fields(skus) {
					m.Cards = append(m.Cards, concierge.Card{SKU: concierge.SKU(s), Buttons: []concierge.Button{{Label: "Add", Value: "add:" + s}}})
				}
			}
			_, err := tx.Emit(ctx, conv, "bot", m)
			return err
		},
		func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event, cause error) error {
			_, err := tx.Emit(ctx, conv, "bot", concierge.Message{Kind: concierge.MessageText, Text: "sorry"})
			return err
		})
}

func parrotRunner(t *testing.T, out *bytes.Buffer, summary bool) *Runner {
	bot := &concierge.Bot{ID: "shop", Currency: "EUR", Locales: []concierge.Locale{"fr"},
		Products: []concierge.Product{{SKU: "A"}, {SKU: "B"}}}
	return &Runner{
		Bots: []*concierge.Bot{bot}, Out: out, Summary: summary,
		Open: func(ctx context.Context, _ concierge.BotID) (*Pipeline, error) {
			db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "t.db"))
			if err != nil {
				return nil, err
			}
			if err := db.Migrate(ctx); err != nil {
				return nil, err
			}
			return &Pipeline{Bot: bot, DB: db, Turns: []TurnRunner{parrot{db}}, Close: db.Close}, nil
		},
	}
}

const parrotFile = `test_cases:
  - name: shows and fails
    language: fr
    steps:
      - user: "show A B"
      - bot: {first_product: B}
      - bot: {products: [A, B], not_products: [A]}
      - press: {label: Add, sku: B}
      - bot: {text_matches: "^echo: Add$"}
      - user: "boom"
      - language: fr
      - cart: {lines: []}
  - name: passes
    steps:
      - user: hello
      - bot: {text_matches: "echo: hello", buttons: [Again]}
      - press: Again
      - bot: {text_matches: "echo: Again"}
      - order: none
      - handoff: false
`

// TestRunStopsAtFirstFailure: without Summary a case stops at its first
// failing step, and the report says where, what and the replies.
func TestRunStopsAtFirstFailure(t *testing.T) {
	f, err := Parse("p.yaml", []byte(parrotFile))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := parrotRunner(t, &out, false).Run(context.Background(), []*File{f})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total() != 2 || res.Failed() != 1 {
		t.Fatalf("total %d, failed %d\n%s", res.Total(), res.Failed(), out.String())
	}
	c := res.Files[0].Cases[0]
	if len(c.Failures) != 1 || c.Failures[0].Step != 2 || len(c.Checks) != 2 {
		t.Errorf("failures %+v, checks %+v", c.Failures, c.Checks)
	}
	for _, want := range []string{
		"=== p.yaml (bot shop, brain rules)",
		"FAIL  shows and fails",
		"p.yaml:6:9: step 2: bot: first_product B",
		"expected: B first",
		"got:      [A, B]",
		`the bot's replies to step 1 (user: "show A B"):`,
		"[cards] found",
		"A  —  [Add]",
		"PASS  passes",
		"FAIL: 1 of 2 cases failed",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestRunSummaryPlaysEveryStep: with Summary every step runs after a
// failure and each check is counted; a failed turn is a failure of its
// step.
func TestRunSummaryPlaysEveryStep(t *testing.T) {
	f, err := Parse("p.yaml", []byte(parrotFile))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := parrotRunner(t, &out, true).Run(context.Background(), []*File{f})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Files[0].Cases[0]
	var steps []int
	for _, fl := range c.Failures {
		steps = append(steps, fl.Step)
	}
	// 2: first_product; 3: not_products; 6: the turn failed.
	if len(steps) != 3 || steps[0] != 2 || steps[1] != 3 || steps[2] != 6 {
		t.Fatalf("failed steps %v\n%s", steps, out.String())
	}
	if !strings.Contains(out.String(), "the turn failed and the customer got an apology") {
		t.Errorf("output:\n%s", out.String())
	}
	s := Summarize(res)
	for _, tc := range []struct {
		lang, kind string
		want       Rate
	}{
		{"fr", CheckFirstProduct, Rate{0, 1}},
		{"fr", CheckNotProducts, Rate{0, 1}},
		{"fr", CheckLanguage, Rate{1, 1}},
		{"fr", CheckCart, Rate{1, 1}},
		{"fr", CheckCartSafe, Rate{1, 1}},
		{"fr", CheckAll, Rate{0, 1}},
		{"?", CheckAll, Rate{1, 1}},
		{"all", CheckAll, Rate{1, 2}},
	} {
		if got := *s.Rates[tc.lang][tc.kind]; got != tc.want {
			t.Errorf("%s %s = %v, want %v", tc.lang, tc.kind, got, tc.want)
		}
	}
	if strings.Join(s.Languages, " ") != "fr ? all" {
		t.Errorf("languages = %v", s.Languages)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/goccy/go-yaml"
	openai "github.com/sashabaranov/go-openai"
)

// The sample shop and its conversation tests, as `make check-examples`
// runs them.
const (
	sampleBotPath   = "../../examples/maison-lumiere.yaml"
	sampleTestsPath = "../../examples/tests/maison-lumiere.yaml"
)

// runTest runs `concierge test` with args through the real command code
// and returns its exit code, standard output and standard error.
func runTest(t *testing.T, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	var out, errs bytes.Buffer
	code := run(context.Background(), append([]string{"test"}, args...), nil, &out, &errs, getenv)
	return code, out.String(), errs.String()
}

// TestExampleConversations runs examples/tests/maison-lumiere.yaml on the
// sample shop's rules brain: every case passes, and the JUnit report says
// so too.
func TestExampleConversations(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "out.xml")
	code, out, errs := runTest(t, nil, "--config", sampleBotPath, "--junit", junit, sampleTestsPath)
	if code != 0 {
		t.Fatalf("exit %d, want 0\n%s\n%s", code, out, errs)
	}
	if !regexp.MustCompile(`(?m)^PASS: \d+ cases passed$`).MatchString(out) || strings.Contains(out, "FAIL") {
		t.Errorf("output:\n%s", out)
	}
	var report struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	b, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(b, &report); err != nil {
		t.Fatalf("JUnit report: %v\n%s", err, b)
	}
	if report.Tests < 10 || report.Failures != 0 || len(report.Suites) != 1 || len(report.Suites[0].Cases) != report.Tests {
		t.Errorf("JUnit report: %+v", report)
	}
}

// TestVariantConversations runs the conversation tests of the variants
// example shop (examples/variants): a product that comes in sizes and
// colours is asked about, picked by words or buttons in fr, en and zh,
// and never added without a choice.
func TestVariantConversations(t *testing.T) {
	files, err := filepath.Glob("../../examples/variants/tests/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no variant tests: %v", err)
	}
	code, out, errs := runTest(t, nil, append([]string{"--config", "../../examples/variants"}, files...)...)
	if code != 0 || !regexp.MustCompile(`(?m)^PASS: \d+ cases passed$`).MatchString(out) {
		t.Fatalf("exit %d, want 0\n%s\n%s", code, out, errs)
	}
}

// TestConversationTestsFail proves that each kind of check can fail: a
// file whose expectation is wrong makes `concierge test` exit 1 and
// print the step, what it expected, what it got and the bot's replies.
func TestConversationTestsFail(t *testing.T) {
	// Each case starts from the same correct beginning — a desk lamp
	// search, then the Zénith added — and ends with one wrong step.
	const start = `
      - user: "je cherche une lampe de bureau"
      - press: {label: "Ajouter au panier", sku: LAMP-02}
`
	for _, tc := range []struct {
		name  string
		wrong string
		step  int      // the wrong step's number
		want  []string // in the output, besides FAIL and the step
	}{
		{"cart quantity", `      - cart: {lines: [{sku: LAMP-02, quantity: 2}]}`, 3,
			[]string{"expected: LAMP-02 ×2", "got:      LAMP-02 ×1", "~ LAMP-02 ×1, expected ×2", `the bot's replies to step 2 (press: "Ajouter au panier" for LAMP-02)`, "[cart]"}},
		{"cart total", `      - cart: {lines: [{sku: LAMP-02}], total: "80.00"}`, 3, []string{"total 79.00, expected 80.00"}},
		{"empty cart", `      - cart: {lines: []}`, 3, []string{"+ LAMP-02 ×1 not expected"}},
		{"text", `      - bot: {text_matches: "(?i)bulb"}`, 3, []string{"expected: a reply matching (?i)bulb"}},
		{"buttons", `      - bot: {buttons: ["Payer maintenant"]}`, 3, []string{`missing: "Payer maintenant"`}},
		{"first product", "      - user: \"je cherche une lampe de bureau\"\n      - bot: {first_product: LAMP-07}", 4,
			[]string{"expected: LAMP-07 first", "got:      [LAMP-02"}},
		{"not products", "      - user: \"je cherche une lampe de bureau\"\n      - bot: {not_products: [LAMP-02]}", 4, []string{"shown anyway: [LAMP-02]"}},
		{"products", "      - user: \"je cherche une lampe de bureau\"\n      - bot: {products: []}", 4, []string{"expected: no product"}},
		{"order", `      - order: {state: paid}`, 3, []string{"expected: paid", "got:      no order"}},
		{"handoff", `      - handoff: true`, 3, []string{"got:      state bot"}},
		{"language", `      - language: en`, 3, []string{"expected: en", "got:      fr"}},
		{"press", `      - press: "Payer"`, 3, []string{`expected: a button "Payer"`, `"Commander"`}},
		{"pay", `      - pay: success`, 3, []string{"expected: an order pending payment", "got:      no order"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := "test_cases:\n  - name: wrong on purpose\n    language: fr\n    steps:" + start + tc.wrong + "\n"
			path := filepath.Join(t.TempDir(), "wrong.yaml")
			if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
				t.Fatal(err)
			}
			junit := filepath.Join(t.TempDir(), "out.xml")
			code, out, errs := runTest(t, nil, "--config", sampleBotPath, "--junit", junit, path)
			if code != 1 {
				t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errs)
			}
			want := append([]string{"FAIL  wrong on purpose", fmt.Sprintf(": step %d: ", tc.step), "FAIL: 1 of 1 cases failed"}, tc.want...)
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if b, _ := os.ReadFile(junit); !bytes.Contains(b, fmt.Appendf(nil, `<failure message="step %d: `, tc.step)) {
				t.Errorf("JUnit report without the failure:\n%s", b)
			}
		})
	}
}

// TestConversationTestsSummary runs every step of a failing case with
// --summary and counts each check on its own: an early wrong cart does not
// hide the right ones after it, and what entered the cart unasked is
// listed.
func TestConversationTestsSummary(t *testing.T) {
	const file = `test_cases:
  - name: one wrong cart among right ones
    language: fr
    steps:
      - user: "je cherche une lampe de bureau"
      - bot: {first_product: LAMP-02}
      - press: {label: "Ajouter au panier", sku: LAMP-02}
      - cart: {lines: []}
      - cart: {lines: [{sku: LAMP-02}]}
      - language: fr
  - name: all right
    steps:
      - user: "lampshades?"
      - cart: {lines: []}
`
	path := filepath.Join(t.TempDir(), "summary.yaml")
	if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runTest(t, nil, "--config", sampleBotPath, "--summary", path)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errs)
	}
	for _, w := range []string{
		"FAIL  one wrong cart among right ones", "PASS  all right",
		// The table: fr has one cart step of two right, ? has one of one.
		"fr        1/2  50%  1/2  50%   1/1 100%       -             1/1 100%  0/1   0%",
		"?         1/1 100%  1/1 100%   -              -             -         1/1 100%",
		"cart_safe violations (1)",
		`summary.yaml:8:9: "one wrong cart among right ones" step 4: LAMP-02 ×1 not asked for`,
	} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// TestConversationTestsBadInput: a malformed test file, an unknown SKU or
// bot, or a bad command line is exit 2, with file:line:col for the file.
func TestConversationTestsBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		args       []string
		want       string
	}{
		{name: "unknown key", file: "test_cases:\n  - name: a\n    steps:\n      - usr: hi\n", want: `bad.yaml:4:9: unknown key "usr"`},
		{name: "two keys", file: "test_cases:\n  - name: a\n    steps:\n      - user: hi\n        cart: {lines: []}\n",
			want: "bad.yaml:4:9: step 1: a step has one key, not 2 (user, cart)"},
		{name: "bad regexp", file: "test_cases:\n  - name: a\n    steps:\n      - user: hi\n      - bot: {text_matches: \"(\"}\n",
			want: "bad.yaml:5:9: step 2: bot: text_matches is not a Go regular expression"},
		{name: "check first", file: "test_cases:\n  - name: a\n    steps:\n      - bot: {text_matches: x}\n",
			want: "bad.yaml:4:9: step 1: bot: there are no replies to check yet"},
		{name: "syntax", file: "test_cases: [\n", want: "bad.yaml:1:"},
		{name: "unknown sku", file: "test_cases:\n  - name: a\n    steps:\n      - user: hi\n      - bot: {not_products: [LAMP-2]}\n",
			want: "bad.yaml:5:9: step 2: bot: not_products: bot maison-lumiere sells no LAMP-2"},
		{name: "unknown bot", file: "bot: other\ntest_cases:\n  - name: a\n    steps:\n      - user: hi\n",
			want: `bad.yaml:1:6: no bot "other" in the configuration (it has maison-lumiere)`},
		{name: "bad brain", file: "test_cases:\n  - name: a\n    steps:\n      - user: hi\n", args: []string{"--brain", "gpt"}, want: `--brain "gpt": want rules or llm`},
		{name: "no files", args: []string{"--config", sampleBotPath}, want: "usage: concierge test"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if tc.file != "" {
				path := filepath.Join(t.TempDir(), "bad.yaml")
				if err := os.WriteFile(path, []byte(tc.file), 0o644); err != nil {
					t.Fatal(err)
				}
				args = append([]string{"--config", sampleBotPath, path}, args...)
			}
			code, out, errs := runTest(t, nil, args...)
			if code != 2 || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, want 2 with %q on stderr\nstdout:\n%s\nstderr:\n%s", code, tc.want, out, errs)
			}
		})
	}
}

// TestSchemaTests prints the test file schema.
func TestSchemaTests(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"schema", "--tests"}, nil, &out, &errs, func(string) string { return "" }); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	var s struct {
		Title      string         `json:"title"`
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(out.Bytes(), &s); err != nil || s.Title != "Concierge conversation tests" || s.Properties["test_cases"] == nil {
		t.Errorf("schema --tests = %v %+v\n%s", err, s, out.String())
	}
}

// llmScript is testdata/convtest/maison-lumiere.llm.yaml: per customer
// message, the model's tool calls and then its words.
type llmScript []struct {
	User  string           `yaml:"user"`
	Calls []map[string]any `yaml:"calls"`
	Say   string           `yaml:"say"`
}

// TestConversationTestsOnTheLLMBrain runs the same test file as
// TestExampleConversations on the LLM brain (--brain llm, with the bot
// file's brain.llm settings) against a scripted OpenAI-compatible model:
// the file holds on both brains, and every scripted turn was asked.
func TestConversationTestsOnTheLLMBrain(t *testing.T) {
	f, script, asked := scriptedModel(t, "testdata/convtest/maison-lumiere.llm.yaml")
	// The model's gateway wants a header of its own (newFakeModel checks
	// it); the brain stays rules in the file, and --brain llm overrides it.
	bot := rewrite(t, sampleBot(t), map[string]string{
		`    api_key: "${LLM_API_KEY:-}"`: "    api_key: \"${LLM_API_KEY:-}\"\n    headers: { X-Gateway: shop-1 }",
	})
	env := map[string]string{"LLM_BASE_URL": f.srv.URL + "/v1", "LLM_MODEL": "test-model", "LLM_API_KEY": "test-key"}
	code, out, errs := runTest(t, func(k string) string { return env[k] }, "--config", writeBot(t, bot), "--brain", "llm", "--log-level", "info", sampleTestsPath)
	if code != 0 {
		t.Fatalf("exit %d, want 0\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "brain llm") {
		t.Errorf("the run does not say it is on the llm brain:\n%s", out)
	}
	if strings.Contains(errs, "falling back to rules") {
		t.Errorf("the model was not used for every turn:\n%s", errs)
	}
	for _, s := range script {
		if asked(s.User) == 0 {
			t.Errorf("the model was never asked about %q: is it still in %s?", s.User, sampleTestsPath)
		}
	}
}

// scriptedModel serves the script at path as an OpenAI-compatible model:
// for each customer message, its tool calls, then its words once it has
// read their results. asked counts how often a message reached it.
func scriptedModel(t *testing.T, path string) (f *fakeModel, script llmScript, asked func(user string) int) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &script); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	counts := map[string]int{}
	f = newFakeModel(t, func(req openai.ChatCompletionRequest) (int, any) {
		user, results := turn(req)
		for _, s := range script {
			if s.User != user {
				continue
			}
			mu.Lock()
			counts[user]++
			mu.Unlock()
			if len(results) > 0 || len(s.Calls) == 0 {
				return say(s.Say)
			}
			var tcs []openai.ToolCall
			for _, c := range s.Calls {
				for name, args := range c {
					b, err := json.Marshal(args)
					if err != nil {
						t.Errorf("script: %s: %v", name, err)
					}
					tcs = append(tcs, call(name, string(b)))
				}
			}
			return calls(tcs...)
		}
		t.Errorf("the script has no turn for %q", user)
		return say("?")
	})
	return f, script, func(user string) int {
		mu.Lock()
		defer mu.Unlock()
		return counts[user]
	}
}

// TestVariantsOnTheLLMBrain: on the LLM brain, a model that adds a
// product with variants before the customer chose one is refused (and
// told the choices), and the variant the customer's words choose ("the
// blue one in 42") is added.
func TestVariantsOnTheLLMBrain(t *testing.T) {
	f, script, asked := scriptedModel(t, "testdata/convtest/variants.llm.yaml")
	env := map[string]string{"LLM_BASE_URL": f.srv.URL + "/v1", "LLM_MODEL": "test-model", "LLM_API_KEY": "test-key"}
	tests := "testdata/convtest/variants.llm.tests.yaml"
	src, err := os.ReadFile("../../examples/variants/trail-et-coton.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bot := rewrite(t, string(src), map[string]string{"  kind: rules\n": `  kind: rules
  llm: { base_url: "${LLM_BASE_URL}", model: "${LLM_MODEL}", api_key: "${LLM_API_KEY}", headers: { X-Gateway: shop-1 } }
`})
	code, out, errs := runTest(t, func(k string) string { return env[k] }, "--config", writeBot(t, bot), "--brain", "llm", tests)
	if code != 0 || strings.Contains(errs, "falling back to rules") {
		t.Fatalf("exit %d, want 0, every turn on the model\n%s\n%s", code, out, errs)
	}
	for _, s := range script {
		if asked(s.User) == 0 {
			t.Errorf("the model was never asked about %q: is it still in %s?", s.User, tests)
		}
	}
}

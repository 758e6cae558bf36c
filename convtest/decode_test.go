package convtest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

// TestParseExamples reads the example test files: they are valid, and
// each step knows where it is written.
func TestParseExamples(t *testing.T) {
	paths, err := filepath.Glob("../examples/tests/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no example test files: %v", err)
	}
	for _, p := range paths {
		f, err := ReadFile(p)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		for _, c := range f.Cases {
			for i, st := range c.Steps {
				if st.At.Line <= c.At.Line || st.Kind() == "" {
					t.Errorf("%s: case %q step %d: at %+v (case at %+v), kind %q", p, c.Name, i+1, st.At, c.At, st.Kind())
				}
			}
		}
	}
}

// TestParse reads each form the format allows.
func TestParse(t *testing.T) {
	const src = `bot: shop
clock: "2026-03-07T20:00:00+01:00"
test_cases:
  - name: every step
    language: fr
    tags: [a, b]
    steps:
      - user: "bonjour"
      - bot:
          text_matches: "(?i)bonjour"
          buttons: [Oui]
          first_product: P-1
          products: []
          not_products: [P-2]
      - press: Oui
      - press: {label: Ajouter, sku: P-1}
      - pay: decline
      - cart: {lines: [{sku: P-1}, {sku: P-2, quantity: 3}], total: "12.50"}
      - order: none
      - order: {state: paid}
      - handoff: false
      - language: fr
`
	f, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if f.Bot != "shop" || f.botAt != (Pos{1, 6}) || f.Clock == "" || len(f.Cases) != 1 {
		t.Fatalf("file = %+v", f)
	}
	c := f.Cases[0]
	if c.Name != "every step" || c.Language != "fr" || !slices.Equal(c.Tags, []string{"a", "b"}) || c.At != (Pos{4, 5}) {
		t.Errorf("case = %+v", c)
	}
	var kinds []string
	for _, st := range c.Steps {
		kinds = append(kinds, st.Kind())
	}
	want := []string{"user", "bot", "press", "press", "pay", "cart", "order", "order", "handoff", "language"}
	if !slices.Equal(kinds, want) {
		t.Fatalf("kinds = %v, want %v", kinds, want)
	}
	st := c.Steps
	if st[0].At != (Pos{8, 9}) || st[1].At != (Pos{9, 9}) {
		t.Errorf("positions: %+v %+v", st[0].At, st[1].At)
	}
	if b := st[1].Bot; b.re == nil || b.Products == nil || len(*b.Products) != 0 || b.FirstProduct != "P-1" {
		t.Errorf("bot = %+v", b)
	}
	if *st[2].Press != (Press{Label: "Oui"}) || *st[3].Press != (Press{Label: "Ajouter", SKU: "P-1"}) {
		t.Errorf("press = %+v %+v", st[2].Press, st[3].Press)
	}
	if l := st[5].Cart.Lines; len(l) != 2 || l[0].Qty() != 1 || l[1].Qty() != 3 || st[5].Cart.Total != "12.50" {
		t.Errorf("cart = %+v", st[5].Cart)
	}
	if !st[6].Order.None || st[7].Order.None || st[7].Order.State != concierge.OrderPaid {
		t.Errorf("orders = %+v %+v", st[6].Order, st[7].Order)
	}
	if *st[8].Handoff || st[9].Language != "fr" {
		t.Errorf("handoff, language = %v %q", *st[8].Handoff, st[9].Language)
	}
}

// TestParseErrors: each problem is reported at its line and column.
func TestParseErrors(t *testing.T) {
	const head = "test_cases:\n  - name: a\n    steps:\n"
	for _, tc := range []struct {
		name, src, want string
	}{
		{"empty", "", "t.yaml:1:1: the file is empty"},
		{"no cases", "bot: x\n", "t.yaml:1:1: no test_cases"},
		{"syntax", "test_cases: [\n", "t.yaml:1:"},
		{"not a mapping", "- a\n", "t.yaml:1:1: a test file is a mapping"},
		{"unknown top key", "tests: []\n", `t.yaml:1:1: unknown key "tests"`},
		{"unknown case key", "test_cases:\n  - name: a\n    step: []\n", `t.yaml:3:5: unknown key "step"`},
		{"unknown step key", head + "      - say: hi\n", `t.yaml:4:9: unknown key "say"`},
		{"two keys", head + "      - user: hi\n        pay: success\n", "t.yaml:4:9: step 1: a step has one key, not 2 (user, pay)"},
		{"no value", head + "      - user: hi\n      - handoff:\n", "t.yaml:5:9: step 2: handoff: the value is missing"},
		{"empty user", head + "      - user: \"\"\n", "t.yaml:4:9: step 1: user: the text is empty"},
		{"wrong type", head + "      - user: hi\n      - handoff: maybe\n", `t.yaml:5:18: "maybe" is not true or false`},
		{"bad quantity", head + "      - user: hi\n      - cart: {lines: [{sku: A, quantity: 0}]}\n", "t.yaml:5:9: step 2: cart: A has quantity 0"},
		{"twice in cart", head + "      - user: hi\n      - cart: {lines: [{sku: A}, {sku: A}]}\n", "t.yaml:5:9: step 2: cart: A is on two lines"},
		{"bad pay", head + "      - user: hi\n      - pay: refund\n", `t.yaml:5:9: step 2: pay: "refund" is not success or decline`},
		{"bad order", head + "      - user: hi\n      - order: {state: shipped}\n", `t.yaml:5:17: order state "shipped" is not one of`},
		{"bad order word", head + "      - user: hi\n      - order: paid\n", "t.yaml:5:16: order takes none or {state:"},
		{"press first", head + "      - press: Oui\n", "t.yaml:4:9: step 1: press: there are no replies"},
		{"press without label", head + "      - user: hi\n      - press: {sku: A}\n", "press needs the button's label"},
		{"bot first", head + "      - bot: {text_matches: a}\n", "t.yaml:4:9: step 1: bot: there are no replies to check yet"},
		{"empty bot", head + "      - user: hi\n      - bot: {}\n", "t.yaml:5:9: step 2: bot: no check"},
		{"bad regexp", head + "      - user: hi\n      - bot: {text_matches: \"[\"}\n", "step 2: bot: text_matches is not a Go regular expression"},
		{"no steps", "test_cases:\n  - name: a\n    steps: []\n", `t.yaml:2:5: test case "a" has no steps`},
		{"no name", "test_cases:\n  - steps: [{user: hi}]\n", "t.yaml:2:5: test case 1 has no name"},
		{"same name", "test_cases:\n  - name: a\n    steps: [{user: hi}]\n  - name: a\n    steps: [{user: hi}]\n",
			`t.yaml:4:5: test case name "a" is already used at line 2`},
		{"bad hint", "test_cases:\n  - name: a\n    language: fr-FR\n    steps: [{user: hi}]\n", `t.yaml:2:5: test case "a": language "fr-FR" is not a base language code`},
		{"bad language", head + "      - user: hi\n      - language: French\n", `t.yaml:5:9: step 2: language: "French" is not a base language code`},
		{"bad clock", "clock: tomorrow\n" + head + "      - user: hi\n", `t.yaml:1:8: clock "tomorrow" is not an RFC 3339 time`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestCheckBot refuses the checks a bot could never pass.
func TestCheckBot(t *testing.T) {
	bot := &concierge.Bot{ID: "shop", Currency: "EUR", Locales: []concierge.Locale{"fr", "en"},
		Products: []concierge.Product{{SKU: "A"}, {SKU: "B"}}}
	const src = `test_cases:
  - name: a
    steps:
      - user: hi
      - press: {label: Add, sku: Z}
      - bot: {first_product: A, products: [B, Y], not_products: [X]}
      - cart: {lines: [{sku: A}, {sku: W}], total: "1.234"}
      - language: de
      - language: en
`
	f, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := f.checkBot(bot, money.Parse).Error()
	for _, want := range []string{
		"t.yaml:5:9: step 2: press: bot shop sells no Z",
		"t.yaml:6:9: step 3: bot: products: bot shop sells no Y",
		"t.yaml:6:9: step 3: bot: not_products: bot shop sells no X",
		"t.yaml:7:9: step 4: cart: bot shop sells no W",
		`t.yaml:7:9: step 4: cart: total "1.234" is not an amount in EUR`,
		`t.yaml:8:9: step 5: language: bot shop does not speak "de"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("checkBot lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "\n") + 1; n != 6 {
		t.Errorf("%d problems, want 6:\n%s", n, got)
	}
}

// TestReadFiles: every file's problems come back together, and the good
// files are read.
func TestReadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good, err := os.ReadFile(filepath.Join("..", "examples", "tests", "maison-lumiere.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{write("empty.yaml", ""), write("good.yaml", string(good)), filepath.Join(dir, "missing.yaml")}
	files, err := ReadFiles(paths)
	if len(files) != 1 || files[0].Path != paths[1] {
		t.Fatalf("read %d files, want the good one", len(files))
	}
	for _, want := range []string{"empty.yaml:1:1", "missing.yaml"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
	if files, err := ReadFiles(paths[1:2]); err != nil || len(files) != 1 {
		t.Fatalf("good file alone: %d files, %v", len(files), err)
	}
}

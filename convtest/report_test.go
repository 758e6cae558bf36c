package convtest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

var update = flag.Bool("update", false, "rewrite examples/tests/tests.schema.json")

// result is a run of two files: one case passed, one failed at step 3
// (with a cart_safe violation), one whose pipeline broke.
func result() *Result {
	file := func(path string) *File { return &File{Path: path} }
	return &Result{Files: []*FileResult{
		{File: file("tests/a.yaml"), Time: time.Second, Cases: []*CaseResult{
			{Case: &Case{Name: "passes", Language: "fr", At: Pos{3, 5}}, Checks: []Check{{Kind: CheckCart, Step: 2, OK: true}}},
			{Case: &Case{Name: "fails <here>", Language: "en", At: Pos{9, 5}},
				Checks: []Check{{Kind: CheckCart, Step: 3}, {Kind: CheckCartSafe, Step: 3}},
				Unsafe: []Violation{{Step: 3, At: Pos{14, 9}, SKU: "GIFT-30", Got: 30, Expected: 1}},
				Failures: []*Failure{{Step: 3, At: Pos{14, 9}, Desc: "cart: GIFT-30 ×1", Answer: 1, AnswerDesc: `user: "une carte cadeau 30 €"`,
					Problems: []Problem{{Check: CheckCart, Expected: "GIFT-30 ×1", Got: "GIFT-30 ×30", Diff: []string{"~ GIFT-30 ×30, expected ×1"}}},
					Replies:  []concierge.Message{{Kind: concierge.MessageCart, Text: "Added 30 ]]> gift cards"}}}}},
		}},
		{File: file("tests/b.yaml"), Cases: []*CaseResult{
			{Case: &Case{Name: "breaks"}, Err: errors.New("step 1 (user: \"x\"): database is locked")},
		}},
	}}
}

func TestWriteJUnit(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJUnit(&b, result()); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	if got.Tests != 3 || got.Failures != 1 || got.Errors != 1 || len(got.Suites) != 2 {
		t.Fatalf("totals: %+v", got)
	}
	a := got.Suites[0]
	if a.Name != "tests/a.yaml" || a.Tests != 2 || a.Failures != 1 || a.Time != "1.000" || a.Cases[0].Classname != "a" || a.Cases[0].Failure != nil {
		t.Errorf("suite a: %+v", a)
	}
	f := a.Cases[1].Failure
	if a.Cases[1].Name != "fails <here>" || a.Cases[1].Line != 9 || f == nil || f.Type != CheckCart ||
		f.Message != "step 3: cart: GIFT-30 ×1: expected GIFT-30 ×1, got GIFT-30 ×30" ||
		!strings.Contains(f.Text, "tests/a.yaml:14:9: step 3") || !strings.Contains(f.Text, "Added 30 ]]> gift cards") {
		t.Errorf("failure: %+v", a.Cases[1])
	}
	if e := got.Suites[1].Cases[0].Error; e == nil || !strings.Contains(e.Message, "database is locked") {
		t.Errorf("error: %+v", got.Suites[1].Cases[0])
	}
}

func TestWriteSummary(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSummary(&b, result()); err != nil {
		t.Fatal(err)
	}
	want := `
Summary: checks passed per case language
language  cart      cart_safe  first_product  not_products  language  all
en        0/1   0%  0/1   0%   -              -             -         0/1   0%
fr        1/1 100%  -          -              -             -         1/1 100%
?         -         -          -              -             -         0/1   0%
all       1/2  50%  0/1   0%   -              -             -         1/3  33%

cart_safe violations (1): what entered the cart that the customer did not ask for
  tests/a.yaml:14:9: "fails <here>" step 3: GIFT-30 ×30, asked for ×1
`
	if b.String() != want {
		t.Errorf("summary:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestSchemaGolden keeps examples/tests/tests.schema.json, which the
// example test files point editors at, equal to Schema().
func TestSchemaGolden(t *testing.T) {
	b, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	const path = "../examples/tests/tests.schema.json"
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./convtest -update to create it)", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("%s differs from Schema() (run go test ./convtest -update to accept)", path)
	}
}

// TestSchema: every object refuses unknown keys and every property is
// described, as in the bot file's schema.
func TestSchema(t *testing.T) {
	b, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v map[string]any)
	walk = func(path string, v map[string]any) {
		if v["type"] == "object" && v["additionalProperties"] != false {
			t.Errorf("%s allows unknown keys", path)
		}
		props, _ := v["properties"].(map[string]any)
		for k, p := range props {
			pm := p.(map[string]any)
			if d, _ := pm["description"].(string); d == "" {
				t.Errorf("%s.%s has no description", path, k)
			}
			walk(path+"."+k, pm)
		}
		for _, key := range []string{"oneOf"} {
			alts, _ := v[key].([]any)
			for _, a := range alts {
				walk(path+"|"+key, a.(map[string]any))
			}
		}
	}
	walk("$", s)
	for name, d := range s["$defs"].(map[string]any) {
		walk("$defs/"+name, d.(map[string]any))
	}
	step := s["$defs"].(map[string]any)["Step"].(map[string]any)
	if step["minProperties"] != 1.0 || step["maxProperties"] != 1.0 {
		t.Errorf("a step does not take exactly one key: %v", step)
	}
}

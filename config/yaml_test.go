package config

import (
	"errors"
	"strings"
	"testing"
)

// TestYAMLProblems covers the problems that go.yaml.in/yaml/v3 does not
// report as goccy/go-yaml did, and that parse reports itself or through
// goccy/go-yaml: each with its position.
func TestYAMLProblems(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"duplicate key in a merged product", "bot: shop\ncatalog:\n  products:\n    - &a\n      sku: A-1\n      name: { en: Lamp, en: Light }\n      price: \"1\"\n    - <<: *a\n      sku: A-2\n",
			[]string{`x.yaml:6:25: invalid YAML: mapping key "en" already defined at line 6`}},
		{"alias before its anchor", "bot: shop\ncatalog:\n  products:\n    - sku: A-1\n      name: { en: Lamp }\n      price: \"1\"\n      attrs: *common\n    - sku: A-2\n      name: { en: Bulb }\n      price: \"1\"\n      attrs: &common { power: 5W }\n",
			[]string{"x.yaml:7:14: unknown alias *common (no &common anchor before it)"}},
		{"tab indentation", "bot: shop\ncatalog:\n\tproducts: []\n",
			[]string{"x.yaml:3:1: invalid YAML: "}},
		{"second document empty", "bot: shop\ncatalog: { products: [ { sku: A-1, name: { en: Lamp }, price: \"1\" } ] }\n---\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tc.yaml), getenv(nil))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Parse: %v, want no error", err)
				}
				return
			}
			var errs *Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse: %v, want *Errors", err)
			}
			if len(errs.Diagnostics) != len(tc.want) {
				t.Fatalf("got\n%v\nwant %d diagnostics: %q", err, len(tc.want), tc.want)
			}
			for i, d := range errs.Diagnostics {
				if !strings.HasPrefix(d.String(), tc.want[i]) {
					t.Errorf("diagnostic %d: %q, want it to start with %q", i, d.String(), tc.want[i])
				}
			}
		})
	}
}

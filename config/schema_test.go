package config

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// TestSchemaGolden keeps examples/bot.schema.json, which the examples point
// editors at, equal to Schema().
func TestSchemaGolden(t *testing.T) {
	b, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "../examples/bot.schema.json", append(b, '\n'))
}

func TestSchema(t *testing.T) {
	b, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("Schema() is not JSON: %v", err)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v, want draft 2020-12", s["$schema"])
	}
	if s["additionalProperties"] != false {
		t.Errorf("additionalProperties = %v, want false", s["additionalProperties"])
	}
	props, _ := s["properties"].(map[string]any)
	var got []string
	for k, p := range props {
		got = append(got, k)
		if d, _ := p.(map[string]any)["description"].(string); d == "" {
			t.Errorf("top-level key %q has no description", k)
		}
	}
	want := yamlKeys(reflect.TypeOf(File{}))
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("schema keys = %v, want %v", got, want)
	}
	// Every object of the schema refuses unknown keys and every property
	// is described.
	for name, def := range s["$defs"].(map[string]any) {
		d := def.(map[string]any)
		if d["type"] == "object" && d["additionalProperties"] != false {
			t.Errorf("$defs/%s allows unknown keys", name)
		}
		for k, p := range d["properties"].(map[string]any) {
			if desc, _ := p.(map[string]any)["description"].(string); desc == "" {
				t.Errorf("$defs/%s.%s has no description", name, k)
			}
		}
	}
}

// TestSchemaValidatesExamples checks the example bot files against the
// schema with a small validator, and that the schema refuses what Load
// refuses for shape: unknown keys, wrong types, unknown enum values.
func TestSchemaValidatesExamples(t *testing.T) {
	b, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"../examples/maison-lumiere.yaml", "../examples/full.yaml", "testdata/good/minimal.yaml", "testdata/good/policies.yaml"} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		doc := yamlToJSON(t, data)
		if errs := validate(schema, schema, doc, ""); len(errs) > 0 {
			t.Errorf("%s does not match the schema:\n%s", path, strings.Join(errs, "\n"))
		}
	}

	bad := []struct{ yaml, want string }{
		{"bot: shop\nnmae: x\n", `/nmae: unknown key`},
		{"bot: shop\ncatalog: {products: [{sku: A, name: {en: A}, price: \"1.00\", prise: 1}]}\n", `/catalog/products/0/prise: unknown key`},
		{"bot: shop\ncatalog: {products: [{sku: A, name: {en: A}, price: \"1.00\", stock: ten}]}\n", `/catalog/products/0/stock: want integer`},
		{"bot: shop\nbrain: {kind: gpt}\n", `/brain/kind: not one of`},
		{"bot: Shop\n", `/bot: does not match`},
		{"name: x\n", `: missing bot`},
		{"bot: shop\nchannels: {telegram: {token: x, mode: push}}\n", `/channels/telegram/mode: not one of`},
	}
	for _, tt := range bad {
		errs := validate(schema, schema, yamlToJSON(t, []byte(tt.yaml)), "")
		if !slices.ContainsFunc(errs, func(e string) bool { return strings.HasPrefix(e, tt.want) }) {
			t.Errorf("schema accepts %q, want an error %q; got %v", tt.yaml, tt.want, errs)
		}
	}
}

func yamlToJSON(t *testing.T, data []byte) any {
	t.Helper()
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(j, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// validate checks v against the subset of JSON Schema that Schema emits:
// $ref into $defs, type, properties, additionalProperties, required, items,
// enum, pattern, minimum and anyOf.
func validate(root, s map[string]any, v any, at string) []string {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/$defs/")
		return validate(root, root["$defs"].(map[string]any)[name].(map[string]any), v, at)
	}
	if alts, ok := s["anyOf"].([]any); ok {
		for _, alt := range alts {
			if len(validate(root, alt.(map[string]any), v, at)) == 0 {
				return nil
			}
		}
		return []string{at + ": matches no alternative"}
	}
	var errs []string
	if typ, ok := s["type"].(string); ok && !hasType(v, typ) {
		return []string{fmt.Sprintf("%s: want %s, got %T", at, typ, v)}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		errs = append(errs, fmt.Sprintf("%s: not one of %v", at, enum))
	}
	if p, ok := s["pattern"].(string); ok {
		if str, _ := v.(string); !regexp.MustCompile(p).MatchString(str) {
			errs = append(errs, fmt.Sprintf("%s: does not match %s", at, p))
		}
	}
	if m, ok := s["minimum"].(float64); ok {
		if n, _ := v.(float64); n < m {
			errs = append(errs, fmt.Sprintf("%s: below %v", at, m))
		}
	}
	switch v := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for k, val := range v {
			switch p, ok := props[k]; {
			case ok:
				errs = append(errs, validate(root, p.(map[string]any), val, at+"/"+k)...)
			case s["additionalProperties"] == false:
				errs = append(errs, at+"/"+k+": unknown key")
			default:
				if ap, ok := s["additionalProperties"].(map[string]any); ok {
					errs = append(errs, validate(root, ap, val, at+"/"+k)...)
				}
			}
		}
		req, _ := s["required"].([]any)
		for _, r := range req {
			if _, ok := v[r.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: missing %s", at, r))
			}
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, item := range v {
				errs = append(errs, validate(root, items, item, fmt.Sprintf("%s/%d", at, i))...)
			}
		}
	}
	return errs
}

func hasType(v any, typ string) bool {
	switch typ {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		n, ok := v.(float64)
		return ok && n == math.Trunc(n)
	}
	return false
}

package llm

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"
	openai "github.com/sashabaranov/go-openai"

	"github.com/conciergehq/concierge/agent"
)

// descriptions tell the model what each tool is for; the argument types
// in package agent describe the arguments.
var descriptions = map[string]string{
	"search_products":  "Search the shop's catalog. Returns products with their live price and stock. Use it before talking about any product.",
	"show_product":     "Show one product in detail (description, attributes, stock).",
	"compare_products": "Compare two to four products side by side; the customer sees a comparison table.",
	"add_to_cart":      "Add a product to the cart. The price is the catalog's; returns the cart.",
	"set_quantity":     "Set how many of a product are in the cart; 0 removes it. Returns the cart.",
	"remove_from_cart": "Remove a product from the cart. Returns the cart.",
	"view_cart":        "Return the cart with its total.",
	"checkout":         "Place the order for the cart. The customer gets a payment button for the total computed by the shop. May answer that consent is needed first: then ask the customer.",
	"record_consent":   "Record the customer's answer to the data-consent question the shop asked in an earlier message.",
	"order_status":     "Look up the customer's orders, or one order by number.",
	"cancel_order":     "Cancel an order that is still waiting for payment.",
	"request_refund":   "Ask the shop's people for a refund of a paid order. People decide; the conversation goes to them with a proposal whose amount the shop computes from the order, and your assessment as its reasoning.",
	"handoff_to_human": "Give the conversation to a person: when the customer asks for one, disputes something, complains, or you cannot help.",
}

// tool is one tool offered to the model.
type tool struct {
	def    openai.Tool
	typ    reflect.Type
	name   string
	schema map[string]any // def's parameters, which decode enforces
}

// schemas builds the model's tools from the argument types in package
// agent: the JSON schema is generated, never written by hand.
func schemas() (map[string]tool, []openai.Tool, error) {
	r := &jsonschema.Reflector{DoNotReference: true, ExpandedStruct: true}
	byName := map[string]tool{}
	var list []openai.Tool
	for _, a := range agent.Actions() {
		s := r.Reflect(a)
		s.Version = ""
		if s.Properties == nil || s.Properties.Len() == 0 {
			s.Properties = nil
		}
		raw, err := json.Marshal(s)
		if err != nil {
			return nil, nil, fmt.Errorf("llm: schema of %s: %w", a.Tool(), err)
		}
		params := map[string]any{}
		if err := json.Unmarshal(raw, &params); err != nil {
			return nil, nil, err
		}
		if _, ok := params["properties"]; !ok {
			params["properties"] = map[string]any{}
		}
		def := openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: a.Tool(), Description: descriptions[a.Tool()], Parameters: params}}
		byName[a.Tool()] = tool{def: def, typ: reflect.TypeOf(a), name: a.Tool(), schema: params}
		list = append(list, def)
	}
	return byName, list, nil
}

// decode parses a tool call's arguments into the tool's argument type.
// Unknown fields are refused: a model told "the lamp is free" cannot pass
// a price, and one told "refund me 500" cannot pass an amount, because
// the types have no such field. The rest of the schema the model was
// given (required fields, enums, bounds, list lengths) is enforced too,
// so that a missing "agreed" is not read as "no" and a made-up hand-off
// reason is not recorded: the model gets an error it can correct.
func (tl tool) decode(args string) (agent.Action, error) {
	if strings.TrimSpace(args) == "" {
		args = "{}"
	}
	invalid := func(err error) error {
		return fmt.Errorf("invalid arguments for %s: %v; call it again with arguments matching its schema", tl.name, err)
	}
	v := reflect.New(tl.typ)
	dec := json.NewDecoder(strings.NewReader(args))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v.Interface()); err != nil {
		return nil, invalid(err)
	}
	if err := checkArgs(tl.schema, args); err != nil {
		return nil, invalid(err)
	}
	return v.Elem().Interface().(agent.Action), nil
}

// checkArgs checks args, which already decoded into the tool's type, for
// what the type alone does not enforce: the schema's required, enum,
// minimum, maximum, minItems and maxItems. These are the only keywords
// the argument types in package agent use.
func checkArgs(schema map[string]any, args string) error {
	var got map[string]any
	dec := json.NewDecoder(strings.NewReader(args))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		return err
	}
	req, _ := schema["required"].([]any)
	for _, r := range req {
		if v, ok := got[r.(string)]; !ok || v == nil {
			return fmt.Errorf("%s is required", r)
		}
	}
	props, _ := schema["properties"].(map[string]any)
	for name, val := range got {
		p, _ := props[name].(map[string]any)
		if err := checkValue(name, p, val); err != nil {
			return err
		}
	}
	return nil
}

func checkValue(name string, p map[string]any, val any) error {
	if enum, ok := p["enum"].([]any); ok {
		var allowed []string
		for _, e := range enum {
			allowed = append(allowed, fmt.Sprint(e))
		}
		if !slices.Contains(allowed, fmt.Sprint(val)) {
			return fmt.Errorf("%s must be one of %s, got %q", name, strings.Join(allowed, ", "), fmt.Sprint(val))
		}
	}
	if n, ok := val.(json.Number); ok {
		f, err := n.Float64()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if lo, ok := p["minimum"].(float64); ok && f < lo {
			return fmt.Errorf("%s must be at least %v, got %v", name, lo, n)
		}
		if hi, ok := p["maximum"].(float64); ok && f > hi {
			return fmt.Errorf("%s must be at most %v, got %v", name, hi, n)
		}
	}
	if list, ok := val.([]any); ok {
		if lo, ok := p["minItems"].(float64); ok && float64(len(list)) < lo {
			return fmt.Errorf("%s needs at least %v items, got %d", name, lo, len(list))
		}
		if hi, ok := p["maxItems"].(float64); ok && float64(len(list)) > hi {
			return fmt.Errorf("%s takes at most %v items, got %d", name, hi, len(list))
		}
	}
	return nil
}

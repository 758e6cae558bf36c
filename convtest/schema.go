package convtest

import (
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"
)

// Schema returns the JSON Schema (draft 2020-12) of a test file, indented,
// for editors (`concierge schema --tests`): like the bot file's, every
// object refuses keys it does not define. It describes the shape; Parse
// and the runner check more (one key per step, regular expressions, SKUs
// the bot sells, languages it speaks).
func Schema() ([]byte, error) {
	r := &jsonschema.Reflector{RequiredFromJSONSchemaTags: true, ExpandedStruct: true}
	s := r.Reflect(&File{})
	s.Title = "Concierge conversation tests"
	s.Description = "Conversations with a bot, played offline by concierge test: what the customer does, and what must then be true."
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("convtest: schema: %w", err)
	}
	return b, nil
}

// JSONSchemaExtend makes a step take exactly one of its keys.
func (Step) JSONSchemaExtend(s *jsonschema.Schema) {
	one := uint64(1)
	s.MinProperties, s.MaxProperties = &one, &one
}

// JSONSchema describes press's two forms.
func (Press) JSONSchema() *jsonschema.Schema {
	props := jsonschema.NewProperties()
	props.Set("label", &jsonschema.Schema{Type: "string", MinLength: ptr(uint64(1)), Description: "The button's exact label."})
	props.Set("sku", &jsonschema.Schema{Type: "string", Description: "The product whose card the button is on."})
	return &jsonschema.Schema{OneOf: []*jsonschema.Schema{
		{Type: "string", MinLength: ptr(uint64(1)), Description: "The button's exact label; the first button with it is pressed."},
		{Type: "object", Properties: props, Required: []string{"label"}, AdditionalProperties: jsonschema.FalseSchema,
			Description: "The button with this label on the card of this product."},
	}}
}

// JSONSchema describes order's two forms.
func (OrderCheck) JSONSchema() *jsonschema.Schema {
	var states []any
	for _, st := range orderStates {
		states = append(states, string(st))
	}
	props := jsonschema.NewProperties()
	props.Set("state", &jsonschema.Schema{Type: "string", Enum: states, Description: "The latest order's state."})
	return &jsonschema.Schema{OneOf: []*jsonschema.Schema{
		{Type: "string", Enum: []any{"none"}, Description: "The conversation has no order."},
		{Type: "object", Properties: props, Required: []string{"state"}, AdditionalProperties: jsonschema.FalseSchema,
			Description: "The conversation's latest order is in this state."},
	}}
}

func ptr[T any](v T) *T { return &v }

package config

import (
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"
)

// Schema returns the JSON Schema (draft 2020-12) of a bot file, indented,
// for editors: point the YAML language server at it and merchants get
// completion, descriptions and unknown-key warnings as they type. Every
// object refuses keys it does not define, as Load does.
//
// The schema describes the shape only; Load checks more (prices against the
// currency, unique SKUs, environment variables, providers that exclude each
// other). A field written as a ${VAR} reference where the schema wants a
// number or a boolean is valid for Load but not for the schema.
func Schema() ([]byte, error) {
	r := &jsonschema.Reflector{
		RequiredFromJSONSchemaTags: true,
		ExpandedStruct:             true,
	}
	s := r.Reflect(&File{})
	// Attribute values are text, but Load also takes numbers and booleans
	// as written ("lumens: 400"), and so should an editor.
	if p, ok := s.Definitions["Product"]; ok {
		if attrs, ok := p.Properties.Get("attrs"); ok {
			attrs.AdditionalProperties = &jsonschema.Schema{
				AnyOf: []*jsonschema.Schema{{Type: "string"}, {Type: "number"}, {Type: "boolean"}},
			}
		}
	}
	s.Title = "Concierge bot file"
	s.Description = "One merchant's shopping assistant: its catalog, channels, payment providers and policies."
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("config: schema: %w", err)
	}
	return b, nil
}

package concierge_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
)

// TestRangeJSON: a range's ends are strings with a unit or bare JSON
// numbers, as agents and models write them; anything else, or a
// misspelt end that would be read as open, is refused.
func TestRangeJSON(t *testing.T) {
	for _, tc := range []struct {
		in     string
		want   concierge.Range
		errHas string
	}{
		{`{"min":"1.5 kg","max":"2000 g"}`, concierge.Range{Min: "1.5 kg", Max: "2000 g"}, ""},
		{`{"min":400,"max":800.5}`, concierge.Range{Min: "400", Max: "800.5"}, ""},
		{`{"max":"1000Wh"}`, concierge.Range{Max: "1000Wh"}, ""},
		{`{"min":null}`, concierge.Range{}, ""},
		{`{}`, concierge.Range{}, ""},
		{`{"min":true}`, concierge.Range{}, "min is neither a number nor a string"},
		{`{"minimum":400}`, concierge.Range{}, `unknown field "minimum"`},
		{`[400,800]`, concierge.Range{}, "range:"},
	} {
		var got concierge.Range
		err := json.Unmarshal([]byte(tc.in), &got)
		switch {
		case tc.errHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errHas)):
			t.Errorf("%s: error %v, want one with %q", tc.in, err, tc.errHas)
		case tc.errHas == "" && (err != nil || got != tc.want):
			t.Errorf("%s = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

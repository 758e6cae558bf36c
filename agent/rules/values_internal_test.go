package rules

import (
	"slices"
	"testing"

	"github.com/conciergehq/concierge/agent/catalog"
)

// TestOnlyValues: an answer made only of a variant's values, however it
// spaces a number and its unit ("34 cm" for "34cm"), is the variant's.
func TestOnlyValues(t *testing.T) {
	if got := valueWords("34 cm"); !slices.Equal(got, valueWords("34cm")) {
		t.Errorf("valueWords(34 cm) = %v, valueWords(34cm) = %v: not the same words", got, valueWords("34cm"))
	}
	tests := []struct {
		query string
		said  catalog.Said
		want  bool
	}{
		{"34 cm", catalog.Said{"size": "34cm"}, true},
		{"noir", catalog.Said{"color": "noir"}, true},
		{"noir 41", catalog.Said{"color": "noir", "size": "41"}, true},
		{"casquette rouge", catalog.Said{"color": "rouge"}, false},
		{"", catalog.Said{"color": "rouge"}, false},
	}
	for _, tt := range tests {
		if got := onlyValues(tt.query, tt.said); got != tt.want {
			t.Errorf("onlyValues(%q, %v) = %v, want %v", tt.query, tt.said, got, tt.want)
		}
	}
}

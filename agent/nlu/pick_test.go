package nlu_test

import (
	"testing"

	"github.com/conciergehq/concierge/agent/nlu"
)

// TestBarePickIsAChoice: a message that only picks one of what was shown
// ("the second one", "le moins cher", "第二个") is a choice; words that ask
// to look at it, a question or other words keep it a look.
func TestBarePickIsAChoice(t *testing.T) {
	ix := yard(t)
	tests := []struct {
		text, lang string
		picked     bool
	}{
		{"the second one", "en", true},
		{"ok the first one please", "en", true},
		{"the cheapest one", "en", true},
		{"le moins cher", "fr", true},
		{"la deuxième s'il vous plaît", "fr", true},
		{"第二个", "zh", true},
		{"便宜的那个", "zh", true},
		{"show me the second one", "en", false},
		{"details of the second one", "en", false},
		{"and the second one?", "en", false},
		{"which is the cheaper one?", "en", false},
		{"the second one is too expensive", "en", false},
		{"montrez-moi le moins cher", "fr", false},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, ix, "en")
		if in.Picked != tt.picked {
			t.Errorf("Parse(%q).Picked = %v, want %v (%+v)", tt.text, in.Picked, tt.picked, in)
		}
		if tt.picked && len(in.Ordinals) == 1 && in.Name != nlu.AddToCart {
			t.Errorf("Parse(%q) = %s, want %s", tt.text, in.Name, nlu.AddToCart)
		}
	}
}

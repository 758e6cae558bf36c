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

// TestOnlyOneIsACount: "non, un seul", "sorry, only one" after an add set
// the count of what is in focus to one; "the only one in blue" counts
// nothing.
func TestOnlyOneIsACount(t *testing.T) {
	ix := yard(t)
	tests := []struct {
		text     string
		name     nlu.IntentName
		quantity int
	}{
		{"non, un seul", nlu.ChangeQuantity, 1},
		{"une seule", nlu.ChangeQuantity, 1},
		{"sorry, only one", nlu.ChangeQuantity, 1},
		{"only one please", nlu.ChangeQuantity, 1},
	}
	for _, tt := range tests {
		if in := nlu.Parse(tt.text, ix, "en"); in.Name != tt.name || in.Quantity != tt.quantity {
			t.Errorf("Parse(%q) = %s ×%d, want %s ×%d", tt.text, in.Name, in.Quantity, tt.name, tt.quantity)
		}
	}
	if in := nlu.Parse("the only one in blue", ix, "en"); in.Quantity != 0 {
		t.Errorf("Parse(the only one in blue).Quantity = %d, want 0", in.Quantity)
	}
}

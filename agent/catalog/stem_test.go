package catalog

import "testing"

// A singular and its plural, and the words of one thing in French and
// English, share a stem.
func TestStem(t *testing.T) {
	for _, same := range [][]string{
		{"bougie", "bougies"},
		{"batterie", "batteries", "battery"},
		{"relie", "reliee", "reliees"},
		{"lampe", "lampes"},
		{"verre", "verres"},
		{"cookie", "cookies"},
	} {
		want := stem(same[0])
		for _, w := range same[1:] {
			if got := stem(w); got != want {
				t.Errorf("stem(%q) = %q, want %q as for %q", w, got, want, same[0])
			}
		}
	}
	// Short and non-plural words stay as they are.
	for _, w := range []string{"pie", "glass", "virus", "iris"} {
		if got := stem(w); got != w {
			t.Errorf("stem(%q) = %q, want it unchanged", w, got)
		}
	}
}

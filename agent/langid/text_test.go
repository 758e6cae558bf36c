package langid

import (
	"slices"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	for _, c := range []struct {
		text      string
		words     int
		evidence  string
		han, kana int
	}{
		{"je voudrais le chargeur USB-C 65W", 5, "je voudrais le chargeur", 0, 0},
		{"what's the wattage of the Atelier", 6, "what's the wattage of the", 0, 0},
		{"I'll get the Atelier", 4, "I'll get the", 0, 0},
		{"Bonjour. Je cherche une lampe Aurore", 6, "Bonjour. Je cherche une lampe", 0, 0},
		{"👋 Hello, is the Zenith dimmable?", 5, "Hello, is the dimmable?", 0, 0},
		{"retire la Luciole", 3, "retire la Luciole", 0, 0},
		{"JE CHERCHE UNE LAMPE", 4, "JE CHERCHE UNE LAMPE", 0, 0},
		{"LAMP-02 x2 🙂", 0, "", 0, 0},
		{"what is the price of plan 7?", 6, "what is the price of plan", 0, 0},
		{"我想要USB-C充电器", 1, "USB-C", 6, 0},
		{"how much is the 天顶 lamp?", 5, "how much is the lamp?", 2, 0},
		{"これは何ですか", 2, "これは ですか", 1, 6},
	} {
		m := read(c.text)
		if m.words != c.words || strings.Join(m.evidence, " ") != c.evidence || m.han != c.han || m.kana != c.kana {
			t.Errorf("read(%q) = %d words, evidence %q, %d han, %d kana; want %d, %q, %d, %d",
				c.text, m.words, strings.Join(m.evidence, " "), m.han, m.kana, c.words, c.evidence, c.han, c.kana)
		}
	}
}

func TestTruncate(t *testing.T) {
	s := strings.Repeat("é", 200) // 400 bytes
	got := truncate(s, 255)
	if len(got) != 254 || !slices.Equal([]rune(got), []rune(s)[:127]) {
		t.Errorf("truncate cut %d bytes, %d runes; want 254 bytes, 127 runes", len(got), len([]rune(got)))
	}
	if truncate("short", 255) != "short" {
		t.Error("truncate changed a short string")
	}
}

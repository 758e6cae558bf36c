package catalog

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestFoldTable: Fold's per-rune table gives what normalising the whole
// string gives, for every rune of the table's blocks alone and after a
// letter, for random mixes of them with combining marks and other
// scripts, and for every line of the example shops and utterances.
func TestFoldTable(t *testing.T) {
	check := func(s string) {
		t.Helper()
		want := foldSlow(keepAccentMeaning(s))
		if isASCII(s) {
			want = strings.ToLower(s) // Fold's shortcut, before and after the table
		}
		if got := Fold(s); got != want {
			t.Fatalf("Fold(%q) = %q, want %q", s, got, want)
		}
	}
	var pool []rune
	for _, block := range [][2]rune{{0x20, 0x7F}, {0x80, 0x250}, {0x300, 0x370}, {0x1E00, 0x1F00}, {0x2000, 0x2070}, {0x3000, 0x3040}, {0x4E00, 0x4E40}, {0xAC00, 0xAC10}, {0xF900, 0xF910}, {0xFF00, 0xFFF0}} {
		for r := block[0]; r < block[1]; r++ {
			if utf8.ValidRune(r) {
				pool = append(pool, r)
				check(string(r))
				check("a" + string(r) + "B")
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(8) {
			b.WriteRune(pool[rng.IntN(len(pool))])
		}
		check(b.String())
	}
	var files []string
	for _, glob := range []string{"../../examples/*.yaml", "../../examples/*/*.yaml", "../../../shared/conversations/*.yaml"} {
		m, _ := filepath.Glob(glob)
		files = append(files, m...)
	}
	if len(files) < 10 {
		t.Fatalf("found %d example files, want the shops", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.SplitSeq(string(data), "\n") {
			check(line)
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

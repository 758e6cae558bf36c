package catalog

import (
	"slices"
	"testing"
)

// TestEachCut reads back every cut packCuts wrote: the rest of the word,
// the rest less a plural's "s", and a stem of another shape.
func TestEachCut(t *testing.T) {
	words := []string{"porcelain", "teacups", "lampshades", "bougies", "kalomirave", "chaussures", "écritoire"}
	var packed []byte
	var want [][2]string
	for _, w := range words {
		packed = packCuts(packed, w)
		for c := 3; c <= len(w)-3; c++ {
			want = append(want, [2]string{w[:c], stem(w[c:])})
		}
	}
	var got [][2]string
	eachCut(string(packed), func(a, b string) bool {
		got = append(got, [2]string{a, b})
		return true
	})
	if !slices.Equal(got, want) {
		t.Fatalf("cuts = %q, want %q", got, want)
	}
}

package catalog

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// linearClosest is the scan the trie replaced: every word of the lengths
// within reach, by length, each length in order. The trie must give the
// same word for every query.
func linearClosest(w string, words []vocabWord) (vocabWord, bool) {
	rs := []rune(w)
	limit := maxEdits(len(rs))
	if limit == 0 || !isWord(w) {
		return vocabWord{}, false
	}
	byLen := map[int][]vocabWord{}
	for _, c := range words {
		byLen[len(c.runes)] = append(byLen[len(c.runes)], c)
	}
	var best vocabWord
	bestD, found := limit+1, false
	for n := len(rs) - limit; n <= len(rs)+limit; n++ {
		for _, c := range byLen[n] {
			d := osa(rs, c.runes, bestD)
			if d > limit {
				continue
			}
			better := !found || d < bestD ||
				d == bestD && (c.from < best.from || c.from == best.from && abs(len(c.runes)-len(rs)) < abs(len(best.runes)-len(rs)))
			if better {
				best, bestD, found = c, d, true
			}
		}
	}
	return best, found
}

func TestClosestMatchesLinearScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	letters := []rune("abcdeéz")
	word := func(n int) string {
		rs := make([]rune, n)
		for i := range rs {
			rs[i] = letters[rng.IntN(len(letters))]
		}
		return string(rs)
	}
	hits, fromCatalogHits := 0, 0
	for round := range 40 {
		// A few fixed words (lexicon, then stop words) and many catalog
		// words, with lengths around the typo limits (4 and 8 runes).
		var all []vocabWord
		fixed := map[string]bool{}
		for i := range 60 {
			w := word(3 + rng.IntN(8))
			if fixed[w] {
				continue
			}
			fixed[w] = true
			from := fromLexicon
			if i >= 40 {
				from = fromStop
			}
			all = append(all, vocabWord{word: w, runes: []rune(w), from: from})
		}
		var catalogWords []string
		for range 300 + round*20 {
			w := word(3 + rng.IntN(9))
			if !fixed[w] && !slices.Contains(catalogWords, w) {
				catalogWords = append(catalogWords, w)
			}
		}
		slices.Sort(catalogWords)
		v := newVocabulary(catalogWords)
		for _, c := range all {
			v.fixed[len(c.runes)] = append(v.fixed[len(c.runes)], c)
		}
		for _, w := range catalogWords {
			all = append(all, vocabWord{word: w, runes: []rune(w), from: fromCatalog})
		}
		// Lexicon words before stop words within a length, as buildVocab
		// adds them; catalog words sorted by length then alphabetically.
		slices.SortStableFunc(all, func(a, b vocabWord) int { return int(a.from) - int(b.from) })
		ix := &Index{}
		for range 200 {
			q := word(3 + rng.IntN(9))
			got, gotOK := ix.closest(q, v)
			want, wantOK := linearClosest(q, all)
			if got.word != want.word || got.from != want.from || gotOK != wantOK {
				t.Fatalf("round %d: closest(%q) = %q (%v, %v), linear scan %q (%v, %v)",
					round, q, got.word, got.from, gotOK, want.word, want.from, wantOK)
			}
			if gotOK {
				hits++
				if got.from == fromCatalog {
					fromCatalogHits++
				}
			}
		}
	}
	// The comparison means something only if many queries find a word,
	// of both kinds.
	if hits < 1000 || fromCatalogHits < 500 || hits-fromCatalogHits < 50 {
		t.Fatalf("only %d corrections (%d catalog words): make the test's words closer", hits, fromCatalogHits)
	}
}

package catalog

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// vocabulary is the set of words a misspelling may be corrected to. The
// lexicon's words and the stop words are a fixed list of a few hundred,
// scanned whole; the catalog's words grow with the catalog (every product
// of a large shop brings its own name), so they are kept sorted and walked
// as a trie: a lookup visits only the prefixes within the typo tolerance
// of the word, not every word of the catalog.
type vocabulary struct {
	// fixed holds the lexicon and stop words by length in runes, in the
	// order a tie prefers them (lexicon words first).
	fixed map[int][]vocabWord
	// words are the catalog's words, sorted and unique.
	words []string
}

// newVocabulary returns a vocabulary of catalog words, which must be
// sorted and unique.
func newVocabulary(words []string) *vocabulary {
	return &vocabulary{fixed: map[int][]vocabWord{}, words: words}
}

// closest returns the word of vocab nearest to w within maxEdits. Ties go
// to shopping words before stop words, then to a word of the same length
// (a swap or a wrong letter is the likelier slip), then to the earliest
// (lexicon and stop words in their list's order, catalog words shorter
// first, then alphabetically).
func (ix *Index) closest(w string, vocab *vocabulary) (vocabWord, bool) {
	rs := []rune(w)
	limit := maxEdits(len(rs))
	if limit == 0 || !isWord(w) || vocab == nil {
		return vocabWord{}, false
	}
	var best vocabWord
	bestD, found := limit+1, false
	better := func(c vocabWord, d int) bool {
		switch {
		case !found || d < bestD:
			return true
		case d > bestD:
			return false
		case c.from != best.from:
			return c.from < best.from
		}
		return abs(len(c.runes)-len(rs)) < abs(len(best.runes)-len(rs))
	}
	for n := len(rs) - limit; n <= len(rs)+limit; n++ {
		for _, c := range vocab.fixed[n] {
			if d := osa(rs, c.runes, bestD); d <= limit && better(c, d) {
				best, bestD, found = c, d, true
			}
		}
	}
	// Catalog words and fixed words never tie on (distance, source), so
	// the best catalog word is compared with the best fixed one alone.
	if c, d, ok := vocab.nearest(rs, limit); ok && better(c, d) {
		best, found = c, true
	}
	return best, found
}

// nearest returns the catalog word nearest to q within limit edits (the
// optimal string alignment distance of osa), preferring, at the same
// distance, a length closer to q's, then the shorter, then the first
// alphabetically: the order in which a scan of the words by length, each
// length sorted, would keep them.
func (v *vocabulary) nearest(q []rune, limit int) (vocabWord, int, bool) {
	if len(v.words) == 0 {
		return vocabWord{}, 0, false
	}
	m := len(q)
	w := &trieWalk{v: v, q: q, bound: limit, cols: m + 1}
	depths := m + limit + 2
	w.rows = make([]int, depths*w.cols)
	for i := 0; i <= m; i++ {
		w.rows[i] = i
	}
	w.walk(0, len(v.words), 0, 0, 0)
	if !w.found {
		return vocabWord{}, 0, false
	}
	return vocabWord{word: w.best, runes: []rune(w.best), from: fromCatalog}, w.bestD, true
}

// trieWalk is one nearest lookup: a depth-first walk of the sorted words
// as a trie of their runes, carrying one row of the edit distance table
// per depth and leaving a branch as soon as every cell of its row exceeds
// the best distance found (no longer word can come closer: see osa).
type trieWalk struct {
	v     *vocabulary
	q     []rune
	cols  int
	rows  []int // row of depth k at rows[k*cols:]
	bound int

	found        bool
	best         string
	bestD, bestN int
}

// row returns the distance row of depth k.
func (w *trieWalk) row(k int) []int { return w.rows[k*w.cols : (k+1)*w.cols] }

// walk visits the words in [lo, hi), which share their first b bytes
// (depth runes, the last one last), whose row is row(depth).
func (w *trieWalk) walk(lo, hi, b, depth int, last rune) {
	words := w.v.words
	m := len(w.q)
	i := lo
	if len(words[i]) == b {
		// The prefix itself is a word.
		w.consider(words[i], depth, w.row(depth)[m])
		i++
	}
	if (depth+1)*w.cols >= len(w.rows) {
		return // deeper words are more than the limit longer than q
	}
	prev := w.row(depth)
	cur := w.row(depth + 1)
	var prev2 []int
	if depth > 0 {
		prev2 = w.row(depth - 1)
	}
	for i < hi {
		r, size := utf8.DecodeRuneInString(words[i][b:])
		prefix := words[i][:b+size]
		j := i + sort.Search(hi-i, func(k int) bool { return !strings.HasPrefix(words[i+k], prefix) })
		cur[0] = depth + 1
		rowMin := cur[0]
		for c := 1; c <= m; c++ {
			cost := 1
			if w.q[c-1] == r {
				cost = 0
			}
			d := min(prev[c]+1, cur[c-1]+1, prev[c-1]+cost)
			if depth > 0 && c > 1 && w.q[c-1] == last && w.q[c-2] == r {
				d = min(d, prev2[c-2]+1)
			}
			cur[c] = d
			rowMin = min(rowMin, d)
		}
		if rowMin <= w.bound {
			w.walk(i, j, b+size, depth+1, r)
		}
		i = j
	}
}

// consider keeps word, of n runes at distance d, if it is better than the
// best so far; words come in alphabetical order, so an equal one stays.
func (w *trieWalk) consider(word string, n, d int) {
	if d > w.bound {
		return
	}
	m := len(w.q)
	switch {
	case !w.found, d < w.bestD:
	case d > w.bestD:
		return
	case abs(n-m) < abs(w.bestN-m):
	case abs(n-m) == abs(w.bestN-m) && n < w.bestN:
	default:
		return
	}
	w.found, w.best, w.bestD, w.bestN = true, word, d, n
	w.bound = d
}

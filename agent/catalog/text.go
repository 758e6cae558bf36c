package catalog

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold returns s lower-cased with accents and compatibility forms removed
// (NFKD, then combining marks dropped): "Zénith" → "zenith", "ＬＥＤ" → "led",
// "’" → "'". The index compares words in this form, and the NLU folds its
// cue words the same way so that both see the same text.
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	s = keepAccentMeaning(s)
	// Most text is Latin letters, Chinese characters and common
	// punctuation, each folded on its own: a table does it without
	// normalising the whole string. Any other rune (a combining mark, a
	// script the table leaves out) folds the whole string the long way,
	// so the result is always foldSlow's.
	t := foldRunes()
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '`': // as foldSlow writes it
			b.WriteByte('\'')
		case r < utf8.RuneSelf:
			b.WriteByte(byte(unicode.ToLower(r)))
		case r >= 0x4E00 && r <= 0x9FFF: // CJK ideographs fold to themselves
			b.WriteRune(r)
		default:
			f, ok := t[r]
			if !ok {
				return foldSlow(s)
			}
			b.WriteString(f)
		}
	}
	return b.String()
}

// foldRunes maps the runes of the Latin, general punctuation, CJK
// punctuation and full-width blocks to their folded form. Only runes that
// decompose to a sequence starting with a starter (canonical combining
// class 0) are kept: normalising a string of them is then normalising
// each alone, so Fold's table gives what foldSlow gives.
var foldRunes = sync.OnceValue(func() map[rune]string {
	t := map[rune]string{}
	for _, block := range [][2]rune{{0x80, 0x250}, {0x1E00, 0x1F00}, {0x2000, 0x2070}, {0x3000, 0x3040}, {0xFF00, 0xFFF0}} {
		for r := block[0]; r < block[1]; r++ {
			s := string(r)
			if !utf8.ValidString(s) || unicode.Is(unicode.Mn, r) {
				continue
			}
			d := norm.NFKD.String(s)
			if d == "" || norm.NFKD.PropertiesString(d).CCC() != 0 || norm.NFKD.PropertiesString(s).CCC() != 0 {
				continue
			}
			t[r] = foldSlow(s)
		}
	}
	return t
})

// foldSlow is Fold by normalising s whole (NFKD, then combining marks
// dropped), after keepAccentMeaning.
func foldSlow(s string) string {
	d := norm.NFKD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'œ' || r == 'Œ':
			b.WriteString("oe")
		case r == 'æ' || r == 'Æ':
			b.WriteString("ae")
		case r == 'ß':
			b.WriteString("ss")
		case r == '’' || r == '‘' || r == 'ʼ' || r == '´' || r == '`':
			b.WriteByte('\'')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// accentCollisions are the words whose accent is all that tells them from
// a stop word once folded: "thé" (tea) would become "the". They are
// replaced by a word of the same meaning before folding, so that a tea
// shop's "thé vert" keeps its tea.
// "dé" is a thimble ("dé à coudre") or a die, "dés" dice: folded they
// would be "de" and "des".
var accentCollisions = map[string]string{"thé": "tea", "thés": "teas", "dé": "die", "dés": "dice"}

// keepAccentMeaning replaces the accentCollisions words of s, whole words
// only ("théière" stays).
func keepAccentMeaning(s string) string {
	lower := strings.ToLower(s)
	if !strings.Contains(lower, "thé") && !strings.Contains(lower, "dé") {
		return s
	}
	var b strings.Builder
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := s[start:end]
		if r, ok := accentCollisions[strings.ToLower(w)]; ok {
			w = r
		}
		b.WriteString(w)
		start = -1
	}
	for i, r := range s {
		if unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
		b.WriteRune(r)
	}
	flush(len(s))
	return b.String()
}

// IsHan reports whether r is a Chinese character. Chinese is written
// without spaces, so Han runs are segmented differently from words.
func IsHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// token is a run of folded text: a word of letters and digits, or a run of
// Han characters. Everything else separates tokens.
type token struct {
	text string
	han  bool
	// elided is set on a word an apostrophe ends ("d'", "l'"): a
	// French article, never the letter of a name ("vitamine D").
	elided bool
	// code is set on letters glued to the digits after them ("t" of
	// "T14", "x" of "X1"): a model's code, never an article.
	code bool
}

// tokenize splits folded text into words and Han runs. A word is cut
// where letters meet digits ("65w" is "65" and "w", "10000mah" is "10000"
// and "mah", "iphone15" is "iphone" and "15"), so that a size typed glued
// or apart is the same; codes are joined back where they are looked up
// (joinedSKU).
func tokenize(folded string) []token {
	var out []token
	start, han, digit := -1, false, false
	flush := func(end int) {
		if start >= 0 {
			out = append(out, token{text: folded[start:end], han: han})
			start = -1
		}
	}
	for i, r := range folded {
		switch {
		case IsHan(r):
			if start >= 0 && !han {
				flush(i)
			}
			if start < 0 {
				start, han = i, true
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			d := unicode.IsDigit(r)
			if start >= 0 && (han || d != digit) {
				code := !han && !digit && d
				flush(i)
				out[len(out)-1].code = code
			}
			if start < 0 {
				start, han, digit = i, false, d
				if d && minusBefore(folded, i) {
					start-- // "-5 °C": the sign is the name's
				}
			}
		case (r == '.' || r == ',') && start >= 0 && !han && digit && i+1 < len(folded) && folded[i+1] >= '0' && folded[i+1] <= '9':
			// "2.5", "2,5": one number, a reed's strength, not a 2 and a 5
			// that would find "box of 5".
		case r == '/' && start >= 0 && !han && digit && i+1 < len(folded) && folded[i+1] >= '0' && folded[i+1] <= '9':
			// "3/4", "1/2": one size, as the parser reads it; "3/4"
			// must not find "4/4".
		default:
			if r == '\'' && start >= 0 && !han {
				flush(i)
				out[len(out)-1].elided = true
				continue
			}
			flush(i)
		}
	}
	flush(len(folded))
	return out
}

// minusBefore reports a minus sign right before position i that starts a
// word ("sac de couchage -5"), not a hyphen inside one ("LAMP-02", "2-4").
func minusBefore(s string, i int) bool {
	if i == 0 || s[i-1] != '-' {
		return false
	}
	return i == 1 || s[i-2] == ' '
}

// joinedSKU returns the product whose SKU is spelt by the Latin tokens
// from i on ("lamp" "02", "cbl" "cc" "1"), and how many tokens it takes.
func (ix *Index) joinedSKU(toks []token, i int) (doc, n int, ok bool) {
	joined := ""
	for k := i; k < len(toks) && k < i+4 && !toks[k].han; k++ {
		joined += toks[k].text
		if d, found := ix.skus[joined]; found {
			doc, n, ok = d, k-i+1, true
		}
	}
	return doc, n, ok
}

// stem removes the plural of a French or English word, which is all the
// morphology shoppers' queries need: "lampes" → "lampe", "bulbs" → "bulb",
// "cadeaux" → "cadeau", "batteries" → "battery". Documents and queries go
// through the same function, so an imperfect stem still matches itself.
func stem(w string) string {
	if r, ok := irregularPlurals[w]; ok {
		return r
	}
	n := len(w)
	if n <= 3 || !isWord(w) {
		return w
	}
	switch {
	case strings.HasSuffix(w, "eaux"):
		return w[:n-1]
	case strings.HasSuffix(w, "ees") && n > 5:
		return stem(w[:n-2]) // "reliées" is "relié"
	case strings.HasSuffix(w, "ee") && n > 4:
		return stem(w[:n-1])
	case strings.HasSuffix(w, "ies") && n > 4:
		return w[:n-3] + "y"
	case strings.HasSuffix(w, "ie") && n > 4:
		// French "-ie" meets its plural "-ies" and English "-y":
		// "bougie" and "bougies", "batterie" and "battery".
		return w[:n-2] + "y"
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
		return w
	case strings.HasSuffix(w, "s"):
		return w[:n-1]
	}
	return w
}

// irregularPlurals are the English plurals no suffix rule undoes: "two
// plush mice", "knives".
var irregularPlurals = map[string]string{
	"mice": "mouse", "geese": "goose", "teeth": "tooth", "feet": "foot", "knives": "knife", "wives": "wife",
	"leaves": "leaf", "shelves": "shelf", "loaves": "loaf", "halves": "half", "wolves": "wolf", "children": "child",
	"men": "man", "women": "woman", "people": "person", "dice": "die",
}

// isWord reports whether w is made of letters only.
func isWord(w string) bool {
	for _, r := range w {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return w != ""
}

// hasDigit reports whether w contains a digit.
func hasDigit(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] >= '0' && w[i] <= '9' {
			return true
		}
	}
	return false
}

// compact keeps only the letters and digits of folded s, so that "LAMP-02",
// "lamp 02" and "lamp02" compare equal.
func compact(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// osa returns the optimal string alignment distance between a and b
// (insertions, deletions, substitutions and transpositions of neighbours,
// so "deks" is one edit from "desk"), or max+1 as soon as it exceeds max.
func osa(a, b []rune, max int) int {
	la, lb := len(a), len(b)
	if d := la - lb; d > max || -d > max {
		return max + 1
	}
	// Three rows are enough for transpositions; words are short, so the
	// rows live on the stack.
	var buf [3][32]int
	var prev2, prev, cur []int
	if lb < len(buf[0]) {
		prev2, prev, cur = buf[0][:lb+1], buf[1][:lb+1], buf[2][:lb+1]
	} else {
		prev2, prev, cur = make([]int, lb+1), make([]int, lb+1), make([]int, lb+1)
	}
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= la; i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= lb; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[lb]
}

// maxEdits is the typo tolerance for a word of n letters: none below four
// letters (too many short words are one edit apart), one from four, two
// from eight.
func maxEdits(n int) int {
	switch {
	case n >= 8:
		return 2
	case n >= 4:
		return 1
	}
	return 0
}

// joinedPairs returns the stems of neighbouring words of a name written
// as one ("tea cups" → "teacup", "ear buds" → "earbud"), so that a shopper
// who joins them finds the product. Queries join their neighbours the same
// way (queryTerms).
func joinedPairs(toks []token) []string {
	var out []string
	for i := 0; i+1 < len(toks); i++ {
		a, b := toks[i], toks[i+1]
		if a.han || b.han || !isWord(a.text) || !isWord(b.text) || len(a.text) < 3 || len(b.text) < 3 {
			continue
		}
		out = append(out, stem(a.text+b.text))
	}
	return out
}

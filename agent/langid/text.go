package langid

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// message is what Detect reads of a text.
type message struct {
	// words is how many whitespace-separated words with letters and no
	// digit the text has, Han characters aside.
	words int
	// evidence is what lingua reads: the words less names and acronyms
	// (see read).
	evidence []string
	han      int
	kana     int
}

// minEvidence is the fewest words that must remain once names and
// acronyms are left out; with fewer, read keeps them, since they are then
// all the evidence there is.
const minEvidence = 3

// read reads at most maxBytes of text. Han characters are counted and
// replaced by spaces, since Chinese is decided by script and the rest is
// left to lingua. A word with a digit is a code, a size or a price
// ("LAMP-02", "65W", "7"): it is not a word. Names and acronyms are words
// but not evidence of the language, since shops sell French-named lamps
// to English speakers and English-named chargers to French ones: a word
// with a capital ("Zénith", "l'Aurore", "iPhone"), unless it starts a
// sentence, and a word in capitals ("USB-C"), wherever it is, are left
// out of what lingua reads, unless that leaves fewer than minEvidence
// words. English "I" and its contractions are kept.
func read(text string) message {
	text = truncate(text, maxBytes)
	var m message
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			m.han++
			b.WriteByte(' ')
			continue
		case unicode.In(r, unicode.Hiragana, unicode.Katakana):
			m.kana++
		}
		b.WriteRune(r)
	}
	var all, plain []string
	start := true // whether the next word starts a sentence
	for _, f := range strings.Fields(b.String()) {
		w := classify(f)
		if w.letter && !w.digit {
			all = append(all, f)
			if !w.upper || (start && w.lower) || isI(f) {
				plain = append(plain, f)
			}
		}
		if w.letter || w.digit {
			start = strings.ContainsAny(f[len(f)-1:], ".!?")
		} else {
			start = start || strings.ContainsAny(f, ".!?")
		}
	}
	m.words = len(all)
	m.evidence = plain
	if len(plain) < minEvidence {
		m.evidence = all
	}
	return m
}

// isI reports whether f is the English pronoun "I", alone or contracted
// ("I'll", "I’m"), which is written with a capital mid-sentence.
func isI(f string) bool {
	if f == "I" {
		return true
	}
	return strings.HasPrefix(f, "I'") || strings.HasPrefix(f, "I’")
}

// word says what kinds of characters a word has.
type word struct {
	letter, digit, upper, lower bool
}

func classify(f string) word {
	var w word
	for _, r := range f {
		switch {
		case unicode.IsLetter(r):
			w.letter = true
			w.upper = w.upper || unicode.IsUpper(r)
			w.lower = w.lower || unicode.IsLower(r)
		case unicode.IsDigit(r):
			w.digit = true
		}
	}
	return w
}

// truncate returns the longest prefix of s of at most n bytes that ends
// on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

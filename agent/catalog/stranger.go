package catalog

// minStranger is the shortest unknown word that can name a kind before a
// word the catalog knows: shorter ones are mostly chat or a clipped part
// of a name ("tir" of "tire-bouchon").
const minStranger = 4

// knowing is what the catalog makes of one word of a message.
type knowing uint8

const (
	notAWord    knowing = iota // a stop word, a number, Han text
	knownWord                  // a word of names, tags or the lexicon
	typoWord                   // known only by correcting a misspelling
	strangeWord                // not known at all
)

// know says what the catalog makes of the folded word w.
func (ix *Index) know(w string) (knowing, int) {
	if !isWord(w) || sizeWords[Fold(w)] {
		return notAWord, 0 // "taille king": a value's label, not a kind of thing
	}
	raw := ix.lx.analyze(Fold(w))
	if len(raw) != 1 {
		return notAWord, 0
	}
	t := raw[0]
	switch {
	case t.kind == conceptTerm, len(ix.postings.get(t.key)) > 0:
		return knownWord, len(t.word)
	case t.kind != literal:
		return notAWord, 0
	}
	fixed, ok := ix.correct(t)
	switch {
	case ok && len(fixed) == 0:
		return notAWord, 0 // a misspelt stop word ("teh")
	case ok:
		return typoWord, len(t.word)
	}
	return strangeWord, len(t.word)
}

// Stranger reports whether a and b, two neighbouring words of a request
// (a then b, nothing between them), put a word the catalog does not know
// where it decides what was asked:
//   - right before a known word, as English puts what a thing is for or
//     made of: "espresso machine" where the only machine sold makes soy
//     milk, "gaming mouse" where no mouse is for gaming;
//   - beside a word known only by correcting a typo: "fountain pen" is no
//     "mountain" brush rest, the pen says the correction went astray.
//
// A product found by its known neighbour alone is then not what was
// asked: the caller shows what it found and lets the customer pick.
//
// prev is the word before a, "" when none: "iron" is known in "cast iron
// teapot", where the lexicon reads "cast iron" as one material.
func (ix *Index) Stranger(prev, a, b string) bool {
	if ix.phrase(a, b) {
		return false
	}
	ka, na := ix.know(a)
	if prev != "" && ix.phrase(prev, a) {
		ka = knownWord
	}
	kb, _ := ix.know(b)
	switch {
	case ka == strangeWord && na >= minStranger && kb == knownWord:
		return true
	case ka == strangeWord && kb == typoWord, ka == typoWord && kb == strangeWord:
		return true
	}
	return false
}

// phrase reports whether the lexicon reads a and b together as one
// concept ("cast iron", "light bulb").
func (ix *Index) phrase(a, b string) bool {
	raw := ix.lx.analyze(Fold(a + " " + b))
	return len(raw) > 0 && raw[0].kind == conceptTerm && raw[0].pos == 0 && (len(raw) == 1 || raw[1].pos == 0)
}

package catalog

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// termKind says where a term comes from.
type termKind uint8

const (
	literal     termKind = iota // a Latin stem or a number
	conceptTerm                 // a lexicon concept, keyed "@id"
	hanGram                     // a Han bigram (or a lone character)
)

// term is what a piece of text means to the index.
type term struct {
	key  string
	kind termKind
	// pos orders terms by where they were said.
	pos int
	// typo is set when the term was found by correcting a misspelling.
	typo bool
	// word is the folded word a literal came from.
	word string
}

// conceptKey is the posting key of a concept.
func conceptKey(id string) string { return "@" + id }

// analyze turns folded text into terms: lexicon phrases become concepts,
// stop words disappear, other Latin words become stems, and Han runs are
// segmented by the lexicon's Han words with the rest cut into bigrams.
func (lx *lexicon) analyze(folded string) []term {
	return lx.analyzeTokens(tokenize(folded))
}

// analyzeTokens is analyze of text already tokenized, for the build,
// which reads a name's tokens for other purposes too.
func (lx *lexicon) analyzeTokens(toks []token) []term {
	terms := make([]term, 0, len(toks)+2)
	stems := make([]string, len(toks))
	for i, t := range toks {
		if !t.han {
			stems[i] = stem(t.text)
		}
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.han {
			terms = lx.segment(t.text, i, terms)
			continue
		}
		if n, cs := lx.matchPhrase(stems, toks, i); n > 0 {
			for _, c := range cs {
				terms = append(terms, term{key: conceptKey(c), kind: conceptTerm, pos: i})
			}
			i += n - 1
			continue
		}
		if c, ok := sizeLetters[t.text]; ok && i+1 < len(toks) && toks[i+1].han && strings.HasPrefix(toks[i+1].text, "号") ||
			ok && i+1 < len(toks) && toks[i+1].han && strings.HasPrefix(toks[i+1].text, "码") {
			// "L号", "M码": a size written the Chinese way.
			terms = append(terms, term{key: conceptKey(c), kind: conceptTerm, pos: i})
			continue
		}
		if lx.isStop(t.text, stems[i]) && !lx.nameLetter(toks, i) && !(t.code && len(t.text) == 1) {
			continue
		}
		key := stems[i]
		if strings.IndexByte(key, ',') > 0 {
			key = strings.ReplaceAll(key, ",", ".") // "2,5" is "2.5"
		}
		if v, ok := countWords[t.text]; ok && v >= 2 {
			// "six" and "6" are the same number in a name and a message.
			key = strconv.Itoa(v)
		}
		terms = append(terms, term{key: key, kind: literal, pos: i, word: t.text})
	}
	return terms
}

// matchPhrase returns the number of tokens and the concepts of the longest
// lexicon phrase starting at token i, or 0. Stop words between the words of
// a phrase are skipped.
func (lx *lexicon) matchPhrase(stems []string, toks []token, i int) (int, []string) {
next:
	for _, p := range lx.phrases[stems[i]] {
		j := i + 1
		for _, s := range p.stems[1:] {
			for j < len(toks) && !toks[j].han && stems[j] != s && lx.isStop(toks[j].text, stems[j]) {
				j++
			}
			if j >= len(toks) || toks[j].han || stems[j] != s {
				continue next
			}
			j++
		}
		return j - i, p.concepts
	}
	return 0, nil
}

// segment cuts a Han run by forward maximum matching against the lexicon's
// Han words; known words become concepts (or vanish when they are stop
// words), and each stretch of unknown characters becomes bigrams, or a
// single character when it stands alone.
func (lx *lexicon) segment(run string, pos int, terms []term) []term {
	rs := []rune(run)
	unknown := -1 // start of the current stretch of unknown characters
	flush := func(end int) {
		if unknown < 0 {
			return
		}
		terms = appendGrams(terms, rs[unknown:end], pos)
		unknown = -1
	}
	for i := 0; i < len(rs); {
		if v, n := hanCount(rs[i:]); n > 0 {
			// "两米", "七册": a count before a measure word is the number
			// a name writes in digits ("2米", "7 tomes").
			flush(i)
			terms = append(terms, term{key: strconv.Itoa(v), kind: literal, pos: pos})
			i += n
			continue
		}
		n, cs, ok := lx.longestHan(rs[i:])
		if ok && n == 1 && len(cs) == 0 && unknown >= 0 && hanWordEnds[rs[i]] {
			// "备用" (spare), "专用", "家用": after characters the
			// lexicon does not know, "用" ends a word of the catalog;
			// alone it is "use" ("用来").
			ok = false
		}
		if ok && n == 1 && i+1 < len(rs) && lx.boundAttribute(cs, rs[i+1]) {
			// "黑胶" (vinyl), "钢笔" (a fountain pen): one character of a
			// colour or material at the start of another word is not
			// the product's colour or material, as "黑色", "黑的",
			// "木质", "钢制" are.
			ok = false
		}
		if !ok {
			if unknown < 0 {
				unknown = i
			}
			i++
			continue
		}
		if len(cs) == 0 && unknown >= 0 && i-unknown >= 2 && rs[i] == '款' {
			// "冰箱收纳盒长款": "款" (a style, a stop word) ends the
			// stretch; the character before it is the style's value
			// (长, 短, 男, 女), a word of its own, as it is in the name
			// "冰箱收纳盒 长款", where it stands alone.
			flush(i)
			terms = append(terms, term{key: string(rs[i-1]), kind: hanGram, pos: pos})
		}
		flush(i)
		for _, c := range cs {
			terms = append(terms, term{key: conceptKey(c), kind: conceptTerm, pos: pos})
		}
		i += n
	}
	flush(len(rs))
	return terms
}

// longestHan returns the length of the longest lexicon Han word at the
// start of rs, with its concepts.
func (lx *lexicon) longestHan(rs []rune) (int, []string, bool) {
	for n := min(lx.hanMax, len(rs)); n >= 1; n-- {
		if cs, ok := lx.han[string(rs[:n])]; ok {
			return n, cs, true
		}
	}
	return 0, nil, false
}

// appendGrams appends the bigrams of rs, or rs itself when it is one
// character.
func appendGrams(terms []term, rs []rune, pos int) []term {
	if len(rs) == 1 {
		return append(terms, term{key: string(rs), kind: hanGram, pos: pos})
	}
	for i := 0; i+1 < len(rs); i++ {
		terms = append(terms, term{key: string(rs[i : i+2]), kind: hanGram, pos: pos})
	}
	return terms
}

// hanLeftovers returns the stretches of a Han run that the lexicon does not
// know: in a product name, what is left is usually its proper name
// ("欧若拉" in "欧若拉床头灯").
func (lx *lexicon) hanLeftovers(run string) []string {
	rs := []rune(run)
	var out []string
	unknown := -1
	for i := 0; i < len(rs); {
		n, _, ok := lx.longestHan(rs[i:])
		if !ok {
			if unknown < 0 {
				unknown = i
			}
			i++
			continue
		}
		if unknown >= 0 {
			out = append(out, string(rs[unknown:i]))
			unknown = -1
		}
		i += n
	}
	if unknown >= 0 {
		out = append(out, string(rs[unknown:]))
	}
	return out
}

// runeLen is the number of runes in s.
func runeLen(s string) int { return utf8.RuneCountInString(s) }

// sizeLetters are the clothing sizes written as letters, by concept.
var sizeLetters = map[string]string{"xs": "sizexs", "s": "sizes", "m": "sizem", "l": "sizel", "xl": "sizexl"}

// SizeLetter reports whether a folded word is a size written as letters
// ("xs", "m", "xl").
func SizeLetter(w string) bool {
	_, ok := sizeLetters[w]
	return ok
}

// measureWords are the Chinese measure words and units a count stands
// before.
var measureWords = map[rune]bool{
	'米': true, '厘': true, '毫': true, '克': true, '升': true, '个': true, '件': true, '条': true, '双': true,
	'本': true, '瓶': true, '盒': true, '包': true, '套': true, '只': true, '台': true, '支': true, '片': true,
	'罐': true, '袋': true, '杯': true, '号': true, '册': true, '寸': true, '对': true, '副': true, '斤': true,
	'公': true, '瓦': true, '度': true,
}

// hanCount reads Chinese numerals at the start of rs that stand before a
// measure word ("两米", "二十五毫升"), and returns their value and length,
// or 0 runes when there is none.
func hanCount(rs []rune) (int, int) {
	total, cur, n := 0, 0, 0
	for n < len(rs) {
		v, ok := hanNumerals[rs[n]]
		if !ok {
			break
		}
		if v == 10 {
			total += max(cur, 1) * 10
			cur = 0
		} else {
			cur = cur*10 + v
		}
		n++
	}
	if n == 0 || n >= len(rs) || !measureWords[rs[n]] {
		return 0, 0
	}
	return total + cur, n
}

// attributeSuffixes are the characters after a one-character colour or
// material that keep it one: "黑色", "黑的", "木质", "钢制", "铝合金".
var attributeSuffixes = map[rune]bool{'色': true, '的': true, '质': true, '制': true, '合': true, '款': true}

// boundAttribute reports whether concepts cs, of a one-character word
// followed by the character next, are attributes that next binds into
// another word.
func (lx *lexicon) boundAttribute(cs []string, next rune) bool {
	if len(cs) == 0 || attributeSuffixes[next] || !IsHan(next) {
		return false
	}
	for _, c := range cs {
		if lx.kinds[c] != attribute {
			return false
		}
	}
	return true
}

// hanWordEnds are the one-character stop words that also end many
// two-character words: "用" of "备用", "专用", "家用".
var hanWordEnds = map[rune]bool{'用': true}

// EndsHanWord reports whether the one-character stop word s may end a
// catalog word after another character (hanWordEnds): the parser keeps it
// in a query where a name writes the two together, as the index does.
func EndsHanWord(s string) bool {
	r := []rune(s)
	return len(r) == 1 && hanWordEnds[r[0]]
}

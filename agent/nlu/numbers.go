package nlu

import (
	"strconv"
	"strings"
)

// numberWords are the cardinal numbers of French and English. "un", "une",
// "a", "an" and "one" are left out: they are articles far more often than
// quantities, and quantity.go reads them in context.
var numberWords = map[string]int{
	"zero": 0, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9,
	"dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
	"vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "cent": 100,
	"cents": 100, "mille": 1000,
	"two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
	"eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
	"seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
	"sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
	"dozen": 12,
}

// "une douzaine" is "about twelve" in French: vague (vagueWords), where
// "a dozen" is twelve. "a couple" is vague too (vagueWords), and "pair", "paire" count pairs of
// something: "une paire de bottes" is one pair (countNouns).

// hanDigits are the Chinese numerals.
var hanDigits = map[string]int{
	"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
	"十": 10, "百": 100, "千": 1000, "万": 10000, "亿": 100000000,
	// "俩", "仨": two, three, with their counter in them ("来俩").
	"俩": 2, "仨": 3,
}

// number is a number read in a message: tokens [start, end).
type number struct {
	value      float64
	start, end int
	words      bool // spelt out rather than in digits
}

// numberAt reads a number starting at token i: digits ("49,90"), French or
// English words ("vingt-cinq", "twenty five", "quatre-vingt-dix") or
// Chinese numerals ("五十", "两", "一百五十").
func numberAt(toks []tok, i int) (number, bool) {
	t := toks[i]
	switch t.kind {
	case tNumber:
		v, err := strconv.ParseFloat(strings.ReplaceAll(t.norm, ",", "."), 64)
		if err != nil {
			return number{}, false
		}
		return number{value: v, start: i, end: i + 1}, true
	case tHan:
		if toks[i].norm == "一" && i+1 < len(toks) && notCountAfterOne[toks[i+1].norm] {
			return number{}, false // "比较一下", "一起", "一共": words, not one of something
		}
		return hanNumberAt(toks, i)
	case tWord:
		return wordNumberAt(toks, i)
	}
	return number{}, false
}

// wordNumberAt reads spelt-out French or English numbers, adding tens and
// units and multiplying by hundreds: "quatre vingt" is 80.
func wordNumberAt(toks []tok, i int) (number, bool) {
	total, cur, j := 0, 0, i
	for ; j < len(toks) && toks[j].kind == tWord; j++ {
		w := toks[j].norm
		v, ok := numberWords[w]
		if !ok {
			if (w == "et" || w == "and") && j > i && j+1 < len(toks) {
				if _, next := numberWords[toks[j+1].norm]; next {
					continue
				}
			}
			break
		}
		switch {
		case v == 100:
			cur = max(cur, 1) * 100
		case v == 1000:
			total += max(cur, 1) * 1000
			cur = 0
		case v == 20 && cur == 4 && (w == "vingt" || w == "vingts"):
			cur = 80
		case !follows(cur, v):
			// "two three" is two numbers, not five.
			return number{value: float64(total + cur), start: i, end: j, words: true}, true
		default:
			cur += v
		}
	}
	if j == i {
		return number{}, false
	}
	return number{value: float64(total + cur), start: i, end: j, words: true}, true
}

// follows reports whether a number word of value v continues the number
// read so far (cur): units after tens ("twenty five", "vingt-cinq"), tens
// and units after hundreds, 10–19 after 60 and 80 ("soixante-dix",
// "quatre-vingt-dix").
func follows(cur, v int) bool {
	switch {
	case cur == 0, cur%100 == 0:
		return true
	case cur%10 == 0 && v < 10:
		return true
	case (cur%100 == 60 || cur%100 == 80) && v >= 10 && v < 20:
		return true
	}
	return false
}

// hanNumberAt reads Chinese numerals: "五十" 50, "二十五" 25, "一百五十" 150,
// "两" 2.
func hanNumberAt(toks []tok, i int) (number, bool) {
	total, cur, j := 0, 0, i
	for ; j < len(toks) && toks[j].kind == tHan; j++ {
		v, ok := hanDigits[toks[j].norm]
		if !ok {
			break
		}
		if j > i && approximate(toks[j-1].norm, toks[j].norm) {
			break // "三两个", "两三个": two or three, not 32 (see vagueWords)
		}
		switch {
		case v >= 10:
			total += max(cur, 1) * v
			cur = 0
		default:
			cur = cur*10 + v
		}
	}
	if j == i {
		return number{}, false
	}
	return number{value: float64(total + cur), start: i, end: j, words: true}, true
}

// approximate reports two numerals said together for "about": "一两",
// "两三", "三两", "三四", … "八九".
func approximate(a, b string) bool {
	x, ok := hanDigits[a]
	y, ok2 := hanDigits[b]
	if !ok || !ok2 || x < 1 || x > 9 || y < 1 || y > 9 {
		return false
	}
	return y == x+1 || x == 3 && y == 2
}

// notCountAfterOne are the characters that make 一 part of a word rather
// than a count: 一下 (a little), 一点, 一起, 一样, 一直, 一般, 一共, 一定,
// 一切.
var notCountAfterOne = map[string]bool{"下": true, "点": true, "起": true, "样": true, "直": true, "般": true, "共": true, "定": true, "切": true}

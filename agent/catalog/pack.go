package catalog

import (
	"slices"
	"strconv"
	"strings"

	"github.com/conciergehq/concierge"
)

// packWords name what holds several of a thing in a name: "lot de 10",
// "pack of 6", "box of 50".
var packWords = map[string]bool{
	"lot": true, "pack": true, "box": true, "boite": true, "set": true, "coffret": true, "paquet": true,
	"sachet": true, "carton": true, "case": true, "bag": true, "sac": true, "etui": true,
}

// unitWords name one of the things a pack holds: "10 feuilles", "50
// pieces".
var unitWords = map[string]bool{
	"feuille": true, "feuilles": true, "sheet": true, "sheets": true, "piece": true, "pieces": true,
	"pc": true, "pcs": true, "unit": true, "units": true, "unite": true, "unites": true,
}

// PackSize returns how many things a product's name says it holds ("lot
// de 10", "pack of 10", "10-pack", "x10", "10 feuilles", "10张装") and
// the Chinese measure word of its units ("张"), or 0 when no name says.
// Names that disagree say nothing.
func (ix *Index) PackSize(sku concierge.SKU) (n int, counter string) {
	p := ix.Product(sku)
	if p == nil {
		return 0, ""
	}
	for _, name := range p.Name {
		m, c := packOfName(tokenize(Fold(name)))
		switch {
		case m == 0:
		case n == 0:
			n = m
		case n != m:
			return 0, ""
		}
		if c != "" {
			counter = c
		}
	}
	return n, counter
}

// packOfName reads a pack size from a name's tokens.
func packOfName(toks []token) (int, string) {
	num := func(i int) int {
		if i < 0 || i >= len(toks) {
			return 0
		}
		v, err := strconv.Atoi(toks[i].text)
		if err != nil || v < 2 {
			return 0
		}
		return v
	}
	for i, t := range toks {
		switch {
		case packWords[t.text] || packWords[stem(t.text)]:
			// "lot de 10", "pack of 10", "box 50"
			for j := i + 1; j < len(toks) && j <= i+2; j++ {
				if v := num(j); v > 0 {
					return v, ""
				}
				if toks[j].text != "de" && toks[j].text != "of" {
					break
				}
			}
			if v := num(i - 1); v > 0 {
				return v, "" // "10-pack", "6 pack"
			}
		case unitWords[t.text] && num(i-1) > 0:
			return num(i - 1), "" // "10 feuilles"
		case pairWords[t.text] && num(i-1) == 0 && num(i+1) == 0 && !(i+1 < len(toks) && (toks[i+1].text == "de" || toks[i+1].text == "of") && i+2 < len(toks) && num(i+2) > 0):
			return 2, "" // "Percale pillowcases (pair)", "(la paire)"
		case t.han && (strings.Contains(t.text, "一对") || strings.HasSuffix(t.text, "一双")):
			return 2, ""
		case (t.text == "x" || t.text == "×") && num(i+1) > 0 && i > 0 && !isDigits(toks[i-1].text):
			return num(i + 1), "" // "x10", not "30 x 40"
		case t.han && num(i-1) > 0:
			// "10张装": a measure word, then "装".
			rs := []rune(t.text)
			if len(rs) >= 2 && counters[rs[0]] && rs[1] == '装' {
				return num(i - 1), string(rs[0])
			}
		}
	}
	return 0, ""
}

// CountsUnits reports the pack size of sku when the folded word w counts
// the things its pack holds rather than packs: a word of units
// ("feuilles", "sheets"), the word its name writes after the pack's
// number ("reams" of "box of 5 reams"), or the measure word of its
// "10张装". "2 reams" of a box of 5 reams are not 2 boxes.
func (ix *Index) CountsUnits(sku concierge.SKU, w string) (int, bool) {
	n, counter := ix.PackSize(sku)
	if n < 2 {
		return 0, false
	}
	if w == counter && counter != "" || unitWords[w] {
		return n, true
	}
	if packWords[w] || packWords[stem(w)] {
		return n, false // "2 packs of wagons" counts packs
	}
	p := ix.Product(sku)
	for _, name := range p.Name {
		toks := tokenize(Fold(name))
		for i := 0; i+1 < len(toks); i++ {
			if toks[i].text == strconv.Itoa(n) && !toks[i+1].han && stem(toks[i+1].text) == stem(w) {
				return n, true
			}
		}
		if n == 2 && slices.ContainsFunc(toks, func(t token) bool { return pairWords[t.text] }) &&
			strings.HasSuffix(w, "s") && slices.ContainsFunc(toks, func(t token) bool {
			return !t.han && !pairWords[t.text] && strings.HasSuffix(t.text, "s") && stem(t.text) == stem(w)
		}) {
			return n, true // "4 pillowcases" of "Percale pillowcases (pair)": two pairs
		}
	}
	return n, false
}

// pairWords say a name's product is two of a thing.
var pairWords = map[string]bool{"pair": true, "paire": true}

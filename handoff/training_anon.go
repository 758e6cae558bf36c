package handoff

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/conciergehq/concierge"
)

// anonymiser replaces what identifies a customer in a training case's
// text: their name, emails, phone numbers, street addresses, order numbers
// and payment references. The same value always becomes the same stand-in
// within one case, so the story still holds together ("order T-1 … T-1").
// It is a best effort on free text: it finds what it is told (the
// customer's name, the case's order numbers) and what has a shape
// (emails, phones, addresses, "my name is …"); docs/training.md says what
// it cannot find.
type anonymiser struct {
	seen  map[string]string // original (lower-cased for names) → stand-in
	count map[string]int    // per kind, for the stand-ins' numbers
	names []string          // words of known names, longest first
}

func newAnonymiser() *anonymiser {
	return &anonymiser{seen: map[string]string{}, count: map[string]int{}}
}

// standInNames are the names customers get in training cases.
var standInNames = []string{"Alex", "Sam", "Robin", "Charlie", "Jordan", "Camille", "Dominique", "Morgan"}

var (
	reEmail = regexp.MustCompile(`[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+`)
	// A phone: an optional +, then digits with spaces, dots, dashes or
	// brackets, 8 digits at least (amounts and order numbers have fewer).
	rePhone = regexp.MustCompile(`\+?\(?\d[\d\s().-]{6,}\d`)
	// A street address: a number then a street word (fr, en), or a
	// Chinese road and number (…路12号).
	reAddress = regexp.MustCompile(`(?i)\b\d{1,5}(?:\s*(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|chemin|allée|impasse|place|quai|route|street|st\.|road|rd\.|lane|drive|way)\s+[\p{L}\p{N}' -]{2,40}|[\p{Han}]{1,10}(?:路|街|道)\d{1,5}号`)
	// Names customers give: "my name is Marie", "je m'appelle Marie",
	// "我叫王芳". Only these cues: "I'm" and "je suis" are followed by
	// "sorry" and "désolé" far more often than by a name.
	reGivenName = regexp.MustCompile(`(?:[Mm]y name is|MY NAME IS|[Mm]y name's|[Jj]e m'appelle|[Jj]e m’appelle|[Mm]on nom est)\s+(\p{Lu}[\p{L}'-]+(?:\s+\p{Lu}[\p{L}'-]+)?)|我叫(\p{Han}{2,4})|我的名字是(\p{Han}{2,4})`)
	// Links: a payment page's carries a token, and any may name the
	// customer; a case needs none of them.
	reURL = regexp.MustCompile(`https?://\S+`)
	// A date or a time is not a phone number.
	reDate = regexp.MustCompile(`\d{4}-\d{1,2}-\d{1,2}|\d{1,2}:\d{2}`)
)

func digitCount(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

// standIn returns the stand-in of v of kind, made once per value.
func (a *anonymiser) standIn(kind, v string) string {
	key := kind + "\x00" + v
	if s, ok := a.seen[key]; ok {
		return s
	}
	a.count[kind]++
	n := a.count[kind]
	var s string
	switch kind {
	case "email":
		s = fmt.Sprintf("customer%d@example.com", n)
	case "phone":
		s = fmt.Sprintf("+00 000 000 %03d", n)
	case "address":
		s = fmt.Sprintf("%d Example Street", n)
	case "order":
		s = fmt.Sprintf("T-%d", n)
	case "ref":
		s = fmt.Sprintf("training-ref-%d", n)
	default: // name; never the customer's own
		for {
			s = standInNames[(n-1)%len(standInNames)]
			if n > len(standInNames) {
				s += fmt.Sprint(n)
			}
			if !strings.EqualFold(s, v) {
				break
			}
			a.count[kind]++
			n = a.count[kind]
		}
	}
	a.seen[key] = s
	return s
}

// knowName adds a customer's name (each of its words) to those replaced.
func (a *anonymiser) knowName(name string) {
	for _, w := range strings.FieldsFunc(name, func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == '@' }) {
		if len([]rune(w)) < 2 {
			continue
		}
		k := strings.ToLower(w)
		if _, ok := a.seen["name\x00"+k]; !ok {
			a.standIn("name", k)
			a.names = append(a.names, w)
		}
	}
	// Longest first, so "Marie-Claire" goes before "Marie".
	for i := 1; i < len(a.names); i++ {
		for j := i; j > 0 && len(a.names[j]) > len(a.names[j-1]); j-- {
			a.names[j], a.names[j-1] = a.names[j-1], a.names[j]
		}
	}
}

// order returns the stand-in of an order number.
func (a *anonymiser) order(id concierge.OrderID) concierge.OrderID {
	if id == "" {
		return ""
	}
	return concierge.OrderID(a.standIn("order", string(id)))
}

// learn finds the names a customer gives in s ("my name is …"), to be
// replaced wherever they appear; it is called on every customer line
// before any text is replaced, so a name given late is replaced early too.
func (a *anonymiser) learn(s string) {
	for _, m := range reGivenName.FindAllStringSubmatch(s, -1) {
		for _, g := range m[1:] {
			if g != "" {
				a.knowName(g)
			}
		}
	}
}

// text returns s with everything it knows or recognises replaced.
func (a *anonymiser) text(s string) string {
	if s == "" {
		return s
	}
	// Order numbers the case knows, before phones (an order number is
	// not a phone).
	for key, v := range a.seen {
		if kind, orig, _ := strings.Cut(key, "\x00"); kind == "order" || kind == "ref" {
			s = replaceFold(s, orig, v)
		}
	}
	s = reURL.ReplaceAllLiteralString(s, "[link]")
	s = reEmail.ReplaceAllStringFunc(s, func(m string) string { return a.standIn("email", strings.ToLower(m)) })
	s = reAddress.ReplaceAllStringFunc(s, func(m string) string { return a.standIn("address", strings.ToLower(strings.TrimSpace(m))) })
	s = rePhone.ReplaceAllStringFunc(s, func(m string) string {
		if digitCount(m) < 8 || reDate.MatchString(m) {
			return m
		}
		return a.standIn("phone", onlyDigits(m))
	})
	for _, w := range a.names {
		s = replaceWord(s, w, a.seen["name\x00"+strings.ToLower(w)])
	}
	return s
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

// replaceFold replaces every case-insensitive occurrence of old in s.
func replaceFold(s, old, new string) string {
	if old == "" {
		return s
	}
	re := regexp.MustCompile(`(?i)` + regexp.QuoteMeta(old))
	return re.ReplaceAllLiteralString(s, new)
}

// replaceWord replaces w in s, case-insensitively, where it stands as a
// word: "Marie" in "Marie," but not in "Mariel". Han names have no word
// boundaries and are replaced wherever they appear.
func replaceWord(s, w, new string) string {
	pat := `(?i)` + regexp.QuoteMeta(w)
	if !isHan(w) {
		pat = `(?i)(^|[^\p{L}\p{N}])` + regexp.QuoteMeta(w) + `($|[^\p{L}\p{N}])`
		re := regexp.MustCompile(pat)
		// The boundaries are kept; a repeated name ("Marie Marie")
		// shares a boundary, so replace until nothing changes.
		for {
			t := re.ReplaceAllString(s, "${1}"+strings.ReplaceAll(new, "$", "$$")+"${2}")
			if t == s {
				return s
			}
			s = t
		}
	}
	return regexp.MustCompile(pat).ReplaceAllLiteralString(s, new)
}

func isHan(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return s != ""
}

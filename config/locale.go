package config

import "strings"

// knownLocales are the BCP 47 base languages a bot may speak: the ISO 639
// codes of languages with a sizeable online population. A bot file naming
// anything else is most likely wrong ("fe", "english", "en-US").
var knownLocales = setOf(strings.Fields(`
	af am ar az be bg bn bs ca cs cy da de el en es et eu fa fi fil fr ga
	gl gu ha he hi hr hu hy id ig is it ja jv ka kk km kn ko ku ky lo lt lv
	mk ml mn mr ms mt my nb ne nl nn no pa pl ps pt ro ru rw si sk sl so sq
	sr sv sw ta te tg th tk tl tr uk ur uz vi xh yo zh zu`))

// setOf returns the set of the given words.
func setOf(words []string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// defaultKeywords are the words that hand a conversation to a person, per
// locale, when the bot file lists none. English ones always apply because
// customers everywhere type "human" or "agent".
var defaultKeywords = map[string][]string{
	"en": {"human", "agent", "person"},
	"fr": {"humain", "conseiller"},
	"zh": {"人工", "客服"},
	"de": {"mensch", "mitarbeiter"},
	"es": {"humano", "agente"},
	"it": {"umano", "operatore"},
	"pt": {"humano", "atendente"},
	"nl": {"mens", "medewerker"},
	"ja": {"オペレーター", "担当者"},
	"ko": {"상담원"},
	"ru": {"человек", "оператор"},
	"ar": {"موظف"},
}

// keywordsFor returns the default hand-off keywords for a bot's locales.
func keywordsFor(locales []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range append([]string{"en"}, locales...) {
		for _, k := range defaultKeywords[l] {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

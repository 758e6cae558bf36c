package nlu

import (
	"unicode"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
)

// frenchWords and englishWords are frequent words of one language and not
// the other (folded). Words both use ("ok", "agent", "compare", "menu",
// "a") are in neither.
var (
	frenchWords = setOf(
		"je", "j", "tu", "il", "elle", "nous", "vous", "le", "la", "les", "l", "un", "une", "des", "du", "de",
		"d", "au", "aux", "et", "est", "c", "ce", "cette", "ces", "mon", "ma", "mes", "ton", "ta", "votre",
		"vos", "pour", "avec", "sans", "sur", "dans", "pas", "plus", "moins", "tres", "trop", "oui", "non",
		"merci", "bonjour", "bonsoir", "salut", "coucou", "svp", "stp", "quel", "quelle", "quoi", "qu",
		"que", "qui", "ou", "combien", "comment", "pourquoi", "veux", "voudrais", "cherche", "avez", "ai",
		"suis", "prends", "ajoute", "enleve", "retire", "mets", "panier", "commande", "lampe", "lampes",
		"ampoule", "ampoules", "chevet", "bureau", "abat", "jour", "lin", "chambre", "cadeau", "carte",
		"aide", "humain", "conseiller", "accord", "accepte", "annule", "rembourse", "cassee", "casse",
		"finalement", "seule", "seul", "deux", "trois", "quatre", "cinq", "parler", "payer", "passe",
		"prix", "cher", "chere", "aussi", "tout", "fait", "en", "y", "n", "est", "ca", "beaucoup",
		"difference", "entre", "lequel", "laquelle", "celle", "celui", "ici", "voila", "peux", "pouvez",
		"arrivee", "pris", "temps", "remboursee", "etre", "moi", "toi", "mais", "donc", "alors", "chaud",
		"chaude", "variable", "intensite", "veilleuse", "premiere", "deuxieme", "derniere", "livraison",
		"ouais", "nan", "euh", "bah", "ben", "vos", "quand", "montre", "montrez", "faut", "besoin",
	)
	englishWords = setOf(
		"i", "you", "the", "is", "are", "my", "your", "me", "it", "this", "that", "what", "which", "where",
		"how", "do", "does", "can", "to", "for", "with", "of", "and", "or", "please", "thanks", "thank",
		"yes", "no", "hi", "hello", "hey", "want", "need", "looking", "take", "add", "remove", "cart",
		"order", "orders", "lamp", "lamps", "bulb", "bulbs", "shade", "shades", "lampshade", "lampshades",
		"desk", "bedside", "cheapest", "cheap", "under", "tell", "more", "about", "one", "two", "three",
		"make", "agree", "don", "t", "ll", "real", "person", "talk", "help", "write", "poem", "track",
		"cancel", "refund", "broken", "arrived", "pay", "checkout", "there", "have", "any", "show", "give",
		"get", "buy", "in", "at", "be", "will", "would", "like", "much", "many", "brighter", "better",
		"first", "second", "last", "warm", "dimmable", "gift", "card", "some", "just", "only", "these",
		"those", "them", "both", "sure", "yeah", "yep", "nope", "okay", "thx", "an", "am", "was", "were",
		"please", "bedroom", "light", "lights", "reading", "price", "cheaper", "instead", "actually",
		"wanna", "gonna", "got", "im", "we", "our", "good", "morning", "evening", "now", "again", "delete",
	)
)

func setOf(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// frenchLetters are letters English does not use.
func isFrenchLetter(r rune) bool {
	switch unicode.ToLower(r) {
	case 'é', 'è', 'ê', 'ë', 'à', 'â', 'î', 'ï', 'ô', 'û', 'ù', 'ü', 'ç', 'œ', 'æ':
		return true
	}
	return false
}

// detectLang says which language text is in: zh when it has Chinese
// characters, fr when French letters and words outweigh English words, en
// for any other Latin text, "" when it has no letters (emoji, numbers,
// punctuation), so that the caller keeps what it knew. A tie with evidence
// on both sides goes to the hint.
func detectLang(text string, toks []tok, hint concierge.Locale) concierge.Locale {
	letters, fr, en := 0, 0, 0
	for _, r := range text {
		switch {
		case catalog.IsHan(r):
			return "zh"
		case unicode.IsLetter(r):
			letters++
			if isFrenchLetter(r) {
				fr += 2
			}
		}
	}
	if letters == 0 {
		return ""
	}
	for _, t := range toks {
		if t.kind != tWord {
			continue
		}
		if frenchWords[t.norm] {
			fr++
		}
		if englishWords[t.norm] {
			en++
		}
	}
	switch {
	case fr > en:
		return "fr"
	case fr == en && fr > 0 && hint == "fr":
		return "fr"
	}
	return "en"
}

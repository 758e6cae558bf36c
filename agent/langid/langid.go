// Package langid says which of a bot's languages a shopper's message is
// written in. It owns the rules around the statistics: Chinese is decided by
// script alone, short or ambiguous messages keep the conversation's language,
// the platform's hint breaks ties at the start of a conversation, and product
// codes and acronyms are not evidence. The statistics come from lingua-go,
// restricted to the bot's locales.
//
// It imports the root package concierge, lingua-go and the standard library,
// and does no I/O (see deps_test.go). The agent's brains import it;
// cmd/concierge builds one Detector per locale set and passes it in.
package langid

import (
	"strings"
	"sync"

	"github.com/conciergehq/concierge"
	"github.com/pemistahl/lingua-go"
)

// The thresholds of Detect, chosen on the fixtures in testdata/ (see
// TestAccuracy and docs/langid-notes.md).
const (
	// minWords is the fewest words of a message that may change the
	// conversation's language. "ok", "merci", "thx" and "USB-C 65W" are
	// read in the language the conversation already has.
	minWords = 3
	// minMargin is how far ahead of the conversation's language (or, with
	// none, of the hint) lingua's favourite must be to win. lingua's
	// confidence values sum to 1 over the locales, so 0.2 is 60/40 for two.
	minMargin = 0.2
	// weakMargin is the margin when the message has no function word of
	// any candidate language (gibberish, a list of product words): lingua
	// must then be far surer to move the conversation's language.
	weakMargin = 0.5
	// maxBytes is how much of a message is read: about 40 words. lingua's
	// cost grows with the number of words (0.2 ms for a sentence of seven,
	// 0.4 ms at the cap, on the 2-core CI machine) while its answer stops
	// changing long before, so a 5,000-character paste costs what a few
	// sentences do.
	maxBytes = 256
)

// Detector identifies the language of messages among one set of locales.
// It is safe for concurrent use. Build one per locale set at start-up with
// New or NewLazy and share it: lingua's models are loaded once per
// Detector (see New), into caches that every Detector shares.
type Detector struct {
	locales []concierge.Locale // as the bot wrote them, the first is the default
	// zh is the locale that Han text goes to without asking lingua, ""
	// when the bot has no Chinese.
	zh concierge.Locale
	// ja says whether the bot speaks Japanese, whose Kanji are Han too:
	// text with kana then goes to lingua rather than to zh.
	ja bool
	// langs are the locales' languages that lingua knows, other than
	// Chinese. With fewer than two, lingua is never asked, and only is the
	// one that remains ("" for none).
	langs  []lingua.Language
	only   concierge.Locale
	byLang map[lingua.Language]concierge.Locale
	// lingua is built from langs with its models loaded by Load, once;
	// it is read only after once.Do returns, which orders the read after
	// the write. loaded is closed then.
	once   sync.Once
	lingua lingua.LanguageDetector
	loaded chan struct{}
}

// New returns a Detector for the given locales (BCP 47 tags such as "fr",
// "en", "zh" or "pt-BR"; only the base language is used), once lingua's
// models for them are loaded. Locales that lingua does not know can still
// be kept as the current language or come as the hint, but no text is
// recognised as being in them.
//
// The detector uses lingua's high-accuracy mode with its models preloaded.
// High accuracy, because shoppers' messages are short and low-accuracy mode
// reads trigrams only, which is built for sentences: on the fixtures of
// three words or more it got 96.7% right alone against 98.8%, and 97.9%
// against 99.5% in a conversation already in the message's language, for
// 1.9 MB of heap instead of 40.7 MB (French and English). Preloaded,
// because lingua otherwise loads the models on the first message that
// needs them, which then takes half a second; memory ends the same either
// way. Each Latin-script language costs about 20 MB of heap and half a
// second of start-up; Chinese costs nothing, since lingua never sees it.
// lingua keeps its models in process-wide caches, so a second Detector
// with the same languages costs no more memory.
func New(locales []concierge.Locale) *Detector {
	d := NewLazy(locales)
	d.Load()
	return d
}

// NewLazy is New without loading the models: they are loaded by Load, or
// by the first message that needs them, so that a server can answer
// before they are in memory (it calls Load on a goroutine once it
// listens). Detect gives the answers of New's detector all the same: a
// message that lingua must decide waits for the models (half a second a
// language, once, shared with Load when it runs); one settled without
// lingua (Chinese script, no word, a short message in a conversation,
// function words) does not wait.
func NewLazy(locales []concierge.Locale) *Detector {
	d := &Detector{
		locales: append([]concierge.Locale(nil), locales...),
		byLang:  make(map[lingua.Language]concierge.Locale),
		loaded:  make(chan struct{}),
	}
	for _, loc := range locales {
		l := languageOf(loc)
		switch {
		case l == lingua.Chinese:
			if d.zh == "" {
				d.zh = loc
			}
			continue
		case l == lingua.Japanese:
			d.ja = true
		case l == lingua.Unknown:
			continue
		}
		if _, dup := d.byLang[l]; dup {
			continue
		}
		d.byLang[l] = loc
		d.langs = append(d.langs, l)
	}
	if len(d.langs) == 1 {
		d.only = d.byLang[d.langs[0]]
	}
	if len(d.langs) < 2 {
		d.Load() // no model to load
	}
	return d
}

// Load loads lingua's models for the detector's languages and returns once
// they are in memory: at once when they are, or when the detector needs
// none; a call while another loads waits for it.
func (d *Detector) Load() {
	d.once.Do(func() {
		if len(d.langs) >= 2 {
			d.lingua = lingua.NewLanguageDetectorBuilder().
				FromLanguages(d.langs...).
				WithPreloadedLanguageModels().
				Build()
		}
		close(d.loaded)
	})
}

// Loaded returns a channel closed once Load has loaded the models (at
// once for a detector that needs none), for a server to report it.
func (d *Detector) Loaded() <-chan struct{} { return d.loaded }

// Detect returns the language of text among the detector's locales.
//
// current is the conversation's language so far, "" before the first
// message that said one; hint is the platform's guess (Telegram's
// language_code, the browser's first Accept-Language tag, zh for WeChat),
// "" when there is none. Either may be a tag of a locale the bot does not
// have, which is then ignored.
//
// The rules, in order:
//   - Text mostly in Han characters is Chinese, when the bot speaks it.
//   - Text with no word (emoji, numbers, punctuation, product codes such as
//     LAMP-02) says nothing: ok is false, lang is current, else the hint,
//     else "", and the caller keeps what it had.
//   - A message of fewer than three words ("ok", "merci", "thx") keeps
//     current, else takes the hint; lingua decides only when there is
//     neither, because on one or two words it is little better than a coin
//     (it reads "thx" as French).
//   - Otherwise lingua's favourite wins, unless current is within 0.2 of
//     it (an ambiguous message keeps the conversation's language) or, with
//     no current, the hint is.
//
// Names and acronyms inside a sentence are words but not evidence (see
// read), so that "je voudrais le chargeur USB-C 65W" is French and "what's
// the wattage of the Atelier" English.
func (d *Detector) Detect(text string, current, hint concierge.Locale) (lang concierge.Locale, ok bool) {
	current, hint = d.locale(current), d.locale(hint)
	fallback := current
	if fallback == "" {
		fallback = hint
	}
	m := read(text)
	switch {
	case d.zh != "" && m.han > 0 && m.han >= m.words && !(d.ja && m.kana > 0):
		return d.zh, true
	case m.words == 0:
		return fallback, false
	case m.words < minWords && fallback != "":
		return fallback, true
	case len(d.langs) < 2:
		if d.only != "" {
			return d.only, true
		}
		return fallback, false
	}
	l, any := d.quick(m.evidence, current, hint)
	if l != lingua.Unknown {
		return d.byLang[l], true
	}
	margin := minMargin
	if !any {
		margin = weakMargin
	}
	return d.choose(strings.Join(m.evidence, " "), current, hint, fallback, margin)
}

// choose asks lingua about words and applies the margin rule of Detect.
func (d *Detector) choose(words string, current, hint, fallback concierge.Locale, margin float64) (concierge.Locale, bool) {
	d.Load() // see NewLazy
	values := d.lingua.ComputeLanguageConfidenceValues(words)
	best := values[0]
	if best.Value() == 0 {
		// No locale's model knows these letters: another script.
		return fallback, false
	}
	// tied reports whether loc is one of lingua's languages and within
	// minMargin of the best.
	tied := func(loc concierge.Locale) bool {
		for _, v := range values {
			if d.byLang[v.Language()] == loc {
				return best.Value()-v.Value() < margin
			}
		}
		return false
	}
	switch {
	case current != "" && tied(current):
		return current, true
	case current == "" && hint != "" && tied(hint):
		return hint, true
	}
	return d.byLang[best.Language()], true
}

// locale returns the detector's locale with the same base language as loc,
// or "" when it has none.
func (d *Detector) locale(loc concierge.Locale) concierge.Locale {
	if loc == "" {
		return ""
	}
	base := baseOf(loc)
	for _, l := range d.locales {
		if baseOf(l) == base {
			return l
		}
	}
	return ""
}

// baseOf returns the lower-case base language of a BCP 47 tag: "pt" for
// "pt-BR", "zh" for "zh_Hans".
func baseOf(loc concierge.Locale) string {
	s := string(loc)
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	return strings.ToLower(s)
}

// languageOf maps a locale to lingua's language, or lingua.Unknown.
// lingua has no macrolanguage "no": Norwegian is read as Bokmål.
func languageOf(loc concierge.Locale) lingua.Language {
	base := baseOf(loc)
	if base == "no" {
		base = "nb"
	}
	iso := lingua.GetIsoCode639_1FromValue(base)
	if iso == lingua.UnknownIsoCode639_1 {
		return lingua.Unknown
	}
	return lingua.GetLanguageFromIsoCode639_1(iso)
}

package agent

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/goccy/go-yaml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

//go:embed locales/*.yaml
var localeFiles embed.FS

// Texts are the bot's replies in every language, from the message catalogs
// in locales/ (one YAML file per language, go-i18n format). A missing
// translation falls back to English, never to an empty reply.
type Texts struct {
	bundle     *i18n.Bundle
	localizers map[concierge.Locale]*i18n.Localizer
	money      map[concierge.Locale]*money.Formatter // one per catalog
	// amounts remembers formatted amounts: formatting one takes about 5 µs
	// (CLDR patterns on arbitrary-precision decimals), and a shop shows the
	// same few prices over and over, on every card of every search.
	amounts  sync.Map // amountKey → string
	plain    sync.Map // textKey → string: replies without data
	nAmounts atomic.Int64
}

type amountKey struct {
	loc concierge.Locale
	m   concierge.Money
}

// maxAmounts bounds Texts.amounts; past it amounts are formatted afresh.
const maxAmounts = 1 << 14

// LoadTexts loads the embedded catalogs.
func LoadTexts() (*Texts, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	names, err := fs.Glob(localeFiles, "locales/*.yaml")
	if err != nil {
		return nil, err
	}
	t := &Texts{bundle: b, localizers: map[concierge.Locale]*i18n.Localizer{}, money: map[concierge.Locale]*money.Formatter{}}
	for _, n := range names {
		buf, err := localeFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		if _, err := b.ParseMessageFileBytes(buf, n); err != nil {
			return nil, fmt.Errorf("agent: texts %s: %w", n, err)
		}
		loc := concierge.Locale(strings.TrimSuffix(path.Base(n), ".yaml"))
		t.localizers[loc] = i18n.NewLocalizer(b, string(loc), "en")
		t.money[loc] = money.NewFormatter(loc)
	}
	return t, nil
}

// T returns message id in loc with data filled in. A "count" entry in data
// selects the plural form.
func (t *Texts) T(loc concierge.Locale, id string, data map[string]any) string {
	if _, known := t.localizers[loc]; known && len(data) == 0 {
		// Two thirds of the replies have nothing to fill in; their text
		// never changes, so it is localized once (go-i18n looks the
		// message up and runs its template on every call). Only the
		// catalogs' locales are kept, so odd locale strings cannot grow it.
		k := textKey{loc, id}
		if s, ok := t.plain.Load(k); ok {
			return s.(string)
		}
		s := t.localize(loc, id, nil)
		t.plain.Store(k, s)
		return s
	}
	return t.localize(loc, id, data)
}

// textKey names a reply without data; ids are constants of the code and
// locales those of the catalogs, so Texts.plain stays as small as they are.
type textKey struct {
	loc concierge.Locale
	id  string
}

func (t *Texts) localize(loc concierge.Locale, id string, data map[string]any) string {
	l := t.localizers[loc]
	if l == nil {
		l = t.localizers["en"]
	}
	cfg := &i18n.LocalizeConfig{MessageID: id, TemplateData: data}
	if c, ok := data["count"]; ok {
		cfg.PluralCount = c
	}
	s, err := l.Localize(cfg)
	if err != nil {
		return id
	}
	return s
}

// Money formats an amount for loc.
func (t *Texts) Money(loc concierge.Locale, m concierge.Money) string {
	k := amountKey{loc, m}
	if s, ok := t.amounts.Load(k); ok {
		return s.(string)
	}
	var s string
	if f := t.money[loc]; f != nil {
		s = f.Format(m)
	} else {
		s = money.Format(m, loc)
	}
	if t.nAmounts.Load() < maxAmounts {
		if _, loaded := t.amounts.LoadOrStore(k, s); !loaded {
			t.nAmounts.Add(1)
		}
	}
	return s
}

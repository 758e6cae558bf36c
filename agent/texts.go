package agent

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"

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
}

// LoadTexts loads the embedded catalogs.
func LoadTexts() (*Texts, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	names, err := fs.Glob(localeFiles, "locales/*.yaml")
	if err != nil {
		return nil, err
	}
	t := &Texts{bundle: b, localizers: map[concierge.Locale]*i18n.Localizer{}}
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
	}
	return t, nil
}

// T returns message id in loc with data filled in. A "count" entry in data
// selects the plural form.
func (t *Texts) T(loc concierge.Locale, id string, data map[string]any) string {
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
func (t *Texts) Money(loc concierge.Locale, m concierge.Money) string { return money.Format(m, loc) }

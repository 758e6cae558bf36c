package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
)

// static holds the widget. widget.html is the page template; the rest is
// served as is by Static.
//
//go:embed static
var static embed.FS

const pageTemplate = "widget.html"

// PageData fills the widget page for one bot.
type PageData struct {
	Bot           string   // the bot id, as in the URL
	Name          string   // the shop's name, shown in the header
	Locales       []string // the languages offered in the picker; empty means fr, en, zh
	DefaultLocale string   // used when the browser's language is not offered; empty means the first
}

// localeNames are the picker's labels, each in its own language.
var localeNames = map[string]string{"fr": "Français", "en": "English", "zh": "中文"}

func parsePage() *template.Template {
	funcs := template.FuncMap{
		"localeName": func(l string) string {
			if n, ok := localeNames[l]; ok {
				return n
			}
			return l
		},
	}
	// The template is embedded, so a parse error is a bug that every test
	// of this package reports; it cannot depend on input.
	return template.Must(template.New(pageTemplate).Funcs(funcs).ParseFS(static, "static/"+pageTemplate))
}

// Page writes the widget page for p. Nothing is written when the template
// fails, so the caller can still answer with an error status.
func (a *Adapter) Page(w io.Writer, p PageData) error {
	if len(p.Locales) == 0 {
		p.Locales = []string{"fr", "en", "zh"}
	}
	if p.DefaultLocale == "" {
		p.DefaultLocale = p.Locales[0]
	}
	if p.Name == "" {
		p.Name = p.Bot
	}
	var buf bytes.Buffer
	if err := a.page.Execute(&buf, p); err != nil {
		return fmt.Errorf("web: page: %w", err)
	}
	if _, err := buf.WriteTo(w); err != nil {
		return fmt.Errorf("web: page: %w", err)
	}
	return nil
}

// Static returns the widget's files, rooted so that the script is at
// widget.js and the illustrations at img/<category>.svg. The page template
// is left out: it means nothing unrendered.
func Static() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // "static" is a valid path embedded above
	}
	return staticFS{sub}
}

// staticFS hides the page template from Static.
type staticFS struct{ fs.FS }

func (s staticFS) Open(name string) (fs.File, error) {
	if name == pageTemplate {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return s.FS.Open(name)
}

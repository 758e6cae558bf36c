package catalogindex

// The bleve packages below are imported for their names and also for
// their side effect: bleve finds analyzers, tokenizers and filters in a
// registry that each of its packages fills when linked in, so the mapping
// can only name what is imported here.
import (
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/fr"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/conciergehq/concierge"
)

// schemaVersion is kept inside the index. Open refuses an index built with
// another version rather than searching fields it no longer knows: the
// index is derived data, so the fix is to delete the directory and
// re-import.
const schemaVersion = "1"

// family is a group of locales that share one analyzer, and so one pair of
// fields (name_<family>, desc_<family>). Chinese, Japanese and Korean text
// is cut into overlapping bigrams, which needs no dictionary and finds
// "台灯" inside "天顶台灯"; any locale without its own analyzer is folded
// and lower-cased but not stemmed.
type family string

const (
	famFR  family = "fr"
	famEN  family = "en"
	famCJK family = "cjk"
	famAny family = "any"
)

var families = []family{famFR, famEN, famCJK, famAny}

func familyOf(loc concierge.Locale) family {
	switch loc {
	case "fr":
		return famFR
	case "en":
		return famEN
	case "zh", "ja", "ko":
		return famCJK
	}
	return famAny
}

// Analyzer names defined in the mapping. The French and English ones are
// bleve's fr and en analyzers with ASCII folding in front, so "lumière",
// "lumiere" and "LUMIÈRE" are one term; the French one keeps elision
// ("l'ampoule" → "ampoule") and the light stemmer ("lampes" → "lamp").
const (
	analyzerFR  = "catalog_fr"
	analyzerEN  = "catalog_en"
	analyzerAny = "catalog_any"
)

func analyzerOf(f family) string {
	switch f {
	case famFR:
		return analyzerFR
	case famEN:
		return analyzerEN
	case famCJK:
		return cjk.AnalyzerName
	}
	return analyzerAny
}

// Field names of a product document.
const (
	fieldCategory = "category"
	fieldTags     = "tags"
	fieldAttrs    = "attrs" // "key=value" terms, lower-cased
	fieldPrice    = "price" // minor units
	fieldInStock  = "in_stock"
)

func nameField(f family) string { return "name_" + string(f) }
func descField(f family) string { return "desc_" + string(f) }

// newMapping builds the index mapping: one document type, explicit fields
// only (dynamic mapping off, so an unexpected field cannot grow the index),
// nothing stored but the terms, because the index answers with SKUs and
// the catalog keeps the products.
func newMapping() (*mapping.IndexMappingImpl, error) {
	im := mapping.NewIndexMapping()
	custom := map[string]map[string]any{
		analyzerFR: {
			"type":          custom.Name,
			"char_filters":  []any{asciifolding.Name},
			"tokenizer":     unicode.Name,
			"token_filters": []any{lowercase.Name, fr.ElisionName, fr.StopName, fr.LightStemmerName},
		},
		analyzerEN: {
			"type":          custom.Name,
			"char_filters":  []any{asciifolding.Name},
			"tokenizer":     unicode.Name,
			"token_filters": []any{en.PossessiveName, lowercase.Name, en.StopName, en.SnowballStemmerName},
		},
		analyzerAny: {
			"type":          custom.Name,
			"char_filters":  []any{asciifolding.Name},
			"tokenizer":     unicode.Name,
			"token_filters": []any{lowercase.Name},
		},
	}
	for name, cfg := range custom {
		if err := im.AddCustomAnalyzer(name, cfg); err != nil {
			return nil, fmt.Errorf("catalogindex: analyzer %s: %w", name, err)
		}
	}
	text := func(analyzer string) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	kw := text(keyword.Name)
	num := mapping.NewNumericFieldMapping()
	num.Store, num.IncludeInAll, num.DocValues = false, false, false
	boolean := mapping.NewBooleanFieldMapping()
	boolean.Store, boolean.IncludeInAll, boolean.DocValues = false, false, false

	doc := mapping.NewDocumentStaticMapping()
	for _, f := range families {
		doc.AddFieldMappingsAt(nameField(f), text(analyzerOf(f)))
		doc.AddFieldMappingsAt(descField(f), text(analyzerOf(f)))
	}
	doc.AddFieldMappingsAt(fieldTags, text(analyzerEN)) // tags are English words in our catalogs
	doc.AddFieldMappingsAt(fieldCategory, kw)
	doc.AddFieldMappingsAt(fieldAttrs, kw)
	doc.AddFieldMappingsAt(fieldPrice, num)
	doc.AddFieldMappingsAt(fieldInStock, boolean)

	im.DefaultMapping = doc
	im.DefaultAnalyzer = analyzerAny
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false
	return im, nil
}

// document turns p into the fields of newMapping. Names and descriptions
// of locales of one family are joined, so a product named in zh and ja
// keeps both.
func document(p concierge.Product) map[string]any {
	d := map[string]any{
		fieldPrice:   float64(p.Price.Minor),
		fieldInStock: p.Stock > 0 || p.Digital,
	}
	add := func(field, s string) {
		if s == "" {
			return
		}
		if prev, ok := d[field].(string); ok {
			s = prev + "\n" + s
		}
		d[field] = s
	}
	for _, loc := range sortedLocales(p.Name) {
		add(nameField(familyOf(loc)), p.Name[loc])
	}
	for _, loc := range sortedLocales(p.Description) {
		add(descField(familyOf(loc)), p.Description[loc])
	}
	if p.Category != "" {
		d[fieldCategory] = p.Category
	}
	if len(p.Tags) > 0 {
		d[fieldTags] = append([]string(nil), p.Tags...)
	}
	if len(p.Attrs) > 0 {
		attrs := make([]string, 0, len(p.Attrs))
		for k, v := range p.Attrs {
			attrs = append(attrs, attrTerm(k, v))
		}
		sort.Strings(attrs)
		d[fieldAttrs] = attrs
	}
	return d
}

// sortedLocales gives a map's locales in a fixed order, so a document is
// the same whatever the map's iteration order.
func sortedLocales(m map[concierge.Locale]string) []concierge.Locale {
	out := make([]concierge.Locale, 0, len(m))
	for l := range m {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func validate(p concierge.Product) error {
	switch {
	case p.SKU == "":
		return fmt.Errorf("product without a SKU")
	case !utf8.ValidString(string(p.SKU)):
		return fmt.Errorf("SKU %q is not valid UTF-8", p.SKU)
	case p.Price.Minor < 0:
		return fmt.Errorf("%s: negative price %d", p.SKU, p.Price.Minor)
	}
	return nil
}

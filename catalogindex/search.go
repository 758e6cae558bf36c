package catalogindex

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/conciergehq/concierge"
)

// MaxLimit bounds Candidates: the consumer scores every candidate again,
// so asking for more than this only moves the slow part elsewhere.
const MaxLimit = 1000

// Field weights: a word in the name says more than one in the description.
// Fuzzy matches weigh less than exact ones, so "lampe" ranks the lamps
// above a product named "Lampo".
const (
	boostName  = 3
	boostTags  = 2
	boostDesc  = 1
	boostFuzzy = 0.5
)

// fuzzyMinLetters is the shortest word matched with one typo; shorter
// words are too easily another word ("lamp" is one edit from "camp").
const fuzzyMinLetters = 5

// Filters narrow the candidates. The zero value filters nothing.
type Filters struct {
	// MinPrice and MaxPrice bound the price in minor units, both
	// inclusive. MaxPrice 0 means no upper bound.
	MinPrice, MaxPrice int64
	// Category keeps the products of exactly this category.
	Category string
	// InStock keeps products with stock or digital ones.
	InStock bool
	// Attrs keeps products whose attributes have all these values,
	// compared without regard to case ("material": "Steel").
	Attrs map[string]string
}

func (f Filters) validate() error {
	switch {
	case f.MinPrice < 0 || f.MaxPrice < 0:
		return fmt.Errorf("negative price bound %d..%d", f.MinPrice, f.MaxPrice)
	case f.MaxPrice > 0 && f.MinPrice > f.MaxPrice:
		return fmt.Errorf("price range %d..%d is empty", f.MinPrice, f.MaxPrice)
	}
	for k := range f.Attrs {
		if strings.TrimSpace(k) == "" {
			return errors.New("attribute filter with an empty name")
		}
	}
	return nil
}

// Candidates returns up to limit SKUs that match text under f, best first
// (ties by SKU, so the answer is stable). Text may be French, English or
// Chinese, or a mix; it is matched against the names, descriptions and
// tags in every language the products have, with one typo allowed in
// words of five letters or more. Empty text returns the products that pass
// f. A limit outside 1..MaxLimit or an impossible filter is an error.
func (ix *Index) Candidates(ctx context.Context, text string, f Filters, limit int) ([]concierge.SKU, error) {
	if limit < 1 || limit > MaxLimit {
		return nil, fmt.Errorf("catalogindex: candidates: limit %d outside 1..%d", limit, MaxLimit)
	}
	if err := f.validate(); err != nil {
		return nil, fmt.Errorf("catalogindex: candidates: %w", err)
	}
	q := buildQuery(text, f)
	req := bleve.NewSearchRequestOptions(q, limit, 0, false)
	req.SortBy([]string{"-_score", "_id"})
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("catalogindex: candidates: %w", err)
	}
	out := make([]concierge.SKU, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = concierge.SKU(h.ID)
	}
	return out, nil
}

func buildQuery(text string, f Filters) query.Query {
	var must []query.Query
	if t := textQuery(text); t != nil {
		must = append(must, t)
	}
	must = append(must, filterQueries(f)...)
	switch len(must) {
	case 0:
		return bleve.NewMatchAllQuery()
	case 1:
		return must[0]
	}
	return bleve.NewConjunctionQuery(must...)
}

// textQuery matches text against each family's fields with that family's
// analyzer (bleve's match query analyses with the field's analyzer), so a
// French query is elided and stemmed for the French fields and cut into
// bigrams for the Chinese ones. It returns nil for blank text.
func textQuery(text string) query.Query {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	var clauses []query.Query
	match := func(s, field string, boost float64, fuzziness int) {
		m := bleve.NewMatchQuery(s)
		m.SetField(field)
		m.SetBoost(boost)
		m.SetFuzziness(fuzziness)
		clauses = append(clauses, m)
	}
	for _, fam := range families {
		match(text, nameField(fam), boostName, 0)
		match(text, descField(fam), boostDesc, 0)
	}
	match(text, fieldTags, boostTags, 0)
	// Typos: only names and tags, where a shopper's words meet the
	// catalog's, and only for alphabetic scripts (a CJK bigram has no
	// useful edit distance).
	for _, w := range fuzzyWords(text) {
		for _, field := range []string{nameField(famFR), nameField(famEN), nameField(famAny), fieldTags} {
			match(w, field, boostFuzzy, 1)
		}
	}
	d := bleve.NewDisjunctionQuery(clauses...)
	d.SetMin(1)
	return d
}

// fuzzyWords returns the words of text long enough to be matched with a
// typo, once each.
func fuzzyWords(text string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if utf8.RuneCountInString(w) < fuzzyMinLetters || hasCJK(w) {
			continue
		}
		lw := strings.ToLower(w)
		if !seen[lw] {
			seen[lw] = true
			out = append(out, w)
		}
	}
	return out
}

func hasCJK(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
			return true
		}
	}
	return false
}

func filterQueries(f Filters) []query.Query {
	var out []query.Query
	if f.MinPrice > 0 || f.MaxPrice > 0 {
		lo, inc := float64(f.MinPrice), true
		var hi *float64
		if f.MaxPrice > 0 {
			v := float64(f.MaxPrice)
			hi = &v
		}
		r := bleve.NewNumericRangeInclusiveQuery(&lo, hi, &inc, &inc)
		r.SetField(fieldPrice)
		out = append(out, r)
	}
	if f.Category != "" {
		t := bleve.NewTermQuery(f.Category)
		t.SetField(fieldCategory)
		out = append(out, t)
	}
	if f.InStock {
		b := bleve.NewBoolFieldQuery(true)
		b.SetField(fieldInStock)
		out = append(out, b)
	}
	for k, v := range f.Attrs {
		t := bleve.NewTermQuery(attrTerm(k, v))
		t.SetField(fieldAttrs)
		out = append(out, t)
	}
	return out
}

// attrTerm is how an attribute is indexed and filtered: one keyword term
// per attribute, lower-cased.
func attrTerm(k, v string) string {
	return strings.ToLower(strings.TrimSpace(k)) + "=" + strings.ToLower(strings.TrimSpace(v))
}

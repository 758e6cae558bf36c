package config

import (
	"context"
	"fmt"
	"net/http"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/catalogfeed"
	"github.com/conciergehq/concierge/livecatalog"
)

// FeedProblems lists the bad rows of f's catalog sources that Load
// skipped (serve skips them; validate fails on them), and how many more
// there were than Feeds keeps.
func (f *File) FeedProblems() []Diagnostic {
	var out []Diagnostic
	for _, r := range f.Feeds() {
		out = append(out, r.Problems...)
		if n := r.Skipped - len(r.Problems); n > 0 {
			out = append(out, Diagnostic{File: r.Path, Message: fmt.Sprintf("and %d more bad rows", n)})
		}
	}
	return out
}

// SourcesReport is what CheckSources found in a bot file's url sources.
type SourcesReport struct {
	// Skipped counts the url sources not fetched, Fetched those fetched,
	// and Products the good rows of those.
	Skipped, Fetched, Products int
	// Problems are the fetched feeds' bad rows, as file:row:column
	// diagnostics under the URL (without its query, which may hold a key).
	Problems []Diagnostic
}

// CheckSources fetches f's url sources with client, as serve would, and
// reports their bad rows; with a nil client it only counts them as
// skipped. A feed that cannot be fetched or read is an error.
func (f *File) CheckSources(ctx context.Context, client *http.Client) (SourcesReport, error) {
	var r SourcesReport
	fetched := map[int][]catalogfeed.Item{} // by source
	for i, s := range f.Catalog.Sources {
		if s.URL == "" || s.Format == FormatHTTP {
			continue // a file, or a supplier asked at each search
		}
		if client == nil {
			r.Skipped++
			continue
		}
		shown := livecatalog.DisplayURL(s.URL)
		feed, err := livecatalog.Fetch(ctx, client, s.URL, catalogfeed.Options{
			Format: catalogfeed.Format(s.Format), Name: shown, Locale: concierge.Locale(s.Locale),
			Currency: f.Currency, Columns: s.Columns, InStock: s.InStock, MinorUnits: s.MinorUnits}, 0)
		if err != nil {
			return r, &Errors{Diagnostics: []Diagnostic{{File: f.Path(), Message: fmt.Sprintf("catalog.sources[%d]: %v", i, err)}}}
		}
		r.Fetched++
		r.Products += len(feed.Items)
		for _, p := range feed.Problems {
			r.Problems = append(r.Problems, Diagnostic{File: p.Name, Line: p.Line, Col: p.Col, Message: p.Message})
		}
		fetched[i] = feed.Items
	}
	if r.Fetched > 0 {
		r.Problems = append(r.Problems, f.missingNameOrPrice(fetched)...)
	}
	return r, nil
}

// missingNameOrPrice merges the bot file's products, its file feeds and
// the fetched url feeds in order, as the server does, and reports each
// product that no source gives a name or a price at the row of the source
// that first names it: the check Load makes of files, which waits for the
// url feeds when there are some (see incomplete).
func (f *File) missingNameOrPrice(fetched map[int][]catalogfeed.Item) []Diagnostic {
	var cat catalogfeed.Catalog
	first := map[concierge.SKU]Diagnostic{}
	var order []concierge.SKU
	add := func(file string, it catalogfeed.Item) {
		if _, ok := first[it.Product.SKU]; !ok {
			first[it.Product.SKU] = Diagnostic{File: file, Line: it.Line, Col: it.Col}
			order = append(order, it.Product.SKU)
		}
		cat.Add(it)
	}
	for _, p := range f.Catalog.Products {
		cat.AddProduct(p.product(f.Currency))
	}
	for i, s := range f.Catalog.Sources {
		if s.URL != "" {
			for _, it := range fetched[i] {
				add(livecatalog.DisplayURL(s.URL), it)
			}
			continue
		}
		for j, it := range f.feeds {
			if f.feedFrom[j] == i {
				add(s.Path, it)
			}
		}
	}
	var out []Diagnostic
	for _, sku := range order {
		missing := cat.Missing(sku)
		if missing == 0 {
			continue
		}
		what := "a name or a price"
		switch missing {
		case catalogfeed.FieldName:
			what = "a name"
		case catalogfeed.FieldPrice:
			what = "a price"
		}
		d := first[sku]
		d.Message = fmt.Sprintf("product %q has no source that gives it %s", sku, what)
		out = append(out, d)
	}
	return out
}

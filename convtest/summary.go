package convtest

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
)

// SummaryKinds are the columns of the summary, in order: the cart steps
// exactly right; the cart steps where nothing entered the cart that the
// case did not expect (no SKU outside its lines, no quantity above its
// own: "never a product or quantity the customer did not ask for"); the
// first_product and not_products checks of bot steps; the language
// steps; and the cases passed.
var SummaryKinds = []string{CheckCart, CheckCartSafe, CheckFirstProduct, CheckNotProducts, CheckLanguage, CheckAll}

// Rate is how many checks of one kind passed.
type Rate struct{ Passed, Total int }

func (r Rate) String() string {
	if r.Total == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d %3.0f%%", r.Passed, r.Total, 100*float64(r.Passed)/float64(r.Total))
}

// Summary is the pass rates of a run per case language (the case's
// language field, "?" when it has none) and check kind, with "all" for
// every language together, and every cart_safe violation.
type Summary struct {
	Languages []string                    // sorted, "?" last, then "all"
	Rates     map[string]map[string]*Rate // language → kind → rate
	Unsafe    []UnsafeLine
}

// UnsafeLine is one cart_safe violation and where it was found.
type UnsafeLine struct {
	File string
	Case string
	Violation
}

// Summarize counts the checks of res. A case that was not played to its
// end (run without Runner.Summary) counts only the checks it reached.
func Summarize(res *Result) *Summary {
	s := &Summary{Rates: map[string]map[string]*Rate{}}
	rate := func(lang, kind string) *Rate {
		if s.Rates[lang] == nil {
			s.Rates[lang] = map[string]*Rate{}
			for _, k := range SummaryKinds {
				s.Rates[lang][k] = &Rate{}
			}
		}
		return s.Rates[lang][kind]
	}
	count := func(lang, kind string, ok bool) {
		for _, l := range []string{lang, "all"} {
			r := rate(l, kind)
			r.Total++
			if ok {
				r.Passed++
			}
		}
	}
	for _, f := range res.Files {
		for _, c := range f.Cases {
			lang := c.Case.Language
			if lang == "" {
				lang = "?"
			}
			for _, ch := range c.Checks {
				if slices.Contains(SummaryKinds, ch.Kind) {
					count(lang, ch.Kind, ch.OK)
				}
			}
			count(lang, CheckAll, c.Passed())
			for _, v := range c.Unsafe {
				s.Unsafe = append(s.Unsafe, UnsafeLine{File: f.File.Path, Case: c.Case.Name, Violation: v})
			}
		}
	}
	for l := range s.Rates {
		if l != "all" {
			s.Languages = append(s.Languages, l)
		}
	}
	unknownLast := func(l string) int {
		if l == "?" {
			return 1
		}
		return 0
	}
	slices.SortFunc(s.Languages, func(a, b string) int {
		return cmp.Or(cmp.Compare(unknownLast(a), unknownLast(b)), cmp.Compare(a, b))
	})
	if len(s.Rates) > 0 {
		s.Languages = append(s.Languages, "all")
	}
	return s
}

// WriteSummary writes the summary of res: a table of pass rates per case
// language × check kind ("-" where a language has no check of a kind),
// then the cart_safe violations, each with its place.
func WriteSummary(w io.Writer, res *Result) error {
	s := Summarize(res)
	fmt.Fprintln(w, "\nSummary: checks passed per case language")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "language")
	for _, k := range SummaryKinds {
		fmt.Fprintf(tw, "\t%s", k)
	}
	fmt.Fprintln(tw)
	for _, l := range s.Languages {
		fmt.Fprint(tw, l)
		for _, k := range SummaryKinds {
			fmt.Fprintf(tw, "\t%s", s.Rates[l][k])
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(s.Unsafe) == 0 {
		_, err := fmt.Fprintln(w, "\ncart_safe: nothing entered a cart that the customer did not ask for")
		return err
	}
	fmt.Fprintf(w, "\ncart_safe violations (%d): what entered the cart that the customer did not ask for\n", len(s.Unsafe))
	for _, u := range s.Unsafe {
		fmt.Fprintf(w, "  %s: %q step %d: %s\n", at(u.File, u.At), u.Case, u.Step, violationsText([]Violation{u.Violation}))
	}
	return nil
}

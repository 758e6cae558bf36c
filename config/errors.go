package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Diagnostic is one problem found in a bot file, at a 1-based line and
// column. Line is 0 when the problem concerns the file as a whole.
type Diagnostic struct {
	File    string
	Line    int
	Col     int
	Message string
}

// String formats d as "file:line:col: message", the form editors and
// terminals turn into links.
func (d Diagnostic) String() string {
	if d.Line <= 0 {
		return fmt.Sprintf("%s: %s", d.File, d.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", d.File, d.Line, d.Col, d.Message)
}

// Errors is every problem found while loading bot files. Load and LoadFile
// return it (as an error) when the files could be read but are not valid.
// Messages never contain the value of an environment variable.
type Errors struct {
	Diagnostics []Diagnostic
}

// Error prints one diagnostic per line, sorted by file, line and column.
func (e *Errors) Error() string {
	sorted := &Errors{Diagnostics: slices.Clone(e.Diagnostics)}
	sorted.sort()
	lines := make([]string, len(sorted.Diagnostics))
	for i, d := range sorted.Diagnostics {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

func (e *Errors) sort() {
	slices.SortStableFunc(e.Diagnostics, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// add appends d to e.
func (e *Errors) add(d ...Diagnostic) {
	e.Diagnostics = append(e.Diagnostics, d...)
}

// err returns e as an error, or nil when it holds no diagnostic.
func (e *Errors) err() error {
	if len(e.Diagnostics) == 0 {
		return nil
	}
	e.sort()
	return e
}

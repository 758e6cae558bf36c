package convtest

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/conciergehq/concierge"
)

// Error is a problem of a test file at a place in it. Its text is
// "file:line:col: message", the form editors and CI annotations read.
type Error struct {
	File    string
	Pos     Pos
	Message string
}

func (e *Error) Error() string {
	switch {
	case e.Pos.Line > 0 && e.Pos.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Col, e.Message)
	case e.Pos.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Pos.Line, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Message)
}

// Errors are every problem found in test files, in file order; its text
// is one Error per line.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// err returns es as an error, or nil when it is empty.
func (es Errors) err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// ReadFile reads and checks the test file at path; see Parse.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("convtest: %w", err)
	}
	return Parse(path, data)
}

// ReadFiles reads and checks every test file at paths, and returns the
// problems of all of them together (errors.Join), so that one run shows
// every file to fix.
func ReadFiles(paths []string) ([]*File, error) {
	var files []*File
	var errs []error
	for _, p := range paths {
		f, err := ReadFile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		files = append(files, f)
	}
	return files, errors.Join(errs...)
}

// Parse reads a test file from data; name is the file name used in
// messages. A file that is not valid YAML or not of the format returns
// Errors, each at its line and column: unknown keys, wrong types, a step
// with no key or several, a regular expression that does not compile, a
// check before anything was said.
func Parse(name string, data []byte) (*File, error) {
	f := &File{Path: name}
	if strings.TrimSpace(string(data)) == "" {
		return nil, Errors{{File: name, Pos: Pos{1, 1}, Message: "the file is empty; a test file needs test_cases"}}
	}
	if err := yaml.UnmarshalWithOptions(data, f, yaml.Strict()); err != nil {
		return nil, Errors{yamlError(name, err)}
	}
	f.Path = name
	if err := f.check().err(); err != nil {
		return nil, err
	}
	return f, nil
}

// yamlError turns a decoding error into an Error at its place.
func yamlError(name string, err error) *Error {
	var pe *posError
	if errors.As(err, &pe) {
		return &Error{File: name, Pos: pe.pos, Message: pe.msg}
	}
	var ye yaml.Error
	if errors.As(err, &ye) {
		e := &Error{File: name, Message: ye.GetMessage()}
		var te *yaml.TypeError
		if errors.As(err, &te) && te.Token != nil {
			e.Message = fmt.Sprintf("%q is not %s", te.Token.Value, describeType(te.DstType))
		}
		if strings.HasPrefix(e.Message, "unknown field ") {
			e.Message = "unknown key " + strings.TrimPrefix(e.Message, "unknown field ")
		}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			e.Pos = Pos{tk.Position.Line, tk.Position.Column}
		}
		return e
	}
	return &Error{File: name, Message: err.Error()}
}

// describeType names what a value of t is written as, for messages.
func describeType(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "of the right type"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number"
	case reflect.String:
		return "text"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	}
	return "a " + t.Kind().String()
}

// posError is an error of a node, raised while decoding; Parse gives it
// the file name.
type posError struct {
	pos Pos
	msg string
}

func (e *posError) Error() string { return fmt.Sprintf("%d:%d: %s", e.pos.Line, e.pos.Col, e.msg) }

func errorAt(n ast.Node, format string, args ...any) error {
	return &posError{pos: posOf(n), msg: fmt.Sprintf(format, args...)}
}

// posOf returns where n is written: for a mapping, its first key.
func posOf(n ast.Node) Pos {
	switch m := n.(type) {
	case *ast.MappingNode:
		if len(m.Values) > 0 {
			return posOf(m.Values[0])
		}
	case *ast.MappingValueNode:
		return posOf(m.Key)
	}
	if n == nil {
		return Pos{}
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return Pos{tk.Position.Line, tk.Position.Column}
	}
	return Pos{}
}

// entries returns the key/value pairs of a mapping node, or ok false
// when n is not a mapping.
func entries(n ast.Node) (kvs []*ast.MappingValueNode, ok bool) {
	switch m := n.(type) {
	case *ast.MappingNode:
		return m.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{m}, true
	}
	return nil, false
}

func keyOf(kv *ast.MappingValueNode) string {
	if kv.Key == nil {
		return ""
	}
	return strings.TrimSpace(kv.Key.String())
}

// UnmarshalYAML decodes the file and remembers where bot and clock are
// written, for the messages about them.
func (f *File) UnmarshalYAML(n ast.Node) error {
	kvs, ok := entries(n)
	if !ok {
		return errorAt(n, "a test file is a mapping with test_cases (and optionally bot)")
	}
	type plain File // without this method
	if err := yaml.NodeToValue(n, (*plain)(f), yaml.Strict()); err != nil {
		return err
	}
	for _, kv := range kvs {
		switch keyOf(kv) {
		case "bot":
			f.botAt = posOf(kv.Value)
		case "clock":
			f.clockAt = posOf(kv.Value)
		}
	}
	return nil
}

// UnmarshalYAML decodes a case and remembers where it starts.
func (c *Case) UnmarshalYAML(n ast.Node) error {
	if _, ok := entries(n); !ok {
		return errorAt(n, "a test case is a mapping with name and steps")
	}
	type plain Case
	if err := yaml.NodeToValue(n, (*plain)(c), yaml.Strict()); err != nil {
		return err
	}
	c.At = posOf(n)
	return nil
}

// UnmarshalYAML decodes a step and remembers where it is and which keys
// it has.
func (s *Step) UnmarshalYAML(n ast.Node) error {
	kvs, ok := entries(n)
	if !ok {
		return errorAt(n, "a step is a mapping with one key: %s", strings.Join(stepKinds, ", "))
	}
	type plain Step
	if err := yaml.NodeToValue(n, (*plain)(s), yaml.Strict()); err != nil {
		return err
	}
	s.At = posOf(n)
	for _, kv := range kvs {
		s.keys = append(s.keys, keyOf(kv))
	}
	return nil
}

// UnmarshalYAML reads `press: "label"` and `press: {label: …, sku: …}`.
func (p *Press) UnmarshalYAML(n ast.Node) error {
	if _, ok := entries(n); ok {
		type plain Press
		if err := yaml.NodeToValue(n, (*plain)(p), yaml.Strict()); err != nil {
			return err
		}
	} else if err := yaml.NodeToValue(n, &p.Label); err != nil {
		return errorAt(n, `press takes a button's label ("Ajouter au panier") or {label: …, sku: …}`)
	}
	if strings.TrimSpace(p.Label) == "" {
		return errorAt(n, "press needs the button's label")
	}
	return nil
}

// UnmarshalYAML reads `order: none` and `order: {state: …}`.
func (o *OrderCheck) UnmarshalYAML(n ast.Node) error {
	if _, ok := entries(n); ok {
		type plain OrderCheck
		if err := yaml.NodeToValue(n, (*plain)(o), yaml.Strict()); err != nil {
			return err
		}
		if !slices.Contains(orderStates, o.State) {
			return errorAt(n, "order state %q is not one of %s", o.State, joinStates())
		}
		return nil
	}
	var s string
	if err := yaml.NodeToValue(n, &s); err != nil || s != "none" {
		return errorAt(n, "order takes none or {state: %s}", joinStates())
	}
	o.None = true
	return nil
}

// orderStates are the states an order check may name.
var orderStates = []concierge.OrderState{concierge.OrderPending, concierge.OrderPaid, concierge.OrderCancelled,
	concierge.OrderExpired, concierge.OrderFulfilled, concierge.OrderRefunded}

func joinStates() string {
	s := make([]string, len(orderStates))
	for i, st := range orderStates {
		s[i] = string(st)
	}
	return strings.Join(s, "|")
}

// check finds what decoding cannot: a step with no key or several,
// duplicate case names, bad values. It returns every problem.
func (f *File) check() Errors {
	var errs Errors
	add := func(p Pos, format string, args ...any) {
		errs = append(errs, &Error{File: f.Path, Pos: p, Message: fmt.Sprintf(format, args...)})
	}
	if f.Clock != "" {
		if _, err := time.Parse(time.RFC3339, f.Clock); err != nil {
			add(f.clockAt, "clock %q is not an RFC 3339 time such as 2026-03-04T10:00:00+01:00", f.Clock)
		}
	}
	if len(f.Cases) == 0 {
		add(Pos{1, 1}, "no test_cases: a test file needs at least one case")
	}
	names := map[string]Pos{}
	for i := range f.Cases {
		c := &f.Cases[i]
		if strings.TrimSpace(c.Name) == "" {
			add(c.At, "test case %d has no name", i+1)
		} else if first, dup := names[c.Name]; dup {
			add(c.At, "test case name %q is already used at line %d; names are unique within a file", c.Name, first.Line)
		} else {
			names[c.Name] = c.At
		}
		if len(c.Steps) == 0 {
			add(c.At, "test case %q has no steps", c.Name)
		}
		if c.Language != "" && !isLanguage(c.Language) {
			add(c.At, "test case %q: language %q is not a base language code such as fr or en (as the web widget sends)", c.Name, c.Language)
		}
		said := false
		for j := range c.Steps {
			st := &c.Steps[j]
			for _, msg := range st.problems(said) {
				add(st.At, "step %d: %s", j+1, msg)
			}
			said = said || st.acts()
		}
	}
	return errs
}

// problems returns what is wrong with s alone; said tells whether an
// earlier step of its case made the bot answer.
func (s *Step) problems(said bool) []string {
	switch len(s.keys) {
	case 0:
		return []string{"a step needs one key: " + strings.Join(stepKinds, ", ")}
	case 1:
	default:
		return []string{fmt.Sprintf("a step has one key, not %d (%s): write each as its own step", len(s.keys), strings.Join(s.keys, ", "))}
	}
	var out []string
	switch s.Kind() {
	case kindUser:
		if strings.TrimSpace(*s.User) == "" {
			out = append(out, "user: the text is empty")
		}
	case kindPress:
		if !said {
			out = append(out, "press: there are no replies to press a button of yet; say something first")
		}
	case kindPay:
		if s.Pay != PaySuccess && s.Pay != PayDecline {
			out = append(out, fmt.Sprintf("pay: %q is not success or decline", s.Pay))
		}
	case kindBot:
		out = append(out, s.Bot.problems(said)...)
	case kindCart:
		out = append(out, s.Cart.problems()...)
	case kindLanguage:
		if !isLanguage(s.Language) {
			out = append(out, fmt.Sprintf("language: %q is not a base language code such as fr or en", s.Language))
		}
	case "":
		// A key whose value is null or empty: "language:" or "pay:".
		out = append(out, fmt.Sprintf("%s: the value is missing", s.keys[0]))
	}
	return out
}

// isLanguage reports whether s is a base language code as the agent and
// the web widget take them: two or three lowercase letters.
func isLanguage(s string) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

func (b *BotCheck) problems(said bool) []string {
	var out []string
	if !said {
		out = append(out, "bot: there are no replies to check yet; a bot check follows a user, press or pay step")
	}
	if b.TextMatches != "" {
		re, err := regexp.Compile(plainSpaces(b.TextMatches))
		if err != nil {
			out = append(out, fmt.Sprintf("bot: text_matches is not a Go regular expression: %v", err))
		}
		b.re = re
	}
	if b.TextMatches == "" && len(b.Buttons) == 0 && b.FirstProduct == "" && b.Products == nil && len(b.NotProducts) == 0 {
		out = append(out, "bot: no check (text_matches, buttons, first_product, products or not_products)")
	}
	return out
}

func (c *CartCheck) problems() []string {
	var out []string
	seen := map[concierge.SKU]bool{}
	for _, l := range c.Lines {
		switch {
		case l.SKU == "":
			out = append(out, "cart: a line has no sku")
		case seen[l.SKU]:
			out = append(out, fmt.Sprintf("cart: %s is on two lines; give it once with its quantity", l.SKU))
		}
		seen[l.SKU] = true
		if l.Qty() < 1 {
			out = append(out, fmt.Sprintf("cart: %s has quantity %d; a line holds at least 1 (leave the product out for none)", l.SKU, l.Qty()))
		}
	}
	return out
}

// checkBot finds the checks of f that bot could never pass: SKUs it does
// not sell, languages it does not speak, totals not in its currency.
func (f *File) checkBot(bot *concierge.Bot, parseAmount func(s, currency string) (concierge.Money, error)) Errors {
	var errs Errors
	sells := map[concierge.SKU]bool{}
	for _, p := range bot.Products {
		sells[p.SKU] = true
	}
	for _, c := range f.Cases {
		for j, st := range c.Steps {
			add := func(format string, args ...any) {
				errs = append(errs, &Error{File: f.Path, Pos: st.At, Message: fmt.Sprintf("step %d: ", j+1) + fmt.Sprintf(format, args...)})
			}
			unknown := func(what string, skus ...concierge.SKU) {
				for _, s := range skus {
					if s != "" && !sells[s] {
						add("%s: bot %s sells no %s", what, bot.ID, s)
					}
				}
			}
			switch st.Kind() {
			case kindPress:
				unknown("press", st.Press.SKU)
			case kindBot:
				unknown("bot: first_product", st.Bot.FirstProduct)
				if st.Bot.Products != nil {
					unknown("bot: products", *st.Bot.Products...)
				}
				unknown("bot: not_products", st.Bot.NotProducts...)
			case kindCart:
				for _, l := range st.Cart.Lines {
					unknown("cart", l.SKU)
				}
				if st.Cart.Total != "" {
					if _, err := parseAmount(st.Cart.Total, bot.Currency); err != nil {
						add("cart: total %q is not an amount in %s", st.Cart.Total, bot.Currency)
					}
				}
			case kindLanguage:
				if !slices.Contains(bot.Locales, concierge.Locale(st.Language)) {
					add("language: bot %s does not speak %q (it speaks %v)", bot.ID, st.Language, bot.Locales)
				}
			}
		}
	}
	return errs
}

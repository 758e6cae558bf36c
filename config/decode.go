package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// maxSteps bounds the work of decoding one file, so that aliases that
// refer to aliases ("billion laughs") cannot make loading hang.
const maxSteps = 1_000_000

// maxDiagnostics bounds the problems reported for one file, so that a file
// that is not a bot file at all does not print thousands of lines.
const maxDiagnostics = 100

// source is a parsed bot file: its path and, for every value that was
// present, where it sits and how it was written. Paths look like
// "catalog.products[2].price".
type source struct {
	path   string
	values map[string]value
}

// value is where a value sits in a file and how it was written.
type value struct {
	line, col int
	// raw is a scalar's text as written, before ${VAR} expansion.
	raw string
	// env is set when the scalar referred to the environment, in which case
	// its final value must not be shown to anyone.
	env bool
	// scalar is set for a scalar; a mapping or a list is placed at its key
	// instead, which is where a reader looks for a section.
	scalar bool
	// failed is set when the value could not be read (wrong type, unset
	// variable); the problem is reported and later checks skip the value.
	failed bool
}

// at returns the value at path and whether the file had it.
func (s *source) at(path string) (value, bool) {
	if s == nil {
		return value{}, false
	}
	v, ok := s.values[path]
	return v, ok
}

// decoder fills a Go value from a YAML node, field by field, so that it can
// report every unknown key and wrong type with its position and go on, which
// goccy/go-yaml's own decoder (stopping at the first error) cannot.
type decoder struct {
	src    *source
	getenv func(string) string
	errs   *Errors
	// warn, when set, receives unset ${VAR}s as warnings instead of errs
	// (see Check).
	warn    *Errors
	anchors map[string]ast.Node
	merged  map[ast.Node][]entry // the entries each merged node brings
	steps   int
}

func newDecoder(src *source, getenv func(string) string, errs *Errors, body ast.Node) *decoder {
	d := &decoder{src: src, getenv: getenv, errs: errs, anchors: map[string]ast.Node{}, merged: map[ast.Node][]entry{}}
	ast.Walk(anchorCollector(d.anchors), body)
	return d
}

// anchorCollector records every &anchor of a document by name.
type anchorCollector map[string]ast.Node

func (a anchorCollector) Visit(n ast.Node) ast.Visitor {
	if an, ok := n.(*ast.AnchorNode); ok && an.Name != nil {
		a[an.Name.GetToken().Value] = an.Value
	}
	return a
}

// errorf reports a problem at a position.
func (d *decoder) errorf(line, col int, format string, args ...any) {
	n := len(d.errs.Diagnostics)
	switch {
	case n < maxDiagnostics:
		d.errs.add(Diagnostic{File: d.src.path, Line: line, Col: col, Message: fmt.Sprintf(format, args...)})
	case n == maxDiagnostics:
		d.errs.add(Diagnostic{File: d.src.path, Line: line, Col: col, Message: "too many errors; stopping here"})
	}
}

// fail marks the value at path as unreadable.
func (d *decoder) fail(path string) {
	rec := d.src.values[path]
	rec.failed = true
	d.src.values[path] = rec
}

// errorAt reports a problem at a node.
func (d *decoder) errorAt(n ast.Node, format string, args ...any) {
	line, col := position(n)
	d.errorf(line, col, format, args...)
}

// position returns where a node starts.
func position(n ast.Node) (line, col int) {
	switch n := n.(type) {
	case nil:
		return 0, 0
	case *ast.MappingNode:
		if len(n.Values) > 0 {
			return position(n.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return position(n.Key)
	case *ast.DocumentNode:
		return position(n.Body)
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return 0, 0
	}
	return tk.Position.Line, tk.Position.Column
}

// resolve looks through tags, anchors and aliases to the node that holds
// the value. It reports false (after reporting why) for an unknown alias.
func (d *decoder) resolve(n ast.Node) (ast.Node, bool) {
	for range 32 {
		switch t := n.(type) {
		case *ast.TagNode:
			n = t.Value
		case *ast.AnchorNode:
			n = t.Value
		case *ast.AliasNode:
			name := t.Value.GetToken().Value
			target, ok := d.anchors[name]
			if !ok {
				d.errorAt(t, "unknown alias *%s (no &%s anchor before it)", name, name)
				return nil, false
			}
			n = target
		default:
			return n, n != nil
		}
	}
	d.errorAt(n, "aliases nested too deep")
	return nil, false
}

// join appends a key to a path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// step counts one unit of work and reports false, once, when the file
// needs too much.
func (d *decoder) step(n ast.Node) bool {
	d.steps++
	if d.steps == maxSteps {
		d.errorAt(n, "the file is too complex to decode (aliases nested too deep?)")
	}
	return d.steps < maxSteps
}

// decode fills v from n, recording each present value under path.
func (d *decoder) decode(n ast.Node, v reflect.Value, path string) {
	if !d.step(n) {
		return
	}
	line, col := position(n)
	n, ok := d.resolve(n)
	if !ok {
		return
	}
	if _, null := n.(*ast.NullNode); null {
		// An empty value ("key:" or "key: null") means the key is absent,
		// so that its default applies.
		return
	}
	rec := value{line: line, col: col}
	if s, ok := n.(ast.ScalarNode); ok {
		rec.raw = scalarText(s)
		rec.scalar = true
	}
	d.src.values[path] = rec

	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path)
		if d.src.values[path].failed {
			// A section of the wrong type is absent, so that its checks
			// do not repeat the problem.
			v.SetZero()
		}
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Map:
		d.decodeMap(n, v, path)
	case reflect.Slice:
		d.decodeSlice(n, v, path)
	case reflect.String:
		if s, ok := d.text(n, path); ok {
			v.SetString(s)
		}
	case reflect.Int:
		d.decodeInt(n, v, path)
	case reflect.Bool:
		d.decodeBool(n, v, path)
	default:
		panic(fmt.Sprintf("config: cannot decode into %s", v.Type()))
	}
}

// entry is one key of a mapping, after merge keys ("<<: *base") are
// expanded.
type entry struct {
	key   string
	keyN  ast.Node
	value ast.Node
}

// entries lists a mapping's keys in order, merged ones first unless the
// mapping itself sets them.
func (d *decoder) entries(m *ast.MappingNode, depth int) []entry {
	var merged, own []entry
	for _, mv := range m.Values {
		if mv.Key != nil && mv.Key.IsMergeKey() {
			merged = append(merged, d.mergeEntries(mv.Value, depth)...)
			continue
		}
		k, ok := d.key(mv.Key)
		if !ok {
			continue
		}
		own = append(own, entry{key: k, keyN: mv.Key, value: mv.Value})
	}
	if len(merged) == 0 {
		return own
	}
	seen := map[string]bool{}
	for _, e := range own {
		seen[e.key] = true
	}
	var out []entry
	for _, e := range merged {
		if !seen[e.key] {
			seen[e.key] = true
			out = append(out, e)
		}
	}
	return append(out, own...)
}

// mergeEntries returns the entries a merge key brings in: those of a
// mapping or of a list of mappings (earlier ones win).
func (d *decoder) mergeEntries(n ast.Node, depth int) []entry {
	if depth > 8 {
		d.errorAt(n, "merge keys nested too deep")
		return nil
	}
	r, ok := d.resolve(n)
	if !ok || !d.step(n) {
		return nil
	}
	if out, done := d.merged[r]; done {
		return out
	}
	out := d.mergeNode(r, depth)
	d.merged[r] = out
	return out
}

// mergeNode computes mergeEntries for a resolved node.
func (d *decoder) mergeNode(r ast.Node, depth int) []entry {
	switch r := r.(type) {
	case *ast.MappingNode:
		return d.entries(r, depth+1)
	case *ast.SequenceNode:
		var out []entry
		seen := map[string]bool{}
		for _, item := range r.Values {
			for _, e := range d.mergeEntries(item, depth+1) {
				if !seen[e.key] {
					seen[e.key] = true
					out = append(out, e)
				}
			}
		}
		return out
	}
	d.errorAt(r, "a merge key (<<) needs a mapping or a list of mappings, got %s", describe(r))
	return nil
}

// key returns a mapping key as text.
func (d *decoder) key(k ast.MapKeyNode) (string, bool) {
	var n ast.Node = k
	if mk, ok := k.(*ast.MappingKeyNode); ok {
		n = mk.Value
	}
	r, ok := d.resolve(n)
	if !ok {
		return "", false
	}
	s, ok := r.(ast.ScalarNode)
	if !ok {
		d.errorAt(n, "a key must be text, got %s", describe(r))
		return "", false
	}
	return scalarText(s), true
}

func (d *decoder) decodeStruct(n ast.Node, v reflect.Value, path string) {
	m, ok := n.(*ast.MappingNode)
	if !ok {
		d.typeError(n, path, "a mapping (key: value)")
		return
	}
	fields := structFields(v.Type())
	for _, e := range d.entries(m, 0) {
		i, ok := fields[e.key]
		if !ok {
			d.unknownKey(e, path, v.Type())
			continue
		}
		p := join(path, e.key)
		d.decode(e.value, v.Field(i), p)
		d.placeAtKey(p, e.keyN)
	}
}

// placeAtKey moves the recorded position of a mapping or list to its key.
func (d *decoder) placeAtKey(path string, key ast.Node) {
	if rec, ok := d.src.values[path]; ok && !rec.scalar {
		rec.line, rec.col = position(key)
		d.src.values[path] = rec
	}
}

// structFields maps the yaml names of a struct's fields to their index.
func structFields(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.IsExported() && name != "" && name != "-" {
			out[name] = i
		}
	}
	return out
}

// yamlKeys lists the yaml names of a struct's fields in order.
func yamlKeys(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.IsExported() && name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

func (d *decoder) unknownKey(e entry, path string, t reflect.Type) {
	where := ""
	if path != "" {
		where = " in " + path
	}
	keys := yamlKeys(t)
	if s := suggest(e.key, keys); s != "" {
		d.errorAt(e.keyN, "unknown key %q%s; did you mean %q?", e.key, where, s)
		return
	}
	d.errorAt(e.keyN, "unknown key %q%s (known keys: %s)", e.key, where, strings.Join(keys, ", "))
}

func (d *decoder) decodeMap(n ast.Node, v reflect.Value, path string) {
	m, ok := n.(*ast.MappingNode)
	if !ok {
		d.typeError(n, path, "a mapping (key: value)")
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	for _, e := range d.entries(m, 0) {
		elem := reflect.New(v.Type().Elem()).Elem()
		p := join(path, e.key)
		d.decode(e.value, elem, p)
		d.placeAtKey(p, e.keyN)
		if _, present := d.src.values[p]; present {
			v.SetMapIndex(reflect.ValueOf(e.key).Convert(v.Type().Key()), elem)
		}
	}
}

func (d *decoder) decodeSlice(n ast.Node, v reflect.Value, path string) {
	s, ok := n.(*ast.SequenceNode)
	if !ok {
		d.typeError(n, path, "a list")
		return
	}
	out := reflect.MakeSlice(v.Type(), 0, len(s.Values))
	for i, item := range s.Values {
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(item, elem, fmt.Sprintf("%s[%d]", path, i))
		out = reflect.Append(out, elem)
	}
	v.Set(out)
}

// text returns a scalar as a string, with ${VAR} references expanded in
// strings. Numbers and booleans are taken as written, so "price: 49.00"
// reads as "49.00".
func (d *decoder) text(n ast.Node, path string) (string, bool) {
	s, ok := n.(ast.ScalarNode)
	if !ok {
		d.typeError(n, path, "text")
		return "", false
	}
	raw := scalarText(s)
	if !isString(n) {
		return raw, true
	}
	out, referred, problems := expand(raw, d.getenv)
	if referred {
		rec := d.src.values[path]
		rec.env = true
		d.src.values[path] = rec
	}
	for _, p := range problems {
		if p.unset && d.warn != nil {
			line, col := position(n)
			d.warn.add(Diagnostic{File: d.src.path, Line: line, Col: col, Message: "warning: " + p.msg})
			continue
		}
		d.errorAt(n, "%s", p.msg)
	}
	if len(problems) > 0 {
		d.fail(path)
	}
	return out, len(problems) == 0
}

func (d *decoder) decodeInt(n ast.Node, v reflect.Value, path string) {
	var i int64
	switch t := n.(type) {
	case *ast.IntegerNode:
		switch x := t.Value.(type) {
		case int64:
			i = x
		case uint64:
			if x > math.MaxInt64 {
				d.fail(path)
				d.errorAt(n, "%s: %s is too large", path, scalarText(t))
				return
			}
			i = int64(x)
		}
	case *ast.StringNode:
		s, ok := d.text(n, path)
		if !ok {
			return
		}
		var err error
		i, err = strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			if d.src.values[path].env {
				d.fail(path)
				d.errorAt(n, "%s: the value of %q is not a whole number", path, t.Value)
			} else {
				d.typeError(n, path, "a whole number")
			}
			return
		}
		if !d.src.values[path].env {
			d.fail(path)
			d.errorAt(n, "%s: expected a whole number, got the text %q (remove the quotes)", path, s)
			return
		}
	default:
		d.typeError(n, path, "a whole number")
		return
	}
	if v.OverflowInt(i) {
		d.fail(path)
		d.errorAt(n, "%s: %d is too large", path, i)
		return
	}
	v.SetInt(i)
}

func (d *decoder) decodeBool(n ast.Node, v reflect.Value, path string) {
	switch t := n.(type) {
	case *ast.BoolNode:
		v.SetBool(t.Value)
		return
	case *ast.StringNode:
		if strings.Contains(t.Value, "${") {
			s, ok := d.text(n, path)
			if !ok {
				return
			}
			b, err := strconv.ParseBool(strings.TrimSpace(s))
			if err != nil {
				d.fail(path)
				d.errorAt(n, "%s: the value of %q is not true or false", path, t.Value)
				return
			}
			v.SetBool(b)
			return
		}
	}
	d.typeError(n, path, "true or false")
}

// typeError reports that the node at path is not what the field holds.
func (d *decoder) typeError(n ast.Node, path, want string) {
	d.fail(path)
	if path == "" {
		d.errorAt(n, "a bot file must be a mapping of keys such as bot: and catalog:, got %s", describe(n))
		return
	}
	d.errorAt(n, "%s: expected %s, got %s", path, want, describe(n))
}

// describe names what a node is, for error messages.
func describe(n ast.Node) string {
	switch n := n.(type) {
	case *ast.MappingNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode:
		if strings.Contains(n.Value, "${") {
			return "a ${VAR} reference"
		}
		return fmt.Sprintf("%q", shorten(n.Value))
	case ast.ScalarNode:
		return shorten(scalarText(n))
	}
	return "something else"
}

// shorten truncates s for error messages.
func shorten(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:37]) + "…"
	}
	return s
}

// isString reports whether a scalar is a string (plain, quoted or block)
// rather than a number, boolean or null.
func isString(n ast.Node) bool {
	switch n.(type) {
	case *ast.StringNode, *ast.LiteralNode:
		return true
	}
	return false
}

// scalarText returns a scalar's value as text: a string's content, or a
// number or boolean as it was written.
func scalarText(n ast.ScalarNode) string {
	switch t := n.(type) {
	case *ast.StringNode:
		return t.Value
	case *ast.LiteralNode:
		if t.Value != nil {
			return t.Value.Value
		}
		return ""
	}
	if tk := n.GetToken(); tk != nil {
		return tk.Value
	}
	return ""
}

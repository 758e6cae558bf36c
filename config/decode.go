package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
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
// a YAML library's own decoder (stopping at the first error) cannot.
type decoder struct {
	src    *source
	getenv func(string) string
	errs   *Errors
	// warn, when set, receives unset ${VAR}s as warnings instead of errs
	// (see Check).
	warn   *Errors
	merged map[*yaml.Node][]entry // the entries each merged node brings
	// fields caches structFields by type: a catalog decodes the same
	// Product struct thousands of times.
	fields map[reflect.Type]map[string]int
	// duplicates holds the keys already reported as defined twice, since
	// a mapping that is merged elsewhere has its entries listed again.
	duplicates map[*yaml.Node]bool
	steps      int
}

func newDecoder(src *source, getenv func(string) string, errs *Errors) *decoder {
	return &decoder{src: src, getenv: getenv, errs: errs,
		merged: map[*yaml.Node][]entry{}, fields: map[reflect.Type]map[string]int{}}
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
func (d *decoder) errorAt(n *yaml.Node, format string, args ...any) {
	line, col := position(n)
	d.errorf(line, col, format, args...)
}

// position returns where a node starts: a mapping at its first key, which
// is where a reader looks for it.
func position(n *yaml.Node) (line, col int) {
	if n == nil {
		return 0, 0
	}
	if (n.Kind == yaml.MappingNode || n.Kind == yaml.DocumentNode) && len(n.Content) > 0 {
		return position(n.Content[0])
	}
	return n.Line, n.Column
}

// resolve looks through aliases to the node that holds the value. The
// parser has already refused an alias without an anchor.
func (d *decoder) resolve(n *yaml.Node) (*yaml.Node, bool) {
	for range 32 {
		if n == nil || n.Kind != yaml.AliasNode {
			return n, n != nil
		}
		if n.Alias == nil {
			d.errorAt(n, "unknown alias *%s (no &%s anchor before it)", n.Value, n.Value)
			return nil, false
		}
		n = n.Alias
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
func (d *decoder) step(n *yaml.Node) bool {
	d.steps++
	if d.steps == maxSteps {
		d.errorAt(n, "the file is too complex to decode (aliases nested too deep?)")
	}
	return d.steps < maxSteps
}

// decode fills v from n, recording each present value under path, and
// reports whether the value is present. A mapping or a list is recorded
// at its key when there is one, which is where a reader looks for a
// section.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, key *yaml.Node) bool {
	if !d.step(n) {
		return false
	}
	line, col := position(n)
	n, ok := d.resolve(n)
	if !ok {
		return false
	}
	if isNull(n) {
		// An empty value ("key:" or "key: null") means the key is absent,
		// so that its default applies.
		return false
	}
	rec := value{line: line, col: col}
	if n.Kind == yaml.ScalarNode {
		rec.raw = n.Value
		rec.scalar = true
	} else if key != nil {
		rec.line, rec.col = position(key)
	}
	d.src.values[path] = rec

	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path, key)
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
	return true
}

// entry is one key of a mapping, after merge keys ("<<: *base") are
// expanded.
type entry struct {
	key   string
	keyN  *yaml.Node
	value *yaml.Node
}

// entries lists a mapping's keys in order, merged ones first unless the
// mapping itself sets them. A key written twice is reported, and its
// second value ignored.
func (d *decoder) entries(m *yaml.Node, depth int) []entry {
	var merged []entry
	own := make([]entry, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		kn, vn := m.Content[i], m.Content[i+1]
		if kn.Kind == yaml.ScalarNode && kn.ShortTag() == "!!merge" {
			merged = append(merged, d.mergeEntries(vn, depth)...)
			continue
		}
		k, ok := d.key(kn)
		if !ok {
			continue
		}
		if first := findKey(own, k); first != nil {
			d.duplicate(kn, k, first)
			continue
		}
		own = append(own, entry{key: k, keyN: kn, value: vn})
	}
	if len(merged) == 0 {
		return own
	}
	seen := make(map[string]bool, len(own)+len(merged))
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

// findKey returns the entry of es with key k, or nil. A linear scan: the
// mappings of a bot file hold a few keys each.
func findKey(es []entry, k string) *yaml.Node {
	for i := range es {
		if es[i].key == k {
			return es[i].keyN
		}
	}
	return nil
}

// duplicate reports, once, a key that its mapping already defined, as
// YAML forbids.
func (d *decoder) duplicate(kn *yaml.Node, k string, first *yaml.Node) {
	if d.duplicates == nil {
		d.duplicates = map[*yaml.Node]bool{}
	}
	if d.duplicates[kn] {
		return
	}
	d.duplicates[kn] = true
	line, _ := position(first)
	d.errorAt(kn, "invalid YAML: mapping key %q already defined at line %d", k, line)
}

// mergeEntries returns the entries a merge key brings in: those of a
// mapping or of a list of mappings (earlier ones win).
func (d *decoder) mergeEntries(n *yaml.Node, depth int) []entry {
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
func (d *decoder) mergeNode(r *yaml.Node, depth int) []entry {
	switch r.Kind {
	case yaml.MappingNode:
		return d.entries(r, depth+1)
	case yaml.SequenceNode:
		var out []entry
		seen := map[string]bool{}
		for _, item := range r.Content {
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
func (d *decoder) key(k *yaml.Node) (string, bool) {
	r, ok := d.resolve(k)
	if !ok {
		return "", false
	}
	if r.Kind != yaml.ScalarNode {
		d.errorAt(k, "a key must be text, got %s", describe(r))
		return "", false
	}
	return r.Value, true
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.typeError(n, path, "a mapping (key: value)")
		return
	}
	fields := d.structFields(v.Type())
	for _, e := range d.entries(n, 0) {
		i, ok := fields[e.key]
		if !ok {
			d.unknownKey(e, path, v.Type())
			continue
		}
		d.decode(e.value, v.Field(i), join(path, e.key), e.keyN)
	}
}

// structFields maps the yaml names of a struct's fields to their index.
func (d *decoder) structFields(t reflect.Type) map[string]int {
	if out, ok := d.fields[t]; ok {
		return out
	}
	out := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.IsExported() && name != "" && name != "-" {
			out[name] = i
		}
	}
	d.fields[t] = out
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

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.typeError(n, path, "a mapping (key: value)")
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	for _, e := range d.entries(n, 0) {
		elem := reflect.New(v.Type().Elem()).Elem()
		if d.decode(e.value, elem, join(path, e.key), e.keyN) {
			v.SetMapIndex(reflect.ValueOf(e.key).Convert(v.Type().Key()), elem)
		}
	}
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.typeError(n, path, "a list")
		return
	}
	out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.decode(item, out.Index(i), path+"["+strconv.Itoa(i)+"]", nil)
	}
	v.Set(out)
}

// text returns a scalar as a string, with ${VAR} references expanded in
// strings. Numbers and booleans are taken as written, so "price: 49.00"
// reads as "49.00".
func (d *decoder) text(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.typeError(n, path, "text")
		return "", false
	}
	raw := n.Value
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

func (d *decoder) decodeInt(n *yaml.Node, v reflect.Value, path string) {
	var i int64
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int":
		var err error
		if i, err = strconv.ParseInt(n.Value, 10, 64); err != nil {
			// Other notations (0x1F, 1_000) as YAML reads them.
			if err := n.Decode(&i); err != nil {
				d.fail(path)
				d.errorAt(n, "%s: %s is too large", path, n.Value)
				return
			}
		}
	case isString(n):
		s, ok := d.text(n, path)
		if !ok {
			return
		}
		var err error
		i, err = strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			if d.src.values[path].env {
				d.fail(path)
				d.errorAt(n, "%s: the value of %q is not a whole number", path, n.Value)
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

func (d *decoder) decodeBool(n *yaml.Node, v reflect.Value, path string) {
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil {
			v.SetBool(b)
			return
		}
	case isString(n) && strings.Contains(n.Value, "${"):
		s, ok := d.text(n, path)
		if !ok {
			return
		}
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			d.fail(path)
			d.errorAt(n, "%s: the value of %q is not true or false", path, n.Value)
			return
		}
		v.SetBool(b)
		return
	}
	d.typeError(n, path, "true or false")
}

// typeError reports that the node at path is not what the field holds.
func (d *decoder) typeError(n *yaml.Node, path, want string) {
	d.fail(path)
	if path == "" {
		d.errorAt(n, "a bot file must be a mapping of keys such as bot: and catalog:, got %s", describe(n))
		return
	}
	d.errorAt(n, "%s: expected %s, got %s", path, want, describe(n))
}

// describe names what a node is, for error messages.
func describe(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case isString(n):
		if strings.Contains(n.Value, "${") {
			return "a ${VAR} reference"
		}
		return fmt.Sprintf("%q", shorten(n.Value))
	case n.Kind == yaml.ScalarNode:
		return shorten(n.Value)
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

// isString reports whether a node is a string scalar (plain, quoted or
// block) rather than a number, boolean or null.
func isString(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str"
}

// isNull reports whether a node is an empty value ("key:", "~", null).
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

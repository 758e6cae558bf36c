package config

import (
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"sync"

	"go.yaml.in/yaml/v3"
)

// The codec of the bot file cache (see cache.go). It writes what the
// first half of parsing (decodeYAML) produced, before any default or
// check: the File's values and the source's record of every value (its
// position, whether it was a scalar, whether it came from ${VAR}). The
// paths of the records are not written: the File is walked in the
// decoder's order, each value under the path the decoder gives it
// ("catalog.products[3].name.fr"), and each value says whether the
// source has a record there. The walk must meet every record: the
// encoder refuses a source it would not restore whole.
//
// A value that came from the environment is never written: its record
// keeps the text as written ("${STRIPE_KEY}", which is in the bot file
// already) and reading the cache expands it again with the decoder, with
// the environment of that start.

// Flags of a value's record.
const (
	recPresent = 1 << iota // the source has a record at this path
	recScalar
	recEnv
	recFailed
	recRaw // the text as written follows (it is not the value's own text)
)

// errCacheFormat is what a cache whose payload cannot be read gives.
var errCacheFormat = errors.New("malformed payload")

// fieldPlan is a struct field the decoder fills: its index and yaml name.
type fieldPlan struct {
	index int
	name  string
}

var fieldPlans sync.Map // reflect.Type → []fieldPlan

// planOf lists the fields of a struct type as decoder.structFields does.
func planOf(t reflect.Type) []fieldPlan {
	if p, ok := fieldPlans.Load(t); ok {
		return p.([]fieldPlan)
	}
	var out []fieldPlan
	for i, name := range yamlFieldNames(t) {
		if name != "" {
			out = append(out, fieldPlan{index: i, name: name})
		}
	}
	fieldPlans.Store(t, out)
	return out
}

// yamlFieldNames gives each field of t its yaml name, "" for a field the
// decoder does not fill.
func yamlFieldNames(t reflect.Type) []string {
	out := make([]string, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := cutComma(f.Tag.Get("yaml"))
		if f.IsExported() && name != "" && name != "-" {
			out[i] = name
		}
	}
	return out
}

func cutComma(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// cacheEncoder writes a decoded File.
type cacheEncoder struct {
	buf     []byte
	src     *source
	records int
	err     error
}

// encodeDecoded returns the payload of a decoded f and its source.
func encodeDecoded(f *File, src *source) ([]byte, error) {
	e := &cacheEncoder{src: src, buf: make([]byte, 0, 1<<16)}
	e.buf = binary.AppendUvarint(e.buf, uint64(len(src.values)))
	e.node(reflect.ValueOf(f).Elem(), "", true)
	if e.err != nil {
		return nil, e.err
	}
	if e.records != len(src.values) {
		return nil, fmt.Errorf("the walk met %d of the %d values of the file", e.records, len(src.values))
	}
	return e.buf, nil
}

func (e *cacheEncoder) str(s string) {
	e.buf = binary.AppendUvarint(e.buf, uint64(len(s)))
	e.buf = append(e.buf, s...)
}

// ownText is the text a leaf would be written as: when it equals the
// record's raw text, raw is not written.
func ownText(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Int:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	}
	return ""
}

// node writes the record at path, then v unless it came from the
// environment. The decoder records a value only inside its parent's, so
// under an absent parent (look is false) nothing is looked up.
func (e *cacheEncoder) node(v reflect.Value, path string, look bool) {
	var (
		rec value
		ok  bool
	)
	if look {
		rec, ok = e.src.values[path]
	}
	if !ok {
		e.buf = append(e.buf, 0)
		e.value(v, path, false)
		return
	}
	e.records++
	flags := byte(recPresent)
	if rec.scalar {
		flags |= recScalar
	}
	if rec.env {
		flags |= recEnv
	}
	if rec.failed {
		flags |= recFailed
	}
	raw := rec.env || rec.raw != ownText(v)
	if raw {
		flags |= recRaw
	}
	e.buf = append(e.buf, flags)
	e.buf = binary.AppendUvarint(e.buf, uint64(max(rec.line, 0)))
	e.buf = binary.AppendUvarint(e.buf, uint64(max(rec.col, 0)))
	if raw {
		e.str(rec.raw)
	}
	if rec.env {
		switch v.Kind() {
		case reflect.String, reflect.Int, reflect.Bool:
		default:
			e.err = fmt.Errorf("%s: a %s from the environment", path, v.Kind())
		}
		return // never the value: it may be a secret
	}
	e.value(v, path, true)
}

func (e *cacheEncoder) value(v reflect.Value, path string, present bool) {
	if e.err != nil {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			e.buf = append(e.buf, 0)
			return
		}
		e.buf = append(e.buf, 1)
		e.value(v.Elem(), path, present)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			// A field the decoder does not fill is zero before the checks;
			// one that is not would be lost.
			if t.Field(i).IsExported() && !v.Field(i).IsZero() && !slices.ContainsFunc(planOf(t), func(f fieldPlan) bool { return f.index == i }) {
				e.err = fmt.Errorf("%s: field %s is set but not decoded", path, t.Field(i).Name)
				return
			}
		}
		for _, f := range planOf(t) {
			e.node(v.Field(f.index), join(path, f.name), present)
		}
	case reflect.Map:
		if v.IsNil() {
			e.buf = append(e.buf, 0)
			return
		}
		e.buf = binary.AppendUvarint(e.buf, uint64(v.Len())+1)
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int {
			switch {
			case a.String() < b.String():
				return -1
			case a.String() > b.String():
				return 1
			}
			return 0
		})
		for _, k := range keys {
			e.str(k.String())
			e.node(v.MapIndex(k), join(path, k.String()), present)
		}
	case reflect.Slice:
		if v.IsNil() {
			e.buf = append(e.buf, 0)
			return
		}
		e.buf = binary.AppendUvarint(e.buf, uint64(v.Len())+1)
		for i := range v.Len() {
			e.node(v.Index(i), path+"["+strconv.Itoa(i)+"]", present)
		}
	case reflect.String:
		e.str(v.String())
	case reflect.Int:
		e.buf = binary.AppendVarint(e.buf, v.Int())
	case reflect.Bool:
		if v.Bool() {
			e.buf = append(e.buf, 1)
		} else {
			e.buf = append(e.buf, 0)
		}
	default:
		e.err = fmt.Errorf("%s: cannot cache a %s", path, v.Type())
	}
}

// cacheDecoder reads a payload back. Malformed input panics with
// errCacheFormat, which decodeCached recovers.
type cacheDecoder struct {
	b   []byte
	src *source
	// d expands the values that came from the environment, as decoding
	// the YAML did.
	d       *decoder
	records uint64
}

// decodeCached reads a payload into a File whose source is named name;
// values from the environment are expanded with getenv, their problems
// (an unset variable) in errs.
func decodeCached(name string, payload []byte, getenv func(string) string) (f *File, src *source, errs *Errors, err error) {
	defer func() {
		if r := recover(); r != nil {
			if r != errCacheFormat {
				panic(r)
			}
			f, src, errs, err = nil, nil, nil, errCacheFormat
		}
	}()
	c := &cacheDecoder{b: payload}
	n := c.uvarint()
	if n > uint64(len(payload)) {
		return nil, nil, nil, errCacheFormat
	}
	src = &source{path: name, values: make(map[string]value, n)}
	errs = &Errors{}
	c.src = src
	c.d = newDecoder(src, getenv, errs)
	f = &File{src: src}
	c.node(reflect.ValueOf(f).Elem(), "")
	// A path written twice would be one value fewer than the records.
	if len(c.b) != 0 || c.records != n || uint64(len(src.values)) != n {
		return nil, nil, nil, errCacheFormat
	}
	return f, src, errs, nil
}

func (c *cacheDecoder) byte() byte {
	if len(c.b) == 0 {
		panic(errCacheFormat)
	}
	x := c.b[0]
	c.b = c.b[1:]
	return x
}

func (c *cacheDecoder) uvarint() uint64 {
	x, n := binary.Uvarint(c.b)
	if n <= 0 {
		panic(errCacheFormat)
	}
	c.b = c.b[n:]
	return x
}

func (c *cacheDecoder) varint() int64 {
	x, n := binary.Varint(c.b)
	if n <= 0 {
		panic(errCacheFormat)
	}
	c.b = c.b[n:]
	return x
}

func (c *cacheDecoder) str() string {
	n := c.uvarint()
	if n > uint64(len(c.b)) {
		panic(errCacheFormat)
	}
	s := string(c.b[:n])
	c.b = c.b[n:]
	return s
}

// length reads a map's or slice's length, -1 for nil; every element
// takes a byte at least, which bounds what a corrupt length allocates.
func (c *cacheDecoder) length() int {
	n := c.uvarint()
	if n == 0 {
		return -1
	}
	if n-1 > uint64(len(c.b)) {
		panic(errCacheFormat)
	}
	return int(n - 1)
}

func (c *cacheDecoder) node(v reflect.Value, path string) {
	flags := c.byte()
	if flags == 0 {
		c.value(v, path)
		return
	}
	if flags&recPresent == 0 || flags >= recRaw<<1 {
		panic(errCacheFormat)
	}
	c.records++
	line, col := c.uvarint(), c.uvarint()
	if line > 1<<31 || col > 1<<31 {
		panic(errCacheFormat)
	}
	rec := value{line: int(line), col: int(col), scalar: flags&recScalar != 0, env: flags&recEnv != 0, failed: flags&recFailed != 0}
	if flags&recRaw != 0 {
		rec.raw = c.str()
	}
	if rec.env {
		switch v.Kind() {
		case reflect.String, reflect.Int, reflect.Bool:
		default:
			panic(errCacheFormat)
		}
		// Decoded again from the text as written, as a quoted string at
		// its place in the file: the decoder records it as it did.
		c.d.decode(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: rec.raw, Line: rec.line, Column: rec.col}, v, path, nil)
		if got := c.src.values[path]; !got.env {
			panic(errCacheFormat) // the text refers to no variable
		}
		return
	}
	c.value(v, path)
	if flags&recRaw == 0 {
		rec.raw = ownText(v)
	}
	c.src.values[path] = rec
}

func (c *cacheDecoder) value(v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.Pointer:
		switch c.byte() {
		case 0:
		case 1:
			v.Set(reflect.New(v.Type().Elem()))
			c.value(v.Elem(), path)
		default:
			panic(errCacheFormat)
		}
	case reflect.Struct:
		for _, f := range planOf(v.Type()) {
			c.node(v.Field(f.index), join(path, f.name))
		}
	case reflect.Map:
		n := c.length()
		if n < 0 {
			return
		}
		t := v.Type()
		m := reflect.MakeMapWithSize(t, n)
		for range n {
			k := c.str()
			elem := reflect.New(t.Elem()).Elem()
			c.node(elem, join(path, k))
			m.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), elem)
		}
		if m.Len() != n {
			panic(errCacheFormat) // a key twice
		}
		v.Set(m)
	case reflect.Slice:
		n := c.length()
		if n < 0 {
			return
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			c.node(s.Index(i), path+"["+strconv.Itoa(i)+"]")
		}
		v.Set(s)
	case reflect.String:
		v.SetString(c.str())
	case reflect.Int:
		x := c.varint()
		if v.OverflowInt(x) {
			panic(errCacheFormat)
		}
		v.SetInt(x)
	case reflect.Bool:
		switch c.byte() {
		case 0:
			v.SetBool(false)
		case 1:
			v.SetBool(true)
		default:
			panic(errCacheFormat)
		}
	default:
		panic(errCacheFormat)
	}
}

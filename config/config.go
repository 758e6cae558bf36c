package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	goccy "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"go.yaml.in/yaml/v3"
)

// Load reads the bot file at path or, when path is a folder, every *.yaml
// and *.yml file directly in it (hidden files aside), in name order: one
// server may run several bots. getenv resolves ${VAR} references; nil means
// os.Getenv.
//
// When the files can be read but are not valid, the error is an *Errors
// holding every problem of every file, including a bot id used by two
// files. Other errors (a missing path, an unreadable file) are returned
// wrapped.
func Load(path string, getenv func(string) string) ([]*File, error) {
	return load(path, getenv, nil)
}

// load is Load; a non-nil warn makes unset variables warnings (see Check).
func load(path string, getenv func(string) string, warn *Errors) ([]*File, error) {
	return loadWith(path, func(p string) (*File, error) { return loadFile(p, getenv, warn) })
}

// loadWith is load with each file read by loadOne (see LoadCached).
func loadWith(path string, loadOne func(string) (*File, error)) ([]*File, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	paths := []string{path}
	if info.IsDir() {
		if paths, err = botFiles(path); err != nil {
			return nil, err
		}
		if len(paths) == 0 {
			return nil, &Errors{Diagnostics: []Diagnostic{{File: path, Message: "no bot files (*.yaml, *.yml) in this folder"}}}
		}
	}

	var (
		files  []*File
		errs   = &Errors{}
		byID   = map[string]*File{}
		errsIn *Errors
	)
	for _, p := range paths {
		f, err := loadOne(p)
		switch {
		case errors.As(err, &errsIn):
			errs.add(errsIn.Diagnostics...)
			continue
		case err != nil:
			return nil, err
		}
		if first, dup := byID[f.ID]; dup {
			v, _ := f.src.at("bot")
			id := fmt.Sprintf("%q", f.ID)
			if v.env {
				id = fmt.Sprintf("%q (from the environment)", v.raw)
			}
			errs.add(Diagnostic{File: p, Line: v.line, Col: v.col,
				Message: fmt.Sprintf("bot id %s is already used by %s; each bot needs its own id", id, first.Path())})
			continue
		}
		byID[f.ID] = f
		files = append(files, f)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return files, nil
}

// botFiles lists the bot files directly in dir, sorted by name.
func botFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if e.Type()&fs.ModeType&^fs.ModeSymlink != 0 || strings.HasPrefix(name, ".") || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		out = append(out, filepath.Join(dir, name))
	}
	slices.Sort(out)
	return out, nil
}

// LoadFile reads one bot file; see Load. It does not check that the bot id
// is unique, which only makes sense across files.
func LoadFile(path string, getenv func(string) string) (*File, error) {
	return loadFile(path, getenv, nil)
}

func loadFile(path string, getenv func(string) string, warn *Errors) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return parse(path, data, getenv, warn)
}

// Parse reads a bot file from data; name is the file name used in
// diagnostics. It is LoadFile without the file system, for tests and for
// bots embedded in a program.
func Parse(name string, data []byte, getenv func(string) string) (*File, error) {
	return parse(name, data, getenv, nil)
}

func parse(name string, data []byte, getenv func(string) string, warn *Errors) (*File, error) {
	f, src, errs := decodeYAML(name, data, getenv, warn)
	if f == nil {
		return nil, errs.err()
	}
	return finish(f, src, errs, warn)
}

// decodeYAML is the first half of parse: it parses data and fills a File
// from it, ${VAR}s expanded, before any default or check. f is nil when
// the file cannot be checked at all (errs says why); errs may hold
// problems when f is not nil, which finish reports.
func decodeYAML(name string, data []byte, getenv func(string) string, warn *Errors) (f *File, src *source, errs *Errors) {
	if getenv == nil {
		getenv = os.Getenv
	}
	errs = &Errors{}
	src = &source{path: name, values: map[string]value{}}
	diag := func(line, col int, msg string) {
		errs.add(Diagnostic{File: name, Line: line, Col: col, Message: msg})
	}

	body, second, err := parseYAML(data)
	if err != nil {
		line, col, msg := syntaxError(data, err)
		diag(line, col, msg)
		return nil, src, errs
	}
	if body == nil {
		diag(1, 1, `the file is empty; a bot file needs at least a "bot:" key`)
		return nil, src, errs
	}
	if second != nil {
		line, col := position(second)
		diag(line, col, "a bot file holds one bot; put each bot in a file of its own")
	}

	// Sizing the map at once spares a large catalog the map's growth
	// (a third of decoding 10,000 products).
	src.values = make(map[string]value, countValues(body))
	f = &File{src: src}
	d := newDecoder(src, getenv, errs)
	d.warn = warn
	d.decode(body, reflect.ValueOf(f).Elem(), "", nil)
	if _, ok := src.at(""); !ok {
		// The document is a bare null ("~"): there is nothing to check.
		diag(1, 1, `the file is empty; a bot file needs at least a "bot:" key`)
		return nil, src, errs
	}
	if root, _ := src.at(""); root.failed {
		// Not a mapping: every check would only repeat that.
		return nil, src, errs
	}
	return f, src, errs
}

// finish is the second half of parse: it applies the defaults to a
// decoded File, checks it and reads its file feeds.
func finish(f *File, src *source, errs *Errors, warn *Errors) (*File, error) {
	check(f, src, errs)
	readSources(f, src, errs, warn != nil)
	if warn != nil {
		checkVariants(f, src, errs)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return f, nil
}

// Path returns the file f was loaded from, or "" for a File built in code.
func (f *File) Path() string {
	if f.src == nil {
		return ""
	}
	return f.src.path
}

// parseYAML parses data with go.yaml.in/yaml/v3 and returns the body of
// its first document that has one and that of the next, if any: a bot
// file holds one document. body is nil when no document has a body.
func parseYAML(data []byte) (body, second *yaml.Node, err error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for second == nil {
		var doc yaml.Node
		switch err := dec.Decode(&doc); {
		case errors.Is(err, io.EOF):
			return body, nil, nil
		case err != nil:
			return nil, nil, err
		}
		if len(doc.Content) == 0 || isNull(doc.Content[0]) && doc.Content[0].Value == "" {
			continue // an empty document, as between "---" and "..."
		}
		if body == nil {
			body = doc.Content[0]
		} else {
			second = doc.Content[0]
		}
	}
	return body, second, nil
}

// countValues counts the values of a tree (keys aside, an alias as
// one): decoding records one per present value at most.
func countValues(n *yaml.Node) int {
	c := 1
	step := 1
	start := 0
	if n.Kind == yaml.MappingNode {
		start, step = 1, 2
	}
	for i := start; i < len(n.Content); i += step {
		c += countValues(n.Content[i])
	}
	return c
}

// definedAt matches goccy/go-yaml's "[line:col]" position references.
var definedAt = regexp.MustCompile(`at \[(\d+):(\d+)\]`)

// yamlLine matches the line number of a go.yaml.in/yaml/v3 error.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// syntaxError turns the refusal of data by go.yaml.in/yaml/v3 into a
// position and a message. yaml.v3's errors give a line at most, so the
// file is parsed again with goccy/go-yaml, whose errors carry a column:
// a syntax error or an alias without an anchor is reported as goccy/go-yaml
// reports it, anything else with yaml.v3's message. Only files that are
// refused pay for the second parse.
func syntaxError(data []byte, err error) (line, col int, msg string) {
	parsed, gerr := parser.ParseBytes(data, 0)
	var ye goccy.Error
	if gerr != nil && errors.As(gerr, &ye) {
		msg = definedAt.ReplaceAllString(ye.GetMessage(), "at line $1")
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			line, col = tk.Position.Line, tk.Position.Column
		}
		return line, col, "invalid YAML: " + msg
	}
	if gerr == nil {
		if line, col, msg, ok := badAlias(parsed); ok {
			return line, col, msg
		}
	}
	msg = err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		col = 1
		msg = msg[len(m[0]):]
	}
	return line, col, "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")
}

// badAlias finds the first alias of a parsed file whose anchor does not
// come before it.
func badAlias(parsed *ast.File) (line, col int, msg string, ok bool) {
	for _, doc := range parsed.Docs {
		v := &aliasChecker{defined: map[string]bool{}}
		ast.Walk(v, doc)
		if v.bad != nil {
			name := v.bad.Value.GetToken().Value
			p := v.bad.GetToken().Position
			return p.Line, p.Column, fmt.Sprintf("unknown alias *%s (no &%s anchor before it)", name, name), true
		}
	}
	return 0, 0, "", false
}

// aliasChecker walks a document in order, noting anchors, and stops at
// the first alias to an anchor not seen yet.
type aliasChecker struct {
	defined map[string]bool
	bad     *ast.AliasNode
}

func (a *aliasChecker) Visit(n ast.Node) ast.Visitor {
	if a.bad != nil {
		return nil
	}
	switch n := n.(type) {
	case *ast.AnchorNode:
		if n.Name != nil {
			a.defined[n.Name.GetToken().Value] = true
		}
	case *ast.AliasNode:
		if n.Value != nil && !a.defined[n.Value.GetToken().Value] {
			a.bad = n
			return nil
		}
	}
	return a
}

package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
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
		f, err := loadFile(p, getenv, warn)
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
	if getenv == nil {
		getenv = os.Getenv
	}
	errs := &Errors{}
	src := &source{path: name, values: map[string]value{}}
	diag := func(line, col int, msg string) {
		errs.add(Diagnostic{File: name, Line: line, Col: col, Message: msg})
	}

	parsed, err := parser.ParseBytes(data, 0)
	if err != nil {
		line, col, msg := syntaxError(err)
		diag(line, col, msg)
		return nil, errs.err()
	}
	var docs []*ast.DocumentNode
	for _, d := range parsed.Docs {
		if d != nil && d.Body != nil {
			docs = append(docs, d)
		}
	}
	if len(docs) == 0 {
		diag(1, 1, `the file is empty; a bot file needs at least a "bot:" key`)
		return nil, errs.err()
	}
	if len(docs) > 1 {
		line, col := position(docs[1].Body)
		diag(line, col, "a bot file holds one bot; put each bot in a file of its own")
	}

	f := &File{src: src}
	d := newDecoder(src, getenv, errs, docs[0].Body)
	d.warn = warn
	d.decode(docs[0].Body, reflect.ValueOf(f).Elem(), "")
	if _, ok := src.at(""); !ok {
		// The document is a bare null ("~"): there is nothing to check.
		diag(1, 1, `the file is empty; a bot file needs at least a "bot:" key`)
		return nil, errs.err()
	}
	if root, _ := src.at(""); root.failed {
		// Not a mapping: every check would only repeat that.
		return nil, errs.err()
	}
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

// definedAt matches goccy/go-yaml's "[line:col]" position references.
var definedAt = regexp.MustCompile(`at \[(\d+):(\d+)\]`)

// syntaxError turns a YAML parse error into a position and a message.
func syntaxError(err error) (line, col int, msg string) {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return 0, 0, "invalid YAML: " + err.Error()
	}
	msg = definedAt.ReplaceAllString(ye.GetMessage(), "at line $1")
	if tk := ye.GetToken(); tk != nil && tk.Position != nil {
		line, col = tk.Position.Line, tk.Position.Column
	}
	return line, col, "invalid YAML: " + msg
}

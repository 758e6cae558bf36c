package catalog_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDeps keeps the index free of I/O and of the rest of Concierge: it
// runs inside the agent's turn for every message, so it may use only the
// vocabulary, Unicode tables, the standard library and xxhash (the key
// and checksum of snapshots). catalogtest, used by tests only, may also
// read YAML.
func TestDeps(t *testing.T) {
	checkImports(t, ".", func(path string) string {
		switch {
		case path == "github.com/conciergehq/concierge", strings.HasPrefix(path, "golang.org/x/text/"):
			return ""
		case path == "github.com/cespare/xxhash/v2":
			return "" // the key and checksum of snapshots (snapshot.go)
		case !strings.Contains(strings.Split(path, "/")[0], "."):
			if path == "os" || path == "net" || strings.HasPrefix(path, "net/") || path == "database/sql" {
				return "the index does no I/O; callers hand it products"
			}
			return ""
		}
		return "catalog may import only concierge, golang.org/x/text, xxhash and the standard library"
	})
	checkImports(t, "catalogtest", func(path string) string {
		switch {
		case path == "github.com/conciergehq/concierge", path == "github.com/goccy/go-yaml":
			return ""
		case !strings.Contains(strings.Split(path, "/")[0], "."):
			return ""
		}
		return "catalogtest loads YAML test catalogs and needs nothing else"
	})
}

// checkImports fails for each import of the non-test Go files in dir that
// why rejects, with the reason.
func checkImports(t *testing.T, dir string, why func(path string) string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if reason := why(path); reason != "" {
				t.Errorf("%s imports %s: %s", f, path, reason)
			}
		}
	}
}

package langid_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDeps keeps language identification a pure function of text and
// locales: it runs on every message inside the agent's turn, so it does no
// I/O and knows nothing of conversations, stores or channels, and its only
// outside dependency is the library it wraps.
func TestDeps(t *testing.T) {
	files, err := filepath.Glob("*.go")
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
			switch {
			case path == "github.com/conciergehq/concierge", path == "github.com/pemistahl/lingua-go":
			case path == "os", path == "net", strings.HasPrefix(path, "net/"), path == "database/sql":
				t.Errorf("%s imports %s: langid does no I/O", f, path)
			case strings.Contains(strings.Split(path, "/")[0], "."):
				t.Errorf("%s imports %s: langid may import only concierge, lingua-go and the standard library", f, path)
			}
		}
	}
}

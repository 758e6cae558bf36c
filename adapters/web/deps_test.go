package web

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps the adapter a translator: it may use the standard
// library and the root package, and nothing else. Echo belongs to webhooks,
// carts and orders to agent and checkout, and adapters never share code.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			root := path
			if i := strings.IndexByte(path, '/'); i >= 0 {
				root = path[:i]
			}
			stdlib := !strings.Contains(root, ".")
			if !stdlib && path != "github.com/conciergehq/concierge" {
				t.Errorf("%s imports %s: the web adapter may import only the standard library and the root package", name, path)
			}
		}
	}
}

package wechat_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps the adapter free of third-party code: the standard
// library, the root package and internal helpers only. In particular the
// Redis token cache lives in redistoken, so that a binary that does not
// ask for Redis does not link go-redis through the adapter.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	const module = "github.com/conciergehq/concierge"
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			stdlib := !strings.Contains(strings.SplitN(path, "/", 2)[0], ".")
			if !stdlib && path != module && !strings.HasPrefix(path, module+"/internal/") {
				t.Errorf("%s imports %s: the WeChat adapter may import only the standard library, the root package and internal/", name, path)
			}
		}
	}
}

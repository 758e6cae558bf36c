package agentcommerce_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps the agents' packages on the outer side of the
// interfaces: they reach the store and checkout through agentcommerce's
// interfaces, which cmd satisfies, and know no adapter, brain or bot file.
func TestImports(t *testing.T) {
	const module = "github.com/conciergehq/concierge/"
	forbid := []string{"store", "checkout", "config", "adapters", "agent/", "webhooks", "handoff", "cmd"}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		// The adapters of the real store and checkout (sqlagents), which
		// server wires, and the test-support package that hands them to
		// tests are the edge: nothing else here may import them.
		if slashed := filepath.ToSlash(path); strings.HasPrefix(slashed, "agentcommercetest/") || strings.HasPrefix(slashed, "sqlagents/") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, s := range f.Imports {
			imp, _ := strconv.Unquote(s.Path.Value)
			if imp == module+"agentcommerce/agentcommercetest" {
				t.Errorf("%s imports agentcommercetest, which is for tests only", path)
			}
			if imp == module+"agentcommerce/sqlagents" {
				t.Errorf("%s imports sqlagents: the store's adapters are for server to wire, not for the protocols", path)
			}
			for _, bad := range forbid {
				if strings.HasPrefix(imp, module+bad) {
					t.Errorf("%s imports %s: agentcommerce reaches the store and checkout through its interfaces; cmd wires them", path, imp)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

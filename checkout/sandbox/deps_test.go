package sandbox

import (
	"go/build"
	"strings"
	"testing"
)

// TestDeps keeps the sandbox to the standard library, the root package and
// the internal helpers every feature may use:
// it is a payment provider, so it must not reach adapters, the agent, the
// store or echo; cmd/concierge wires it to them.
func TestDeps(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	const root = "github.com/conciergehq/concierge"
	for _, imp := range pkg.Imports {
		first, _, _ := strings.Cut(imp, "/")
		if imp == root || strings.HasPrefix(imp, root+"/internal/") || !strings.Contains(first, ".") {
			continue
		}
		t.Errorf("sandbox imports %s; a payment provider may import only the standard library, %s and its internal helpers", imp, root)
	}
}

package server

import (
	"os"
	"testing"

	"github.com/conciergehq/concierge/internal/buildinfo"
)

// TestExecutableID checks that the executable's identity is derived from
// its Go build ID when it has one (internal/buildinfo tests the reading),
// and not from hashing the file.
func TestExecutableID(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if buildinfo.GoBuildID(exe) == "" {
		t.Skip("this test binary has no Go build ID")
	}
	a, err := executableID()
	if err != nil {
		t.Fatal(err)
	}
	h, err := fileHash(exe)
	if err != nil {
		t.Fatal(err)
	}
	if a == h {
		t.Errorf("executableID hashed the file although the build ID was readable")
	}
}

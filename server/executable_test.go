package server

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestGoBuildID reads the test binary's build ID as `go tool buildid`
// prints it, and checks that the executable's identity is derived from it
// and stable within the process.
func TestGoBuildID(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "tool", "buildid", exe).Output()
	if err != nil {
		t.Skipf("go tool buildid: %v", err)
	}
	want := strings.TrimSpace(string(out))
	if got := goBuildID(exe); got != want {
		t.Errorf("goBuildID = %q, want %q", got, want)
	}
	if got := rawBuildID(exe); got != "" && got != want {
		t.Errorf("rawBuildID = %q, want %q or nothing (ELF keeps it in a note)", got, want)
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
		t.Errorf("executableID hashed the file although the build ID %q was readable", want)
	}
}

// TestGoBuildIDNotTrusted checks that a file without a build ID the go
// command wrote gets none, so the whole file is hashed.
func TestGoBuildIDNotTrusted(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"empty":    "",
		"text":     "not an executable",
		"by hand":  "\x00\x00\xff Go build ID: \"redacted\"\n \xff\x00",
		"3 parts":  "\xff Go build ID: \"a/b/c\"\n \xff",
		"an empty": "\xff Go build ID: \"a//c/d\"\n \xff",
	} {
		path := dir + "/" + strings.ReplaceAll(name, " ", "-")
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := goBuildID(path); got != "" {
			t.Errorf("%s: goBuildID = %q, want none", name, got)
		}
	}
	path := dir + "/raw"
	if err := os.WriteFile(path, []byte("MZ\x00\xff Go build ID: \"a/b/c/d\"\n \xff rest"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := goBuildID(path); got != "a/b/c/d" {
		t.Errorf("raw: goBuildID = %q, want a/b/c/d", got)
	}
}

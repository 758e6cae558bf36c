package buildinfo

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestGoBuildID reads the test binary's build ID as `go tool buildid`
// prints it.
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
	if got := GoBuildID(exe); got != want {
		t.Errorf("GoBuildID = %q, want %q", got, want)
	}
	if got := rawBuildID(exe); got != "" && got != want {
		t.Errorf("rawBuildID = %q, want %q or nothing (ELF keeps it in a note)", got, want)
	}
}

// TestGoBuildIDNotTrusted checks that a file without a build ID the go
// command wrote gets none (its users then hash the whole file).
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
		if got := GoBuildID(path); got != "" {
			t.Errorf("%s: GoBuildID = %q, want none", name, got)
		}
	}
	path := dir + "/raw"
	if err := os.WriteFile(path, []byte("MZ\x00\xff Go build ID: \"a/b/c/d\"\n \xff rest"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := GoBuildID(path); got != "a/b/c/d" {
		t.Errorf("raw: GoBuildID = %q, want a/b/c/d", got)
	}
}

package main

import (
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// TestVersion: `concierge version` and `--version` print the module
// version, the commit, the time and the Go version, and /metrics carries
// the same values as concierge_build_info's labels.
func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version"} {
		code, stdout, stderr := runCmd(t, "", arg)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", arg, code, stderr)
		}
		want := regexp.MustCompile(`^concierge \S+\ncommit: .+\ntime: .+\ngo: ` + regexp.QuoteMeta(runtime.Version()) + `\n$`)
		if !want.MatchString(stdout) {
			t.Errorf("%s printed:\n%s", arg, stdout)
		}
	}

	b := readBuildInfo()
	s := startShop(t, "")
	_, metrics := get(t, s.base+"/metrics")
	line := regexp.MustCompile(`(?m)^concierge_build_info\{.*\} 1$`).FindString(metrics)
	if line == "" {
		t.Fatalf("no concierge_build_info in /metrics")
	}
	for k, v := range b.Labels() {
		if !strings.Contains(line, k+`="`+v+`"`) {
			t.Errorf("%s lacks %s=%q", line, k, v)
		}
	}
}

// TestVersionStamps: the values the image build stamps win over what the
// toolchain recorded, since an image is built without .git.
func TestVersionStamps(t *testing.T) {
	defer func(v, r, tm string) { stampVersion, stampRevision, stampTime = v, r, tm }(stampVersion, stampRevision, stampTime)
	stampVersion, stampRevision, stampTime = "v1.2.3", "0123456789abcdef", "2026-01-02T03:04:05Z"
	code, stdout, _ := runCmd(t, "", "version")
	want := "concierge v1.2.3\ncommit: 0123456789abcdef\ntime: 2026-01-02T03:04:05Z\n"
	if code != 0 || !strings.HasPrefix(stdout, want) {
		t.Errorf("exit %d, printed:\n%s\nwant it to start with:\n%s", code, stdout, want)
	}
	if got := readBuildInfo().Labels()["revision"]; got != "0123456789abcdef" {
		t.Errorf("revision label %q", got)
	}
}

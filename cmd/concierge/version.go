package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/conciergehq/concierge/internal/buildinfo"
)

// The image build stamps these with -ldflags "-X main.stampVersion=…",
// since its build context holds no .git for the Go toolchain to read; they
// are the values of the image's OCI labels too (deploy/Dockerfile). In any
// other build they are empty and debug.ReadBuildInfo answers.
var (
	stampVersion  string
	stampRevision string
	stampTime     string
)

// readBuildInfo is this binary's build: the stamps above over what the
// Go toolchain recorded.
func readBuildInfo() buildinfo.Info {
	return buildinfo.Read(buildinfo.Info{Version: stampVersion, Revision: stampRevision, Time: stampTime})
}

// versionCommand prints the build's version, commit and time.
func versionCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	b := readBuildInfo()
	rev, at := b.Revision, b.Time
	if rev == "" {
		rev = "unknown"
	}
	if b.Modified {
		rev += " (modified)"
	}
	if at == "" {
		at = "unknown"
	}
	fmt.Fprintf(stdout, "concierge %s\ncommit: %s\ntime: %s\ngo: %s\n", b.Version, rev, at, b.Go)
	return 0
}

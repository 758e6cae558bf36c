package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
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

// buildInfo is what a binary knows of its own build.
type buildInfo struct {
	Version  string // module version: a tag, a pseudo-version or "(devel)"
	Revision string // VCS commit, "" when unknown
	Time     string // commit time (RFC 3339) or, in an image, the build time
	Modified bool   // the work tree had uncommitted changes
	Go       string // Go toolchain version
}

// readBuildInfo reads the build's stamps, falling back to what the Go
// toolchain recorded.
func readBuildInfo() buildInfo {
	b := buildInfo{Version: "(devel)", Go: runtime.Version()}
	if info, ok := debug.ReadBuildInfo(); ok {
		if v := info.Main.Version; v != "" {
			b.Version = v
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if stampVersion != "" {
		b.Version = stampVersion
	}
	if stampRevision != "" {
		b.Revision, b.Modified = stampRevision, false
	}
	if stampTime != "" {
		b.Time = stampTime
	}
	return b
}

// labels are the build's values as metric labels.
func (b buildInfo) labels() prometheus.Labels {
	rev := b.Revision
	if b.Modified {
		rev += "-modified"
	}
	return prometheus.Labels{"version": b.Version, "revision": rev, "time": b.Time, "goversion": b.Go}
}

// collector is the concierge_build_info gauge, always 1, whose labels say
// which build is running (to tell replicas apart during a rolling upgrade).
func (b buildInfo) collector() prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "concierge_build_info",
		Help:        "Always 1; the labels say which build of concierge runs (version, VCS revision, commit or build time, Go version).",
		ConstLabels: b.labels(),
	})
	g.Set(1)
	return g
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

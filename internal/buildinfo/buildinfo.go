// Package buildinfo says which build of concierge runs: the module
// version, the commit and its time, and the Go toolchain. The values come
// from what the Go toolchain recorded in the binary, overridden by the
// stamps an image build sets with -ldflags (its build context holds no
// .git). cmd/concierge owns the stamps and prints them; the server puts
// them on /metrics.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Info is what a binary knows of its own build.
type Info struct {
	Version  string // module version: a tag, a pseudo-version or "(devel)"
	Revision string // VCS commit, "" when unknown
	Time     string // commit time (RFC 3339) or, in an image, the build time
	Modified bool   // the work tree had uncommitted changes
	Go       string // Go toolchain version
}

// Read reads what the Go toolchain recorded, with the non-empty Version,
// Revision and Time of stamps winning: a stamped revision is a clean
// build's.
func Read(stamps Info) Info {
	b := Info{Version: "(devel)", Go: runtime.Version()}
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
	if stamps.Version != "" {
		b.Version = stamps.Version
	}
	if stamps.Revision != "" {
		b.Revision, b.Modified = stamps.Revision, false
	}
	if stamps.Time != "" {
		b.Time = stamps.Time
	}
	return b
}

// Labels are the build's values as metric labels.
func (b Info) Labels() map[string]string {
	rev := b.Revision
	if b.Modified {
		rev += "-modified"
	}
	return map[string]string{"version": b.Version, "revision": rev, "time": b.Time, "goversion": b.Go}
}

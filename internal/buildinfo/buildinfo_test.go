package buildinfo

import (
	"runtime"
	"testing"
)

// TestRead: stamps win over the toolchain's record, a stamped revision is
// a clean build's, and the labels mark a modified tree.
func TestRead(t *testing.T) {
	b := Read(Info{Version: "v1.2.3", Revision: "abc", Time: "2026-01-02T03:04:05Z"})
	if b.Version != "v1.2.3" || b.Revision != "abc" || b.Time != "2026-01-02T03:04:05Z" || b.Modified || b.Go != runtime.Version() {
		t.Fatalf("Read with stamps = %+v", b)
	}
	if b := Read(Info{}); b.Version == "" || b.Go != runtime.Version() {
		t.Fatalf("Read without stamps = %+v", b)
	}
	l := Info{Version: "v1", Revision: "abc", Modified: true, Go: "go1"}.Labels()
	if l["revision"] != "abc-modified" || l["version"] != "v1" || l["goversion"] != "go1" {
		t.Fatalf("Labels = %v", l)
	}
}

package config

import (
	"os"
	"sync"

	"github.com/conciergehq/concierge/internal/buildinfo"
)

// executableBuildID returns the Go build ID of the running executable, or
// "" when it has none the go command wrote (four non-empty parts, the
// last a SHA-256 of the linked file). The bot file cache is tied to it: a
// cache of another build, whose decoder or File may differ, is never
// read. The saved indexes (server/executable.go) read it the same way.
var executableBuildID = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	return buildinfo.GoBuildID(exe)
})

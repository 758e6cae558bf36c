package server

import (
	"io"
	"os"

	"github.com/cespare/xxhash/v2"

	"github.com/conciergehq/concierge/internal/buildinfo"
)

// A saved index may be used only by the build that wrote it: another build
// may analyse the catalog differently. The build is identified by the Go
// build ID that the go command writes into every executable it links,
// "actionID/contentID" of the compile and of the link. Its last part is a
// SHA-256 of the linked file itself (the ID's own bytes left out), so two
// executables whose bytes differ have different IDs, as with hashing the
// whole file, which took 0.12 CPU-s at each start (200 MB) where reading
// the ID takes microseconds. Only a build ID the go command wrote is
// trusted, of four non-empty parts; one set by hand (-ldflags=-buildid=,
// as some reproducible builds do), absent or unreadable, and the whole
// file is hashed as before. A file changed after linking (strip) keeps
// its ID, and its code, so the snapshot stays valid.

// identifyBuild computes the executable's identity once per process;
// Open starts it beside the reading of the bot files, catalogIndex waits
// for it.
func (m *Main) identifyBuild() {
	m.indexes.once.Do(func() { m.indexes.build, m.indexes.err = executableID() })
}

// executableID returns the identity of the running executable: a hash of
// its Go build ID, else of its bytes.
func executableID() (uint64, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, err
	}
	if id := buildinfo.GoBuildID(exe); id != "" {
		return xxhash.Sum64String("go build ID " + id), nil
	}
	return fileHash(exe)
}

// fileHash hashes the file at path.
func fileHash(path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	h := xxhash.New()
	if _, err := io.Copy(h, f); err != nil {
		return 0, err
	}
	return h.Sum64(), nil
}

package server

import (
	"bytes"
	"debug/elf"
	"io"
	"os"
	"strings"

	"github.com/cespare/xxhash/v2"
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
	if id := goBuildID(exe); id != "" {
		return xxhash.Sum64String("go build ID " + id), nil
	}
	return fileHash(exe)
}

// goBuildID returns the Go build ID of the executable at path when the go
// command wrote it (four non-empty parts separated by slashes), else "".
// It reads the ELF note .note.go.buildid, or elsewhere the ID the linker
// puts near the start of the text ("\xff Go build ID: \"…\"\n \xff"), as
// `go tool buildid` does.
func goBuildID(path string) string {
	var id string
	if f, err := elf.Open(path); err == nil {
		id = elfBuildID(f)
		f.Close()
	} else {
		id = rawBuildID(path)
	}
	parts := strings.Split(id, "/")
	if len(parts) != 4 {
		return ""
	}
	for _, p := range parts {
		if p == "" {
			return ""
		}
	}
	return id
}

// elfBuildID reads the Go note of an ELF executable: name size, descriptor
// size and type (4 bytes each, in the file's byte order), the name "Go"
// padded to 4 bytes, then the ID.
func elfBuildID(f *elf.File) string {
	s := f.Section(".note.go.buildid")
	if s == nil {
		return ""
	}
	b, err := s.Data()
	if err != nil || len(b) < 16 {
		return ""
	}
	namesz, descsz, typ := f.ByteOrder.Uint32(b), f.ByteOrder.Uint32(b[4:]), f.ByteOrder.Uint32(b[8:])
	const goBuildIDNote = 4
	if namesz != 4 || typ != goBuildIDNote || !bytes.Equal(b[12:16], []byte("Go\x00\x00")) || uint64(len(b)) < 16+uint64(descsz) {
		return ""
	}
	return string(b[16 : 16+descsz])
}

// rawBuildID finds the linker's copy of the ID in the first 32 KiB of
// the file (Mach-O, PE).
func rawBuildID(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	buf := make([]byte, 32<<10)
	n, _ := io.ReadFull(f, buf)
	buf = buf[:n]
	_, rest, ok := bytes.Cut(buf, []byte("\xff Go build ID: \""))
	if !ok {
		return ""
	}
	id, _, ok := bytes.Cut(rest, []byte("\"\n \xff"))
	if !ok {
		return ""
	}
	return string(id)
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

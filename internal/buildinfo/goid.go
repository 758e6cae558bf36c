package buildinfo

import (
	"bytes"
	"debug/elf"
	"io"
	"os"
	"strings"
)

// GoBuildID returns the Go build ID of the executable at path when the go
// command wrote it (four non-empty parts separated by slashes), else "".
// It reads the ELF note .note.go.buildid, or elsewhere the ID the linker
// puts near the start of the text ("\xff Go build ID: \"…\"\n \xff"), as
// `go tool buildid` does.
func GoBuildID(path string) string {
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

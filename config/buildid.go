package config

import (
	"bytes"
	"debug/elf"
	"io"
	"os"
	"strings"
	"sync"
)

// executableBuildID returns the Go build ID of the running executable, or
// "" when it has none the go command wrote (four non-empty parts, the
// last a SHA-256 of the linked file). The bot file cache is tied to it: a
// cache of another build, whose decoder or File may differ, is never
// read. server/executable.go reads it the same way for the saved indexes.
var executableBuildID = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	return goBuildID(exe)
})

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

// elfBuildID reads the descriptor of the note .note.go.buildid.
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
// an executable that is not ELF.
func rawBuildID(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	buf := make([]byte, 32<<10)
	n, _ := io.ReadFull(f, buf)
	buf = buf[:n]
	const prefix, suffix = "\xff Go build ID: \"", "\"\n \xff"
	i := bytes.Index(buf, []byte(prefix))
	if i < 0 {
		return ""
	}
	buf = buf[i+len(prefix):]
	j := bytes.Index(buf, []byte(suffix))
	if j < 0 {
		return ""
	}
	return string(buf[:j])
}

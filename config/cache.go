package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// Reading a bot file of 10,000 products takes about 0.6 CPU-s, nearly
// all of it parsing the YAML and filling the File from it. LoadCached
// keeps what that gave, in a cache file per bot file, and reads it
// instead of the YAML at the next start when the bot file's bytes are
// the same.
//
// What is cached is the File as decoded, before the defaults and the
// checks, with every value written as ${VAR} kept as written and not its
// value: a cache never holds a secret of the environment. Reading the
// cache expands those references again with the environment of that
// start, then applies the defaults, checks the file and reads its file
// feeds, merchant certificates and shipping rates exactly as Load does
// (none of which is cached, so none can be stale, and a certificate that
// expired since is refused). A cached file that does not pass, or whose
// references cannot be expanded, is read again from its YAML, so that
// the problems are reported as Load reports them.
//
// A cache file starts with cacheMagic and its key: a SHA-256 of the
// format's version, the executable's Go build ID and the bot file's
// bytes. It ends with a CRC-32C of what is between. A cache of another
// file, version or build, cut short or damaged is ignored (and logged)
// and the YAML is read, after which the cache is written again, through a
// temporary file renamed over it, so that a reader (another start, a
// replica) sees a whole file or none. Deleting cache files is always
// safe.

// cacheMagic starts a cache file; cacheVersion changes with the codec.
const (
	cacheMagic   = "concierge bot file cache\n"
	cacheVersion = "1"
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Cache says where LoadCached keeps its cache files.
type Cache struct {
	// Dir holds the cache files (serve's --index-dir). Empty: no cache.
	Dir string
	// Build identifies the program; empty is the executable's Go build
	// ID, without which nothing is cached.
	Build string
	// Log receives what happened to each cache file; nil discards it.
	Log *slog.Logger
}

// LoadCached is Load with a cache of each bot file in c.Dir; see above.
// Its result is the same as Load's.
func LoadCached(path string, getenv func(string) string, c Cache) ([]*File, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Build == "" {
		c.Build = executableBuildID()
	}
	if c.Dir == "" || c.Build == "" {
		if c.Dir != "" {
			c.Log.Info("bot file cache: the executable has no Go build ID, the bot files are not cached")
		}
		return Load(path, getenv)
	}
	return loadWith(path, func(p string) (*File, error) { return c.loadFile(p, getenv) })
}

// cachePath is where the cache of the bot file at path lives: named by a
// hash of its absolute path, so one bot file has one cache file.
func (c *Cache) cachePath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	h := sha256.Sum256([]byte(path))
	return filepath.Join(c.Dir, "botfile-"+hex.EncodeToString(h[:8])+".cache")
}

// cacheKey is the key of data's cache.
func (c *Cache) cacheKey(data []byte) [sha256.Size]byte {
	h := sha256.New()
	fmt.Fprintf(h, "concierge bot file cache %s\x00%s\x00", cacheVersion, c.Build)
	h.Write(data)
	return [sha256.Size]byte(h.Sum(nil))
}

func (c *Cache) loadFile(path string, getenv func(string) string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	start := time.Now()
	key := c.cacheKey(data)
	at := c.cachePath(path)
	f, err := c.read(at, key, path, getenv)
	switch {
	case err == nil:
		c.Log.Info("bot file read from its cache", "file", path, "cache", at, "took", time.Since(start).Round(time.Millisecond))
		return f, nil
	case errors.Is(err, fs.ErrNotExist):
	case errors.Is(err, errCacheStale):
		c.Log.Info("bot file cache out of date, reading the YAML", "file", path, "cache", at)
	default:
		c.Log.Warn("bot file cache ignored, reading the YAML", "file", path, "cache", at, "err", err)
	}

	f, src, errs := decodeYAML(path, data, getenv, nil)
	if f == nil {
		return nil, errs.err()
	}
	var payload []byte
	if len(errs.Diagnostics) == 0 {
		if payload, err = encodeDecoded(f, src); err != nil {
			c.Log.Warn("bot file cache: cannot encode this file, it is not cached", "file", path, "err", err)
		}
	}
	if f, err = finish(f, src, errs, nil); err != nil {
		return nil, err
	}
	if payload != nil {
		if err := c.write(at, key, payload); err != nil {
			c.Log.Warn("bot file cache: cannot write it", "file", path, "cache", at, "err", err)
		} else {
			c.Log.Info("bot file cached", "file", path, "cache", at, "bytes", len(payload))
		}
	}
	return f, nil
}

// errCacheStale says a cache is of another bot file, build or format.
var errCacheStale = errors.New("written for other bytes or another build")

// read returns the File of the bot file at path from the cache file at.
func (c *Cache) read(at string, key [sha256.Size]byte, path string, getenv func(string) string) (*File, error) {
	b, err := os.ReadFile(at)
	if err != nil {
		return nil, err
	}
	head := len(cacheMagic) + sha256.Size
	if len(b) < head+4 || string(b[:len(cacheMagic)]) != cacheMagic {
		return nil, errors.New("not a bot file cache, or cut short")
	}
	if !bytes.Equal(b[len(cacheMagic):head], key[:]) {
		return nil, errCacheStale
	}
	payload, sum := b[head:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(payload, crcTable) != sum {
		return nil, errors.New("damaged: its checksum does not match")
	}
	f, src, errs, err := decodeCached(path, payload, getenv)
	if err != nil {
		return nil, err
	}
	if len(errs.Diagnostics) > 0 {
		// Problems are reported as the YAML reports them; their text
		// names variables, never values, but is not logged here.
		return nil, fmt.Errorf("%d ${VAR} references cannot be expanded in this environment", len(errs.Diagnostics))
	}
	if f, err = finish(f, src, errs, nil); err != nil {
		return nil, errors.New("the cached file does not pass the checks in this environment")
	}
	return f, nil
}

// write saves payload as the cache file at, through a temporary file in
// the same folder renamed over it.
func (c *Cache) write(at string, key [sha256.Size]byte, payload []byte) (err error) {
	if err := os.MkdirAll(filepath.Dir(at), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(at), filepath.Base(at)+".tmp*") // mode 0600
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	out := make([]byte, 0, len(cacheMagic)+len(key)+len(payload)+4)
	out = append(out, cacheMagic...)
	out = append(out, key[:]...)
	out = append(out, payload...)
	out = binary.BigEndian.AppendUint32(out, crc32.Checksum(payload, crcTable))
	if _, err = tmp.Write(out); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), at)
}

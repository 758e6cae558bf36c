package server

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
)

// A bot's search index takes seconds to build at a hundred thousand
// products and more than a minute at a million. The server saves it
// (catalog.Snapshot) in IndexDir as BOT.index once built, and loads it
// at the next start instead of building it again. The file starts with
// indexMagic and the identity of the running executable (its Go build
// ID, see executable.go), then the catalog's
// snapshot, which carries a key of the products and locales it was built
// from: a snapshot of another build of the program (whose analysis may
// differ) or of other products is never used. Any failure to read or
// write one is logged and the index is built as if there were none.
//
// The snapshot is of the products of the bot files and their file feeds
// at start; url sources and the API's changes kept in the database are
// applied on top (catalog.Index.Update), as without a snapshot.

// indexMagic starts a saved index file.
const indexMagic = "concierge index\n"

// errOtherBuild says a saved index was written by another executable.
var errOtherBuild = errors.New("written by another build")

// indexParts are what catalogIndex keeps between bots.
type indexParts struct {
	once  sync.Once
	build uint64 // the identity of the running executable, see executableID
	err   error
}

// DefaultIndexDir returns where serve saves the bots' indexes when not
// told: the directory FILE-index beside a SQLite database sqlite:FILE,
// and nowhere ("") for PostgreSQL or an in-memory SQLite.
func DefaultIndexDir(dbURL string) string {
	path, ok := strings.CutPrefix(dbURL, "sqlite:")
	if !ok || path == "" || strings.HasPrefix(path, ":memory:") || strings.Contains(path, "mode=memory") {
		return ""
	}
	path, _, _ = strings.Cut(path, "?")
	return path + "-index"
}

// catalogIndex returns the search index of bot's products: loaded from
// its saved snapshot when it matches, else built and saved.
func (m *Main) catalogIndex(bot *concierge.Bot) *catalog.Index {
	if m.IndexDir == "" {
		return catalog.New(bot.Products, bot.Locales)
	}
	name := string(bot.ID) + ".index"
	if !filepath.IsLocal(name) || strings.ContainsAny(name, `/\`) {
		return catalog.New(bot.Products, bot.Locales)
	}
	path := filepath.Join(m.IndexDir, name)
	m.identifyBuild()
	if err := m.indexes.err; err != nil {
		m.logWarn("catalog index: cannot identify the executable, the index is not saved", "bot", bot.ID, "err", err)
		return catalog.New(bot.Products, bot.Locales)
	}
	start := time.Now()
	ix, err := loadIndex(path, m.indexes.build, bot)
	switch {
	case err == nil:
		m.logInfo("catalog index loaded", "bot", bot.ID, "path", path, "products", len(bot.Products), "took", time.Since(start).Round(time.Millisecond))
		return ix
	case errors.Is(err, fs.ErrNotExist):
	case errors.Is(err, errOtherBuild), errors.Is(err, catalog.ErrStaleSnapshot):
		m.logInfo("catalog index: the saved one is out of date, building it", "bot", bot.ID, "path", path, "why", err)
	default:
		m.logWarn("catalog index: cannot load the saved one, building it", "bot", bot.ID, "path", path, "err", err)
	}
	start = time.Now()
	ix, snap := catalog.NewSnapshot(bot.Products, bot.Locales)
	built := time.Since(start)
	if err := saveIndex(path, m.indexes.build, snap); err != nil {
		m.logWarn("catalog index: cannot save it", "bot", bot.ID, "path", path, "err", err)
		return ix
	}
	m.logInfo("catalog index built and saved", "bot", bot.ID, "path", path, "products", len(bot.Products), "took", built.Round(time.Millisecond))
	return ix
}

// loadIndex reads the index saved at path for bot's products.
func loadIndex(path string, build uint64, bot *concierge.Bot) (*catalog.Index, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var head [len(indexMagic) + 8]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if !bytes.Equal(head[:len(indexMagic)], []byte(indexMagic)) {
		return nil, errors.New("not a saved index")
	}
	if binary.BigEndian.Uint64(head[len(indexMagic):]) != build {
		return nil, errOtherBuild
	}
	// The rest of the file: catalog.Load reads a file in one allocation.
	return catalog.Load(f, bot.Products, bot.Locales)
}

// saveIndex writes snap to path, through a temporary file renamed over
// it, so that a reader (another replica, the next start) never sees half
// of one.
func saveIndex(path string, build uint64, snap *catalog.Snapshot) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriterSize(f, 1<<16)
	head := binary.BigEndian.AppendUint64([]byte(indexMagic), build)
	if _, err := w.Write(head); err != nil {
		return err
	}
	if _, err := snap.WriteTo(w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

func (m *Main) logInfo(msg string, args ...any) {
	if m.Log != nil {
		m.Log.Info(msg, args...)
	}
}

func (m *Main) logWarn(msg string, args ...any) {
	if m.Log != nil {
		m.Log.Warn(msg, args...)
	}
}

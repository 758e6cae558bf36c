package config

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a log destination safe for concurrent loads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// loadCached runs LoadCached with a cache in dir and returns what it
// logged.
func loadCached(t *testing.T, path string, env map[string]string, dir, build string) ([]*File, error, string) {
	t.Helper()
	var log syncBuffer
	files, err := LoadCached(path, getenv(env), Cache{Dir: dir, Build: build, Log: slog.New(slog.NewTextHandler(&log, nil))})
	return files, err, log.String()
}

const (
	msgHit    = "bot file read from its cache"
	msgStale  = "bot file cache out of date"
	msgBad    = "bot file cache ignored"
	msgCached = "bot file cached"
)

// sameAsYAML checks that files are what Load gives, down to the
// unexported record of every value, and that their Bots are too.
func sameAsYAML(t *testing.T, path string, env map[string]string, files []*File) {
	t.Helper()
	want, err := Load(path, getenv(env))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(files) != len(want) {
		t.Fatalf("%d files, want %d", len(files), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(files[i], want[i]) {
			t.Errorf("%s: the cached File differs from the YAML's", want[i].Path())
			for p, v := range want[i].src.values {
				if got := files[i].src.values[p]; got != v {
					t.Errorf("  %s: %+v, want %+v", p, got, v)
				}
			}
		}
		if !reflect.DeepEqual(files[i].Bot(), want[i].Bot()) {
			t.Errorf("%s: the cached Bot differs from the YAML's", want[i].Path())
		}
	}
}

// cacheFile returns the only cache file in dir.
func cacheFile(t *testing.T, dir string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(m) != 1 || !strings.HasSuffix(m[0], ".cache") {
		t.Fatalf("files in the cache folder: %v, want one .cache", m)
	}
	return m[0]
}

// allEnv sets the variables of every example and good test file.
func allEnv() map[string]string {
	env := maps.Clone(fullEnv)
	maps.Copy(env, testEnv)
	return env
}

// TestCacheSameAsYAML: a bot file read from its cache is the File the
// YAML gives, for every example, every good test file, a file with feeds
// and a generated catalog; the first load writes the cache, the second
// reads it.
func TestCacheSameAsYAML(t *testing.T) {
	var paths []string
	for _, g := range []string{"../examples/*.yaml", "../examples/*/*.yaml", "testdata/good/*.yaml"} {
		m, _ := filepath.Glob(g)
		paths = append(paths, m...)
	}
	feeds := map[string]string{"bot.yaml": sourcesBot}
	maps.Copy(feeds, sourcesFeeds)
	paths = append(paths, filepath.Join(writeTree(t, feeds), "bot.yaml"))
	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, bigBotFile(t, 2000), 0o644); err != nil {
		t.Fatal(err)
	}
	paths = append(paths, big, "../examples") // a folder of bot files too
	env := allEnv()
	tried := 0
	for _, path := range paths {
		if _, err := Load(path, getenv(env)); err != nil {
			continue // a file that needs more of the environment
		}
		tried++
		t.Run(path, func(t *testing.T) {
			dir := t.TempDir()
			files, err, log := loadCached(t, path, env, dir, "build-1")
			if err != nil || !strings.Contains(log, msgCached) || strings.Contains(log, msgHit) {
				t.Fatalf("first load: %v, log:\n%s", err, log)
			}
			sameAsYAML(t, path, env, files)
			files, err, log = loadCached(t, path, env, dir, "build-1")
			if err != nil || !strings.Contains(log, msgHit) || strings.Contains(log, msgCached) {
				t.Fatalf("second load did not read the cache: %v, log:\n%s", err, log)
			}
			sameAsYAML(t, path, env, files)
		})
	}
	if tried < 100 {
		t.Errorf("only %d bot files loaded", tried)
	}
}

// TestCacheInvalidated: another byte in the bot file, another feed,
// another build or another value of a variable each give what the YAML
// gives with them.
func TestCacheInvalidated(t *testing.T) {
	feeds := map[string]string{"bot.yaml": sourcesBot}
	maps.Copy(feeds, sourcesFeeds)
	tree := writeTree(t, feeds)
	path := filepath.Join(tree, "bot.yaml")
	dir := t.TempDir()
	env := map[string]string{}
	if _, err, _ := loadCached(t, path, env, dir, "b1"); err != nil {
		t.Fatal(err)
	}

	// The bot file: one price changes, the length stays.
	edited := strings.Replace(sourcesBot, `price: "45.00"`, `price: "46.00"`, 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err, log := loadCached(t, path, env, dir, "b1")
	if err != nil || !strings.Contains(log, msgStale) {
		t.Fatalf("after editing the bot file: %v, log:\n%s", err, log)
	}
	if got := files[0].Catalog.Products[0].Price; got != "46.00" {
		t.Errorf("price %s, want the edited 46.00", got)
	}
	sameAsYAML(t, path, env, files)

	// A feed the bot file names: read at each start, never cached.
	feed := filepath.Join(tree, "feed.json")
	if err := os.WriteFile(feed, []byte(strings.Replace(sourcesFeeds["feed.json"], "30.00 EUR", "31.00 EUR", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err, log = loadCached(t, path, env, dir, "b1")
	if err != nil || !strings.Contains(log, msgHit) {
		t.Fatalf("after editing a feed: %v, log:\n%s", err, log)
	}
	sameAsYAML(t, path, env, files)
	found := false
	for _, p := range files[0].Bot().Products {
		if p.SKU == "GIFT-30" {
			found = true
			if p.Price.Minor != 3100 {
				t.Errorf("GIFT-30 costs %d, want the edited feed's 3100", p.Price.Minor)
			}
		}
	}
	if !found {
		t.Error("GIFT-30 of the feed is missing")
	}

	// Another build.
	if _, err, log = loadCached(t, path, env, dir, "b2"); err != nil || !strings.Contains(log, msgStale) {
		t.Fatalf("another build: %v, log:\n%s", err, log)
	}

	// Another value of a variable, and an unset one: the cache holds the
	// reference, so each start expands it again.
	withEnv := sourcesBot + "handoff:\n  business_hours: ${HOURS}\n"
	if err := os.WriteFile(path, []byte(withEnv), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, hours := range []string{"Mon-Fri 09:00-18:00 Europe/Paris", "Sat 10:00-12:00 Europe/Paris"} {
		env := map[string]string{"HOURS": hours}
		files, err, _ := loadCached(t, path, env, dir, "b2")
		if err != nil {
			t.Fatal(err)
		}
		if files[0].Handoff.BusinessHours != hours {
			t.Errorf("business hours %q, want %q", files[0].Handoff.BusinessHours, hours)
		}
		sameAsYAML(t, path, env, files)
	}
	_, err, log = loadCached(t, path, map[string]string{}, dir, "b2")
	_, want := Load(path, getenv(nil))
	if err == nil || want == nil || err.Error() != want.Error() {
		t.Errorf("HOURS unset: error\n%v\nwant Load's\n%v", err, want)
	}
	if !strings.Contains(log, msgBad) {
		t.Errorf("HOURS unset: the cache should be set aside, log:\n%s", log)
	}
	// A value that does not pass the checks: Load's diagnostics.
	bad := map[string]string{"HOURS": "whenever"}
	_, err, _ = loadCached(t, path, bad, dir, "b2")
	_, want = Load(path, getenv(bad))
	if err == nil || want == nil || err.Error() != want.Error() {
		t.Errorf("HOURS invalid: error\n%v\nwant Load's\n%v", err, want)
	}
}

// TestCacheDamaged: a cache cut short, with a byte changed, of another
// format or filled with noise is ignored and written again; a payload
// changed under a correct checksum never panics.
func TestCacheDamaged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, bigBotFile(t, 60), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err, _ := loadCached(t, path, nil, dir, "b"); err != nil {
		t.Fatal(err)
	}
	at := cacheFile(t, dir)
	good, err := os.ReadFile(at)
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x10
	for name, b := range map[string][]byte{
		"empty":        {},
		"magic only":   []byte(cacheMagic),
		"cut in half":  good[:len(good)/2],
		"last byte":    good[:len(good)-1],
		"flipped byte": flipped,
		"noise":        bytes.Repeat([]byte{0xa5}, len(good)),
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(at, b, 0o600); err != nil {
				t.Fatal(err)
			}
			files, err, log := loadCached(t, path, nil, dir, "b")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(log, msgBad) && !strings.Contains(log, msgStale) || !strings.Contains(log, msgCached) {
				t.Errorf("log:\n%s", log)
			}
			sameAsYAML(t, path, nil, files)
			if _, err, log := loadCached(t, path, nil, dir, "b"); err != nil || !strings.Contains(log, msgHit) {
				t.Errorf("the cache was not written again: %v, log:\n%s", err, log)
			}
		})
	}

	// Every byte of the payload changed in turn, the checksum fixed:
	// decoding must refuse it or give some File, never panic or hang.
	head := len(cacheMagic) + 32
	step := max(1, (len(good)-head-4)/400)
	for i := head; i < len(good)-4; i += step {
		b := bytes.Clone(good)
		b[i] ^= 0xff
		binary.BigEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[head:len(b)-4], crcTable))
		if err := os.WriteFile(at, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err, _ := loadCached(t, path, nil, dir, "b"); err != nil {
			t.Fatalf("byte %d changed: %v", i, err)
		}
	}
}

// TestCacheNoSecrets: a value that comes from the environment is never
// in a cache file, whole or in part, though the reference is.
func TestCacheNoSecrets(t *testing.T) {
	const bot = `bot: ${SHOP_ID}
locales: [en]
brain:
  kind: llm
  llm:
    base_url: https://llm.example.com/v1
    model: m
    api_key: ${LLM_KEY}
    headers: { X-Gateway: "key-${GATEWAY_KEY}" }
    max_model_calls: ${CALLS}
channels:
  telegram: { token: "${TG_TOKEN}", secret_token: "${TG_SECRET}" }
payments:
  stripe: { secret_key: "${STRIPE_KEY}", webhook_secret: "${STRIPE_WHSEC}" }
catalog:
  api_token: ${CATALOG_TOKEN}
  products:
    - { sku: A-1, name: { en: Lamp }, price: "10.00" }
handoff:
  webhook: { url: https://hooks.example.com/h, secret: "${HOOK_SECRET}" }
`
	env := map[string]string{
		"SHOP_ID":       "shop-zq7xid",
		"LLM_KEY":       "sk-zq7x-llm-secret",
		"GATEWAY_KEY":   "zq7x-gateway-secret",
		"CALLS":         "7",
		"TG_TOKEN":      "123:zq7x-telegram",
		"TG_SECRET":     "zq7x_tg_secret",
		"STRIPE_KEY":    "sk_test_zq7x_stripe",
		"STRIPE_WHSEC":  "whsec_zq7x",
		"CATALOG_TOKEN": "zq7x-catalog-token-0123456789abcdef0123",
		"HOOK_SECRET":   "zq7x-hook-secret-0123456789abcdef0123456",
	}
	path := filepath.Join(t.TempDir(), "bot.yaml")
	if err := os.WriteFile(path, []byte(bot), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for range 2 {
		files, err, log := loadCached(t, path, env, dir, "b")
		if err != nil {
			t.Fatal(err)
		}
		sameAsYAML(t, path, env, files)
		if files[0].Brain.LLM.APIKey != env["LLM_KEY"] || files[0].Brain.LLM.MaxModelCalls != 7 || files[0].Brain.LLM.Headers["X-Gateway"] != "key-"+env["GATEWAY_KEY"] {
			t.Errorf("the secrets were not expanded: %+v", files[0].Brain.LLM)
		}
		if strings.Contains(log, "zq7x") {
			t.Errorf("a secret in the log:\n%s", log)
		}
	}
	b, err := os.ReadFile(cacheFile(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("zq7x")) {
		t.Errorf("a secret of the environment is in the cache file")
	}
	if !bytes.Contains(b, []byte("${STRIPE_KEY}")) {
		t.Errorf("the cache file does not hold the reference ${STRIPE_KEY}")
	}
	if info, err := os.Stat(cacheFile(t, dir)); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode %v, want 0600 (%v)", info.Mode(), err)
	}
}

// TestCacheConcurrent: starts that write the same cache at once leave a
// whole one, and each gets the YAML's File.
func TestCacheConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, bigBotFile(t, 500), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var wg sync.WaitGroup
	results := make([][]*File, 8)
	errs := make([]error, 8)
	for i := range results {
		wg.Go(func() {
			results[i], errs[i] = LoadCached(path, getenv(nil), Cache{Dir: dir, Build: "b"})
		})
	}
	wg.Wait()
	for i := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		sameAsYAML(t, path, nil, results[i])
	}
	cacheFile(t, dir) // one file, no temporary left
	files, err, log := loadCached(t, path, nil, dir, "b")
	if err != nil || !strings.Contains(log, msgHit) {
		t.Fatalf("after concurrent writes: %v, log:\n%s", err, log)
	}
	sameAsYAML(t, path, nil, files)
}

// TestCacheWithoutDir: no folder, no cache: Load.
func TestCacheWithoutDir(t *testing.T) {
	files, err := LoadCached("../examples/maison-lumiere.yaml", getenv(nil), Cache{})
	if err != nil {
		t.Fatal(err)
	}
	sameAsYAML(t, "../examples/maison-lumiere.yaml", nil, files)
}

func TestExecutableBuildID(t *testing.T) {
	if id := executableBuildID(); strings.Count(id, "/") != 3 {
		t.Errorf("the test binary's build ID is %q", id)
	}
}

// BenchmarkLoadBigFileCached is BenchmarkLoadBigFile through the cache:
// "hit" reads the cache written before the timing (a start with an
// unchanged bot file), "miss" reads the YAML and writes the cache (the
// first start after a change).
func BenchmarkLoadBigFileCached(b *testing.B) {
	n := 10000
	path := filepath.Join(b.TempDir(), "big.yaml")
	if err := os.WriteFile(path, bigBotFile(b, n), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, hit := range []bool{true, false} {
		name := "miss"
		if hit {
			name = "hit"
		}
		b.Run(name, func(b *testing.B) {
			var log syncBuffer
			c := Cache{Dir: b.TempDir(), Log: slog.New(slog.NewTextHandler(&log, nil))}
			if _, err := LoadCached(path, getenv(nil), c); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if !hit {
					b.StopTimer()
					if err := os.RemoveAll(c.Dir); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				files, err := LoadCached(path, getenv(nil), c)
				if err != nil {
					b.Fatal(err)
				}
				if got := len(files[0].Catalog.Products); got != n {
					b.Fatalf("%d products, want %d", got, n)
				}
			}
			b.StopTimer()
			if hits := strings.Count(log.String(), msgHit); hit && hits != b.N || !hit && hits != 0 {
				b.Fatalf("%d loads from the cache in %d:\n%s", hits, b.N, log.String())
			}
		})
	}
}

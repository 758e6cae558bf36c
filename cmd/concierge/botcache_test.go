package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serveUntilListening runs serve with args until it listens and returns
// its log.
func serveUntilListening(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		code := run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), strings.NewReader(""), io.Discard, pw, func(k string) string { return env[k] })
		pw.Close()
		done <- code
	}()
	var log strings.Builder
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "concierge listening") {
			cancel()
		}
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d:\n%s", code, log.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	return log.String()
}

// TestServeCachesBotFile: serve reads an unchanged bot file from its
// cache in the index folder, never writes a ${VAR}'s value there, reads
// the YAML again once the file changes, and keeps no cache with
// --index-dir none.
func TestServeCachesBotFile(t *testing.T) {
	for _, k := range otelVars {
		t.Setenv(k, "")
	}
	const token = "zq7x-catalog-token-0123456789abcdef0123"
	env := map[string]string{"CATALOG_TOKEN": token}
	bot := strings.Replace(sampleBot(t), "\ncatalog:\n", "\ncatalog:\n  api_token: ${CATALOG_TOKEN}\n", 1)
	if bot == sampleBot(t) {
		t.Fatal("no catalog section in the sample")
	}
	path := writeBot(t, bot)
	db := tempSQLite(t)
	index := strings.TrimPrefix(db, "sqlite:") + "-index"

	if log := serveUntilListening(t, env, "--config", path, "--db", db); !strings.Contains(log, "bot file cached") {
		t.Fatalf("first start did not cache the bot file:\n%s", log)
	}
	if log := serveUntilListening(t, env, "--config", path, "--db", db); !strings.Contains(log, "bot file read from its cache") {
		t.Fatalf("second start did not read the cache:\n%s", log)
	}
	caches, _ := filepath.Glob(filepath.Join(index, "botfile-*.cache"))
	if len(caches) != 1 {
		t.Fatalf("caches in %s: %v", index, caches)
	}
	b, err := os.ReadFile(caches[0])
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(token)) {
		t.Error("the value of CATALOG_TOKEN is in the cache file")
	}

	if err := os.WriteFile(path, []byte(strings.Replace(bot, "Maison", "Maisons", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if log := serveUntilListening(t, env, "--config", path, "--db", db); !strings.Contains(log, "bot file cache out of date") {
		t.Fatalf("an edited bot file was read from the cache:\n%s", log)
	}

	other := tempSQLite(t)
	if log := serveUntilListening(t, env, "--config", path, "--db", other, "--index-dir", "none"); strings.Contains(log, "bot file") {
		t.Fatalf("--index-dir none: %s", log)
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(strings.TrimPrefix(other, "sqlite:")), "*index*")); len(m) != 0 {
		t.Errorf("--index-dir none left %v", m)
	}
}

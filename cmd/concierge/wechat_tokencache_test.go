package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/conciergehq/concierge/adapters/wechat/redistoken"
	"github.com/conciergehq/concierge/adapters/wechat/wechattest"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

// TestWeChatTokenCacheRedis: a bot file with channels.wechat.token_cache
// shares the access token through that Redis server, not the database.
// `concierge wechat menu` is used because it is the shortest path from a
// bot file to a token fetch; it opens the cache as the server does. Its
// keys use the default prefix, so the account's app id is random and the
// token is dropped at the end.
func TestWeChatTokenCacheRedis(t *testing.T) {
	redisURL, _ := testenv.RedisURL(t)
	var b [6]byte
	rand.Read(b[:])
	app := "wxtest" + hex.EncodeToString(b[:])
	api := wechattest.New(app, wxSecret)
	defer api.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "wx.yaml")
	file := fmt.Sprintf("bot: shop\nlocales: [zh]\ncurrency: CNY\nchannels:\n  wechat: { app_id: %q, app_secret: %q, token: t, api_base: %q, token_cache: \"${REDIS_URL}\" }\n"+
		"catalog:\n  products:\n    - { sku: L-1, name: { zh: 台灯 }, price: \"49.00\", stock: 3 }\n", app, wxSecret, api.URL)
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	dbURL := "sqlite:" + filepath.Join(dir, "db")
	getenv := func(k string) string {
		if k == "REDIS_URL" {
			return redisURL
		}
		return ""
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"wechat", "menu", "--config", path, "--db", dbURL}, nil, &out, &errb, getenv); code != 0 {
		t.Fatalf("exit %d: %s %v", code, errb.String(), api.Errors())
	}

	ctx := context.Background()
	tc, err := redistoken.Open(ctx, redisURL, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.Close() }) // after the drop below: cleanups run last first
	tok, _, err := tc.LoadAccessToken(ctx, app)
	if err != nil || tok == "" || api.TokenCalls != 1 {
		t.Fatalf("Redis holds %q (%v) after %d token calls", tok, err, api.TokenCalls)
	}
	t.Cleanup(func() {
		if err := tc.DropAccessToken(context.Background(), app, tok); err != nil {
			t.Errorf("clean up: %v", err)
		}
	})
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if dbTok, _, err := db.LoadAccessToken(ctx, app); err != nil || dbTok != "" {
		t.Fatalf("the database holds %q (%v); the token belongs in Redis", dbTok, err)
	}

	// A second run reuses the cached token instead of fetching another.
	errb.Reset()
	if code := run(context.Background(), []string{"wechat", "menu", "--config", path, "--db", dbURL}, nil, &out, &errb, getenv); code != 0 {
		t.Fatalf("second run: exit %d: %s %v", code, errb.String(), api.Errors())
	}
	if api.TokenCalls != 1 || len(api.Menus()) != 2 {
		t.Fatalf("%d token calls, %d menus", api.TokenCalls, len(api.Menus()))
	}
}

package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWeChatTokenCache loads bot files with channels.wechat.token_cache:
// Redis URLs are kept as written (${VAR} expanded); anything the server
// could not connect with is refused at its position, and a password is
// never shown.
func TestWeChatTokenCache(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"REDIS_URL": "redis://:s3cret@cache.internal:6380/2", "BAD_REDIS": "http://:s3cret@cache"}
	tests := []struct {
		name, value string
		want        string // "" means valid; else the file's ":line:col: message" part
		kept        string // the value Load returns, when valid
	}{
		{"plain", "redis://127.0.0.1:6379/0", "", "redis://127.0.0.1:6379/0"},
		{"tls with password", "rediss://:pw@cache.example.com:6380/3", "", "rediss://:pw@cache.example.com:6380/3"},
		{"no db", "redis://127.0.0.1", "", "redis://127.0.0.1"},
		{"from the environment", `"${REDIS_URL}"`, "", env["REDIS_URL"]},
		{"http", "http://127.0.0.1:6379", `:9:18: channels.wechat.token_cache "http://127.0.0.1:6379" is not a redis:// or rediss:// URL`, ""},
		{"no scheme", "127.0.0.1:6379", `:9:18: channels.wechat.token_cache (value not shown: it may hold a password) is not a URL (write it as redis://host:6379/0)`, ""},
		{"no host", "redis:///0", `:9:18: channels.wechat.token_cache "redis:///0" has no host`, ""},
		{"bad port", "redis://:pw@h:99999/0", `:9:18: channels.wechat.token_cache "redis://:xxxxx@h:99999/0": the port must be a number from 1 to 65535`, ""},
		{"bad db", "redis://h:6379/zero", `:9:18: channels.wechat.token_cache "redis://h:6379/zero": the path must be a database number such as /0`, ""},
		{"options", "redis://h:6379/0?dial_timeout=3s", `:9:18: channels.wechat.token_cache "redis://h:6379/0?dial_timeout=3s": options after ? or # are not supported`, ""},
		{"empty", `""`, `:9:18: channels.wechat.token_cache must not be empty; leave it out`, ""},
		{"bad from the environment", `"${BAD_REDIS}"`, `:9:18: channels.wechat.token_cache "${BAD_REDIS}" (from the environment) is not a redis:// or rediss:// URL`, ""},
		{"unset variable", `"${NO_SUCH_REDIS}"`, `:9:18:`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yaml := "bot: shop\ncurrency: CNY\nchannels:\n  wechat:\n    app_id: wx1\n    app_secret: s\n    token: t\n    original_id: gh_1\n    token_cache: " + tt.value + "\n"
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".yaml")
			if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := LoadFile(path, getenv(env))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := f.Channels.WeChat.TokenCache; got != tt.kept {
					t.Fatalf("token_cache = %q, want %q", got, tt.kept)
				}
				return
			}
			var errs *Errors
			if !errors.As(err, &errs) || !strings.Contains(err.Error(), path+tt.want) {
				t.Fatalf("got %v, want %s%s", err, path, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), ":pw@") {
				t.Fatalf("the message shows a password: %v", err)
			}
		})
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conciergehq/concierge/adapters/wechat/wechattest"
)

// TestWeChatMenuCommand publishes the default menu (逛逛商品 with the
// catalog's categories, 我的订单, 人工客服) to the fake WeChat API.
func TestWeChatMenuCommand(t *testing.T) {
	api := wechattest.New(wxAppID, wxSecret)
	defer api.Close()
	sample, err := os.ReadFile("../../examples/maison-lumiere.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rest := sample[bytes.Index(sample, []byte("\ncatalog:")):]
	head := fmt.Sprintf("bot: maison-lumiere\nname: 光之屋\nlocales: [zh, en]\ncurrency: CNY\nchannels:\n  wechat: { app_id: %q, app_secret: %q, token: t, api_base: %q }\npayments:\n  sandbox: { enabled: true }\n",
		wxAppID, wxSecret, api.URL)
	dir := t.TempDir()
	path := filepath.Join(dir, "wx.yaml")
	os.WriteFile(path, append([]byte(head), rest...), 0o600)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"wechat", "menu", "--config", path, "--db", "sqlite:" + filepath.Join(dir, "db")}, nil, &out, &errb, func(string) string { return "" })
	if code != 0 {
		t.Fatalf("exit %d: %s %v", code, errb.String(), api.Errors())
	}
	menus := api.Menus()
	if len(menus) != 1 {
		t.Fatalf("%d menus published", len(menus))
	}
	var m struct {
		Button []wechattest.MenuButton `json:"button"`
	}
	json.Unmarshal(menus[0], &m)
	if len(m.Button) != 3 || m.Button[0].Name != "逛逛商品" || len(m.Button[0].SubButton) == 0 ||
		!strings.HasPrefix(m.Button[0].SubButton[0].Key, "browse:") || m.Button[1].Key != "orders" || m.Button[2].Key != "human" {
		t.Fatalf("menu %s", menus[0])
	}
}

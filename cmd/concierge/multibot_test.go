package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFolderOfBots: a folder of bot files runs several shops in one server,
// each with its own catalog, conversations and payments.
func TestFolderOfBots(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("../../examples/maison-lumiere.yaml")
	if err != nil {
		t.Fatal(err)
	}
	other := strings.Replace(string(src), "bot: maison-lumiere", "bot: atelier-nord", 1)
	other = strings.Replace(other, "name: Maison Lumière", "name: Atelier Nord", 1)
	os.WriteFile(filepath.Join(dir, "a.yaml"), src, 0o644)
	os.WriteFile(filepath.Join(dir, "b.yaml"), []byte(other), 0o644)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	m := &Main{ConfigPath: dir, DBURL: "sqlite:" + filepath.Join(dir, "x.db"), Listener: ln, BaseURL: base,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: io.Discard}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	wait, err := m.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); wait() }()
	if len(m.Bots) != 2 {
		t.Fatalf("%d bots", len(m.Bots))
	}
	for _, bot := range []string{"maison-lumiere", "atelier-nord"} {
		st, page := get(t, base+"/chat/"+bot)
		if st != http.StatusOK {
			t.Fatalf("%s: %d", bot, st)
		}
		name := map[string]string{"maison-lumiere": "Maison Lumière", "atelier-nord": "Atelier Nord"}[bot]
		if !strings.Contains(page, name) {
			t.Errorf("%s page does not name the shop %q", bot, name)
		}
	}
	// The same session id talking to both bots makes two conversations.
	for _, bot := range []string{"maison-lumiere", "atelier-nord"} {
		resp, err := http.Post(base+"/chat/"+bot+"/api/messages", "application/json",
			strings.NewReader(`{"session":"sharedsession0001","id":"1","text":"bonjour"}`))
		if err != nil || resp.StatusCode != http.StatusAccepted {
			t.Fatalf("%s: %v %v", bot, err, resp.StatusCode)
		}
		resp.Body.Close()
	}
	a, errA := m.DB.FindConversation(ctx, "maison-lumiere", "web", "sharedsession0001")
	b, errB := m.DB.FindConversation(ctx, "atelier-nord", "web", "sharedsession0001")
	if errA != nil || errB != nil || a.ID == b.ID {
		t.Fatalf("conversations %v %v (%v %v)", a, b, errA, errB)
	}
	levels, err := m.DB.StockLevels(ctx, "atelier-nord")
	if err != nil || levels["LAMP-01"] != 12 {
		t.Fatalf("second bot's stock %v %v", levels, err)
	}
}

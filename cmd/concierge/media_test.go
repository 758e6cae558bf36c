package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/whatsapp/whatsapptest"
	"github.com/conciergehq/concierge/handoff/mediafetch"
	"github.com/conciergehq/concierge/store"
)

// startMediaShop starts the sample shop on WhatsApp (the fake Graph API
// serves customers' files) on the SQLite database db, with the fetch
// loop's retries shortened.
func startMediaShop(t *testing.T, db string) *waShop {
	t.Helper()
	graph := whatsapptest.New(waToken)
	t.Cleanup(graph.Close)
	head := fmt.Sprintf(`bot: maison-lumiere
name: Maison Lumière
locales: [en, fr, zh]
currency: EUR
channels:
  whatsapp:
    phone_number_id: %q
    access_token: %q
    app_secret: %q
    verify_token: %q
    graph_api_url: %q
payments:
  sandbox: { enabled: true }
`, waPhoneID, waToken, waAppSecret, waVerify, graph.URL+"/v21.0")
	cfg := sampleBot(t)
	i := strings.Index(cfg, "\ncatalog:")
	if i < 0 {
		t.Fatal("the sample bot file has no catalog")
	}
	s := runMain(t, &Main{ConfigPath: writeBot(t, head+cfg[i:]), DBURL: db,
		Media: mediafetch.Config{Poll: 20 * time.Millisecond, Backoff: 50 * time.Millisecond}})
	return &waShop{shop: s, graph: graph}
}

// sendMedia posts a customer's WhatsApp media message of type typ
// naming media id.
func (c *waCustomer) sendMedia(typ, id, caption string) {
	c.n++
	body := map[string]any{"id": id, "mime_type": "application/octet-stream"}
	if caption != "" {
		body["caption"] = caption
	}
	c.send(map[string]any{"from": c.wa, "id": fmt.Sprintf("wamid.%s.%d", c.wa, c.n),
		"timestamp": strconv.FormatInt(time.Now().Unix(), 10), "type": typ, typ: body})
}

// waitMedia waits until conv's files are all fetched or given up, and
// returns them.
func waitMedia(t *testing.T, db *store.DB, conv concierge.ConversationID) []*store.MediaInfo {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ms, err := db.ConversationMedia(context.Background(), conv)
		if err != nil {
			t.Fatal(err)
		}
		done := len(ms) > 0
		for _, m := range ms {
			done = done && m.Status != store.MediaPending
		}
		if done {
			return ms
		}
		if time.Now().After(deadline) {
			for _, m := range ms {
				t.Logf("file %d: %+v", m.ID, m)
			}
			t.Fatal("files still pending after 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fetchRaw GETs path as p and returns the response with its body read.
func (p *person) fetchRaw(path string) (*http.Response, string) {
	p.s.t.Helper()
	resp, err := p.client.Get(p.s.base + path)
	if err != nil {
		p.s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestInboxMedia: a customer's photo and an HTML file sent on WhatsApp
// are downloaded after the message (the photo's first download fails and
// is retried), shown in the conversation page (the photo as an image,
// the HTML file as a download), served with the photo's type and the
// HTML file as an attachment that cannot render, to nobody who does not
// see the bot; erasing the customer deletes them.
func TestInboxMedia(t *testing.T) {
	db := tempSQLite(t)
	s := startMediaShop(t, db)
	ctx := context.Background()
	s.addPerson("sue", concierge.RoleAgent, 3)
	s.addPerson("olga", concierge.RoleAgent, 3, "another-shop")

	jpeg := []byte("\xff\xd8\xff\xe0 a broken lamp")
	html := []byte("<html><script>alert(document.cookie)</script></html>")
	// The photo's download fails once (Meta's CDN answers 503), then works.
	s.graph.AddMedia("1001", whatsapptest.Media{ContentType: "image/jpeg", Data: jpeg, Status: http.StatusServiceUnavailable})
	s.graph.AddMedia("1002", whatsapptest.Media{ContentType: "text/html", Data: html})

	c := s.customer("33611223344")
	c.say("I want a person please, my lamp arrived broken")
	c.sendMedia("image", "1001", "")
	conv, err := s.m.DB.FindConversation(ctx, "maison-lumiere", concierge.ChannelWhatsApp, concierge.ChatID(c.wa))
	if err != nil {
		t.Fatal(err)
	}
	// The first try has failed once the file shows an attempt; then
	// Meta's CDN recovers.
	deadline := time.Now().Add(10 * time.Second)
	for {
		ms, err := s.m.DB.ConversationMedia(ctx, conv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 1 && ms[0].Attempts >= 1 {
			if ms[0].Status != store.MediaPending || ms[0].Error == "" {
				t.Fatalf("after the failed download the file is %+v; want pending with the error", ms[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no failed attempt after 10s: %+v", ms)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.graph.AddMedia("1001", whatsapptest.Media{ContentType: "image/jpeg", Data: jpeg})
	c.sendMedia("document", "1002", "my invoice")
	ms := waitMedia(t, s.m.DB, conv.ID)
	if len(ms) != 2 || ms[0].Status != store.MediaFetched || ms[0].Attempts != 2 || ms[1].Status != store.MediaFetched {
		t.Fatalf("files = %+v %+v; want both fetched, the photo on its second attempt", ms[0], ms[1])
	}
	photo, page := ms[0], ms[1]

	sue := s.person("sue")
	sue.signIn()
	_, view := sue.get(fmt.Sprintf("/inbox/c/%d", conv.ID))
	photoURL, fileURL := fmt.Sprintf("/inbox/media/%d", photo.ID), fmt.Sprintf("/inbox/media/%d", page.ID)
	for _, want := range []string{
		`<a href="` + photoURL + `" target="_blank" rel="noopener"><img src="` + photoURL + `"`,
		`<a href="` + fileURL + `" download>`,
		"my invoice",
	} {
		if !strings.Contains(view, want) {
			t.Errorf("the conversation page lacks %s", want)
		}
	}
	if strings.Contains(view, `<img src="`+fileURL) {
		t.Error("the HTML file is shown as an image")
	}

	resp, body := sue.fetchRaw(photoURL)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" || body != string(jpeg) ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("photo: %d %v %q", resp.StatusCode, resp.Header, body)
	}
	resp, body = sue.fetchRaw(fileURL)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/octet-stream" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || body != string(html) ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("HTML file: %d %v", resp.StatusCode, resp.Header)
	}

	// Olga sees another bot only; nobody signed in sees nothing.
	olga := s.person("olga")
	olga.signIn()
	for _, path := range []string{photoURL, fileURL, "/inbox/media/999999", "/inbox/media/x"} {
		if resp, body := olga.fetchRaw(path); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "broken lamp") {
			t.Errorf("olga GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
	// Signed out, the inbox sends to its sign-in page.
	if resp, body := s.person("nobody").fetchRaw(photoURL); resp.Request.URL.Path != "/inbox/signin" || strings.Contains(body, "broken lamp") {
		t.Errorf("signed out GET %s: %d at %s, want the sign-in page", photoURL, resp.StatusCode, resp.Request.URL)
	}

	// Erasure deletes the files.
	if code, out, errOut := runCmd(t, "", "customer", "erase", "--db", db, "--bot", "maison-lumiere", "--channel", "whatsapp",
		"--chat", c.wa, "--yes"); code != 0 {
		t.Fatalf("erase: %d %s %s", code, out, errOut)
	}
	if ms, _ := s.m.DB.ConversationMedia(ctx, conv.ID); len(ms) != 0 {
		t.Fatalf("files after erase = %d, want 0", len(ms))
	}
	if resp, _ := sue.fetchRaw(photoURL); resp.StatusCode != http.StatusNotFound {
		t.Errorf("photo after erase: %d, want 404", resp.StatusCode)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

// lineecho is the smallest channel there is: a platform that posts
// {"id","from","text"} to its webhook with a shared secret in a header,
// and takes replies at POST {api}/send. It lives in this test to check
// the README's "To add a channel": a channel is one type that is a
// concierge.Sender (and, for webhooks, a concierge.Receiver), and one
// registration line; no other package changes.
type lineecho struct {
	api    string // the platform's base URL
	secret string
	client *http.Client
}

var (
	_ concierge.Sender   = (*lineecho)(nil)
	_ concierge.Receiver = (*lineecho)(nil)
)

const lineechoChannel concierge.Channel = "lineecho"

// Receive checks the secret first, then decodes the one message.
func (l *lineecho) Receive(ctx context.Context, h http.Header, body []byte) ([]concierge.Event, error) {
	if h.Get("X-Lineecho-Secret") != l.secret {
		return nil, concierge.Errorf(concierge.CodeUnauthorized, "lineecho: receive", "bad secret")
	}
	var in struct{ ID, From, Text string }
	if err := json.Unmarshal(body, &in); err != nil || in.ID == "" || in.From == "" {
		return nil, concierge.Errorf(concierge.CodeInvalid, "lineecho: receive", "not a lineecho message")
	}
	return []concierge.Event{{Kind: concierge.EventText, Chat: concierge.ChatID(in.From), User: in.From,
		DedupeKey: in.ID, Text: in.Text, Locale: "en", Time: time.Now()}}, nil
}

// Send posts the message as plain text: lineecho renders nothing else,
// and declares no capabilities.
func (l *lineecho) Send(ctx context.Context, m *concierge.Outbound) error {
	b, _ := json.Marshal(map[string]string{"to": string(m.Chat), "text": m.Message.PlainText()})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.api+"/send", bytes.NewReader(b))
	if err != nil {
		return err
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return concierge.Errorf(concierge.CodeUnavailable, "lineecho: send", "HTTP %d", resp.StatusCode)
	}
	return nil
}

// TestAddChannel adds lineecho to a running shop with one line and has a
// conversation through it: the webhook refuses a bad secret, stores a
// message and a retry of it once, and the bot's answer arrives at the
// platform's API.
func TestAddChannel(t *testing.T) {
	var mu sync.Mutex
	var sent []map[string]string
	platform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg map[string]string
		if r.URL.Path != "/send" || json.NewDecoder(r.Body).Decode(&msg) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		mu.Lock()
		sent = append(sent, msg)
		mu.Unlock()
	}))
	defer platform.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	m := &Main{ConfigPath: writeBot(t, sampleBot(t)), DBURL: tempSQLite(t), Listener: ln, BaseURL: "http://" + ln.Addr().String(),
		Log: slog.New(slog.NewTextHandler(logs, nil)), Stdout: io.Discard, Stderr: io.Discard}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}

	// The one line that adds the channel.
	m.Registry.AddChannel("maison-lumiere", lineechoChannel, &lineecho{api: platform.URL, secret: "s3cret", client: platform.Client()})

	wait, err := m.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		wait()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	}()

	post := func(secret, body string) (int, map[string]int) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, m.BaseURL+"/webhooks/maison-lumiere/lineecho", strings.NewReader(body))
		req.Header.Set("X-Lineecho-Secret", secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var res map[string]int
		json.NewDecoder(resp.Body).Decode(&res)
		return resp.StatusCode, res
	}
	msg := `{"id":"m1","from":"u1","text":"hello, do you have a desk lamp?"}`
	if code, _ := post("wrong", msg); code != http.StatusUnauthorized {
		t.Fatalf("a bad secret got %d, want 401", code)
	}
	if code, res := post("s3cret", msg); code != http.StatusOK || res["events"] != 1 || res["duplicates"] != 0 {
		t.Fatalf("the message got %d %v, want 200 with one new event", code, res)
	}
	if code, res := post("s3cret", msg); code != http.StatusOK || res["duplicates"] != 1 {
		t.Fatalf("the platform's retry got %d %v, want 200 and a duplicate", code, res)
	}
	if code, _ := post("s3cret", "{}"); code != http.StatusBadRequest {
		t.Fatalf("garbage got %d, want 400", code)
	}
	if resp, err := http.Post(m.BaseURL+"/webhooks/maison-lumiere/nochannel", "application/json", strings.NewReader(msg)); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a channel the bot lacks: %v %v, want 404", resp.Status, err)
	}

	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(sent)
		var first map[string]string
		if n > 0 {
			first = sent[0]
		}
		mu.Unlock()
		if n > 0 {
			if first["to"] != "u1" || first["text"] == "" {
				t.Fatalf("the platform got %v, want a text to u1", first)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no answer reached the platform's API in 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

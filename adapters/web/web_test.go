package web

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

func TestSendPublishes(t *testing.T) {
	hub := NewHub()
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	a := New(hub)
	a.Now = func() time.Time { return at }
	ch, cancel := hub.Subscribe("shop", "s1")
	defer cancel()

	msg := concierge.Message{
		Kind: concierge.MessageCards,
		Text: "Deux lampes",
		Cards: []concierge.Card{{
			SKU: "LAMP-01", Title: "Aurore", PriceText: "49,00 €",
			Buttons: []concierge.Button{{Label: "Ajouter", Value: "add:LAMP-01"}},
		}},
	}
	err := a.Send(context.Background(), &concierge.Outbound{Seq: 7, Bot: "shop", Channel: concierge.ChannelWeb, Chat: "s1", Message: msg})
	if err != nil {
		t.Fatal(err)
	}
	got := receive(t, ch)
	if got.Seq != 7 || got.From != FromBot || !got.At.Equal(at) || got.Message.Text != msg.Text || len(got.Message.Cards) != 1 {
		t.Fatalf("published %+v", got)
	}
}

func TestSendWithNobodyWatching(t *testing.T) {
	a := New(NewHub())
	if err := a.Send(context.Background(), &concierge.Outbound{Seq: 1, Bot: "shop", Chat: "s1"}); err != nil {
		t.Fatalf("Send with no open widget: %v; the message is in the store, so this is no failure", err)
	}
}

func TestSendErrors(t *testing.T) {
	a := New(NewHub())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := a.Send(ctx, &concierge.Outbound{Bot: "shop", Chat: "s1"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a done ctx = %v, want context.Canceled", err)
	}
	for _, m := range []*concierge.Outbound{nil, {Chat: "s1"}, {Bot: "shop"}} {
		if err := a.Send(context.Background(), m); concierge.ErrorCode(err) != concierge.CodeInvalid {
			t.Errorf("Send(%+v) = %v, want CodeInvalid", m, err)
		}
	}
}

func TestCapabilities(t *testing.T) {
	c := New(NewHub()).Capabilities()
	want := Capabilities{Buttons: true, Cards: true, Comparison: true, PaymentLinks: true, MaxButtons: 8}
	if c != want {
		t.Fatalf("Capabilities = %+v, want %+v", c, want)
	}
}

func TestPage(t *testing.T) {
	a := New(NewHub())
	var b strings.Builder
	err := a.Page(&b, PageData{
		Bot:           "maison-lumiere",
		Name:          `Maison <Lumière> & "Fils"`,
		Locales:       []string{"fr", "en", "zh"},
		DefaultLocale: "fr",
	})
	if err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`<html lang="fr">`,
		`data-bot="maison-lumiere"`,
		`<title>Maison &lt;Lumière&gt; &amp; &#34;Fils&#34;</title>`,
		`<option value="zh" lang="zh">中文</option>`,
		`id="chat-input"`, `id="chat-send"`, `id="transcript"`, `id="chat-locale"`,
		`src="/chat/static/widget.js"`, `href="/chat/static/widget.css"`,
		`Content-Security-Policy`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page, "<Lumière>") {
		t.Error("shop name is not escaped")
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, "style=") {
		t.Error("page has inline script or style, which its Content-Security-Policy forbids")
	}
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Error("page refers to another origin")
	}
}

func TestPageDefaults(t *testing.T) {
	var b strings.Builder
	if err := New(NewHub()).Page(&b, PageData{Bot: "shop"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<html lang="fr">`, `<title>shop</title>`, `value="fr"`, `value="en"`, `value="zh"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestPageWriteError(t *testing.T) {
	if err := New(NewHub()).Page(failWriter{}, PageData{Bot: "shop"}); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("Page = %v, want the writer's error", err)
	}
}

func TestStatic(t *testing.T) {
	files := Static()
	for _, name := range []string{"widget.js", "widget.css", "img/desk.svg", "img/bedside.svg", "img/bulbs.svg", "img/shades.svg", "img/gifts.svg"} {
		data, err := fs.ReadFile(files, name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(data) == 0 {
			t.Errorf("%s is empty", name)
		}
		if strings.HasSuffix(name, ".svg") {
			if err := xml.Unmarshal(data, new(struct{})); err != nil {
				t.Errorf("%s is not XML: %v", name, err)
			}
			if len(data) > 4<<10 {
				t.Errorf("%s is %d bytes; keep illustrations small", name, len(data))
			}
		}
	}
	if _, err := fs.ReadFile(files, "widget.html"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the page template is served: %v", err)
	}
}

// TestStaticIsSelfContained guards "no external requests": the widget's
// files name no other origin.
func TestStaticIsSelfContained(t *testing.T) {
	err := fs.WalkDir(static, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(static, path)
		if err != nil {
			return err
		}
		text := strings.ReplaceAll(string(data), "http://www.w3.org/2000/svg", "")
		for _, bad := range []string{"http://", "https://", "//cdn", "@import", "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
			if strings.Contains(text, bad) {
				t.Errorf("%s contains %q", path, bad)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

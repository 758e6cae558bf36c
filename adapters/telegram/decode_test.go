package telegram

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var epoch = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./adapters/telegram -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test ./adapters/telegram -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestDecodeFixtures decodes every update in testdata/updates (the shared
// fixtures plus the kinds Concierge ignores) against golden files.
func TestDecodeFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/updates/*.json")
	if len(files) < 15 {
		t.Fatalf("found %d fixtures", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			u, err := Decode("shop", body, epoch)
			if err != nil {
				t.Fatal(err)
			}
			if u.Event != nil && !bytes.Equal(u.Event.Raw, body) {
				t.Error("Raw is not the body")
			}
			got, _ := json.MarshalIndent(u, "", "  ")
			golden(t, "decode_"+name+".json", append(got, '\n'))
		})
	}
}

// TestDecodeKinds states the decisions the golden files record.
func TestDecodeKinds(t *testing.T) {
	read := func(name string) *Update {
		body, err := os.ReadFile("testdata/updates/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		u, err := Decode("shop", body, epoch)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	tests := []struct {
		file    string
		kind    concierge.EventKind // "" = no event
		ignored bool
	}{
		{"update_message_text_official", concierge.EventSubscribe, false}, // "/start"
		{"update_edited_message_official", concierge.EventText, false},
		{"update_message_photo", concierge.EventMedia, false},
		{"update_message_sticker", concierge.EventMedia, false},
		{"update_message_voice", concierge.EventMedia, false},
		{"update_callback_query_message", concierge.EventButton, false},
		{"update_callback_query_inline_official", concierge.EventButton, false},
		{"update_pre_checkout_query", "", false},
		{"update_successful_payment", concierge.EventPayment, false},
		{"update_refunded_payment", concierge.EventPayment, false},
		{"update_my_chat_member_kicked", concierge.EventUnsubscribe, false},
		{"update_channel_post", "", true},
		{"update_poll", "", true},
		{"update_message_group", "", true},
	}
	for _, tt := range tests {
		u := read(tt.file)
		var kind concierge.EventKind
		if u.Event != nil {
			kind = u.Event.Kind
			if u.Event.DedupeKey == "" || u.Event.Chat == "" || u.Event.Channel != concierge.ChannelTelegram {
				t.Errorf("%s: event not addressed: %+v", tt.file, u.Event)
			}
		}
		if kind != tt.kind || (u.Ignored != "") != tt.ignored {
			t.Errorf("%s: kind %q ignored %q, want %q ignored=%v", tt.file, kind, u.Ignored, tt.kind, tt.ignored)
		}
	}
	if u := read("update_pre_checkout_query_stars"); u.PreCheckout.Order != "ord_000123" || u.PreCheckout.Amount != (concierge.Money{Minor: 250, Currency: "XTR"}) {
		t.Errorf("stars pre-checkout: %+v", u.PreCheckout)
	}
	if u := read("update_pre_checkout_query"); u.PreCheckout.Order != "" {
		t.Errorf("a payload not made by Concierge names order %q", u.PreCheckout.Order)
	}
	if u := read("update_callback_query_message"); u.Event.Text != "T-shirt $14.50" || u.Event.Locale != "ru" {
		t.Errorf("callback label/locale: %+v", u.Event)
	}
	if u := read("update_message_french_html"); u.Event.Text != "une lampe <b>pas chère</b> & jolie" || u.Event.Locale != "fr" {
		t.Errorf("text must be kept verbatim: %+v", u.Event)
	}
}

func TestDecodeBad(t *testing.T) {
	for _, body := range []string{``, `{`, `[]`, `{"message":{"text":"hi"}}`, `{"update_id":"x"}`, `{"update_id":-1}`, strings.Repeat(" ", MaxBodyBytes+1)} {
		if _, err := Decode("shop", []byte(body), epoch); concierge.ErrorCode(err) != concierge.CodeInvalid {
			t.Errorf("Decode(%.30q) = %v, want CodeInvalid", body, err)
		}
	}
	u, err := Decode("shop", []byte(`{"update_id":7,"message_reaction":{"chat":{"id":1,"type":"private"}}}`), epoch)
	if err != nil || u.Event != nil || u.Ignored == "" || u.Kind != "message_reaction" {
		t.Errorf("unknown kind: %+v, %v", u, err)
	}
}

// FuzzDecode: no input makes the parser panic, and what it accepts is
// addressed and keyed.
func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/updates/*.json")
	shared, _ := filepath.Glob("../../../shared/fixtures/telegram/update_*.json")
	for _, p := range append(seeds, shared...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"update_id":1,"callback_query":{"id":"q","from":{"id":1},"data":"x","message":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"}}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		u, err := Decode("shop", body, epoch)
		if err != nil {
			if concierge.ErrorCode(err) != concierge.CodeInvalid {
				t.Fatalf("error %v is not CodeInvalid", err)
			}
			return
		}
		if e := u.Event; e != nil {
			if e.DedupeKey == "" || e.Chat == "" || e.Bot != "shop" {
				t.Fatalf("event not addressed: %+v", e)
			}
			if strings.ContainsRune(e.Text, 0) {
				t.Fatal("NUL in text")
			}
		}
	})
}

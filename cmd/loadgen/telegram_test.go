package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/conciergehq/concierge/adapters/telegram"
	"github.com/conciergehq/concierge/config"
)

func TestLatencyList(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		in      string
		want    latencyList
		str     string
		wantErr bool
	}{
		{"0,50ms", latencyList{0, 50 * ms}, "0s,50ms", false},
		{" 0 , 50ms ", latencyList{0, 50 * ms}, "0s,50ms", false},
		{"10ms", latencyList{10 * ms}, "10ms", false},
		{"0s,1s", latencyList{0, time.Second}, "0s,1s", false},
		{"50", nil, "", true}, // a bare number other than 0 has no unit
		{"fast", nil, "", true},
		{"", nil, "", true},
	}
	for _, tt := range tests {
		var l latencyList
		err := l.Set(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("Set(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if tt.wantErr {
			continue
		}
		if len(l) != len(tt.want) {
			t.Errorf("Set(%q) = %v, want %v", tt.in, l, tt.want)
			continue
		}
		for i := range l {
			if l[i] != tt.want[i] {
				t.Errorf("Set(%q) = %v, want %v", tt.in, l, tt.want)
			}
		}
		if got := l.String(); got != tt.str {
			t.Errorf("String() = %q, want %q", got, tt.str)
		}
	}
}

func TestTelegramOptions(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "concierge")
	if err := os.WriteFile(bin, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"-bin", bin}, ""},
		{[]string{"-bin", bin, "-channel", "telegram"}, ""},
		{[]string{"-bin", bin, "-channel", "telegram", "-platform-latency", "0,50ms,100ms"}, ""},
		{[]string{"-bin", bin, "-channel", "whatsapp"}, "-channel"},
		{[]string{"-bin", bin, "-channel", "telegram", "-platform-latency", "0,1ms,2ms,3ms,4ms"}, "want 1 to 4"},
		{[]string{"-bin", bin, "-channel", "telegram", "-platform-latency", "-5ms"}, "want 0 to"},
		{[]string{"-bin", bin, "-channel", "telegram", "-platform-latency", "1h"}, "want 0 to"},
		{[]string{"-bin", bin, "-channel", "telegram", "-drain", "0s"}, "-drain"},
	}
	for _, tt := range tests {
		o, err := parseFlags(tt.args, &strings.Builder{})
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%q: %v", tt.args, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%q: error %v, want one containing %q", tt.args, err, tt.wantErr)
		case err == nil && o.Channel == "":
			t.Errorf("%q: no channel", tt.args)
		}
	}
	o, _ := parseFlags([]string{"-bin", bin}, &strings.Builder{})
	if o.Channel != "web" || o.Latencies.String() != "0s,50ms" {
		t.Errorf("defaults: channel %q latencies %s, want web and 0s,50ms", o.Channel, o.Latencies.String())
	}
}

func TestAPIMethod(t *testing.T) {
	tests := []struct {
		path, method string
		send         bool
	}{
		{"/bot123:abc/sendMessage", "sendMessage", true},
		{"/bot123:abc/sendPhoto", "sendPhoto", true},
		{"/bot123:abc/sendInvoice", "sendInvoice", true},
		{"/bot123:abc/getMe", "getMe", false},
		{"/bot123:abc/answerCallbackQuery", "answerCallbackQuery", false},
		{"/bot123:abc/editMessageText", "editMessageText", false},
		{"/bot123:abc/sender", "sender", false}, // not send + a capital
		{"/bot123:abc/send", "send", false},
		{"/bot123:abc", "", false},
		{"/file/bot123:abc/photo.jpg", "", false},
		{"/bot123:abc/a/b", "", false},
	}
	for _, tt := range tests {
		m := apiMethod(tt.path)
		if m != tt.method || isSendMethod(m) != tt.send {
			t.Errorf("%s: method %q send %v, want %q %v", tt.path, m, isSendMethod(m), tt.method, tt.send)
		}
	}
}

// The updates loadgen posts decode, with Concierge's own decoder, into one
// text event of the right chat, locale and text, keyed by update_id.
func TestUpdateJSON(t *testing.T) {
	tests := []struct {
		id     int64
		c, k   int
		locale string
	}{
		{1, 0, 0, "fr"},
		{2, 1, 0, "en"},
		{3, 2, 0, "zh"},
		{30000, 1999, 14, "en"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		body := updateJSON(tt.id, tt.c, tt.k, 1_700_000_000)
		u, err := telegram.Decode("shop", body, time.Now())
		if err != nil {
			t.Fatalf("update %d: %v\n%s", tt.id, err, body)
		}
		_, text := shopperMessage(tt.c, tt.k)
		e := u.Event
		switch {
		case u.ID != tt.id || u.Ignored != "" || e == nil:
			t.Errorf("update %d: decoded %+v", tt.id, u)
		case string(e.Locale) != tt.locale || e.Text != text || e.DedupeKey != strconv.FormatInt(tt.id, 10):
			t.Errorf("update %d: locale %q text %q key %q, want %q %q %d", tt.id, e.Locale, e.Text, e.DedupeKey, tt.locale, text, tt.id)
		}
		if e != nil {
			if seen[string(e.Chat)+"/"+e.DedupeKey] {
				t.Errorf("update %d: chat and key %s/%s seen before", tt.id, e.Chat, e.DedupeKey)
			}
			seen[string(e.Chat)+"/"+e.DedupeKey] = true
		}
		// The library decodes it too, as the echo bot does.
		var lib tgbotapi.Update
		if err := json.Unmarshal(body, &lib); err != nil || lib.Message == nil || lib.Message.Chat.ID != chatBase+int64(tt.c) || lib.Message.Text != text {
			t.Errorf("update %d: go-telegram-bot-api reads %+v, %v", tt.id, lib.Message, err)
		}
	}
}

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int64
		wantErr bool
	}{
		{"plain", "4242 (concierge) S 1 4242 4242 0 -1 4194560 1234 0 0 0 750 125 0 0 20 0 9 0 100 0 0", 875, false},
		{"name with spaces and parens", "7 (my (odd) name) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 1 0 0", 7, false},
		{"no name", "7 R 1 7", 0, true},
		{"short", "7 (x) R 1 2 3", 0, true},
		{"not a number", "7 (x) R 1 7 7 0 -1 0 0 0 0 0 x 4 0", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatCPU(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestRatio(t *testing.T) {
	tests := []struct {
		a, b float64
		want string
	}{
		{3900, 7000, "0.56×"},
		{7000, 3900, "1.79×"},
		{30, 750, "0.040×"},
		{12000, 800, "15×"},
		{1, 0, "n/a"},
		{0, 1, "n/a"},
	}
	for _, tt := range tests {
		if got := ratio(tt.a, tt.b); got != tt.want {
			t.Errorf("ratio(%v, %v) = %q, want %q", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestMsShort(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0 ms"},
		{50 * time.Millisecond, "50 ms"},
		{1500 * time.Microsecond, "1.5 ms"},
	}
	for _, tt := range tests {
		if got := msShort(tt.d); got != tt.want {
			t.Errorf("msShort(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestWithTelegramChannel(t *testing.T) {
	const entry = `telegram: { token: "T" }`
	tests := []struct {
		name, in, want, wantErr string
	}{
		{
			name: "block with a child and comments",
			in:   "bot: shop\nchannels:\n  web: { enabled: true }\n  # telegram:\n  #   token: x\npayments:\n  sandbox: { enabled: true }\n",
			want: "bot: shop\nchannels:\n  telegram: { token: \"T\" }\n  web: { enabled: true }\n  # telegram:\n  #   token: x\npayments:\n  sandbox: { enabled: true }\n",
		},
		{
			name: "child indented by four, comment after the key",
			in:   "channels: # where customers write\n    web:\n        enabled: true\n",
			want: "channels: # where customers write\n    telegram: { token: \"T\" }\n    web:\n        enabled: true\n",
		},
		{
			name: "no channels: added at the end",
			in:   "bot: shop\ncatalog: {}",
			want: "bot: shop\ncatalog: {}\nchannels:\n  telegram: { token: \"T\" }\n",
		},
		{
			name: "empty block",
			in:   "bot: shop\nchannels:\n",
			want: "bot: shop\nchannels:\n  telegram: { token: \"T\" }\n",
		},
		{
			name: "a nested channels key is not the section",
			in:   "handoff:\n  channels: [web]\n",
			want: "handoff:\n  channels: [web]\nchannels:\n  telegram: { token: \"T\" }\n",
		},
		{
			name:    "inline channels",
			in:      "channels: { web: { enabled: true } }\n",
			wantErr: "inline",
		},
		{
			name:    "telegram already there",
			in:      "channels:\n  web: { enabled: true }\n  telegram:\n    token: x\n",
			wantErr: "already",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := withTelegramChannel([]byte(tt.in), entry)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Errorf("got %q, %v\nwant %q", got, err, tt.want)
			}
		})
	}
}

// The sample bot file with the benchmark's Telegram channel is a valid bot
// file that points at the fake.
func TestBenchBotFileIsValid(t *testing.T) {
	src, err := os.ReadFile("../../examples/maison-lumiere.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := withTelegramChannel(src, telegramChannelYAML("123456789:loadgen-x", "s3cret_-A", "http://127.0.0.1:12345"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bot.yaml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	files, err := config.Load(path, func(string) string { return "" })
	if err != nil {
		t.Fatalf("bot file with the channel does not load: %v", err)
	}
	tg := files[0].Channels.Telegram
	if tg == nil || tg.Token != "123456789:loadgen-x" || tg.SecretToken != "s3cret_-A" || tg.APIEndpoint != "http://127.0.0.1:12345" || tg.Mode != "webhook" {
		t.Errorf("channels.telegram = %+v", tg)
	}
	if len(files[0].Catalog.Products) == 0 || files[0].Channels.Web == nil {
		t.Errorf("the rest of the file was lost: %d products, web %v", len(files[0].Catalog.Products), files[0].Channels.Web)
	}
}

// The fake counts the replies it answered, not getMe, and says when the
// last one was.
func TestFakeAPICountsReplies(t *testing.T) {
	const token = "123:abc"
	api, err := startFakeAPI(token, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer api.close()
	bot, err := tgbotapi.NewBotAPIWithClient(token, api.URL+"/bot%s/%s", &http.Client{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("getMe: %v", err)
	}
	start := time.Now()
	api.reset(start)
	for range 3 {
		if _, err := bot.Send(tgbotapi.NewMessage(42, "bonjour")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := bot.Send(tgbotapi.NewMessage(42, "")); err == nil { // empty text: the fake refuses it
		t.Error("the fake took an empty text")
	}
	if got := api.sends.Load(); got != 3 {
		t.Errorf("sends = %d, want 3", got)
	}
	if got := api.sendErrs.Load(); got != 1 {
		t.Errorf("refused sends = %d, want 1", got)
	}
	if got := api.others.Load(); got != 1 {
		t.Errorf("other calls = %d, want 1 (getMe)", got)
	}
	if d := api.lastSend(); d <= 0 || d > time.Since(start) {
		t.Errorf("lastSend = %v", d)
	}
	for _, p := range api.fake.Problems() {
		if !strings.Contains(p, "text") {
			t.Errorf("problem %q, want only the empty text's", p)
		}
	}
}

func TestWatchReplies(t *testing.T) {
	tests := []struct {
		name         string
		probe        replySample
		acked        int
		wantHandled  bool
		wantTimedOut bool
	}{
		{"all handled and drained", replySample{Sent: 10, Handled: 10, Pending: 0}, 10, true, false},
		{"no turns to wait for", replySample{Sent: 10, Handled: -1, Pending: -1}, 10, true, false},
		{"turns missing: waits out the drain", replySample{Sent: 5, Handled: 5, Pending: 0}, 10, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acked := make(chan int, 1)
			acked <- tt.acked
			probe := func(context.Context) (replySample, error) { return tt.probe, nil }
			w := watchReplies(context.Background(), probe, time.Now(), acked, time.Second)
			if w.Handled != tt.wantHandled || w.TimedOut != tt.wantTimedOut || w.Last.Sent != tt.probe.Sent {
				t.Errorf("got %+v, want handled %v timed out %v", w, tt.wantHandled, tt.wantTimedOut)
			}
		})
	}
}

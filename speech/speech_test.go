package speech_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/speech"
	"github.com/conciergehq/concierge/speech/speechtest"
)

const key = "sk-test-0123456789abcdef"

func newTranscriber(t *testing.T, fake *speechtest.Server, langs ...string) *speech.Transcriber {
	t.Helper()
	tr, err := speech.New(speech.Config{BaseURL: fake.URL + "/v1", Model: "whisper-1", APIKey: key, Languages: langs,
		Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTranscribeFixtures sends each real fixture as its platform declares
// it and checks the multipart request the server got and the transcript.
func TestTranscribeFixtures(t *testing.T) {
	fake := speechtest.New(key)
	defer fake.Close()
	fake.Say(" Avez-vous la lampe   Aurore ? ", "french")
	tests := []struct {
		file, declared, wantName, wantType string
	}{
		{"voice.ogg", "audio/ogg; codecs=opus", "voice.ogg", "audio/ogg"}, // WhatsApp's voice notes
		{"voice.ogg", "audio/ogg", "voice.ogg", "audio/ogg"},              // Telegram's .oga
		{"audio.mp3", "audio/mpeg", "voice.mp3", "audio/mpeg"},
		{"voice.amr", "audio/amr", "voice.amr", "audio/amr"}, // WeChat's voice
		{"voice.amr", "application/octet-stream", "voice.amr", "audio/amr"},
	}
	tr := newTranscriber(t, fake, "fr", "en", "zh")
	for i, tt := range tests {
		data := fixture(t, tt.file)
		got, err := tr.Transcribe(context.Background(), concierge.Media{ContentType: tt.declared, Data: data})
		if err != nil {
			t.Fatalf("%s as %s: %v", tt.file, tt.declared, err)
		}
		if got.Text != "Avez-vous la lampe Aurore ?" || got.Language != "fr" {
			t.Errorf("%s: transcript %+v", tt.file, got)
		}
		calls := fake.Calls()
		if len(calls) != i+1 {
			t.Fatalf("%d calls after %d transcriptions", len(calls), i+1)
		}
		c := calls[i]
		if c.Model != "whisper-1" || c.Format != "verbose_json" || c.Language != "" || c.FileName != tt.wantName ||
			c.ContentType != tt.wantType || !bytes.Equal(c.Data, data) {
			t.Errorf("%s: call %+v (data %d bytes, want %d)", tt.file, c, len(c.Data), len(data))
		}
	}
}

// TestLanguageHint: a shop with one language sends it as the hint.
func TestLanguageHint(t *testing.T) {
	fake := speechtest.New(key)
	defer fake.Close()
	fake.Say("有台灯吗", "zh")
	got, err := newTranscriber(t, fake, "zh").Transcribe(context.Background(), concierge.Media{ContentType: "audio/amr", Data: fixture(t, "voice.amr")})
	if err != nil || got.Text != "有台灯吗" || got.Language != "zh" {
		t.Fatalf("got %+v, %v", got, err)
	}
	if c := fake.Calls(); len(c) != 1 || c[0].Language != "zh" {
		t.Fatalf("calls %+v; want the language hint zh", c)
	}
}

// TestRefusedBeforeSending: a file over the cap (50 MB) and files that are
// not audio are refused with a clear error, and nothing reaches the server.
func TestRefusedBeforeSending(t *testing.T) {
	fake := speechtest.New(key)
	defer fake.Close()
	fake.Say("never", "en")
	tr := newTranscriber(t, fake)
	big := make([]byte, 50<<20)
	copy(big, "OggS")
	tests := []struct {
		name string
		m    concierge.Media
		want error
		msg  string
	}{
		{"50 MB", concierge.Media{ContentType: "audio/ogg", Data: big}, speech.ErrTooLarge, "52428800 bytes, at most 26214400"},
		{"a photo", concierge.Media{ContentType: "image/jpeg", Data: []byte("\xff\xd8\xff\xe0 jpeg")}, speech.ErrUnsupported, "type image/jpeg"},
		{"a PDF", concierge.Media{ContentType: "application/pdf", Data: []byte("%PDF-1.7")}, speech.ErrUnsupported, "type application/pdf"},
		{"HTML called audio", concierge.Media{ContentType: "audio/ogg", Data: []byte("<html><script>")}, speech.ErrUnsupported, "audio/ogg content is none of"},
		{"empty", concierge.Media{ContentType: "audio/ogg"}, speech.ErrUnsupported, "content is none of"},
		{"a broken type", concierge.Media{ContentType: "audio/;;", Data: fixture(t, "voice.ogg")}, speech.ErrUnsupported, `type "audio/;;"`},
	}
	for _, tt := range tests {
		_, err := tr.Transcribe(context.Background(), tt.m)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: error %v; want %v with %q", tt.name, err, tt.want, tt.msg)
		}
	}
	if n := len(fake.Calls()); n != 0 {
		t.Fatalf("%d calls reached the server", n)
	}
}

// TestUnsure: empty, silent, low-confidence and foreign transcripts are
// ErrUnsure, so that the bot asks instead of guessing.
func TestUnsure(t *testing.T) {
	fake := speechtest.New(key)
	defer fake.Close()
	tr := newTranscriber(t, fake, "fr", "en", "zh")
	ogg := concierge.Media{ContentType: "audio/ogg", Data: fixture(t, "voice.ogg")}
	tests := []struct {
		name string
		r    speechtest.Reply
		msg  string
	}{
		{"empty", speechtest.Reply{Text: "", Language: "french"}, "empty"},
		{"blank", speechtest.Reply{Text: " \n ", Language: "french"}, "empty"},
		{"silence", speechtest.Reply{Text: "Merci.", Language: "french", NoSpeech: 0.93, Logprob: -0.4}, "not speech"},
		{"mumbled", speechtest.Reply{Text: "la lampe or", Language: "french", NoSpeech: 0.1, Logprob: -1.6}, "low confidence"},
		{"another language", speechtest.Reply{Text: "Haben Sie Lampen?", Language: "german", Logprob: -0.2}, `heard "german"`},
	}
	for _, tt := range tests {
		fake.Answer(func(speechtest.Call) speechtest.Reply { return tt.r })
		got, err := tr.Transcribe(context.Background(), ogg)
		if !errors.Is(err, speech.ErrUnsure) || !strings.Contains(err.Error(), tt.msg) || got.Text != "" {
			t.Errorf("%s: %+v, %v; want ErrUnsure with %q", tt.name, got, err, tt.msg)
		}
	}
}

// TestFailures: a slow server is cut off at the timeout, a failing one
// reports its status; neither error carries the API key, even when the
// server echoes it.
func TestFailures(t *testing.T) {
	fake := speechtest.New(key)
	defer fake.Close()
	ogg := concierge.Media{ContentType: "audio/ogg", Data: fixture(t, "voice.ogg")}

	hold := make(chan struct{})
	defer close(hold)
	fake.Answer(func(speechtest.Call) speechtest.Reply { return speechtest.Reply{Hold: hold} })
	tr, err := speech.New(speech.Config{BaseURL: fake.URL + "/v1", Model: "whisper-1", APIKey: key, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Transcribe(context.Background(), ogg); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, speech.ErrUnsure) {
		t.Errorf("slow server: %v; want the deadline", err)
	}

	fake.Answer(func(speechtest.Call) speechtest.Reply {
		return speechtest.Reply{Status: http.StatusInternalServerError, Message: "model crashed on key " + key}
	})
	_, err = newTranscriber(t, fake).Transcribe(context.Background(), ogg)
	if err == nil || errors.Is(err, speech.ErrUnsure) || !strings.Contains(err.Error(), "500") {
		t.Fatalf("failing server: %v; want its status", err)
	}
	if strings.Contains(err.Error(), key) {
		t.Fatalf("the error carries the API key: %v", err)
	}

	// A wrong key is the server's 401, also without the key.
	other, _ := speech.New(speech.Config{BaseURL: fake.URL + "/v1", Model: "whisper-1", APIKey: "sk-wrong-key-000000"})
	if _, err := other.Transcribe(context.Background(), ogg); err == nil || !strings.Contains(err.Error(), "401") ||
		strings.Contains(err.Error(), "sk-wrong-key-000000") {
		t.Fatalf("wrong key: %v", err)
	}

	// Nobody listening.
	fake.Close()
	if _, err := newTranscriber(t, fake).Transcribe(context.Background(), ogg); err == nil || strings.Contains(err.Error(), key) {
		t.Fatalf("server down: %v", err)
	}
}

func TestNewNeedsEndpoint(t *testing.T) {
	if _, err := speech.New(speech.Config{Model: "whisper-1"}); err == nil {
		t.Fatal("no base_url accepted")
	}
	if _, err := speech.New(speech.Config{BaseURL: "http://localhost:8000/v1"}); err == nil {
		t.Fatal("no model accepted")
	}
}

// TestHear maps each outcome to what the conversation is told.
func TestHear(t *testing.T) {
	fake := speechtest.New(key)
	defer fake.Close()
	tr := newTranscriber(t, fake, "fr", "en", "zh")
	ogg := concierge.Media{ContentType: "audio/ogg", Data: fixture(t, "voice.ogg")}

	fake.Say("la lampe Aurore", "french")
	if h := tr.Hear(context.Background(), ogg); h != (concierge.Hearing{Speech: concierge.SpeechHeard, Text: "la lampe Aurore", Locale: "fr"}) {
		t.Errorf("heard: %+v", h)
	}
	big := concierge.Media{ContentType: "audio/ogg", Data: append([]byte("OggS"), make([]byte, 50<<20)...)}
	if h := tr.Hear(context.Background(), big); h.Speech != concierge.SpeechTooLarge || h.Text != "" || h.Error == "" {
		t.Errorf("50 MB: %+v", h)
	}
	if h := tr.Hear(context.Background(), concierge.Media{ContentType: "application/pdf", Data: []byte("%PDF")}); h.Speech != concierge.SpeechWrongType || h.Text != "" {
		t.Errorf("PDF: %+v", h)
	}
	fake.Say("", "")
	if h := tr.Hear(context.Background(), ogg); h.Speech != concierge.SpeechUnheard || h.Text != "" || !strings.Contains(h.Error, "empty") {
		t.Errorf("empty: %+v", h)
	}
	fake.Answer(func(speechtest.Call) speechtest.Reply {
		return speechtest.Reply{Status: http.StatusInternalServerError, Message: "boom " + key}
	})
	if h := tr.Hear(context.Background(), ogg); h.Speech != concierge.SpeechUnheard || h.Text != "" || strings.Contains(h.Error, key) {
		t.Errorf("failing: %+v", h)
	}
}

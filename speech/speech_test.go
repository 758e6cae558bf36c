package speech_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"slices"
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

// TestJSONOnlyModel: a model that answers json only (OpenAI's
// gpt-4o-transcribe) refuses verbose_json; the transcriber asks again
// for json, and from then on asks json first. A json answer has no
// confidence to judge: only an empty transcript is refused.
func TestJSONOnlyModel(t *testing.T) {
	fake := speechtest.New(key)
	defer fake.Close()
	fake.JSONOnly()
	fake.Say("Do you have the Aurore lamp?", "english")
	tr := newTranscriber(t, fake, "fr", "en", "zh")
	ogg := concierge.Media{ContentType: "audio/ogg", Data: fixture(t, "voice.ogg")}
	got, err := tr.Transcribe(context.Background(), ogg)
	if err != nil || got.Text != "Do you have the Aurore lamp?" || got.Language != "" {
		t.Fatalf("Transcribe = %+v, %v; want the json transcript, no language", got, err)
	}
	if _, err := tr.Transcribe(context.Background(), ogg); err != nil {
		t.Fatal(err)
	}
	var formats []string
	for _, c := range fake.Calls() {
		formats = append(formats, c.Format)
	}
	if strings.Join(formats, " ") != "verbose_json json json" {
		t.Errorf("response formats asked %q; want verbose_json refused once, then json", formats)
	}
	fake.Say("  ", "")
	if _, err := tr.Transcribe(context.Background(), ogg); !errors.Is(err, speech.ErrUnsure) {
		t.Errorf("an empty json transcript: %v; want ErrUnsure", err)
	}
	// Another 400 is a failure, not a reason to change formats.
	other := speechtest.New(key)
	defer other.Close()
	other.Answer(func(speechtest.Call) speechtest.Reply {
		return speechtest.Reply{Status: 400, Message: "audio too short"}
	})
	if _, err := newTranscriber(t, other).Transcribe(context.Background(), ogg); err == nil || errors.Is(err, speech.ErrUnsure) {
		t.Errorf("a 400 about the audio: %v; want a failure", err)
	}
	if n := len(other.Calls()); n != 1 {
		t.Errorf("%d calls for a 400 about the audio; want 1", n)
	}
}

// TestAMRRefusedByHostedEndpoints: OpenAI's and Groq's hosted endpoints
// do not take AMR, and the server cannot convert it (no pure-Go AMR
// decoder), so WeChat's AMR voice is refused before anything is sent,
// with a reason that says what to do; other endpoints take it, and a
// bot file may say which formats its endpoint takes.
func TestAMRRefusedByHostedEndpoints(t *testing.T) {
	for _, base := range []string{"https://api.openai.com/v1", "https://api.groq.com/openai/v1", "https://shop.openai.azure.com/openai/deployments/whisper"} {
		if f := speech.DefaultFormats(base); slices.Contains(f, "amr") || !slices.Contains(f, "ogg") || !slices.Contains(f, "mp3") {
			t.Errorf("DefaultFormats(%s) = %v; want ogg and mp3 but no amr", base, f)
		}
	}
	for _, local := range []string{"http://localhost:8000/v1", "http://openai.azure.com.example/v1"} {
		if f := speech.DefaultFormats(local); !slices.Equal(f, speech.FormatNames()) {
			t.Errorf("%s's formats %v; want all of %v", local, f, speech.FormatNames())
		}
	}
	noNetwork := &http.Client{Transport: roundTrip(func(*http.Request) (*http.Response, error) {
		t.Error("AMR was sent to a hosted endpoint")
		return nil, errors.New("no network in this test")
	})}
	tr, err := speech.New(speech.Config{BaseURL: "https://api.openai.com/v1", Model: "whisper-1", APIKey: key, HTTPClient: noNetwork})
	if err != nil {
		t.Fatal(err)
	}
	amr := concierge.Media{ContentType: "audio/amr", Data: fixture(t, "voice.amr")}
	_, err = tr.Transcribe(context.Background(), amr)
	if !errors.Is(err, speech.ErrUnsupported) || !strings.Contains(err.Error(), "AMR") || !strings.Contains(err.Error(), "speech recognition") {
		t.Fatalf("AMR to OpenAI: %v; want ErrUnsupported naming AMR and what to do", err)
	}
	if h := tr.Hear(context.Background(), amr); h.Speech != concierge.SpeechWrongType || strings.Contains(h.Error, key) {
		t.Errorf("Hear = %+v; want wrong_type without the key", h)
	}

	// A bot file that lists its endpoint's formats.
	fake := speechtest.New(key)
	defer fake.Close()
	fake.Say("有台灯吗", "zh")
	only, err := speech.New(speech.Config{BaseURL: fake.URL + "/v1", Model: "m", APIKey: key, Formats: []string{"ogg", "mp3"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := only.Transcribe(context.Background(), amr); !errors.Is(err, speech.ErrUnsupported) {
		t.Errorf("AMR to an endpoint taking ogg and mp3: %v; want ErrUnsupported", err)
	}
	if _, err := only.Transcribe(context.Background(), concierge.Media{ContentType: "audio/ogg", Data: fixture(t, "voice.ogg")}); err != nil {
		t.Errorf("OGG to it: %v", err)
	}
	if n := len(fake.Calls()); n != 1 {
		t.Errorf("%d calls; want the OGG only", n)
	}
	if _, err := speech.New(speech.Config{BaseURL: fake.URL, Model: "m", Formats: []string{"amr", "aac"}}); err == nil || !strings.Contains(err.Error(), `"aac"`) {
		t.Errorf("an unknown format: %v; want refused by name", err)
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

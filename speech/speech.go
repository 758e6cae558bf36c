// Package speech turns customers' voice notes into text through an
// OpenAI-compatible /audio/transcriptions endpoint (OpenAI, Groq, and
// local whisper.cpp or faster-whisper servers), with go-openai's
// CreateTranscription.
//
// A Transcriber refuses, before any network call, audio over its size
// cap and files that are not audio (by their declared type and by their
// first bytes), and it reports a transcript it cannot vouch for (empty,
// mostly silence, low confidence, or in a language the shop does not
// speak) as ErrUnsure: the caller asks the customer to write rather than
// guess. Errors never carry the API key.
//
// It imports the root package, go-openai and internal/redact; only
// cmd/concierge and the media fetcher's wiring use it.
package speech

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/redact"
)

// MaxBytes is the default size cap: OpenAI's /audio/transcriptions takes
// files of up to 25 MB.
const MaxBytes = 25 << 20

// DefaultTimeout bounds one transcription when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// The thresholds of an unsure transcript, from Whisper's own decoding
// defaults (no_speech_threshold 0.6, logprob_threshold -1.0): above the
// first the audio is most likely not speech, below the second the words
// are most likely wrong.
const (
	maxNoSpeech  = 0.6
	minLogprob   = -1.0
	responseKind = openai.AudioResponseFormatVerboseJSON
)

// The errors of Transcribe. ErrTooLarge and ErrUnsupported are decided
// before anything is sent; ErrUnsure after the server answered.
var (
	ErrTooLarge    = errors.New("speech: audio too large")
	ErrUnsupported = errors.New("speech: not an audio file the transcriber takes")
	ErrUnsure      = errors.New("speech: transcript unsure")
)

// Config configures a Transcriber; it mirrors the bot file's speech
// section.
type Config struct {
	BaseURL string // e.g. https://api.openai.com/v1 or http://localhost:8000/v1
	Model   string // e.g. whisper-1
	APIKey  string // may be empty for local servers
	// Languages are the base languages (fr, en, zh) a transcript may be
	// in; one language is also sent as the hint. Empty accepts any.
	Languages []string
	Timeout   time.Duration // one transcription; DefaultTimeout when zero
	MaxBytes  int64         // the largest file sent; MaxBytes when zero
	// Formats are the containers the endpoint takes, by Format.Name
	// (ogg, mp3, amr, awb, wav, flac, webm, m4a). Empty means
	// DefaultFormats(BaseURL): every one, except AMR for the hosted
	// endpoints known to refuse it.
	Formats []string
	// HTTPClient is injected; nil uses a new http.Client.
	HTTPClient *http.Client
}

// Transcript is what a voice note said.
type Transcript struct {
	Text     string
	Language concierge.Locale // the base language the server heard; "" when it did not say
}

// Transcriber transcribes audio with one endpoint and model.
type Transcriber struct {
	cfg    Config
	client *openai.Client
	// plainJSON is set once the endpoint refused verbose_json for the
	// model (OpenAI's gpt-4o-transcribe models answer only json or
	// text): from then on it is asked for json.
	plainJSON atomic.Bool
}

// New returns a Transcriber for cfg.
func New(cfg Config) (*Transcriber, error) {
	if cfg.BaseURL == "" || cfg.Model == "" {
		return nil, errors.New("speech: base_url and model are required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = MaxBytes
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.HTTPClient != nil {
		oc.HTTPClient = cfg.HTTPClient
	} else {
		oc.HTTPClient = &http.Client{}
	}
	langs := make([]string, 0, len(cfg.Languages))
	for _, l := range cfg.Languages {
		langs = append(langs, strings.ToLower(strings.TrimSpace(l)))
	}
	cfg.Languages = langs
	if len(cfg.Formats) == 0 {
		cfg.Formats = DefaultFormats(cfg.BaseURL)
	}
	for _, f := range cfg.Formats {
		if !slices.ContainsFunc(formats, func(k knownFormat) bool { return k.f.Name == f }) {
			return nil, fmt.Errorf("speech: unknown audio format %q (known: %s)", f, strings.Join(FormatNames(), ", "))
		}
	}
	return &Transcriber{cfg: cfg, client: openai.NewClientWithConfig(oc)}, nil
}

// noAMR are the hosted endpoints documented to refuse AMR (OpenAI's,
// Azure OpenAI's and Groq's /audio/transcriptions take flac, mp3, mp4,
// mpeg, mpga, m4a, ogg, wav and webm); a leading dot matches any host
// under that domain. Go has no maintained pure-Go AMR decoder to
// convert WeChat's voice with (and ffmpeg or cgo are not a dependency
// of this server), so a WeChat voice note without Recognition is refused
// before sending for them, instead of costing a failing call.
var noAMR = []string{"api.openai.com", "api.groq.com", ".openai.azure.com"}

// DefaultFormats are the containers an endpoint at baseURL is taken to
// accept when the bot file does not say: all known ones, except AMR for
// the hosted endpoints known to refuse it. Local servers that decode
// with ffmpeg (whisper.cpp's --convert, faster-whisper) take AMR.
func DefaultFormats(baseURL string) []string {
	host := ""
	if u, err := url.Parse(baseURL); err == nil {
		host = strings.ToLower(u.Hostname())
	}
	var out []string
	for _, k := range formats {
		if (k.f.Name == "amr" || k.f.Name == "awb") && slices.ContainsFunc(noAMR, func(h string) bool {
			return host == h || strings.HasPrefix(h, ".") && strings.HasSuffix(host, h)
		}) {
			continue
		}
		out = append(out, k.f.Name)
	}
	return out
}

// FormatNames are the containers a Transcriber recognises.
func FormatNames() []string {
	out := make([]string, len(formats))
	for i, k := range formats {
		out[i] = k.f.Name
	}
	return out
}

// MaxBytes is the largest file t sends.
func (t *Transcriber) MaxBytes() int64 { return t.cfg.MaxBytes }

// Transcribe sends m to the endpoint and returns what it said. It
// blocks for at most the configured timeout (or ctx's deadline, if
// sooner). ErrTooLarge and ErrUnsupported mean nothing was sent; ErrUnsure
// that the server answered with nothing the bot may act on; any other
// error that the call failed (unreachable, refused, timed out).
func (t *Transcriber) Transcribe(ctx context.Context, m concierge.Media) (Transcript, error) {
	if int64(len(m.Data)) > t.cfg.MaxBytes {
		return Transcript{}, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(m.Data), t.cfg.MaxBytes)
	}
	f, err := Check(m.ContentType, m.Data)
	if err != nil {
		return Transcript{}, err
	}
	if !slices.Contains(t.cfg.Formats, f.Name) {
		return Transcript{}, fmt.Errorf("%w: %s audio is not among the formats this endpoint takes (%s)%s",
			ErrUnsupported, strings.ToUpper(f.Name), strings.Join(t.cfg.Formats, ", "), formatHint(f))
	}
	ctx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
	defer cancel()
	format := responseKind
	if t.plainJSON.Load() {
		format = openai.AudioResponseFormatJSON
	}
	resp, err := t.send(ctx, f, m.Data, format)
	if err != nil && format == responseKind && refusesVerbose(err) {
		// The model answers json only: ask again, and from now on.
		t.plainJSON.Store(true)
		format = openai.AudioResponseFormatJSON
		resp, err = t.send(ctx, f, m.Data, format)
	}
	if err != nil {
		return Transcript{}, redact.Error(fmt.Errorf("speech: transcribe: %w", err), t.cfg.APIKey)
	}
	return t.judge(resp)
}

// formatHint says what to do about a format an endpoint does not take.
func formatHint(f Format) string {
	if f.Name == "amr" || f.Name == "awb" {
		return "; turn on WeChat's speech recognition, or use a local whisper.cpp (--convert) or faster-whisper server, which take AMR"
	}
	return ""
}

// send is one call to the endpoint.
func (t *Transcriber) send(ctx context.Context, f Format, data []byte, format openai.AudioResponseFormat) (openai.AudioResponse, error) {
	req := openai.AudioRequest{
		Model:    t.cfg.Model,
		FilePath: "voice" + f.Ext,
		Reader:   typedReader{bytes.NewReader(data), f.ContentType},
		Format:   format,
	}
	if len(t.cfg.Languages) == 1 {
		req.Language = t.cfg.Languages[0]
	}
	return t.client.CreateTranscription(ctx, req)
}

// refusesVerbose reports whether err is the endpoint refusing
// response_format verbose_json for the model (OpenAI answers 400 with
// param "response_format" for its gpt-4o-transcribe models).
func refusesVerbose(err error) bool {
	var api *openai.APIError
	if !errors.As(err, &api) || api.HTTPStatusCode != http.StatusBadRequest {
		return false
	}
	if api.Param != nil && *api.Param == "response_format" {
		return true
	}
	msg := strings.ToLower(api.Message)
	return strings.Contains(msg, "verbose_json") || strings.Contains(msg, "response_format")
}

// judge turns the server's answer into a transcript, or ErrUnsure. A
// json answer (no segments, no language) has nothing for the confidence
// and language checks to read: only an empty transcript is refused.
func (t *Transcriber) judge(resp openai.AudioResponse) (Transcript, error) {
	text := strings.Join(strings.Fields(resp.Text), " ")
	if text == "" {
		return Transcript{}, fmt.Errorf("%w: empty", ErrUnsure)
	}
	if n := len(resp.Segments); n > 0 {
		var noSpeech, logprob float64
		for _, s := range resp.Segments {
			noSpeech += s.NoSpeechProb
			logprob += s.AvgLogprob
		}
		if noSpeech/float64(n) > maxNoSpeech {
			return Transcript{}, fmt.Errorf("%w: most likely not speech (no_speech_prob %.2f)", ErrUnsure, noSpeech/float64(n))
		}
		if logprob/float64(n) < minLogprob {
			return Transcript{}, fmt.Errorf("%w: low confidence (avg_logprob %.2f)", ErrUnsure, logprob/float64(n))
		}
	}
	lang := baseLanguage(resp.Language)
	if len(t.cfg.Languages) > 0 && resp.Language != "" && !slices.Contains(t.cfg.Languages, lang) {
		return Transcript{}, fmt.Errorf("%w: heard %q, the shop speaks %s", ErrUnsure, resp.Language, strings.Join(t.cfg.Languages, ", "))
	}
	return Transcript{Text: text, Language: concierge.Locale(lang)}, nil
}

// whisperNames maps the language names Whisper's verbose_json gives
// (OpenAI answers "french", some servers "fr") to base languages; a name
// not listed stays as it came and so matches no configured language.
var whisperNames = map[string]string{
	"english": "en", "french": "fr", "chinese": "zh", "mandarin": "zh", "cantonese": "zh", "spanish": "es",
	"german": "de", "italian": "it", "portuguese": "pt", "dutch": "nl", "russian": "ru", "japanese": "ja",
	"korean": "ko", "arabic": "ar", "turkish": "tr", "polish": "pl", "vietnamese": "vi", "thai": "th",
}

func baseLanguage(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if code, ok := whisperNames[s]; ok {
		return code
	}
	base, _, _ := strings.Cut(strings.ReplaceAll(s, "_", "-"), "-")
	return base
}

// typedReader gives go-openai's form builder the file part's type.
type typedReader struct {
	*bytes.Reader
	ct string
}

func (r typedReader) ContentType() string { return r.ct }

// Format is an audio container the transcriber recognised.
type Format struct {
	Name        string // as Config.Formats names it
	Ext         string // the file name's extension servers read the format from
	ContentType string
}

type knownFormat struct {
	f     Format
	match func([]byte) bool
}

// formats are the containers recognised by their first bytes. AMR
// (WeChat's voice) is not among OpenAI's formats: OpenAI refuses it,
// while local servers that decode with ffmpeg (whisper.cpp's --convert,
// faster-whisper) take it.
var formats = []knownFormat{
	{Format{"ogg", ".ogg", "audio/ogg"}, func(b []byte) bool { return bytes.HasPrefix(b, []byte("OggS")) }},
	{Format{"mp3", ".mp3", "audio/mpeg"}, func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("ID3")) || len(b) > 1 && b[0] == 0xFF && b[1]&0xE0 == 0xE0
	}},
	{Format{"amr", ".amr", "audio/amr"}, func(b []byte) bool { return bytes.HasPrefix(b, []byte("#!AMR\n")) }},
	{Format{"awb", ".awb", "audio/amr-wb"}, func(b []byte) bool { return bytes.HasPrefix(b, []byte("#!AMR-WB\n")) }},
	{Format{"wav", ".wav", "audio/wav"}, func(b []byte) bool {
		return len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WAVE"
	}},
	{Format{"flac", ".flac", "audio/flac"}, func(b []byte) bool { return bytes.HasPrefix(b, []byte("fLaC")) }},
	{Format{"webm", ".webm", "audio/webm"}, func(b []byte) bool { return bytes.HasPrefix(b, []byte{0x1A, 0x45, 0xDF, 0xA3}) }},
	{Format{"m4a", ".m4a", "audio/mp4"}, func(b []byte) bool { return len(b) >= 8 && string(b[4:8]) == "ftyp" }},
}

// Check says whether a file declared as contentType, made of data, is
// audio the transcriber takes, and in which container. The declared type
// must be audio (or say nothing: application/octet-stream, as some
// platforms do), and the first bytes must be one of the known
// containers: a PDF sent as a "voice note" is refused either way.
func Check(contentType string, data []byte) (Format, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if contentType != "" && err != nil {
		return Format{}, fmt.Errorf("%w: type %q", ErrUnsupported, contentType)
	}
	switch {
	case contentType == "", mt == "application/octet-stream", mt == "application/ogg", strings.HasPrefix(mt, "audio/"):
	default:
		return Format{}, fmt.Errorf("%w: type %s", ErrUnsupported, mt)
	}
	for _, c := range formats {
		if c.match(data) {
			return c.f, nil
		}
	}
	return Format{}, fmt.Errorf("%w: %s content is none of ogg, mp3, amr, wav, flac, webm or m4a", ErrUnsupported, cmpType(mt))
}

func cmpType(mt string) string {
	if mt == "" {
		return "untyped"
	}
	return mt
}

// Hear is Transcribe as the media fetcher wants it: the transcript, or
// what kept it from being one (SpeechTooLarge, SpeechWrongType, and
// SpeechUnheard for an unsure transcript or a failed call), with the
// error, which carries no secret.
func (t *Transcriber) Hear(ctx context.Context, m concierge.Media) concierge.Hearing {
	tr, err := t.Transcribe(ctx, m)
	switch {
	case err == nil:
		return concierge.Hearing{Speech: concierge.SpeechHeard, Text: tr.Text, Locale: tr.Language}
	case errors.Is(err, ErrTooLarge):
		return concierge.Hearing{Speech: concierge.SpeechTooLarge, Error: err.Error()}
	case errors.Is(err, ErrUnsupported):
		return concierge.Hearing{Speech: concierge.SpeechWrongType, Error: err.Error()}
	}
	return concierge.Hearing{Speech: concierge.SpeechUnheard, Error: err.Error()}
}

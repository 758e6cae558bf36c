// Package speechtest is a fake OpenAI-compatible transcription server for
// tests: an httptest server that speaks POST {base}/audio/transcriptions
// as OpenAI documents it (multipart/form-data with a "file" part and the
// "model", "response_format" and "language" fields, a bearer key),
// answers json, verbose_json or text, and errors in OpenAI's
// {"error": {...}} shape. A test scripts the answers with Answer and reads
// what was sent with Calls.
//
// It imports only the standard library, so that any package's tests may
// use it.
package speechtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Call is one transcription request the fake received.
type Call struct {
	Model       string
	Format      string // response_format; "" means json
	Language    string
	FileName    string
	ContentType string // of the file part
	Data        []byte
}

// Reply is what the fake answers one call with.
type Reply struct {
	// Status other than 0 or 200 answers an OpenAI error with Message.
	Status  int
	Message string
	// Text is the transcript; Language, NoSpeech and Logprob fill the
	// verbose_json answer (one segment).
	Text     string
	Language string
	NoSpeech float64
	Logprob  float64
	// Hold, when not nil, keeps the answer until it is closed or the
	// client gives up: a slow server.
	Hold <-chan struct{}
}

// Server is the fake.
type Server struct {
	*httptest.Server
	key string

	mu       sync.Mutex
	answer   func(Call) Reply
	calls    []Call
	jsonOnly bool
}

// JSONOnly makes the fake a model that answers json or text only, as
// OpenAI's gpt-4o-transcribe models do: a verbose_json call is recorded
// and refused with OpenAI's 400 (param "response_format").
func (s *Server) JSONOnly() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jsonOnly = true
}

// New starts a fake that wants key as the bearer token ("" accepts any)
// and answers every call with an empty transcript until Answer says
// otherwise. Its base URL for a client is URL + "/v1".
func New(key string) *Server {
	s := &Server{key: key, answer: func(Call) Reply { return Reply{} }}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Answer sets how calls are answered from now on.
func (s *Server) Answer(f func(Call) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answer = f
}

// Say answers every call with text heard in language, confidently.
func (s *Server) Say(text, language string) {
	s.Answer(func(Call) Reply { return Reply{Text: text, Language: language, Logprob: -0.2, NoSpeech: 0.01} })
}

// Calls returns the calls received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/audio/transcriptions") {
		fail(w, http.StatusNotFound, "invalid_request_error", "unknown endpoint "+r.Method+" "+r.URL.Path)
		return
	}
	if s.key != "" && r.Header.Get("Authorization") != "Bearer "+s.key {
		fail(w, http.StatusUnauthorized, "invalid_request_error", "Incorrect API key provided")
		return
	}
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		fail(w, http.StatusBadRequest, "invalid_request_error", "want multipart/form-data: "+err.Error())
		return
	}
	c := Call{Model: r.FormValue("model"), Format: r.FormValue("response_format"), Language: r.FormValue("language")}
	f, h, err := r.FormFile("file")
	if err != nil {
		fail(w, http.StatusBadRequest, "invalid_request_error", "the file part is missing")
		return
	}
	c.FileName, c.ContentType = h.Filename, h.Header.Get("Content-Type")
	c.Data, _ = io.ReadAll(f)
	f.Close()
	if c.Model == "" {
		fail(w, http.StatusBadRequest, "invalid_request_error", "you must provide a model parameter")
		return
	}
	switch c.Format {
	case "", "json", "verbose_json", "text":
	default:
		fail(w, http.StatusBadRequest, "invalid_request_error", "unsupported response_format "+c.Format)
		return
	}
	s.mu.Lock()
	s.calls = append(s.calls, c)
	answer, jsonOnly := s.answer, s.jsonOnly
	s.mu.Unlock()
	if jsonOnly && c.Format == "verbose_json" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":{"message":%q,"type":"invalid_request_error","param":"response_format","code":"unsupported_value"}}`,
			"response_format 'verbose_json' is not compatible with model '"+c.Model+"'. Use 'json' or 'text' instead.")
		return
	}
	rep := answer(c)
	if rep.Hold != nil {
		select {
		case <-rep.Hold:
		case <-r.Context().Done():
			return
		}
	}
	if rep.Status != 0 && rep.Status != http.StatusOK {
		fail(w, rep.Status, "server_error", rep.Message)
		return
	}
	switch c.Format {
	case "text":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, rep.Text)
	case "verbose_json":
		seg := map[string]any{"id": 0, "seek": 0, "start": 0.0, "end": 1.0, "text": rep.Text, "tokens": []int{},
			"temperature": 0.0, "avg_logprob": rep.Logprob, "compression_ratio": 1.0, "no_speech_prob": rep.NoSpeech}
		writeJSON(w, map[string]any{"task": "transcribe", "language": rep.Language, "duration": 1.0, "text": rep.Text,
			"segments": []any{seg}})
	default:
		writeJSON(w, map[string]any{"text": rep.Text})
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"message":%q,"type":%q,"param":null,"code":null}}`, msg, typ)
}

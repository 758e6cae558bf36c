// Package whatsapptest is a fake WhatsApp Cloud API for tests: an
// httptest server that speaks the Graph API's messages endpoint as Meta
// documents it (POST /{phone_number_id}/messages with a bearer token,
// answering a wamid or a Graph error), enforces WhatsApp's documented
// limits so that a rendering bug fails loudly, and records what was sent.
// It also builds signed webhook notifications the way Meta sends them,
// and serves the media customers sent (AddMedia): GET /{media-id} answers
// the file's URL and metadata, and that URL the bytes, both with the
// bearer token.
//
// It imports only the standard library, so that any package's tests may
// use it.
package whatsapptest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Sent is one message the fake accepted.
type Sent struct {
	PhoneNumberID string
	ID            string // the wamid it answered
	To            string
	Type          string // text, image, interactive, template
	Raw           []byte // the request body
	Body          map[string]any
}

// Interactive returns the message's interactive type (button, list,
// cta_url), or "".
func (s Sent) Interactive() string {
	if in, ok := s.Body["interactive"].(map[string]any); ok {
		t, _ := in["type"].(string)
		return t
	}
	return ""
}

// Text returns the text body, the interactive body or the image caption.
func (s Sent) Text() string {
	get := func(m any, keys ...string) string {
		for _, k := range keys {
			mm, ok := m.(map[string]any)
			if !ok {
				return ""
			}
			m = mm[k]
		}
		v, _ := m.(string)
		return v
	}
	for _, path := range [][]string{{"text", "body"}, {"interactive", "body", "text"}, {"image", "caption"}, {"template", "name"}} {
		if v := get(s.Body, path...); v != "" {
			return v
		}
	}
	return ""
}

// Choices returns the ids of the reply buttons or list rows offered.
func (s Sent) Choices() []string {
	var out []string
	in, _ := s.Body["interactive"].(map[string]any)
	action, _ := in["action"].(map[string]any)
	bs, _ := action["buttons"].([]any)
	for _, b := range bs {
		reply, _ := b.(map[string]any)["reply"].(map[string]any)
		id, _ := reply["id"].(string)
		out = append(out, id)
	}
	secs, _ := action["sections"].([]any)
	for _, sec := range secs {
		rows, _ := sec.(map[string]any)["rows"].([]any)
		for _, r := range rows {
			id, _ := r.(map[string]any)["id"].(string)
			out = append(out, id)
		}
	}
	return out
}

// ChoiceID returns the id of the reply button or list row titled title,
// or "".
func (s Sent) ChoiceID(title string) string {
	in, _ := s.Body["interactive"].(map[string]any)
	action, _ := in["action"].(map[string]any)
	bs, _ := action["buttons"].([]any)
	for _, b := range bs {
		reply, _ := b.(map[string]any)["reply"].(map[string]any)
		if reply["title"] == title {
			id, _ := reply["id"].(string)
			return id
		}
	}
	secs, _ := action["sections"].([]any)
	for _, sec := range secs {
		rows, _ := sec.(map[string]any)["rows"].([]any)
		for _, r := range rows {
			if rm, _ := r.(map[string]any); rm["title"] == title {
				id, _ := rm["id"].(string)
				return id
			}
		}
	}
	return ""
}

// Footer returns an interactive message's footer, or "".
func (s Sent) Footer() string {
	in, _ := s.Body["interactive"].(map[string]any)
	f, _ := in["footer"].(map[string]any)
	t, _ := f["text"].(string)
	return t
}

// CTA returns the URL of a CTA URL button, or "".
func (s Sent) CTA() string {
	in, _ := s.Body["interactive"].(map[string]any)
	action, _ := in["action"].(map[string]any)
	p, _ := action["parameters"].(map[string]any)
	u, _ := p["url"].(string)
	return u
}

// Server is the fake Graph API.
type Server struct {
	*httptest.Server
	token string

	mu    sync.Mutex
	n     int
	sent  []Sent
	fails []failure
	media map[string]Media
}

// Media is a file a customer sent, as the fake serves it.
type Media struct {
	ContentType string
	Data        []byte
	// Size is the file_size declared by GET /{media-id}: 0 declares
	// len(Data), -1 none, anything else is a lie (to test a download
	// that turns out larger than declared).
	Size int64
	// SHA256 is the declared hash, hex; "" is Data's.
	SHA256 string
	// Status, when set, is the HTTP status the download answers
	// instead of the file (a 500, a 404 for an expired URL).
	Status int
}

type failure struct {
	status, code int
	message      string
}

// New starts a fake that accepts token; Close it when done.
func New(token string) *Server {
	s := &Server{token: token}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Sent returns everything accepted so far, in order.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// SentTo returns what was accepted for one customer.
func (s *Server) SentTo(to string) []Sent {
	var out []Sent
	for _, m := range s.Sent() {
		if m.To == to {
			out = append(out, m)
		}
	}
	return out
}

// FailNext makes the next send fail with an HTTP status and a Graph error
// code, such as 400 and 131047 (re-engagement) or 429 and 130429.
func (s *Server) FailNext(status, code int, message string) {
	s.mu.Lock()
	s.fails = append(s.fails, failure{status, code, message})
	s.mu.Unlock()
}

// AddMedia makes the fake serve a file under a media id, as Meta does for
// the media of an inbound message.
func (s *Server) AddMedia(id string, m Media) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.media == nil {
		s.media = map[string]Media{}
	}
	s.media[id] = m
}

func graphError(w http.ResponseWriter, status, code int, msg string) {
	graphErrorSub(w, status, code, 0, msg)
}

func graphErrorSub(w http.ResponseWriter, status, code, subcode int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	e := map[string]any{"message": msg, "type": "OAuthException", "code": code, "fbtrace_id": "fake"}
	if subcode != 0 {
		e["type"], e["error_subcode"] = "GraphMethodException", subcode
	}
	json.NewEncoder(w).Encode(map[string]any{"error": e})
}

// mediaPath is where the fake serves media bytes, after Meta's
// lookaside.fbsbx.com/whatsapp_business/attachments/?mid=….
const mediaPath = "/whatsapp_business/attachments/"

// serveMedia answers GET /{version}/{media-id} with the file's URL and
// metadata, and GET mediaPath?mid= with its bytes.
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request, parts []string) {
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		graphError(w, http.StatusUnauthorized, 190, "Invalid OAuth access token")
		return
	}
	download := r.URL.Path == mediaPath
	id := parts[len(parts)-1]
	if download {
		id = r.URL.Query().Get("mid")
	}
	s.mu.Lock()
	m, ok := s.media[id]
	s.mu.Unlock()
	switch {
	case !ok && download:
		http.NotFound(w, r)
	case !ok:
		graphErrorSub(w, http.StatusBadRequest, 100, 33, fmt.Sprintf("Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", id))
	case download && m.Status != 0:
		http.Error(w, http.StatusText(m.Status), m.Status)
	case download:
		w.Header().Set("Content-Type", m.ContentType)
		w.Write(m.Data)
	default:
		sum := m.SHA256
		if sum == "" {
			h := sha256.Sum256(m.Data)
			sum = hex.EncodeToString(h[:])
		}
		info := map[string]any{"messaging_product": "whatsapp", "id": id, "mime_type": m.ContentType, "sha256": sum,
			"url": s.URL + mediaPath + "?mid=" + id + "&ext=1700000000&hash=fake"}
		switch {
		case m.Size == 0:
			info["file_size"] = strconv.Itoa(len(m.Data))
		case m.Size > 0:
			info["file_size"] = strconv.FormatInt(m.Size, 10)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(info)
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if r.Method == http.MethodGet && len(parts) >= 2 {
		s.serveMedia(w, r, parts)
		return
	}
	if r.Method != http.MethodPost || len(parts) < 2 || parts[len(parts)-1] != "messages" {
		graphError(w, http.StatusNotFound, 100, "Unsupported request")
		return
	}
	phone := parts[len(parts)-2]
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		graphError(w, http.StatusUnauthorized, 190, "Invalid OAuth access token")
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		graphError(w, http.StatusBadRequest, 100, "Invalid JSON")
		return
	}
	if err := checkLimits(body); err != nil {
		graphError(w, http.StatusBadRequest, 131009, "Parameter value is not valid: "+err.Error())
		return
	}
	s.mu.Lock()
	if len(s.fails) > 0 {
		f := s.fails[0]
		s.fails = s.fails[1:]
		s.mu.Unlock()
		graphError(w, f.status, f.code, f.message)
		return
	}
	s.n++
	id := fmt.Sprintf("wamid.FAKE%06d", s.n)
	to, _ := body["to"].(string)
	typ, _ := body["type"].(string)
	s.sent = append(s.sent, Sent{PhoneNumberID: phone, ID: id, To: to, Type: typ, Raw: raw, Body: body})
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"messaging_product": "whatsapp",
		"contacts": []any{map[string]any{"input": to, "wa_id": to}}, "messages": []any{map[string]any{"id": id}}})
}

// checkLimits refuses what WhatsApp refuses.
func checkLimits(b map[string]any) error {
	str := func(m map[string]any, k string) string { v, _ := m[k].(string); return v }
	runes := func(s string) int { return utf8.RuneCountInString(s) }
	if str(b, "messaging_product") != "whatsapp" {
		return fmt.Errorf("messaging_product must be whatsapp")
	}
	if str(b, "to") == "" {
		return fmt.Errorf("to is required")
	}
	switch str(b, "type") {
	case "text":
		t, _ := b["text"].(map[string]any)
		if n := runes(str(t, "body")); n == 0 || n > 4096 {
			return fmt.Errorf("text.body has %d characters", n)
		}
	case "image":
		im, _ := b["image"].(map[string]any)
		if str(im, "link") == "" && str(im, "id") == "" || runes(str(im, "caption")) > 1024 {
			return fmt.Errorf("image needs a link and a caption of at most 1024 characters")
		}
	case "template":
		t, _ := b["template"].(map[string]any)
		if str(t, "name") == "" {
			return fmt.Errorf("template.name is required")
		}
	case "interactive":
		in, _ := b["interactive"].(map[string]any)
		body, _ := in["body"].(map[string]any)
		if n := runes(str(body, "text")); n == 0 || n > 1024 {
			return fmt.Errorf("interactive.body.text has %d characters", n)
		}
		if foot, ok := in["footer"].(map[string]any); ok {
			if n := runes(str(foot, "text")); n == 0 || n > 60 {
				return fmt.Errorf("interactive.footer.text has %d characters", n)
			}
		}
		action, _ := in["action"].(map[string]any)
		switch str(in, "type") {
		case "button":
			bs, _ := action["buttons"].([]any)
			if len(bs) == 0 || len(bs) > 3 {
				return fmt.Errorf("%d reply buttons", len(bs))
			}
			for _, x := range bs {
				reply, _ := x.(map[string]any)["reply"].(map[string]any)
				if n := runes(str(reply, "title")); n == 0 || n > 20 || len(str(reply, "id")) > 256 {
					return fmt.Errorf("reply button %q", str(reply, "title"))
				}
			}
		case "list":
			if n := runes(str(action, "button")); n == 0 || n > 20 {
				return fmt.Errorf("list button label has %d characters", n)
			}
			secs, _ := action["sections"].([]any)
			rows := 0
			ids := map[string]bool{} // Meta refuses a list whose row ids repeat
			for _, sec := range secs {
				sm, _ := sec.(map[string]any)
				if runes(str(sm, "title")) > 24 || (len(secs) > 1 && str(sm, "title") == "") {
					return fmt.Errorf("section title %q", str(sm, "title"))
				}
				rs, _ := sm["rows"].([]any)
				for _, r := range rs {
					rm, _ := r.(map[string]any)
					if n := runes(str(rm, "title")); n == 0 || n > 24 || runes(str(rm, "description")) > 72 || len(str(rm, "id")) > 200 {
						return fmt.Errorf("row %q", str(rm, "title"))
					}
					if ids[str(rm, "id")] {
						return fmt.Errorf("row id %q repeats", str(rm, "id"))
					}
					ids[str(rm, "id")] = true
					rows++
				}
			}
			if rows == 0 || rows > 10 || len(secs) > 10 {
				return fmt.Errorf("%d rows in %d sections", rows, len(secs))
			}
		case "cta_url":
			p, _ := action["parameters"].(map[string]any)
			if str(action, "name") != "cta_url" || str(p, "url") == "" || runes(str(p, "display_text")) > 20 || str(p, "display_text") == "" {
				return fmt.Errorf("cta_url needs a url and a display_text of at most 20 characters")
			}
		default:
			return fmt.Errorf("interactive type %q", str(in, "type"))
		}
	default:
		return fmt.Errorf("type %q", str(b, "type"))
	}
	return nil
}

// Notification builds a webhook notification as Meta sends it: one entry,
// one "messages" change for phoneID, with the given messages and
// statuses (each a JSON object).
func Notification(phoneID string, contacts map[string]string, messages, statuses []map[string]any) []byte {
	var cs []any
	for wa, name := range contacts {
		cs = append(cs, map[string]any{"profile": map[string]any{"name": name}, "wa_id": wa})
	}
	value := map[string]any{"messaging_product": "whatsapp",
		"metadata": map[string]any{"display_phone_number": "15550000000", "phone_number_id": phoneID}}
	if cs != nil {
		value["contacts"] = cs
	}
	if messages != nil {
		value["messages"] = messages
	}
	if statuses != nil {
		value["statuses"] = statuses
	}
	b, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account",
		"entry": []any{map[string]any{"id": "WABA", "changes": []any{map[string]any{"field": "messages", "value": value}}}}})
	return b
}

func ts(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// TextMessage is an inbound text message.
func TextMessage(from, wamid, text string, at time.Time) map[string]any {
	return map[string]any{"from": from, "id": wamid, "timestamp": ts(at), "type": "text", "text": map[string]any{"body": text}}
}

// ReplyMessage is a press of a reply button ("button_reply") or a choice
// in a list ("list_reply").
func ReplyMessage(from, wamid, kind, id, title string, at time.Time) map[string]any {
	return map[string]any{"from": from, "id": wamid, "timestamp": ts(at), "type": "interactive",
		"interactive": map[string]any{"type": kind, kind: map[string]any{"id": id, "title": title}}}
}

// Status is a delivery status of a message we sent.
func Status(recipient, wamid, status string, at time.Time) map[string]any {
	return map[string]any{"id": wamid, "status": status, "timestamp": ts(at), "recipient_id": recipient}
}

// Sign returns the X-Hub-Signature-256 header value of body.
func Sign(appSecret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

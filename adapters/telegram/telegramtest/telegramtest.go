// Package telegramtest is a fake Telegram Bot API server for tests and
// benchmarks: it speaks the documented protocol (POST /bot<token>/<method>,
// form or JSON fields, {"ok":…} answers) and checks every request it
// receives against the Bot API's rules — known method, right token, the
// required fields, the limits (4096 characters of text, 64 bytes of
// callback_data, invoice title, description, payload and prices, Stars
// without provider token), well-formed HTML — recording each breach as a
// problem that the test reports.
//
// A pre-checkout query is answered once: a second answer gets Telegram's
// 400 "query is too old … or query ID is invalid".
//
// It also queues updates for getUpdates (long polling), fails chosen calls
// (429 with retry_after, 403, 500, 400 "message can't be edited") and can
// add latency to every answer. Files registered with AddFile are served
// as Telegram serves customers' files: getFile answers their path and
// size (refusing those over the Bot API's 20 MB), and
// GET /file/bot<token>/<file_path> their bytes. It keeps the messages it was asked to send,
// so that editMessageText and editMessageReplyMarkup edit them as
// Telegram does: a message that does not exist is "not found", a photo has
// no text to edit, and an edit to the same text and keyboard is refused
// with "message is not modified".
package telegramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Call is one request the server received.
type Call struct {
	Method string
	Params url.Values
	// Webhook is true for a call returned in a webhook's response body.
	Webhook bool
	At      time.Time
	// MessageID is the message the call sent or edited, when it did.
	MessageID int
}

// Chat is the chat_id of the call, or 0.
func (c Call) Chat() int64 {
	n, _ := strconv.ParseInt(c.Params.Get("chat_id"), 10, 64)
	return n
}

// Text is the visible text of a sendMessage, sendPhoto or sendInvoice,
// with HTML tags removed and entities decoded.
func (c Call) Text() string {
	switch c.Method {
	case "sendPhoto":
		return plain(c.Params.Get("caption"))
	case "sendInvoice":
		return c.Params.Get("title") + "\n" + c.Params.Get("description")
	}
	return plain(c.Params.Get("text"))
}

// Buttons are the inline keyboard buttons of the call, in order.
func (c Call) Buttons() []Button {
	var kb struct {
		InlineKeyboard [][]Button `json:"inline_keyboard"`
	}
	json.Unmarshal([]byte(c.Params.Get("reply_markup")), &kb)
	var out []Button
	for _, row := range kb.InlineKeyboard {
		out = append(out, row...)
	}
	return out
}

// Button is an inline keyboard button.
type Button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// Server is the fake Bot API.
type Server struct {
	*httptest.Server
	Token string
	// Latency is added to every answer (the benchmark's slow network).
	Latency time.Duration

	mu       sync.Mutex
	calls    []Call
	problems []string
	fails    map[string][]failure
	updates  []json.RawMessage
	nextID   int
	webhook  url.Values
	notify   chan struct{}
	nextMsg  int
	keep     bool
	messages map[msgKey]*Message
	answered map[string]bool // pre-checkout queries answered, which Telegram refuses to answer again
	files    map[string]File // by file_id
}

// File is a file a customer sent, as the fake serves it.
type File struct {
	ContentType string
	Data        []byte
	// Size is the file_size getFile declares: 0 declares len(Data), -1
	// none, anything else is a lie (to test a download larger than
	// declared). getFile refuses a file whose real size is over 20 MB.
	Size int64
	// Status, when set, is the HTTP status the download answers instead
	// of the file (a 500, or a 404 for a file the server lost).
	Status int
}

// AddFile makes the fake know a file_id.
func (s *Server) AddFile(fileID string, f File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.files == nil {
		s.files = map[string]File{}
	}
	s.files[fileID] = f
}

// filePath is the file_path getFile gives fileID, as Telegram's look
// (photos/file_0.jpg, voice/file_1.oga).
func filePath(fileID, contentType string) string {
	dir, ext := "documents", ""
	switch mt, _, _ := mime.ParseMediaType(contentType); mt {
	case "image/jpeg":
		dir, ext = "photos", ".jpg"
	case "audio/ogg":
		dir, ext = "voice", ".oga"
	case "video/mp4":
		dir, ext = "videos", ".mp4"
	case "image/webp":
		dir, ext = "stickers", ".webp"
	case "application/pdf":
		ext = ".pdf"
	}
	return dir + "/file_" + url.PathEscape(fileID) + ext
}

// getFile answers getFile.
func (s *Server) getFile(id string) (int, map[string]any) {
	s.mu.Lock()
	f, ok := s.files[id]
	s.mu.Unlock()
	switch {
	case !ok:
		return http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: invalid file_id"}
	case len(f.Data) > 20<<20:
		return http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: file is too big"}
	}
	r := map[string]any{"file_id": id, "file_unique_id": "U" + id, "file_path": filePath(id, f.ContentType)}
	switch {
	case f.Size == 0:
		r["file_size"] = len(f.Data)
	case f.Size > 0:
		r["file_size"] = f.Size
	}
	return http.StatusOK, map[string]any{"ok": true, "result": r}
}

// serveFile answers GET /file/bot<token>/<file_path>.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	token, fp, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/file/bot"), "/")
	if !ok || token != s.Token {
		s.problem("%s %s: wrong token or path", r.Method, r.URL.Path)
		writeJSON(w, http.StatusUnauthorized, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	s.mu.Lock()
	var f *File
	for id, x := range s.files {
		if filePath(id, x.ContentType) == fp {
			f = &x
			break
		}
	}
	s.mu.Unlock()
	switch {
	case f == nil:
		writeJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error_code": 404, "description": "Not Found"})
	case f.Status != 0:
		writeJSON(w, f.Status, map[string]any{"ok": false, "error_code": f.Status, "description": http.StatusText(f.Status)})
	default:
		// Answer only "bytes", so that the adapter must tell the type by
		// the extension, which Telegram's file server may make it do.
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(f.Data)
	}
}

type msgKey struct {
	chat int64
	id   int
}

// Message is a message the fake sent, as it reads now (after edits).
type Message struct {
	Method string // the call that sent it: sendMessage, sendPhoto, sendInvoice
	Text   string // the text or caption as sent, HTML included
	Markup string // the reply_markup as sent, normalised; "" for none
	Edits  int
}

// Buttons are the message's inline keyboard buttons, in order.
func (m Message) Buttons() []Button {
	return Call{Params: url.Values{"reply_markup": {m.Markup}}}.Buttons()
}

// Message returns the message id of chat as it reads now, and whether
// the fake sent it.
func (s *Server) Message(chat int64, id int) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.messages[msgKey{chat, id}]
	if m == nil {
		return Message{}, false
	}
	return *m, true
}

type failure struct {
	code       int
	retryAfter int
	desc       string
}

// New starts a fake Bot API for the bot with token. Use URL as the
// api_endpoint. It keeps every call; NewBench keeps none.
func New(token string) *Server {
	s := &Server{Token: token, fails: map[string][]failure{}, notify: make(chan struct{}), nextMsg: 100, keep: true, messages: map[msgKey]*Message{}, answered: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// NewBench is New for load: calls are checked but not kept.
func NewBench(token string, latency time.Duration) *Server {
	s := New(token)
	s.keep, s.Latency = false, latency
	return s
}

// Calls returns the calls received so far, only those of the given
// methods when any are named.
func (s *Server) Calls(methods ...string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if len(methods) == 0 || contains(methods, c.Method) {
			out = append(out, c)
		}
	}
	return out
}

// Count is the number of calls received (also when calls are not kept).
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextID
}

// WaitCalls waits until n calls of the given methods arrived after the
// first `after` such calls, and returns those n (or fewer at the timeout).
func (s *Server) WaitCalls(after, n int, timeout time.Duration, methods ...string) []Call {
	deadline := time.Now().Add(timeout)
	for {
		cs := s.Calls(methods...)
		if len(cs) >= after+n || time.Now().After(deadline) {
			if len(cs) < after {
				return nil
			}
			return cs[after:]
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Problems are the breaches of the Bot API's rules seen so far.
func (s *Server) Problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.problems...)
}

// Fail makes the next call of method fail with code (429 carries
// retry_after seconds).
func (s *Server) Fail(method string, code, retryAfter int, desc string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails[method] = append(s.fails[method], failure{code, retryAfter, desc})
}

// Queue adds updates for getUpdates. Updates queued in one call are
// returned by one getUpdates, as Telegram returns what it holds at once
// (after a restart, the updates that were never confirmed).
func (s *Server) Queue(updates ...[]byte) {
	s.mu.Lock()
	for _, u := range updates {
		s.updates = append(s.updates, json.RawMessage(u))
	}
	close(s.notify)
	s.notify = make(chan struct{})
	s.mu.Unlock()
}

// Unconfirmed is how many queued updates getUpdates has not yet seen
// confirmed by a later offset. The poller moves its offset past an update
// only once it is stored, so zero means every queued update is in the
// server's store.
func (s *Server) Unconfirmed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// Webhook is what setWebhook last registered.
func (s *Server) Webhook() url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook
}

// Reply runs a call that a webhook returned in its response body, as
// Telegram does; an empty body is no call.
func (s *Server) Reply(contentType string, body []byte) {
	if len(body) == 0 {
		return
	}
	params, err := parseBody(contentType, body)
	if err != nil {
		s.problem("webhook reply: %v", err)
		return
	}
	m := params.Get("method")
	params.Del("method")
	if m == "" {
		return // an answer without a call is allowed
	}
	s.handle(m, params, true)
}

func (s *Server) problem(format string, args ...any) {
	s.mu.Lock()
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
	s.mu.Unlock()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.Latency > 0 {
		time.Sleep(s.Latency)
	}
	if strings.HasPrefix(r.URL.Path, "/file/bot") {
		s.serveFile(w, r)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/bot")
	token, method, ok := strings.Cut(path, "/")
	if !ok || token != s.Token {
		s.problem("%s %s: wrong token or path", r.Method, r.URL.Path)
		writeJSON(w, http.StatusUnauthorized, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	params, err := parseBody(r.Header.Get("Content-Type"), body)
	if err != nil {
		s.problem("%s: %v", method, err)
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: " + err.Error()})
		return
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		s.problem("%s: HTTP method %s", method, r.Method)
	}
	if method == "getUpdates" {
		s.getUpdates(r.Context(), w, params)
		return
	}
	status, resp := s.handle(method, params, false)
	writeJSON(w, status, resp)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func parseBody(ct string, body []byte) (url.Values, error) {
	mt, _, _ := mime.ParseMediaType(ct)
	switch mt {
	case "application/x-www-form-urlencoded", "":
		return url.ParseQuery(string(body))
	case "application/json":
		var m map[string]any
		if len(body) == 0 {
			return url.Values{}, nil
		}
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, err
		}
		v := url.Values{}
		for k, x := range m {
			if s, ok := x.(string); ok {
				v.Set(k, s)
			} else {
				b, _ := json.Marshal(x)
				v.Set(k, string(b))
			}
		}
		return v, nil
	}
	return nil, fmt.Errorf("content type %q is not one the Bot API takes here", ct)
}

// handle checks and records one call and returns the answer.
func (s *Server) handle(method string, p url.Values, webhook bool) (int, map[string]any) {
	probs := check(method, p)
	s.mu.Lock()
	s.nextID++
	idx := -1
	if s.keep {
		idx = len(s.calls)
		s.calls = append(s.calls, Call{Method: method, Params: p, Webhook: webhook, At: time.Now()})
	}
	for _, pr := range probs {
		s.problems = append(s.problems, method+": "+pr)
	}
	if method == "setWebhook" {
		s.webhook = p
	}
	if method == "deleteWebhook" {
		s.webhook = nil
	}
	var f *failure
	if q := s.fails[method]; len(q) > 0 {
		f, s.fails[method] = &q[0], q[1:]
	}
	s.nextMsg++
	msgID := s.nextMsg
	webhookURL := s.webhook.Get("url")
	s.mu.Unlock()
	if f != nil {
		resp := map[string]any{"ok": false, "error_code": f.code, "description": f.desc}
		if f.retryAfter > 0 {
			resp["parameters"] = map[string]any{"retry_after": f.retryAfter}
		}
		return f.code, resp
	}
	if len(probs) > 0 {
		return http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: " + probs[0]}
	}
	var result any = true
	chat, _ := strconv.ParseInt(p.Get("chat_id"), 10, 64)
	switch method {
	case "getMe":
		result = map[string]any{"id": 987654321, "is_bot": true, "first_name": "ShopBot", "username": "example_shop_bot"}
	case "sendMessage", "sendPhoto", "sendInvoice":
		text := p.Get("text")
		if method == "sendPhoto" {
			text = p.Get("caption")
		}
		s.mu.Lock()
		if s.keep {
			s.messages[msgKey{chat, msgID}] = &Message{Method: method, Text: text, Markup: normMarkup(p.Get("reply_markup"))}
			s.calls[idx].MessageID = msgID
		}
		s.mu.Unlock()
		result = map[string]any{"message_id": msgID, "date": time.Now().Unix(), "chat": map[string]any{"id": chat, "type": "private"}, "text": text}
	case "editMessageText", "editMessageReplyMarkup":
		id, _ := strconv.Atoi(p.Get("message_id"))
		if desc := s.edit(method, chat, id, p); desc != "" {
			return http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: " + desc}
		}
		s.mu.Lock()
		if idx >= 0 {
			s.calls[idx].MessageID = id
		}
		s.mu.Unlock()
		result = map[string]any{"message_id": id, "date": time.Now().Unix(), "edit_date": time.Now().Unix(),
			"chat": map[string]any{"id": chat, "type": "private"}, "text": p.Get("text")}
	case "answerPreCheckoutQuery":
		// A query is answered once; Telegram refuses a second answer as
		// it refuses one after its 10 seconds.
		id := p.Get("pre_checkout_query_id")
		s.mu.Lock()
		again := s.keep && s.answered[id]
		if s.keep {
			s.answered[id] = true
		}
		s.mu.Unlock()
		if again {
			return http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400,
				"description": "Bad Request: query is too old and response timeout expired or query ID is invalid"}
		}
	case "getFile":
		return s.getFile(p.Get("file_id"))
	case "getWebhookInfo":
		result = map[string]any{"url": webhookURL, "has_custom_certificate": false, "pending_update_count": 0, "max_connections": 40}
	}
	return http.StatusOK, map[string]any{"ok": true, "result": result}
}

// edit applies an edit to a message the fake sent, or returns the
// description of Telegram's 400 refusing it. These refusals are answers
// the Bot API gives to correct requests, not breaches.
func (s *Server) edit(method string, chat int64, id int, p url.Values) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.keep {
		return ""
	}
	m := s.messages[msgKey{chat, id}]
	if m == nil {
		return "message to edit not found"
	}
	text, markup := m.Text, normMarkup(p.Get("reply_markup"))
	if method == "editMessageText" {
		if m.Method != "sendMessage" {
			return "there is no text in the message to edit"
		}
		text = p.Get("text")
	}
	if text == m.Text && markup == m.Markup {
		return "message is not modified: specified new message content and reply markup are exactly the same as a content and reply markup of the current message"
	}
	m.Text, m.Markup = text, markup
	m.Edits++
	return ""
}

// normMarkup re-encodes a reply_markup so that two spellings of the same
// keyboard compare equal.
func normMarkup(rm string) string {
	if rm == "" {
		return ""
	}
	var v any
	if json.Unmarshal([]byte(rm), &v) != nil {
		return rm
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// getUpdates answers with the queued updates from offset on, waiting up
// to timeout seconds for one.
func (s *Server) getUpdates(ctx context.Context, w http.ResponseWriter, p url.Values) {
	s.handle("getUpdates", p, false)
	offset, _ := strconv.ParseInt(p.Get("offset"), 10, 64)
	timeout, _ := strconv.Atoi(p.Get("timeout"))
	deadline := time.Now().Add(time.Duration(timeout) * time.Second)
	for {
		s.mu.Lock()
		if s.webhook.Get("url") != "" {
			s.mu.Unlock()
			writeJSON(w, http.StatusConflict, map[string]any{"ok": false, "error_code": 409, "description": "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"})
			return
		}
		var out []json.RawMessage
		for _, u := range s.updates {
			var h struct {
				ID int64 `json:"update_id"`
			}
			json.Unmarshal(u, &h)
			if h.ID >= offset {
				out = append(out, u)
			}
		}
		// Confirmed updates are forgotten, as Telegram does.
		if offset > 0 {
			s.updates = out
		}
		wake := s.notify
		s.mu.Unlock()
		if len(out) > 0 || !time.Now().Before(deadline) {
			if out == nil {
				out = []json.RawMessage{}
			}
			writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": out})
			return
		}
		t := time.NewTimer(time.Until(deadline))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

var secretTokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// methods lists the methods the fake knows and their required fields.
var methods = map[string][]string{
	"getMe":                  nil,
	"getFile":                {"file_id"},
	"getUpdates":             nil,
	"setWebhook":             {"url"},
	"deleteWebhook":          nil,
	"getWebhookInfo":         nil,
	"sendMessage":            {"chat_id", "text"},
	"sendPhoto":              {"chat_id", "photo"},
	"editMessageText":        {"text"},
	"editMessageReplyMarkup": nil,
	"sendInvoice":            {"chat_id", "title", "description", "payload", "currency", "prices"},
	"answerCallbackQuery":    {"callback_query_id"},
	"answerPreCheckoutQuery": {"pre_checkout_query_id", "ok"},
	"refundStarPayment":      {"user_id", "telegram_payment_charge_id"},
}

// check returns the breaches of the Bot API's rules in one call.
func check(method string, p url.Values) []string {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	req, ok := methods[method]
	if !ok {
		return []string{"unknown method"}
	}
	for _, f := range req {
		if p.Get(f) == "" {
			bad("%s is required", f)
		}
	}
	if strings.HasPrefix(method, "editMessage") {
		// An edit names a chat's message, or a message sent in inline mode.
		if p.Get("inline_message_id") == "" && (p.Get("chat_id") == "" || p.Get("message_id") == "") {
			bad("chat_id and message_id are required (or inline_message_id)")
		}
		if id := p.Get("message_id"); id != "" {
			if n, err := strconv.Atoi(id); err != nil || n <= 0 {
				bad("message_id %q is not a positive integer", id)
			}
		}
	}
	if c := p.Get("chat_id"); c != "" {
		if _, err := strconv.ParseInt(c, 10, 64); err != nil && !strings.HasPrefix(c, "@") {
			bad("chat_id %q is not an integer", c)
		}
	}
	if pm := p.Get("parse_mode"); pm != "" && pm != "HTML" && pm != "MarkdownV2" && pm != "Markdown" {
		bad("parse_mode %q", pm)
	}
	textField := map[string]string{"sendMessage": "text", "editMessageText": "text", "sendPhoto": "caption"}[method]
	if textField != "" {
		t := p.Get(textField)
		limit := 4096
		if textField == "caption" {
			limit = 1024
		}
		if p.Get("parse_mode") == "HTML" {
			if err := checkHTML(t); err != nil {
				bad("%s is not valid HTML: %v", textField, err)
			}
			t = plain(t)
		}
		if n := utf16Len(t); n > limit {
			bad("%s is %d characters, more than %d", textField, n, limit)
		}
		if method != "sendPhoto" && strings.TrimSpace(t) == "" {
			bad("text is empty")
		}
	}
	if rm := p.Get("reply_markup"); rm != "" {
		probs = append(probs, checkKeyboard(rm)...)
	}
	switch method {
	case "sendInvoice":
		probs = append(probs, checkInvoice(p)...)
	case "answerCallbackQuery":
		if n := utf8.RuneCountInString(p.Get("text")); n > 200 {
			bad("text is %d characters, more than 200", n)
		}
	case "answerPreCheckoutQuery":
		if p.Get("ok") == "false" && p.Get("error_message") == "" {
			bad("error_message is required when ok is false")
		}
		if p.Get("ok") != "true" && p.Get("ok") != "false" {
			bad("ok must be true or false")
		}
	case "setWebhook":
		u, err := url.Parse(p.Get("url"))
		if err != nil || (p.Get("url") != "" && u.Scheme != "https") {
			bad("url must be https")
		}
		if s := p.Get("secret_token"); s != "" && !secretTokenRE.MatchString(s) {
			bad("secret_token must be 1-256 of A-Z a-z 0-9 _ -")
		}
		if mc := p.Get("max_connections"); mc != "" {
			if n, err := strconv.Atoi(mc); err != nil || n < 1 || n > 100 {
				bad("max_connections must be 1-100")
			}
		}
		if au := p.Get("allowed_updates"); au != "" {
			var xs []string
			if json.Unmarshal([]byte(au), &xs) != nil {
				bad("allowed_updates must be a JSON array of strings")
			}
		}
	}
	return probs
}

func checkKeyboard(rm string) []string {
	var kb struct {
		InlineKeyboard [][]map[string]any `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(rm), &kb); err != nil {
		return []string{"reply_markup is not an inline keyboard: " + err.Error()}
	}
	var probs []string
	n := 0
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			n++
			text, _ := b["text"].(string)
			if text == "" {
				probs = append(probs, "a button has no text")
			}
			data, hasData := b["callback_data"].(string)
			_, hasURL := b["url"].(string)
			if hasData == hasURL {
				probs = append(probs, fmt.Sprintf("button %q needs exactly one of callback_data and url", text))
			}
			if hasData && (len(data) < 1 || len(data) > 64) {
				probs = append(probs, fmt.Sprintf("callback_data of %q is %d bytes (1-64)", text, len(data)))
			}
			if hasData && strings.ContainsAny(data, "{}\"") {
				probs = append(probs, fmt.Sprintf("callback_data of %q looks like JSON", text))
			}
		}
	}
	if n > 100 {
		probs = append(probs, fmt.Sprintf("%d buttons, more than 100", n))
	}
	return probs
}

func checkInvoice(p url.Values) []string {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	if n := utf8.RuneCountInString(p.Get("title")); n < 1 || n > 32 {
		bad("title is %d characters (1-32)", n)
	}
	if n := utf8.RuneCountInString(p.Get("description")); n < 1 || n > 255 {
		bad("description is %d characters (1-255)", n)
	}
	if n := len(p.Get("payload")); n < 1 || n > 128 {
		bad("payload is %d bytes (1-128)", n)
	}
	cur := p.Get("currency")
	if len(cur) != 3 || strings.ToUpper(cur) != cur {
		bad("currency %q", cur)
	}
	var prices []struct {
		Label  string `json:"label"`
		Amount *int64 `json:"amount"`
	}
	if err := json.Unmarshal([]byte(p.Get("prices")), &prices); err != nil || len(prices) == 0 {
		bad("prices must be a non-empty JSON array of LabeledPrice")
	}
	for _, pr := range prices {
		if pr.Label == "" || pr.Amount == nil {
			bad("a price needs a label and an integer amount")
		}
	}
	if tips := p.Get("suggested_tip_amounts"); tips == "null" {
		bad("expected an Array of suggested tip amounts")
	}
	if cur == "XTR" {
		if len(prices) != 1 {
			bad("a Stars invoice takes exactly one price, got %d", len(prices))
		}
		if p.Get("provider_token") != "" {
			bad("a Stars invoice takes an empty provider_token")
		}
		if p.Get("max_tip_amount") != "" {
			bad("tips are not supported for Stars")
		}
	} else if p.Get("provider_token") == "" {
		bad("provider_token is required for currency %s", cur)
	}
	return probs
}

var tagRE = regexp.MustCompile(`<(/?)([a-z-]+)(?:\s[^>]*)?>`)

// allowedTags are the tags of the Bot API's HTML style.
var allowedTags = map[string]bool{"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true, "s": true,
	"strike": true, "del": true, "a": true, "code": true, "pre": true, "tg-spoiler": true, "span": true, "blockquote": true, "tg-emoji": true}

// checkHTML checks that tags are allowed and balanced and that every & and
// < outside a tag is escaped.
func checkHTML(s string) error {
	var stack []string
	rest := s
	for {
		loc := tagRE.FindStringSubmatchIndex(rest)
		text := rest
		if loc != nil {
			text = rest[:loc[0]]
		}
		if strings.ContainsAny(text, "<>") {
			return fmt.Errorf("unescaped < or > in %q", text)
		}
		for i := strings.IndexByte(text, '&'); i >= 0; i = strings.IndexByte(text, '&') {
			text = text[i:]
			if !regexp.MustCompile(`^&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);`).MatchString(text) {
				return fmt.Errorf("unescaped & in %q", text)
			}
			text = text[1:]
		}
		if loc == nil {
			break
		}
		closing, name := rest[loc[2]:loc[3]] == "/", rest[loc[4]:loc[5]]
		if !allowedTags[name] {
			return fmt.Errorf("tag <%s> is not supported", name)
		}
		if closing {
			if len(stack) == 0 || stack[len(stack)-1] != name {
				return fmt.Errorf("unbalanced </%s>", name)
			}
			stack = stack[:len(stack)-1]
		} else {
			stack = append(stack, name)
		}
		rest = rest[loc[1]:]
	}
	if len(stack) > 0 {
		return fmt.Errorf("unclosed <%s>", stack[len(stack)-1])
	}
	return nil
}

var entities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&amp;", "&")

// plain is s without its tags, entities decoded: what the customer reads.
func plain(s string) string { return entities.Replace(tagRE.ReplaceAllString(s, "")) }

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Package wechattest is a fake WeChat API for tests: the access-token
// endpoint, the customer-service send endpoint, the custom-menu endpoint
// and the temporary-media download (media/get), implemented from WeChat's documentation, checking every
// request (path, method, credentials, current access_token, JSON body) the
// way WeChat does and recording what was sent. It also builds the XML
// pushes WeChat makes to an account's server, signed and, in safe mode,
// encrypted.
package wechattest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Payload is a customer-service message's JSON body, as WeChat documents
// it, for the kinds the fake accepts. The fake has its own types (and its
// own crypto, below), written from the documentation: it shares no code
// with the adapter it tests.
type Payload struct {
	ToUser  string   `json:"touser"`
	MsgType string   `json:"msgtype"`
	Text    *Text    `json:"text,omitempty"`
	News    *News    `json:"news,omitempty"`
	MsgMenu *MsgMenu `json:"msgmenu,omitempty"`
}

// Text is a text message.
type Text struct {
	Content string `json:"content"`
}

// News is an article message.
type News struct {
	Articles []Article `json:"articles"`
}

// Article is one article.
type Article struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url"`
	PicURL      string `json:"picurl,omitempty"`
}

// MsgMenu is a menu message.
type MsgMenu struct {
	HeadContent string     `json:"head_content"`
	List        []MenuItem `json:"list"`
	TailContent string     `json:"tail_content"`
}

// MenuItem is one item of a menu message.
type MenuItem struct {
	ID      string `json:"id"`
	Content string `json:"content"`
}

// MenuButton is a custom menu's button.
type MenuButton struct {
	Type      string       `json:"type,omitempty"`
	Name      string       `json:"name"`
	Key       string       `json:"key,omitempty"`
	URL       string       `json:"url,omitempty"`
	SubButton []MenuButton `json:"sub_button,omitempty"`
}

// Sent is one customer-service message WeChat accepted.
type Sent struct {
	Payload
	At time.Time
}

// Text is the message's text: a text's content, a menu's head and items,
// an article's title and description.
func (s Sent) Text() string {
	switch {
	case s.Content() != "":
		return s.Content()
	case s.MsgMenu != nil:
		t := s.MsgMenu.HeadContent
		for _, it := range s.MsgMenu.List {
			t += "\n" + it.Content
		}
		return t
	case s.News != nil && len(s.News.Articles) > 0:
		return s.News.Articles[0].Title + "\n" + s.News.Articles[0].Description
	}
	return ""
}

// Content is a text message's content, or "".
func (s Sent) Content() string {
	if s.Payload.Text != nil {
		return s.Payload.Text.Content
	}
	return ""
}

// Server is the fake WeChat API.
type Server struct {
	*httptest.Server
	AppID, Secret string

	mu         sync.Mutex
	tokens     []string // every token issued; only the last is valid
	sent       []Sent
	menus      [][]byte
	refuse     map[string]int // openid → errcode to answer
	errors     []string       // requests refused, for tests to read
	media      map[string]Media
	TokenCalls int
	// Delay, when set, slows every send (to show that webhooks do not
	// wait for sends).
	Delay time.Duration
}

// New starts a fake for the account appID with secret.
func New(appID, secret string) *Server {
	s := &Server{AppID: appID, Secret: secret, refuse: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/cgi-bin/token", s.token)
	mux.HandleFunc("/cgi-bin/message/custom/send", s.send)
	mux.HandleFunc("/cgi-bin/menu/create", s.menu)
	mux.HandleFunc("/cgi-bin/media/get", s.mediaGet)
	mux.HandleFunc(videoPath, s.video)
	s.Server = httptest.NewServer(mux)
	return s
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}

func (s *Server) fail(w http.ResponseWriter, code int, msg string) {
	s.mu.Lock()
	s.errors = append(s.errors, fmt.Sprintf("%d %s", code, msg))
	s.mu.Unlock()
	writeJSON(w, map[string]any{"errcode": code, "errmsg": msg})
}

// token serves GET /cgi-bin/token. Like WeChat, a new token invalidates
// the previous one.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.Method != http.MethodGet || q.Get("grant_type") != "client_credential" {
		s.fail(w, 40002, "invalid grant_type")
		return
	}
	if q.Get("appid") != s.AppID || q.Get("secret") != s.Secret {
		s.fail(w, 40125, "invalid appsecret")
		return
	}
	s.mu.Lock()
	s.TokenCalls++
	tok := "ACCESS_TOKEN_" + strconv.Itoa(len(s.tokens)+1)
	s.tokens = append(s.tokens, tok)
	s.mu.Unlock()
	writeJSON(w, map[string]any{"access_token": tok, "expires_in": 7200})
}

// checkToken reports whether r carries the current access token.
func (s *Server) checkToken(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		s.fail(w, 43002, "require POST method")
		return false
	}
	tok := r.URL.Query().Get("access_token")
	s.mu.Lock()
	ok := len(s.tokens) > 0 && tok == s.tokens[len(s.tokens)-1]
	s.mu.Unlock()
	if !ok {
		s.fail(w, 40001, "invalid credential, access_token is invalid or not latest")
	}
	return ok
}

// send serves POST /cgi-bin/message/custom/send.
func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	if !s.checkToken(w, r) {
		return
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var p Payload
	dec := json.NewDecoder(bytesReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		s.fail(w, 47001, "data format error: "+err.Error())
		return
	}
	if msg := check(&p); msg != "" {
		s.fail(w, 47001, "data format error: "+msg)
		return
	}
	s.mu.Lock()
	code := s.refuse[p.ToUser]
	delay := s.Delay
	s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	if code != 0 {
		s.fail(w, code, "response out of time limit or subscription is canceled")
		return
	}
	s.mu.Lock()
	s.sent = append(s.sent, Sent{Payload: p, At: time.Now()})
	s.mu.Unlock()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}

// check validates a payload as WeChat documents it.
func check(p *Payload) string {
	if p.ToUser == "" {
		return "touser is empty"
	}
	switch p.MsgType {
	case "text":
		if p.Text == nil || p.Text.Content == "" {
			return "text.content is empty"
		}
		if len(p.Text.Content) > 2048 {
			return "text.content is longer than 2048 bytes"
		}
	case "news":
		if p.News == nil || len(p.News.Articles) != 1 {
			return "news needs exactly one article"
		}
		if a := p.News.Articles[0]; a.Title == "" || a.URL == "" {
			return "an article needs a title and a url"
		}
	case "msgmenu":
		if p.MsgMenu == nil || len(p.MsgMenu.List) == 0 {
			return "msgmenu.list is empty"
		}
		for _, it := range p.MsgMenu.List {
			if it.ID == "" || it.Content == "" {
				return "a msgmenu item needs an id and content"
			}
		}
	default:
		return "unknown msgtype " + p.MsgType
	}
	return ""
}

func (s *Server) menu(w http.ResponseWriter, r *http.Request) {
	if !s.checkToken(w, r) {
		return
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var m struct {
		Button []MenuButton `json:"button"`
	}
	if err := json.Unmarshal(raw, &m); err != nil || len(m.Button) == 0 || len(m.Button) > 3 {
		s.fail(w, 40016, "invalid button size")
		return
	}
	s.mu.Lock()
	s.menus = append(s.menus, raw)
	s.mu.Unlock()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}

// Media is a file a customer sent, as the fake serves it.
type Media struct {
	ContentType string
	Data        []byte
	// Chunked sends the file without a Content-Length, so that its
	// size is known only by reading it.
	Chunked bool
	// Video answers media/get with {"video_url":…}, as WeChat does for
	// videos, and serves the file at that URL.
	Video bool
	// Status, when set, is the HTTP status answered instead of the file.
	Status int
}

// AddMedia makes the fake keep a file under mediaID.
func (s *Server) AddMedia(mediaID string, m Media) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.media == nil {
		s.media = map[string]Media{}
	}
	s.media[mediaID] = m
}

// videoPath is where the fake serves videos, which WeChat serves from
// its CDN without the access token.
const videoPath = "/fake-video/"

// mediaGet serves GET /cgi-bin/media/get?access_token=…&media_id=….
func (s *Server) mediaGet(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		s.fail(w, 43001, "require GET method")
		return
	}
	tok := r.URL.Query().Get("access_token")
	id := r.URL.Query().Get("media_id")
	s.mu.Lock()
	ok := len(s.tokens) > 0 && tok == s.tokens[len(s.tokens)-1]
	m, known := s.media[id]
	s.mu.Unlock()
	switch {
	case !ok:
		s.fail(w, 40001, "invalid credential, access_token is invalid or not latest")
	case !known:
		s.fail(w, 40007, "invalid media_id")
	case m.Video:
		writeJSON(w, map[string]any{"video_url": s.URL + videoPath + url.PathEscape(id)})
	default:
		s.serveFile(w, id, m)
	}
}

// video serves a video's download URL.
func (s *Server) video(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, videoPath)
	s.mu.Lock()
	m, known := s.media[id]
	s.mu.Unlock()
	if !known || !m.Video {
		http.NotFound(w, r)
		return
	}
	s.serveFile(w, id, m)
}

func (s *Server) serveFile(w http.ResponseWriter, id string, m Media) {
	if m.Status != 0 {
		http.Error(w, http.StatusText(m.Status), m.Status)
		return
	}
	w.Header().Set("Content-Type", m.ContentType)
	ext := map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "audio/amr": ".amr", "audio/mpeg": ".mp3", "video/mp4": ".mp4"}[m.ContentType]
	w.Header().Set("Content-Disposition", `attachment; filename="`+id+ext+`"`)
	if m.Chunked {
		w.(http.Flusher).Flush() // headers go now: no Content-Length
	} else {
		w.Header().Set("Content-Length", strconv.Itoa(len(m.Data)))
	}
	w.Write(m.Data)
}

// Refuse makes sends to openid fail with errcode (45015: out of the
// 48-hour window).
func (s *Server) Refuse(openid string, errcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse[openid] = errcode
}

// InvalidateTokens makes every issued token invalid, as when another
// client fetched a new one.
func (s *Server) InvalidateTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = append(s.tokens, "ISSUED_ELSEWHERE")
}

// SentTo returns the messages sent to openid, in order.
func (s *Server) SentTo(openid string) []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Sent
	for _, m := range s.sent {
		if m.ToUser == openid {
			out = append(out, m)
		}
	}
	return out
}

// Menus returns the menus published, as JSON bodies.
func (s *Server) Menus() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.menus...)
}

// Errors returns the requests refused so far.
func (s *Server) Errors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errors...)
}

// Push is a message or event as WeChat pushes it to an account's server.
type Push struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	Content      string   `xml:"Content,omitempty"`
	MsgID        string   `xml:"MsgId,omitempty"`
	BizMsgMenuID string   `xml:"bizmsgmenuid,omitempty"`
	Event        string   `xml:"Event,omitempty"`
	EventKey     string   `xml:"EventKey,omitempty"`
	MediaID      string   `xml:"MediaId,omitempty"`
	Format       string   `xml:"Format,omitempty"`
	Recognition  string   `xml:"Recognition,omitempty"`
}

// Marshal is the push's XML.
func (p Push) Marshal() []byte {
	b, _ := xml.Marshal(p)
	return b
}

// Account is an Official Account's server settings, as WeChat knows them,
// to sign (and in safe mode encrypt) pushes.
type Account struct {
	ID             string // gh_…
	AppID          string
	Token          string
	EncodingAESKey string // "" for plaintext mode
}

// Request returns the query and body of a push of msg at now.
func (a Account) Request(msg []byte, now time.Time, nonce string) (url.Values, []byte) {
	ts := strconv.FormatInt(now.Unix(), 10)
	q := url.Values{"timestamp": {ts}, "nonce": {nonce}, "signature": {Signature(a.Token, ts, nonce)}}
	if a.EncodingAESKey == "" {
		return q, msg
	}
	enc, err := Encrypt(a.EncodingAESKey, a.AppID, msg)
	if err != nil {
		panic(err)
	}
	q.Set("encrypt_type", "aes")
	q.Set("msg_signature", Signature(a.Token, ts, nonce, enc))
	body, _ := xml.Marshal(struct {
		XMLName    xml.Name `xml:"xml"`
		ToUserName string   `xml:"ToUserName"`
		Encrypt    string   `xml:"Encrypt"`
	}{ToUserName: a.ID, Encrypt: enc})
	return q, body
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// Signature is sha1 of the sorted, concatenated parts, in hex: WeChat's
// URL signature (token, timestamp, nonce) and msg_signature (and Encrypt).
func Signature(parts ...string) string {
	s := append([]string(nil), parts...)
	sort.Strings(s)
	h := sha1.Sum([]byte(strings.Join(s, "")))
	return hex.EncodeToString(h[:])
}

// Encrypt seals msg for appID as WeChat does in safe mode: AES-256-CBC,
// key = base64(EncodingAESKey+"="), IV = key[:16], plaintext = random(16)
// | len(4, big-endian) | msg | appid, PKCS#7 to 32 bytes.
func Encrypt(encodingAESKey, appID string, msg []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return "", fmt.Errorf("bad EncodingAESKey")
	}
	var buf bytes.Buffer
	random := make([]byte, 16)
	rand.Read(random)
	buf.Write(random)
	binary.Write(&buf, binary.BigEndian, uint32(len(msg)))
	buf.Write(msg)
	buf.WriteString(appID)
	pad := 32 - buf.Len()%32
	buf.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	block, _ := aes.NewCipher(key)
	ct := make([]byte, buf.Len())
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(ct, buf.Bytes())
	return base64.StdEncoding.EncodeToString(ct), nil
}

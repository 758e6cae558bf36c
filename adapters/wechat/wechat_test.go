package wechat_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/wechat"
	"github.com/conciergehq/concierge/adapters/wechat/wechattest"
)

var update = flag.Bool("update", false, "rewrite golden files")

type vector struct {
	Token          string            `json:"token"`
	EncodingAESKey string            `json:"encoding_aes_key"`
	AppID          string            `json:"appid"`
	Query          map[string]string `json:"query"`
	BodyFile       string            `json:"body_file"`
	Plaintext      string            `json:"expected_plaintext"`
	Timestamp      string            `json:"timestamp"`
	Nonce          string            `json:"nonce"`
	URLSignature   string            `json:"plain_url_signature_for_token_timestamp_nonce"`
}

func vectors(t *testing.T) map[string]vector {
	t.Helper()
	raw, err := os.ReadFile("testdata/crypto_test_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	json.Unmarshal(raw, &all)
	out := map[string]vector{}
	for k, v := range all {
		var vec vector
		if json.Unmarshal(v, &vec) == nil {
			out[k] = vec
		}
	}
	return out
}

func at(sec int64) func() time.Time { return func() time.Time { return time.Unix(sec, 0) } }

func query(m map[string]string) url.Values {
	q := url.Values{}
	for k, v := range m {
		q.Set(k, v)
	}
	return q
}

// TestOpenOfficialVectors decrypts Tencent's sample requests (compatible
// and safe mode) and refuses each of them altered.
func TestOpenOfficialVectors(t *testing.T) {
	for _, name := range []string{"vector_C_compat_mode_request", "vector_D_safe_mode_request"} {
		t.Run(name, func(t *testing.T) {
			v := vectors(t)[name]
			body, err := os.ReadFile(filepath.Join("testdata", filepath.Base(v.BodyFile)))
			if err != nil {
				t.Fatal(err)
			}
			ts := v.Query["timestamp"]
			a, err := wechat.New(wechat.Config{AppID: v.AppID, AppSecret: "s", Token: v.Token, EncodingAESKey: v.EncodingAESKey, Now: at(mustInt(ts))})
			if err != nil {
				t.Fatal(err)
			}
			m, err := a.Open(query(v.Query), body)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := wechat.ParseMessage([]byte(v.Plaintext))
			if m.Content != want.Content || m.MsgID != want.MsgID || m.FromUserName != want.FromUserName {
				t.Fatalf("got %+v, want %+v", m, want)
			}
			// Forgeries: another msg_signature, a changed ciphertext,
			// another app id, a plaintext body.
			q := query(v.Query)
			q.Set("msg_signature", strings.Repeat("0", 40))
			if _, err := a.Open(q, body); concierge.ErrorCode(err) != concierge.CodeUnauthorized {
				t.Errorf("bad msg_signature: %v", err)
			}
			other, _ := wechat.New(wechat.Config{AppID: "wxanother", AppSecret: "s", Token: v.Token, EncodingAESKey: v.EncodingAESKey, Now: at(mustInt(ts))})
			if _, err := other.Open(query(v.Query), body); concierge.ErrorCode(err) != concierge.CodeUnauthorized {
				t.Errorf("other app id: %v", err)
			}
			late, _ := wechat.New(wechat.Config{AppID: v.AppID, AppSecret: "s", Token: v.Token, EncodingAESKey: v.EncodingAESKey})
			if _, err := late.Open(query(v.Query), body); concierge.ErrorCode(err) != concierge.CodeUnauthorized {
				t.Errorf("a signature from 2014 is accepted today: %v", err)
			}
			plain := query(v.Query)
			plain.Del("encrypt_type")
			if _, err := a.Open(plain, []byte(v.Plaintext)); concierge.ErrorCode(err) != concierge.CodeUnauthorized {
				t.Errorf("plaintext in safe mode: %v", err)
			}
		})
	}
}

func mustInt(s string) int64 {
	var n int64
	for _, c := range s {
		n = n*10 + int64(c-'0')
	}
	return n
}

// TestVerifyURL answers the server check of the fixture and refuses a
// wrong signature.
func TestVerifyURL(t *testing.T) {
	var f struct {
		Query map[string]string `json:"query"`
		Token string            `json:"token"`
		Want  string            `json:"expected_response_body"`
	}
	raw, _ := os.ReadFile("testdata/http_request_url_verification.json")
	json.Unmarshal(raw, &f)
	a, _ := wechat.New(wechat.Config{AppID: "wx1", AppSecret: "s", Token: f.Token, Now: at(mustInt(f.Query["timestamp"]))})
	got, err := a.VerifyURL(query(f.Query))
	if err != nil || got != f.Want {
		t.Fatalf("VerifyURL = %q, %v", got, err)
	}
	q := query(f.Query)
	q.Set("nonce", "other")
	if _, err := a.VerifyURL(q); concierge.ErrorCode(err) != concierge.CodeUnauthorized {
		t.Fatalf("a bad signature: %v", err)
	}
}

// TestEncryptVector reproduces Tencent's reply-encryption vector through
// the exported helpers (the random prefix is the vector's).
func TestEncryptRoundTrip(t *testing.T) {
	v := vectors(t)["vector_A_reply_encryption"]
	if got := wechat.Signature(v.Token, v.Timestamp, v.Nonce); got != v.URLSignature {
		t.Fatalf("signature %s, want %s", got, v.URLSignature)
	}
	acct := wechattest.Account{ID: "gh_1", AppID: v.AppID, Token: v.Token, EncodingAESKey: v.EncodingAESKey}
	msg := wechattest.Push{ToUserName: "gh_1", FromUserName: "o1", CreateTime: 1409304348, MsgType: "text", Content: "我是中文abcd123", MsgID: "1"}.Marshal()
	q, body := acct.Request(msg, time.Unix(1409304348, 0), v.Nonce)
	a, _ := wechat.New(wechat.Config{AppID: v.AppID, AppSecret: "s", Token: v.Token, EncodingAESKey: v.EncodingAESKey, AccountID: "gh_1", Now: at(1409304348)})
	m, err := a.Open(q, body)
	if err != nil || m.Content != "我是中文abcd123" {
		t.Fatalf("%+v %v", m, err)
	}
	wrongTo, _ := wechat.New(wechat.Config{AppID: v.AppID, AppSecret: "s", Token: v.Token, EncodingAESKey: v.EncodingAESKey, AccountID: "gh_other", Now: at(1409304348)})
	if _, err := wrongTo.Open(q, body); concierge.ErrorCode(err) != concierge.CodeInvalid {
		t.Fatalf("wrong ToUserName: %v", err)
	}
}

// TestDecodeFixtures decodes every plaintext fixture into its golden
// event (go test -update rewrites them).
func TestDecodeFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.xml")
	for _, f := range files {
		if strings.Contains(f, "encrypted") || strings.Contains(f, "passive_reply") {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, _ := os.ReadFile(f)
			m, err := wechat.ParseMessage(raw)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := wechat.Decode(m)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.MarshalIndent(ev, "", "  ")
			golden := strings.TrimSuffix(f, ".xml") + ".golden.json"
			if *update {
				os.WriteFile(golden, append(got, '\n'), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil || strings.TrimSpace(string(want)) != string(got) {
				t.Fatalf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestDecodeKinds covers the kinds without a shared fixture: media name
// their MediaId as KIND:REF, which FetchMedia downloads; a link and a
// location are no file to fetch.
func TestDecodeKinds(t *testing.T) {
	x := func(typ, inner string) string {
		return `<xml><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>` + typ + `</MsgType>` + inner + `<MsgId>7</MsgId></xml>`
	}
	cases := []struct {
		xml    string
		kind   concierge.EventKind
		text   string
		value  string
		speech concierge.Speech
	}{
		{x("voice", `<MediaId>m</MediaId><Format>amr</Format><Recognition>有台灯吗</Recognition>`), concierge.EventMedia, "有台灯吗", "voice:m", concierge.SpeechHeard},
		// Without recognition the media fetcher has the file heard.
		{x("voice", `<MediaId>m</MediaId><Format>amr</Format><Recognition></Recognition>`), concierge.EventMedia, "", "voice:m", ""},
		{x("voice", `<MediaId>m</MediaId><Format>amr</Format>`), concierge.EventMedia, "", "voice:m", ""},
		{x("image", `<PicUrl>http://mmbiz.qpic.cn/x</PicUrl><MediaId>img1</MediaId>`), concierge.EventMedia, "", "image:img1", ""},
		{x("image", `<PicUrl>http://mmbiz.qpic.cn/x</PicUrl>`), concierge.EventMedia, "", "image", ""},
		{x("video", `<MediaId>v1</MediaId><ThumbMediaId>t</ThumbMediaId>`), concierge.EventMedia, "", "video:v1", ""},
		{x("shortvideo", `<MediaId>v2</MediaId><ThumbMediaId>t</ThumbMediaId>`), concierge.EventMedia, "", "video:v2", ""},
		{x("file", `<Title>发票.pdf</Title><MediaId>f1</MediaId>`), concierge.EventMedia, "", "document:f1", ""},
		{x("location", `<Location_X>31.2</Location_X><Location_Y>121.4</Location_Y><Scale>15</Scale><Label>上海</Label>`), concierge.EventLocation, "上海", "31.2,121.4", ""},
		{x("link", `<Title>台灯</Title><Url>https://x</Url>`), concierge.EventMedia, "台灯", "link:https://x", ""},
		{x("hologram", ``), concierge.EventMedia, "", "", ""},
		{x("text", `<Content>满意</Content><bizmsgmenuid>wxAAAA</bizmsgmenuid>`), concierge.EventButton, "满意", "wxAAAA", ""},
	}
	for _, c := range cases {
		m, err := wechat.ParseMessage([]byte(c.xml))
		if err != nil {
			t.Fatal(err)
		}
		ev, err := wechat.Decode(m)
		if err != nil || ev.Kind != c.kind || ev.Text != c.text || ev.Value != c.value || ev.Locale != "zh" || ev.Speech != c.speech {
			t.Errorf("%s: %+v %v", c.xml, ev, err)
		}
	}
}

// TestParseRefusesDTD refuses DOCTYPEs, entities and deep nesting.
func TestParseRefusesDTD(t *testing.T) {
	for _, body := range []string{
		`<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Content>&x;</Content></xml>`,
		`<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><xml><Content>&lol2;</Content></xml>`,
		`<xml><Content>&unknown;</Content></xml>`,
		`<?php evil ?><xml></xml>`,
		`<xml><a><b><c><d>deep</d></c></b></a></xml>`,
		`<notxml><Content>x</Content></notxml>`,
		``,
	} {
		if _, err := wechat.ParseMessage([]byte(body)); err == nil {
			t.Errorf("accepted %q", body)
		}
	}
}

func FuzzParseMessage(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xml")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	for _, p := range []string{"../../checkout/wechatpay/testdata/v2_pay_notify_official_sample.xml"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><xml>&a;</xml>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := wechat.ParseMessage(body)
		if err != nil {
			return
		}
		wechat.Decode(m) // must not panic
	})
}

type window time.Time

func (w window) LastInbound(context.Context, concierge.ConversationID) (time.Time, error) {
	return time.Time(w), nil
}

type memTokens map[string]string

func (m memTokens) SaveButtonTokens(_ context.Context, _ concierge.BotID, t map[string]string) error {
	for k, v := range t {
		m[k] = v
	}
	return nil
}

func (m memTokens) ButtonValue(_ context.Context, _ concierge.BotID, t string) (string, error) {
	if v, ok := m[t]; ok {
		return v, nil
	}
	return "", concierge.ErrNotFound
}

// TestSend sends through the fake API: menus with tokens, a refused
// token renewed once, the 48-hour window and WeChat's 45015 both
// undeliverable.
func TestSend(t *testing.T) {
	fake := wechattest.New("wx1", "secret")
	defer fake.Close()
	toks := memTokens{}
	w := window(time.Now())
	a, err := wechat.New(wechat.Config{Bot: "b", AppID: "wx1", AppSecret: "secret", Token: "t", APIBase: fake.URL, Window: &w, Tokens: toks})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	m := &concierge.Outbound{Bot: "b", Chat: "o1", Message: concierge.Message{Kind: concierge.MessageText, Text: "欢迎光临 🛋️",
		Buttons: []concierge.Button{{Label: "台灯", Value: "browse:desk"}, {Label: "网站", URL: "https://example.com"}}}}
	if err := a.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	fake.InvalidateTokens()
	if err := a.Send(ctx, m); err != nil {
		t.Fatalf("after the token was invalidated: %v", err)
	}
	sent := fake.SentTo("o1")
	if len(sent) != 4 || sent[0].MsgType != "msgmenu" || sent[0].MsgMenu.HeadContent != "欢迎光临 🛋️" || sent[1].MsgType != "text" || fake.TokenCalls != 2 {
		t.Fatalf("sent %+v, %d token calls, errors %v", sent, fake.TokenCalls, fake.Errors())
	}
	id := sent[0].MsgMenu.List[0].ID
	ev := &concierge.Event{Kind: concierge.EventButton, Value: id, Text: "台灯"}
	if err := a.Resolve(ctx, ev); err != nil || ev.Value != "browse:desk" {
		t.Fatalf("resolve %s: %+v %v", id, ev, err)
	}

	fake.Refuse("o2", 45015)
	m.Chat = "o2"
	if err := a.Send(ctx, m); !errors.Is(err, concierge.ErrUndeliverable) {
		t.Fatalf("45015: %v", err)
	}
	old := window(time.Now().Add(-49 * time.Hour))
	late, _ := wechat.New(wechat.Config{Bot: "b", AppID: "wx1", AppSecret: "secret", Token: "t", APIBase: fake.URL, Window: &old})
	m.Chat = "o1"
	if err := late.Send(ctx, m); !errors.Is(err, concierge.ErrUndeliverable) || !strings.Contains(err.Error(), "48-hour") {
		t.Fatalf("outside the window: %v", err)
	}
}

// TestReplyWindow: the inbox is told the 48-hour window, as Send
// applies it: open within it, closed after it or when the customer never
// wrote, always open without a Window.
func TestReplyWindow(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name   string
		last   time.Time
		closed bool
		why    string
	}{
		{"an hour ago", time.Now().Add(-time.Hour), false, ""},
		{"47 hours ago", time.Now().Add(-47 * time.Hour), false, ""},
		{"49 hours ago", time.Now().Add(-49 * time.Hour), true, "more than 48 hours ago"},
		{"never", time.Time{}, true, "never written"},
	} {
		w := window(tt.last)
		a, err := wechat.New(wechat.Config{Bot: "b", AppID: "wx1", AppSecret: "secret", Token: "t", Window: &w})
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.ReplyWindow(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if got.Closed != tt.closed || !strings.Contains(got.Why, tt.why) || !got.Last.Equal(tt.last) || len(got.Templates) != 0 {
			t.Errorf("%s: ReplyWindow = %+v", tt.name, got)
		}
	}
	a, _ := wechat.New(wechat.Config{Bot: "b", AppID: "wx1", AppSecret: "secret", Token: "t"})
	if got, err := a.ReplyWindow(ctx, 1); err != nil || got.Closed {
		t.Errorf("without a Window: %+v %v", got, err)
	}
}

// TestRenderCards shows products as one article and one menu, within the
// quota, with Chinese text cut on character boundaries.
func TestRenderCards(t *testing.T) {
	long := strings.Repeat("灯", 1000)
	m := &concierge.Outbound{Bot: "b", Chat: "o", Message: concierge.Message{Kind: concierge.MessageCards, Text: "为您找到：", Fallback: "1. 欧若拉床头灯 ¥49\n2. 天顶台灯 ¥79\n" + long,
		Cards: []concierge.Card{
			{SKU: "LAMP-01", Title: "欧若拉床头灯", PriceText: "¥49.00", Image: "https://example.com/a.jpg", Buttons: []concierge.Button{{Label: "加入购物车", Value: "add:LAMP-01"}, {Label: "详情", Value: "show:LAMP-01"}}},
			{SKU: "LAMP-02", Title: "天顶台灯", PriceText: "¥79.00", Buttons: []concierge.Button{{Label: "加入购物车", Value: "add:LAMP-02"}}},
		}}}
	r := wechat.Render(m, "https://shop.example")
	var kinds []string
	for _, p := range r.Payloads {
		kinds = append(kinds, p.MsgType)
		b, _ := json.Marshal(p)
		if !json.Valid(b) || strings.Contains(string(b), "\ufffd") {
			t.Fatalf("payload %s", b)
		}
		if p.Text != nil && len(p.Text.Content) > wechat.MaxTextBytes {
			t.Fatalf("text of %d bytes", len(p.Text.Content))
		}
	}
	if got := strings.Join(kinds, ","); got != "news,text,text,msgmenu" {
		t.Fatalf("kinds %s", got)
	}
	menu := r.Payloads[len(r.Payloads)-1].MsgMenu
	if len(menu.List) != 2 || r.Tokens[menu.List[1].ID] != "add:LAMP-02" {
		t.Fatalf("menu %+v", menu)
	}
}

package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/telegram/telegramtest"
	"github.com/conciergehq/concierge/adapters/wechat/wechattest"
	"github.com/conciergehq/concierge/adapters/whatsapp/whatsapptest"
	"github.com/conciergehq/concierge/speech/speechtest"
)

const speechKey = "sk-speech-test-0123456789"

// speechFake starts a fake OpenAI transcription server for one test.
func speechFake(t *testing.T) *speechtest.Server {
	t.Helper()
	fake := speechtest.New(speechKey)
	t.Cleanup(fake.Close)
	return fake
}

// withSpeech adds a speech section on fake to a bot file.
func withSpeech(fake *speechtest.Server, timeout string) func(string) string {
	return func(cfg string) string {
		return strings.TrimRight(cfg, "\n") + fmt.Sprintf("\nspeech: { base_url: %q, model: whisper-1, api_key: %q, languages: [fr, en, zh], timeout: %s }\n",
			fake.URL+"/v1", speechKey, timeout)
	}
}

func audioFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../speech/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// voice sends a Telegram voice note with file_id id and returns the
// bot's calls in answer.
func (c *tgCustomer) voice(id string, size int) []telegramtest.Call {
	c.s.t.Helper()
	v := map[string]any{"file_id": id, "file_unique_id": "U" + id, "duration": 1, "mime_type": "audio/ogg", "file_size": size}
	if st := c.s.post(map[string]any{"message": c.message(map[string]any{"voice": v})}); st != http.StatusOK {
		c.s.t.Fatalf("voice %s: status %d", id, st)
	}
	return c.replies()
}

// values are the values of the buttons of calls.
func (c *tgCustomer) values(calls []telegramtest.Call) []string {
	var out []string
	for _, call := range calls {
		for _, b := range call.Buttons() {
			if v, err := c.s.m.DB.ButtonValue(context.Background(), tgBot, b.CallbackData); err == nil {
				out = append(out, v)
			}
		}
	}
	return out
}

func hasValue(values []string, part string) bool {
	for _, v := range values {
		if strings.Contains(v, part) {
			return true
		}
	}
	return false
}

// conversationPage signs a person in and returns the inbox's page of
// conv.
func conversationPage(t *testing.T, s *shop, conv concierge.ConversationID) string {
	t.Helper()
	s.addPerson("vera", concierge.RoleAgent, 3)
	p := s.person("vera")
	p.signIn()
	code, page := p.get(fmt.Sprintf("/inbox/c/%d", conv))
	if code != http.StatusOK {
		t.Fatalf("conversation page: %d", code)
	}
	return page
}

// TestVoiceTelegram: a Telegram voice note is fetched, transcribed by the
// fake OpenAI server outside the turn, and its transcript, naming the
// Aurore lamp, leads to that product's card; a text sent right after it
// is answered after it, in order. The inbox shows the transcript under
// the player.
func TestVoiceTelegram(t *testing.T) {
	fake := speechFake(t)
	fake.Say("Avez-vous la lampe de chevet Aurore ?", "french")
	s := startTelegramShop(t, "webhook", withSpeech(fake, "10s"))
	ogg := audioFixture(t, "voice.ogg")
	s.fake.AddFile("VOICE-1", telegramtest.File{ContentType: "audio/ogg", Data: ogg})

	c := s.customer("fr")
	calls := c.voice("VOICE-1", len(ogg))
	if !hasValue(c.values(calls), "LAMP-01") || !strings.Contains(strings.Join(callTexts(calls), "\n"), "Aurore") {
		t.Fatalf("after the voice note: %s; want the Aurore lamp's card", dumpCalls(calls))
	}
	sent := fake.Calls()
	if len(sent) != 1 || string(sent[0].Data) != string(ogg) || sent[0].FileName != "voice.ogg" || sent[0].Model != "whisper-1" {
		t.Fatalf("transcription calls %+v; want the voice note's OGG once", sent)
	}

	conv, err := s.m.DB.FindConversation(context.Background(), tgBot, concierge.ChannelTelegram, concierge.ChatID(fmt.Sprint(c.id)))
	if err != nil {
		t.Fatal(err)
	}
	page := conversationPage(t, s.shop, conv.ID)
	audio := strings.Index(page, "<audio controls")
	label := strings.Index(page, `<span class="speech-label">Transcript</span>`)
	words := strings.Index(page, "Avez-vous la lampe de chevet Aurore ?")
	if audio < 0 || label < audio || words < label {
		t.Fatalf("the page lacks the transcript under the player (audio %d, label %d, text %d)", audio, label, words)
	}
}

// callTexts are the visible texts of calls.
func callTexts(calls []telegramtest.Call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Text())
	}
	return out
}

// TestVoiceTelegramOrder: the voice note holds its conversation, so a
// text sent while it is transcribed is answered after it.
func TestVoiceTelegramOrder(t *testing.T) {
	fake := speechFake(t)
	release, started := make(chan struct{}), make(chan struct{}, 1)
	fake.Answer(func(speechtest.Call) speechtest.Reply {
		select {
		case started <- struct{}{}:
		default:
		}
		return speechtest.Reply{Text: "la lampe de chevet Aurore", Language: "french", Logprob: -0.1, Hold: release}
	})
	s := startTelegramShop(t, "webhook", withSpeech(fake, "10s"))
	ogg := audioFixture(t, "voice.ogg")
	s.fake.AddFile("VOICE-2", telegramtest.File{ContentType: "audio/ogg", Data: ogg})
	c := s.customer("fr")
	v := map[string]any{"file_id": "VOICE-2", "file_unique_id": "UVOICE-2", "duration": 1, "mime_type": "audio/ogg", "file_size": len(ogg)}
	if st := s.post(map[string]any{"message": c.message(map[string]any{"voice": v})}); st != http.StatusOK {
		t.Fatalf("voice: %d", st)
	}
	select {
	case <-started: // fetched; the transcriber is working on it
	case <-time.After(10 * time.Second):
		t.Fatal("the voice note never reached the transcriber")
	}
	if st := s.post(map[string]any{"message": c.message(map[string]any{"text": "la lampe de bureau Zénith"})}); st != http.StatusOK {
		t.Fatalf("text: %d", st)
	}
	// The text is stored (acknowledged). After a pass of the turn runner,
	// run here, it is still pending and the note still being heard: the
	// text waits behind the note.
	if _, _, err := s.m.DB.RunTurns(context.Background(), 100, s.m.Agent.Turn, s.m.Agent.Fail); err != nil {
		t.Fatal(err)
	}
	conv, err := s.m.DB.FindConversation(context.Background(), tgBot, concierge.ChannelTelegram, concierge.ChatID(fmt.Sprint(c.id)))
	if err != nil {
		t.Fatal(err)
	}
	es, err := s.m.DB.InboxTranscript(context.Background(), conv.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, e := range es {
		statuses = append(statuses, e.Dir+":"+e.Status)
	}
	if !slices.Equal(statuses, []string{"in:hearing", "in:pending"}) {
		t.Fatalf("while the voice note is heard the transcript is %v; want the note hearing and the text pending, nothing answered", statuses)
	}
	close(release)
	calls := c.replies()
	if !hasValue(c.values(calls), "LAMP-02") {
		calls = append(calls, c.replies()...)
	}
	vals := c.values(calls)
	first, second := -1, -1
	for i, v := range vals {
		if strings.Contains(v, "LAMP-01") && first < 0 {
			first = i
		}
		if strings.Contains(v, "LAMP-02") && second < 0 {
			second = i
		}
	}
	if first < 0 || second < 0 || first > second {
		t.Fatalf("answers %s; want the Aurore lamp (the voice note) before the desk lamps (the text)", dumpCalls(calls))
	}
}

// TestVoiceTelegramUnheard: without a transcriber, and when the
// transcriber fails, is slow, hears nothing, or the file is 50 MB or not
// audio, the customer is asked in their language to write, with a button
// to a person; nothing else changes (no cart, no hand-off), and the API
// key is in no log.
func TestVoiceTelegramUnheard(t *testing.T) {
	ogg := audioFixture(t, "voice.ogg")
	unheard := "Désolé, je n'ai pas bien compris votre message vocal."
	tests := []struct {
		name  string
		reply speechtest.Reply
		file  telegramtest.File
		want  string
	}{
		{"failing", speechtest.Reply{Status: http.StatusInternalServerError, Message: "whisper crashed; key " + speechKey}, telegramtest.File{ContentType: "audio/ogg", Data: ogg}, unheard},
		{"empty", speechtest.Reply{Text: "", Language: "french"}, telegramtest.File{ContentType: "audio/ogg", Data: ogg}, unheard},
		{"unsure", speechtest.Reply{Text: "la lampe", Language: "french", NoSpeech: 0.1, Logprob: -2.3}, telegramtest.File{ContentType: "audio/ogg", Data: ogg}, unheard},
		{"slow", speechtest.Reply{Text: "trop tard", Language: "french", Hold: make(chan struct{})}, telegramtest.File{ContentType: "audio/ogg", Data: ogg}, unheard},
		{"50 MB", speechtest.Reply{Text: "never", Language: "french"}, telegramtest.File{ContentType: "audio/ogg", Data: append(append([]byte{}, ogg...), make([]byte, 50<<20)...)},
			"Votre message vocal est trop volumineux"},
		{"not audio", speechtest.Reply{Text: "never", Language: "french"}, telegramtest.File{ContentType: "audio/ogg", Data: []byte("%PDF-1.7 an invoice")},
			"Je ne sais pas écouter ce type de fichier."},
	}
	fake := speechFake(t)
	s := startTelegramShop(t, "webhook", withSpeech(fake, "500ms"))
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake.Answer(func(speechtest.Call) speechtest.Reply { return tt.reply })
			before := len(fake.Calls())
			id := fmt.Sprintf("BAD-%d", i)
			s.fake.AddFile(id, tt.file)
			c := s.customer("fr")
			calls := c.voice(id, len(tt.file.Data))
			checkUnheard(t, s, c, calls, tt.want)
			if tt.name == "50 MB" || tt.name == "not audio" {
				if n := len(fake.Calls()) - before; n != 0 {
					t.Fatalf("%d transcription calls for a refused file", n)
				}
			}
		})
	}
	if strings.Contains(s.logs.String(), speechKey) {
		t.Fatal("the speech API key is in the log")
	}
	_, metrics := get(t, s.base+"/metrics")
	for _, want := range []string{
		`concierge_voice_notes_total{bot="maison-lumiere",speech="unheard"} 4`,
		`concierge_voice_notes_total{bot="maison-lumiere",speech="too_large"} 1`,
		`concierge_voice_notes_total{bot="maison-lumiere",speech="wrong_type"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// A bot without a speech section answers the same, without guessing.
	t.Run("no transcriber", func(t *testing.T) {
		s := startTelegramShop(t, "webhook")
		s.fake.AddFile("VOICE-N", telegramtest.File{ContentType: "audio/ogg", Data: ogg})
		c := s.customer("fr")
		checkUnheard(t, s, c, c.voice("VOICE-N", len(ogg)), unheard)
	})
}

// checkUnheard checks that calls ask the customer to write (want) with a
// button to a person, and that the conversation changed no further.
func checkUnheard(t *testing.T, s *tgShop, c *tgCustomer, calls []telegramtest.Call, want string) {
	t.Helper()
	text := strings.Join(callTexts(calls), "\n")
	if !strings.Contains(text, want) || !hasValue(c.values(calls), "human") {
		t.Fatalf("answer %s; want %q with a button to a person", dumpCalls(calls), want)
	}
	conv, err := s.m.DB.FindConversation(context.Background(), tgBot, concierge.ChannelTelegram, concierge.ChatID(fmt.Sprint(c.id)))
	if err != nil {
		t.Fatal(err)
	}
	lines, err := s.m.DB.CartOf(context.Background(), conv.ID)
	if err != nil || len(lines) != 0 || conv.State != concierge.StateBot {
		t.Fatalf("after an unheard voice note: cart %v (%v), state %s; want nothing changed", lines, err, conv.State)
	}
}

// TestVoiceWhatsApp: a WhatsApp voice note (audio, OGG/Opus) naming the
// Zenith desk lamp leads to its card; a 50 MB one is refused with a clear
// answer and sends nothing to the transcriber.
func TestVoiceWhatsApp(t *testing.T) {
	fake := speechFake(t)
	fake.Say("I'm looking for the Zenith desk lamp", "english")
	s := startWAVoiceShop(t, withSpeech(fake, "10s"))
	ogg := audioFixture(t, "voice.ogg")
	s.graph.AddMedia("AUD-1", whatsapptest.Media{ContentType: "audio/ogg; codecs=opus", Data: ogg})
	c := s.customer("33612345678")
	c.n++
	sent := c.send(map[string]any{"from": c.wa, "id": fmt.Sprintf("wamid.%s.%d", c.wa, c.n), "timestamp": fmt.Sprint(time.Now().Unix()),
		"type": "audio", "audio": map[string]any{"id": "AUD-1", "mime_type": "audio/ogg; codecs=opus", "voice": true}})
	if !choicesHave(sent, "LAMP-02") {
		t.Fatalf("after the voice note: %s; want the Zenith lamp", waDump(sent))
	}
	if calls := fake.Calls(); len(calls) != 1 || string(calls[0].Data) != string(ogg) || calls[0].ContentType != "audio/ogg" {
		t.Fatalf("transcription calls %+v", calls)
	}

	big := append(append([]byte{}, ogg...), make([]byte, 50<<20)...)
	s.graph.AddMedia("AUD-BIG", whatsapptest.Media{ContentType: "audio/ogg; codecs=opus", Data: big})
	c.n++
	sent = c.send(map[string]any{"from": c.wa, "id": fmt.Sprintf("wamid.%s.%d", c.wa, c.n), "timestamp": fmt.Sprint(time.Now().Unix()),
		"type": "audio", "audio": map[string]any{"id": "AUD-BIG", "mime_type": "audio/ogg; codecs=opus", "voice": true}})
	if !strings.Contains(waText(sent), "Your voice message is too large for me to listen to.") || !choicesHave(sent, "human") {
		t.Fatalf("50 MB: %s; want the refusal with a person's button", waDump(sent))
	}
	if n := len(fake.Calls()); n != 1 {
		t.Fatalf("%d transcription calls; the 50 MB file must not be sent", n)
	}
}

// startWAVoiceShop is startMediaShop (WhatsApp with sandbox payments, so
// that no Stripe is needed) with edits applied to the bot file.
func startWAVoiceShop(t *testing.T, edits ...func(string) string) *waShop {
	t.Helper()
	graph := whatsapptest.New(waToken)
	t.Cleanup(graph.Close)
	cfg := sampleBot(t)
	i := strings.Index(cfg, "\ncatalog:")
	if i < 0 {
		t.Fatal("the sample bot file has no catalog")
	}
	cfg = fmt.Sprintf(`bot: maison-lumiere
name: Maison Lumière
locales: [en, fr, zh]
currency: EUR
channels:
  whatsapp:
    phone_number_id: %q
    access_token: %q
    app_secret: %q
    verify_token: %q
    graph_api_url: %q
payments:
  sandbox: { enabled: true }
`, waPhoneID, waToken, waAppSecret, waVerify, graph.URL+"/v21.0") + cfg[i:]
	for _, edit := range edits {
		cfg = edit(cfg)
	}
	return &waShop{shop: runMain(t, &Main{ConfigPath: writeBot(t, cfg), DBURL: tempSQLite(t)}), graph: graph}
}

func choicesHave(sent []whatsapptest.Sent, part string) bool {
	for _, m := range sent {
		if hasValue(m.Choices(), part) {
			return true
		}
	}
	return false
}

// TestVoiceWeChat: a voice message with WeChat's Recognition is read as
// the customer's words without the transcriber, and the inbox shows it as
// a transcript; one without Recognition (AMR) is transcribed; both lead to
// the product they name.
func TestVoiceWeChat(t *testing.T) {
	fake := speechFake(t)
	fake.Say("我想要天顶台灯", "chinese")
	s := startWXShopWith(t, wxOptions{edits: []func(string) string{withSpeech(fake, "10s")}})
	amr := audioFixture(t, "voice.amr")
	s.api.AddMedia("VM-REC", wechattest.Media{ContentType: "audio/amr", Data: amr})
	s.api.AddMedia("VM-AMR", wechattest.Media{ContentType: "audio/amr", Data: amr})
	c := &wxCustomer{s: s, openid: "o-voice-1"}

	at, id := c.next()
	sent := c.send(wechattest.Push{CreateTime: at, MsgType: "voice", MediaID: "VM-REC", Format: "amr", Recognition: "有欧若拉床头灯吗", MsgID: id})
	if !wxMenuHas(t, s, sent, "LAMP-01") {
		t.Fatalf("with Recognition: %s; want the Aurore lamp", wxDump(sent))
	}
	if n := len(fake.Calls()); n != 0 {
		t.Fatalf("%d transcription calls for a recognised voice", n)
	}

	at, id = c.next()
	sent = c.send(wechattest.Push{CreateTime: at, MsgType: "voice", MediaID: "VM-AMR", Format: "amr", MsgID: id})
	if !wxMenuHas(t, s, sent, "LAMP-02") {
		t.Fatalf("without Recognition: %s; want the Zenith lamp", wxDump(sent))
	}
	if calls := fake.Calls(); len(calls) != 1 || string(calls[0].Data) != string(amr) || calls[0].FileName != "voice.amr" {
		t.Fatalf("transcription calls %+v; want the AMR file once", calls)
	}

	// A 50 MB voice is refused at the download, clearly, and never sent.
	s.api.AddMedia("VM-BIG", wechattest.Media{ContentType: "audio/amr", Data: append(append([]byte{}, amr...), make([]byte, 50<<20)...)})
	at, id = c.next()
	sent = c.send(wechattest.Push{CreateTime: at, MsgType: "voice", MediaID: "VM-BIG", Format: "amr", MsgID: id})
	if !strings.Contains(wxText(sent), "您的语音消息太大") || !wxMenuHas(t, s, sent, "human") {
		t.Fatalf("50 MB: %s; want the refusal with a person's button", wxDump(sent))
	}
	if n := len(fake.Calls()); n != 1 {
		t.Fatalf("%d transcription calls; the 50 MB voice must not be sent", n)
	}

	conv, err := s.m.DB.FindConversation(context.Background(), "maison-lumiere", concierge.ChannelWeChat, "o-voice-1")
	if err != nil {
		t.Fatal(err)
	}
	page := conversationPage(t, &shop{t: t, m: s.m, base: s.base, logs: s.logs}, conv.ID)
	for _, words := range []string{"有欧若拉床头灯吗", "我想要天顶台灯"} {
		i := strings.Index(page, words)
		if i < 0 || !strings.Contains(page[max(0, i-200):i], `<span class="speech-label">Transcript</span>`) {
			t.Errorf("the page does not show %q as a transcript", words)
		}
	}
}

// TestVoiceWeChatAMRNotTaken: with an endpoint that does not take AMR
// (OpenAI's and Groq's hosted ones, or a bot file's speech.formats
// without amr), a WeChat voice without Recognition is answered "please
// write" with a person's button, nothing is sent to the transcriber, and
// the inbox says why; with Recognition it is still understood.
func TestVoiceWeChatAMRNotTaken(t *testing.T) {
	fake := speechFake(t)
	fake.Say("我想要天顶台灯", "chinese")
	noAMR := func(cfg string) string {
		return strings.Replace(cfg, "timeout: 10s }", "timeout: 10s, formats: [ogg, mp3] }", 1)
	}
	s := startWXShopWith(t, wxOptions{edits: []func(string) string{withSpeech(fake, "10s"), noAMR}})
	amr := audioFixture(t, "voice.amr")
	s.api.AddMedia("VM-AMR", wechattest.Media{ContentType: "audio/amr", Data: amr})
	c := &wxCustomer{s: s, openid: "o-voice-amr"}
	at, id := c.next()
	sent := c.send(wechattest.Push{CreateTime: at, MsgType: "voice", MediaID: "VM-AMR", Format: "amr", Recognition: "有欧若拉床头灯吗", MsgID: id})
	if !wxMenuHas(t, s, sent, "LAMP-01") {
		t.Fatalf("with Recognition: %s; want the Aurore lamp", wxDump(sent))
	}
	at, id = c.next()
	sent = c.send(wechattest.Push{CreateTime: at, MsgType: "voice", MediaID: "VM-AMR", Format: "amr", MsgID: id})
	if !strings.Contains(wxText(sent), "我无法收听这种类型的文件") || !wxMenuHas(t, s, sent, "human") {
		t.Fatalf("AMR to an endpoint that does not take it: %s; want the refusal with a person's button", wxDump(sent))
	}
	if n := len(fake.Calls()); n != 0 {
		t.Fatalf("%d transcription calls; AMR must not be sent to an endpoint that does not take it", n)
	}
	conv, err := s.m.DB.FindConversation(context.Background(), "maison-lumiere", concierge.ChannelWeChat, "o-voice-amr")
	if err != nil {
		t.Fatal(err)
	}
	if page := conversationPage(t, &shop{t: t, m: s.m, base: s.base, logs: s.logs}, conv.ID); !strings.Contains(page, "Not transcribed: not an audio file the transcriber takes") {
		t.Errorf("the inbox does not say why the voice was not transcribed")
	}
}

// wxMenuHas reports whether a menu message of sent has an item whose
// value holds part.
func wxMenuHas(t *testing.T, s *wxShop, sent []wechattest.Sent, part string) bool {
	t.Helper()
	for _, m := range sent {
		if m.MsgMenu == nil {
			continue
		}
		for _, it := range m.MsgMenu.List {
			if v, err := s.m.DB.ButtonValue(context.Background(), "maison-lumiere", it.ID); err == nil && strings.Contains(v, part) {
				return true
			}
		}
	}
	return false
}

// TestVoiceLLMTelegram: with the LLM brain, a heard voice note is planned
// like a typed message (the model searches the Aurore lamp and its card
// is shown), and an unheard one never reaches the model: the customer is
// asked to write.
func TestVoiceLLMTelegram(t *testing.T) {
	speechSrv := speechFake(t)
	f := newOrgModel(t, nil)
	f.script = func(req openai.ChatCompletionRequest) (int, any) {
		user, res := turn(req)
		switch {
		case strings.Contains(user, "lampe de chevet Aurore") && len(res) == 0:
			return calls(call("search_products", `{"query":"Aurore"}`))
		case strings.Contains(user, "lampe de chevet Aurore"):
			return say("Voici la lampe de chevet Aurore.")
		}
		return unscripted(t, req)
	}
	fake := newTelegramFake(t)
	cfg := rewrite(t, sampleBot(t), map[string]string{
		"channels:\n  web: { enabled: true }":     fmt.Sprintf("channels:\n  telegram: { token: %q, secret_token: %q, api_endpoint: %q, mode: webhook }", tgToken, tgSecret, fake.URL),
		"payments:\n  sandbox: { enabled: true }": "payments:\n  telegram: { provider_token: \"284685063:TEST:provider\" }",
		"kind: rules ":                    "kind: llm   ",
		`    api_key: "${LLM_API_KEY:-}"`: "    api_key: \"${LLM_API_KEY:-}\"\n    organization: " + llmOrg + "\n    headers: { X-Gateway: shop-1 }",
	})
	cfg = withSpeech(speechSrv, "10s")(cfg)
	sh := runLLMShop(t, f, cfg, func(m *Main) { m.TelegramLimits = tgTestLimits() })
	s := &tgShop{shop: sh, fake: fake}
	s.nextID.Store(500000)
	ogg := audioFixture(t, "voice.ogg")
	s.fake.AddFile("LLM-VOICE", telegramtest.File{ContentType: "audio/ogg", Data: ogg})
	s.fake.AddFile("LLM-PDF", telegramtest.File{ContentType: "audio/ogg", Data: []byte("%PDF-1.7")})

	speechSrv.Say("Je voudrais la lampe de chevet Aurore", "french")
	c := s.customer("fr")
	found := c.voice("LLM-VOICE", len(ogg))
	if v := tgValues(t, s, found); !strings.Contains(v, "LAMP-01") {
		t.Fatalf("after the voice note (values %s): %s; want the Aurore lamp's card", v, dumpCalls(found))
	}
	refused := c.voice("LLM-PDF", 8)
	if !strings.Contains(dumpCalls(refused), "Je ne sais pas écouter ce type de fichier.") {
		t.Fatalf("a PDF as a voice note: %s; want the refusal", dumpCalls(refused))
	}
}

// TestTrainingVoiceNote: a voice note of a past hand-off is a line of the
// training case copied from it: the trainee's page shows its transcript,
// anonymised, labelled as one, with a note that the audio is not copied.
func TestTrainingVoiceNote(t *testing.T) {
	fake := speechFake(t)
	fake.Say("Avez-vous la lampe de chevet Aurore ? Je m'appelle Claire Dubois", "french")
	s := startTelegramShop(t, "webhook", withSpeech(fake, "10s"))
	s.addPerson("sue", concierge.RoleSupervisor, 3)
	s.addPerson("tom", concierge.RoleAgent, 3)
	ogg := audioFixture(t, "voice.ogg")
	s.fake.AddFile("VOICE-T", telegramtest.File{ContentType: "audio/ogg", Data: ogg})
	c := s.customer("fr")
	if calls := c.voice("VOICE-T", len(ogg)); !hasValue(c.values(calls), "LAMP-01") {
		t.Fatalf("after the voice note: %s; want the Aurore lamp's card", dumpCalls(calls))
	}
	c.say("I want to talk to a human")
	conv, err := s.m.DB.FindConversation(context.Background(), tgBot, concierge.ChannelTelegram, concierge.ChatID(fmt.Sprint(c.id)))
	if err != nil || conv.State != concierge.StateWaiting {
		t.Fatalf("conversation %+v, %v; want it waiting for a person", conv, err)
	}
	sue := s.person("sue")
	sue.signIn()
	real := fmt.Sprintf("/inbox/c/%d", conv.ID)
	sue.mustPost(real+"/claim", nil)
	sue.mustPost(real+"/handback", nil)

	page := assignTraining(t, s.shop, sue, conv.ID, "tom")
	tom := s.person("tom")
	tom.signIn()
	view := tom.mustPost(page+"/start", nil)
	note := strings.Index(view, "voice note of the real case (the audio is not copied into training cases)")
	label := strings.Index(view, `<span class="speech-label">Transcript</span>`)
	words := strings.Index(view, "Avez-vous la lampe de chevet Aurore ? Je m&#39;appelle ")
	if note < 0 || label < note || words < label {
		t.Fatalf("the training page lacks the voice note's transcript under its note (note %d, label %d, text %d):\n%s", note, label, words, view)
	}
	if strings.Contains(view, "Claire") || strings.Contains(view, "Dubois") {
		t.Errorf("the transcript was not anonymised:\n%s", view)
	}
}

package whatsapp

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// golden compares got (as indented JSON) with testdata/golden/name, or
// rewrites it with -update.
func golden(t *testing.T, name string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", "golden", name)
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("%s differs from the golden file:\ngot:\n%s\nwant:\n%s", name, b, want)
	}
}

// TestDecodeFixtures decodes every shared inbound payload; the golden
// files hold the events, which is the contract with the rest of Concierge.
func TestDecodeFixtures(t *testing.T) {
	tests := []struct {
		file string
		kind concierge.EventKind
	}{
		{"message_text.json", concierge.EventText},
		{"interactive_button_reply.json", concierge.EventButton},
		{"interactive_list_reply.json", concierge.EventButton},
		{"template_quick_reply_button.json", concierge.EventButton},
		{"message_image.json", concierge.EventMedia},
		{"message_order.json", concierge.EventMedia},
		{"status_sent.json", concierge.EventStatus},
		{"status_delivered.json", concierge.EventStatus},
		{"status_read.json", concierge.EventStatus},
		{"status_failed.json", concierge.EventStatus},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			items, err := Decode(readFile(t, tt.file), testNow)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 1 || items[0].Event.Kind != tt.kind || items[0].PhoneNumberID != "1122334455667" {
				t.Fatalf("items %+v", items)
			}
			ev := items[0].Event
			if ev.Channel != concierge.ChannelWhatsApp || ev.DedupeKey == "" || ev.Time.IsZero() {
				t.Fatalf("event %+v", ev)
			}
			golden(t, "decode_"+tt.file, items)
		})
	}
}

// TestDecodeBatch: one notification may carry several entries, changes,
// messages and statuses; every one becomes an item, in time order.
func TestDecodeBatch(t *testing.T) {
	body := `{"object":"whatsapp_business_account","entry":[
	 {"id":"A","changes":[
	  {"field":"messages","value":{"metadata":{"phone_number_id":"111"},"contacts":[{"profile":{"name":"Ann"},"wa_id":"331"}],
	   "messages":[{"from":"331","id":"wamid.2","timestamp":"1700000002","type":"text","text":{"body":"second"}},
	               {"from":"331","id":"wamid.1","timestamp":"1700000001","type":"text","text":{"body":"first"}}],
	   "statuses":[{"id":"wamid.out","status":"read","timestamp":"1700000003","recipient_id":"331"}]}},
	  {"field":"message_template_status_update","value":{"event":"APPROVED"}}]},
	 {"id":"B","changes":[
	  {"field":"messages","value":{"metadata":{"phone_number_id":"222"},
	   "messages":[{"from":"442","id":"wamid.3","timestamp":"1700000004","type":"location","location":{"latitude":48.85,"longitude":2.35,"name":"Louvre"}},
	               {"from":"442","id":"wamid.4","timestamp":"1700000005","type":"reaction","reaction":{"emoji":"👍","message_id":"wamid.x"}},
	               {"from":"442","id":"wamid.5","timestamp":"1700000006","type":"sticker","sticker":{"id":"9"}},
	               {"from":"442","id":"wamid.6","timestamp":"1700000007","type":"unsupported"}]}}]}]}`
	items, err := Decode([]byte(body), testNow)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.PhoneNumberID+" "+string(it.Event.Kind)+" "+it.Event.DedupeKey+" "+it.Event.Text+it.Event.Value)
	}
	want := []string{
		"111 text wamid.1 first",
		"111 text wamid.2 second",
		"111 status wamid.out/read read",
		"222 location wamid.3 Louvre48.85,2.35",
		"222 media wamid.5 sticker:9",
		"222 media wamid.6 unsupported:unsupported",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if items[0].Event.UserName != "Ann" {
		t.Fatalf("user name %q", items[0].Event.UserName)
	}
}

func TestDecodeRefuses(t *testing.T) {
	for _, tt := range []struct{ name, body string }{
		{"not JSON", `hello`},
		{"valid JSON, not WhatsApp", `{"update_id":1,"message":{"text":"hi"}}`},
		{"another Meta object", `{"object":"page","entry":[]}`},
		{"an array", `[1,2,3]`},
		{"too large", `{"object":"whatsapp_business_account","x":"` + strings.Repeat("a", MaxBodyBytes) + `"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			items, err := Decode([]byte(tt.body), testNow)
			if concierge.ErrorCode(err) != concierge.CodeInvalid {
				t.Fatalf("Decode = %+v, %v; want invalid", items, err)
			}
		})
	}
	// Harmless oddities give no item, and no error.
	for _, body := range []string{
		`{"object":"whatsapp_business_account"}`,
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{}}]}]}`,
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"messages":[{"from":"","id":"","type":"text"}],"statuses":[{"id":"w","status":"deleted"}]}}]}]}`,
	} {
		if items, err := Decode([]byte(body), testNow); err != nil || len(items) != 0 {
			t.Errorf("Decode(%s) = %+v, %v", body, items, err)
		}
	}
}

// TestSignatureVector checks the shared synthetic vector, computed over the
// exact bytes of message_text.json.
func TestSignatureVector(t *testing.T) {
	var v struct {
		AppSecret   string `json:"app_secret"`
		HeaderValue string `json:"header_value"`
	}
	if err := json.Unmarshal(readFile(t, "signature_example.json"), &v); err != nil {
		t.Fatal(err)
	}
	body := readFile(t, "message_text.json")
	if err := verifySignature(v.AppSecret, v.HeaderValue, body); err != nil {
		t.Fatalf("vector: %v", err)
	}
	if Sign(v.AppSecret, body) != v.HeaderValue {
		t.Fatal("Sign disagrees with the vector")
	}
	compact := new(bytes.Buffer)
	json.Compact(compact, body)
	for name, c := range map[string]struct {
		header string
		body   []byte
	}{
		"re-serialised body": {v.HeaderValue, compact.Bytes()},
		"other secret":       {Sign("other", body), body},
		"no prefix":          {strings.TrimPrefix(v.HeaderValue, "sha256="), body},
		"sha1":               {"sha1=" + strings.TrimPrefix(v.HeaderValue, "sha256="), body},
		"not hex":            {"sha256=zz", body},
		"empty":              {"", body},
	} {
		if err := verifySignature(v.AppSecret, c.header, c.body); concierge.ErrorCode(err) != concierge.CodeUnauthorized {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestChallenge(t *testing.T) {
	var v struct {
		Query    map[string]string `json:"query"`
		Expected struct {
			Body string `json:"body"`
		} `json:"expected_response"`
	}
	json.Unmarshal(readFile(t, "verification_get_request.json"), &v)
	q := url.Values{}
	for k, x := range v.Query {
		q.Set(k, x)
	}
	got, err := challenge("my-verify-token", q)
	if err != nil || got != v.Expected.Body {
		t.Fatalf("challenge = %q, %v", got, err)
	}
	if _, err := challenge("another-token", q); concierge.ErrorCode(err) != concierge.CodeUnauthorized {
		t.Fatalf("wrong token: %v", err)
	}
	q.Set("hub.mode", "unsubscribe")
	if _, err := challenge("my-verify-token", q); concierge.ErrorCode(err) != concierge.CodeUnauthorized {
		t.Fatalf("wrong mode: %v", err)
	}
}

// FuzzDecode: whatever the body, Decode never panics, and every item it
// returns is addressable and de-duplicable.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		b, _ := os.ReadFile(name)
		f.Add(b)
	}
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"messages":[{"from":"1","id":"w","type":"interactive","interactive":{"type":"button_reply"}}]}}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := Decode(body, testNow)
		if err != nil {
			if concierge.ErrorCode(err) != concierge.CodeInvalid {
				t.Fatalf("error of code %s: %v", concierge.ErrorCode(err), err)
			}
			return
		}
		for _, it := range items {
			ev := it.Event
			if it.PhoneNumberID == "" || ev.Chat == "" && ev.Kind != concierge.EventStatus || ev.DedupeKey == "" || ev.Kind == "" {
				t.Fatalf("incomplete item %+v", it)
			}
			if ev.Kind == concierge.EventButton && ev.Value == "" {
				t.Fatalf("button without value %+v", ev)
			}
			if strings.ContainsRune(ev.Text+ev.Value+ev.UserName, 0) {
				t.Fatalf("NUL kept in %+v", ev)
			}
		}
	})
}

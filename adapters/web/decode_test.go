package web

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

const session = "3f2a9c81d4e64b7f9a0c2e5d8b1f4a6c"

func TestDecode(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	long := strings.Repeat("é", MaxTextRunes)
	var skus []string
	for i := range 20 {
		skus = append(skus, fmt.Sprintf("%02d", i)+strings.Repeat("X", 62))
	}
	longPage := "page:4:" + strings.Join(skus, ",")
	tests := []struct {
		name    string
		body    string
		want    concierge.Event // Bot, Channel, User, Time and Raw are checked apart
		wantErr string          // a part of the error message; "" means no error
	}{
		{
			name: "text",
			body: `{"session":"` + session + `","id":"m1","text":"  je cherche une lampe de bureau \n","locale":"fr"}`,
			want: concierge.Event{Kind: concierge.EventText, Chat: session, DedupeKey: string(session) + "/" + "m1", Locale: "fr", Text: "je cherche une lampe de bureau"},
		},
		{
			name: "button",
			body: `{"session":"` + session + `","id":"m-2","text":"Ajouter au panier","value":"add:LAMP-01"}`,
			want: concierge.Event{Kind: concierge.EventButton, Chat: session, DedupeKey: string(session) + "/" + "m-2", Text: "Ajouter au panier", Value: "add:LAMP-01"},
		},
		{
			name: "button without label",
			body: `{"session":"` + session + `","id":"m3","value":"cart"}`,
			want: concierge.Event{Kind: concierge.EventButton, Chat: session, DedupeKey: string(session) + "/" + "m3", Value: "cart"},
		},
		{
			name: "HTML is kept verbatim",
			body: `{"session":"` + session + `","id":"x","text":"<script>alert(1)</script><b>hi</b>"}`,
			want: concierge.Event{Kind: concierge.EventText, Chat: session, DedupeKey: string(session) + "/" + "x", Text: "<script>alert(1)</script><b>hi</b>"},
		},
		{
			name: "SQL is kept verbatim",
			body: `{"session":"` + session + `","id":"x","text":"'; DROP TABLE orders; --"}`,
			want: concierge.Event{Kind: concierge.EventText, Chat: session, DedupeKey: string(session) + "/" + "x", Text: "'; DROP TABLE orders; --"},
		},
		{
			name: "chinese and emoji, unknown fields ignored",
			body: `{"session":"` + session + `","id":"x","text":"我想买台灯 💡","locale":"zh","client":"v2"}`,
			want: concierge.Event{Kind: concierge.EventText, Chat: session, DedupeKey: string(session) + "/" + "x", Locale: "zh", Text: "我想买台灯 💡"},
		},
		{
			name: "text at the limit",
			body: `{"session":"` + session + `","id":"x","text":"` + long + `"}`,
			want: concierge.Event{Kind: concierge.EventText, Chat: session, DedupeKey: string(session) + "/" + "x", Text: long},
		},
		{
			name: "shortest session, longest id",
			body: `{"session":"abcdefgh_-345678","id":"` + strings.Repeat("a", 64) + `","text":"hi"}`,
			want: concierge.Event{Kind: concierge.EventText, Chat: "abcdefgh_-345678", DedupeKey: string("abcdefgh_-345678") + "/" + strings.Repeat("a", 64), Text: "hi"},
		},
		{
			// A pager button of the longest list the agent pages: 20
			// SKUs of 64 bytes.
			name: "page of the longest list",
			body: `{"session":"` + session + `","id":"p","text":"Next ›","value":"` + longPage + `"}`,
			want: concierge.Event{Kind: concierge.EventButton, Chat: session, DedupeKey: string(session) + "/" + "p", Text: "Next ›", Value: longPage},
		},
		{name: "text over the limit", body: `{"session":"` + session + `","id":"x","text":"` + long + `a"}`, wantErr: "the limit is 4000"},
		{name: "value over the limit", body: `{"session":"` + session + `","id":"x","value":"` + strings.Repeat("v", MaxValueBytes+1) + `"}`, wantErr: "value is longer"},
		{name: "body over the limit", body: `{"session":"` + session + `","id":"x","text":"` + strings.Repeat(" ", MaxBodyBytes) + `hi"}`, wantErr: "body is larger"},
		{name: "empty body", body: ``, wantErr: "not a JSON object"},
		{name: "malformed JSON", body: `{"session":"` + session + `",`, wantErr: "not a JSON object"},
		{name: "JSON array", body: `[1,2]`, wantErr: "not a JSON object"},
		{name: "trailing garbage", body: `{"session":"` + session + `","id":"x","text":"hi"} x`, wantErr: "not a JSON object"},
		{name: "wrong type", body: `{"session":"` + session + `","id":7,"text":"hi"}`, wantErr: "not a JSON object"},
		{name: "null", body: `null`, wantErr: "session must be"},
		{name: "no session", body: `{"id":"x","text":"hi"}`, wantErr: "session must be"},
		{name: "short session", body: `{"session":"abc123","id":"x","text":"hi"}`, wantErr: "session must be"},
		{name: "long session", body: `{"session":"` + strings.Repeat("a", 65) + `","id":"x","text":"hi"}`, wantErr: "session must be"},
		{name: "session with a slash", body: `{"session":"../../etc/passwd/xx","id":"x","text":"hi"}`, wantErr: "session must be"},
		{name: "session with a space", body: `{"session":"abcdefgh 12345678","id":"x","text":"hi"}`, wantErr: "session must be"},
		{name: "no id", body: `{"session":"` + session + `","text":"hi"}`, wantErr: "id must be"},
		{name: "long id", body: `{"session":"` + session + `","id":"` + strings.Repeat("a", 65) + `","text":"hi"}`, wantErr: "id must be"},
		{name: "id with a quote", body: `{"session":"` + session + `","id":"a'b","text":"hi"}`, wantErr: "id must be"},
		{name: "no text nor value", body: `{"session":"` + session + `","id":"x"}`, wantErr: "text or value is required"},
		{name: "blank text", body: `{"session":"` + session + `","id":"x","text":" \n\t "}`, wantErr: "text or value is required"},
		{name: "NUL in text", body: `{"session":"` + session + `","id":"x","text":"a\u0000b"}`, wantErr: "NUL"},
		{name: "region in locale", body: `{"session":"` + session + `","id":"x","text":"hi","locale":"fr-FR"}`, wantErr: "locale must be"},
		{name: "uppercase locale", body: `{"session":"` + session + `","id":"x","text":"hi","locale":"FR"}`, wantErr: "locale must be"},
		{name: "long locale", body: `{"session":"` + session + `","id":"x","text":"hi","locale":"fren"}`, wantErr: "locale must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode("maison-lumiere", []byte(tt.body), now)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("Decode = %+v, want an error containing %q", got, tt.wantErr)
				}
				var e *concierge.Error
				if !errors.As(err, &e) || e.Code != concierge.CodeInvalid {
					t.Fatalf("error %v (%T) is not a CodeInvalid *concierge.Error", err, err)
				}
				if !strings.Contains(e.Message, tt.wantErr) {
					t.Fatalf("error message %q does not contain %q", e.Message, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got.Bot != "maison-lumiere" || got.Channel != concierge.ChannelWeb || got.User != string(got.Chat) || !got.Time.Equal(now) || string(got.Raw) != tt.body {
				t.Errorf("addressing: bot %q channel %q chat %q user %q time %v raw %d bytes", got.Bot, got.Channel, got.Chat, got.User, got.Time, len(got.Raw))
			}
			got.Bot, got.Channel, got.User, got.Time, got.Raw = "", "", "", time.Time{}, nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Decode =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		query   string
		want    Query
		wantErr bool
	}{
		{query: "session=" + session, want: Query{Chat: session}},
		{query: "session=" + session + "&after=42", want: Query{Chat: session, After: 42}},
		{query: "session=" + session + "&after=", want: Query{Chat: session}},
		{query: "", wantErr: true},
		{query: "session=short", wantErr: true},
		{query: "session=" + session + "&after=-1", wantErr: true},
		{query: "session=" + session + "&after=1e3", wantErr: true},
		{query: "session=" + session + "&after=99999999999999999999", wantErr: true},
	}
	for _, tt := range tests {
		q, err := url.ParseQuery(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseQuery(q)
		if tt.wantErr {
			if concierge.ErrorCode(err) != concierge.CodeInvalid {
				t.Errorf("ParseQuery(%q) = %+v, %v; want a CodeInvalid error", tt.query, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseQuery(%q) = %+v, %v; want %+v", tt.query, got, err, tt.want)
		}
	}
}

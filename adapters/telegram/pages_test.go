package telegram_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/telegram"
	"github.com/conciergehq/concierge/adapters/telegram/telegramtest"
)

// page is page n of a list of three pages of two products.
func page(n int) concierge.Message {
	skus := []string{"LAMP-01", "LAMP-02", "LAMP-03", "LAMP-04", "LAMP-05", "LAMP-06"}
	m := concierge.Message{Kind: concierge.MessageCards, Text: "J'ai trouvé 6 produits :",
		Pager: &concierge.Pager{Page: n, Pages: 3, Offset: (n - 1) * 2}}
	for _, s := range skus[(n-1)*2 : n*2] {
		m.Cards = append(m.Cards, card(s, "Lampe "+s, "49,00 €", 4900, ""))
	}
	list := "LAMP-01,LAMP-02,LAMP-03,LAMP-04,LAMP-05,LAMP-06"
	if n > 1 {
		m.Pager.Prev = &concierge.Button{Label: "‹ Précédents", Value: "page:" + strconv.Itoa(n-1) + ":" + list}
	}
	if n < 3 {
		m.Pager.Next = &concierge.Button{Label: "Suivants ›", Value: "page:" + strconv.Itoa(n+1) + ":" + list}
	}
	return m
}

// TestSendReplaces: a message that replaces another is an edit of it;
// an edit to the same content is done; a message Telegram will not edit
// (too old, deleted, a photo) is sent as new; other errors go back to the
// outbox to retry, sending nothing new.
func TestSendReplaces(t *testing.T) {
	const chat = "31"
	tests := []struct {
		name    string
		prepare func(fake *telegramtest.Server, list int) (ref string)
		want    []string // the methods called after the list was sent
		edited  bool     // the list now shows page 2
		wantErr bool
	}{
		{"edit", func(_ *telegramtest.Server, list int) string { return strconv.Itoa(list) },
			[]string{"editMessageText"}, true, false},
		{"not modified", func(fake *telegramtest.Server, list int) string {
			// The same page shown already: a second press of the same
			// button, or a retry after an edit whose answer was lost.
			fake.Fail("editMessageText", http.StatusBadRequest, 0, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a content and reply markup of the current message")
			return strconv.Itoa(list)
		}, []string{"editMessageText"}, false, false},
		{"too old", func(fake *telegramtest.Server, list int) string {
			fake.Fail("editMessageText", http.StatusBadRequest, 0, "Bad Request: message can't be edited")
			return strconv.Itoa(list)
		}, []string{"editMessageText", "sendMessage"}, false, false},
		{"deleted", func(*telegramtest.Server, int) string { return "999999" },
			[]string{"editMessageText", "sendMessage"}, false, false},
		{"not a message id", func(*telegramtest.Server, int) string { return "wamid.HBg" },
			[]string{"sendMessage"}, false, false},
		{"server error", func(fake *telegramtest.Server, list int) string {
			fake.Fail("editMessageText", http.StatusInternalServerError, 0, "Internal Server Error")
			return strconv.Itoa(list)
		}, []string{"editMessageText"}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			a, fake, toks := newAdapter(t)
			if err := a.Send(ctx, out(chat, page(1))); err != nil {
				t.Fatal(err)
			}
			list := fake.Calls("sendMessage")[0].MessageID
			before, _ := fake.Message(31, list)
			n := len(fake.Calls())
			m := page(2)
			m.Replaces = tt.prepare(fake, list)
			err := a.Send(ctx, out(chat, m))
			if (err != nil) != tt.wantErr || errors.Is(err, concierge.ErrUndeliverable) {
				t.Fatalf("send: %v, want error %v", err, tt.wantErr)
			}
			var got []string
			for _, c := range fake.Calls()[n:] {
				got = append(got, c.Method)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("calls %v, want %v", got, tt.want)
			}
			now, _ := fake.Message(31, list)
			if tt.edited {
				edit := fake.Calls()[n]
				if edit.Params.Get("message_id") != strconv.Itoa(list) || edit.Chat() != 31 || now.Edits != 1 {
					t.Fatalf("edit %v of message %d (edits %d)", edit.Params, list, now.Edits)
				}
				for _, want := range []string{"3. Lampe LAMP-03", "4. Lampe LAMP-04", "2/3"} {
					if !strings.Contains(edit.Text(), want) {
						t.Errorf("page 2 reads %q; want %q", edit.Text(), want)
					}
				}
			} else if now.Text != before.Text || now.Markup != before.Markup {
				t.Errorf("the list changed to %q", now.Text)
			}
			if got[len(got)-1] == "sendMessage" && !strings.Contains(fake.Calls()[len(fake.Calls())-1].Text(), "3. Lampe LAMP-03") {
				t.Errorf("the new message reads %q, want page 2", fake.Calls()[len(fake.Calls())-1].Text())
			}
			// Every button of what the customer sees resolves: the
			// products' and the pages'.
			last := fake.Calls()[len(fake.Calls())-1]
			var values []string
			for _, b := range last.Buttons() {
				v, err := toks.ButtonValue(ctx, "shop", b.CallbackData)
				if err != nil {
					t.Fatalf("button %q: %v", b.Text, err)
				}
				values = append(values, v)
			}
			if vs := strings.Join(values, " "); !tt.wantErr && (!strings.Contains(vs, "add:LAMP-03") || !strings.Contains(vs, "page:1:") || !strings.Contains(vs, "page:3:")) {
				t.Errorf("buttons of page 2: %s", vs)
			}
		})
	}
}

// TestEditNotModified: the fake Bot API refuses an edit to identical
// content as Telegram does, and the adapter takes it as done.
func TestEditNotModified(t *testing.T) {
	ctx := context.Background()
	a, fake, _ := newAdapter(t)
	if err := a.Send(ctx, out("32", page(1))); err != nil {
		t.Fatal(err)
	}
	list := fake.Calls("sendMessage")[0].MessageID
	m := page(2)
	m.Replaces = strconv.Itoa(list)
	for i := range 2 {
		if err := a.Send(ctx, out("32", m)); err != nil {
			t.Fatalf("edit %d: %v", i+1, err)
		}
	}
	if n, s := len(fake.Calls("editMessageText")), len(fake.Calls("sendMessage")); n != 2 || s != 1 {
		t.Fatalf("%d edits and %d sends, want 2 and 1", n, s)
	}
	if msg, _ := fake.Message(32, list); msg.Edits != 1 {
		t.Errorf("message edited %d times, want 1 (the second was not modified)", msg.Edits)
	}
}

// TestEncodeEdit: only a message that renders as one text can be an
// edit.
func TestEncodeEdit(t *testing.T) {
	photo := concierge.Message{Kind: concierge.MessageCards, Cards: []concierge.Card{card("LAMP-01", "Aurore", "49,00 €", 4900, "https://example.com/a.jpg")}}
	long := concierge.Message{Kind: concierge.MessageText, Text: strings.Repeat("lampe ", 1000)}
	for _, tt := range []struct {
		name string
		m    concierge.Message
		ok   bool
	}{
		{"page", page(3), true},
		{"text", concierge.Message{Kind: concierge.MessageText, Text: "Bonjour"}, true},
		{"photo", photo, false},
		{"split text", long, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, toks, ok := telegram.EncodeEdit("shop", 5, 77, &tt.m)
			if ok != tt.ok {
				t.Fatalf("ok %v, want %v", ok, tt.ok)
			}
			if ok && (e.ChatID != 5 || e.MessageID != 77 || e.Text == "" || (tt.m.Pager != nil && (e.ReplyMarkup == nil || len(toks) == 0))) {
				t.Errorf("edit %+v, tokens %v", e, toks)
			}
		})
	}
}

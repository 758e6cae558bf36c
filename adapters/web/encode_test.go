package web

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

func TestWriteSSE(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	e := Entry{Seq: 12, From: FromBot, At: at, Message: concierge.Message{Kind: concierge.MessageText, Text: "ligne 1\nligne 2 <b>"}}
	if err := WriteSSE(&b, e); err != nil {
		t.Fatal(err)
	}
	want := "event: message\nid: 12\ndata: " +
		`{"seq":12,"from":"bot","message":{"kind":"text","text":"ligne 1\nligne 2 \u003cb\u003e"},"at":"2026-03-01T10:00:00Z"}` +
		"\n\n"
	if b.String() != want {
		t.Fatalf("WriteSSE wrote\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	if err := WritePing(&b); err != nil || b.String() != ": ping\n\n" {
		t.Fatalf("WritePing wrote %q, %v", b.String(), err)
	}
}

func TestEntries(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	ev := &concierge.Event{Kind: concierge.EventButton, Text: "Ajouter", Value: "add:LAMP-01", DedupeKey: "c1", Time: at}
	got := EventEntry(5, ev)
	want := Entry{Seq: 5, From: FromCustomer, Message: concierge.Message{Kind: concierge.MessageText, Text: "Ajouter"}, At: at, ID: "c1"}
	if got.Seq != want.Seq || got.From != want.From || got.Message.Kind != want.Message.Kind || got.Message.Text != want.Message.Text || !got.At.Equal(at) || got.ID != "c1" {
		t.Errorf("EventEntry = %+v, want %+v", got, want)
	}
	out := &concierge.Outbound{Seq: 6, Message: concierge.Message{Kind: concierge.MessageHandoff, Text: "Un conseiller arrive"}}
	if e := OutboundEntry(out, at); e.Seq != 6 || e.From != FromBot || e.Message.Kind != concierge.MessageHandoff || !e.At.Equal(at) || e.ID != "" {
		t.Errorf("OutboundEntry = %+v", e)
	}
}

func TestHistoryJSON(t *testing.T) {
	for _, tt := range []struct {
		h    History
		want string
	}{
		{History{}, `{"messages":[]}`},
		{History{Messages: []Entry{{Seq: 1, From: FromCustomer, Message: concierge.Message{Kind: "text", Text: "hi"}, ID: "c1", At: time.Unix(0, 0).UTC()}}},
			`{"messages":[{"seq":1,"from":"customer","message":{"kind":"text","text":"hi"},"at":"1970-01-01T00:00:00Z","id":"c1"}]}`},
	} {
		got, err := json.Marshal(tt.h)
		if err != nil || string(got) != tt.want {
			t.Errorf("json.Marshal(History) = %s, %v; want %s", got, err, tt.want)
		}
	}
	if got, _ := json.Marshal(Ack{Accepted: true}); string(got) != `{"accepted":true,"duplicate":false}` {
		t.Errorf("Ack = %s", got)
	}
}

// TestEntryCarriesPager: a page of cards reaches the widget with its
// pager (the indicator's numbers and both buttons, which the widget
// renders under the cards) in the event stream and in the history.
func TestEntryCarriesPager(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	m := concierge.Message{Kind: concierge.MessageCards, Text: "J'ai trouvé 16 produits :",
		Cards: []concierge.Card{{SKU: "LAMP-06", Title: "Série 6"}},
		Pager: &concierge.Pager{Page: 2, Pages: 4, Offset: 5,
			Prev: &concierge.Button{Label: "‹ Précédents", Value: "page:1:LAMP-01,LAMP-06"},
			Next: &concierge.Button{Label: "Suivants ›", Value: "page:3:LAMP-01,LAMP-06"}},
		Replaces: "77"}
	e := OutboundEntry(&concierge.Outbound{Seq: 9, Message: m}, at)
	var b bytes.Buffer
	if err := WriteSSE(&b, e); err != nil {
		t.Fatal(err)
	}
	_, data, _ := bytes.Cut(b.Bytes(), []byte("data: "))
	var got Entry
	if err := json.Unmarshal(bytes.TrimSpace(data), &got); err != nil {
		t.Fatalf("event data %s: %v", data, err)
	}
	p := got.Message.Pager
	if p == nil || p.Page != 2 || p.Pages != 4 || p.Offset != 5 || p.Prev == nil || *p.Prev != *m.Pager.Prev || p.Next == nil || *p.Next != *m.Pager.Next {
		t.Fatalf("pager in the event = %+v", p)
	}
	h, err := json.Marshal(History{Messages: []Entry{e}})
	if err != nil || !bytes.Contains(h, []byte(`"pager":{"page":2,"pages":4,"offset":5,"prev":{"label":"‹ Précédents","value":"page:1:LAMP-01,LAMP-06"}`)) {
		t.Fatalf("history = %s, %v", h, err)
	}
}

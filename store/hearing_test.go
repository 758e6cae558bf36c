package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// TestVoiceNoteHoldsItsConversation: a voice note without words waits for
// the fetcher's hearing, and holds every later event of its conversation
// (turn batches and turn leases alike) while other conversations go on;
// the hearing, written with the fetch, hands the note to the turn runner
// with its transcript, in order. A captioned or recognised voice note, and
// a lost lease's late hearing, change nothing.
func TestVoiceNoteHoldsItsConversation(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		captioned := mediaEvent("a", "a2", "audio:A2")
		captioned.Text = "see the audio"
		recognised := mediaEvent("c", "c1", "voice:C1")
		recognised.Text, recognised.Speech = "有台灯吗", concierge.SpeechHeard
		if _, err := db.Ingest(ctx, []concierge.Event{
			textEvent("a", "t1", "hello"), mediaEvent("a", "v1", "voice:V1"), textEvent("a", "t2", "and a desk lamp"),
			textEvent("b", "t3", "other customer"), captioned, recognised,
		}); err != nil {
			t.Fatal(err)
		}
		if n, err := db.PendingInbound(ctx); err != nil || n != 6 {
			t.Fatalf("pending inbound = %d, %v; want 6 (the voice note waiting counts)", n, err)
		}
		var seen []string
		turn := func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
			seen = append(seen, ev.DedupeKey+"/"+string(ev.Speech)+"/"+ev.Text)
			return nil
		}
		if _, _, err := db.RunTurns(ctx, 100, turn, nil); err != nil {
			t.Fatal(err)
		}
		if want := []string{"t1//hello", "t3//other customer", "c1/heard/有台灯吗"}; !slices.Equal(seen, want) {
			t.Fatalf("first batch = %q, want %q (t2 and a2 wait behind the voice note)", seen, want)
		}
		// The planned (LLM) runner leaves the held conversation alone too.
		l, err := db.LeaseTurn(ctx, []concierge.BotID{"shop"}, time.Minute, turn)
		if err != nil || l != nil {
			t.Fatalf("lease = %+v, %v; want nothing while the voice note is heard", l, err)
		}

		jobs, err := db.ClaimMedia(ctx, []concierge.BotID{"shop"}, 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		hear := map[string]bool{}
		for _, j := range jobs {
			hear[j.Ref] = j.Hear
		}
		if len(jobs) != 3 || !hear["V1"] || hear["A2"] || hear["C1"] {
			t.Fatalf("jobs %+v; want V1 to hear, A2 and C1 not", jobs)
		}
		v1 := jobs[slices.IndexFunc(jobs, func(j store.MediaJob) bool { return j.Ref == "V1" })]
		stale := v1
		stale.Token = "someone-else"
		if ok, err := db.FinishMedia(ctx, &stale, store.MediaResult{Status: store.MediaFetched, Media: &concierge.Media{ContentType: "audio/ogg", Data: []byte("OggS")},
			Heard: &concierge.Hearing{Speech: concierge.SpeechHeard, Text: "wrong"}}); err != nil || ok {
			t.Fatalf("finish by a lost lease = %v, %v", ok, err)
		}
		seen = nil
		if _, _, err := db.RunTurns(ctx, 100, turn, nil); err != nil || len(seen) != 0 {
			t.Fatalf("after a lost lease's hearing the turns ran %q, %v", seen, err)
		}
		ogg := &concierge.Media{ContentType: "audio/ogg", Data: []byte("OggS voice")}
		if ok, err := db.FinishMedia(ctx, &v1, store.MediaResult{Status: store.MediaFetched, Media: ogg,
			Heard: &concierge.Hearing{Speech: concierge.SpeechHeard, Text: "une lampe de chevet", Locale: "fr"}}); err != nil || !ok {
			t.Fatalf("finish = %v, %v", ok, err)
		}
		var locale concierge.Locale
		turn = func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
			if ev.DedupeKey == "v1" {
				locale = ev.Locale
			}
			seen = append(seen, ev.DedupeKey+"/"+string(ev.Speech)+"/"+ev.Text)
			return nil
		}
		if _, _, err := db.RunTurns(ctx, 100, turn, nil); err != nil {
			t.Fatal(err)
		}
		if want := []string{"v1/heard/une lampe de chevet", "t2//and a desk lamp", "a2//see the audio"}; !slices.Equal(seen, want) {
			t.Fatalf("after the hearing = %q, want %q", seen, want)
		}
		if locale != "fr" {
			t.Fatalf("the heard event's locale = %q, want fr", locale)
		}
		if n, _ := db.PendingInbound(ctx); n != 0 {
			t.Fatalf("pending inbound = %d, want 0", n)
		}
	})
}

// TestVoiceNoteUnheard: a voice note that could not be heard is handed on
// with its reason and no words.
func TestVoiceNoteUnheard(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.Ingest(ctx, []concierge.Event{mediaEvent("a", "v1", "voice:V1")}); err != nil {
			t.Fatal(err)
		}
		jobs, err := db.ClaimMedia(ctx, []concierge.BotID{"shop"}, 10, time.Minute)
		if err != nil || len(jobs) != 1 || !jobs[0].Hear {
			t.Fatalf("jobs %+v, %v", jobs, err)
		}
		if ok, err := db.FinishMedia(ctx, &jobs[0], store.MediaResult{Status: store.MediaTooLarge, Error: "media too large",
			Heard: &concierge.Hearing{Speech: concierge.SpeechTooLarge, Error: "media too large"}}); err != nil || !ok {
			t.Fatalf("finish = %v, %v", ok, err)
		}
		var got []concierge.Event
		if _, _, err := db.RunTurns(ctx, 100, func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
			got = append(got, *ev)
			return nil
		}, nil); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Speech != concierge.SpeechTooLarge || got[0].Text != "" || got[0].Value != "voice:V1" {
			t.Fatalf("turns %+v; want the voice note, too large, without words", got)
		}
	})
}

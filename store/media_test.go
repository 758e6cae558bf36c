package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// mediaEvent is a customer's media message in chat with value v.
func mediaEvent(chat, key, v string) concierge.Event {
	ev := textEvent(chat, key, "")
	ev.Kind, ev.Value = concierge.EventMedia, v
	return ev
}

func TestParseMediaValue(t *testing.T) {
	for _, c := range []struct {
		in, kind, ref string
		ok            bool
	}{
		{"image:123456", "image", "123456", true},
		{"voice:AwACAgQ:extra", "voice", "AwACAgQ:extra", true},
		{"document:x", "document", "x", true},
		{"photo:AgACAgQAAxkBAAIB", "photo", "AgACAgQAAxkBAAIB", true}, // Telegram's words
		{"video_note:DQACAg", "video_note", "DQACAg", true},
		{"animation:CgACAg", "animation", "CgACAg", true},
		{"link:https://example.com/x", "", "", false}, // a WeChat link names no file
		{"unsupported:reaction", "", "", false},
		{"image", "", "", false},                  // WhatsApp media without an id
		{"image:", "", "", false},                 // no reference
		{"http://mmbiz.qpic.cn/x", "", "", false}, // a WeChat picture URL is no KIND:REF
		{"48.8566,2.3522", "", "", false},         // a location
		{"", "", "", false},
	} {
		kind, ref, ok := store.ParseMediaValue(c.in)
		if kind != c.kind || ref != c.ref || ok != c.ok {
			t.Errorf("ParseMediaValue(%q) = %q, %q, %v; want %q, %q, %v", c.in, kind, ref, ok, c.kind, c.ref, c.ok)
		}
	}
}

// TestMediaIngest: a media message naming a file gets a pending file in
// its own transaction; other messages and platform retries get none.
func TestMediaIngest(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		evs := []concierge.Event{
			mediaEvent("a", "m1", "image:IMG1"),
			mediaEvent("a", "m1", "image:IMG1"), // a retry
			mediaEvent("a", "m2", "http://mmbiz.qpic.cn/x"),
			mediaEvent("a", "m3", "voice:VOICE1"),
			textEvent("a", "t1", "image:not-a-media-message"),
		}
		if _, err := db.Ingest(ctx, evs); err != nil {
			t.Fatal(err)
		}
		conv, err := db.FindConversation(ctx, "shop", concierge.ChannelWeb, "a")
		if err != nil {
			t.Fatal(err)
		}
		ms, err := db.ConversationMedia(ctx, conv.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range ms {
			got = append(got, m.Kind+"/"+string(m.Status))
		}
		if want := []string{"image/pending", "voice/pending"}; !slices.Equal(got, want) {
			t.Fatalf("files = %v, want %v", got, want)
		}
		if n, _ := db.PendingMedia(ctx); n != 2 {
			t.Fatalf("pending media = %d, want 2", n)
		}
		// The inbox's transcript carries each file with its message.
		es, err := db.InboxTranscript(ctx, conv.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		with := 0
		for _, e := range es {
			if e.Media != nil {
				with++
				if e.Event == nil || !strings.HasSuffix(e.Event.Value, e.Media.Kind+":"+map[string]string{"image": "IMG1", "voice": "VOICE1"}[e.Media.Kind]) {
					t.Errorf("file %+v on message %+v", e.Media, e.Event)
				}
			}
		}
		if with != 2 {
			t.Fatalf("transcript entries with a file = %d, want 2", with)
		}
	})
}

// TestMediaClaimAndFinish: a claim leases due files of the bots asked
// for, so nobody else gets them until finished or the lease runs out; a
// retry waits for its time; each outcome is recorded.
func TestMediaClaimAndFinish(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Unix(1_800_000_000, 0)
		db.SetClock(func() time.Time { return now })
		bots := []concierge.BotID{"shop"}
		other := mediaEvent("z", "o1", "image:OTHER")
		other.Bot = "other"
		if _, err := db.Ingest(ctx, []concierge.Event{mediaEvent("a", "1", "image:A"), mediaEvent("a", "2", "document:B"),
			mediaEvent("a", "3", "video:C"), other}); err != nil {
			t.Fatal(err)
		}
		claim := func(limit int) []store.MediaJob {
			t.Helper()
			js, err := db.ClaimMedia(ctx, bots, limit, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			return js
		}
		refs := func(js []store.MediaJob) (out []string) {
			for _, j := range js {
				out = append(out, j.Ref)
			}
			return out
		}
		first := claim(2)
		if got := refs(first); !slices.Equal(got, []string{"A", "B"}) {
			t.Fatalf("first claim = %v, want [A B]", got)
		}
		if j := first[0]; j.Bot != "shop" || j.Channel != concierge.ChannelWeb || j.Kind != "image" || j.Attempts != 0 || j.Token == "" {
			t.Fatalf("job = %+v", j)
		}
		if got := refs(claim(10)); !slices.Equal(got, []string{"C"}) {
			t.Fatalf("second claim = %v, want [C] (A and B are leased, OTHER is another bot's)", got)
		}

		a, b := first[0], first[1]
		photo := &concierge.Media{ContentType: "image/jpeg", Name: "lamp.jpg", Data: []byte("\xff\xd8\xff jpeg bytes")}
		if ok, err := db.FinishMedia(ctx, &a, store.MediaResult{Status: store.MediaFetched, Media: photo}); err != nil || !ok {
			t.Fatalf("finish fetched = %v, %v", ok, err)
		}
		if ok, err := db.FinishMedia(ctx, &b, store.MediaResult{Status: store.MediaPending, Next: now.Add(30 * time.Second), Error: "HTTP 502"}); err != nil || !ok {
			t.Fatalf("finish retry = %v, %v", ok, err)
		}
		// A second finish with the same lease finds it released.
		if ok, err := db.FinishMedia(ctx, &a, store.MediaResult{Status: store.MediaGone}); err != nil || ok {
			t.Fatalf("finish after release = %v, %v; want false", ok, err)
		}
		info, data, err := db.MediaFile(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if info.Status != store.MediaFetched || info.ContentType != "image/jpeg" || info.Name != "lamp.jpg" ||
			info.Size != int64(len(photo.Data)) || string(data) != string(photo.Data) || info.Attempts != 1 || info.FetchedAt.IsZero() {
			t.Fatalf("fetched file = %+v, %q", info, data)
		}
		if len(claim(10)) != 0 {
			t.Fatal("B was claimed before its retry time")
		}
		now = now.Add(31 * time.Second)
		retry := claim(10)
		if got := refs(retry); !slices.Equal(got, []string{"B"}) || retry[0].Attempts != 1 {
			t.Fatalf("claim after the retry time = %+v, want B with one attempt", retry)
		}
		if ok, _ := db.FinishMedia(ctx, &retry[0], store.MediaResult{Status: store.MediaTooLarge, Error: "media too large"}); !ok {
			t.Fatal("finish too large: lease lost")
		}

		// C's lease runs out: another fetcher takes it, and the first
		// one's late answer changes nothing.
		now = now.Add(2 * time.Minute)
		taken := claim(10)
		if got := refs(taken); !slices.Equal(got, []string{"C"}) {
			t.Fatalf("claim after the lease = %v, want [C]", got)
		}
		stale := store.MediaJob{ID: taken[0].ID, Token: "someone-else"}
		if ok, err := db.FinishMedia(ctx, &stale, store.MediaResult{Status: store.MediaFetched, Media: photo}); err != nil || ok {
			t.Fatalf("finish by a lost lease = %v, %v; want false", ok, err)
		}
		if ok, _ := db.FinishMedia(ctx, &taken[0], store.MediaResult{Status: store.MediaGone, Error: "expired"}); !ok {
			t.Fatal("finish gone: lease lost")
		}

		conv, _ := db.FindConversation(ctx, "shop", concierge.ChannelWeb, "a")
		ms, err := db.ConversationMedia(ctx, conv.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range ms {
			got = append(got, fmt.Sprintf("%s/%s/%d/%s", m.Kind, m.Status, m.Attempts, m.Error))
		}
		want := []string{"image/fetched/1/", "document/too_large/2/media too large", "video/gone/1/expired"}
		if !slices.Equal(got, want) {
			t.Fatalf("files = %v, want %v", got, want)
		}
		if _, data, err := db.MediaFile(ctx, ms[1].ID); err != nil || data != nil {
			t.Fatalf("too large file's bytes = %q, %v; want none", data, err)
		}
		if _, _, err := db.MediaFile(ctx, 999999); !errors.Is(err, concierge.ErrNotFound) {
			t.Fatalf("unknown file: %v, want ErrNotFound", err)
		}
		if _, err := db.FinishMedia(ctx, &taken[0], store.MediaResult{Status: "weird"}); err == nil {
			t.Fatal("unknown status: want an error")
		}
	})
}

// TestMediaClaimersNeverShare: claimers racing over the same files
// never hold one file at the same time.
func TestMediaClaimersNeverShare(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var evs []concierge.Event
		for i := range 40 {
			evs = append(evs, mediaEvent(fmt.Sprint("c", i%5), fmt.Sprint("k", i), fmt.Sprint("image:R", i)))
		}
		if _, err := db.Ingest(ctx, evs); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					js, err := db.ClaimMedia(ctx, []concierge.BotID{"shop"}, 3, time.Minute)
					if err != nil {
						errs <- err
						return
					}
					if len(js) == 0 {
						return
					}
					mu.Lock()
					for _, j := range js {
						seen[j.Ref]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if len(seen) != 40 {
			t.Fatalf("claimed %d files, want 40", len(seen))
		}
		for ref, n := range seen {
			if n != 1 {
				t.Errorf("file %s claimed %d times", ref, n)
			}
		}
	})
}

// TestMediaExportAndErase: an export lists the customer's files without
// their bytes; erasing the customer (or their idle conversation) deletes
// them.
func TestMediaExportAndErase(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Unix(1_800_000_000, 0)
		db.SetClock(func() time.Time { return now })
		if _, err := db.Ingest(ctx, []concierge.Event{mediaEvent("alice", "1", "image:A"), mediaEvent("bob", "2", "audio:B")}); err != nil {
			t.Fatal(err)
		}
		const secret = "PHOTO-OF-ALICE-S-FRONT-DOOR"
		js, err := db.ClaimMedia(ctx, []concierge.BotID{"shop"}, 10, time.Minute)
		if err != nil || len(js) != 2 {
			t.Fatalf("claim = %v, %v", js, err)
		}
		for _, j := range js {
			m := &concierge.Media{ContentType: "image/png", Name: "door.png", Data: []byte(secret)}
			if ok, err := db.FinishMedia(ctx, &j, store.MediaResult{Status: store.MediaFetched, Media: m}); err != nil || !ok {
				t.Fatalf("finish = %v, %v", ok, err)
			}
		}
		ex, err := db.ExportConversation(ctx, "shop", concierge.ChannelWeb, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if len(ex.Media) != 1 || ex.Media[0].Kind != "image" || ex.Media[0].ContentType != "image/png" ||
			ex.Media[0].Size != int64(len(secret)) || ex.Media[0].At == "" {
			t.Fatalf("export media = %+v", ex.Media)
		}
		b, _ := json.Marshal(ex)
		if strings.Contains(string(b), secret) {
			t.Fatalf("the export carries the file's bytes: %s", b)
		}

		alice, err := db.EraseConversation(ctx, "shop", concierge.ChannelWeb, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if ms, err := db.ConversationMedia(ctx, alice); err != nil || len(ms) != 0 {
			t.Fatalf("alice's files after erase = %v, %v; want none", ms, err)
		}
		if _, _, err := db.MediaFile(ctx, js[0].ID); !errors.Is(err, concierge.ErrNotFound) {
			t.Fatalf("alice's file after erase: %v, want ErrNotFound", err)
		}
		bob, _ := db.FindConversation(ctx, "shop", concierge.ChannelWeb, "bob")
		if ms, _ := db.ConversationMedia(ctx, bob.ID); len(ms) != 1 {
			t.Fatalf("bob's files = %d, want 1 (erasing alice must not touch them)", len(ms))
		}
		// Retention: bob's conversation goes idle and is erased with its file.
		now = now.Add(48 * time.Hour)
		if n, err := db.EraseIdle(ctx, "shop", now.Add(-24*time.Hour), 10); err != nil || n != 1 {
			t.Fatalf("erase idle = %d, %v; want 1", n, err)
		}
		if ms, _ := db.ConversationMedia(ctx, bob.ID); len(ms) != 0 {
			t.Fatalf("bob's files after erase idle = %d, want 0", len(ms))
		}
	})
}

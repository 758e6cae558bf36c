package main

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/telegram/telegramtest"
	"github.com/conciergehq/concierge/store"
)

// TestTelegramPhotoFetched: a customer's photo on Telegram (an update with
// several sizes) is stored as a file to fetch under Telegram's own kind,
// "photo", and the largest size is downloaded through getFile with the
// bot's token — the path WhatsApp's test does not take.
func TestTelegramPhotoFetched(t *testing.T) {
	s := startTelegramShop(t, "webhook")
	ctx := context.Background()
	jpeg := []byte("\xff\xd8\xff\xe0 the lamp, broken in two")
	s.fake.AddFile("AgACAgQ-large", telegramtest.File{ContentType: "image/jpeg", Data: jpeg})
	c := s.customer("fr")
	photo := []map[string]any{
		{"file_id": "AgACAgQ-small", "file_unique_id": "s", "width": 90, "height": 60, "file_size": 900},
		{"file_id": "AgACAgQ-large", "file_unique_id": "l", "width": 1280, "height": 853, "file_size": len(jpeg)},
	}
	if st := s.post(map[string]any{"message": c.message(map[string]any{"photo": photo, "caption": "elle est arrivée cassée"})}); st != http.StatusOK {
		t.Fatalf("photo update: status %d", st)
	}
	conv, err := s.m.DB.FindConversation(ctx, tgBot, concierge.ChannelTelegram, concierge.ChatID(strconv.FormatInt(c.id, 10)))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		ms, err := s.m.DB.ConversationMedia(ctx, conv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 1 && ms[0].Status == store.MediaFetched {
			if ms[0].Kind != "photo" || ms[0].ContentType != "image/jpeg" || ms[0].Size != int64(len(jpeg)) {
				t.Fatalf("fetched %+v; want the large photo as image/jpeg, %d bytes", ms[0], len(jpeg))
			}
			break
		}
		if len(ms) > 1 || (len(ms) == 1 && ms[0].Status != store.MediaPending) || time.Now().After(deadline) {
			t.Fatalf("media of the conversation: %+v; want one photo fetched", ms)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(s.fake.Calls("getFile")); n != 1 {
		t.Errorf("%d getFile calls, want 1", n)
	}
}

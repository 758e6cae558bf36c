package telegram_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/telegram"
	"github.com/conciergehq/concierge/adapters/telegram/telegramtest"
)

// TestDecodeMediaValue: each kind of file a customer sends names its
// file_id as KIND:REF, a photo its largest size's.
func TestDecodeMediaValue(t *testing.T) {
	tests := []struct {
		name, message, value string
	}{
		{"photo", `"photo":[{"file_id":"small","file_unique_id":"a","width":90,"height":67},{"file_id":"big","file_unique_id":"b","width":1280,"height":960},{"file_id":"mid","file_unique_id":"c","width":320,"height":240}],"caption":"broken"`, "photo:big"},
		{"voice", `"voice":{"file_id":"V1","file_unique_id":"v","duration":3,"mime_type":"audio/ogg"}`, "voice:V1"},
		{"audio", `"audio":{"file_id":"A1","file_unique_id":"a","duration":30}`, "audio:A1"},
		{"video", `"video":{"file_id":"M1","file_unique_id":"m","width":1,"height":1,"duration":1}`, "video:M1"},
		{"video note", `"video_note":{"file_id":"N1","file_unique_id":"n","length":240,"duration":5}`, "video_note:N1"},
		{"document", `"document":{"file_id":"D1","file_unique_id":"d","file_name":"invoice.pdf"}`, "document:D1"},
		{"sticker", `"sticker":{"file_id":"S1","file_unique_id":"s","type":"regular","width":512,"height":512,"is_animated":false,"is_video":false}`, "sticker:S1"},
		// An animation comes with a document too, for old clients.
		{"animation", `"animation":{"file_id":"G1","file_unique_id":"g","width":1,"height":1,"duration":1},"document":{"file_id":"G1","file_unique_id":"g"}`, "animation:G1"},
		{"contact", `"contact":{"phone_number":"+33600000000","first_name":"Ann"}`, "contact"},
		{"document without id", `"document":{"file_unique_id":"d"}`, "document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"update_id":5,"message":{"message_id":9,"date":1780000000,"chat":{"id":42,"type":"private"},"from":{"id":42,"is_bot":false,"first_name":"Ann"},` + tt.message + `}}`
			u, err := telegram.Decode("shop", []byte(body), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if u.Event == nil || u.Event.Kind != concierge.EventMedia || u.Event.Value != tt.value {
				t.Fatalf("event %+v, want media %q", u.Event, tt.value)
			}
		})
	}
}

func TestFetchMedia(t *testing.T) {
	photo := bytes.Repeat([]byte("JPEG"), 1000) // 4000 bytes
	huge := make([]byte, telegram.MaxDownloadBytes+1)
	tests := []struct {
		name string
		file telegramtest.File
		max  int64
		err  error // nil: fetched
	}{
		{"ok", telegramtest.File{ContentType: "image/jpeg", Data: photo}, 4000, nil},
		{"no declared size", telegramtest.File{ContentType: "image/jpeg", Data: photo, Size: -1}, 4000, nil},
		{"declared too large", telegramtest.File{ContentType: "image/jpeg", Data: photo}, 3999, concierge.ErrMediaTooLarge},
		{"lies about its size", telegramtest.File{ContentType: "image/jpeg", Data: photo, Size: 10}, 3999, concierge.ErrMediaTooLarge},
		{"undeclared and too large", telegramtest.File{ContentType: "image/jpeg", Data: photo, Size: -1}, 100, concierge.ErrMediaTooLarge},
		{"over the Bot API's 20 MB", telegramtest.File{ContentType: "video/mp4", Data: huge}, 100 << 20, concierge.ErrMediaTooLarge},
		{"lost by the file server", telegramtest.File{ContentType: "image/jpeg", Data: photo, Status: http.StatusNotFound}, 4000, concierge.ErrMediaGone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, fake, _ := newAdapter(t)
			fake.AddFile("AgACAgQAAxkBAAIB", tt.file)
			m, err := a.FetchMedia(context.Background(), "AgACAgQAAxkBAAIB", tt.max)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("FetchMedia = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// The fake's file server says application/octet-stream: the
			// type comes from the file_path's extension.
			if !bytes.Equal(m.Data, photo) || m.ContentType != "image/jpeg" || m.Name != "file_AgACAgQAAxkBAAIB.jpg" {
				t.Errorf("got %d bytes of %q named %q, want %d of image/jpeg", len(m.Data), m.ContentType, m.Name, len(photo))
			}
		})
	}
}

// TestFetchMediaErrors: what no retry fixes is told apart from what one
// may, and the token is never in an error.
func TestFetchMediaErrors(t *testing.T) {
	ctx := context.Background()
	a, fake, _ := newAdapter(t)
	fake.AddFile("F500", telegramtest.File{ContentType: "image/jpeg", Data: []byte("x"), Status: http.StatusInternalServerError})
	fake.AddFile("OK", telegramtest.File{ContentType: "image/jpeg", Data: []byte("x")})

	if _, err := a.FetchMedia(ctx, "unknown", 100); !errors.Is(err, concierge.ErrMediaGone) {
		t.Errorf("unknown file_id: %v, want ErrMediaGone", err)
	}
	retryable := func(what string, err error) {
		t.Helper()
		if err == nil || errors.Is(err, concierge.ErrMediaGone) || errors.Is(err, concierge.ErrMediaTooLarge) {
			t.Errorf("%s: %v, want an error a retry may fix", what, err)
		}
		if err != nil && bytes.Contains([]byte(err.Error()), []byte(token)) {
			t.Errorf("%s: the error holds the bot token: %v", what, err)
		}
	}
	_, err := a.FetchMedia(ctx, "F500", 100)
	retryable("download 500", err)
	fake.Fail("getFile", 500, 0, "Internal Server Error")
	_, err = a.FetchMedia(ctx, "OK", 100)
	retryable("getFile 500", err)
	if m, err := a.FetchMedia(ctx, "OK", 100); err != nil || string(m.Data) != "x" {
		t.Errorf("after the failure: %q, %v", m.Data, err)
	}
	if _, err := a.FetchMedia(ctx, "", 100); concierge.ErrorCode(err) != concierge.CodeInvalid {
		t.Errorf("empty file_id: %v, want CodeInvalid", err)
	}
}

// TestFetchMediaWrongToken: the fake serves neither getFile nor the file
// to another token.
func TestFetchMediaWrongToken(t *testing.T) {
	fake := telegramtest.New(token)
	defer fake.Close()
	fake.AddFile("OK", telegramtest.File{ContentType: "image/jpeg", Data: []byte("x")})
	wrong := telegram.New(telegram.Config{Bot: "shop", Token: "999:WRONG", APIEndpoint: fake.URL})
	_, err := wrong.FetchMedia(context.Background(), "OK", 100)
	if err == nil || errors.Is(err, concierge.ErrMediaGone) {
		t.Errorf("getFile with a wrong token: %v, want refused", err)
	}
	resp, err := http.Get(fake.URL + "/file/bot999:WRONG/photos/file_OK.jpg")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || len(fake.Problems()) != 2 {
		t.Errorf("download with a wrong token: HTTP %d, problems %q", resp.StatusCode, fake.Problems())
	}
}

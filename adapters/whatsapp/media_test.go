package whatsapp_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/whatsapp"
	"github.com/conciergehq/concierge/adapters/whatsapp/whatsapptest"
)

// TestDecodeMediaValue: each kind of media a customer can send names the
// media id to fetch as KIND:REF; what cannot be fetched names no id.
func TestDecodeMediaValue(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	media := func(typ string, body map[string]any) map[string]any {
		m := map[string]any{"from": "33612345678", "id": "wamid.M" + typ, "timestamp": "1772366400", "type": typ}
		if body != nil {
			m[typ] = body
		}
		return m
	}
	tests := []struct {
		msg       map[string]any
		value     string
		text      string
		fetchable bool
	}{
		{media("image", map[string]any{"id": "111", "mime_type": "image/jpeg", "sha256": "x", "caption": "the lamp arrived broken"}), "image:111", "the lamp arrived broken", true},
		{media("audio", map[string]any{"id": "222", "mime_type": "audio/ogg; codecs=opus", "voice": true}), "audio:222", "", true},
		{media("video", map[string]any{"id": "333", "mime_type": "video/mp4"}), "video:333", "", true},
		{media("document", map[string]any{"id": "444", "mime_type": "application/pdf", "filename": "invoice.pdf"}), "document:444", "", true},
		{media("sticker", map[string]any{"id": "555", "mime_type": "image/webp", "animated": false}), "sticker:555", "", true},
		{media("image", map[string]any{"mime_type": "image/jpeg"}), "image", "", false}, // no id: nothing to fetch
		{media("order", map[string]any{"catalog_id": "c"}), "unsupported:order", "", false},
		{media("contacts", nil), "unsupported:contacts", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			items, err := whatsapp.Decode(whatsapptest.Notification("1122334455667", nil, []map[string]any{tt.msg}, nil), at)
			if err != nil || len(items) != 1 {
				t.Fatalf("Decode = %v, %v", items, err)
			}
			ev := items[0].Event
			if ev.Kind != concierge.EventMedia || ev.Value != tt.value || ev.Text != tt.text {
				t.Errorf("event %s %q %q, want media %q %q", ev.Kind, ev.Value, ev.Text, tt.value, tt.text)
			}
			kind, ref, ok := strings.Cut(ev.Value, ":")
			if fetchable := ok && ref != "" && kind != "unsupported" && kind != "interactive"; fetchable != tt.fetchable {
				t.Errorf("value %q fetchable = %v", ev.Value, fetchable)
			}
		})
	}
}

func TestFetchMedia(t *testing.T) {
	photo := bytes.Repeat([]byte("JPEG"), 1000) // 4000 bytes
	tests := []struct {
		name  string
		media whatsapptest.Media
		max   int64
		err   error // nil: fetched
	}{
		{"ok", whatsapptest.Media{ContentType: "image/jpeg", Data: photo}, 4000, nil},
		{"no declared size", whatsapptest.Media{ContentType: "image/jpeg", Data: photo, Size: -1}, 4000, nil},
		{"declared too large", whatsapptest.Media{ContentType: "image/jpeg", Data: photo}, 3999, concierge.ErrMediaTooLarge},
		{"lies about its size", whatsapptest.Media{ContentType: "image/jpeg", Data: photo, Size: 10}, 3999, concierge.ErrMediaTooLarge},
		{"undeclared and too large", whatsapptest.Media{ContentType: "image/jpeg", Data: photo, Size: -1}, 100, concierge.ErrMediaTooLarge},
		{"download expired", whatsapptest.Media{ContentType: "image/jpeg", Data: photo, Status: http.StatusNotFound}, 4000, concierge.ErrMediaGone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, fake, _ := newAdapter(t, time.Time{}, nil)
			fake.AddMedia("1234567890", tt.media)
			m, err := a.FetchMedia(context.Background(), "1234567890", tt.max)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("FetchMedia = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(m.Data, photo) || m.ContentType != "image/jpeg" {
				t.Errorf("got %d bytes of %q, want %d of image/jpeg", len(m.Data), m.ContentType, len(photo))
			}
		})
	}
}

// TestFetchMediaErrors: what no retry fixes is told apart from what one
// may.
func TestFetchMediaErrors(t *testing.T) {
	ctx := context.Background()
	a, fake, _ := newAdapter(t, time.Time{}, nil)
	fake.AddMedia("500", whatsapptest.Media{ContentType: "image/jpeg", Data: []byte("x"), Status: http.StatusInternalServerError})
	fake.AddMedia("bad-hash", whatsapptest.Media{ContentType: "image/jpeg", Data: []byte("x"), SHA256: strings.Repeat("0", 64)})
	fake.AddMedia("ok", whatsapptest.Media{ContentType: "image/jpeg", Data: []byte("x")})

	if _, err := a.FetchMedia(ctx, "unknown", 100); !errors.Is(err, concierge.ErrMediaGone) {
		t.Errorf("unknown id: %v, want ErrMediaGone", err)
	}
	for _, id := range []string{"500", "bad-hash"} {
		_, err := a.FetchMedia(ctx, id, 100)
		if err == nil || errors.Is(err, concierge.ErrMediaGone) || errors.Is(err, concierge.ErrMediaTooLarge) {
			t.Errorf("%s: %v, want an error a retry may fix", id, err)
		}
	}
	if _, err := a.FetchMedia(ctx, "", 100); concierge.ErrorCode(err) != concierge.CodeInvalid {
		t.Errorf("empty id: %v, want CodeInvalid", err)
	}

	// The fake refuses another token, on both calls.
	wrong, err := whatsapp.New(whatsapp.Config{PhoneNumberID: "1122334455667", AccessToken: "WRONG", AppSecret: "s", VerifyToken: "v", GraphAPIURL: fake.URL + "/v21.0"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = wrong.FetchMedia(ctx, "ok", 100)
	var ge *whatsapp.GraphError
	if !errors.As(err, &ge) || ge.Code != 190 || errors.Is(err, concierge.ErrMediaGone) {
		t.Errorf("wrong token: %v, want Graph error 190", err)
	}
	resp, err := http.Get(fake.URL + "/whatsapp_business/attachments/?mid=ok")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("download without the token: HTTP %d, want 401", resp.StatusCode)
	}
}

// countingBody counts the bytes a client reads from a response.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

type countingTransport struct{ n *atomic.Int64 }

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		resp.Body = countingBody{resp.Body, t.n}
	}
	return resp, err
}

// TestFetchMediaReadsAtMostMax: from a download that streams 10 MB
// without declaring a size, the adapter reads no more than max+1 bytes.
func TestFetchMediaReadsAtMostMax(t *testing.T) {
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/42") {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"url":"http://` + r.Host + `/file","mime_type":"video/mp4","id":"42"}`))
			return
		}
		chunk := bytes.Repeat([]byte("v"), 1<<10)
		for i := 0; i < 10<<10; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer endless.Close()
	var read atomic.Int64
	a, err := whatsapp.New(whatsapp.Config{PhoneNumberID: "1", AccessToken: "T", AppSecret: "s", VerifyToken: "v", GraphAPIURL: endless.URL + "/v21.0",
		Client: &http.Client{Transport: countingTransport{&read}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.FetchMedia(context.Background(), "42", 1000); !errors.Is(err, concierge.ErrMediaTooLarge) {
		t.Fatalf("FetchMedia = %v, want ErrMediaTooLarge", err)
	}
	// The metadata answer is read too; it is under 100 bytes.
	if n := read.Load(); n > 1001+100 {
		t.Errorf("read %d bytes for max 1000", n)
	}
}

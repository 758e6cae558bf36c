package wechat_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/wechat"
	"github.com/conciergehq/concierge/adapters/wechat/wechattest"
)

func newMediaAdapter(t *testing.T) (*wechat.Adapter, *wechattest.Server) {
	t.Helper()
	fake := wechattest.New("wx1", "secret")
	t.Cleanup(fake.Close)
	a, err := wechat.New(wechat.Config{Bot: "b", AppID: "wx1", AppSecret: "secret", Token: "t", APIBase: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	return a, fake
}

func TestFetchMedia(t *testing.T) {
	photo := bytes.Repeat([]byte("JPEG"), 1000) // 4000 bytes
	tests := []struct {
		name  string
		media wechattest.Media
		max   int64
		err   error // nil: fetched
	}{
		{"ok", wechattest.Media{ContentType: "image/jpeg", Data: photo}, 4000, nil},
		{"no declared size", wechattest.Media{ContentType: "image/jpeg", Data: photo, Chunked: true}, 4000, nil},
		{"video by its URL", wechattest.Media{ContentType: "image/jpeg", Data: photo, Video: true}, 4000, nil},
		{"declared too large", wechattest.Media{ContentType: "image/jpeg", Data: photo}, 3999, concierge.ErrMediaTooLarge},
		{"undeclared and too large", wechattest.Media{ContentType: "image/jpeg", Data: photo, Chunked: true}, 3999, concierge.ErrMediaTooLarge},
		{"video too large", wechattest.Media{ContentType: "image/jpeg", Data: photo, Video: true, Chunked: true}, 100, concierge.ErrMediaTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, fake := newMediaAdapter(t)
			fake.AddMedia("MEDIA_1", tt.media)
			m, err := a.FetchMedia(context.Background(), "MEDIA_1", tt.max)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("FetchMedia = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(m.Data, photo) || m.ContentType != "image/jpeg" || m.Name != "MEDIA_1.jpg" {
				t.Errorf("got %d bytes of %q named %q, want %d of image/jpeg", len(m.Data), m.ContentType, m.Name, len(photo))
			}
		})
	}
}

// TestFetchMediaErrors: what no retry fixes is told apart from what one
// may; a refused token is renewed once; the token is in no error.
func TestFetchMediaErrors(t *testing.T) {
	ctx := context.Background()
	a, fake := newMediaAdapter(t)
	fake.AddMedia("M500", wechattest.Media{ContentType: "image/jpeg", Data: []byte("x"), Status: http.StatusBadGateway})
	fake.AddMedia("OK", wechattest.Media{ContentType: "audio/amr", Data: []byte("#!AMR")})

	_, err := a.FetchMedia(ctx, "unknown", 100)
	var apiErr *wechat.APIError
	if !errors.Is(err, concierge.ErrMediaGone) || !errors.As(err, &apiErr) || apiErr.Code != 40007 {
		t.Errorf("unknown media_id: %v, want 40007 and ErrMediaGone", err)
	}
	_, err = a.FetchMedia(ctx, "M500", 100)
	if err == nil || errors.Is(err, concierge.ErrMediaGone) || errors.Is(err, concierge.ErrMediaTooLarge) || strings.Contains(err.Error(), "ACCESS_TOKEN") {
		t.Errorf("HTTP 502: %v, want an error a retry may fix, without the token", err)
	}
	if _, err := a.FetchMedia(ctx, "", 100); concierge.ErrorCode(err) != concierge.CodeInvalid {
		t.Errorf("empty media_id: %v, want CodeInvalid", err)
	}

	// Another client fetched a token: WeChat refuses ours with 40001, and
	// the adapter fetches a new one and downloads.
	calls := fake.TokenCalls
	fake.InvalidateTokens()
	m, err := a.FetchMedia(ctx, "OK", 100)
	if err != nil || string(m.Data) != "#!AMR" || m.ContentType != "audio/amr" {
		t.Fatalf("after the token was invalidated: %q %q, %v", m.ContentType, m.Data, err)
	}
	if fake.TokenCalls != calls+1 {
		t.Errorf("token fetched %d times, want once more", fake.TokenCalls-calls)
	}

	// The fake refuses a token it never issued.
	resp, err := http.Get(fake.URL + "/cgi-bin/media/get?access_token=FORGED&media_id=OK")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if !strings.Contains(buf.String(), `"errcode":40001`) {
		t.Errorf("forged token: %s", buf.String())
	}
}

// TestFetchMediaTokenAlwaysRefused: a token refused again after renewal
// is tried no more, and is no ErrMediaGone.
func TestFetchMediaTokenAlwaysRefused(t *testing.T) {
	var gets atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/cgi-bin/token", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"access_token":"T","expires_in":7200}`))
	})
	mux.HandleFunc("/cgi-bin/media/get", func(w http.ResponseWriter, r *http.Request) {
		gets.Add(1)
		w.Header().Set("Content-Type", "text/plain") // as WeChat sometimes labels its JSON
		w.Write([]byte(`{"errcode":42001,"errmsg":"access_token expired"}`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	a, err := wechat.New(wechat.Config{Bot: "b", AppID: "wx1", AppSecret: "secret", Token: "t", APIBase: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.FetchMedia(context.Background(), "OK", 100)
	var apiErr *wechat.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 42001 || errors.Is(err, concierge.ErrMediaGone) || gets.Load() != 2 {
		t.Errorf("FetchMedia = %v after %d downloads, want 42001 after 2", err, gets.Load())
	}
}

package mediafetch

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

// fetchFunc is a channel that can fetch media.
type fetchFunc func(ctx context.Context, ref string, max int64) (concierge.Media, error)

func (f fetchFunc) Send(context.Context, *concierge.Outbound) error { return nil }

// sendOnly is a channel that cannot fetch media.
type sendOnly struct{}

func (sendOnly) Send(context.Context, *concierge.Outbound) error { return nil }

func (f fetchFunc) FetchMedia(ctx context.Context, ref string, max int64) (concierge.Media, error) {
	return f(ctx, ref, max)
}

// TestMediaOutcomes: what the fetch loop records for each answer of an
// adapter, and for an adapter that cannot fetch at all.
func TestMediaOutcomes(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	answer := func(m concierge.Media, err error) concierge.Sender {
		return fetchFunc(func(context.Context, string, int64) (concierge.Media, error) { return m, err })
	}
	for _, c := range []struct {
		name     string
		adapter  concierge.Sender
		attempts int
		status   concierge.MediaStatus
		err      string
	}{
		{"fetched", answer(concierge.Media{ContentType: "image/png", Data: []byte("png")}, nil), 0, concierge.MediaFetched, ""},
		{"too large", answer(concierge.Media{}, fmt.Errorf("wa: %w", concierge.ErrMediaTooLarge)), 0, concierge.MediaTooLarge, "media too large"},
		{"more than asked", answer(concierge.Media{Data: make([]byte, 11)}, nil), 0, concierge.MediaTooLarge, "media too large"},
		{"gone", answer(concierge.Media{}, fmt.Errorf("wa: %w", concierge.ErrMediaGone)), 7, concierge.MediaGone, "no longer available"},
		{"retry", answer(concierge.Media{}, fmt.Errorf("HTTP 503")), 0, concierge.MediaPending, "HTTP 503"},
		{"last attempt", answer(concierge.Media{}, fmt.Errorf("HTTP 503")), 7, concierge.MediaFailed, "HTTP 503"},
		{"no FetchMedia", sendOnly{}, 0, concierge.MediaFailed, "channel cannot fetch media"},
		{"no adapter", nil, 0, concierge.MediaFailed, "channel cannot fetch media"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &Fetcher{Config: Config{Max: 10}, Now: func() time.Time { return now },
				Channels: func(concierge.BotID, concierge.Channel) concierge.Sender { return c.adapter }}
			r := f.Result(context.Background(), &concierge.MediaJob{Attempts: c.attempts, Ref: "R"})
			if r.Status != c.status || !strings.Contains(r.Error, c.err) {
				t.Fatalf("result = %+v; want %s with %q", r, c.status, c.err)
			}
			if r.Status == concierge.MediaPending && (r.Next.Before(now.Add(15*time.Second)) || r.Next.After(now.Add(30*time.Second))) {
				t.Fatalf("first retry at %v after now, want 15-30s (30s, jittered)", r.Next.Sub(now))
			}
		})
	}
}

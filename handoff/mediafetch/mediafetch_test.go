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

// TestVoiceNotesLimit: a voice note to be heard may be as large as the
// transcription endpoints take (MaxHeard), beyond the files' limit; other
// files keep theirs, and a larger voice note is still refused.
func TestVoiceNotesLimit(t *testing.T) {
	var asked int64
	size := 0
	adapter := fetchFunc(func(_ context.Context, _ string, max int64) (concierge.Media, error) {
		asked = max
		return concierge.Media{ContentType: "audio/ogg", Data: make([]byte, size)}, nil
	})
	f := &Fetcher{Config: Config{Max: 10, MaxHeard: 25}, Now: time.Now,
		Channels: func(concierge.BotID, concierge.Channel) concierge.Sender { return adapter }}
	for _, c := range []struct {
		hear   bool
		size   int
		limit  int64
		status concierge.MediaStatus
	}{
		{true, 20, 25, concierge.MediaFetched},
		{true, 26, 25, concierge.MediaTooLarge},
		{false, 20, 10, concierge.MediaTooLarge},
		{false, 10, 10, concierge.MediaFetched},
	} {
		size = c.size
		r := f.Result(context.Background(), &concierge.MediaJob{Ref: "R", Hear: c.hear})
		if r.Status != c.status || asked != c.limit {
			t.Errorf("hear=%v, %d bytes: %s with limit %d; want %s with %d", c.hear, c.size, r.Status, asked, c.status, c.limit)
		}
	}
}

// hearFunc is a transcriber.
type hearFunc func(ctx context.Context, m concierge.Media) concierge.Hearing

func (h hearFunc) Hear(ctx context.Context, m concierge.Media) concierge.Hearing { return h(ctx, m) }

// memStore records what Once finishes.
type memStore struct {
	jobs     []concierge.MediaJob
	finished []concierge.MediaResult
}

func (s *memStore) ClaimMedia(context.Context, []concierge.BotID, int, time.Duration) ([]concierge.MediaJob, error) {
	jobs := s.jobs
	s.jobs = nil
	return jobs, nil
}

func (s *memStore) FinishMedia(_ context.Context, _ *concierge.MediaJob, r concierge.MediaResult) (bool, error) {
	s.finished = append(s.finished, r)
	return true, nil
}

// TestHearing: a voice note whose conversation waits is heard after its
// fetch, and every fetch outcome hands it on at once, with the reason
// when it was not heard; a file nobody waits for is not transcribed; the
// turn runner is woken once per pass that handed notes on.
func TestHearing(t *testing.T) {
	ogg := concierge.Media{ContentType: "audio/ogg", Data: []byte("OggS voice")}
	fetched := fetchFunc(func(context.Context, string, int64) (concierge.Media, error) { return ogg, nil })
	heard := hearFunc(func(_ context.Context, m concierge.Media) concierge.Hearing {
		if string(m.Data) != "OggS voice" {
			return concierge.Hearing{Speech: concierge.SpeechUnheard, Error: "not the fetched file"}
		}
		return concierge.Hearing{Speech: concierge.SpeechHeard, Text: "la lampe Aurore", Locale: "fr"}
	})
	for _, c := range []struct {
		name    string
		adapter concierge.Sender
		hearer  Hearer
		want    concierge.Hearing
	}{
		{"heard", fetched, heard, concierge.Hearing{Speech: concierge.SpeechHeard, Text: "la lampe Aurore", Locale: "fr"}},
		{"no transcriber", fetched, nil, concierge.Hearing{Speech: concierge.SpeechUnheard, Error: "no transcriber: the bot file has no speech section"}},
		{"too large to fetch", fetchFunc(func(context.Context, string, int64) (concierge.Media, error) {
			return concierge.Media{}, concierge.ErrMediaTooLarge
		}), heard, concierge.Hearing{Speech: concierge.SpeechTooLarge, Error: "media too large"}},
		{"fetch to retry", fetchFunc(func(context.Context, string, int64) (concierge.Media, error) {
			return concierge.Media{}, fmt.Errorf("HTTP 503")
		}), heard, concierge.Hearing{Speech: concierge.SpeechUnheard, Error: "fetch: HTTP 503"}},
		{"channel without FetchMedia", sendOnly{}, heard, concierge.Hearing{Speech: concierge.SpeechUnheard, Error: "fetch: channel cannot fetch media"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := &memStore{jobs: []concierge.MediaJob{{ID: 1, Bot: "shop", Kind: "voice", Ref: "V", Hear: true}, {ID: 2, Bot: "shop", Kind: "voice", Ref: "W"}}}
			wakes := 0
			f := &Fetcher{Store: st, Bots: []concierge.BotID{"shop"}, Heard: func() { wakes++ },
				Channels: func(concierge.BotID, concierge.Channel) concierge.Sender { return c.adapter },
				Hearers:  func(concierge.BotID) Hearer { return c.hearer }}
			if _, err := f.Once(context.Background()); err != nil {
				t.Fatal(err)
			}
			if len(st.finished) != 2 || st.finished[0].Heard == nil || *st.finished[0].Heard != c.want {
				t.Fatalf("finished %+v; want the first heard as %+v", st.finished, c.want)
			}
			if st.finished[1].Heard != nil {
				t.Fatalf("a file nobody waits for was heard: %+v", st.finished[1].Heard)
			}
			if wakes != 1 {
				t.Fatalf("turn runner woken %d times, want 1", wakes)
			}
		})
	}
}

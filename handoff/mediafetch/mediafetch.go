// Package mediafetch downloads the files customers send (a photo of a
// broken lamp in a refund dispute, a voice note) so that people in the
// inbox can see them before the platform's link expires. Ingest records
// each file named by a media message as pending, in the message's
// transaction; the Fetcher claims due files under a lease, downloads each
// through its channel's concierge.MediaFetcher, and records the outcome.
// It runs in `concierge serve` on every replica; the leases keep two
// replicas off one file.
//
// It reaches storage through Store and channels through a lookup function
// that cmd/concierge wires to the registry; it imports the root package
// and internal/ only.
package mediafetch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/jobloop"
)

// Store is the media table as the Fetcher sees it; *store.DB is one.
type Store interface {
	// ClaimMedia leases, for lease, up to limit due files of bots.
	ClaimMedia(ctx context.Context, bots []concierge.BotID, limit int, lease time.Duration) ([]concierge.MediaJob, error)
	// FinishMedia records r and releases j's lease; false when the lease
	// was no longer j's and nothing changed.
	FinishMedia(ctx context.Context, j *concierge.MediaJob, r concierge.MediaResult) (bool, error)
}

// Metrics counts fetches by bot and outcome (fetched, retry, failed,
// too_large, gone); nil counts nothing.
type Metrics interface {
	MediaFetched(bot concierge.BotID, outcome string)
}

// Config tunes the Fetcher; zero values are the defaults.
type Config struct {
	Poll     time.Duration // how often to look for files to fetch (1 s)
	Backoff  time.Duration // the first retry's delay, doubled each time up to MaxBackoff (30 s)
	Max      int64         // the largest file downloaded (10 MiB)
	Attempts int           // fetches before giving up on a file (8)
}

// WithDefaults fills the zero values.
func (c Config) WithDefaults() Config {
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.Backoff <= 0 {
		c.Backoff = 30 * time.Second
	}
	if c.Max <= 0 {
		c.Max = 10 << 20
	}
	if c.Attempts <= 0 {
		c.Attempts = 8
	}
	return c
}

const (
	// Lease is how long a claimed file is kept from other fetchers: a
	// fetch is cut off well before (Timeout).
	Lease = 3 * time.Minute
	// Timeout bounds one download.
	Timeout = time.Minute
	// Batch is how many files one pass claims.
	Batch = 8
	// MaxBackoff caps the wait between fetches of one file: a platform
	// down for hours is tried again hourly, within its links' lifetime.
	MaxBackoff = time.Hour
)

// Fetcher fetches pending files.
type Fetcher struct {
	Store    Store
	Bots     []concierge.BotID
	Channels func(concierge.BotID, concierge.Channel) concierge.Sender
	Config   Config
	Log      *slog.Logger
	Metrics  Metrics
	Now      func() time.Time
}

// Run fetches files until ctx ends.
func (f *Fetcher) Run(ctx context.Context) {
	cfg := f.Config.WithDefaults()
	jobloop.Run(ctx, jobloop.Config{Name: "media", Poll: cfg.Poll, Log: f.Log}, func(ctx context.Context) (bool, error) {
		n, err := f.Once(ctx)
		return n >= Batch, err
	})
}

// Once claims a batch of due files and fetches each; it returns how many
// it claimed.
func (f *Fetcher) Once(ctx context.Context) (int, error) {
	jobs, err := f.Store.ClaimMedia(ctx, f.Bots, Batch, Lease)
	if err != nil {
		return 0, fmt.Errorf("claim: %w", err)
	}
	for i := range jobs {
		if err := f.fetch(ctx, &jobs[i]); err != nil {
			return len(jobs), err
		}
	}
	return len(jobs), nil
}

// fetch downloads one leased file and records the outcome.
func (f *Fetcher) fetch(ctx context.Context, j *concierge.MediaJob) error {
	r := f.Result(ctx, j)
	// Recorded even while stopping, so that the file is not left
	// leased until the lease runs out.
	ok, err := f.Store.FinishMedia(context.WithoutCancel(ctx), j, r)
	if err != nil {
		return fmt.Errorf("finish: %w", err)
	}
	if !ok {
		f.log().Warn("media: lease lost before the fetch ended", "media", j.ID)
		return nil
	}
	outcome := string(r.Status)
	if r.Status == concierge.MediaPending {
		outcome = "retry"
	}
	if f.Metrics != nil {
		f.Metrics.MediaFetched(j.Bot, outcome)
	}
	return nil
}

// Result fetches j through its channel's MediaFetcher and says what
// became of it: a channel without the capability fails the file.
func (f *Fetcher) Result(ctx context.Context, j *concierge.MediaJob) concierge.MediaResult {
	cfg := f.Config.WithDefaults()
	mf, ok := f.Channels(j.Bot, j.Channel).(concierge.MediaFetcher)
	if !ok {
		return concierge.MediaResult{Status: concierge.MediaFailed, Error: "channel cannot fetch media"}
	}
	fctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	md, err := mf.FetchMedia(fctx, j.Ref, cfg.Max)
	if err == nil && int64(len(md.Data)) > cfg.Max {
		// An adapter that read too much is still held to the limit.
		err = fmt.Errorf("%d bytes: %w", len(md.Data), concierge.ErrMediaTooLarge)
	}
	switch {
	case err == nil:
		return concierge.MediaResult{Status: concierge.MediaFetched, Media: &md}
	case errors.Is(err, concierge.ErrMediaTooLarge):
		return concierge.MediaResult{Status: concierge.MediaTooLarge, Error: err.Error()}
	case errors.Is(err, concierge.ErrMediaGone):
		return concierge.MediaResult{Status: concierge.MediaGone, Error: err.Error()}
	case j.Attempts+1 >= cfg.Attempts:
		return concierge.MediaResult{Status: concierge.MediaFailed, Error: err.Error()}
	}
	// Jittered, so that files that failed together (the platform was
	// down) are not retried together.
	return concierge.MediaResult{Status: concierge.MediaPending, Next: f.now().Add(jobloop.Backoff(cfg.Backoff, MaxBackoff, j.Attempts)), Error: err.Error()}
}

func (f *Fetcher) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *Fetcher) log() *slog.Logger {
	if f.Log != nil {
		return f.Log
	}
	return slog.New(slog.DiscardHandler)
}

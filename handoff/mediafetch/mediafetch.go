// Package mediafetch downloads the files customers send (a photo of a
// broken lamp in a refund dispute, a voice note) so that people in the
// inbox can see them before the platform's link expires. Ingest records
// each file named by a media message as pending, in the message's
// transaction; the Fetcher claims due files under a lease, downloads each
// through its channel's concierge.MediaFetcher, and records the outcome.
// It runs in `concierge serve` on every replica; the leases keep two
// replicas off one file.
//
// A voice note without words (no caption, no recognition by the
// platform) holds its conversation until it is heard: after the fetch,
// outside any transaction, the Fetcher has the bot's Hearer transcribe
// it, and records the Hearing with the fetch, which hands the note to the
// turn runner. A fetch that fails, a file too large, a bot without a
// Hearer: the note is handed on unheard at once, so that the customer is
// asked to write instead of waiting for the file's retries.
//
// It reaches storage through Store, channels through a lookup function
// that server wires to the registry, and transcribers through
// another; it imports the root package and internal/ only.
package mediafetch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
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

// HearMetrics, when Metrics has it, counts voice notes by bot and what
// became of them (a concierge.Speech).
type HearMetrics interface {
	VoiceHeard(bot concierge.BotID, speech concierge.Speech)
}

// Hearer turns a voice note into text; *speech.Transcriber is one. Hear
// blocks for at most its own timeout, and reports every failure in the
// Hearing it returns (SpeechUnheard, SpeechTooLarge, SpeechWrongType).
type Hearer interface {
	Hear(ctx context.Context, m concierge.Media) concierge.Hearing
}

// Config tunes the Fetcher; zero values are the defaults.
type Config struct {
	Poll    time.Duration // how often to look for files to fetch (1 s)
	Backoff time.Duration // the first retry's delay, doubled each time up to MaxBackoff (30 s)
	Max     int64         // the largest file downloaded (10 MiB)
	// MaxHeard is the largest voice note downloaded to be heard (25 MiB,
	// what OpenAI-compatible transcription endpoints take; WhatsApp
	// audio goes to 16 MB, Telegram's downloads to 20 MB).
	MaxHeard int64
	Attempts int // fetches before giving up on a file (8)
	// Lease is how long a claimed file is kept from other fetchers if
	// this process dies (Lease); a live one's lease is renewed by the
	// store while the fetch runs. Tests shorten it.
	Lease time.Duration
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
	if c.MaxHeard <= 0 {
		c.MaxHeard = 25 << 20
	}
	if c.Attempts <= 0 {
		c.Attempts = 8
	}
	if c.Lease <= 0 {
		c.Lease = Lease
	}
	return c
}

const (
	// Lease is how long a claimed file is kept from other fetchers by
	// default (Config.Lease): a fetch is cut off well before (Timeout).
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
	// Hearers returns the transcriber of a bot, or nil when it has none;
	// nil hears nothing.
	Hearers func(concierge.BotID) Hearer
	// Heard, when set, is called after voice notes were handed to the
	// turn runner (to wake it).
	Heard func()

	wakeOnce sync.Once
	wake     chan struct{}
}

// Run fetches files until ctx ends.
func (f *Fetcher) Run(ctx context.Context) {
	cfg := f.Config.WithDefaults()
	jobloop.Run(ctx, jobloop.Config{Name: "media", Poll: cfg.Poll, Log: f.Log, Wake: f.wakeChan()}, func(ctx context.Context) (bool, error) {
		n, err := f.Once(ctx)
		return n >= Batch, err
	})
}

// Wake ends the fetcher's wait: a file was committed in this process
// (a voice note's conversation waits for it).
func (f *Fetcher) Wake() {
	select {
	case f.wakeChan() <- struct{}{}:
	default:
	}
}

func (f *Fetcher) wakeChan() chan struct{} {
	f.wakeOnce.Do(func() { f.wake = make(chan struct{}, 1) })
	return f.wake
}

// Once claims a batch of due files and fetches each; it returns how many
// it claimed.
func (f *Fetcher) Once(ctx context.Context) (int, error) {
	jobs, err := f.Store.ClaimMedia(ctx, f.Bots, Batch, f.Config.WithDefaults().Lease)
	if err != nil {
		return 0, fmt.Errorf("claim: %w", err)
	}
	heard := false
	defer func() {
		if heard && f.Heard != nil {
			f.Heard()
		}
	}()
	// Every claimed file is fetched and finished even after one finish
	// failed: the store renews a claimed file's lease until its finish
	// (store.RenewLeases), so one left unfinished would stay leased far
	// longer than Lease.
	var first error
	for i := range jobs {
		ok, err := f.fetch(ctx, &jobs[i])
		heard = heard || ok && jobs[i].Hear
		if err != nil && first == nil {
			first = err
		}
	}
	return len(jobs), first
}

// fetch downloads one leased file, hears it when its conversation waits
// for its words, and records the outcome; ok is false when nothing was
// recorded (the lease was lost).
func (f *Fetcher) fetch(ctx context.Context, j *concierge.MediaJob) (ok bool, err error) {
	r := f.Result(ctx, j)
	if j.Hear {
		h := f.Hear(ctx, j, r)
		r.Heard = &h
	}
	// Recorded even while stopping, so that the file is not left
	// leased until the lease runs out.
	ok, err = f.Store.FinishMedia(context.WithoutCancel(ctx), j, r)
	if err != nil {
		return false, fmt.Errorf("finish: %w", err)
	}
	if !ok {
		f.log().Warn("media: lease lost before the fetch ended", "media", j.ID)
		return false, nil
	}
	outcome := string(r.Status)
	if r.Status == concierge.MediaPending {
		outcome = "retry"
	}
	if f.Metrics != nil {
		f.Metrics.MediaFetched(j.Bot, outcome)
	}
	if h := r.Heard; h != nil {
		if hm, ok := f.Metrics.(HearMetrics); ok {
			hm.VoiceHeard(j.Bot, h.Speech)
		}
		if h.Speech != concierge.SpeechHeard {
			f.log().Info("media: voice note not heard; the customer is asked to write", "bot", j.Bot, "media", j.ID,
				"speech", h.Speech, "err", h.Error)
		}
	}
	return true, nil
}

// Hear says what a voice note's fetch r gives its conversation: the
// transcript of the bot's Hearer, or why there is none. It never waits
// for a retry of the fetch: the customer is waiting for an answer.
func (f *Fetcher) Hear(ctx context.Context, j *concierge.MediaJob, r concierge.MediaResult) concierge.Hearing {
	switch r.Status {
	case concierge.MediaFetched:
	case concierge.MediaTooLarge:
		return concierge.Hearing{Speech: concierge.SpeechTooLarge, Error: r.Error}
	default:
		return concierge.Hearing{Speech: concierge.SpeechUnheard, Error: "fetch: " + r.Error}
	}
	var h Hearer
	if f.Hearers != nil {
		h = f.Hearers(j.Bot)
	}
	if h == nil {
		return concierge.Hearing{Speech: concierge.SpeechUnheard, Error: "no transcriber: the bot file has no speech section"}
	}
	return h.Hear(ctx, *r.Media)
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
	limit := cfg.Max
	if j.Hear {
		limit = max(cfg.Max, cfg.MaxHeard)
	}
	md, err := mf.FetchMedia(fctx, j.Ref, limit)
	if err == nil && int64(len(md.Data)) > limit {
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

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/handoff"
	"github.com/conciergehq/concierge/store"
)

// Customers' media (a photo of a broken lamp in a refund dispute, a voice
// note): ingest records each file named by a media message as pending, in
// the message's transaction; this loop downloads it through the adapter
// of the message's bot and channel, so that people in the inbox can see
// it before the platform's link expires. It runs in `concierge serve` on
// every replica; leases in the store keep two replicas off one file.

// MediaConfig tunes the fetch loop; zero values are the defaults.
type MediaConfig struct {
	Poll     time.Duration // how often to look for files to fetch (1 s)
	Backoff  time.Duration // the first retry's delay, doubled each time up to an hour (30 s)
	Max      int64         // the largest file downloaded (10 MiB)
	Attempts int           // fetches before giving up on a file (8)
}

func (c MediaConfig) withDefaults() MediaConfig {
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

// mediaLease is how long a claimed file is kept from other fetchers: a
// fetch is cut off well before (mediaTimeout).
const (
	mediaLease   = 3 * time.Minute
	mediaTimeout = time.Minute
	mediaBatch   = 8
)

// mediaLoop fetches pending files.
type mediaLoop struct {
	db       *store.DB
	bots     []concierge.BotID
	cfg      MediaConfig
	log      *slog.Logger
	fetches  *prometheus.CounterVec // by bot and outcome
	adapters func(concierge.BotID, concierge.Channel) any
	now      func() time.Time
}

// wireMedia builds the fetch loop over the bots' channel adapters.
func (m *Main) wireMedia() {
	l := &mediaLoop{db: m.DB, cfg: m.Media.withDefaults(), log: m.Log, now: time.Now, adapters: func(b concierge.BotID, ch concierge.Channel) any { return m.Registry.Channel(b, ch) },
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "concierge_media_fetches_total",
			Help: "Downloads of customers' media, by bot and outcome (fetched, retry, failed, too_large, gone)."}, []string{"bot", "outcome"})}
	for _, b := range m.Bots {
		l.bots = append(l.bots, b.ID)
	}
	m.Prom.MustRegister(l.fetches, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "concierge_media_pending",
		Help: "Customers' files not yet downloaded or given up."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := m.DB.PendingMedia(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	}))
	m.media = l
}

// runMedia fetches customers' files until ctx ends.
func (m *Main) runMedia(ctx context.Context) { m.media.run(ctx) }

func (l *mediaLoop) run(ctx context.Context) {
	t := time.NewTicker(l.cfg.Poll)
	defer t.Stop()
	for {
		for {
			n, err := l.once(ctx)
			if err != nil && ctx.Err() == nil {
				l.log.Error("media: fetch", "err", err)
			}
			if err != nil || n < mediaBatch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// once claims a batch of due files and fetches each; it returns how many
// it claimed.
func (l *mediaLoop) once(ctx context.Context) (int, error) {
	jobs, err := l.db.ClaimMedia(ctx, l.bots, mediaBatch, mediaLease)
	if err != nil {
		return 0, err
	}
	for i := range jobs {
		if err := l.fetch(ctx, &jobs[i]); err != nil {
			return len(jobs), err
		}
	}
	return len(jobs), nil
}

// fetch downloads one leased file and records the outcome.
func (l *mediaLoop) fetch(ctx context.Context, j *store.MediaJob) error {
	r := l.result(ctx, j)
	// Recorded even while stopping, so that the file is not left
	// leased until the lease runs out.
	ok, err := l.db.FinishMedia(context.WithoutCancel(ctx), j, r)
	if err != nil {
		return err
	}
	if !ok {
		l.log.Warn("media: lease lost before the fetch ended", "media", j.ID)
		return nil
	}
	outcome := r.Status
	if outcome == store.MediaPending {
		outcome = "retry"
	}
	l.fetches.WithLabelValues(string(j.Bot), outcome).Inc()
	return nil
}

// result fetches j through its channel's adapter and says what became
// of it.
func (l *mediaLoop) result(ctx context.Context, j *store.MediaJob) store.MediaResult {
	f, ok := l.adapters(j.Bot, j.Channel).(concierge.MediaFetcher)
	if !ok {
		return store.MediaResult{Status: store.MediaFailed, Error: "channel cannot fetch media"}
	}
	fctx, cancel := context.WithTimeout(ctx, mediaTimeout)
	defer cancel()
	md, err := f.FetchMedia(fctx, j.Ref, l.cfg.Max)
	if err == nil && int64(len(md.Data)) > l.cfg.Max {
		// An adapter that read too much is still held to the limit.
		err = fmt.Errorf("%d bytes: %w", len(md.Data), concierge.ErrMediaTooLarge)
	}
	switch {
	case err == nil:
		return store.MediaResult{Status: store.MediaFetched, Media: &md}
	case errors.Is(err, concierge.ErrMediaTooLarge):
		return store.MediaResult{Status: store.MediaTooLarge, Error: err.Error()}
	case errors.Is(err, concierge.ErrMediaGone):
		return store.MediaResult{Status: store.MediaGone, Error: err.Error()}
	case j.Attempts+1 >= l.cfg.Attempts:
		return store.MediaResult{Status: store.MediaFailed, Error: err.Error()}
	}
	return store.MediaResult{Status: store.MediaPending, Next: l.now().Add(l.backoff(j.Attempts)), Error: err.Error()}
}

// backoff is the delay before the retry that follows attempt n (from 0):
// doubled each time up to an hour, with jitter so that files that failed
// together (the platform was down) are not retried together.
func (l *mediaLoop) backoff(n int) time.Duration {
	d := l.cfg.Backoff
	for range n {
		if d >= time.Hour {
			break
		}
		d *= 2
	}
	d = min(d, time.Hour)
	return d/2 + rand.N(d/2+1)
}

// MediaFile reads a file for the inbox's media route.
func (s inboxStore) MediaFile(ctx context.Context, id int64) (*handoff.MediaFile, error) {
	mi, data, err := s.db.MediaFile(ctx, id)
	if err != nil {
		return nil, err
	}
	return &handoff.MediaFile{Media: *inboxMedia(mi), Bot: mi.Bot, Data: data, FetchedAt: mi.FetchedAt}, nil
}

// inboxMedia is the store's file as the inbox shows it.
func inboxMedia(mi *store.MediaInfo) *handoff.Media {
	if mi == nil {
		return nil
	}
	return &handoff.Media{ID: mi.ID, Kind: mi.Kind, Status: mi.Status, ContentType: mi.ContentType, Name: mi.Name,
		Size: mi.Size, Error: mi.Error}
}

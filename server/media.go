package server

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/config"
	"github.com/conciergehq/concierge/handoff"
	"github.com/conciergehq/concierge/handoff/mediafetch"
	"github.com/conciergehq/concierge/speech"
	"github.com/conciergehq/concierge/store"
)

// wireMedia builds the fetcher of customers' files over the registry's
// channels, and its metrics.
func (m *Main) wireMedia() {
	fetches := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "concierge_media_fetches_total",
		Help: "Downloads of customers' media, by bot and outcome (fetched, retry, failed, too_large, gone)."}, []string{"bot", "outcome"})
	voices := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "concierge_voice_notes_total",
		Help: "Customers' voice notes without words, by bot and what became of them (heard, unheard, too_large, wrong_type)."}, []string{"bot", "speech"})
	m.media = &mediafetch.Fetcher{Store: m.DB, Channels: m.Registry.Channel, Config: m.Media, Log: m.Log, Metrics: mediaMetrics{fetches, voices},
		Hearers: m.hearer, Heard: func() { m.Runner.Wake(); m.Planned.Wake() }}
	for _, b := range m.Bots {
		m.media.Bots = append(m.media.Bots, b.ID)
	}
	m.Prom.MustRegister(fetches, voices, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "concierge_media_pending",
		Help: "Customers' files not yet downloaded or given up."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := m.DB.PendingMedia(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	}))
}

type mediaMetrics struct{ fetches, voices *prometheus.CounterVec }

func (mm mediaMetrics) MediaFetched(bot concierge.BotID, outcome string) {
	mm.fetches.WithLabelValues(string(bot), outcome).Inc()
}

func (mm mediaMetrics) VoiceHeard(bot concierge.BotID, s concierge.Speech) {
	mm.voices.WithLabelValues(string(bot), string(s)).Inc()
}

// wireSpeech builds the transcriber of bot's voice notes from its speech
// section, if it has one.
func (m *Main) wireSpeech(f *config.File, bot *concierge.Bot) error {
	sp := f.Speech
	if sp == nil {
		return nil
	}
	cfg := speech.Config{BaseURL: sp.BaseURL, Model: sp.Model, APIKey: sp.APIKey, Languages: sp.Languages, Formats: sp.Formats}
	if sp.Timeout != "" {
		d, err := time.ParseDuration(sp.Timeout)
		if err != nil {
			return fmt.Errorf("bot %s: speech.timeout: %w", bot.ID, err)
		}
		cfg.Timeout = d
	}
	t, err := speech.New(cfg)
	if err != nil {
		return fmt.Errorf("bot %s: %w", bot.ID, err)
	}
	if m.hearers == nil {
		m.hearers = map[concierge.BotID]*speech.Transcriber{}
	}
	m.hearers[bot.ID] = t
	return nil
}

// hearer is the transcriber of bot, or nil (an untyped nil: the fetcher
// tells "no transcriber" by it).
func (m *Main) hearer(bot concierge.BotID) mediafetch.Hearer {
	if t := m.hearers[bot]; t != nil {
		return t
	}
	return nil
}

// wakeMedia wakes the media fetcher once it is built: a voice note's
// conversation waits for it.
func (m *Main) wakeMedia() {
	if m.media != nil {
		m.media.Wake()
	}
}

// runMedia fetches customers' files until ctx ends.
func (m *Main) runMedia(ctx context.Context) { m.media.Run(ctx) }

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
	return &handoff.Media{ID: mi.ID, Kind: mi.Kind, Status: string(mi.Status), ContentType: mi.ContentType, Name: mi.Name,
		Size: mi.Size, Error: mi.Error}
}

package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/handoff"
	"github.com/conciergehq/concierge/handoff/mediafetch"
	"github.com/conciergehq/concierge/store"
)

// wireMedia builds the fetcher of customers' files over the registry's
// channels, and its metrics.
func (m *Main) wireMedia() {
	fetches := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "concierge_media_fetches_total",
		Help: "Downloads of customers' media, by bot and outcome (fetched, retry, failed, too_large, gone)."}, []string{"bot", "outcome"})
	m.media = &mediafetch.Fetcher{Store: m.DB, Channels: m.Registry.Channel, Config: m.Media, Log: m.Log, Metrics: mediaMetrics{fetches}}
	for _, b := range m.Bots {
		m.media.Bots = append(m.media.Bots, b.ID)
	}
	m.Prom.MustRegister(fetches, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "concierge_media_pending",
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

type mediaMetrics struct{ fetches *prometheus.CounterVec }

func (mm mediaMetrics) MediaFetched(bot concierge.BotID, outcome string) {
	mm.fetches.WithLabelValues(string(bot), outcome).Inc()
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

package server

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conciergehq/concierge/store"
)

// Replicas on PostgreSQL (see store/replicas.go and store/work_notify.go):
// each beats every 500 ms and takes over the leases of any replica whose
// heartbeat is 3 s old, then wakes its own workers to claim that work; as
// often, it renews the leases of its own work still in progress (on SQLite
// too: store/lease_renew.go); and
// each listens for NOTIFY of new turns and outbound messages committed by
// any replica, so its workers wake at once rather than on their 250 ms
// poll, which stays as the fallback. SQLite is one process: its workers
// are woken in-process and TakeOver releases a dead predecessor's leases.

type replicaParts struct {
	wakeups   *prometheus.CounterVec
	takeovers prometheus.Counter
}

// wireReplicas applies WorkPoll and registers the replicas' metrics.
func (m *Main) wireReplicas() {
	if m.WorkPoll > 0 {
		m.Runner.Poll, m.Planned.Poll = m.WorkPoll, m.WorkPoll
	}
	m.replicas.wakeups = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "concierge_notify_wakeups_total",
		Help: "Workers woken by a PostgreSQL NOTIFY of new work committed by any replica, by kind (turns, outbox)."}, []string{"kind"})
	m.replicas.takeovers = prometheus.NewCounter(prometheus.CounterOpts{Name: "concierge_replica_takeovers_total",
		Help: "Replicas declared dead (heartbeat stale) whose leases this replica released for takeover."})
	m.Prom.MustRegister(m.replicas.wakeups, m.replicas.takeovers)
}

// registerReplica beats once before any worker starts (PostgreSQL only):
// a lease names its replica, and Reap finds a dead replica by its row, so
// a replica that claimed work before its first beat and died then would
// leave leases nobody reaps, held until they run out.
func (m *Main) registerReplica(ctx context.Context) error {
	if m.DB.Dialect() != store.Postgres {
		return nil
	}
	if _, err := m.DB.Heartbeat(ctx); err != nil {
		return fmt.Errorf("register replica: %w", err)
	}
	return nil
}

// runHeartbeat renews the leases of work in progress until ctx ends and,
// on PostgreSQL, beats and reaps too, then removes this replica's row.
// Start stops it after the workers, so the replica is alive, and its
// leases renewed, for as long as it holds them.
func (m *Main) runHeartbeat(ctx context.Context) {
	m.DB.RunHeartbeat(ctx, store.HeartbeatConfig{Log: m.Log, MaxHold: m.MaxHold, Reaped: func(ids []string) {
		m.replicas.takeovers.Add(float64(len(ids)))
		m.wakeWorkers()
	}})
	if m.DB.Dialect() != store.Postgres {
		return
	}
	dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := m.DB.Deregister(dctx)
	switch {
	case err != nil:
		m.Log.Warn("replica: deregister; other replicas will reap it", "err", err)
	case n > 0:
		// Work stopped without being finished or released; it is
		// claimable again at once.
		m.Log.Warn("replica: released leases still held at stop", "leases", n)
	}
}

// listenWork wakes the workers on NOTIFY of new work until ctx ends
// (PostgreSQL only).
func (m *Main) listenWork(ctx context.Context) {
	m.DB.ListenWork(ctx, func(w store.Work) {
		m.replicas.wakeups.WithLabelValues(string(w)).Inc()
		switch w {
		case store.WorkTurns:
			m.Runner.Wake()
			m.Planned.Wake()
		case store.WorkOutbox:
			m.Dispatcher.Wake()
		}
	}, m.Log)
}

// wakeWorkers makes every worker look for work now: a dead replica's
// leases were just released.
func (m *Main) wakeWorkers() {
	m.Runner.Wake()
	m.Planned.Wake()
	m.Dispatcher.Wake()
}

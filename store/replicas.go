package store

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"
)

// Replicas on one PostgreSQL database find out about each other's death
// through heartbeats. Each open store is a replica with an id of its own
// (ReplicaID); every lease it takes carries that id: the turn, hand-off
// hook, media and named leases as the prefix of their owner token
// ("REPLICA.RANDOM"), the outbox lease in conversations.send_lease_owner.
// A serving replica renews its row of the replicas table every
// HeartbeatEvery; when a row has not been renewed for StaleAfter, any
// live replica releases the leases the dead one held (Reap), and the work
// is claimed again at once rather than when its leases run out (30 s for
// the outbox, 2 min for a planned turn).
//
// Taking over never lets two replicas apply the same work: every
// completion checks that the lease is still the caller's (ApplyTurn,
// FinishHandoffHook, FinishMedia, FinishOutbox), so a replica that was
// only slow, not dead, finds its lease gone and changes nothing. What it
// already did outside the database (a message sent, a webhook posted)
// may then be done again by the new holder: those are at least once, as
// after any lease expiry, and carry their dedupe keys.
//
// Times are the replicas' own clocks, as for every lease: they must agree
// to well within StaleAfter (NTP does).

// Heartbeat defaults: a replica is declared dead after missing about five
// beats, and a dead one's work is taken over within StaleAfter plus one
// beat.
const (
	HeartbeatEvery = 500 * time.Millisecond
	StaleAfter     = 3 * time.Second
)

// ReplicaID is this store's replica id, the prefix of its leases' owner
// tokens. It is fixed at Open.
func (db *DB) ReplicaID() string { return db.replica }

// leaseToken is a fresh owner token for a lease this replica takes.
func (db *DB) leaseToken() string { return db.replica + "." + newToken() }

// Heartbeat records that this replica is alive now, registering it if
// its row is missing: at the first beat, or after another replica
// declared it dead while it was only stalled (it then reports revived, and
// the leases it held before were released; its completions of that work
// will find them gone).
func (db *DB) Heartbeat(ctx context.Context) (revived bool, err error) {
	err = db.InTx(ctx, func(tx *Tx) error {
		now := db.millis(tx.now)
		res, err := tx.exec(ctx, `UPDATE replicas SET heartbeat_at = ? WHERE id = ?`, now, db.replica)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		host, _ := os.Hostname()
		revived = db.beating.Load()
		_, err = tx.exec(ctx, `INSERT INTO replicas (id, host, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)`,
			db.replica, trim(host), os.Getpid(), now, now)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: heartbeat: %w", err)
	}
	db.beating.Store(true)
	return revived, nil
}

// Reap declares dead every replica whose heartbeat is older than stale
// and releases the leases each held, one replica per transaction, and
// returns the ids it reaped. Several replicas may reap at once: deleting
// the replica's row decides which one does it (on PostgreSQL the row lock
// also makes a late heartbeat of that replica wait, then register anew).
func (db *DB) Reap(ctx context.Context, stale time.Duration) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT id FROM replicas WHERE heartbeat_at < ? AND id <> ? ORDER BY id`),
		db.millis(db.now().Add(-stale)), db.replica)
	if err != nil {
		return nil, fmt.Errorf("store: reap: %w", err)
	}
	ids, err := collect(rows, func(r interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
	if err != nil {
		return nil, fmt.Errorf("store: reap: %w", err)
	}
	var reaped []string
	for _, id := range ids {
		var won bool
		err := db.InTx(ctx, func(tx *Tx) error {
			res, err := tx.exec(ctx, `DELETE FROM replicas WHERE id = ? AND heartbeat_at < ?`, id, db.millis(tx.now.Add(-stale)))
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil || n == 0 {
				return err // it beat again, or another replica reaped it
			}
			won = true
			_, err = tx.releaseReplica(ctx, id)
			return err
		})
		if err != nil {
			return reaped, fmt.Errorf("store: reap %s: %w", id, err)
		}
		if won {
			reaped = append(reaped, id)
		}
	}
	return reaped, nil
}

// releaseReplica ends every lease replica id holds and counts them. The owner columns
// have no index: this runs only when a replica died, and a scan of the
// leased tables then is cheaper than an index maintained on every claim.
func (tx *Tx) releaseReplica(ctx context.Context, id string) (int64, error) {
	like := id + ".%" // ids are hex: no LIKE wildcard in them
	var n int64
	for _, q := range []struct {
		sql string
		arg string
	}{
		{`UPDATE conversations SET turn_lease_until = 0, turn_lease_owner = '' WHERE turn_lease_owner LIKE ?`, like},
		{`UPDATE conversations SET send_lease_until = 0, send_lease_owner = '' WHERE send_lease_owner = ?`, id},
		{`UPDATE handoffs SET hook_lease_until = 0, hook_lease_owner = '' WHERE hook_lease_owner LIKE ?`, like},
		{`UPDATE media SET lease_until = 0, lease_owner = '' WHERE lease_owner LIKE ?`, like},
		{`UPDATE agent_events SET lease_until = 0, lease_owner = '' WHERE lease_owner LIKE ?`, like},
		{`UPDATE wechat_tokens SET lease_until = 0, lease_owner = '' WHERE lease_owner LIKE ?`, like},
		{`DELETE FROM leases WHERE owner LIKE ?`, like},
		{`DELETE FROM agent_flights WHERE owner LIKE ?`, like},
	} {
		res, err := tx.execOnce(ctx, q.sql, q.arg)
		if err != nil {
			return 0, err
		}
		k, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		n += k
	}
	return n, nil
}

// Deregister removes this replica's row on a clean stop, after its work
// has finished, and releases any lease it still holds: with its row gone
// no replica would reap them, and they would wait to run out.
// It returns how many leases it released.
func (db *DB) Deregister(ctx context.Context) (released int64, err error) {
	err = db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `DELETE FROM replicas WHERE id = ?`, db.replica); err != nil {
			return err
		}
		released, err = tx.releaseReplica(ctx, db.replica)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: deregister: %w", err)
	}
	return released, nil
}

// Replica is one row of the replicas table.
type Replica struct {
	ID        string
	Host      string
	PID       int
	StartedAt time.Time
	Heartbeat time.Time
}

// Replicas lists the registered replicas, for operators and tests.
func (db *DB) Replicas(ctx context.Context) ([]Replica, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, host, pid, started_at, heartbeat_at FROM replicas ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: replicas: %w", err)
	}
	out, err := collect(rows, func(r interface{ Scan(...any) error }) (Replica, error) {
		var rp Replica
		var started, beat int64
		err := r.Scan(&rp.ID, &rp.Host, &rp.PID, &started, &beat)
		rp.StartedAt, rp.Heartbeat = fromMillis(started), fromMillis(beat)
		return rp, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: replicas: %w", err)
	}
	return out, nil
}

// HeartbeatConfig tunes RunHeartbeat; zero values take the defaults.
type HeartbeatConfig struct {
	Every time.Duration // HeartbeatEvery
	Stale time.Duration // StaleAfter
	// Reaped is called after dead replicas' leases were released, so the
	// caller wakes its workers to claim that work now.
	Reaped func(ids []string)
	// MaxHold is how long one lease of work in progress is renewed at
	// most (MaxHold); see RenewLeases.
	MaxHold time.Duration
	Log     *slog.Logger
}

// RunHeartbeat beats, reaps and renews the leases of this replica's work
// in progress every cfg.Every until ctx ends. On SQLite, which one
// process serves, it only renews: a lease the process let run out would
// be claimed again by its own next claim while the work still runs. A
// failed beat is logged and tried again on the next tick: the replica
// keeps working, and its completions are fenced if it is reaped
// meanwhile.
func (db *DB) RunHeartbeat(ctx context.Context, cfg HeartbeatConfig) {
	if cfg.Every <= 0 {
		cfg.Every = HeartbeatEvery
	}
	if cfg.Stale <= 0 {
		cfg.Stale = StaleAfter
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	// Renewals tick apart from the beats: a renewal may wait for a row
	// another transaction holds (a turn batch locks its conversations,
	// and may ask a supplier for seconds meanwhile), which must never
	// delay the beat that keeps this replica from being declared dead.
	renewing := make(chan struct{})
	go func() { defer close(renewing); every(ctx, cfg.Every, func() { db.renewTick(ctx, cfg) }) }()
	defer func() { <-renewing }()
	if db.dialect != Postgres {
		<-ctx.Done()
		return
	}
	failing := false
	every(ctx, cfg.Every, func() { failing = db.beatAndReap(ctx, cfg, failing) })
}

// every calls fn at once and then every d until ctx ends; a call that
// takes longer than d delays the next rather than piling calls up.
func every(ctx context.Context, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		fn()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// renewTick renews the leases due and logs what could not be renewed.
func (db *DB) renewTick(ctx context.Context, cfg HeartbeatConfig) {
	r, err := db.RenewLeases(ctx, cfg.MaxHold)
	if err != nil && ctx.Err() == nil {
		// Tried again next tick; a lease that runs out meanwhile is
		// claimed by another worker, whose completion then wins.
		cfg.Log.Error("replica: renew leases", "err", err)
	}
	if len(r.Lost) > 0 {
		cfg.Log.Warn("replica: leases of work in progress were taken over; its outcome will be refused", "leases", r.Lost)
	}
	if len(r.Expired) > 0 {
		cfg.Log.Warn("replica: work held its lease past the longest renewal; no longer renewed, another worker may take it over",
			"leases", r.Expired, "max_hold", cmp.Or(cfg.MaxHold, MaxHold))
	}
}

// beatAndReap beats once and, if the beat worked, reaps dead replicas;
// failing says whether the previous beat failed, and it returns whether
// this one did.
func (db *DB) beatAndReap(ctx context.Context, cfg HeartbeatConfig, failing bool) bool {
	revived, err := db.Heartbeat(ctx)
	if ctx.Err() != nil {
		return failing
	}
	switch {
	case err != nil && !failing:
		failing = true
		cfg.Log.Error("replica: heartbeat failed; other replicas take this one's work over if it lasts", "err", err, "stale_after", cfg.Stale)
	case err == nil && failing:
		failing = false
		cfg.Log.Info("replica: heartbeat back")
	}
	if revived {
		cfg.Log.Warn("replica: declared dead by another replica while stalled; its leases were taken over", "replica", db.replica)
	}
	if err == nil {
		ids, err := db.Reap(ctx, cfg.Stale)
		if err != nil && ctx.Err() == nil {
			cfg.Log.Error("replica: reap", "err", err)
		}
		if len(ids) > 0 {
			cfg.Log.Warn("replica: took over the leases of replicas whose heartbeat stopped", "replicas", ids)
			if cfg.Reaped != nil {
				cfg.Reaped(ids)
			}
		}
	}
	return failing
}

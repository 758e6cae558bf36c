package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// A live replica renews the leases of its work still in progress, so that
// work outlasting its lease (a slow LLM call, a slow platform send) is not
// claimed by another worker while it runs: the store knows exactly which
// leases are in progress, since it hands each one out at a claim and
// takes it back at the matching finish or release. Each claim records the
// lease here; each finish or release forgets it, whatever its outcome;
// RenewLeases, called by RunHeartbeat as often as it beats (in a loop of
// its own, so that a renewal waiting for a locked row never delays a
// beat), extends
// those past half their length by their length again, checking that each
// is still this replica's. Workers do nothing for it: one code path serves
// turns, outbox conversations, hand-off hooks, agent events, media,
// named leases and agents' requests in flight.
//
// A replica that dies renews nothing, and its leases are taken over by
// Reap within StaleAfter as before. A replica declared dead while it was
// only stalled finds its leases released: their renewal matches no row,
// and they are forgotten.

// leaseKind is a table of leases that can be renewed.
type leaseKind int

const (
	leaseTurn leaseKind = iota
	leaseSend
	leaseHook
	leaseAgentEvent
	leaseMedia
	leaseNamed
	leaseFlight
)

// renewSQL extends one lease of each kind to a new expiry if its holder
// is still the one given: key, then owner.
var renewSQL = [...]string{
	leaseTurn:       `UPDATE conversations SET turn_lease_until = ? WHERE id = ? AND turn_lease_owner = ?`,
	leaseSend:       `UPDATE conversations SET send_lease_until = ? WHERE id = ? AND send_lease_owner = ?`,
	leaseHook:       `UPDATE handoffs SET hook_lease_until = ? WHERE id = ? AND hook_lease_owner = ?`,
	leaseAgentEvent: `UPDATE agent_events SET lease_until = ? WHERE id = ? AND lease_owner = ?`,
	leaseMedia:      `UPDATE media SET lease_until = ? WHERE message_id = ? AND lease_owner = ?`,
	leaseNamed:      `UPDATE leases SET lease_until = ? WHERE name = ? AND owner = ?`,
	leaseFlight:     `UPDATE agent_flights SET lease_until = ? WHERE key = ? AND owner = ?`,
}

var leaseKindNames = [...]string{"turn", "outbox", "handoff hook", "agent event", "media", "named", "agent request"}

// heldKey names one lease: its kind, its row (id, or name for named
// leases) and its owner token (the replica id for the outbox).
type heldKey struct {
	kind  leaseKind
	id    int64
	name  string
	owner string
}

type heldLease struct {
	ttl   time.Duration
	since time.Time // when it was claimed
	until time.Time // when it runs out unless renewed
}

// heldLeases is the work in progress of one replica.
type heldLeases struct {
	mu sync.Mutex
	m  map[heldKey]heldLease
}

// hold records a lease claimed at now for ttl.
func (db *DB) hold(k heldKey, now time.Time, ttl time.Duration) {
	db.held.mu.Lock()
	defer db.held.mu.Unlock()
	if db.held.m == nil {
		db.held.m = map[heldKey]heldLease{}
	}
	db.held.m[k] = heldLease{ttl: ttl, since: now, until: now.Add(ttl)}
}

// drop forgets leases whose work ended (finished, released or given up):
// they are no longer renewed.
func (db *DB) drop(ks ...heldKey) {
	db.held.mu.Lock()
	defer db.held.mu.Unlock()
	for _, k := range ks {
		delete(db.held.m, k)
	}
}

// MaxHold is how long RenewLeases keeps renewing one lease by default.
// Work that runs longer is taken to be stuck (every worker bounds its
// calls far below this): its lease then runs out as if unrenewed, and
// another worker may take the work over, whose completion then wins.
const MaxHold = 15 * time.Minute

// The bounds of a MaxHold an operator sets (serve --max-hold). Below
// MinMaxHold, work still within its workers' own limits (a planned turn
// of up to a minute of model calls, a download of up to a minute, each
// after waiting for its batch) could be taken to be stuck and done
// twice; above MaxMaxHold, work that hangs keeps its lease for longer
// than any customer waits.
const (
	MinMaxHold = 2 * time.Minute
	MaxMaxHold = 24 * time.Hour
)

// ParseMaxHold reads a longest renewal written as a duration ("15m",
// serve's --max-hold) and checks it (CheckMaxHold).
func ParseMaxHold(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New("not a duration such as 15m or 1h")
	}
	return d, CheckMaxHold(d)
}

// CheckMaxHold says why d cannot be the longest renewal of a lease, or
// nil when it can.
func CheckMaxHold(d time.Duration) error {
	if d < MinMaxHold || d > MaxMaxHold {
		return fmt.Errorf("%s is outside %s–%s: below, work still within its limits could be done twice; above, stuck work keeps its lease for a day or more",
			d, MinMaxHold, MaxMaxHold)
	}
	return nil
}

// Renewed is what one RenewLeases call did.
type Renewed struct {
	Renewed int      // leases extended
	Lost    []string // leases found no longer this replica's, forgotten
	Expired []string // leases held past maxHold, no longer renewed
}

// HeldLeases is how many leases of work in progress this replica holds.
func (db *DB) HeldLeases() int {
	db.held.mu.Lock()
	defer db.held.mu.Unlock()
	return len(db.held.m)
}

// RenewLeases extends, by its length from now, every lease of work still
// in progress that is past half its length, unless the work has held it
// for maxHold (MaxHold when zero). All renewals are one transaction; a
// lease whose row no longer names this holder (it was taken over, or its
// row is gone) is forgotten and reported lost. Nothing is written when no
// lease needs renewing, which is the common case: most work ends well
// within half its lease.
func (db *DB) RenewLeases(ctx context.Context, maxHold time.Duration) (Renewed, error) {
	if maxHold <= 0 {
		maxHold = MaxHold
	}
	now := db.now()
	type due struct {
		k     heldKey
		until time.Time
	}
	var todo []due
	var r Renewed
	db.held.mu.Lock()
	for k, l := range db.held.m {
		if l.until.Sub(now) > l.ttl/2 {
			continue
		}
		if now.Sub(l.since) >= maxHold {
			delete(db.held.m, k)
			r.Expired = append(r.Expired, k.String())
			continue
		}
		todo = append(todo, due{k, now.Add(l.ttl)})
	}
	db.held.mu.Unlock()
	if len(todo) == 0 {
		return r, nil
	}
	var renewed []due
	var lost []heldKey
	err := db.InTx(ctx, func(tx *Tx) error {
		renewed, lost = nil, nil
		for _, d := range todo {
			var key any = d.k.id
			if d.k.kind == leaseNamed || d.k.kind == leaseFlight {
				key = d.k.name
			}
			res, err := tx.exec(ctx, renewSQL[d.k.kind], db.millis(d.until), key, d.k.owner)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			if n == 1 {
				renewed = append(renewed, d)
			} else {
				lost = append(lost, d.k)
			}
		}
		return nil
	})
	if err != nil {
		return r, fmt.Errorf("store: renew leases: %w", err)
	}
	db.held.mu.Lock()
	defer db.held.mu.Unlock()
	for _, d := range renewed {
		// The work may have ended while the renewal ran: then it is gone
		// from the map and stays gone.
		if l, ok := db.held.m[d.k]; ok {
			l.until = d.until
			db.held.m[d.k] = l
		}
	}
	for _, k := range lost {
		// Work that ended meanwhile cleared its own lease: not lost.
		if _, ok := db.held.m[k]; ok {
			delete(db.held.m, k)
			r.Lost = append(r.Lost, k.String())
		}
	}
	r.Renewed = len(renewed)
	return r, nil
}

func (k heldKey) String() string {
	if k.kind == leaseNamed || k.kind == leaseFlight {
		return leaseKindNames[k.kind] + " " + k.name
	}
	return fmt.Sprintf("%s %d", leaseKindNames[k.kind], k.id)
}

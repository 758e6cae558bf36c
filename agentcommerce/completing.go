package agentcommerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/conciergehq/concierge"
)

// UCP's checkout has a status for a completion being processed,
// complete_in_progress ("Business is processing the Complete Checkout
// request", checkout.md). A completion here is one transaction, which
// other requests cannot see into (and on SQLite wait for), so the
// completion is announced before it starts, as a claim every replica
// sees (Store.ClaimFlight, scope "<bot>/complete", key the session):
// a read of the session while the claim lives answers
// StatusCompleting, a second completion is answered the same without
// charging anything, and a change (update, cancel) is refused with
// ReasonCompleting (Changeable) — each at once, reading only the claim
// and the last committed session, never waiting for the completion.

// completing is the flights scope of bot's sessions being completed.
func completing(bot concierge.BotID) string { return string(bot) + "/complete" }

// BeginComplete announces, to every replica, that session id of bot is
// being completed, until release is called (or the claim's lease runs
// out, should this process die). busy is true, and release nil, when
// another completion of the session is being processed. release ends
// the claim and then writes the transcript lines of the changes this
// replica refused meanwhile (Changeable), so that they follow the
// completion's own line. release may be called more than once.
func (s *Service) BeginComplete(ctx context.Context, bot concierge.BotID, id string) (release func(), busy bool, err error) {
	token, _, err := s.store.ClaimFlight(ctx, completing(bot), id, "complete", FlightLease)
	if err != nil {
		return nil, false, err
	}
	if token == "" {
		return nil, true, nil
	}
	key := completing(bot) + "/" + id
	s.mu.Lock()
	s.completions[key] = nil
	s.mu.Unlock()
	return sync.OnceFunc(func() {
		// The claim ends even when the agent hung up; a failed release
		// runs out with the lease.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		s.store.ReleaseFlight(rctx, completing(bot), id, token)
		s.mu.Lock()
		refused := s.completions[key]
		delete(s.completions, key)
		s.mu.Unlock()
		if len(refused) == 0 {
			return
		}
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		for _, e := range refused {
			s.recordRefusal(wctx, e)
		}
	}), false, nil
}

// Completing returns session id of bot with StatusCompleting while a
// completion of it is being processed, as last committed, and nil when
// none is (or the session has finished meanwhile, or is unknown: the
// ordinary read answers those). It does not wait for the completing
// transaction.
func (s *Service) Completing(ctx context.Context, bot concierge.BotID, id string) (*Session, error) {
	if s.Shop(bot) == nil || id == "" {
		return nil, nil
	}
	live, err := s.store.FlightLive(ctx, completing(bot), id)
	if err != nil || !live {
		return nil, err
	}
	body, err := s.store.CommittedSession(ctx, bot, id)
	if errors.Is(err, concierge.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var sess Session
	if err := json.Unmarshal(body, &sess); err != nil {
		return nil, fmt.Errorf("agentcommerce: session %s: %w", id, err)
	}
	if sess.Status == StatusCompleted || sess.Status == StatusCanceled {
		return nil, nil
	}
	sess.Status, sess.Messages = StatusCompleting, nil
	return &sess, nil
}

// Change is a change of a session that a completion in progress
// refuses (Changeable), in the words of its transcript line.
type Change string

// The changes.
const (
	ChangeUpdate Change = "update the checkout"
	ChangeCancel Change = "cancel the checkout"
)

// Changeable refuses, with ReasonCompleting, change of session id of
// bot while a completion of it is being processed by any replica. It
// reads only the claim (BeginComplete's), so it answers at once: the
// change would otherwise wait for the completion's transaction (on
// SQLite, the one writer) and then be refused as finished. A completion
// that starts just after the check makes the change wait for it as
// before. The refusal's transcript line, which would wait for the same
// writer, is written once the completion has ended: by the completion's
// release when it runs in this process, otherwise in the background
// (see Wait).
func (s *Service) Changeable(ctx context.Context, bot concierge.BotID, id string, change Change) error {
	if s.Shop(bot) == nil || id == "" {
		return nil
	}
	live, err := s.store.FlightLive(ctx, completing(bot), id)
	if err != nil {
		return err
	}
	if !live {
		return nil
	}
	e := refuse(ReasonCompleting, "", "the checkout is being completed and cannot change now; read it again")
	about(e, bot, id, string(change))
	s.recordAfterCompletion(ctx, bot, id, e)
	return e
}

// recordAfterCompletion writes e's transcript line once the completion
// of session id of bot has ended. A completion of this process takes
// the line with it, and writes it when it releases its claim; one of
// another replica is waited for in the background, by watching its
// claim, which never waits for its transaction: one waiter per session
// writes the lines in the order the refusals came.
func (s *Service) recordAfterCompletion(ctx context.Context, bot concierge.BotID, id string, e *Error) {
	key := completing(bot) + "/" + id
	s.mu.Lock()
	defer s.mu.Unlock()
	if refused, local := s.completions[key]; local {
		s.completions[key] = append(refused, e)
		return
	}
	if refused, waiting := s.waiting[key]; waiting {
		s.waiting[key] = append(refused, e)
		return
	}
	s.waiting[key] = []*Error{e}
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), maxAwaitCompletion)
		defer cancel()
		err := s.awaitCompletion(ctx, bot, id)
		for {
			s.mu.Lock()
			refused := s.waiting[key]
			if len(refused) == 0 {
				delete(s.waiting, key)
				s.mu.Unlock()
				return
			}
			s.waiting[key] = refused[:0:0]
			s.mu.Unlock()
			for _, e := range refused {
				if err != nil {
					s.Log.Warn("agentcommerce: transcript of a refused call", "bot", bot, "session", id, "err", err)
					continue
				}
				s.recordRefusal(ctx, e)
			}
		}
	}()
}

// maxAwaitCompletion bounds how long a refusal's line waits for a
// completion of another replica: a claim lives while its completion
// runs and at most FlightLease after its replica died.
const maxAwaitCompletion = 15 * time.Minute

// awaitCompletion returns once no completion of session id of bot is
// being processed, reading the claim at growing intervals (from 50 ms
// to 2 s).
func (s *Service) awaitCompletion(ctx context.Context, bot concierge.BotID, id string) error {
	wait := 50 * time.Millisecond
	for {
		live, err := s.store.FlightLive(ctx, completing(bot), id)
		if err != nil {
			return err
		}
		if !live {
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// Wait returns once the transcript lines of refused changes that wait,
// in the background, for a completion of another replica have been
// written (or given up on). A server calls it as it stops.
func (s *Service) Wait() { s.background.Wait() }

package agentcommerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
// another completion of the session is being processed.
func (s *Service) BeginComplete(ctx context.Context, bot concierge.BotID, id string) (release func(), busy bool, err error) {
	token, _, err := s.store.ClaimFlight(ctx, completing(bot), id, "complete", FlightLease)
	if err != nil {
		return nil, false, err
	}
	if token == "" {
		return nil, true, nil
	}
	return func() {
		// The claim ends even when the agent hung up; a failed release
		// runs out with the lease.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		s.store.ReleaseFlight(rctx, completing(bot), id, token)
	}, false, nil
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

// Changeable refuses, with ReasonCompleting, a change (update, cancel)
// of session id of bot while a completion of it is being processed by
// any replica. It reads only the claim (BeginComplete's), so it answers
// at once: the change would otherwise wait for the completion's
// transaction (on SQLite, the one writer) and then be refused as
// finished. A completion that starts just after the check makes the
// change wait for it as before. The refusal is not written into the
// session's transcript, which would wait for the same writer.
func (s *Service) Changeable(ctx context.Context, bot concierge.BotID, id string) error {
	if s.Shop(bot) == nil || id == "" {
		return nil
	}
	live, err := s.store.FlightLive(ctx, completing(bot), id)
	if err != nil {
		return err
	}
	if live {
		return refuse(ReasonCompleting, "", "the checkout is being completed and cannot change now; read it again")
	}
	return nil
}

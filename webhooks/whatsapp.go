package webhooks

import (
	"context"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/whatsapp"
)

// Deliveries applies delivery statuses (EventStatus) to the outbound
// messages they report on.
type Deliveries interface {
	// ApplyStatus records ev for the message whose platform id is ev.Ref
	// and returns "applied", "stale" (older than what is known, or a
	// repeat) or "unknown" (not a message of ours). An error means it was
	// not recorded and the notification must come again.
	ApplyStatus(ctx context.Context, ev concierge.Event) (string, error)
}

func (s *Server) whatsappBot(c echo.Context) (*Bot, error) {
	b, err := s.bot(c)
	if err != nil {
		return nil, err
	}
	if s.whatsappOf(b) == nil {
		return nil, concierge.Errorf(concierge.CodeNotFound, "webhooks", "this bot has no WhatsApp number")
	}
	return b, nil
}

// whatsappVerify answers Meta's subscription check: 200 with the raw
// challenge, or 403 when the verify token is wrong.
func (s *Server) whatsappVerify(c echo.Context) error {
	b, err := s.whatsappBot(c)
	if err != nil {
		return err
	}
	ch, err := s.whatsappOf(b).Adapter.Challenge(c.QueryParams())
	if err != nil {
		if concierge.ErrorCode(err) == concierge.CodeUnauthorized {
			return echo.NewHTTPError(http.StatusForbidden, "verification token did not match")
		}
		return err
	}
	return c.String(http.StatusOK, ch)
}

// whatsappNotify receives a notification: the signature over the raw body
// first (forged → 401, nothing stored), then every message is stored,
// de-duplicated on its wamid, in one transaction, and every status is
// applied; only then is it acknowledged, so that Meta retries anything not
// durably taken. Items for another number are routed to the bot that owns
// it when that bot's app secret also verifies the notification (several
// numbers of one Meta app share one callback URL), and dropped otherwise.
// A choice whose token is unknown (see whatsapp.Adapter.Resolve) is
// stored as concierge.ExpiredChoice; the agent tells the customer.
func (s *Server) whatsappNotify(c echo.Context) error {
	b, err := s.whatsappBot(c)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // echo's BodyLimit answers 413
	}
	sig := c.Request().Header.Get(whatsapp.HeaderSignature)
	if err := s.whatsappOf(b).Adapter.VerifySignature(sig, body); err != nil {
		return err
	}
	items, err := whatsapp.Decode(body, s.cfg.Now())
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var evs, statuses []concierge.Event
	dropped, expired := 0, 0
	for _, it := range items {
		owner := s.whatsappOwner(b, it.PhoneNumberID, sig, body)
		if owner == nil {
			dropped++
			continue
		}
		ev := it.Event
		ev.Bot = owner.Bot.ID
		if err := s.whatsappOf(owner).Adapter.Resolve(ctx, &ev); err != nil {
			return err
		}
		if ev.Value == concierge.ExpiredChoice {
			expired++
			s.cfg.Log.InfoContext(c.Request().Context(), "whatsapp: choice expired", "bot", ev.Bot, "key", ev.DedupeKey)
		}
		if ev.Kind == concierge.EventStatus {
			statuses = append(statuses, ev)
		} else {
			evs = append(evs, ev)
		}
	}
	if dropped > 0 {
		s.cfg.Log.WarnContext(c.Request().Context(), "whatsapp: items for a phone number no bot here owns", "bot", b.Bot.ID, "dropped", dropped)
	}
	res := map[string]int{"messages": len(evs), "duplicates": 0, "statuses": 0, "unknown_statuses": 0, "dropped": dropped, "expired": expired}
	if len(evs) > 0 {
		dup, err := s.cfg.Ingest.Ingest(ctx, evs)
		if err != nil {
			return err
		}
		for _, d := range dup {
			if d {
				res["duplicates"]++
			}
		}
	}
	for _, st := range statuses {
		if s.cfg.Deliveries == nil {
			break
		}
		r, err := s.cfg.Deliveries.ApplyStatus(ctx, st)
		if err != nil {
			return err
		}
		switch r {
		case "unknown":
			res["unknown_statuses"]++
		case "applied":
			res["statuses"]++
			if st.Value == "failed" {
				s.cfg.Log.WarnContext(c.Request().Context(), "whatsapp: message failed after sending", "bot", st.Bot, "ref", st.Ref, "error", st.Text)
			}
		}
	}
	return c.JSON(http.StatusOK, res)
}

// whatsappOwner is the bot that owns phone: the route's bot, or another
// bot of this server whose app secret also verifies the notification.
func (s *Server) whatsappOwner(route *Bot, phone, sig string, body []byte) *Bot {
	if s.whatsappOf(route).Adapter.PhoneNumberID() == phone {
		return route
	}
	for _, b := range s.cfg.Bots {
		if s.whatsappOf(b) != nil && s.whatsappOf(b).Adapter.PhoneNumberID() == phone && s.whatsappOf(b).Adapter.VerifySignature(sig, body) == nil {
			return b
		}
	}
	return nil
}

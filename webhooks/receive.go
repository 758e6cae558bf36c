package webhooks

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/conciergehq/concierge"
)

// receive is the route of every channel that is a concierge.Receiver,
// and of every payment provider that is a concierge.PaymentNotifier,
// that has no route of its own; the registry says which the last segment
// names. The signature comes first (forged → 401, nothing stored or
// applied). A channel's events are then stored, de-duplicated, in one
// transaction, and only then acknowledged; a provider's notice is applied
// (notice.go). A bot with neither of that name is 404.
func (s *Server) receive(c echo.Context) error {
	b, err := s.bot(c)
	if err != nil {
		return err
	}
	name := c.Param("name")
	r, isChannel := s.cfg.Channels.Channel(b.Bot.ID, concierge.Channel(name)).(concierge.Receiver)
	p, isProvider := s.cfg.Channels.Provider(b.Bot.ID, name).(concierge.PaymentNotifier)
	if !isChannel && !isProvider {
		return concierge.Errorf(concierge.CodeNotFound, "webhooks", "this bot has no channel or payment provider %q that takes webhooks", name)
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // echo's BodyLimit answers 413
	}
	if !isChannel {
		return s.notice(c, b, name, p, body)
	}
	return s.events(c, b, concierge.Channel(name), r, body)
}

// events stores what a channel's webhook brought, then acknowledges it.
func (s *Server) events(c echo.Context, b *Bot, ch concierge.Channel, r concierge.Receiver, body []byte) error {
	ctx := c.Request().Context()
	evs, err := r.Receive(ctx, c.Request().Header, body)
	if err != nil {
		return err
	}
	for i := range evs {
		// The route says whose events these are, whatever the body says.
		evs[i].Bot, evs[i].Channel = b.Bot.ID, ch
	}
	dups := 0
	if len(evs) > 0 {
		dup, err := s.cfg.Ingest.Ingest(ctx, evs)
		if err != nil {
			return err
		}
		for _, d := range dup {
			if d {
				dups++
			}
		}
	}
	return c.JSON(http.StatusOK, map[string]int{"events": len(evs), "duplicates": dups})
}

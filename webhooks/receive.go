package webhooks

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/conciergehq/concierge"
)

// receive is the route of every channel that is a concierge.Receiver
// and has no route of its own: the signature first (forged → 401,
// nothing stored), then the events are stored, de-duplicated, in one
// transaction, and only then acknowledged. A bot without that channel is
// 404.
func (s *Server) receive(c echo.Context) error {
	b, err := s.bot(c)
	if err != nil {
		return err
	}
	ch := concierge.Channel(c.Param("channel"))
	r, ok := s.cfg.Channels.Channel(b.Bot.ID, ch).(concierge.Receiver)
	if !ok {
		return concierge.Errorf(concierge.CodeNotFound, "webhooks", "this bot has no channel %q that takes webhooks", ch)
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // echo's BodyLimit answers 413
	}
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

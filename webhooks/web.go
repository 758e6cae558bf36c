package webhooks

import (
	"bytes"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/web"
)

func (s *Server) webBot(c echo.Context) (*Bot, error) {
	b, err := s.bot(c)
	if err != nil {
		return nil, err
	}
	if !b.Web {
		return nil, concierge.Errorf(concierge.CodeNotFound, "webhooks", "this bot has no web chat")
	}
	return b, nil
}

func (s *Server) widgetPage(c echo.Context) error {
	b, err := s.webBot(c)
	if err != nil {
		return err
	}
	var locales []string
	for _, l := range b.Bot.Locales {
		locales = append(locales, string(l))
	}
	var buf bytes.Buffer
	if err := s.cfg.Web.Page(&buf, web.PageData{Bot: string(b.Bot.ID), Name: b.Bot.Name, Locales: locales, DefaultLocale: string(b.Bot.DefaultLocale())}); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors *")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// widgetPost stores a customer's message and acknowledges it; the reply
// comes later on the event stream.
func (s *Server) widgetPost(c echo.Context) error {
	b, err := s.webBot(c)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // echo's BodyLimit answers 413
	}
	ev, err := web.Decode(b.Bot.ID, body, s.cfg.Now())
	if err != nil {
		return err
	}
	dup, err := s.cfg.Ingest.Ingest(c.Request().Context(), []concierge.Event{ev})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, web.Ack{Accepted: true, Duplicate: dup[0]})
}

func (s *Server) widgetHistory(c echo.Context) error {
	b, err := s.webBot(c)
	if err != nil {
		return err
	}
	q, err := web.ParseQuery(c.QueryParams())
	if err != nil {
		return err
	}
	es, err := s.cfg.Transcripts.WebTranscript(c.Request().Context(), b.Bot.ID, q.Chat, q.After, 500)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, web.History{Messages: es})
}

// streamPoll is how often an open stream also reads the store, so that a
// message sent by another replica (whose Hub this process cannot hear)
// still arrives within that time.
const streamPoll = 2 * time.Second

// widgetEvents streams the conversation's new entries as Server-Sent
// Events: subscribe first, then write what is stored after the cursor,
// then forward live entries, skipping any already written.
func (s *Server) widgetEvents(c echo.Context) error {
	b, err := s.webBot(c)
	if err != nil {
		return err
	}
	q, err := web.ParseQuery(c.QueryParams())
	if err != nil {
		return err
	}
	if id := c.Request().Header.Get("Last-Event-ID"); id != "" {
		if lq, err := web.ParseQuery(map[string][]string{"session": {string(q.Chat)}, "after": {id}}); err == nil && lq.After > q.After {
			q.After = lq.After
		}
	}
	ctx := c.Request().Context()
	live, cancel := s.cfg.Hub.Subscribe(b.Bot.ID, q.Chat)
	defer cancel()

	w := c.Response()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	last := q.After
	catchUp := func() error {
		es, err := s.cfg.Transcripts.WebTranscript(ctx, b.Bot.ID, q.Chat, last, 500)
		if err != nil {
			return err
		}
		for _, e := range es {
			if err := web.WriteSSE(w, e); err != nil {
				return err
			}
			last = e.Seq
		}
		w.Flush()
		return nil
	}
	if err := catchUp(); err != nil {
		return nil // the stream is open; the widget reconnects
	}
	ping := time.NewTicker(web.PingInterval)
	defer ping.Stop()
	poll := time.NewTicker(streamPoll)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-live:
			if !ok {
				return nil
			}
			if e.Seq <= last {
				continue
			}
			if e.Seq > last+1 {
				// Something in between (the customer's own message,
				// or a send we did not hear) is in the store.
				if err := catchUp(); err != nil {
					return nil
				}
				if e.Seq <= last {
					continue
				}
			}
			if web.WriteSSE(w, e) != nil {
				return nil
			}
			last = e.Seq
			w.Flush()
		case <-poll.C:
			if catchUp() != nil {
				return nil
			}
		case <-ping.C:
			if web.WritePing(w) != nil {
				return nil
			}
			w.Flush()
		}
	}
}

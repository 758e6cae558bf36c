package webhooks

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/wechat"
)

func (s *Server) wechatBot(c echo.Context) (*Bot, error) {
	b, err := s.bot(c)
	if err != nil {
		return nil, err
	}
	if s.wechatOf(b) == nil {
		return nil, concierge.Errorf(concierge.CodeNotFound, "webhooks", "this bot has no WeChat Official Account")
	}
	return b, nil
}

// wechatVerify answers WeChat's server check: 200 with echostr verbatim,
// or 403 when the signature is wrong.
func (s *Server) wechatVerify(c echo.Context) error {
	b, err := s.wechatBot(c)
	if err != nil {
		return err
	}
	echo, err := s.wechatOf(b).Adapter.VerifyURL(c.QueryParams())
	if err != nil {
		return echo403(err)
	}
	return c.String(http.StatusOK, echo)
}

func echo403(err error) error {
	if concierge.ErrorCode(err) == concierge.CodeUnauthorized {
		return echo.NewHTTPError(http.StatusForbidden, "signature did not match")
	}
	return err
}

// wechatMessage receives a pushed message or event. The signature (and in
// safe mode the msg_signature, decryption and app id) is checked first —
// forged → 403, nothing stored; the event is stored, de-duplicated on its
// MsgId (FromUserName+CreateTime for events); and only then is WeChat
// answered "success", at once: the bot's replies go out later through the
// customer-service API, so WeChat's 5-second limit never depends on the
// agent, and a retry of a message already stored is answered the same.
func (s *Server) wechatMessage(c echo.Context) error {
	b, err := s.wechatBot(c)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // echo's BodyLimit answers 413
	}
	a := s.wechatOf(b).Adapter
	m, err := a.Open(c.QueryParams(), body)
	if err != nil {
		return echo403(err)
	}
	ev, err := wechat.Decode(m)
	if err != nil {
		return err
	}
	log := s.cfg.Log.With("bot", b.Bot.ID, "channel", "wechat")
	if ev == nil {
		log.DebugContext(c.Request().Context(), "wechat: push ignored", "type", m.MsgType, "event", m.Event)
		return success(c)
	}
	ctx := c.Request().Context()
	if err := a.Resolve(ctx, ev); err != nil {
		return err
	}
	ev.Bot = b.Bot.ID
	dup, err := s.cfg.Ingest.Ingest(ctx, []concierge.Event{*ev})
	if err != nil {
		return err
	}
	if len(dup) == 1 && dup[0] {
		log.InfoContext(c.Request().Context(), "wechat: retry of a stored message", "key", ev.DedupeKey)
	}
	return success(c)
}

// success is the answer that tells WeChat the message was taken and no
// passive reply follows.
func success(c echo.Context) error {
	return c.String(http.StatusOK, "success")
}

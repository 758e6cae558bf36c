package wechat

import (
	"io"
	"net/http"

	"github.com/conciergehq/concierge"
)

var _ concierge.WebhookServer = (*Adapter)(nil)

// WebhookRoutes are WeChat's server check (GET) and its pushed messages
// (POST), at /webhooks/{bot}/wechat.
func (a *Adapter) WebhookRoutes() []concierge.WebhookRoute {
	const pattern = "/webhooks/{bot}/" + string(concierge.ChannelWeChat)
	return []concierge.WebhookRoute{
		{Method: http.MethodGet, Pattern: pattern, Serve: a.serveVerify},
		{Method: http.MethodPost, Pattern: pattern, MaxBody: MaxBodyBytes, Serve: a.serveMessage},
	}
}

// serveVerify answers WeChat's server check: 200 with echostr verbatim,
// or 403 when the signature is wrong.
func (a *Adapter) serveVerify(w http.ResponseWriter, r *http.Request, _ concierge.WebhookHost) error {
	echo, err := a.VerifyURL(r.URL.Query())
	if err != nil {
		return forbidden(err)
	}
	writeText(w, echo)
	return nil
}

func forbidden(err error) error {
	if concierge.ErrorCode(err) == concierge.CodeUnauthorized {
		return &concierge.WebhookStatus{Status: http.StatusForbidden, Message: "signature did not match"}
	}
	return err
}

// serveMessage receives a pushed message or event. The signature (and in
// safe mode the msg_signature, decryption and app id) is checked first —
// forged → 403, nothing stored; the event is stored, de-duplicated on its
// MsgId (FromUserName+CreateTime for events); and only then is WeChat
// answered "success", at once: the bot's replies go out later through the
// customer-service API, so WeChat's 5-second limit never depends on the
// agent, and a retry of a message already stored is answered the same.
func (a *Adapter) serveMessage(w http.ResponseWriter, r *http.Request, h concierge.WebhookHost) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err // past the body limit: webhooks answers 413
	}
	m, err := a.Open(r.URL.Query(), body)
	if err != nil {
		return forbidden(err)
	}
	ev, err := Decode(m)
	if err != nil {
		return err
	}
	ctx := r.Context()
	log := h.Log().With("bot", h.Bot().ID, "channel", "wechat")
	if ev == nil {
		log.DebugContext(ctx, "wechat: push ignored", "type", m.MsgType, "event", m.Event)
		writeText(w, "success")
		return nil
	}
	if err := a.Resolve(ctx, ev); err != nil {
		return err
	}
	ev.Bot = h.Bot().ID
	dup, err := h.Ingest(ctx, []concierge.Event{*ev})
	if err != nil {
		return err
	}
	if len(dup) == 1 && dup[0] {
		log.InfoContext(ctx, "wechat: retry of a stored message", "key", ev.DedupeKey)
	}
	// "success" tells WeChat the message was taken and no passive reply
	// follows.
	writeText(w, "success")
	return nil
}

// writeText answers 200 with s as plain text, as WeChat reads it.
func writeText(w http.ResponseWriter, s string) {
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, s)
}

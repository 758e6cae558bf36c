package whatsapp

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/conciergehq/concierge"
)

var _ concierge.WebhookServer = (*Adapter)(nil)

// WebhookRoutes are Meta's subscription check (GET) and its notifications
// (POST), at /webhooks/{bot}/whatsapp.
func (a *Adapter) WebhookRoutes() []concierge.WebhookRoute {
	const pattern = "/webhooks/{bot}/" + string(concierge.ChannelWhatsApp)
	return []concierge.WebhookRoute{
		{Method: http.MethodGet, Pattern: pattern, Serve: a.serveVerify},
		{Method: http.MethodPost, Pattern: pattern, MaxBody: MaxBodyBytes, Serve: a.serveNotify},
	}
}

// serveVerify answers Meta's subscription check: 200 with the raw
// challenge, or 403 when the verify token is wrong.
func (a *Adapter) serveVerify(w http.ResponseWriter, r *http.Request, _ concierge.WebhookHost) error {
	ch, err := a.Challenge(r.URL.Query())
	if err != nil {
		if concierge.ErrorCode(err) == concierge.CodeUnauthorized {
			return &concierge.WebhookStatus{Status: http.StatusForbidden, Message: "verification token did not match"}
		}
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, ch)
	return nil
}

// serveNotify receives a notification: the signature over the raw body
// first (forged → 401, nothing stored), then every message is stored,
// de-duplicated on its wamid, in one transaction, and every status is
// applied; only then is it acknowledged, so that Meta retries anything not
// durably taken. Items for another number are routed to the bot that owns
// it when that bot's app secret also verifies the notification (several
// numbers of one Meta app share one callback URL), and dropped otherwise.
// A choice whose token is unknown (see Resolve) is stored as
// concierge.ExpiredChoice; the agent tells the customer.
func (a *Adapter) serveNotify(w http.ResponseWriter, r *http.Request, h concierge.WebhookHost) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err // past the body limit: webhooks answers 413
	}
	sig := r.Header.Get(HeaderSignature)
	if err := a.VerifySignature(sig, body); err != nil {
		return err
	}
	items, err := Decode(body, h.Now())
	if err != nil {
		return err
	}
	ctx := r.Context()
	log := h.Log()
	var evs, statuses []concierge.Event
	dropped, expired := 0, 0
	for _, it := range items {
		bot, owner := a.owner(h, it.PhoneNumberID, sig, body)
		if owner == nil {
			dropped++
			continue
		}
		ev := it.Event
		ev.Bot = bot
		if err := owner.Resolve(ctx, &ev); err != nil {
			return err
		}
		if ev.Value == concierge.ExpiredChoice {
			expired++
			log.InfoContext(ctx, "whatsapp: choice expired", "bot", ev.Bot, "key", ev.DedupeKey)
		}
		if ev.Kind == concierge.EventStatus {
			statuses = append(statuses, ev)
		} else {
			evs = append(evs, ev)
		}
	}
	if dropped > 0 {
		log.WarnContext(ctx, "whatsapp: items for a phone number no bot here owns", "bot", h.Bot().ID, "dropped", dropped)
	}
	res := map[string]int{"messages": len(evs), "duplicates": 0, "statuses": 0, "unknown_statuses": 0, "dropped": dropped, "expired": expired}
	if len(evs) > 0 {
		dup, err := h.Ingest(ctx, evs)
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
		applied, err := h.ApplyStatus(ctx, st)
		if err != nil {
			return err
		}
		switch applied {
		case "":
			// No store of deliveries: nothing is recorded.
		case "unknown":
			res["unknown_statuses"]++
		case "applied":
			res["statuses"]++
			if st.Value == "failed" {
				log.WarnContext(ctx, "whatsapp: message failed after sending", "bot", st.Bot, "ref", st.Ref, "error", st.Text)
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	return json.NewEncoder(w).Encode(res)
}

// owner is the bot that owns phone and its adapter: the route's bot, or
// another bot of this server whose app secret also verifies the
// notification.
func (a *Adapter) owner(h concierge.WebhookHost, phone, sig string, body []byte) (concierge.BotID, *Adapter) {
	if a.PhoneNumberID() == phone {
		return h.Bot().ID, a
	}
	for b, snd := range h.Peers(concierge.ChannelWhatsApp) {
		if o, ok := snd.(*Adapter); ok && o.PhoneNumberID() == phone && o.VerifySignature(sig, body) == nil {
			return b.ID, o
		}
	}
	return "", nil
}

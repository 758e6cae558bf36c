package telegram

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"net/http"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/conciergehq/concierge"
)

// HeaderTelegramSecret carries the secret_token given to setWebhook on
// every update Telegram POSTs.
const HeaderTelegramSecret = "X-Telegram-Bot-Api-Secret-Token"

// paymentProvider is the name Telegram's payments (checkout/telegram) are
// registered under: the channel's own, as its ProviderName says.
const paymentProvider = string(concierge.ChannelTelegram)

// The refusal of a pre-checkout query when the bot takes no Telegram
// payments or the payload names no order (checkout/telegram's
// RefuseUnknown and its text).
const (
	refuseUnknown      = "unknown"
	textRefusedUnknown = "invoice_refused_unknown"
	textChoiceExpired  = "choice_expired" // the same text the agent answers with on other channels
)

var _ concierge.WebhookServer = (*Adapter)(nil)

// WebhookRoutes is Telegram's webhook, at /webhooks/{bot}/telegram. In
// polling mode (no webhook secret) it is 404.
func (a *Adapter) WebhookRoutes() []concierge.WebhookRoute {
	return []concierge.WebhookRoute{{
		Method: http.MethodPost, Pattern: "/webhooks/{bot}/" + string(concierge.ChannelTelegram),
		MaxBody: MaxBodyBytes, Serve: a.serveWebhook,
	}}
}

// serveWebhook receives an update: the secret first (in constant time,
// before reading the body), then the shared path of Update. A button
// press is acknowledged in the response body, which Telegram runs as an
// answerCallbackQuery call at no extra round trip.
func (a *Adapter) serveWebhook(w http.ResponseWriter, r *http.Request, h concierge.WebhookHost) error {
	secret := a.WebhookSecret()
	if secret == "" {
		return concierge.Errorf(concierge.CodeNotFound, "webhooks", "this bot has no Telegram webhook")
	}
	got := r.Header.Get(HeaderTelegramSecret)
	if subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
		return concierge.ErrUnauthorized
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err // past the body limit: webhooks answers 413
	}
	ans, err := a.Update(r.Context(), h, body)
	if err != nil {
		return err
	}
	if ans != nil {
		return tgbotapi.WriteToHTTPResponse(w, ans)
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// Update handles one update of the host's bot, from the webhook or from
// long polling: decode; for a button press, resolve its token (an unknown
// one is answered "expired" and not stored); answer a pre-checkout query
// after checking the order; apply a successful payment exactly once (on
// the charge id); store the event (de-duplicated on update_id); and log
// and drop kinds Concierge does not handle. It returns the call to make
// in answer (answerCallbackQuery), or nil. A CodeInvalid error means the
// update is malformed; any other error means it was not stored and must
// come again.
func (a *Adapter) Update(ctx context.Context, h concierge.WebhookHost, body []byte) (Answer, error) {
	bot := h.Bot().ID
	log := h.Log()
	u, err := Decode(bot, body, h.Now())
	if err != nil {
		return nil, err
	}
	if u.Ignored != "" {
		log.InfoContext(ctx, "telegram update ignored", "bot", bot, "update", u.ID, "kind", u.Kind, "why", u.Ignored)
	}
	var ans Answer
	if u.Callback != nil {
		ans = CallbackAnswer(u.Callback.QueryID, "")
		ok, err := a.Resolve(ctx, u)
		if err != nil {
			return nil, err
		}
		if !ok {
			var loc concierge.Locale
			if u.Event != nil {
				loc = u.Event.Locale
			}
			log.InfoContext(ctx, "telegram button expired", "bot", bot, "update", u.ID)
			return CallbackAnswer(u.Callback.QueryID, h.Text(loc, textChoiceExpired, nil)), nil
		}
	}
	pay, _ := h.Provider(paymentProvider).(concierge.InvoiceChecker)
	if pc := u.PreCheckout; pc != nil {
		if err := a.preCheckout(ctx, h, pay, pc); err != nil {
			return nil, err
		}
	}
	if p := u.Payment; p != nil {
		if err := paid(ctx, h, pay, p); err != nil {
			return nil, err
		}
	}
	if r := u.Refund; r != nil {
		log.InfoContext(ctx, "telegram refund reported", "bot", bot, "order", r.Order, "amount", r.Amount.Minor, "currency", r.Amount.Currency)
		// The order records each refund once, keyed on Telegram's charge id.
		if r.Order != "" {
			ref := concierge.Refund{Order: r.Order, Provider: paymentProvider, ProviderRef: r.ChargeID, Amount: r.Amount,
				Reason: "refunded_payment", Status: "succeeded", At: h.Now()}
			if _, _, err := h.RecordRefunds(ctx, []concierge.Refund{ref}); err != nil {
				return nil, err
			}
		}
	}
	if u.Event != nil {
		if _, err := h.Ingest(ctx, []concierge.Event{*u.Event}); err != nil {
			return nil, err
		}
	}
	return ans, nil
}

// preCheckout answers a pre-checkout query within Telegram's 10 seconds:
// yes only when the payload names this bot's order, still waiting for
// payment and not past its reservation, for exactly the amount and
// currency its invoice asks.
func (a *Adapter) preCheckout(ctx context.Context, h concierge.WebhookHost, pay concierge.InvoiceChecker, pc *PreCheckout) error {
	refusal, text := refuseUnknown, textRefusedUnknown
	if pay != nil && pc.Order != "" {
		o, err := h.Order(ctx, pc.Order)
		switch {
		case errors.Is(err, concierge.ErrNotFound):
			o = nil
		case err != nil:
			return err
		}
		refusal, text = pay.CheckInvoice(o, pc.Amount, h.Now())
	}
	reason := ""
	if refusal != "" {
		reason = h.Text(pc.Locale, text, map[string]any{"ID": string(pc.Order)})
	}
	bot := h.Bot().ID
	err := a.AnswerPreCheckout(ctx, pc.QueryID, refusal == "", reason)
	if errors.Is(err, ErrQueryExpired) {
		// Telegram waited its 10 seconds (the server was down) or this is
		// a repeat of a query answered before. A retry cannot answer it,
		// and an error would have the update redelivered (or re-polled,
		// holding back the updates behind it) for nothing; the customer's
		// payment form has already said so and they try again.
		h.Log().WarnContext(ctx, "telegram pre-checkout query expired", "bot", bot, "order", pc.Order, "query", pc.QueryID, "err", err)
		return nil
	}
	if err != nil {
		return err
	}
	h.Log().InfoContext(ctx, "telegram pre-checkout", "bot", bot, "order", pc.Order, "ok", refusal == "", "refusal", refusal)
	return nil
}

// paid applies a successful_payment: once per charge id, and as a problem
// for people when it does not match the order.
func paid(ctx context.Context, h concierge.WebhookHost, pay concierge.InvoiceChecker, p *Payment) error {
	bot := h.Bot().ID
	log := h.Log()
	if pay == nil || p.Order == "" || p.ChargeID == "" {
		log.ErrorContext(ctx, "telegram payment for no order of ours", "bot", bot, "order", p.Order)
		return nil
	}
	o, err := h.Order(ctx, p.Order)
	if errors.Is(err, concierge.ErrNotFound) || (err == nil && o.Bot != bot) {
		log.ErrorContext(ctx, "telegram payment for an unknown order", "bot", bot, "order", p.Order)
		return nil
	}
	if err != nil {
		return err
	}
	res, err := h.ApplyPayment(ctx, pay.Settle(o, p.Amount, p.ChargeID, h.Now()))
	if err != nil {
		return err
	}
	log.InfoContext(ctx, "payment notification", "bot", bot, "provider", paymentProvider, "order", o.ID, "result", res)
	return nil
}

package webhooks

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"net/http"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/labstack/echo/v4"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/telegram"
	tgpay "github.com/conciergehq/concierge/checkout/telegram"
)

// HeaderTelegramSecret carries the secret_token given to setWebhook on
// every update Telegram POSTs.
const HeaderTelegramSecret = "X-Telegram-Bot-Api-Secret-Token"

// telegramWebhook receives an update: the secret first (in constant time,
// before reading the body), then the shared path of TelegramUpdate. A
// button press is acknowledged in the response body, which Telegram runs
// as an answerCallbackQuery call at no extra round trip.
func (s *Server) telegramWebhook(c echo.Context) error {
	b, err := s.bot(c)
	if err != nil {
		return err
	}
	tg := s.telegramOf(b)
	if tg == nil || tg.Secret == "" {
		return concierge.Errorf(concierge.CodeNotFound, "webhooks", "this bot has no Telegram webhook")
	}
	got := c.Request().Header.Get(HeaderTelegramSecret)
	if subtle.ConstantTimeCompare([]byte(got), []byte(tg.Secret)) != 1 {
		return concierge.ErrUnauthorized
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // echo's BodyLimit answers 413
	}
	ans, err := s.TelegramUpdate(c.Request().Context(), b.Bot.ID, body)
	if err != nil {
		return err
	}
	if ans != nil {
		return tgbotapi.WriteToHTTPResponse(c.Response(), ans)
	}
	return c.NoContent(http.StatusOK)
}

// TelegramUpdate handles one update of bot, from the webhook or from
// long polling: decode; for a button press, resolve its token (an unknown
// one is answered "expired" and not stored); answer a pre-checkout query
// after checking the order; apply a successful payment exactly once (on
// the charge id); store the event (de-duplicated on update_id); and log
// and drop kinds Concierge does not handle. It returns the call to make
// in answer (answerCallbackQuery), or nil. A CodeInvalid error means the
// update is malformed; any other error means it was not stored and must
// come again.
func (s *Server) TelegramUpdate(ctx context.Context, bot concierge.BotID, body []byte) (tgbotapi.Chattable, error) {
	b := s.cfg.Bots[bot]
	if b == nil || s.telegramOf(b) == nil {
		return nil, concierge.Errorf(concierge.CodeNotFound, "webhooks", "this bot has no Telegram channel")
	}
	tg := s.telegramOf(b)
	u, err := telegram.Decode(bot, body, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	if u.Ignored != "" {
		s.cfg.Log.InfoContext(ctx, "telegram update ignored", "bot", bot, "update", u.ID, "kind", u.Kind, "why", u.Ignored)
	}
	var ans tgbotapi.Chattable
	if u.Callback != nil {
		ans = telegram.CallbackAnswer(u.Callback.QueryID, "")
		ok, err := tg.Adapter.Resolve(ctx, u)
		if err != nil {
			return nil, err
		}
		if !ok {
			var loc concierge.Locale
			if u.Event != nil {
				loc = u.Event.Locale
			}
			s.cfg.Log.InfoContext(ctx, "telegram button expired", "bot", bot, "update", u.ID)
			return telegram.CallbackAnswer(u.Callback.QueryID, s.text(s.locale(b, loc), textChoiceExpired, nil)), nil
		}
	}
	if pc := u.PreCheckout; pc != nil {
		if err := s.telegramPreCheckout(ctx, b, pc); err != nil {
			return nil, err
		}
	}
	if p := u.Payment; p != nil {
		if err := s.telegramPaid(ctx, b, p); err != nil {
			return nil, err
		}
	}
	if r := u.Refund; r != nil {
		s.cfg.Log.InfoContext(ctx, "telegram refund reported", "bot", bot, "order", r.Order, "amount", r.Amount.Minor, "currency", r.Amount.Currency)
		// The order records each refund once, keyed on Telegram's charge id.
		if s.cfg.Orders != nil && r.Order != "" {
			ref := concierge.Refund{Order: r.Order, Provider: tgpay.ProviderName, ProviderRef: r.ChargeID, Amount: r.Amount,
				Reason: "refunded_payment", Status: "succeeded", At: s.cfg.Now()}
			if _, _, err := s.cfg.Orders.RecordRefunds(ctx, b.Bot.ID, []concierge.Refund{ref}); err != nil {
				return nil, err
			}
		}
	}
	if u.Event != nil {
		if _, err := s.cfg.Ingest.Ingest(ctx, []concierge.Event{*u.Event}); err != nil {
			return nil, err
		}
	}
	return ans, nil
}

// telegramPreCheckout answers a pre-checkout query within Telegram's 10
// seconds: yes only when the payload names this bot's order, still
// waiting for payment and not past its reservation, for exactly the
// amount and currency its invoice asks.
func (s *Server) telegramPreCheckout(ctx context.Context, b *Bot, pc *telegram.PreCheckout) error {
	tg := s.telegramOf(b)
	refusal := tgpay.RefuseUnknown
	if tg.Pay != nil && pc.Order != "" {
		o, err := s.cfg.Payments.Order(ctx, pc.Order)
		switch {
		case errors.Is(err, concierge.ErrNotFound):
			o = nil
		case err != nil:
			return err
		}
		refusal = tg.Pay.Check(o, pc.Amount, s.cfg.Now())
	}
	reason := ""
	if refusal != "" {
		reason = s.text(s.locale(b, pc.Locale), refusal.TextID(), map[string]any{"ID": string(pc.Order)})
	}
	err := tg.Adapter.AnswerPreCheckout(ctx, pc.QueryID, refusal == "", reason)
	if errors.Is(err, telegram.ErrQueryExpired) {
		// Telegram waited its 10 seconds (the server was down) or this is
		// a repeat of a query answered before. A retry cannot answer it,
		// and an error would have the update redelivered (or re-polled,
		// holding back the updates behind it) for nothing; the customer's
		// payment form has already said so and they try again.
		s.cfg.Log.WarnContext(ctx, "telegram pre-checkout query expired", "bot", b.Bot.ID, "order", pc.Order, "query", pc.QueryID, "err", err)
		return nil
	}
	if err != nil {
		return err
	}
	s.cfg.Log.InfoContext(ctx, "telegram pre-checkout", "bot", b.Bot.ID, "order", pc.Order, "ok", refusal == "", "refusal", refusal)
	return nil
}

// telegramPaid applies a successful_payment: once per charge id, and as a
// problem for people when it does not match the order.
func (s *Server) telegramPaid(ctx context.Context, b *Bot, p *telegram.Payment) error {
	pay := s.telegramOf(b).Pay
	if pay == nil || p.Order == "" || p.ChargeID == "" {
		s.cfg.Log.ErrorContext(ctx, "telegram payment for no order of ours", "bot", b.Bot.ID, "order", p.Order)
		return nil
	}
	o, err := s.cfg.Payments.Order(ctx, p.Order)
	if errors.Is(err, concierge.ErrNotFound) || (err == nil && o.Bot != b.Bot.ID) {
		s.cfg.Log.ErrorContext(ctx, "telegram payment for an unknown order", "bot", b.Bot.ID, "order", p.Order)
		return nil
	}
	if err != nil {
		return err
	}
	res, err := s.cfg.Payments.ApplyPayment(ctx, b.Bot.ID, pay.Settle(o, p.Amount, p.ChargeID, s.cfg.Now()))
	if err != nil {
		return err
	}
	s.cfg.Log.InfoContext(ctx, "payment notification", "bot", b.Bot.ID, "provider", tgpay.ProviderName, "order", o.ID, "result", res)
	return nil
}

// locale is l when the bot speaks it, else the bot's default.
func (s *Server) locale(b *Bot, l concierge.Locale) concierge.Locale {
	for _, x := range b.Bot.Locales {
		if x == l {
			return l
		}
	}
	return b.Bot.DefaultLocale()
}

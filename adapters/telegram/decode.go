package telegram

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/conciergehq/concierge"
)

// MaxBodyBytes is the largest update webhooks should accept. Updates are a
// few kilobytes; a long text with entities stays well under this.
const MaxBodyBytes = 256 << 10

// Update is one decoded Telegram update: at most one event to store, and
// what the update asks of the server besides (a button to acknowledge, a
// pre-checkout query to answer, a payment to apply).
type Update struct {
	ID int64 `json:"update_id"`
	// Kind names the update's field ("message", "callback_query", …), for
	// logs and for the ignored ones.
	Kind string `json:"kind"`
	// Event is what to store and hand to the agent, or nil.
	Event *concierge.Event `json:"event,omitempty"`
	// Callback is set for a button press; it must be answered whatever
	// happens, so that the customer's button stops spinning.
	Callback *Callback `json:"callback,omitempty"`
	// PreCheckout is set for a pre_checkout_query, which must be answered
	// within 10 seconds.
	PreCheckout *PreCheckout `json:"pre_checkout,omitempty"`
	// Payment is set for a successful_payment service message.
	Payment *Payment `json:"payment,omitempty"`
	// Refund is set for a refunded_payment service message.
	Refund *Payment `json:"refund,omitempty"`
	// Ignored says why nothing is done with the update ("" when something is).
	Ignored string `json:"ignored,omitempty"`
}

// Callback is a pressed inline button.
type Callback struct {
	QueryID string `json:"query_id"`
	// Data is the callback_data as received: a token made by Tokenize,
	// which Adapter.Resolve turns back into the button's value.
	Data string `json:"data"`
}

// PreCheckout is Telegram asking whether an order may be paid now.
type PreCheckout struct {
	QueryID string            `json:"query_id"`
	Order   concierge.OrderID `json:"order"` // "" when the payload is not one of ours
	Amount  concierge.Money   `json:"amount"`
	User    int64             `json:"user"`
	Locale  concierge.Locale  `json:"locale,omitempty"`
}

// Payment is a successful (or refunded) payment reported in a chat.
type Payment struct {
	Order    concierge.OrderID `json:"order"`
	Amount   concierge.Money   `json:"amount"`
	ChargeID string            `json:"charge_id"` // telegram_payment_charge_id: unique per payment
	// ProviderChargeID is the payment provider's id; empty for Stars.
	ProviderChargeID string `json:"provider_charge_id,omitempty"`
	User             int64  `json:"user"`
}

// payloadPrefix starts every invoice payload Concierge makes.
const payloadPrefix = "order:"

// InvoicePayload is the invoice_payload of an order's invoice: "order:"
// and the order id, far below Telegram's 128 bytes.
func InvoicePayload(id concierge.OrderID) string { return payloadPrefix + string(id) }

// ParsePayload returns the order an invoice payload names, or "" when the
// payload was not made by InvoicePayload.
func ParsePayload(p string) concierge.OrderID {
	id, ok := strings.CutPrefix(p, payloadPrefix)
	if !ok || id == "" || len(p) > 128 {
		return ""
	}
	return concierge.OrderID(id)
}

// update is what Decode reads: the library's Update plus the newer fields
// v5.5.1 does not know (it ignores unknown fields, so they are read in a
// second pass only when present).
type extra struct {
	Message *struct {
		RefundedPayment *struct {
			Currency                string `json:"currency"`
			TotalAmount             int64  `json:"total_amount"`
			InvoicePayload          string `json:"invoice_payload"`
			TelegramPaymentChargeID string `json:"telegram_payment_charge_id"`
		} `json:"refunded_payment"`
	} `json:"message"`
}

// Decode turns the body of a webhook POST (or one element of getUpdates)
// into an Update. The DedupeKey of its event is the update_id, unique per
// bot, which is what Telegram itself uses to drop repeated updates.
//
// Bad JSON, or an update without update_id, gives an *concierge.Error with
// CodeInvalid. An update of a kind Concierge does not handle is not an
// error: it comes back with Ignored set and no event.
func Decode(bot concierge.BotID, body []byte, now time.Time) (*Update, error) {
	const op = "telegram: decode"
	if len(body) > MaxBodyBytes {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "update is larger than %d bytes", MaxBodyBytes)
	}
	var raw struct {
		tgbotapi.Update
		UpdateID *int64 `json:"update_id"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, &concierge.Error{Code: concierge.CodeInvalid, Op: op, Message: "update is not valid JSON", Err: err}
	}
	if raw.UpdateID == nil || *raw.UpdateID < 0 {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "update has no update_id")
	}
	u := raw.Update
	d := &Update{ID: *raw.UpdateID}
	key := strconv.FormatInt(d.ID, 10)
	ev := func(kind concierge.EventKind, chat int64, from *tgbotapi.User) *concierge.Event {
		e := &concierge.Event{Kind: kind, Bot: bot, Channel: concierge.ChannelTelegram, Chat: chatID(chat),
			DedupeKey: key, Time: now, Raw: body}
		if from != nil {
			e.User = strconv.FormatInt(from.ID, 10)
			e.UserName = strings.TrimSpace(from.FirstName + " " + from.LastName)
			e.Locale = baseLanguage(from.LanguageCode)
		}
		return e
	}
	switch {
	case u.Message != nil:
		d.Kind = "message"
		decodeMessage(d, u.Message, body, ev)
	case u.EditedMessage != nil:
		// An edit is usually a corrected typo; the shop assistant answers
		// the corrected text as a new message.
		d.Kind = "edited_message"
		decodeMessage(d, u.EditedMessage, body, ev)
	case u.CallbackQuery != nil:
		d.Kind = "callback_query"
		q := u.CallbackQuery
		d.Callback = &Callback{QueryID: q.ID, Data: q.Data}
		if q.Data == "" || q.From == nil {
			d.Ignored = "callback without data (a game?)"
			return d, nil
		}
		chat := q.From.ID // inline-mode messages have no chat; answer in private
		var label string
		if q.Message != nil && q.Message.Chat != nil {
			chat = q.Message.Chat.ID
			label = buttonLabel(q.Message, q.Data)
		}
		d.Event = ev(concierge.EventButton, chat, q.From)
		d.Event.Value = q.Data
		d.Event.Text = label
		if q.Message != nil && q.Message.MessageID > 0 {
			// The message the button is on, which a next page edits.
			d.Event.Ref = strconv.Itoa(q.Message.MessageID)
		}
	case u.PreCheckoutQuery != nil:
		d.Kind = "pre_checkout_query"
		q := u.PreCheckoutQuery
		pc := &PreCheckout{QueryID: q.ID, Order: ParsePayload(q.InvoicePayload), Amount: concierge.Money{Minor: int64(q.TotalAmount), Currency: q.Currency}}
		if q.From != nil {
			pc.User, pc.Locale = q.From.ID, baseLanguage(q.From.LanguageCode)
		}
		d.PreCheckout = pc
	case u.MyChatMember != nil:
		d.Kind = "my_chat_member"
		m := u.MyChatMember
		if m.Chat.Type == "private" && (m.NewChatMember.Status == "kicked" || m.NewChatMember.Status == "left") {
			// The customer blocked the bot: remember it, say nothing.
			d.Event = ev(concierge.EventUnsubscribe, m.Chat.ID, &m.From)
			return d, nil
		}
		d.Ignored = "chat member update"
	default:
		d.Kind = updateKind(body)
		d.Ignored = "update kind not handled"
	}
	return d, nil
}

func decodeMessage(d *Update, m *tgbotapi.Message, body []byte, ev func(concierge.EventKind, int64, *tgbotapi.User) *concierge.Event) {
	if m.Chat == nil {
		d.Ignored = "message without chat"
		return
	}
	chat := m.Chat.ID
	switch {
	case m.SuccessfulPayment != nil:
		sp := m.SuccessfulPayment
		d.Payment = &Payment{Order: ParsePayload(sp.InvoicePayload), Amount: concierge.Money{Minor: int64(sp.TotalAmount), Currency: sp.Currency},
			ChargeID: sp.TelegramPaymentChargeID, ProviderChargeID: sp.ProviderPaymentChargeID}
		if m.From != nil {
			d.Payment.User = m.From.ID
		}
		d.Event = ev(concierge.EventPayment, chat, m.From)
		d.Event.Value = "paid:" + string(d.Payment.Order)
		return
	case bytes.Contains(body, []byte(`"refunded_payment"`)):
		var x extra
		if json.Unmarshal(body, &x) == nil && x.Message != nil && x.Message.RefundedPayment != nil {
			rp := x.Message.RefundedPayment
			d.Refund = &Payment{Order: ParsePayload(rp.InvoicePayload), Amount: concierge.Money{Minor: rp.TotalAmount, Currency: rp.Currency}, ChargeID: rp.TelegramPaymentChargeID}
			d.Event = ev(concierge.EventPayment, chat, m.From)
			d.Event.Value = "refunded:" + string(d.Refund.Order)
			return
		}
	}
	if m.Chat.Type != "" && m.Chat.Type != "private" {
		// A shop assistant talks to one customer at a time; groups and
		// channels would mix carts and leak orders.
		d.Ignored = "message in a " + m.Chat.Type + " chat"
		return
	}
	text := m.Text
	switch {
	case text == "/start" || strings.HasPrefix(text, "/start "):
		d.Event = ev(concierge.EventSubscribe, chat, m.From)
		return
	case text != "":
		d.Event = ev(concierge.EventText, chat, m.From)
	case m.Location != nil:
		d.Event = ev(concierge.EventLocation, chat, m.From)
		d.Event.Value = strconv.FormatFloat(m.Location.Latitude, 'f', 6, 64) + "," + strconv.FormatFloat(m.Location.Longitude, 'f', 6, 64)
	case len(m.Photo) > 0 || m.Sticker != nil || m.Voice != nil || m.Audio != nil || m.Video != nil ||
		m.VideoNote != nil || m.Document != nil || m.Animation != nil || m.Contact != nil:
		d.Event = ev(concierge.EventMedia, chat, m.From)
		d.Event.Text = m.Caption
		d.Event.Value = mediaValue(m)
	default:
		d.Ignored = "service message"
		return
	}
	if d.Event.Kind == concierge.EventText {
		d.Event.Text = text
	}
	d.Event.Text = clean(d.Event.Text)
}

// mediaValue names a message's file as KIND:REF, REF its file_id, which
// Adapter.FetchMedia downloads: the largest size of a photo, the file of
// anything else. A contact has no file and names only its kind.
func mediaValue(m *tgbotapi.Message) string {
	switch {
	case len(m.Photo) > 0:
		// Telegram lists sizes smallest first; pick by area all the same.
		best := m.Photo[len(m.Photo)-1]
		for _, p := range m.Photo {
			if p.Width*p.Height > best.Width*best.Height {
				best = p
			}
		}
		return ref("photo", best.FileID)
	case m.Voice != nil:
		return ref("voice", m.Voice.FileID)
	case m.Audio != nil:
		return ref("audio", m.Audio.FileID)
	case m.Video != nil:
		return ref("video", m.Video.FileID)
	case m.VideoNote != nil:
		return ref("video_note", m.VideoNote.FileID)
	case m.Animation != nil:
		// An animation also fills document, for old clients: check first.
		return ref("animation", m.Animation.FileID)
	case m.Document != nil:
		return ref("document", m.Document.FileID)
	case m.Sticker != nil:
		return ref("sticker", m.Sticker.FileID)
	case m.Contact != nil:
		return "contact"
	}
	return ""
}

// ref is kind:fileID, or kind alone when the id is missing or unusable.
func ref(kind, fileID string) string {
	if fileID == "" || len(fileID) > 256 || strings.ContainsAny(fileID, "\x00\n") || !utf8.ValidString(fileID) {
		return kind
	}
	return kind + ":" + fileID
}

// clean drops what PostgreSQL cannot store (NUL) and invalid UTF-8.
func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ReplaceAll(s, "\x00", "")
}

// buttonLabel finds the label of the button whose callback_data is data
// in the message the button was on, so the transcript says what the
// customer pressed.
func buttonLabel(m *tgbotapi.Message, data string) string {
	if m.ReplyMarkup == nil {
		return ""
	}
	for _, row := range m.ReplyMarkup.InlineKeyboard {
		for _, b := range row {
			if b.CallbackData != nil && *b.CallbackData == data {
				return clean(b.Text)
			}
		}
	}
	return ""
}

// updateKind is the name of the first field after update_id, for the log
// line of an update kind v5.5.1 does not know.
func updateKind(body []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return "unknown"
	}
	for k := range m {
		if k != "update_id" {
			if len(k) > 40 {
				k = k[:40]
			}
			return k
		}
	}
	return "empty"
}

func chatID(id int64) concierge.ChatID { return concierge.ChatID(strconv.FormatInt(id, 10)) }

// baseLanguage turns an IETF tag such as "pt-br" into "pt".
func baseLanguage(code string) concierge.Locale {
	base, _, _ := strings.Cut(strings.ToLower(code), "-")
	if len(base) < 2 || len(base) > 3 {
		return ""
	}
	for _, c := range base {
		if c < 'a' || c > 'z' {
			return ""
		}
	}
	return concierge.Locale(base)
}

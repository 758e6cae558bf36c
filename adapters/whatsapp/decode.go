package whatsapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
)

// HeaderSignature carries Meta's signature of every notification:
// "sha256=" and the hex HMAC-SHA256 of the raw body keyed with the app
// secret.
const HeaderSignature = "X-Hub-Signature-256"

// MaxBodyBytes is the largest notification accepted. Meta batches at most
// a few dozen messages and statuses in one; 1 MiB is far above that.
const MaxBodyBytes = 1 << 20

// verifySignature checks header against the HMAC-SHA256 of body keyed with
// secret, in constant time. It must run on the raw bytes received, before
// any decoding: Meta signs its own serialisation (non-ASCII escaped).
func verifySignature(secret, header string, body []byte) error {
	const op = "whatsapp: signature"
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return concierge.Errorf(concierge.CodeUnauthorized, op, "missing or malformed %s header", HeaderSignature)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return concierge.Errorf(concierge.CodeUnauthorized, op, "malformed %s header", HeaderSignature)
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return concierge.Errorf(concierge.CodeUnauthorized, op, "signature did not verify")
	}
	return nil
}

// Sign returns the X-Hub-Signature-256 value of body under secret, as Meta
// computes it; tests and the fake Graph API use it.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// challenge answers Meta's subscription check: the hub.challenge value
// when hub.mode is "subscribe" and hub.verify_token matches token.
func challenge(token string, q url.Values) (string, error) {
	const op = "whatsapp: verify"
	got := q.Get("hub.verify_token")
	if q.Get("hub.mode") != "subscribe" || token == "" || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
		return "", concierge.Errorf(concierge.CodeUnauthorized, op, "verification token did not match")
	}
	c := q.Get("hub.challenge")
	if c == "" || len(c) > 256 {
		return "", concierge.Errorf(concierge.CodeInvalid, op, "hub.challenge is missing or too long")
	}
	return c, nil
}

// Item is one happening of a notification, with the business phone
// number it was addressed to (several numbers may share one Meta app and
// so one webhook). Event.Bot is left empty: webhooks routes by
// PhoneNumberID.
type Item struct {
	PhoneNumberID string
	Event         concierge.Event
}

// notification is the webhook body. Unknown fields are ignored.
type notification struct {
	Object string `json:"object"`
	Entry  []struct {
		ID      string `json:"id"`
		Changes []struct {
			Field string `json:"field"`
			Value struct {
				MessagingProduct string `json:"messaging_product"`
				Metadata         struct {
					DisplayPhoneNumber string `json:"display_phone_number"`
					PhoneNumberID      string `json:"phone_number_id"`
				} `json:"metadata"`
				Contacts []struct {
					Profile struct {
						Name string `json:"name"`
					} `json:"profile"`
					WaID string `json:"wa_id"`
				} `json:"contacts"`
				Messages []inMessage `json:"messages"`
				Statuses []inStatus  `json:"statuses"`
			} `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

type inMessage struct {
	From        string `json:"from"`
	ID          string `json:"id"`
	Timestamp   string `json:"timestamp"`
	Type        string `json:"type"`
	Text        struct{ Body string }
	Interactive struct {
		Type        string `json:"type"`
		ButtonReply struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"button_reply"`
		ListReply struct {
			ID          string `json:"id"`
			Title       string `json:"title"`
			Description string `json:"description"`
		} `json:"list_reply"`
	} `json:"interactive"`
	Button struct {
		Payload string `json:"payload"`
		Text    string `json:"text"`
	} `json:"button"`
	Image    *inMedia `json:"image"`
	Video    *inMedia `json:"video"`
	Audio    *inMedia `json:"audio"`
	Document *inMedia `json:"document"`
	Sticker  *inMedia `json:"sticker"`
	Location struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
		Name      string  `json:"name"`
		Address   string  `json:"address"`
	} `json:"location"`
}

type inMedia struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
}

type inStatus struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	Timestamp   string `json:"timestamp"`
	RecipientID string `json:"recipient_id"`
	Errors      []struct {
		Code      int    `json:"code"`
		Title     string `json:"title"`
		Message   string `json:"message"`
		ErrorData struct {
			Details string `json:"details"`
		} `json:"error_data"`
	} `json:"errors"`
}

// Limits on what one decoded event may carry.
const (
	maxTextRunes = 4096
	maxIDBytes   = 256
)

// Decode turns a verified notification into items, one per message and
// per status, in the order Meta listed them within each phone number
// (sorted by timestamp, stably, so a batch is handled in the order it was
// written). now stamps items without a usable timestamp.
//
// JSON that is not a WhatsApp Business notification is CodeInvalid.
// Changes other than "messages" (template reviews, account updates) and
// reactions and system notices give no item. Message types Concierge cannot
// read (video, sticker, contacts, orders, "unsupported" …) become
// EventMedia, so the customer gets a helpful answer rather than silence.
func Decode(body []byte, now time.Time) ([]Item, error) {
	const op = "whatsapp: decode"
	if len(body) > MaxBodyBytes {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "body is larger than %d bytes", MaxBodyBytes)
	}
	var n notification
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, &concierge.Error{Code: concierge.CodeInvalid, Op: op, Message: "body is not a WhatsApp notification", Err: err}
	}
	if n.Object != "whatsapp_business_account" {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "body is not a WhatsApp Business notification (object %q)", clip(n.Object, 40))
	}
	var items []Item
	for _, e := range n.Entry {
		for _, ch := range e.Changes {
			if ch.Field != "messages" {
				continue
			}
			v := ch.Value
			phone := v.Metadata.PhoneNumberID
			if phone == "" {
				continue
			}
			names := map[string]string{}
			for _, c := range v.Contacts {
				names[c.WaID] = c.Profile.Name
			}
			for _, m := range v.Messages {
				if ev, ok := decodeMessage(&m, names[m.From], now); ok {
					items = append(items, Item{PhoneNumberID: phone, Event: ev})
				}
			}
			for _, s := range v.Statuses {
				if ev, ok := decodeStatus(&s, now); ok {
					items = append(items, Item{PhoneNumberID: phone, Event: ev})
				}
			}
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].Event.Time.Before(items[j].Event.Time) })
	return items, nil
}

func decodeMessage(m *inMessage, name string, now time.Time) (concierge.Event, bool) {
	if !validID(m.ID) || !validID(m.From) {
		return concierge.Event{}, false
	}
	ev := concierge.Event{
		Channel:   concierge.ChannelWhatsApp,
		Chat:      concierge.ChatID(m.From),
		User:      m.From,
		UserName:  clean(name, 256),
		DedupeKey: m.ID,
		Time:      parseTime(m.Timestamp, now),
	}
	media := func(md *inMedia) {
		ev.Kind = concierge.EventMedia
		ev.Value = m.Type
		if md != nil {
			ev.Text = clean(md.Caption, maxTextRunes)
			if validID(md.ID) {
				ev.Value += ":" + md.ID
			}
		}
	}
	switch m.Type {
	case "text":
		ev.Kind, ev.Text = concierge.EventText, clean(m.Text.Body, maxTextRunes)
		if strings.TrimSpace(ev.Text) == "" {
			return concierge.Event{}, false
		}
	case "interactive":
		switch m.Interactive.Type {
		case "button_reply":
			ev.Kind, ev.Value, ev.Text = concierge.EventButton, clean(m.Interactive.ButtonReply.ID, maxIDBytes), clean(m.Interactive.ButtonReply.Title, 256)
		case "list_reply":
			ev.Kind, ev.Value, ev.Text = concierge.EventButton, clean(m.Interactive.ListReply.ID, maxIDBytes), clean(m.Interactive.ListReply.Title, 256)
		default: // nfm_reply (Flows) and future kinds
			media(nil)
			ev.Value = "interactive:" + clip(m.Interactive.Type, 32)
		}
	case "button": // a quick reply of a template
		ev.Kind, ev.Value, ev.Text = concierge.EventButton, clean(m.Button.Payload, maxIDBytes), clean(m.Button.Text, 256)
	case "image":
		media(m.Image)
	case "video":
		media(m.Video)
	case "audio":
		media(m.Audio)
	case "document":
		media(m.Document)
	case "sticker":
		media(m.Sticker)
	case "location":
		l := m.Location
		ev.Kind = concierge.EventLocation
		ev.Value = strconv.FormatFloat(l.Latitude, 'f', -1, 64) + "," + strconv.FormatFloat(l.Longitude, 'f', -1, 64)
		ev.Text = clean(strings.TrimSpace(l.Name+" "+l.Address), 512)
	case "reaction", "system", "ephemeral":
		return concierge.Event{}, false
	default: // order, contacts, unsupported, and types Meta adds later
		media(nil)
		ev.Value = "unsupported:" + clip(clean(m.Type, 32), 32)
	}
	if ev.Kind == concierge.EventButton && ev.Value == "" {
		return concierge.Event{}, false
	}
	return ev, true
}

func decodeStatus(s *inStatus, now time.Time) (concierge.Event, bool) {
	switch s.Status {
	case "sent", "delivered", "read", "played", "failed":
	default:
		return concierge.Event{}, false
	}
	if !validID(s.ID) {
		return concierge.Event{}, false
	}
	var errs []string
	for _, e := range s.Errors {
		msg := strconv.Itoa(e.Code) + " " + e.Title
		if e.ErrorData.Details != "" {
			msg += ": " + e.ErrorData.Details
		}
		errs = append(errs, msg)
	}
	return concierge.Event{
		Kind:      concierge.EventStatus,
		Channel:   concierge.ChannelWhatsApp,
		Chat:      concierge.ChatID(clip(s.RecipientID, maxIDBytes)),
		DedupeKey: s.ID + "/" + s.Status,
		Ref:       s.ID,
		Value:     s.Status,
		Text:      clean(strings.Join(errs, "; "), 500),
		Time:      parseTime(s.Timestamp, now),
	}, true
}

// parseTime reads Meta's unix timestamp, which is a string.
func parseTime(s string, now time.Time) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > 1<<40 {
		return now
	}
	return time.Unix(n, 0).UTC()
}

// validID reports whether s can be an identifier: 1 to 256 bytes, no
// control characters.
func validID(s string) bool {
	if s == "" || len(s) > maxIDBytes {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// clean drops NUL (PostgreSQL cannot keep it) and keeps at most max runes.
func clean(s string, max int) string {
	if strings.ContainsRune(s, 0) {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return clip(s, max)
}

// clip keeps at most max runes of s.
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			return s[:i]
		}
		n++
	}
	return s
}

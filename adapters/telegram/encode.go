package telegram

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/conciergehq/concierge"
)

// Telegram's limits on what one call may carry.
const (
	MaxTextLen         = 4096 // characters (UTF-16 code units) of a message
	MaxCaptionLen      = 1024
	MaxCallbackData    = 64 // bytes of callback_data
	maxInvoiceTitle    = 32
	maxInvoiceDesc     = 255
	maxButtonsPerRow   = 2
	maxKeyboardButtons = 100
)

// ProviderName is the payment provider whose requests this adapter turns
// into native invoices (checkout/telegram uses the same name).
const ProviderName = "telegram"

// StarsCurrency is the currency of Telegram Stars.
const StarsCurrency = "XTR"

// tokenPrefix starts every callback token, so that callback_data made by
// something else (an older bot, a forged client) is recognised at once.
const tokenPrefix = "c"

// Tokenize returns the callback_data standing for a button's value: a
// 17-byte token derived from the bot and the value. The same value always
// gets the same token, so storing it once is enough and the table of
// tokens grows with the catalog, not with the traffic.
func Tokenize(bot concierge.BotID, value string) string {
	h := sha256.Sum256([]byte(string(bot) + "\x00" + value))
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(h[:12])
}

// rendered is a message turned into Bot API calls, and the button tokens
// they carry (which must be stored before the calls are made).
type rendered struct {
	calls  []tgbotapi.Chattable
	tokens map[string]string // token → value
}

// encoder renders messages for one chat.
type encoder struct {
	bot           concierge.BotID
	chat          int64
	providerToken string
	out           rendered
}

// Encode renders m for chat as Bot API calls. Texts are sent as HTML with
// every customer or catalog string escaped; buttons become an inline
// keyboard whose callback_data are tokens (see Tokenize); a payment request
// of the telegram provider becomes a native invoice.
func Encode(bot concierge.BotID, chat int64, providerToken string, m *concierge.Message) (calls []tgbotapi.Chattable, tokens map[string]string) {
	e := &encoder{bot: bot, chat: chat, providerToken: providerToken, out: rendered{tokens: map[string]string{}}}
	e.message(m)
	return e.out.calls, e.out.tokens
}

func (e *encoder) message(m *concierge.Message) {
	switch m.Kind {
	case concierge.MessageCards:
		e.cards(m)
	case concierge.MessageComparison:
		e.comparison(m)
	case concierge.MessagePayment:
		e.payment(m)
	default:
		// Text, cart, order and hand-off read well as their plain text
		// (the cart and the order are written line by line already).
		e.texts(m.PlainText(), e.keyboard(nil, m.Buttons, ""))
	}
}

// texts sends plain text, split into messages of at most MaxTextLen, the
// keyboard on the last.
func (e *encoder) texts(plain string, kb *tgbotapi.InlineKeyboardMarkup) {
	parts := Split(plain, MaxTextLen)
	for i, p := range parts {
		var k *tgbotapi.InlineKeyboardMarkup
		if i == len(parts)-1 {
			k = kb
		}
		e.html(Escape(p), k)
	}
}

func (e *encoder) html(h string, kb *tgbotapi.InlineKeyboardMarkup) {
	if strings.TrimSpace(h) == "" {
		if kb == nil {
			return
		}
		h = "…"
	}
	mc := tgbotapi.NewMessage(e.chat, h)
	mc.ParseMode = tgbotapi.ModeHTML
	mc.DisableWebPagePreview = true
	if kb != nil {
		mc.ReplyMarkup = *kb
	}
	e.out.calls = append(e.out.calls, mc)
}

// EncodeEdit renders m as an edit of the message messageID of chat: one
// editMessageText with the new text and keyboard. ok is false when m does
// not render as exactly one text message (a photo, an invoice, a text
// long enough to be split), which no edit of a text message can become;
// the caller sends it as new instead.
//
// A paged list is always rendered as text (see cards), so its pages can
// replace one another with editMessageText; a photo card would need
// editMessageMedia, and a text message cannot become a photo at all.
func EncodeEdit(bot concierge.BotID, chat int64, messageID int, m *concierge.Message) (edit tgbotapi.EditMessageTextConfig, tokens map[string]string, ok bool) {
	calls, tokens := Encode(bot, chat, "", m)
	if len(calls) != 1 {
		return edit, nil, false
	}
	mc, isText := calls[0].(tgbotapi.MessageConfig)
	if !isText {
		return edit, nil, false
	}
	edit = tgbotapi.NewEditMessageText(chat, messageID, mc.Text)
	edit.ParseMode, edit.DisableWebPagePreview = mc.ParseMode, mc.DisableWebPagePreview
	if kb, isKB := mc.ReplyMarkup.(tgbotapi.InlineKeyboardMarkup); isKB {
		edit.ReplyMarkup = &kb
	}
	return edit, tokens, true
}

// cards shows one product as a photo with its caption when it has a
// picture Telegram can fetch, and several products as one message: a
// numbered list with a row of numbered buttons per product. One message
// per result keeps a search to one call (Telegram allows about one
// message per second per chat). A page of a longer list (m.Pager) is
// always such a list, numbered from the page's offset, with the page
// indicator below and a row of "previous"/"next" buttons.
func (e *encoder) cards(m *concierge.Message) {
	if len(m.Cards) == 0 {
		e.texts(m.PlainText(), e.keyboard(nil, m.Buttons, ""))
		return
	}
	if len(m.Cards) == 1 && m.Pager == nil {
		c := m.Cards[0]
		body := "<b>" + Escape(c.Title) + "</b> — " + Escape(c.PriceText)
		plain := c.Title + " — " + c.PriceText
		if c.Description != "" {
			body += "\n" + Escape(c.Description)
			plain += "\n" + c.Description
		}
		if c.StockText != "" {
			body += "\n<i>" + Escape(c.StockText) + "</i>"
			plain += "\n" + c.StockText
		}
		kb := e.keyboard(nil, append(append([]concierge.Button(nil), c.Buttons...), m.Buttons...), "")
		if photo := photoURL(c.Image); photo != "" && utf16Len(plain) <= MaxCaptionLen {
			if strings.TrimSpace(m.Text) != "" {
				e.texts(m.Text, nil)
			}
			pc := tgbotapi.NewPhoto(e.chat, tgbotapi.FileURL(photo))
			pc.Caption, pc.ParseMode = body, tgbotapi.ModeHTML
			if kb != nil {
				pc.ReplyMarkup = *kb
			}
			e.out.calls = append(e.out.calls, pc)
			return
		}
		if utf16Len(m.Text+"\n\n"+plain) > MaxTextLen {
			e.texts(m.PlainText(), kb)
			return
		}
		if strings.TrimSpace(m.Text) != "" {
			body = Escape(m.Text) + "\n\n" + body
		}
		e.html(body, kb)
		return
	}
	var b strings.Builder
	plainLen := utf16Len(m.Text)
	if m.Text != "" {
		b.WriteString(Escape(m.Text))
	}
	var rows [][]tgbotapi.InlineKeyboardButton
	offset := 0
	if m.Pager != nil {
		offset = max(m.Pager.Offset, 0)
	}
	for i, c := range m.Cards {
		n := strconv.Itoa(offset + i + 1)
		line := "<b>" + n + ". " + Escape(c.Title) + "</b> — " + Escape(c.PriceText)
		if c.StockText != "" {
			line += " · <i>" + Escape(c.StockText) + "</i>"
		}
		b.WriteString("\n\n" + line)
		plainLen += utf16Len(n+". "+c.Title+" — "+c.PriceText+" · "+c.StockText) + 2
		rows = e.rows(rows, c.Buttons, n+" · ")
	}
	if p := m.Pager; p != nil && p.Pages > 1 {
		// The page indicator is text, not a button: a button must do
		// something when pressed.
		ind := strconv.Itoa(p.Page) + "/" + strconv.Itoa(p.Pages)
		b.WriteString("\n\n<i>" + ind + "</i>")
		plainLen += utf16Len(ind) + 2
		var nav []concierge.Button
		for _, x := range []*concierge.Button{p.Prev, p.Next} {
			if x != nil {
				nav = append(nav, *x)
			}
		}
		rows = e.rows(rows, nav, "")
	}
	kb := e.keyboard(rows, m.Buttons, "")
	if plainLen > MaxTextLen {
		e.texts(m.PlainText(), kb)
		return
	}
	e.html(b.String(), kb)
}

// comparison writes one block per product (a table would not fit a
// phone), then the verdict.
func (e *encoder) comparison(m *concierge.Message) {
	c := m.Comparison
	if c == nil || len(c.Products) == 0 {
		e.texts(m.PlainText(), e.keyboard(nil, m.Buttons, ""))
		return
	}
	intro, verdict, _ := strings.Cut(m.Text, "\n")
	var b, plain strings.Builder
	if intro != "" {
		b.WriteString(Escape(intro))
		plain.WriteString(intro)
	}
	var rows [][]tgbotapi.InlineKeyboardButton
	for i, p := range c.Products {
		b.WriteString("\n\n<b>" + Escape(p.Title) + "</b>")
		plain.WriteString("\n\n" + p.Title)
		for _, r := range c.Rows {
			v := "—"
			if i < len(r.Values) {
				v = r.Values[i]
			}
			b.WriteString("\n• " + Escape(r.Label) + ": " + Escape(v))
			plain.WriteString("\n• " + r.Label + ": " + v)
		}
		rows = e.rows(rows, p.Buttons, "", p.Title)
	}
	if verdict != "" {
		b.WriteString("\n\n" + Escape(verdict))
		plain.WriteString("\n\n" + verdict)
	}
	kb := e.keyboard(rows, m.Buttons, "")
	if utf16Len(plain.String()) > MaxTextLen {
		e.texts(m.PlainText(), kb)
		return
	}
	e.html(b.String(), kb)
}

// payment sends a native invoice for the telegram provider's requests
// (the order's lines as prices, in the currency and minor units the
// provider computed), and the text with a link button otherwise.
func (e *encoder) payment(m *concierge.Message) {
	p := m.Payment
	if p == nil || p.Provider != ProviderName || p.Order == "" || p.Amount.Minor <= 0 {
		var bs []concierge.Button
		if p != nil && isWebURL(p.URL) {
			bs = append(bs, concierge.Button{Label: p.Label, URL: p.URL})
		}
		text := m.Text
		if p != nil && p.URL != "" && !isWebURL(p.URL) {
			text = m.PlainText()
		}
		e.texts(text, e.keyboard(nil, append(bs, m.Buttons...), ""))
		return
	}
	token := e.providerToken
	if p.Amount.Currency == StarsCurrency {
		token = "" // Stars invoices take no provider token
	}
	title, desc, prices := invoiceLines(m, p)
	inv := tgbotapi.NewInvoice(e.chat, title, desc, InvoicePayload(p.Order), token, "", p.Amount.Currency, prices)
	// v5.5.1 sends suggested_tip_amounts=null for a nil slice, which
	// Telegram refuses (go-telegram-bot-api issue #593).
	inv.SuggestedTipAmounts = []int{}
	e.out.calls = append(e.out.calls, inv)
}

// invoiceLines makes the invoice's title (≤ 32 characters), description
// (≤ 255) and prices. Prices are the order's lines when they add up to the
// amount asked, else one line with the whole amount (always so for Stars,
// which take exactly one price).
func invoiceLines(m *concierge.Message, p *concierge.PaymentRequest) (string, string, []tgbotapi.LabeledPrice) {
	title := string(p.Order)
	var lines []string
	var prices []tgbotapi.LabeledPrice
	var sum int64
	if o := m.Order; o != nil && len(o.Lines) > 0 {
		title = o.Lines[0].Title
		if len(o.Lines) > 1 {
			title += " +" + strconv.Itoa(len(o.Lines)-1)
		}
		for _, l := range o.Lines {
			label := l.Title + " × " + strconv.Itoa(l.Quantity)
			lines = append(lines, label)
			prices = append(prices, tgbotapi.LabeledPrice{Label: truncate(label, 64), Amount: int(l.Total.Minor)})
			sum += l.Total.Minor
			if l.Total.Currency != p.Amount.Currency {
				sum = -1 << 62
			}
		}
	}
	if sum != p.Amount.Minor || p.Amount.Currency == StarsCurrency {
		prices = []tgbotapi.LabeledPrice{{Label: truncate(title, 64), Amount: int(p.Amount.Minor)}}
	}
	desc := strings.TrimSpace(m.Text)
	if desc == "" {
		desc = strings.Join(lines, ", ")
	}
	if desc == "" {
		desc = title
	}
	return truncate(title, maxInvoiceTitle), truncate(desc, maxInvoiceDesc), prices
}

// keyboard builds an inline keyboard from rows already made and more
// buttons (two per row); nil when there is no button.
func (e *encoder) keyboard(rows [][]tgbotapi.InlineKeyboardButton, bs []concierge.Button, prefix string) *tgbotapi.InlineKeyboardMarkup {
	var row []tgbotapi.InlineKeyboardButton
	for _, b := range bs {
		btn, ok := e.button(b, prefix, "")
		if !ok {
			continue
		}
		row = append(row, btn)
		if len(row) == maxButtonsPerRow {
			rows, row = append(rows, row), nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	n := 0
	for i := range rows {
		if n+len(rows[i]) > maxKeyboardButtons {
			rows = rows[:i]
			break
		}
		n += len(rows[i])
	}
	if len(rows) == 0 {
		return nil
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return &kb
}

// rows appends one row with the buttons of one product.
func (e *encoder) rows(rows [][]tgbotapi.InlineKeyboardButton, bs []concierge.Button, prefix string, suffix ...string) [][]tgbotapi.InlineKeyboardButton {
	var row []tgbotapi.InlineKeyboardButton
	sfx := ""
	if len(suffix) > 0 {
		sfx = suffix[0]
	}
	for _, b := range bs {
		if btn, ok := e.button(b, prefix, sfx); ok {
			row = append(row, btn)
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return rows
}

func (e *encoder) button(b concierge.Button, prefix, suffix string) (tgbotapi.InlineKeyboardButton, bool) {
	label := prefix + b.Label
	if suffix != "" {
		label += " · " + suffix
	}
	label = truncate(label, 64)
	switch {
	case isWebURL(b.URL):
		return tgbotapi.NewInlineKeyboardButtonURL(label, b.URL), true
	case b.Value != "":
		tok := Tokenize(e.bot, b.Value)
		e.out.tokens[tok] = b.Value
		return tgbotapi.NewInlineKeyboardButtonData(label, tok), true
	}
	return tgbotapi.InlineKeyboardButton{}, false
}

// Escape makes s safe inside a message sent with parse_mode HTML: the
// Bot API wants exactly &, < and > escaped.
func Escape(s string) string { return htmlEscaper.Replace(s) }

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Split cuts s into pieces of at most limit UTF-16 code units (how
// Telegram counts), at a line break when there is one in the second half
// of a piece, else at a space, else anywhere between two runes.
func Split(s string, limit int) []string {
	var out []string
	for utf16Len(s) > limit {
		cut, n := 0, 0
		for i, r := range s {
			w := 1
			if r >= 0x10000 {
				w = 2
			}
			if n+w > limit {
				cut = i
				break
			}
			n += w
		}
		head := s[:cut]
		if i := strings.LastIndexByte(head, '\n'); i > len(head)/2 {
			cut = i
		} else if i := strings.LastIndexByte(head, ' '); i > len(head)/2 {
			cut = i
		}
		out = append(out, strings.TrimRight(s[:cut], " \n"))
		s = strings.TrimLeft(s[cut:], " \n")
	}
	if s != "" || len(out) == 0 {
		out = append(out, s)
	}
	return out
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// truncate shortens s to at most n runes, ending with "…" when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// photoURL returns img when Telegram can fetch it itself (an absolute
// http(s) URL of a format it shows as a photo); "" otherwise.
func photoURL(img string) string {
	if !isWebURL(img) {
		return ""
	}
	u, _ := url.Parse(img)
	if strings.HasSuffix(strings.ToLower(u.Path), ".svg") {
		return ""
	}
	return img
}

func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// chatNumber parses a ChatID the decoder made.
func chatNumber(c concierge.ChatID) (int64, error) {
	n, err := strconv.ParseInt(string(c), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("telegram: chat id %q is not a number", c)
	}
	return n, nil
}

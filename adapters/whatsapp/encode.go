package whatsapp

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/conciergehq/concierge"
)

// WhatsApp's limits on what one message may carry. The 3 buttons and 10
// rows are Meta's; the character counts are those Meta's BSPs document.
const (
	MaxTextRunes        = 4096 // a text message's body
	MaxBodyRunes        = 1024 // an interactive message's body, an image's caption
	MaxButtons          = 3    // reply buttons in one message
	MaxRows             = 10   // rows in one list message, all sections together
	MaxButtonTitleRunes = 20   // a reply button's title, a list's menu label, a CTA's text
	MaxRowTitleRunes    = 24   // a list row's or section's title
	MaxRowDescRunes     = 72   // a list row's description
	MaxFooterRunes      = 60   // an interactive message's footer
	MaxReplyIDBytes     = 256  // a reply button's id
	MaxRowIDBytes       = 200  // a list row's id
)

// tokenPrefix starts every choice token, so that an id that is one is
// told from a button value at once.
const tokenPrefix = "wa"

// Tokenize returns the id standing for a button value too long to be a
// row's id: an 18-byte token derived from the bot and the value, kept
// with the value in the store (Tokens). The same value always gets the
// same token, so it is stored once and the table grows with the catalog,
// not with the traffic.
func Tokenize(bot concierge.BotID, value string) string {
	h := sha256.Sum256([]byte(string(bot) + "\x00" + value))
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(h[:12])
}

// isToken reports whether id has the shape of a token made by Tokenize.
func isToken(id string) bool {
	rest, ok := strings.CutPrefix(id, tokenPrefix)
	if !ok || len(id) != len(Tokenize("", "")) {
		return false
	}
	for _, c := range rest {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Payload is one call to POST /{phone_number_id}/messages: the body Meta
// documents, field for field. Render builds them; the fake Graph API and
// tests read them.
type Payload struct {
	MessagingProduct string       `json:"messaging_product"`
	RecipientType    string       `json:"recipient_type,omitempty"`
	To               string       `json:"to"`
	Type             string       `json:"type"`
	Text             *Text        `json:"text,omitempty"`
	Image            *Media       `json:"image,omitempty"`
	Interactive      *Interactive `json:"interactive,omitempty"`
	Template         *Template    `json:"template,omitempty"`
}

// Text is a text message.
type Text struct {
	PreviewURL bool   `json:"preview_url"`
	Body       string `json:"body"`
}

// Media is an image (or other media) sent by link.
type Media struct {
	Link    string `json:"link"`
	Caption string `json:"caption,omitempty"`
}

// Interactive is a reply-button, list or CTA URL message.
type Interactive struct {
	Type   string    `json:"type"` // button, list, cta_url
	Header *Header   `json:"header,omitempty"`
	Body   *BodyText `json:"body,omitempty"`
	Footer *BodyText `json:"footer,omitempty"`
	Action Action    `json:"action"`
}

// Header is an interactive message's header.
type Header struct {
	Type  string `json:"type"` // text, image
	Text  string `json:"text,omitempty"`
	Image *Media `json:"image,omitempty"`
}

// BodyText is a body or footer.
type BodyText struct {
	Text string `json:"text"`
}

// Action is what an interactive message offers.
type Action struct {
	Button     string        `json:"button,omitempty"` // a list's menu label
	Buttons    []ReplyButton `json:"buttons,omitempty"`
	Sections   []Section     `json:"sections,omitempty"`
	Name       string        `json:"name,omitempty"` // cta_url
	Parameters *CTAParams    `json:"parameters,omitempty"`
}

// ReplyButton is one reply button.
type ReplyButton struct {
	Type  string `json:"type"` // reply
	Reply Reply  `json:"reply"`
}

// Reply is a reply button's id and title.
type Reply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Section is a titled group of list rows.
type Section struct {
	Title string `json:"title,omitempty"`
	Rows  []Row  `json:"rows"`
}

// Row is one choice of a list.
type Row struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// CTAParams is a CTA URL button.
type CTAParams struct {
	DisplayText string `json:"display_text"`
	URL         string `json:"url"`
}

// Template is an approved template message.
type Template struct {
	Name       string              `json:"name"`
	Language   TemplateLanguage    `json:"language"`
	Components []TemplateComponent `json:"components,omitempty"`
}

// TemplateLanguage is a template's language code (en_US, fr …).
type TemplateLanguage struct {
	Code string `json:"code"`
}

// TemplateComponent fills a template's variables.
type TemplateComponent struct {
	Type       string              `json:"type"` // body
	Parameters []TemplateParameter `json:"parameters"`
}

// TemplateParameter is one variable's value.
type TemplateParameter struct {
	Type string `json:"type"` // text
	Text string `json:"text"`
}

// labels are the few words the adapter itself writes (a list's menu
// button), per language; English is the fallback.
var labels = map[string]map[concierge.Locale]string{
	"choose":  {"en": "Choose", "fr": "Choisir", "zh": "选择"},
	"options": {"en": "Options", "fr": "Options", "zh": "选项"},
	"more":    {"en": "More", "fr": "Plus", "zh": "更多"},
	"page":    {"en": "Page %d/%d", "fr": "Page %d/%d", "zh": "第 %d/%d 页"},
}

func label(id string, loc concierge.Locale) string {
	if s := labels[id][loc]; s != "" {
		return s
	}
	return labels[id]["en"]
}

// renderer turns one outbound message into payloads.
type renderer struct {
	bot     concierge.BotID
	to      string
	loc     concierge.Locale
	baseURL string // makes relative image paths absolute; "" drops them
	footer  string // the footer of the interactive messages (a page's "Page 2/4")
	out     []Payload
	// tokens are the values put behind tokens (token → value); nil when
	// there is no store to keep them, and long values are left out.
	tokens map[string]string
}

// id returns the id of a choice whose button value is v: v itself when
// it fits a list row's id (200 bytes, the smaller of the two limits, so
// that a value has the same id as a row or as a reply button), else a
// token (see Tokenize). A value that looks like a token is put behind one
// too, so that every id shaped like a token is one. ok is false for an
// empty value, or a long one when there is no store for tokens.
func (r *renderer) id(v string) (string, bool) {
	switch {
	case !r.fits(v):
		return "", false
	case len(v) <= MaxRowIDBytes && !isToken(v):
		return v, true
	}
	t := Tokenize(r.bot, v)
	r.tokens[t] = v
	return t, true
}

// fits reports whether a choice with value v can be offered (see id),
// without making its token: only the choices shown need one stored.
func (r *renderer) fits(v string) bool {
	return v != "" && (r.tokens != nil || len(v) <= MaxRowIDBytes && !isToken(v))
}

// Render turns m into the calls that show it on WhatsApp, in order:
//
//   - text, order, cart, comparison, hand-off: the text (split at 4096
//     characters, on a paragraph or line where possible), with value
//     buttons as up to 3 reply buttons, or as a list of up to 10 rows;
//   - cards: one product with an image is an image with its caption, then
//     its buttons; several products are one list, a section per product
//     with a row per action when they fit in 10 rows, else a row per
//     product (its "add" action), the full names and prices in the body;
//   - payment with a URL: a CTA URL button carrying the link;
//   - buttons with a URL: a CTA URL button each.
//
// A page of a longer list (Message.Pager) gets its "previous" and "next"
// as choices like the products' (rows or reply buttons, whichever the
// message already uses, room kept for them within the 10 rows) and the
// page indicator as the footer ("Page 2/4"). The page a press asks for
// arrives as a new message: WhatsApp cannot edit one, so Replaces is
// ignored.
//
// A button whose value is longer than a row's id (a pager's, which
// carries its whole list) gets a token as its id: tokens maps each token
// made to its value, to be stored before the payloads are sent (see
// Adapter.Resolve for the way back).
//
// Titles longer than WhatsApp allows are shortened with "…"; choices
// beyond 10 are left out of the list.
func Render(m *concierge.Outbound, baseURL string) (payloads []Payload, tokens map[string]string) {
	r := render(m, baseURL, true)
	return r.out, r.tokens
}

// render renders m; without tokenize, a button whose value is too long
// for an id is left out (its label stays in the text).
func render(m *concierge.Outbound, baseURL string, tokenize bool) *renderer {
	r := &renderer{bot: m.Bot, to: string(m.Chat), loc: m.Locale, baseURL: baseURL}
	if tokenize {
		r.tokens = map[string]string{}
	}
	msg := &m.Message
	var values, links []concierge.Button
	for _, b := range msg.Buttons {
		switch {
		case b.URL != "":
			links = append(links, b)
		case b.Value != "":
			values = append(values, b)
		}
	}
	var nav []concierge.Button
	if msg.Kind == concierge.MessageCards && len(msg.Cards) > 0 {
		nav = r.pager(msg.Pager)
	}
	switch {
	case msg.Kind == concierge.MessageCards && len(msg.Cards) == 1:
		r.card(msg, nav, values)
	case msg.Kind == concierge.MessageCards && len(msg.Cards) > 1:
		r.cardList(msg, nav, values)
	case msg.Kind == concierge.MessagePayment && msg.Payment != nil && httpURL(msg.Payment.URL):
		label := msg.Payment.Label
		if label == "" {
			label = msg.Payment.AmountText
		}
		r.cta(nonEmpty(msg.Text, msg.PlainText()), label, msg.Payment.URL)
		if len(values) > 0 {
			r.choices(label, values)
		}
	default:
		r.choices(msg.PlainText(), values)
	}
	for _, b := range links {
		if httpURL(b.URL) {
			r.cta(b.Label, b.Label, b.URL)
		}
	}
	return r
}

func nonEmpty(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}

func (r *renderer) add(p Payload) {
	p.MessagingProduct, p.RecipientType, p.To = "whatsapp", "individual", r.to
	r.out = append(r.out, p)
}

// text sends s as text messages of at most MaxTextRunes each.
func (r *renderer) text(s string) {
	for _, part := range split(s, MaxTextRunes) {
		r.add(Payload{Type: "text", Text: &Text{Body: part}})
	}
}

// body returns the last part of s that fits an interactive body, after
// sending what comes before it as text.
func (r *renderer) body(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "…"
	}
	parts := split(s, MaxBodyRunes)
	if len(parts) > 1 {
		r.text(strings.TrimSpace(s[:len(s)-len(parts[len(parts)-1])]))
	}
	return parts[len(parts)-1]
}

// choices shows text with value buttons: reply buttons when there are up
// to three, a list when more, plain text when none.
func (r *renderer) choices(text string, bs []concierge.Button) {
	var rows []Row
	for _, b := range bs {
		if id, ok := r.id(b.Value); ok {
			rows = append(rows, Row{ID: id, Title: shorten(b.Label, MaxRowTitleRunes)})
		}
	}
	switch {
	case len(rows) == 0:
		if r.footer != "" {
			text += "\n" + r.footer // no interactive message to carry it
		}
		if strings.TrimSpace(text) != "" {
			r.text(text)
		}
	case len(rows) <= MaxButtons:
		body := r.body(text)
		var rbs []ReplyButton
		for _, row := range rows {
			rbs = append(rbs, ReplyButton{Type: "reply", Reply: Reply{ID: row.ID, Title: shorten(row.Title, MaxButtonTitleRunes)}})
		}
		r.add(Payload{Type: "interactive", Interactive: &Interactive{Type: "button", Body: &BodyText{Text: body}, Footer: r.foot(), Action: Action{Buttons: rbs}}})
	default:
		if len(rows) > MaxRows {
			rows = rows[:MaxRows]
		}
		body := r.body(text)
		r.add(Payload{Type: "interactive", Interactive: &Interactive{Type: "list", Body: &BodyText{Text: body}, Footer: r.foot(),
			Action: Action{Button: label("options", r.loc), Sections: []Section{{Rows: rows}}}}})
	}
}

// pager returns the buttons to the pages around a page of cards, and
// sets the footer to the page indicator. The agent also ends the
// message's text with "(2/4)" for channels that show text alone; that
// line is left out where the footer says it (see pageText).
func (r *renderer) pager(p *concierge.Pager) []concierge.Button {
	if p == nil || p.Pages < 2 {
		return nil
	}
	r.footer = shorten(fmt.Sprintf(label("page", r.loc), p.Page, p.Pages), MaxFooterRunes)
	var nav []concierge.Button
	for _, b := range []*concierge.Button{p.Prev, p.Next} {
		// A value that carries a long list goes behind a token (see
		// id); it is left out only when there is nowhere to keep one.
		if b != nil && r.fits(b.Value) {
			nav = append(nav, *b)
		}
	}
	return nav
}

// pageText is the text of a page without the "(2/4)" line the agent adds
// for text-only channels, when the footer shows the indicator instead.
func pageText(msg *concierge.Message) string {
	text := msg.PlainText()
	if p := msg.Pager; p != nil && p.Pages > 1 {
		text = strings.TrimSuffix(text, fmt.Sprintf("\n(%d/%d)", p.Page, p.Pages))
	}
	return text
}

// foot is the interactive messages' footer, if any.
func (r *renderer) foot() *BodyText {
	if r.footer == "" {
		return nil
	}
	return &BodyText{Text: r.footer}
}

// pageRow is the list row of a pager button: its label, and the page it
// leads to as the description.
func (r *renderer) pageRow(b concierge.Button, p *concierge.Pager) Row {
	to := p.Page + 1
	if p.Prev != nil && b.Value == p.Prev.Value {
		to = p.Page - 1
	}
	id, _ := r.id(b.Value)
	return Row{ID: id, Title: shorten(b.Label, MaxRowTitleRunes), Description: shorten(fmt.Sprintf(label("page", r.loc), to, p.Pages), MaxRowDescRunes)}
}

// card shows one product: its picture with a caption, then its buttons.
func (r *renderer) card(msg *concierge.Message, nav, extra []concierge.Button) {
	c := msg.Cards[0]
	caption := c.Title
	if c.PriceText != "" {
		caption += " — " + c.PriceText
	}
	if c.StockText != "" {
		caption += "\n" + c.StockText
	}
	text := pageText(msg)
	if img := r.image(c.Image); img != "" {
		r.add(Payload{Type: "image", Image: &Media{Link: img, Caption: shorten(caption, MaxBodyRunes)}})
	} else if strings.TrimSpace(text) == "" {
		text = caption
	}
	if strings.TrimSpace(text) == "" {
		text = caption
	}
	var bs []concierge.Button
	// The pager's buttons come before the message's own, so that they
	// are never the ones left out of a full list.
	for _, b := range append(append(append([]concierge.Button{}, c.Buttons...), nav...), extra...) {
		if b.Value != "" && b.URL == "" {
			bs = append(bs, b)
		}
	}
	r.choices(text, bs)
}

// cardList shows several products as one list message, with the pager's
// rows (nav) after the products and before the message's own buttons.
func (r *renderer) cardList(msg *concierge.Message, nav, extra []concierge.Button) {
	extra = r.valueButtons(extra)
	total := len(nav) + len(extra)
	for _, c := range msg.Cards {
		total += len(r.valueButtons(c.Buttons))
	}
	var sections []Section
	if total <= MaxRows && len(msg.Cards) <= MaxRows {
		// Every action of every product: a section per product.
		for _, c := range msg.Cards {
			s := Section{Title: shorten(c.Title, MaxRowTitleRunes)}
			for _, b := range r.valueButtons(c.Buttons) {
				s.Rows = append(s.Rows, r.row(b, shorten(b.Label, MaxRowTitleRunes), priceLine(c)))
			}
			if len(s.Rows) > 0 {
				sections = append(sections, s)
			}
		}
		if len(nav) > 0 {
			s := Section{Title: shorten(r.footer, MaxRowTitleRunes)}
			for _, b := range nav {
				s.Rows = append(s.Rows, r.pageRow(b, msg.Pager))
			}
			sections = append(sections, s)
		}
		if len(extra) > 0 {
			s := Section{Title: shorten(label("more", r.loc), MaxRowTitleRunes)}
			for _, b := range extra {
				s.Rows = append(s.Rows, r.row(b, shorten(b.Label, MaxRowTitleRunes), ""))
			}
			sections = append(sections, s)
		}
	} else {
		// Too many: one row per product, its main action, then the
		// pager's rows, in no more than ten.
		s := Section{}
		for _, c := range msg.Cards {
			b, ok := r.mainAction(c.Buttons)
			if !ok || len(s.Rows) == MaxRows-len(nav) {
				continue
			}
			s.Rows = append(s.Rows, r.row(b, shorten(c.Title, MaxRowTitleRunes), priceLine(c)))
		}
		for _, b := range nav {
			s.Rows = append(s.Rows, r.pageRow(b, msg.Pager))
		}
		for _, b := range extra {
			if len(s.Rows) < MaxRows {
				s.Rows = append(s.Rows, r.row(b, shorten(b.Label, MaxRowTitleRunes), ""))
			}
		}
		if len(s.Rows) > 0 {
			sections = append(sections, s)
		}
	}
	text := pageText(msg) // the numbered names and prices, in full
	if len(sections) == 0 {
		r.choices(text, nil)
		return
	}
	if len(sections) == 1 {
		sections[0].Title = ""
	}
	body := r.body(text)
	r.add(Payload{Type: "interactive", Interactive: &Interactive{Type: "list", Body: &BodyText{Text: body}, Footer: r.foot(),
		Action: Action{Button: label("choose", r.loc), Sections: sections}}})
}

// cta sends a CTA URL button.
func (r *renderer) cta(text, display, link string) {
	body := r.body(text)
	r.add(Payload{Type: "interactive", Interactive: &Interactive{Type: "cta_url", Body: &BodyText{Text: body},
		Action: Action{Name: "cta_url", Parameters: &CTAParams{DisplayText: shorten(nonEmpty(display, "OK"), MaxButtonTitleRunes), URL: link}}}})
}

// image returns an absolute https (or http) URL for src, or "".
func (r *renderer) image(src string) string {
	if src == "" {
		return ""
	}
	// WhatsApp shows JPEG and PNG images only; an SVG or GIF would be
	// refused, so the product is shown without it.
	if ext := strings.ToLower(path.Ext(strings.SplitN(src, "?", 2)[0])); ext == ".svg" || ext == ".gif" || ext == ".webp" {
		return ""
	}
	if httpURL(src) {
		return src
	}
	if strings.HasPrefix(src, "/") && r.baseURL != "" {
		return strings.TrimRight(r.baseURL, "/") + src
	}
	return ""
}

// valueButtons are the buttons of bs that can be choices: a value with
// an id, and no URL.
func (r *renderer) valueButtons(bs []concierge.Button) []concierge.Button {
	var out []concierge.Button
	for _, b := range bs {
		if r.fits(b.Value) && b.URL == "" {
			out = append(out, b)
		}
	}
	return out
}

// row is the list row of a value button (one of valueButtons).
func (r *renderer) row(b concierge.Button, title, desc string) Row {
	id, _ := r.id(b.Value)
	return Row{ID: id, Title: title, Description: shorten(desc, MaxRowDescRunes)}
}

// mainAction is a product's "add to cart" button, or its first.
func (r *renderer) mainAction(bs []concierge.Button) (concierge.Button, bool) {
	vs := r.valueButtons(bs)
	for _, b := range vs {
		if strings.HasPrefix(b.Value, "add:") {
			return b, true
		}
	}
	if len(vs) > 0 {
		return vs[0], true
	}
	return concierge.Button{}, false
}

func priceLine(c concierge.Card) string {
	return strings.Trim(c.PriceText+" · "+c.StockText, " ·")
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// shorten keeps s within max runes, ending with "…" when cut.
func shorten(s string, max int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return strings.TrimSpace(clip(s, max-1)) + "…"
}

// split cuts s into parts of at most max runes, at a paragraph break, a
// line break or a space when there is one in the second half of a part.
func split(s string, max int) []string {
	var parts []string
	for utf8.RuneCountInString(s) > max {
		head := clip(s, max)
		cut := len(head)
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(head, sep); i > len(head)/2 {
				cut = i
				break
			}
		}
		parts = append(parts, strings.TrimSpace(s[:cut]))
		s = strings.TrimSpace(s[cut:])
	}
	if s != "" || len(parts) == 0 {
		parts = append(parts, s)
	}
	return parts
}

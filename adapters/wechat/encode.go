package wechat

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/conciergehq/concierge"
)

// WeChat's limits on one customer-service message. The text limit is
// counted in bytes and kept below the documented 2048 so that Chinese text
// (3 bytes a character) is never cut by WeChat itself.
const (
	MaxTextBytes     = 2000 // a text message's content
	MaxMenuItems     = 10   // items of one msgmenu message
	MaxMenuItemBytes = 60   // an item's content (a button label)
	MaxTitleBytes    = 64   // a news article's title
	MaxDescBytes     = 120  // a news article's description
	MaxMenuHeadBytes = 1000 // a msgmenu's head_content
	tokenPrefix      = "wx"
)

// Payload is one call to POST /cgi-bin/message/custom/send: the JSON body
// WeChat documents for the kinds Concierge sends. Render builds them; the
// fake WeChat API and tests read them.
type Payload struct {
	ToUser  string   `json:"touser"`
	MsgType string   `json:"msgtype"` // text, news, msgmenu
	Text    *Text    `json:"text,omitempty"`
	News    *News    `json:"news,omitempty"`
	MsgMenu *MsgMenu `json:"msgmenu,omitempty"`
}

// Text is a text message; it may hold <a href="…">links</a>.
type Text struct {
	Content string `json:"content"`
}

// News is an article message: a card with a picture that opens a page.
// WeChat shows one article per customer-service news message.
type News struct {
	Articles []Article `json:"articles"`
}

// Article is one card of a news message.
type Article struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url"`
	PicURL      string `json:"picurl,omitempty"`
}

// MsgMenu is a menu message: text, then items the customer taps; a tap
// comes back as a text message with the item's content and its id in
// bizmsgmenuid.
type MsgMenu struct {
	HeadContent string     `json:"head_content"`
	List        []MenuItem `json:"list"`
	TailContent string     `json:"tail_content"`
}

// MenuItem is one item of a menu message.
type MenuItem struct {
	ID      string `json:"id"`
	Content string `json:"content"`
}

// Tokenize is the menu item id of a button value for bot: short, stable
// and opaque, so that WeChat never carries (or shows) the value itself.
func Tokenize(bot concierge.BotID, value string) string {
	h := sha256.Sum256([]byte("wechat\x00" + string(bot) + "\x00" + value))
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(h[:12])
}

// Rendered is a message turned into customer-service calls, and the menu
// item tokens they carry (stored before the calls are made).
type Rendered struct {
	Payloads []Payload
	Tokens   map[string]string // token → button value
}

type renderer struct {
	bot     concierge.BotID
	to      string
	baseURL string
	tail    string // the menu's tail_content: a page's indicator ("2/4")
	out     Rendered
}

// Render turns m into the calls that show it in WeChat, in order, keeping
// to WeChat's quota (five messages per customer message) with two calls at
// most for the usual kinds:
//
//   - text, cart, order, comparison, hand-off: the text (split at
//     MaxTextBytes), with value buttons as one menu message (msgmenu);
//   - cards: the first product as a news article with its picture, then a
//     menu message whose text lists every product and whose items are
//     their actions;
//   - payment with a URL: a news article that opens the payment page;
//   - buttons with a URL: links in a text message.
//
// A page of a longer list (Message.Pager) gets its "previous" and "next"
// as menu items after the products' (kept within the 10 items before any
// other) and the page indicator as the menu's tail ("2/4"). The page a
// tap asks for arrives as a new message: WeChat cannot edit one, so
// Replaces is ignored.
func Render(m *concierge.Outbound, baseURL string) Rendered {
	r := &renderer{bot: m.Bot, to: string(m.Chat), baseURL: strings.TrimRight(baseURL, "/"), out: Rendered{Tokens: map[string]string{}}}
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
	switch {
	case msg.Kind == concierge.MessageCards && len(msg.Cards) > 0:
		r.cards(msg, values)
	case msg.Kind == concierge.MessagePayment && msg.Payment != nil && httpURL(msg.Payment.URL):
		p := msg.Payment
		title := p.Label
		if p.AmountText != "" && !strings.Contains(title, p.AmountText) {
			title = strings.TrimSpace(title + " " + p.AmountText)
		}
		r.add(Payload{MsgType: "news", News: &News{Articles: []Article{{
			Title: clipBytes(title, MaxTitleBytes), Description: clipBytes(nonEmpty(msg.Text, msg.PlainText()), MaxDescBytes), URL: p.URL}}}})
		if len(values) > 0 {
			r.choices("", values)
		}
	default:
		r.choices(msg.PlainText(), values)
	}
	if len(links) > 0 {
		var b strings.Builder
		for i, l := range links {
			if !httpURL(l.URL) {
				continue
			}
			if i > 0 {
				b.WriteString("\n")
			}
			b.WriteString(`<a href="` + html.EscapeString(l.URL) + `">` + html.EscapeString(l.Label) + `</a>`)
		}
		if b.Len() > 0 {
			r.add(Payload{MsgType: "text", Text: &Text{Content: b.String()}})
		}
	}
	return r.out
}

func (r *renderer) add(p Payload) {
	p.ToUser = r.to
	r.out.Payloads = append(r.out.Payloads, p)
}

func (r *renderer) text(s string) {
	for _, part := range splitBytes(s, MaxTextBytes) {
		if strings.TrimSpace(part) != "" {
			r.add(Payload{MsgType: "text", Text: &Text{Content: part}})
		}
	}
}

// choices shows text with value buttons as one menu message, or as text
// alone when there are none.
func (r *renderer) choices(text string, bs []concierge.Button) {
	r.menu(text, bs, nil)
}

// menu shows text with value buttons and, last, the pager's buttons nav
// as one menu message, keeping room for nav within the 10 items. The
// agent ends a page's text with "(2/4)" for channels that show text
// alone; in a menu that line is the tail instead.
func (r *renderer) menu(text string, bs, nav []concierge.Button) {
	var items []MenuItem
	item := func(b concierge.Button) {
		tok := Tokenize(r.bot, b.Value)
		r.out.Tokens[tok] = b.Value
		items = append(items, MenuItem{ID: tok, Content: clipBytes(b.Label, MaxMenuItemBytes)})
	}
	for _, b := range bs {
		if b.Value != "" && len(items) < MaxMenuItems-len(nav) {
			item(b)
		}
	}
	for _, b := range nav {
		item(b)
	}
	if len(items) == 0 {
		r.text(text)
		return
	}
	tail := ""
	if r.tail != "" {
		text = strings.TrimSuffix(strings.TrimSpace(text), "\n("+r.tail+")")
		tail = r.tail
	}
	head := strings.TrimSpace(text)
	if len(head) > MaxMenuHeadBytes {
		// Too long for a menu's head: the text goes first, whole.
		r.text(head)
		head = "👇"
	}
	r.add(Payload{MsgType: "msgmenu", MsgMenu: &MsgMenu{HeadContent: head, List: items, TailContent: tail}})
}

// pager returns the buttons to the pages around a page of cards and sets
// the menu's tail to the page indicator.
func (r *renderer) pager(p *concierge.Pager) []concierge.Button {
	if p == nil || p.Pages < 2 {
		return nil
	}
	r.tail = fmt.Sprintf("%d/%d", p.Page, p.Pages)
	var nav []concierge.Button
	for _, b := range []*concierge.Button{p.Prev, p.Next} {
		if b != nil && b.Value != "" {
			nav = append(nav, *b)
		}
	}
	return nav
}

// cards shows the first product as an article and every product's actions
// as one menu.
func (r *renderer) cards(msg *concierge.Message, extra []concierge.Button) {
	c := msg.Cards[0]
	desc := strings.Trim(c.PriceText+" · "+c.StockText, " ·")
	if c.Description != "" {
		desc = strings.TrimSpace(desc + "\n" + c.Description)
	}
	link := r.baseURL
	if link != "" {
		link += "/chat/" + url.PathEscape(string(r.bot))
	}
	if img := r.image(c.Image); img != "" || link != "" {
		r.add(Payload{MsgType: "news", News: &News{Articles: []Article{{
			Title: clipBytes(c.Title, MaxTitleBytes), Description: clipBytes(desc, MaxDescBytes), URL: link, PicURL: img}}}})
	}
	var bs []concierge.Button
	for _, card := range msg.Cards {
		for _, b := range card.Buttons {
			if b.Value == "" || b.URL != "" {
				continue
			}
			if len(msg.Cards) > 1 {
				// Several products: their main action, named after them.
				if !strings.HasPrefix(b.Value, "add:") && hasAdd(card.Buttons) {
					continue
				}
				b.Label = card.Title + " · " + b.Label
			}
			bs = append(bs, b)
		}
	}
	text := msg.PlainText()
	if strings.TrimSpace(text) == "" {
		text = c.Title + " " + c.PriceText
	}
	r.menu(text, append(bs, extra...), r.pager(msg.Pager))
}

func hasAdd(bs []concierge.Button) bool {
	for _, b := range bs {
		if strings.HasPrefix(b.Value, "add:") {
			return true
		}
	}
	return false
}

// image returns an absolute http(s) URL of a JPEG or PNG picture, or "":
// WeChat shows neither SVG nor WebP in articles.
func (r *renderer) image(src string) string {
	if src == "" {
		return ""
	}
	if ext := strings.ToLower(path.Ext(strings.SplitN(src, "?", 2)[0])); ext == ".svg" || ext == ".webp" {
		return ""
	}
	if httpURL(src) {
		return src
	}
	if strings.HasPrefix(src, "/") && r.baseURL != "" {
		return r.baseURL + src
	}
	return ""
}

func nonEmpty(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// clipBytes keeps s within max bytes without cutting a character, ending
// with "…" when cut.
func clipBytes(s string, max int) string {
	s = strings.TrimSpace(s)
	if len(s) <= max {
		return s
	}
	cut := max - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimSpace(s[:cut]) + "…"
}

// splitBytes cuts s into parts of at most max bytes, at a paragraph break,
// a line break or a space in the second half of a part when there is one,
// never inside a character.
func splitBytes(s string, max int) []string {
	var parts []string
	for len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		head := s[:cut]
		for _, sep := range []string{"\n\n", "\n", " ", "。"} {
			if i := strings.LastIndex(head, sep); i > len(head)/2 {
				cut = i + len(sep)
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

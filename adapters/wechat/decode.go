package wechat

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
)

// MaxBodyBytes is the largest message body accepted. WeChat's messages are
// a few hundred bytes; a text is at most 2048 bytes of content.
const MaxBodyBytes = 64 << 10

// Message is one message or event pushed by WeChat, the elements of
// Receiving_standard_messages and Receiving_event_pushes that Concierge
// reads. Encrypt is set in safe and compatible modes.
type Message struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	MsgID        string   `xml:"MsgId"`
	Content      string   `xml:"Content"`
	// BizMsgMenuID is the id of the item pressed in a customer-service
	// menu message (msgmenu); the item's content comes as Content.
	BizMsgMenuID string  `xml:"bizmsgmenuid"`
	PicURL       string  `xml:"PicUrl"`
	MediaID      string  `xml:"MediaId"`
	Format       string  `xml:"Format"`
	Recognition  string  `xml:"Recognition"`
	LocationX    float64 `xml:"Location_X"`
	LocationY    float64 `xml:"Location_Y"`
	Scale        int     `xml:"Scale"`
	Label        string  `xml:"Label"`
	Title        string  `xml:"Title"`
	Description  string  `xml:"Description"`
	URL          string  `xml:"Url"`
	Event        string  `xml:"Event"`
	EventKey     string  `xml:"EventKey"`
	Ticket       string  `xml:"Ticket"`
	Encrypt      string  `xml:"Encrypt"`
}

var errXML = errors.New("not a WeChat XML message")

// parseXML reads body into v, refusing what WeChat never sends and an
// attacker might: a DOCTYPE or any other directive (entity declarations,
// so no entity expansion and no external entities), processing
// instructions other than the XML declaration, and deep nesting. Go's
// decoder never fetches external entities, but refusing the DTD outright
// keeps the rule obvious and independent of the decoder's behaviour.
func parseXML(body []byte, v any) error {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	depth := 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: %v", errXML, err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return fmt.Errorf("%w: a DOCTYPE or other directive is refused", errXML)
		case xml.ProcInst:
			if t.Target != "xml" {
				return fmt.Errorf("%w: processing instruction %q is refused", errXML, t.Target)
			}
		case xml.StartElement:
			if depth++; depth > 4 {
				return fmt.Errorf("%w: nested too deep", errXML)
			}
		case xml.EndElement:
			depth--
		}
	}
	if err := xml.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: %v", errXML, err)
	}
	return nil
}

// ParseMessage reads a plaintext message.
func ParseMessage(body []byte) (*Message, error) {
	var m Message
	if err := parseXML(body, &m); err != nil {
		return nil, err
	}
	if m.XMLName.Local != "xml" {
		return nil, errXML
	}
	return &m, nil
}

// Locale is the language WeChat customers are greeted in until they write:
// WeChat is Chinese first.
const Locale concierge.Locale = "zh"

// Decode turns a plaintext message into the event it means, or nil for
// pushes that ask nothing of the bot (a VIEW menu link opened, a periodic
// location report, the result of a mass send). Values are taken as sent;
// a message type Concierge does not know becomes an EventMedia without
// text, which the bot answers politely.
func Decode(m *Message) (*concierge.Event, error) {
	if m.FromUserName == "" || m.MsgType == "" {
		return nil, concierge.Errorf(concierge.CodeInvalid, "wechat: decode", "message without FromUserName or MsgType")
	}
	ev := &concierge.Event{Channel: concierge.ChannelWeChat, Chat: concierge.ChatID(m.FromUserName), User: m.FromUserName,
		Locale: Locale, Time: time.Unix(m.CreateTime, 0).UTC()}
	if m.MsgType == "event" {
		// Events carry no MsgId: WeChat's retries repeat FromUserName and
		// CreateTime, which is the documented de-duplication key.
		ev.DedupeKey = "event:" + m.FromUserName + ":" + strconv.FormatInt(m.CreateTime, 10)
		switch strings.ToLower(m.Event) {
		case "subscribe":
			ev.Kind = concierge.EventSubscribe
			ev.Value = strings.TrimPrefix(m.EventKey, "qrscene_")
		case "scan":
			// A follower scanned a parametric QR code: greet them again.
			ev.Kind = concierge.EventSubscribe
			ev.Value = m.EventKey
		case "unsubscribe":
			ev.Kind = concierge.EventUnsubscribe
		case "click":
			ev.Kind = concierge.EventButton
			ev.Value = m.EventKey
			ev.Text = m.EventKey
		default: // VIEW, LOCATION, TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH …
			return nil, nil
		}
		return ev, nil
	}
	if m.MsgID == "" {
		return nil, concierge.Errorf(concierge.CodeInvalid, "wechat: decode", "%s message without MsgId", m.MsgType)
	}
	ev.DedupeKey = m.MsgID
	switch m.MsgType {
	case "text":
		ev.Kind = concierge.EventText
		ev.Text = m.Content
		if m.BizMsgMenuID != "" {
			// A menu message's item: its id is a button token the
			// adapter resolves to the button's value (Adapter.Resolve).
			ev.Kind = concierge.EventButton
			ev.Value = m.BizMsgMenuID
		}
	case "voice":
		// With speech recognition on, WeChat transcribes the voice and
		// the transcript is the customer's words; without it, the media
		// fetcher has the bot's transcriber hear the file.
		ev.Kind = concierge.EventMedia
		ev.Value = mediaValue("voice", m.MediaID)
		if rec := strings.TrimSpace(m.Recognition); rec != "" {
			ev.Text, ev.Speech = rec, concierge.SpeechHeard
		}
	case "image":
		// The image's PicUrl is public but not kept: its MediaId is
		// what Adapter.FetchMedia downloads.
		ev.Kind = concierge.EventMedia
		ev.Value = mediaValue("image", m.MediaID)
	case "video", "shortvideo":
		ev.Kind = concierge.EventMedia
		ev.Value = mediaValue("video", m.MediaID)
	case "file":
		ev.Kind = concierge.EventMedia
		ev.Value = mediaValue("document", m.MediaID)
	case "location":
		ev.Kind = concierge.EventLocation
		ev.Text = m.Label
		ev.Value = strconv.FormatFloat(m.LocationX, 'f', -1, 64) + "," + strconv.FormatFloat(m.LocationY, 'f', -1, 64)
	case "link":
		ev.Kind = concierge.EventMedia
		ev.Text = strings.TrimSpace(m.Title + " " + m.Description)
		// A link is no file: its kind says so to whoever fetches media.
		ev.Value = "link:" + m.URL
	default:
		ev.Kind = concierge.EventMedia // "I can only read text", politely
	}
	return ev, nil
}

// mediaValue names a message's media as KIND:REF, REF its MediaId, or
// KIND alone when the MediaId is missing or unusable.
func mediaValue(kind, mediaID string) string {
	if mediaID == "" || len(mediaID) > 256 || strings.ContainsAny(mediaID, "\x00\r\n") {
		return kind
	}
	return kind + ":" + mediaID
}

package seller

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
)

// CodeTTL is how long a link code works after it is printed.
const CodeTTL = 10 * time.Minute

// The link limits: after MaxChatFailures failed codes from one chat, or
// MaxBotFailures from all chats of one bot and channel, within
// FailureWindow, codes are not even looked at until the window moves on.
// A code has about 40 bits and lives ten minutes, so guessing one is out
// of reach at these rates.
const (
	MaxChatFailures = 5
	MaxBotFailures  = 50
	FailureWindow   = 10 * time.Minute
)

// codeAlphabet has no 0/O or 1/I/L, so a code read aloud or retyped from
// a screen is not mistaken.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// codeRE finds a code in a message: "LINK-K7QF-M2XD", as printed, or typed
// without dashes or in lower case, alone or after "/start".
var codeRE = regexp.MustCompile(`(?i)(?:^|[\s/])link[\s_-]*([2-9a-hjkmnp-z]{4})[\s_-]*([2-9a-hjkmnp-z]{4})(?:$|\s)`)

// NewCode draws a fresh code from crypto/rand.
func NewCode() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	out := make([]byte, 8)
	for i := range b {
		// 256 is not a multiple of 31: reject the top values rather than
		// favour the first letters.
		for b[i] >= 248 {
			var one [1]byte
			if _, err := rand.Read(one[:]); err != nil {
				return "", err
			}
			b[i] = one[0]
		}
		out[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return "LINK-" + string(out[:4]) + "-" + string(out[4:]), nil
}

// FindCode returns the code in a message, in its printed form, or "".
func FindCode(text string) string {
	g := codeRE.FindStringSubmatch(" " + strings.TrimSpace(text) + " ")
	if g == nil {
		return ""
	}
	return "LINK-" + strings.ToUpper(g[1]) + "-" + strings.ToUpper(g[2])
}

// HashCode is what is stored of a code: its SHA-256. A code is random
// and lives ten minutes, so a fast hash is enough; the database alone
// never lets anyone link.
func HashCode(code string) string {
	h := sha256.Sum256([]byte(code))
	return hex.EncodeToString(h[:])
}

// LinkStore is the store as Link uses it.
type LinkStore interface {
	InboxUser(ctx context.Context, name string) (*concierge.Person, error)
	CreateLinkCode(ctx context.Context, c concierge.LinkCode) error
}

// Link makes and stores a one-time code (`concierge inbox user link`)
// for the inbox person named name to send from their account on ch; see
// NewLinkCode.
func Link(ctx context.Context, s LinkStore, name string, ch concierge.Channel, account string, now time.Time) (string, error) {
	p, err := s.InboxUser(ctx, name)
	if err != nil {
		if errors.Is(err, concierge.ErrNotFound) {
			return "", fmt.Errorf("there is no person named %q", name)
		}
		return "", err
	}
	code, row, err := NewLinkCode(p.ID, ch, account, now)
	if err != nil {
		return "", err
	}
	if err := s.CreateLinkCode(ctx, row); err != nil {
		return "", err
	}
	return code, nil
}

// NewLinkCode makes a code for person on channel (account, when not
// empty, is the only platform user it works for) and the row to store.
func NewLinkCode(person int64, ch concierge.Channel, account string, now time.Time) (string, concierge.LinkCode, error) {
	switch ch {
	case concierge.ChannelTelegram, concierge.ChannelWhatsApp, concierge.ChannelWeChat, concierge.ChannelWeb:
	default:
		return "", concierge.LinkCode{}, concierge.Errorf(concierge.CodeInvalid, "link", "--channel is telegram, whatsapp, wechat or web, not %q", ch)
	}
	code, err := NewCode()
	if err != nil {
		return "", concierge.LinkCode{}, err
	}
	return code, concierge.LinkCode{Hash: HashCode(code), Person: person, Channel: ch, Account: strings.TrimSpace(account),
		CreatedAt: now, ExpiresAt: now.Add(CodeTTL)}, nil
}

// redeem links conv's chat with the person whose code it sent, or says
// why not; every refusal counts against the chat's and the bot's limits.
func (a *Assistant) redeem(ctx context.Context, tx Tx, conv *concierge.Conversation, ev *concierge.Event, code string) error {
	loc := a.localeOf(conv, ev, "")
	now := tx.Now()
	chatKey := "chat:" + string(conv.Bot) + ":" + string(conv.Channel) + ":" + string(conv.Chat)
	botKey := "bot:" + string(conv.Bot) + ":" + string(conv.Channel)
	for key, limit := range map[string]int{chatKey: MaxChatFailures, botKey: MaxBotFailures} {
		n, err := tx.LinkFailures(ctx, key, now.Add(-FailureWindow))
		if err != nil {
			return err
		}
		if n >= limit {
			return a.say(ctx, tx, conv, text(loc, "link_too_many"))
		}
	}
	refuse := func(id string, args ...any) error {
		if err := tx.RecordLinkFailure(ctx, []string{chatKey, botKey}, now.Add(-FailureWindow)); err != nil {
			return err
		}
		return a.say(ctx, tx, conv, text(loc, id, args...))
	}
	hash := HashCode(code)
	c, err := tx.LinkCode(ctx, hash)
	if errors.Is(err, concierge.ErrNotFound) {
		return refuse("link_unknown")
	}
	if err != nil {
		return err
	}
	switch {
	case !c.UsedAt.IsZero():
		return refuse("link_used")
	case !now.Before(c.ExpiresAt):
		return refuse("link_expired")
	case c.Channel != conv.Channel:
		return refuse("link_other_channel", string(c.Channel))
	case c.Account != "" && c.Account != ev.User:
		return refuse("link_other_account")
	}
	p, err := tx.PersonByID(ctx, c.Person)
	if errors.Is(err, concierge.ErrNotFound) {
		return refuse("link_unknown")
	}
	if err != nil {
		return err
	}
	if !p.Sees(conv.Bot) {
		return refuse("link_other_bot", p.Name)
	}
	ok, err := tx.UseLinkCode(ctx, hash)
	if err != nil {
		return err
	}
	if !ok {
		return refuse("link_used")
	}
	if err := tx.LinkChat(ctx, concierge.SellerLink{Person: p.ID, Bot: conv.Bot, Channel: conv.Channel, Chat: conv.Chat, Conversation: conv.ID}); err != nil {
		return err
	}
	if err := tx.RecordAudit(ctx, concierge.AuditEntry{Person: p.Name, Bot: conv.Bot, Action: "link", Target: string(conv.Channel) + ":" + string(conv.Chat),
		After: "linked", Via: string(conv.Channel)}); err != nil {
		return err
	}
	if err := a.say(ctx, tx, conv, text(loc, "link_done", p.Name)); err != nil {
		return err
	}
	return a.say(ctx, tx, conv, text(loc, "help"))
}

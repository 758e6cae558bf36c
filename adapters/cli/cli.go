// Package cli is the terminal channel of `concierge chat`: it reads what
// the merchant types as a customer would and prints the bot's messages as
// plain text. It has no buttons, so it shows them numbered, and typing a
// number presses one — the fallback every channel without buttons uses.
// It imports only the standard library and the root package.
package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/conciergehq/concierge"
)

// Adapter prints outbound messages and turns typed lines into events.
type Adapter struct {
	mu      sync.Mutex
	w       io.Writer
	buttons []concierge.Button // the last message's, for "type a number"
	n       int
	// Printed, if set, is called after each message is printed; the
	// chat command uses it to know when the bot has answered.
	Printed func(m *concierge.Outbound)
}

var _ concierge.Sender = (*Adapter)(nil)

// New returns an Adapter writing to w.
func New(w io.Writer) *Adapter { return &Adapter{w: w} }

// Send prints m.
func (a *Adapter) Send(ctx context.Context, m *concierge.Outbound) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var b strings.Builder
	b.WriteString("bot> ")
	b.WriteString(strings.ReplaceAll(render(&m.Message), "\n", "\n     "))
	b.WriteString("\n")
	var bs []concierge.Button
	bs = append(bs, m.Message.Buttons...)
	cards := m.Message.Cards
	if m.Message.Comparison != nil {
		cards = append(cards, m.Message.Comparison.Products...)
	}
	for _, c := range cards {
		bs = append(bs, c.Buttons...)
	}
	if m.Message.Payment != nil && m.Message.Payment.URL != "" {
		bs = append(bs, concierge.Button{Label: m.Message.Payment.Label, URL: m.Message.Payment.URL})
	}
	if len(bs) > 0 {
		a.buttons = bs
		for i, btn := range bs {
			label := btn.Label
			if btn.Value != "" && strings.Contains(btn.Value, ":") && len(cards) > 1 {
				label += " (" + btn.Value[strings.Index(btn.Value, ":")+1:] + ")"
			}
			if btn.URL != "" {
				label += " → " + btn.URL
			}
			fmt.Fprintf(&b, "     [%d] %s\n", i+1, label)
		}
	}
	_, err := io.WriteString(a.w, b.String())
	if a.Printed != nil {
		a.Printed(m)
	}
	return err
}

// render is the text of a message; the agent writes a complete plain
// version of every rich message, so the terminal needs nothing more.
func render(m *concierge.Message) string { return m.PlainText() }

// Event turns a typed line into an event of chat. A number that matches a
// button of the last message presses it.
func (a *Adapter) Event(bot concierge.BotID, chat concierge.ChatID, line string, now time.Time) concierge.Event {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n++
	ev := concierge.Event{Kind: concierge.EventText, Bot: bot, Channel: concierge.ChannelCLI, Chat: chat, User: string(chat),
		DedupeKey: fmt.Sprintf("%d-%d", now.UnixNano(), a.n), Text: strings.TrimSpace(line), Time: now}
	if i, err := strconv.Atoi(ev.Text); err == nil && i >= 1 && i <= len(a.buttons) && a.buttons[i-1].Value != "" {
		ev.Kind, ev.Value, ev.Text = concierge.EventButton, a.buttons[i-1].Value, a.buttons[i-1].Label
	}
	return ev
}

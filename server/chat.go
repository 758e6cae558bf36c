package server

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/conciergehq/concierge"
)

// Chat talks to a bot from the terminal through the same pipeline as any
// channel: each line is stored as an inbound event, the agent answers in a
// turn, and the outbox prints the replies. The HTTP server runs too, so the
// sandbox payment link printed in the chat works in a browser.
func (m *Main) Chat(ctx context.Context, botName string, stdin io.Reader) error {
	if err := m.Open(ctx); err != nil {
		return err
	}
	bot := m.Bots[0]
	if botName != "" {
		bot = nil
		for _, b := range m.Bots {
			if string(b.ID) == botName {
				bot = b
			}
		}
		if bot == nil {
			return fmt.Errorf("no bot %q in %s", botName, m.ConfigPath)
		}
	}
	answered := make(chan struct{}, 64)
	m.CLI.Printed = func(*concierge.Outbound) {
		select {
		case answered <- struct{}{}:
		default:
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wait, err := m.Start(ctx)
	if err != nil {
		return fmt.Errorf("%w (use --addr to pick a free port)", err)
	}
	var id [8]byte
	rand.Read(id[:])
	chat := concierge.ChatID("cli-" + hex.EncodeToString(id[:]))
	fmt.Fprintf(m.Stdout, "Talking to %s (%s). Type a message; a number presses a button; Ctrl-D quits.\n", bot.Name, bot.ID)
	sc := bufio.NewScanner(stdin)
	for {
		fmt.Fprint(m.Stdout, "you> ")
		if !sc.Scan() {
			break
		}
		line := sc.Text()
		if line == "" {
			continue
		}
		ev := m.CLI.Event(bot.ID, chat, line, time.Now())
		if _, err := m.Ingester.Ingest(ctx, []concierge.Event{ev}); err != nil {
			return err
		}
		// Wait for the first reply, then a moment for the rest of the turn.
		select {
		case <-answered:
			time.Sleep(150 * time.Millisecond)
		case <-time.After(10 * time.Second):
			fmt.Fprintln(m.Stdout, "(no answer — a person may have taken over)")
		case <-ctx.Done():
		}
	}
	fmt.Fprintln(m.Stdout)
	cancel()
	return wait()
}

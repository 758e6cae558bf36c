package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

const customerUsage = `Usage:
  concierge customer export --bot BOT --channel CHANNEL --chat ID [--db URL]
  concierge customer erase  --bot BOT --channel CHANNEL --chat ID --yes [--db URL]
  concierge customer export --bot BOT --email ADDRESS [--db URL]
  concierge customer erase  --bot BOT --email ADDRESS --yes [--db URL]

export prints, as JSON, everything kept about one customer's conversation
(transcript, cart, orders, payments, hand-offs, an agent's checkout
sessions). erase removes their personal data for good; orders and payments
stay for the accounts, without the link to the person. CHAT is the
platform's id: a web session, a Telegram chat id, a WhatsApp number, a
WeChat OpenID, or for a purchase made by an AI agent (CHANNEL agent:ucp,
agent:acp or agent:mcp) the checkout session id.

--email finds the checkouts that AI agents made for a buyer with that email
address; export prints a JSON list of them, erase erases each.
`

// customerCommand answers data-access and erasure requests (invariant 7).
func customerCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) < 1 || (args[0] != "export" && args[0] != "erase") {
		fmt.Fprint(stderr, customerUsage)
		return 2
	}
	verb := args[0]
	fs := flag.NewFlagSet("customer "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	defDB := getenv("DATABASE_URL")
	if defDB == "" {
		defDB = "sqlite:concierge.db"
	}
	dbURL := fs.String("db", defDB, "database URL: sqlite:FILE or postgres://…")
	bot := fs.String("bot", "", "the bot id")
	channel := fs.String("channel", "web", "web, telegram, whatsapp, wechat, cli, agent:ucp, agent:acp or agent:mcp")
	chat := fs.String("chat", "", "the customer's chat id on that channel")
	email := fs.String("email", "", "the buyer's email: the checkouts AI agents made for them")
	yes := fs.Bool("yes", false, "confirm the erasure (it cannot be undone)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *bot == "" || (*chat == "") == (*email == "") {
		fmt.Fprintf(stderr, "concierge customer %s: --bot and one of --chat or --email are required\n\n%s", verb, customerUsage)
		return 2
	}
	if verb == "erase" && !*yes {
		fmt.Fprintln(stderr, "concierge customer erase: add --yes to confirm; erasure cannot be undone")
		return 2
	}
	db, err := store.Open(ctx, *dbURL)
	if err != nil {
		fmt.Fprintf(stderr, "concierge customer %s: %v\n", verb, err)
		return 1
	}
	defer db.Close()
	if err := db.Ready(ctx); err != nil {
		fmt.Fprintf(stderr, "concierge customer %s: %v\n", verb, err)
		return 1
	}
	b, ch, c := concierge.BotID(*bot), concierge.Channel(*channel), concierge.ChatID(*chat)
	if *email != "" {
		return agentBuyerCommand(ctx, db, verb, b, *email, stdout, stderr)
	}
	switch verb {
	case "export":
		ex, err := db.ExportConversation(ctx, b, ch, c)
		if err != nil {
			fmt.Fprintf(stderr, "concierge customer export: %v\n", err)
			return 1
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(ex); err != nil {
			fmt.Fprintf(stderr, "concierge customer export: %v\n", err)
			return 1
		}
	case "erase":
		id, err := db.EraseConversation(ctx, b, ch, c)
		if err != nil {
			fmt.Fprintf(stderr, "concierge customer erase: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "erased conversation %d of %s on %s\n", id, b, ch)
	}
	return 0
}

// agentBuyerCommand exports or erases every checkout AI agents made for
// the buyer with email.
func agentBuyerCommand(ctx context.Context, db *store.DB, verb string, bot concierge.BotID, email string, stdout, stderr io.Writer) int {
	chats, err := db.AgentChatsByEmail(ctx, bot, email)
	if err != nil {
		fmt.Fprintf(stderr, "concierge customer %s: %v\n", verb, err)
		return 1
	}
	if len(chats) == 0 {
		fmt.Fprintf(stderr, "concierge customer %s: no agent checkout of %s has that buyer email\n", verb, bot)
		return 1
	}
	if verb == "erase" {
		for _, c := range chats {
			id, err := db.EraseConversation(ctx, bot, c.Channel, c.Chat)
			if err != nil {
				fmt.Fprintf(stderr, "concierge customer erase: %v\n", err)
				return 1
			}
			fmt.Fprintf(stdout, "erased conversation %d of %s on %s\n", id, bot, c.Channel)
		}
		return 0
	}
	exports := make([]*store.Export, 0, len(chats))
	for _, c := range chats {
		ex, err := db.ExportConversation(ctx, bot, c.Channel, c.Chat)
		if err != nil {
			fmt.Fprintf(stderr, "concierge customer export: %v\n", err)
			return 1
		}
		exports = append(exports, ex)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(exports); err != nil {
		fmt.Fprintf(stderr, "concierge customer export: %v\n", err)
		return 1
	}
	return 0
}

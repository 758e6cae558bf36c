package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/handoff"
	"github.com/conciergehq/concierge/store"
)

// The `concierge inbox user add|remove|list` command that manages the
// people of the human inbox.

const inboxUsage = `Usage:
  concierge inbox user add NAME [--role agent|supervisor] [--bots BOT,BOT|*] [--capacity N] [--password-stdin | --password PW] [--db URL]
  concierge inbox user remove NAME [--db URL]
  concierge inbox user list [--db URL]
  concierge inbox user link NAME --channel telegram|whatsapp|wechat|web [--account ID] [--db URL]
  concierge inbox user unlink NAME [--db URL]
  concierge inbox user links [--db URL]
  concierge inbox user pushes NAME [--off handoff,refund,payment,stock] [--db URL]
  concierge inbox hooks failed [--db URL]
  concierge inbox hooks resend ID [--db URL]

add reads the password from standard input (one line; not echoed on a
terminal). --password puts it in your shell history and the process list:
prefer standard input. --bots lists the bots whose conversations the person
sees ('*': every bot; default '*').

link prints a one-time code (10 minutes, single use) that NAME sends to
the bot from their chat account; that chat then talks to the seller's
assistant instead of the shop (see docs/seller.md). --account, when
given, is the only platform user id the code works for. pushes switches
the pushes named by --off off and the others on (--off "" turns every
push on); without --off it shows them.

hooks failed lists the hand-off events the webhook gave up on; hooks
resend ID queues one again, with the same event id (a running server
sends it within its poll interval).
`

// inboxCommand runs `concierge inbox …` and returns the exit code.
func inboxCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) >= 2 && args[0] == "hooks" {
		return hooksCommand(ctx, args[1], args[2:], stdout, stderr, getenv)
	}
	if len(args) < 2 || args[0] != "user" {
		fmt.Fprint(stderr, inboxUsage)
		return 2
	}
	verb, args := args[1], args[2:]
	fs := flag.NewFlagSet("inbox user "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	defDB := getenv("DATABASE_URL")
	if defDB == "" {
		defDB = "sqlite:concierge.db"
	}
	dbURL := fs.String("db", defDB, "database URL: sqlite:FILE or postgres://…")
	role := fs.String("role", string(concierge.RoleAgent), "agent or supervisor")
	bots := fs.String("bots", "*", "bots the person sees, comma-separated, or *")
	capacity := fs.Int("capacity", 5, "conversations the person may own at once")
	password := fs.String("password", "", "the password (prefer standard input)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input (the default when --password is not given)")
	channel := fs.String("channel", "", "link: the chat app the code is for (telegram, whatsapp, wechat, web)")
	account := fs.String("account", "", "link: the only platform user id the code works for (optional)")
	pushesOff := fs.String("off", "", "pushes: the pushes to switch off, comma-separated")
	// The name comes first, flags after it, as the usage shows; flags
	// before it work too.
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	}
	if verb != "list" && verb != "links" && name == "" {
		fmt.Fprint(stderr, inboxUsage)
		return 2
	}
	if *fromStdin && *password != "" {
		fmt.Fprintln(stderr, "concierge inbox: give --password or --password-stdin, not both")
		return 2
	}
	db, err := openMigrated(ctx, *dbURL)
	if err != nil {
		fmt.Fprintf(stderr, "concierge inbox: %v\n", err)
		return 1
	}
	defer db.Close()
	switch verb {
	case "add":
		err = addInboxUser(ctx, db, name, *role, *bots, *capacity, *password, stdin, stderr)
		if err == nil {
			fmt.Fprintf(stdout, "added %s (%s)\n", name, *role)
		}
	case "remove":
		err = db.RemoveInboxUser(ctx, name)
		if err == nil {
			fmt.Fprintf(stdout, "removed %s\n", name)
		}
	case "list":
		var ps []*concierge.Person
		if ps, err = db.InboxUsers(ctx); err == nil {
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tROLE\tBOTS\tCAPACITY\tCREATED")
			for _, p := range ps {
				bs := make([]string, len(p.Bots))
				for i, b := range p.Bots {
					bs[i] = string(b)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", p.Name, p.Role, strings.Join(bs, ","), p.Capacity, p.CreatedAt.Format(time.DateOnly))
			}
			err = tw.Flush()
		}
	case "link":
		err = linkCommand(ctx, db, name, *channel, *account, stdout)
	case "unlink":
		err = unlinkCommand(ctx, db, name, stdout)
	case "links":
		err = linksCommand(ctx, db, stdout)
	case "pushes":
		set := false
		fs.Visit(func(f *flag.Flag) { set = set || f.Name == "off" })
		err = pushesCommand(ctx, db, name, *pushesOff, set, stdout)
	default:
		fmt.Fprint(stderr, inboxUsage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "concierge inbox user %s: %v\n", verb, err)
		return 1
	}
	return 0
}

func addInboxUser(ctx context.Context, db *store.DB, name, role, bots string, capacity int, password string, stdin io.Reader, stderr io.Writer) error {
	if strings.ContainsAny(name, " \t\r\n:,") || len(name) > 64 {
		return errors.New("a name has at most 64 characters, without spaces, commas or colons")
	}
	r := concierge.Role(role)
	if r != concierge.RoleAgent && r != concierge.RoleSupervisor {
		return fmt.Errorf("--role is agent or supervisor, not %q", role)
	}
	if capacity < 1 {
		return errors.New("--capacity is at least 1")
	}
	var grant []concierge.BotID
	for _, b := range strings.Split(bots, ",") {
		if b = strings.TrimSpace(b); b != "" {
			grant = append(grant, concierge.BotID(b))
		}
	}
	if len(grant) == 0 {
		return errors.New("--bots names at least one bot, or *")
	}
	if password == "" {
		var err error
		if password, err = readPassword(stdin, stderr); err != nil {
			return err
		}
	}
	hash, err := handoff.HashPassword(password)
	if err != nil {
		return err
	}
	return db.AddInboxUser(ctx, &concierge.Person{Name: name, Role: r, Bots: grant, Capacity: capacity, PasswordHash: hash})
}

// readPassword reads one line from stdin; on a terminal it asks for it
// and turns echo off while it is typed.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok {
		if restore, ok := noEcho(f); ok {
			fmt.Fprint(stderr, "Password: ")
			defer func() { restore(); fmt.Fprintln(stderr) }()
		}
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

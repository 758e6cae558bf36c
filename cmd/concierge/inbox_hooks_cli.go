package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// hooksCommand runs `concierge inbox hooks failed|resend ID`: the
// hand-off webhook's failed events, and resending one as a supervisor
// does in the inbox (recorded as a note by "cli:" and the OS user).
func hooksCommand(ctx context.Context, verb string, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("inbox hooks "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	defDB := getenv("DATABASE_URL")
	if defDB == "" {
		defDB = "sqlite:concierge.db"
	}
	dbURL := fs.String("db", defDB, "database URL: sqlite:FILE or postgres://…")
	var arg string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		arg, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if arg == "" && fs.NArg() > 0 {
		arg = fs.Arg(0)
	}
	var id int64
	switch verb {
	case "failed":
	case "resend":
		n, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || n <= 0 {
			fmt.Fprintf(stderr, "concierge inbox hooks resend: give the event's id (a number, from hooks failed), not %q\n", arg)
			return 2
		}
		id = n
	default:
		fmt.Fprint(stderr, inboxUsage)
		return 2
	}
	db, err := openMigrated(ctx, *dbURL)
	if err != nil {
		fmt.Fprintf(stderr, "concierge inbox: %v\n", err)
		return 1
	}
	defer db.Close()
	if verb == "resend" {
		by := "cli"
		if u := getenv("USER"); u != "" {
			by = "cli:" + u
		}
		if err := db.ResendHandoffHook(ctx, id, by); err != nil {
			fmt.Fprintf(stderr, "concierge inbox hooks resend: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "event %d queued again\n", id)
		return 0
	}
	fl, err := db.FailedHandoffHooks(ctx, 1000)
	if err != nil {
		fmt.Fprintf(stderr, "concierge inbox hooks failed: %v\n", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tBOT\tCONVERSATION\tEVENT\tAT\tATTEMPTS\tLAST ERROR")
	for _, f := range fl {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s→%s (%s)\t%s\t%d\t%s\n", f.ID, f.Bot, f.Conversation, f.From, f.To, f.Reason,
			f.At.UTC().Format(time.DateTime), f.Attempts, f.Error)
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintf(stderr, "concierge inbox hooks failed: %v\n", err)
		return 1
	}
	return 0
}

package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/seller"
	"github.com/conciergehq/concierge/store"
)

// The `concierge inbox user link|unlink|links|pushes` commands of the
// seller's assistant.

// linkCommand runs `concierge inbox user link NAME --channel C`: it
// prints a one-time code for NAME to send from their chat account.
func linkCommand(ctx context.Context, db *store.DB, name, channel, account string, stdout io.Writer) error {
	code, err := seller.Link(ctx, db, name, concierge.Channel(channel), account, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", code)
	fmt.Fprintf(stdout, "Send this code to the bot from %s's %s account within %d minutes; it works once.\n", name, channel, int(seller.CodeTTL.Minutes()))
	return nil
}

// unlinkCommand runs `concierge inbox user unlink NAME`.
func unlinkCommand(ctx context.Context, db *store.DB, name string, stdout io.Writer) error {
	linked, err := db.Unlink(ctx, name)
	if err != nil {
		return err
	}
	if linked {
		fmt.Fprintf(stdout, "unlinked %s\n", name)
	} else {
		fmt.Fprintf(stdout, "%s had no linked chat\n", name)
	}
	return nil
}

// pushesCommand runs `concierge inbox user pushes NAME [--off KINDS]`:
// with --off it switches those pushes off (and the others on), without
// it it prints the person's pushes.
func pushesCommand(ctx context.Context, db *store.DB, name, off string, set bool, stdout io.Writer) error {
	if set {
		kinds, err := seller.ParsePushKinds(off)
		if err != nil {
			return err
		}
		if err := db.SetPushesOff(ctx, name, kinds); err != nil {
			return err
		}
	}
	kinds, err := db.PushesOff(ctx, name)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PUSH\tSTATE")
	for _, k := range seller.PushKinds {
		state := "on"
		for _, o := range kinds {
			if o == k {
				state = "off"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\n", k, state)
	}
	return tw.Flush()
}

// linksCommand prints every linked chat.
func linksCommand(ctx context.Context, db *store.DB, stdout io.Writer) error {
	ls, err := db.SellerLinks(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tBOT\tCHANNEL\tCHAT\tLINKED\tPUSHES OFF")
	for _, l := range ls {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", l.Name, l.Bot, l.Channel, l.Chat, l.LinkedAt.Format(time.DateTime), strings.Join(l.PushesOff, ","))
	}
	return tw.Flush()
}

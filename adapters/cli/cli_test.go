package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

func TestButtonsAreNumberedAndPressedByNumber(t *testing.T) {
	var out bytes.Buffer
	a := New(&out)
	err := a.Send(context.Background(), &concierge.Outbound{Message: concierge.Message{Kind: concierge.MessageText, Text: "Pick one",
		Buttons: []concierge.Button{{Label: "Desk lamps", Value: "browse:desk"}, {Label: "Cart", Value: "cart"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "[2] Cart") {
		t.Fatalf("output %q lacks numbered buttons", out.String())
	}
	now := time.Now()
	ev := a.Event("shop", "me", "2", now)
	if ev.Kind != concierge.EventButton || ev.Value != "cart" || ev.Text != "Cart" {
		t.Fatalf("event = %+v", ev)
	}
	if ev := a.Event("shop", "me", "3", now); ev.Kind != concierge.EventText || ev.Text != "3" {
		t.Fatalf("out-of-range number = %+v, want text", ev)
	}
	if a.Event("shop", "me", "x", now).DedupeKey == ev.DedupeKey {
		t.Fatal("dedupe keys repeat")
	}
}

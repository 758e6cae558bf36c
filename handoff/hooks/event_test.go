package hooks

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

// TestPayloadJSON: the body receivers read keeps its shape: the reason is
// a plain string, the free text of an assignment travels in "note" (absent
// when there is none), and a request's packet carries its reason too.
func TestPayloadJSON(t *testing.T) {
	at := time.Date(2026, 11, 26, 21, 40, 12, 0, time.UTC)
	tests := []struct {
		name string
		hook Hook
		typ  Type
		want string
	}{
		{"requested", Hook{ID: 42, Bot: "shop", Conversation: 17, Channel: concierge.ChannelWeb, Locale: "en",
			From: concierge.StateBot, To: concierge.StateWaiting, Reason: concierge.HandoffAsked, By: "bot", At: at,
			Packet: &concierge.HandoffPacket{Reason: concierge.HandoffAsked, Summary: "The customer asked for a person."}}, Requested,
			`{"id":"evt_handoff_42","type":"handoff.requested","time":"2026-11-26T21:40:12Z","bot":"shop","conversation":17,"channel":"web","language":"en","from":"bot","to":"waiting","reason":"asked","by":"bot","packet":{"reason":"asked","summary":"The customer asked for a person."}}`},
		{"assigned", Hook{ID: 43, Bot: "shop", Conversation: 17, Channel: concierge.ChannelWeb,
			From: concierge.StateHuman, To: concierge.StateHuman, Reason: concierge.HandoffAssigned, Note: "to dan (was bob): bob is off", By: "agent:sue", At: at}, Claimed,
			`{"id":"evt_handoff_43","type":"handoff.claimed","time":"2026-11-26T21:40:12Z","bot":"shop","conversation":17,"channel":"web","from":"human","to":"human","reason":"assigned","note":"to dan (was bob): bob is off","by":"agent:sue","person":"sue"}`},
		{"resolved", Hook{ID: 44, Bot: "shop", Conversation: 17, Channel: concierge.ChannelWeb,
			From: concierge.StateHuman, To: concierge.StateBot, Reason: concierge.HandoffResolved, By: "agent:sue", At: at}, Resolved,
			`{"id":"evt_handoff_44","type":"handoff.resolved","time":"2026-11-26T21:40:12Z","bot":"shop","conversation":17,"channel":"web","from":"human","to":"bot","reason":"resolved","by":"agent:sue","person":"sue"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(payload(&tt.hook, tt.typ))
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("payload\n got %s\nwant %s", b, tt.want)
			}
		})
	}
}

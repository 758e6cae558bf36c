package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/telegram"
)

// TestTelegramOneChatInOrder posts a burst of one chat's updates to the
// webhook at once, as Telegram may with max_connections above 1: 20
// texts of chat A with increasing update_ids, from 20 goroutines, five
// of them delivered twice (a redelivery racing the first), and 10 texts
// of chat B interleaved. The brain is the fake model, which answers each
// text by quoting it, so every reply names the turn it belongs to.
//
// Each update is stored exactly once and every text is in the inbound
// transcript. The turns run in the order the updates were stored (their
// seq: arrival, that is commit, order; not update_id order, see
// docs/telegram.md), one at a time per chat: the model is asked about A's
// texts in that order, the outbound replies follow it in seq order, and
// the Bot API receives them in that same order.
func TestTelegramOneChatInOrder(t *testing.T) {
	const answer = "Bien reçu : "
	f := newOrgModel(t, nil)
	var mu sync.Mutex
	asked := map[string][]string{} // chat prefix → texts, in the order the model was asked
	f.script = func(req openai.ChatCompletionRequest) (int, any) {
		if strings.HasPrefix(req.Messages[0].Content, "Summarise") {
			return say("Le client envoie des messages numérotés.")
		}
		user, res := turn(req)
		if len(res) != 0 {
			t.Errorf("fake model: tool results %q for a turn that called no tool", res)
		}
		mu.Lock()
		asked[user[:1]] = append(asked[user[:1]], user)
		mu.Unlock()
		return say(answer + user)
	}
	s := startLLMTelegramShop(t, f)
	a, b := s.customer("fr"), s.customer("fr")

	type update struct {
		id   int64
		text string
		body []byte
	}
	var burst []update
	want := map[int64][]string{} // chat → its texts
	base := s.nextID.Add(1000)
	for i := range 30 {
		c, n := a, i/3*2+i%3 // A gets two of every three update_ids, B the third
		if i%3 == 2 {
			c, n = b, i/3
		}
		label := "A"
		if c == b {
			label = "B"
		}
		text := fmt.Sprintf("%s message numéro %d", label, n+1)
		u := map[string]any{"update_id": base + int64(i), "message": c.message(map[string]any{"text": text})}
		body, _ := json.Marshal(u)
		burst = append(burst, update{base + int64(i), text, body})
		want[c.id] = append(want[c.id], text)
	}
	if len(want[a.id]) != 20 || len(want[b.id]) != 10 {
		t.Fatalf("the burst has %d texts of A and %d of B, want 20 and 10", len(want[a.id]), len(want[b.id]))
	}
	// Five of A's updates are delivered twice, concurrently with the first.
	deliveries := slices.Clone(burst)
	for _, i := range []int{0, 4, 9, 15, 28} {
		deliveries = append(deliveries, burst[i])
	}

	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, u := range deliveries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req, _ := http.NewRequest(http.MethodPost, s.base+"/webhooks/"+tgBot+"/telegram", strings.NewReader(string(u.body)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(telegram.HeaderTelegramSecret, tgSecret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("update %d: %v", u.id, err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("update %d: status %d, want 200", u.id, resp.StatusCode)
			}
		}()
	}
	close(start)
	wg.Wait()

	// Wait for every answer to reach the Bot API.
	sent := func(chat int64) []string {
		var out []string
		for _, c := range s.fake.Calls("sendMessage") {
			if c.Chat() == chat {
				out = append(out, c.Text())
			}
		}
		return out
	}
	deadline := time.Now().Add(30 * time.Second)
	for (len(sent(a.id)) < 20 || len(sent(b.id)) < 10 || !(&customer{s: s.shop}).idle()) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}

	ctx := context.Background()
	for _, c := range []*tgCustomer{a, b} {
		tr, err := s.m.DB.Transcript(ctx, tgBot, concierge.ChannelTelegram, concierge.ChatID(fmt.Sprint(c.id)), 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var in, out []string
		for _, e := range tr {
			switch {
			case e.Dir == "in":
				if e.Status != "done" {
					t.Errorf("chat %d: inbound #%d %q is %s, want done", c.id, e.Seq, e.Event.Text, e.Status)
				}
				in = append(in, e.Event.Text)
			case e.Author == "bot":
				out = append(out, e.Message.Text)
			}
		}
		if len(in) == 0 {
			t.Fatalf("chat %d: nothing stored", c.id)
		}
		// Stored exactly once each: the same texts, no more.
		if got, w := slices.Sorted(slices.Values(in)), slices.Sorted(slices.Values(want[c.id])); !slices.Equal(got, w) {
			t.Errorf("chat %d: inbound transcript %q, want each of %q once", c.id, in, w)
		}
		// The turns ran in the transcript's (arrival) order: the replies,
		// in seq order, answer the texts in seq order.
		var replies []string
		for _, text := range in {
			replies = append(replies, answer+text)
		}
		if !slices.Equal(out, replies) {
			t.Errorf("chat %d: replies in seq order\n%q\nwant, in the order the texts were stored,\n%q", c.id, out, replies)
		}
		mu.Lock()
		if got := asked[in[0][:1]]; !slices.Equal(got, in) {
			t.Errorf("chat %d: the model was asked about\n%q\nwant the stored order\n%q", c.id, got, in)
		}
		mu.Unlock()
		if got := sent(c.id); !slices.Equal(got, out) {
			t.Errorf("chat %d: the Bot API received\n%q\nwant the outbound seq order\n%q", c.id, got, out)
		}
		t.Logf("chat %d: stored in update_id order: %v", c.id, slices.IsSortedFunc(in, func(x, y string) int { return strings.Compare(pad(x), pad(y)) }))
	}
	if n := len(f.requests()); n < 30 {
		t.Errorf("%d model calls, want one per text (30)", n)
	}
}

// pad makes the number at the end of "A message numéro 7" sort as a
// number.
func pad(s string) string {
	i := strings.LastIndexByte(s, ' ')
	return fmt.Sprintf("%s%04s", s[:i+1], s[i+1:])
}

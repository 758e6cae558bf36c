package web

import (
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

func entry(seq int64) Entry {
	return Entry{Seq: seq, From: FromBot, Message: concierge.Message{Kind: concierge.MessageText, Text: "hello"}}
}

// receive returns the next entry on ch, failing the test when none comes.
func receive(t *testing.T, ch <-chan Entry) Entry {
	t.Helper()
	select {
	case e, ok := <-ch:
		if !ok {
			t.Fatal("channel closed")
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no entry")
	}
	return Entry{}
}

// closed reports whether ch is closed after draining what it holds.
func closed(ch <-chan Entry) bool {
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return true
			}
		default:
			return false
		}
	}
}

func TestHubFanOut(t *testing.T) {
	var h Hub // the zero Hub works
	a, cancelA := h.Subscribe("shop", "chat-1")
	defer cancelA()
	b, cancelB := h.Subscribe("shop", "chat-1")
	defer cancelB()
	other, cancelOther := h.Subscribe("shop", "chat-2")
	defer cancelOther()
	otherBot, cancelOtherBot := h.Subscribe("shop-2", "chat-1")
	defer cancelOtherBot()

	for seq := int64(1); seq <= 3; seq++ {
		h.Publish("shop", "chat-1", entry(seq))
	}
	for _, ch := range []<-chan Entry{a, b} {
		for seq := int64(1); seq <= 3; seq++ {
			if got := receive(t, ch); got.Seq != seq {
				t.Fatalf("got seq %d, want %d (in order)", got.Seq, seq)
			}
		}
	}
	for name, ch := range map[string]<-chan Entry{"other chat": other, "other bot": otherBot} {
		select {
		case e := <-ch:
			t.Errorf("%s received %+v", name, e)
		default:
		}
	}
}

func TestHubPublishWithoutSubscribers(t *testing.T) {
	h := NewHub()
	h.Publish("shop", "nobody", entry(1)) // must neither block nor panic
	if n := h.subscribers("shop", "nobody"); n != 0 {
		t.Fatalf("%d subscribers", n)
	}
}

func TestHubSlowSubscriberIsDropped(t *testing.T) {
	h := NewHub()
	slow, cancelSlow := h.Subscribe("shop", "chat")
	defer cancelSlow()
	fast, cancelFast := h.Subscribe("shop", "chat")
	defer cancelFast()

	done := make(chan struct{})
	go func() {
		defer close(done)
		for seq := int64(1); seq <= hubBuffer+10; seq++ {
			h.Publish("shop", "chat", entry(seq))
			if got, ok := <-fast; !ok || got.Seq != seq {
				t.Errorf("fast subscriber got %d (open %v), want %d", got.Seq, ok, seq)
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Publish blocked on a slow subscriber")
	}

	// The slow one got what fitted in its buffer, in order, then a close.
	for seq := int64(1); seq <= hubBuffer; seq++ {
		if got := receive(t, slow); got.Seq != seq {
			t.Fatalf("slow subscriber got %d, want %d", got.Seq, seq)
		}
	}
	if _, ok := <-slow; ok {
		t.Fatal("slow subscriber's channel is still open after it fell behind")
	}
	if n := h.subscribers("shop", "chat"); n != 1 {
		t.Fatalf("%d subscribers left, want the fast one", n)
	}
	cancelSlow() // cancelling a dropped subscription is harmless
}

func TestHubCancel(t *testing.T) {
	h := NewHub()
	ch, cancel := h.Subscribe("shop", "chat")
	keep, cancelKeep := h.Subscribe("shop", "chat")
	defer cancelKeep()
	cancel()
	cancel() // twice is harmless
	if !closed(ch) {
		t.Fatal("channel open after cancel")
	}
	h.Publish("shop", "chat", entry(1))
	if got := receive(t, keep); got.Seq != 1 {
		t.Fatalf("remaining subscriber got %d", got.Seq)
	}
	cancelKeep()
	if n := h.subscribers("shop", "chat"); n != 0 {
		t.Fatalf("%d subscribers after every cancel", n)
	}
	if len(h.subs) != 0 {
		t.Fatalf("hub keeps %d empty keys", len(h.subs))
	}
}

// TestHubConcurrent is for the race detector: publishers, subscribers and
// cancels at once.
func TestHubConcurrent(t *testing.T) {
	h := NewHub()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for seq := int64(0); seq < 200; seq++ {
				h.Publish("shop", "chat", entry(seq))
			}
		}()
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				ch, cancel := h.Subscribe("shop", "chat")
				select {
				case <-ch:
				default:
				}
				cancel()
			}
		}()
	}
	wg.Wait()
}

// TestHubClose: Close ends every stream, and a stream opened after it
// ends at once; cancelling afterwards and publishing are harmless.
func TestHubClose(t *testing.T) {
	h := NewHub()
	a, cancelA := h.Subscribe("bot", "chat-a")
	b, cancelB := h.Subscribe("bot", "chat-b")
	h.Publish("bot", "chat-a", entry(1))
	h.Close()
	if !closed(a) || !closed(b) {
		t.Fatal("a stream is still open after Close")
	}
	c, cancelC := h.Subscribe("bot", "chat-a")
	if !closed(c) {
		t.Fatal("a stream opened after Close is open")
	}
	h.Publish("bot", "chat-a", entry(2))
	cancelA()
	cancelB()
	cancelC()
	if n := h.subscribers("bot", "chat-a"); n != 0 {
		t.Fatalf("%d subscribers after Close, want 0", n)
	}
}

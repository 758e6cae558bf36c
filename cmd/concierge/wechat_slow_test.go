package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/conciergehq/concierge/adapters/wechat/wechattest"
)

// TestWeChatRetriesWhileAgentIsSlow shows the 5-second rule with a slow
// agent: the model is held in the middle of the turn for one message
// while WeChat delivers it three times (as it does when it has no answer
// within 5 seconds). Each attempt is answered "success" at once, the
// model is asked once, the message is stored once, and the customer gets
// the answer once when the model replies.
func TestWeChatRetriesWhileAgentIsSlow(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	f := newOrgModel(t, func(req openai.ChatCompletionRequest) (int, any) {
		if user, _ := turn(req); strings.Contains(user, "慢") {
			arrived <- struct{}{}
			<-release
			return say("让您久等了，这是您要的答案。")
		}
		return unscripted(t, req)
	})
	s := startLLMWeChatShop(t, f, wxAESKey)
	c := &wxCustomer{s: s, openid: "oSlowAgent"}
	at, id := c.next()
	p := wechattest.Push{FromUserName: c.openid, CreateTime: at, MsgType: "text", Content: "这个问题有点慢", MsgID: id}

	ack := func(attempt int) {
		start := time.Now()
		code, body := s.push(p)
		if took := time.Since(start); code != 200 || body != "success" || took > time.Second {
			t.Errorf("attempt %d: %d %q after %v; WeChat wants an answer within 5 s", attempt, code, body, took)
		}
	}
	ack(1)
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the model was never asked")
	}
	// The turn is now stuck in the model; WeChat, without an answer in
	// time, tries twice more, the second time racing a third.
	var wg sync.WaitGroup
	for i := 2; i <= 3; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); ack(i) }()
	}
	wg.Wait()
	if sent := s.api.SentTo(c.openid); len(sent) != 0 {
		t.Fatalf("answered before the model did: %s", wxDump(sent))
	}
	close(release)

	got := c.replies()
	if n := strings.Count(wxText(got), "让您久等了"); n != 1 {
		t.Fatalf("the answer was sent %d times, want once: %s", n, wxDump(got))
	}
	asked := 0
	for _, r := range f.requests() {
		if user, _ := turn(r); strings.Contains(user, "慢") {
			asked++
		}
	}
	if asked != 1 {
		t.Fatalf("the model was asked %d times for one message", asked)
	}
	if in, _, _ := s.m.DB.CountTranscript(context.Background(), "maison-lumiere"); in != 1 {
		t.Fatalf("%d inbound events stored, want 1", in)
	}
	if errs := s.api.Errors(); len(errs) > 0 {
		t.Fatalf("the fake WeChat API refused requests: %v", errs)
	}
}

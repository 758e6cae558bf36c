package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

// scripts are what shoppers of a lighting shop type, one script per
// locale of the example bot, in the order a conversation goes: greeting,
// search, refine, compare, cart, checkout. Varied texts make the rules
// brain walk its real paths (search, cart, compare, small talk) instead of
// answering one greeting 30 000 times.
var scripts = []struct {
	locale string
	lines  []string
}{
	{"fr", []string{
		"bonjour",
		"je cherche une lampe de bureau",
		"quelque chose de moins cher ?",
		"compare les deux premières",
		"ajoute la première au panier",
		"qu'est-ce qu'il y a dans mon panier",
		"merci, au revoir",
	}},
	{"en", []string{
		"hi there",
		"a warm bedside lamp under 60 euros",
		"compare the first two",
		"add the second one to my cart",
		"what's in my cart",
		"I'll take it, checkout please",
		"thanks!",
	}},
	{"zh", []string{
		"你好",
		"我想买台灯",
		"有没有便宜一点的",
		"比较前两个",
		"我的购物车里有什么",
		"谢谢",
	}},
}

// shopperMessage returns the k-th message of conversation c: conversation
// c keeps to one locale, as a real customer does.
func shopperMessage(c, k int) (locale, text string) {
	s := scripts[c%len(scripts)]
	return s.locale, s.lines[k%len(s.lines)]
}

// sessionID names conversation c of a run. It fits the widget's session
// rule ([A-Za-z0-9_-]{16,64}) for any c below ten million.
func sessionID(run string, c int) string {
	return fmt.Sprintf("loadgen-%s-%07d", run, c)
}

// newClient returns the client that one run's workers share. Keeping
// conns idle connections per host lets every worker reuse its connection,
// so that the run measures the server and not TCP handshakes. The proxy
// is never taken from the environment: loadgen only talks to 127.0.0.1.
func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}

// statusBadAck is the Status of an outcome whose 202 answer did not say
// {"accepted":true}.
const statusBadAck = -1

// poster sends shopper messages to one bot's web chat, round-robin over
// the servers of a run.
type poster struct {
	client *http.Client
	urls   []string // http://127.0.0.1:PORT/chat/{bot}/api/messages, one per server
	next   atomic.Uint64
}

func newPoster(client *http.Client, bases []string, bot string) *poster {
	p := &poster{client: client}
	for _, b := range bases {
		p.urls = append(p.urls, b+"/chat/"+url.PathEscape(bot)+"/api/messages")
	}
	return p
}

// url is the address of the next post: each server in turn.
func (p *poster) url() string {
	return p.urls[(p.next.Add(1)-1)%uint64(len(p.urls))]
}

// widgetPost is the body of POST /chat/{bot}/api/messages.
type widgetPost struct {
	Session string `json:"session"`
	ID      string `json:"id"`
	Text    string `json:"text"`
	Locale  string `json:"locale"`
}

// widgetAck is the server's 202 answer.
type widgetAck struct {
	Accepted  bool `json:"accepted"`
	Duplicate bool `json:"duplicate"`
}

// post sends message k of conversation c with the client message id id.
// It does not measure latency: the caller knows from when to count.
func (p *poster) post(ctx context.Context, session, id string, c, k int) outcome {
	locale, text := shopperMessage(c, k)
	body, err := json.Marshal(widgetPost{Session: session, ID: id, Text: text, Locale: locale})
	if err != nil {
		return outcome{Made: true, Err: fmt.Errorf("post: encode: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url(), bytes.NewReader(body))
	if err != nil {
		return outcome{Made: true, Err: fmt.Errorf("post: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return outcome{Made: true, Err: fmt.Errorf("post: %w", err)}
	}
	defer resp.Body.Close()
	// Read the whole (small) body so that the connection goes back to the
	// pool instead of being closed.
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	o := outcome{Made: true, Status: resp.StatusCode}
	if err != nil {
		return outcome{Made: true, Err: fmt.Errorf("post: read answer: %w", err)}
	}
	if resp.StatusCode == http.StatusAccepted {
		var ack widgetAck
		if json.Unmarshal(b, &ack) != nil || !ack.Accepted {
			// A 202 that does not say accepted is not an ack.
			o.Status = statusBadAck
		}
		o.Duplicate = ack.Duplicate
	}
	return o
}

// Command echobot is the baseline of the Telegram benchmark: the webhook
// bot a Go developer would write with go-telegram-bot-api v5.5.1 when not
// using Concierge. For each update it checks the secret header, decodes
// the update with the library, replies to a text message with the same
// text through bot.Send, and only then answers 200. It stores nothing and
// understands nothing: a lost process loses whatever it was doing, and
// Telegram's retry of a failed update gets a second reply.
//
// It is written the plain way on purpose, with two concessions that make
// it faster, never slower, than the naive version, so that Concierge is
// compared with a fair opponent:
//   - its HTTP client keeps as many idle connections to the Bot API as
//     there can be requests in flight (the library's constructors use
//     &http.Client{}, whose transport keeps 2: under load every other
//     send would open a new connection, and a loopback benchmark runs out
//     of ports);
//   - it checks the secret header, which costs a comparison, because a
//     webhook without it accepts forged updates.
//
// loadgen builds and starts it (`go run ./cmd/loadgen -channel telegram`);
// it runs alone too:
//
//	go run ./cmd/loadgen/echobot -addr 127.0.0.1:8081 -api http://127.0.0.1:8082 -token T -secret S
//
// Updates go to POST /webhook; GET /healthz answers 200 once the bot has
// called getMe.
package main

import (
	"crypto/subtle"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// secretHeader carries the secret_token given to setWebhook.
const secretHeader = "X-Telegram-Bot-Api-Secret-Token"

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	api := flag.String("api", "https://api.telegram.org", "Bot API server")
	token := flag.String("token", "", "bot token (required)")
	secret := flag.String("secret", "", "webhook secret_token (required)")
	idle := flag.Int("idle-conns", 256, "idle connections kept to the Bot API")
	flag.Parse()
	if *token == "" || *secret == "" {
		fmt.Fprintln(os.Stderr, "echobot: -token and -secret are required")
		os.Exit(2)
	}
	client := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConnsPerHost: *idle,
			IdleConnTimeout:     90 * time.Second,
		},
	}
	// The constructor calls getMe: the Bot API must be up.
	bot, err := tgbotapi.NewBotAPIWithClient(*token, strings.TrimRight(*api, "/")+"/bot%s/%s", client)
	if err != nil {
		log.Fatalf("echobot: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /webhook", &echo{bot: bot, secret: []byte(*secret)})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Printf("echobot: @%s listening on %s", bot.Self.UserName, *addr)
	log.Fatal(srv.ListenAndServe())
}

// echo is the webhook handler.
type echo struct {
	bot    *tgbotapi.BotAPI
	secret []byte
}

func (e *echo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if subtle.ConstantTimeCompare([]byte(r.Header.Get(secretHeader)), e.secret) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	update, err := e.bot.HandleUpdate(r)
	if err != nil {
		http.Error(w, "bad update", http.StatusBadRequest)
		return
	}
	if m := update.Message; m != nil && m.Chat != nil && m.Text != "" {
		// Reply before the ack: if the send fails, Telegram retries.
		if _, err := e.bot.Send(tgbotapi.NewMessage(m.Chat.ID, m.Text)); err != nil {
			http.Error(w, "send failed", http.StatusBadGateway)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

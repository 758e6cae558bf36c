package telegram_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/telegram"
)

// TestErrorsHoldNoSecret: whatever the Bot API does, no error of the
// client or the adapter holds the bot token, the payment provider token
// or the webhook's secret_token: not the library's *url.Error, whose URL
// is /bot<token>/method, nor an answer that echoes the request (the
// end-to-end tests in cmd/concierge check the log, the rows and the
// inbox).
func TestErrorsHoldNoSecret(t *testing.T) {
	const token, providerToken, secretToken = "424242:AAHleak-token-0123456789", "284685063:TEST:leak", "leak_secret-0123456789"
	echo := func(w http.ResponseWriter, r *http.Request, status int, body string) {
		r.ParseForm()
		w.WriteHeader(status)
		fmt.Fprintf(w, body, r.URL.RequestURI()+" "+r.Form.Encode())
	}
	serve := func(status int, body string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { echo(w, r, status, body) }))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	down, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down.Close()
	for name, endpoint := range map[string]string{
		"unreachable": "http://" + down.Addr().String(),
		"500":         serve(http.StatusInternalServerError, `{"ok":false,"error_code":500,"description":"Internal Server Error: %s"}`),
		"garbage":     serve(http.StatusBadGateway, `<html><pre>%s</pre></html>`),
	} {
		t.Run(name, func(t *testing.T) {
			a := telegram.New(telegram.Config{Bot: "shop", Token: token, ProviderToken: providerToken, APIEndpoint: endpoint})
			ctx := context.Background()
			_, media := a.FetchMedia(ctx, "AgAC-file", 1<<20)
			errs := map[string]error{
				"send":        a.Send(ctx, &concierge.Outbound{Chat: "42", Message: concierge.Message{Kind: concierge.MessageText, Text: "hi"}}),
				"fetch media": media,
				"set webhook": a.Client().SetWebhook(ctx, telegram.WebhookConfig{URL: "https://shop.example.com/hook", SecretToken: secretToken}),
			}
			for call, err := range errs {
				if err == nil {
					t.Errorf("%s: no error", call)
					continue
				}
				for _, s := range []string{token, providerToken, secretToken} {
					if strings.Contains(err.Error(), s) {
						t.Errorf("%s: the error holds %q: %v", call, s, err)
					}
				}
			}
		})
	}
}

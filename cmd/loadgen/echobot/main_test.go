package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/conciergehq/concierge/adapters/telegram/telegramtest"
)

// The echo bot replies through the Bot API before it acknowledges, and
// only to updates that carry the secret.
func TestEcho(t *testing.T) {
	const token = "123:abc"
	api := telegramtest.New(token)
	defer api.Close()
	bot, err := tgbotapi.NewBotAPIWithClient(token, api.URL+"/bot%s/%s", &http.Client{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h := &echo{bot: bot, secret: []byte("s3cret")}
	text := `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":42,"type":"private"},"from":{"id":42,"first_name":"A"},"text":"我想买台灯"}}`
	sticker := `{"update_id":2,"message":{"message_id":2,"date":1,"chat":{"id":42,"type":"private"},"from":{"id":42,"first_name":"A"},"sticker":{"file_id":"x"}}}`
	tests := []struct {
		name, secret, body string
		status, replies    int
	}{
		{"text", "s3cret", text, http.StatusOK, 1},
		{"no secret", "", text, http.StatusUnauthorized, 0},
		{"wrong secret", "s3creT", text, http.StatusUnauthorized, 0},
		{"bad JSON", "s3cret", "{", http.StatusBadRequest, 0},
		{"no text", "s3cret", sticker, http.StatusOK, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(api.Calls("sendMessage"))
			req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(tt.body))
			if tt.secret != "" {
				req.Header.Set(secretHeader, tt.secret)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			calls := api.Calls("sendMessage")[before:]
			if rec.Code != tt.status || len(calls) != tt.replies {
				t.Fatalf("status %d, %d replies; want %d, %d", rec.Code, len(calls), tt.status, tt.replies)
			}
			if tt.replies > 0 && (calls[0].Chat() != 42 || calls[0].Text() != "我想买台灯") {
				t.Errorf("reply to %d: %q", calls[0].Chat(), calls[0].Text())
			}
		})
	}
	if p := api.Problems(); len(p) > 0 {
		t.Errorf("Bot API rule breaches: %v", p)
	}
}

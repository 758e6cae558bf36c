package config

import (
	"strings"
	"testing"
)

// TestHandoffWebhook checks handoff.webhook: an https URL (http only to
// this machine) and a secret of at least MinWebhookSecret characters, with
// every problem reported at its line and column and the secret's value,
// when it comes from the environment, never shown.
func TestHandoffWebhook(t *testing.T) {
	const base = "bot: tiny\ncatalog:\n  products:\n    - { sku: TEA-1, name: { en: Tea }, price: \"4.50\", stock: 1 }\nhandoff:\n  webhook:\n"
	long := strings.Repeat("s", MinWebhookSecret)
	old := strings.Repeat("o", MinWebhookSecret)
	env := map[string]string{"HOOK_SECRET": long, "SHORT_SECRET": "short-secret-value", "OLD_SECRET": old}
	tests := []struct {
		name    string
		webhook string // the lines under handoff.webhook
		want    string // "" when valid, else a substring of the error
	}{
		{"https", "    url: https://desk.example.com/hooks/concierge\n    secret: ${HOOK_SECRET}\n", ""},
		{"http to 127.0.0.1", "    url: http://127.0.0.1:9000/hook\n    secret: " + long + "\n", ""},
		{"http to localhost", "    url: http://localhost/hook\n    secret: " + long + "\n", ""},
		{"http to ::1", "    url: http://[::1]:8081/hook\n    secret: " + long + "\n", ""},
		{"http elsewhere", "    url: http://desk.example.com/hook\n    secret: " + long + "\n", "inline.yaml:7:10: handoff.webhook.url \"http://desk.example.com/hook\" must use https://"},
		{"not a URL", "    url: desk.example.com\n    secret: " + long + "\n", "inline.yaml:7:10: handoff.webhook.url \"desk.example.com\" is not an https:// URL"},
		{"ftp", "    url: ftp://desk.example.com/\n    secret: " + long + "\n", "is not an https:// URL"},
		{"user in URL", "    url: https://bob:pw@desk.example.com/\n    secret: " + long + "\n", "must not carry a user or password"},
		{"no url", "    secret: " + long + "\n", "inline.yaml:6:3: handoff.webhook.url is required"},
		{"no secret", "    url: https://desk.example.com/\n", "inline.yaml:6:3: handoff.webhook.secret is required"},
		{"short secret", "    url: https://desk.example.com/\n    secret: abc\n", "inline.yaml:8:13: handoff.webhook.secret is 3 characters; it needs at least 32"},
		{"short secret from env", "    url: https://desk.example.com/\n    secret: ${SHORT_SECRET}\n", "handoff.webhook.secret is 18 characters"},
		{"previous secret", "    url: https://desk.example.com/\n    secret: ${HOOK_SECRET}\n    previous_secret: ${OLD_SECRET}\n", ""},
		{"short previous secret", "    url: https://desk.example.com/\n    secret: " + long + "\n    previous_secret: abc\n", "inline.yaml:9:22: handoff.webhook.previous_secret is 3 characters; it needs at least 32"},
		{"short previous secret from env", "    url: https://desk.example.com/\n    secret: " + long + "\n    previous_secret: ${SHORT_SECRET}\n", "handoff.webhook.previous_secret is 18 characters"},
		{"previous secret same as secret", "    url: https://desk.example.com/\n    secret: ${HOOK_SECRET}\n    previous_secret: ${HOOK_SECRET}\n", "inline.yaml:9:22: handoff.webhook.previous_secret is the same as handoff.webhook.secret"},
		{"unknown key", "    url: https://desk.example.com/\n    secret: " + long + "\n    retries: 3\n", "inline.yaml:9:5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("inline.yaml", []byte(base+tt.webhook), getenv(env))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if f.Handoff.Webhook == nil || f.Handoff.Webhook.URL == "" || len(f.Handoff.Webhook.Secret) < MinWebhookSecret {
					t.Fatalf("webhook = %+v", f.Handoff.Webhook)
				}
				if wantPrev := strings.Contains(tt.webhook, "previous_secret"); wantPrev != (f.Handoff.Webhook.PreviousSecret == old) {
					t.Fatalf("previous_secret = %q, want it read: %v", f.Handoff.Webhook.PreviousSecret, wantPrev)
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse accepted it; want an error with %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n%v\ndoes not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "short-secret-value") {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}
}

package config

import (
	"strings"
	"testing"
)

// TestWhatsAppTemplates checks channels.whatsapp.templates' optional text
// and channels.whatsapp.inbox_templates: names as WhatsApp Manager writes
// them, bodies of at most 1024 characters whose variables are numbered
// {{1}} to {{n}} without gaps, n being the number of params (1, the order
// number, for an order template), each problem at its line and column.
func TestWhatsAppTemplates(t *testing.T) {
	const base = "bot: tiny\ncatalog:\n  products:\n    - { sku: TEA-1, name: { en: Tea }, price: \"4.50\", stock: 1 }\n" +
		"channels:\n  whatsapp:\n    phone_number_id: \"1\"\n    access_token: t\n    app_secret: s\n    verify_token: v\n"
	tests := []struct {
		name string
		yaml string // the lines under channels.whatsapp
		want string // "" when valid, else a substring of the error
	}{
		{"order template with text", "    templates:\n      order_paid: { name: order_update, text: \"Order {{1}} is paid.\" }\n", ""},
		{"order template without text", "    templates:\n      order_paid: { name: order_update }\n", ""},
		{"order text without its variable", "    templates:\n      order_paid: { name: order_update, text: \"Your order is paid.\" }\n",
			"inline.yaml:12:47: channels.whatsapp.templates.order_paid.text has no {{1}}"},
		{"order text with two variables", "    templates:\n      order_paid: { name: order_update, text: \"{{1}} {{2}}\" }\n",
			"channels.whatsapp.templates.order_paid.text uses {{2}} but has 1 variables"},
		{"inbox templates", "    inbox_templates:\n      - { name: follow_up, language: fr, text: \"Bonjour {{1}}, ici {{2}}.\", params: [Client, Vous] }\n" +
			"      - { name: follow_up, text: \"Hello {{2}} and {{1}} again: {{1}}\", params: [a, b] }\n      - { name: hello, text: \"Hello!\" }\n", ""},
		{"bad name", "    inbox_templates:\n      - { name: Follow-Up, text: \"Hi\" }\n",
			"inline.yaml:12:17: channels.whatsapp.inbox_templates[0].name \"Follow-Up\" must be lowercase letters, digits and _"},
		{"no name", "    inbox_templates:\n      - { text: \"Hi\" }\n", "channels.whatsapp.inbox_templates[0].name is required"},
		{"no text", "    inbox_templates:\n      - { name: hi }\n", "channels.whatsapp.inbox_templates[0].text is required"},
		{"gap", "    inbox_templates:\n      - { name: hi, text: \"{{1}} {{3}}\", params: [a, b, c] }\n",
			"inline.yaml:12:27: channels.whatsapp.inbox_templates[0].text has no {{2}}"},
		{"more params than variables", "    inbox_templates:\n      - { name: hi, text: \"{{1}}\", params: [a, b] }\n",
			"channels.whatsapp.inbox_templates[0].text has no {{2}}, but it has 2 variables"},
		{"fewer params than variables", "    inbox_templates:\n      - { name: hi, text: \"{{1}} {{2}}\", params: [a] }\n",
			"channels.whatsapp.inbox_templates[0].text uses {{2}} but has 1 variables"},
		{"variable zero", "    inbox_templates:\n      - { name: hi, text: \"{{0}}\" }\n", "uses {{0}} but has 0 variables"},
		{"empty label", "    inbox_templates:\n      - { name: hi, text: \"{{1}}\", params: [\" \"] }\n",
			"channels.whatsapp.inbox_templates[0].params[0] must not be empty"},
		{"too long", "    inbox_templates:\n      - { name: hi, text: \"" + strings.Repeat("é", 1025) + "\" }\n",
			"channels.whatsapp.inbox_templates[0].text is 1025 characters; WhatsApp allows 1024"},
		{"twice", "    inbox_templates:\n      - { name: hi, text: \"Hi\" }\n      - { name: hi, language: en, text: \"Hi again\" }\n",
			"inline.yaml:13:11: channels.whatsapp.inbox_templates[1]: template hi in en is already listed at inbox_templates[0]"},
		{"unknown key", "    inbox_templates:\n      - { name: hi, text: \"Hi\", body: \"Hi\" }\n", "inline.yaml:12:33: unknown key \"body\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("inline.yaml", []byte(base+tt.yaml), getenv(nil))
			if tt.want != "" {
				if err == nil {
					t.Fatalf("Parse accepted it; want an error with %q", tt.want)
				}
				if !strings.Contains(err.Error(), tt.want) {
					t.Errorf("error\n%v\ndoes not contain %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			w := f.Channels.WhatsApp
			for _, it := range w.InboxTemplates {
				if it.Language == "" || it.Text == "" {
					t.Errorf("inbox template %+v: want its language defaulted and its text kept", it)
				}
			}
			if op, ok := w.Templates["order_paid"]; ok && strings.Contains(tt.yaml, "text:") && op.Text == "" {
				t.Errorf("order template %+v lost its text", op)
			}
		})
	}
}

package config

import (
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	env := getenv(map[string]string{"A": "alpha", "B": "b$b", "EMPTY": ""})
	tests := []struct {
		in       string
		want     string
		referred bool
		problems string // joined with "|"
	}{
		{"plain", "plain", false, ""},
		{"${A}", "alpha", true, ""},
		{"x-${A}-${B}-y", "x-alpha-b$b-y", true, ""},
		{"${MISSING:-fallback}", "fallback", true, ""},
		{"${EMPTY:-fallback}", "fallback", true, ""},
		{"${A:-fallback}", "alpha", true, ""},
		{"${MISSING:-}", "", true, ""},
		{"${MISSING:-a:-b}", "a:-b", true, ""},
		{"$${A}", "${A}", false, ""},
		{"pa$$word $5 $A", "pa$$word $5 $A", false, ""},
		{"${MISSING}", "", true, "environment variable MISSING is not set"},
		{"${EMPTY}", "", true, "environment variable EMPTY is not set"},
		{"${A}${MISSING}${OTHER}", "alpha", true, "environment variable MISSING is not set|environment variable OTHER is not set"},
		{"${}", "", true, `"" is not a valid environment variable name`},
		{"${1A}", "", true, `"1A" is not a valid environment variable name`},
		{"${A B}", "", true, `"A B" is not a valid environment variable name`},
		{"${A", "", false, `unterminated "${"`},
	}
	for _, tt := range tests {
		got, referred, problems := expand(tt.in, env)
		var msgs []string
		for _, p := range problems {
			msgs = append(msgs, p.msg)
		}
		joined := strings.Join(msgs, "|")
		if got != tt.want || referred != tt.referred || !strings.HasPrefix(joined, tt.problems) || (tt.problems == "") != (joined == "") {
			t.Errorf("expand(%q) = %q, %v, %q; want %q, %v, %q", tt.in, got, referred, joined, tt.want, tt.referred, tt.problems)
		}
	}
}

// TestSecretsNeverShown loads files whose every wrong value comes from the
// environment, and checks that no message shows a value.
func TestSecretsNeverShown(t *testing.T) {
	secrets := map[string]string{
		"S_ID":    "Not A Valid Id SECRET1",
		"S_LOC":   "SECRET2",
		"S_CUR":   "SECRET3",
		"S_URL":   "ftp://SECRET4",
		"S_MODE":  "SECRET5",
		"S_TOKEN": "SECRET6 SECRET6b",
		"S_PRICE": "1.23456",
		"S_SKU":   "SECRET8 !",
		"S_HOURS": "SECRET9",
		"S_AES":   "SECRET10",
		"S_INT":   "SECRET11",
		"S_DUR":   "SECRET12",
		"S_VSKU":  "SECRET13",
	}
	src := `
bot: "${S_ID}"
locales: ["${S_LOC}"]
currency: "${S_CUR}"
brain: { kind: "${S_MODE}", llm: { base_url: "${S_URL}", model: m, timeout: "${S_DUR}" } }
channels:
  telegram: { token: "${S_TOKEN}", secret_token: "${S_TOKEN}", mode: "${S_MODE}", api_endpoint: "${S_URL}" }
  whatsapp: { phone_number_id: "${S_INT}", access_token: x, app_secret: x, verify_token: x, graph_api_url: "${S_URL}" }
  wechat: { app_id: x, app_secret: x, token: x, encoding_aes_key: "${S_AES}", api_base: "${S_URL}" }
  web: { enabled: "${S_MODE}" }
catalog:
  products:
    - { sku: "${S_SKU}", name: { en: x }, price: "${S_PRICE}", stock: "${S_INT}", image: "${S_URL}", digital: "${S_MODE}" }
    - { sku: "${S_VSKU}", price: "1.00" }
    - { sku: "${S_VSKU}", price: "1.00" }
handoff: { business_hours: "${S_HOURS}", after_failed_turns: "${S_INT}" }
policies:
  refunds: { auto_approve_below: "${S_PRICE}", window_days: "${S_INT}" }
  consent: { before: "${S_MODE}" }
  retention_days: "${S_INT}"
  order_ttl: "${S_DUR}"
`
	_, err := Parse("secrets.yaml", []byte(src), getenv(secrets))
	if err == nil {
		t.Fatal("Parse succeeded, want errors")
	}
	msg := err.Error()
	if n := strings.Count(msg, "\n") + 1; n < 15 {
		t.Errorf("only %d problems reported:\n%s", n, msg)
	}
	for name, v := range secrets {
		for _, part := range strings.Fields(v) {
			if len(part) > 3 && strings.Contains(msg, part) {
				t.Errorf("the value of %s shows in:\n%s", name, msg)
			}
		}
	}
}

package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge/config"
)

const agentsBase = `bot: shop
currency: EUR
payments: { sandbox: { enabled: true } }
catalog:
  products:
    - { sku: A-1, name: { en: Lamp }, price: "10.00", stock: 3 }
`

func TestAgentsSection(t *testing.T) {
	f, err := config.Parse("shop.yaml", []byte(agentsBase+`agents:
  ucp: {}
  acp: { api_keys: ["0123456789abcdef"] }
  mcp: { enabled: true }
  shipping:
    - { id: standard, title: { en: Standard }, price: "4.90", countries: [FR, BE], days: "2-4" }
  escalate_above: "500.00"
`), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	// A feed pushed to the agent: the default locale and period.
	ff, err := config.Parse("shop.yaml", []byte(agentsBase+"agents:\n  acp: { api_keys: [\"0123456789abcdef\"], feed: { url: \"https://agent.example/api\", token: \"${FEED_TOKEN}\", feed_id: feed_8f3K2x } }\n"),
		func(k string) string { return map[string]string{"FEED_TOKEN": "agent-token-0123456789"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	if fd := ff.Agents.ACP.Feed; fd.Locale != "en" || fd.Period() != 15*time.Minute || fd.Token != "agent-token-0123456789" || fd.FeedID != "feed_8f3K2x" {
		t.Errorf("feed: %+v", fd)
	}
	// The RFC 9421 test key (B.1.4) is a good signing key.
	if _, err := config.Parse("shop.yaml", []byte(agentsBase+"agents:\n  ucp: { signing_key: MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF }\n"), func(string) string { return "" }); err != nil {
		t.Fatalf("a PKCS#8 Ed25519 signing key: %v", err)
	}
	a := f.Agents
	if !a.UCP.Enabled || !a.ACP.Enabled || !a.MCP.Enabled || a.RatePerMinute != 120 || len(a.PaymentHandlers) != 1 || a.PaymentHandlers[0] != "sandbox" {
		t.Errorf("defaults: %+v %+v", a, a.UCP)
	}
	for _, tc := range []struct{ name, yaml, want string }{
		{"acp without keys", "agents:\n  acp: { enabled: true }\n", "agents.acp.api_keys is required"},
		{"short key", "agents:\n  acp: { api_keys: [short] }\n", "too short"},
		{"unknown key", "agents:\n  ucp: { enabled: true, colour: red }\n", "colour"},
		{"bad price", "agents:\n  shipping: [{ id: s, title: { en: S }, price: \"4,9x\" }]\n", "agents.shipping[0].price"},
		{"bad country", "agents:\n  shipping: [{ id: s, title: { en: S }, price: \"4.90\", countries: [France] }]\n", "ISO 3166-1"},
		{"twice", "agents:\n  shipping: [{ id: s, title: { en: S }, price: \"1.00\" }, { id: s, title: { en: T }, price: \"2.00\" }]\n", "listed twice"},
		{"unknown handler", "agents:\n  payment_handlers: [paypal]\n", "unknown payment handler"},
		{"bad signing key", "agents:\n  ucp: { signing_key: \"not a key!\" }\n", "agents.ucp.signing_key: is neither PEM nor base64"},
		{"not PKCS#8", "agents:\n  ucp: { signing_key: aGVsbG8gd29ybGQ= }\n", "is not a PKCS#8 private key"},
		{"short signing secret", "agents:\n  acp: { api_keys: [\"0123456789abcdef\"], signing_secret: short }\n", "agents.acp.signing_secret is 5 characters; it needs at least 32"},
		{"ucp webhook without key", "agents:\n  ucp: { webhook_url: \"https://platform.example/hooks\" }\n", "agents.ucp.signing_key is required: it signs the order events"},
		{"ucp webhook not a URL", "agents:\n  ucp: { webhook_url: \"not a url\", signing_key: MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF }\n", "agents.ucp.webhook_url"},
		{"stripe without payments.stripe", "agents:\n  payment_handlers: [stripe]\n", "payment handler stripe needs payments.stripe"},
		{"feed without token", "agents:\n  acp: { api_keys: [\"0123456789abcdef\"], feed: { url: \"https://agent.example\", feed_id: f1 } }\n", "agents.acp.feed.token is required"},
		{"feed not a URL", "agents:\n  acp: { api_keys: [\"0123456789abcdef\"], feed: { url: \"agent.example\", token: t, feed_id: f1 } }\n", "agents.acp.feed.url"},
		{"feed too often", "agents:\n  acp: { api_keys: [\"0123456789abcdef\"], feed: { url: \"https://agent.example\", token: t, feed_id: f1, every: 10s } }\n", "agents.acp.feed.every is 10s"},
		{"feed and feeds", "agents:\n  acp: { api_keys: [\"0123456789abcdef\"], feed: { url: \"https://agent.example\", token: t }, feeds: [{ url: \"https://agent.example\", token: t }] }\n", "agents.acp.feed and agents.acp.feeds are both given"},
		{"feeds without token", "agents:\n  acp: { api_keys: [\"0123456789abcdef\"], feeds: [{ url: \"https://agent.example\", token: t }, { url: \"https://agent.example\" }] }\n", "agents.acp.feeds[1].token is required"},
		{"feeds bad country", "agents:\n  acp: { api_keys: [\"0123456789abcdef\"], feeds: [{ url: \"https://agent.example\", token: t, target_country: France }] }\n", "agents.acp.feeds[0].target_country \"France\" is not an ISO 3166-1 alpha-2 country code"},
		{"feed unspoken locale", "agents:\n  acp: { api_keys: [\"0123456789abcdef\"], feed: { url: \"https://agent.example\", token: t, feed_id: f1, locale: de } }\n", "agents.acp.feed.locale \"de\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse("shop.yaml", []byte(agentsBase+tc.yaml), func(string) string { return "" })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// TestAgentsFeeds: agents.acp.feeds gives one pushed feed per language of
// the bot's, each with its defaults; feed_id is optional (the server
// creates the feed); a language twice, a language the bot does not
// speak, one feed id for two languages and feed with feeds are refused,
// each with a message that says where and why.
func TestAgentsFeeds(t *testing.T) {
	const base = `bot: shop
currency: EUR
locales: [fr, en]
payments: { sandbox: { enabled: true } }
catalog:
  products:
    - { sku: A-1, name: { fr: Lampe, en: Lamp }, price: "10.00", stock: 3 }
agents:
  acp:
    api_keys: ["0123456789abcdef"]
`
	f, err := config.Parse("shop.yaml", []byte(base+`    feeds:
      - { url: "https://agent.example/api", token: "${FEED_TOKEN}", target_country: fr }
      - { url: "https://agent.example/api", token: "${FEED_TOKEN}", locale: en, feed_id: feed_en, every: 1h }
`), func(k string) string { return map[string]string{"FEED_TOKEN": "agent-token-0123456789"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	feeds := f.Agents.ACP.PushedFeeds()
	if len(feeds) != 2 {
		t.Fatalf("feeds: %+v", feeds)
	}
	if fr, en := feeds[0], feeds[1]; fr.Locale != "fr" || fr.FeedID != "" || fr.TargetCountry != "FR" || fr.Period() != 15*time.Minute || fr.Token != "agent-token-0123456789" ||
		en.Locale != "en" || en.FeedID != "feed_en" || en.Period() != time.Hour {
		t.Errorf("feeds: %+v", feeds)
	}
	// The single feed form is one feed of the list.
	f, err = config.Parse("shop.yaml", []byte(base+"    feed: { url: \"https://agent.example/api\", token: t, locale: en }\n"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if feeds := f.Agents.ACP.PushedFeeds(); len(feeds) != 1 || feeds[0].Locale != "en" || feeds[0].FeedID != "" {
		t.Errorf("feed: %+v", feeds)
	}
	for _, tc := range []struct{ name, yaml, want string }{
		{"locale twice", `    feeds:
      - { url: "https://agent.example", token: t, locale: en }
      - { url: "https://agent.example", token: t, locale: fr }
      - { url: "https://other.example", token: t, locale: en }
`, "agents.acp.feeds[2] is in en, as agents.acp.feeds[0] is: one feed per language"},
		{"default locale twice", `    feeds:
      - { url: "https://agent.example", token: t }
      - { url: "https://agent.example", token: t, locale: fr }
`, "agents.acp.feeds[1] is in fr, as agents.acp.feeds[0] is"},
		{"unspoken locale", `    feeds:
      - { url: "https://agent.example", token: t }
      - { url: "https://agent.example", token: t, locale: de }
`, `agents.acp.feeds[1].locale "de" is not one of the bot's locales (fr, en)`},
		{"one id for two languages", `    feeds:
      - { url: "https://agent.example", token: t, feed_id: feed_1 }
      - { url: "https://agent.example", token: t, feed_id: feed_1, locale: en }
`, "agents.acp.feeds[1].feed_id feed_1 is also agents.acp.feeds[0]'s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse("shop.yaml", []byte(base+tc.yaml), func(string) string { return "" })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// TestAgentsStripeHandler: payment_handlers may name stripe once
// payments.stripe is configured.
func TestAgentsStripeHandler(t *testing.T) {
	f, err := config.Parse("shop.yaml", []byte(`bot: shop
currency: EUR
payments:
  stripe: { secret_key: sk_test_0123456789abcdef, webhook_secret: whsec_0123456789abcdef }
catalog:
  products:
    - { sku: A-1, name: { en: Lamp }, price: "10.00", stock: 3 }
agents:
  ucp: {}
  payment_handlers: [stripe]
`), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if h := f.Agents.PaymentHandlers; len(h) != 1 || h[0] != "stripe" {
		t.Fatalf("handlers %v", h)
	}
}

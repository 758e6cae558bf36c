package server

import (
	"testing"
	"time"

	"github.com/conciergehq/concierge/config"
)

// TestACPFeedPushes: the bot file's agents.acp.feeds become one push per
// language, each with its own locale, feed id (empty: created by the
// pusher), target country, period and Feed API; the single feed form is
// one push.
func TestACPFeedPushes(t *testing.T) {
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
      - { url: "https://agent.example/api", token: tok-fr, target_country: fr }
      - { url: "https://other.example/api", token: tok-en, locale: en, feed_id: feed_en, every: 1h }
`), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ps := acpFeedPushes("shop", f.Agents.ACP)
	if len(ps) != 2 {
		t.Fatalf("%d pushes, want 2", len(ps))
	}
	fr, en := ps[0], ps[1]
	if fr.Bot != "shop" || fr.Locale != "fr" || fr.FeedID != "" || fr.TargetCountry != "FR" || fr.Every != 15*time.Minute ||
		fr.API.BaseURL != "https://agent.example/api" || fr.API.Token != "tok-fr" || fr.API.Client == nil {
		t.Errorf("fr: %+v %+v", fr, fr.API)
	}
	if en.Locale != "en" || en.FeedID != "feed_en" || en.Every != time.Hour || en.API.BaseURL != "https://other.example/api" || en.API.Token != "tok-en" || en.API == fr.API {
		t.Errorf("en: %+v %+v", en, en.API)
	}
	f, err = config.Parse("shop.yaml", []byte(base+`    feed: { url: "https://agent.example/api", token: tok, feed_id: feed_1 }
`), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if ps := acpFeedPushes("shop", f.Agents.ACP); len(ps) != 1 || ps[0].Locale != "fr" || ps[0].FeedID != "feed_1" {
		t.Errorf("the single feed: %+v", ps)
	}
}

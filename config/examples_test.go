package config

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
)

// fullEnv sets every variable examples/full.yaml needs.
var fullEnv = map[string]string{
	"LLM_BASE_URL":      "https://llm.example.com/v1",
	"LLM_API_KEY":       "sk-test-llm",
	"SPEECH_KEY":        "sk-test-speech",
	"TELEGRAM_TOKEN":    "123456:ABC-telegram",
	"TELEGRAM_SECRET":   "telegram_secret_1",
	"WA_PHONE_ID":       "1234567890",
	"WA_TOKEN":          "EAAG-whatsapp",
	"WA_APP_SECRET":     "wa-app-secret",
	"WA_VERIFY_TOKEN":   "wa-verify",
	"WECHAT_APP_ID":     "wx1234567890",
	"WECHAT_APP_SECRET": "wechat-app-secret",
	"WECHAT_TOKEN":      "wechat-token",
	"WECHAT_AES_KEY":    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
	"TG_PROVIDER_TOKEN": "284685063:TEST:provider",
	"STRIPE_KEY":        "sk_test_stripe",
	"STRIPE_WHSEC":      "whsec_stripe",
	"WXPAY_MCH":         "1900000109",
	"WXPAY_KEY":         "wxpay-api-key",
}

func TestExamplesFolder(t *testing.T) {
	files, err := Load("../examples", getenv(fullEnv))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("loaded %d bots from examples/, want 2", len(files))
	}
}

func TestExampleMaisonLumiere(t *testing.T) {
	// The sample runs with no account anywhere: no environment at all.
	f, err := LoadFile("../examples/maison-lumiere.yaml", getenv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if f.Channels.Web == nil || !f.Channels.Web.Enabled || f.Channels.Telegram != nil || f.Channels.WhatsApp != nil || f.Channels.WeChat != nil {
		t.Errorf("channels = %+v, want the web widget only", f.Channels)
	}
	if f.Payments.Sandbox == nil || !f.Payments.Sandbox.Enabled || f.Payments.Stripe != nil || f.Payments.Telegram != nil || f.Payments.WeChatPay != nil {
		t.Errorf("payments = %+v, want the sandbox only", f.Payments)
	}
	b := f.Bot()
	if b.ID != "maison-lumiere" || b.Brain != "rules" || b.Currency != "EUR" || !slices.Equal(b.Locales, []concierge.Locale{"fr", "en", "zh"}) {
		t.Errorf("bot = %s %s %s %v", b.ID, b.Brain, b.Currency, b.Locales)
	}
	if b.Policies.ConsentBefore != "checkout" {
		t.Errorf("consent before = %q, want checkout", b.Policies.ConsentBefore)
	}
	if len(b.Products) < 18 {
		t.Errorf("%d products, want about 20", len(b.Products))
	}

	lamp := b.Product("LAMP-01")
	if lamp == nil || lamp.Name["en"] != "Aurore bedside lamp" || lamp.Name["fr"] != "Lampe de chevet Aurore" || lamp.Name["zh"] != "欧若拉床头灯" ||
		lamp.Price != (concierge.Money{Minor: 4900, Currency: "EUR"}) || lamp.Stock != 12 || !slices.Equal(lamp.Tags, []string{"lamp", "bedroom", "warm light"}) {
		t.Errorf("LAMP-01 = %+v", lamp)
	}
	desk := b.Product("LAMP-02")
	if desk == nil || desk.Name["en"] != "Zenith desk lamp" || desk.Name["fr"] != "Lampe de bureau Zénith" || desk.Name["zh"] != "天顶台灯" ||
		desk.Price.Minor != 7900 || desk.Stock != 3 || !slices.Equal(desk.Tags, []string{"lamp", "desk", "dimmable"}) {
		t.Errorf("LAMP-02 = %+v", desk)
	}
	for _, sku := range []concierge.SKU{"GIFT-30", "GIFT-50"} {
		if p := b.Product(sku); p == nil || !p.Digital || p.Category != "gifts" {
			t.Errorf("%s = %+v, want a digital gift", sku, p)
		}
	}

	ranges := map[string][2]int64{"bulbs": {600, 2500}, "shades": {2500, 6000}, "bedside": {3500, 12000}, "desk": {4500, 15000}, "gifts": {3000, 5000}}
	count := map[string]int{}
	for _, p := range b.Products {
		count[p.Category]++
		r, ok := ranges[p.Category]
		if !ok {
			t.Errorf("%s has category %q", p.SKU, p.Category)
			continue
		}
		if p.Price.Minor < r[0] || p.Price.Minor > r[1] {
			t.Errorf("%s costs %d, outside %v for %s", p.SKU, p.Price.Minor, r, p.Category)
		}
		for _, l := range b.Locales {
			if p.Name[l] == "" || p.Description[l] == "" {
				t.Errorf("%s lacks a name or description in %s", p.SKU, l)
			}
		}
		if want := "/chat/static/img/" + p.Category + ".svg"; p.Image != want {
			t.Errorf("%s image = %q, want %q", p.SKU, p.Image, want)
		}
		if p.Category != "gifts" && p.Category != "shades" {
			for _, a := range []string{"lumens", "color_temperature", "power", "dimmable", "material"} {
				if p.Attrs[a] == "" {
					t.Errorf("%s has no %s attribute", p.SKU, a)
				}
			}
		}
		for _, tag := range p.Tags {
			if tag != strings.ToLower(tag) {
				t.Errorf("%s tag %q is not lower case", p.SKU, tag)
			}
		}
	}
	for c := range ranges {
		if count[c] == 0 {
			t.Errorf("no product in %s", c)
		}
	}
}

func TestExampleFull(t *testing.T) {
	f, err := LoadFile("../examples/full.yaml", getenv(fullEnv))
	if err != nil {
		t.Fatal(err)
	}
	c, p := f.Channels, f.Payments
	if c.Web == nil || c.Telegram == nil || c.WhatsApp == nil || c.WeChat == nil {
		t.Errorf("channels = %+v, want all four", c)
	}
	if p.Telegram == nil || p.Stripe == nil || p.WeChatPay == nil || p.Sandbox != nil {
		t.Errorf("payments = %+v, want every real provider and no sandbox", p)
	}
	if c.Telegram.Token != fullEnv["TELEGRAM_TOKEN"] || p.Stripe.SecretKey != fullEnv["STRIPE_KEY"] || f.Brain.LLM.Model != "gpt-4o-mini" {
		t.Errorf("environment not expanded: telegram %q, stripe %q, model %q", c.Telegram.Token, p.Stripe.SecretKey, f.Brain.LLM.Model)
	}
	if s := f.Speech; s == nil || s.APIKey != fullEnv["SPEECH_KEY"] || s.Model != "whisper-1" || s.BaseURL != "https://api.openai.com/v1" {
		t.Errorf("speech = %+v, want whisper-1 on OpenAI with the key from the environment", s)
	}

	// Without the environment, every unset variable is named once, and
	// nothing else is reported.
	_, err = LoadFile("../examples/full.yaml", getenv(nil))
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("LoadFile without environment = %v, want *Errors", err)
	}
	var missing []string
	for _, d := range errs.Diagnostics {
		name, ok := strings.CutPrefix(d.Message, "environment variable ")
		name, ok2 := strings.CutSuffix(name, " is not set")
		if !ok || !ok2 {
			t.Errorf("unexpected diagnostic: %s", d)
			continue
		}
		missing = append(missing, name)
	}
	var want []string
	for k := range fullEnv {
		want = append(want, k)
	}
	slices.Sort(missing)
	slices.Sort(want)
	if !slices.Equal(missing, want) {
		t.Errorf("missing variables = %v\nwant %v", missing, want)
	}

	// One variable missing: one message, at its line.
	env := maps.Clone(fullEnv)
	delete(env, "STRIPE_WHSEC")
	_, err = LoadFile("../examples/full.yaml", getenv(env))
	if err == nil || strings.Count(err.Error(), "\n") != 0 || !strings.HasSuffix(err.Error(), ": environment variable STRIPE_WHSEC is not set") {
		t.Errorf("with STRIPE_WHSEC unset: %v", err)
	}
}

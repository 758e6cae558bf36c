package config

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Agents lets outside AI agents buy from the shop through UCP, ACP and
// MCP (see docs/agents.md). Absent, no agent may.
type Agents struct {
	UCP             *AgentUCP        `yaml:"ucp" json:"ucp,omitempty" jsonschema:"description=The Universal Commerce Protocol: a business profile at /ucp/{bot}/.well-known/ucp and REST checkout under /ucp/{bot}/."`
	ACP             *AgentACP        `yaml:"acp" json:"acp,omitempty" jsonschema:"description=The Agentic Commerce Protocol: checkout_sessions under /acp/{bot}/ and the product feed at /acp/{bot}/feed."`
	MCP             *AgentMCP        `yaml:"mcp" json:"mcp,omitempty" jsonschema:"description=A Model Context Protocol server at /mcp/{bot} (Streamable HTTP) with catalog and checkout tools."`
	Shipping        []ShippingOption `yaml:"shipping" json:"shipping,omitempty" jsonschema:"description=The shipping options offered to agents for physical goods. Without any physical goods ship free with no address asked."`
	ShippingRates   []ShippingRates  `yaml:"shipping_rates" json:"shipping_rates,omitempty" jsonschema:"description=CSV files of shipping options added to shipping (such as the UCP conformance flower shop's shipping_rates.csv); see docs/agents.md."`
	PaymentHandlers []string         `yaml:"payment_handlers" json:"payment_handlers,omitempty" jsonschema:"description=The payment handlers agents may pay with: sandbox (test tokens; needs payments.sandbox) or stripe (needs payments.stripe; agents send a Stripe PaymentMethod id). Defaults to [sandbox] when the sandbox is enabled."`
	TestMode        bool             `yaml:"test_mode" json:"test_mode,omitempty" jsonschema:"description=Accept the UCP conformance suite's mock_payment_handler as the sandbox and serve its POST /testing/simulate-shipping/{order_id} (with simulation_secret). Never in production."`
	// SimulationSecret guards the conformance suite's simulation
	// endpoint, served only in test mode.
	SimulationSecret string `yaml:"simulation_secret" json:"simulation_secret,omitempty" jsonschema:"description=With test_mode: the Simulation-Secret header that POST /testing/simulate-shipping/{order_id} requires (at least 16 characters); use ${VAR}. Without it the endpoint is not served."`
	EscalateAbove    string `yaml:"escalate_above" json:"escalate_above,omitempty" jsonschema:"description=Checkouts whose total is above this amount are handed to the buyer in the web chat (requires_escalation) instead of being completed by the agent. Empty never does."`
	RatePerMinute    int    `yaml:"rate_per_minute" json:"rate_per_minute,omitempty" jsonschema:"minimum=1,default=120,description=Requests a minute one agent (API key or profile) may make; more are refused with 429. Defaults to 120."`
}

// AgentUCP enables UCP.
type AgentUCP struct {
	Enabled bool `yaml:"enabled" json:"enabled" jsonschema:"default=true,description=Serve UCP. Defaults to true when the section is present."`
	// SigningKey is the business's RFC 9421 signing key (PKCS#8: PEM or
	// base64 DER; Ed25519 or ECDSA P-256). Set: responses are signed and
	// the profile publishes its public half in signing_keys.
	SigningKey        string `yaml:"signing_key" json:"signing_key,omitempty" jsonschema:"description=PKCS#8 private key (PEM or base64 DER; Ed25519 or ECDSA P-256) that signs responses (RFC 9421); its public key is published in the profile's signing_keys. Use ${VAR}."`
	RequireSignatures bool   `yaml:"require_signatures" json:"require_signatures,omitempty" jsonschema:"description=Refuse unsigned requests with 401. Signed requests are always verified against the keys of the profile named in UCP-Agent."`
	// WebhookURL is the platform's order webhook, given at onboarding.
	WebhookURL string `yaml:"webhook_url" json:"webhook_url,omitempty" jsonschema:"description=The platform's order webhook (given at onboarding): order events (the full order after it is created and after each change) are POSTed there signed with signing_key (RFC 9421). Needs signing_key."`
}

// AgentACP enables ACP.
type AgentACP struct {
	Enabled       bool     `yaml:"enabled" json:"enabled" jsonschema:"default=true,description=Serve ACP. Defaults to true when the section is present."`
	APIKeys       []string `yaml:"api_keys" json:"api_keys,omitempty" jsonschema:"description=The bearer keys agents send in Authorization (at least 16 characters each); use ${VAR}. Required when ACP is enabled."`
	WebhookURL    string   `yaml:"webhook_url" json:"webhook_url,omitempty" jsonschema:"description=Where order events (order_create and order_update) are POSTed signed in Merchant-Signature; see docs/agents.md."`
	WebhookSecret string   `yaml:"webhook_secret" json:"webhook_secret,omitempty" jsonschema:"description=The HMAC secret of those events; use ${VAR}."`
	// SigningSecret is the HMAC secret the agent signs its requests with.
	SigningSecret string `yaml:"signing_secret" json:"signing_secret,omitempty" jsonschema:"description=The HMAC secret the agent signs its requests with (Signature and Timestamp headers, at least 32 characters); set, unsigned, forged or stale requests are refused with 401. Use ${VAR}."`
	// Feed pushes the catalog to the agent's Feed API: one feed, the
	// same as Feeds with one item.
	Feed *AgentACPFeed `yaml:"feed" json:"feed,omitempty" jsonschema:"description=Push the catalog (ACP 2026-04-17 products with variants) to the agent's Feed API (which the agent hosts); see docs/agents.md. One feed; for one feed per language use feeds."`
	// Feeds pushes the catalog to the agent's Feed API in several
	// languages, one feed each.
	Feeds []AgentACPFeed `yaml:"feeds" json:"feeds,omitempty" jsonschema:"description=Push the catalog to the agent's Feed API in several languages: one feed per language (each its own locale; give feed or feeds). See docs/agents.md."`
}

// AgentACPFeed is the agent's Feed API and one feed of this bot on it:
// the URL and token come from the agent's onboarding; the feed's id too,
// or Concierge creates the feed (POST /feeds) and keeps its id.
type AgentACPFeed struct {
	URL    string `yaml:"url" json:"url" jsonschema:"required,description=The agent's Feed API base URL (its endpoints are /feeds/{id}/products…)."`
	Token  string `yaml:"token" json:"token" jsonschema:"required,description=The bearer token of the agent's Feed API; use ${VAR}."`
	FeedID string `yaml:"feed_id" json:"feed_id,omitempty" jsonschema:"description=The feed's id on the agent (such as feed_8f3K2x) when the agent gave one at onboarding. Without it the server creates the feed (POST /feeds) once and keeps the id the agent returns in the database for every replica and restart."`
	Locale string `yaml:"locale" json:"locale,omitempty" jsonschema:"description=The language of the feed's text (one of locales); defaults to the default locale. One feed is one language: each feed of feeds has its own."`
	// TargetCountry is the target_country of a feed the server creates.
	TargetCountry string `yaml:"target_country" json:"target_country,omitempty" jsonschema:"pattern=^[A-Za-z]{2}$,description=The ISO 3166-1 alpha-2 market of a feed the server creates (its target_country); unused with feed_id."`
	Every         string `yaml:"every" json:"every,omitempty" jsonschema:"default=15m,description=Time between pushes (from 1m to 24h); the first is at start."`
}

// PushedFeeds is every feed the bot pushes: feed, or each of feeds
// (checked: one per locale).
func (a *AgentACP) PushedFeeds() []AgentACPFeed {
	if a.Feed != nil {
		return append([]AgentACPFeed{*a.Feed}, a.Feeds...)
	}
	return a.Feeds
}

// Period is the time between pushes (checked, defaulted to 15m).
func (f *AgentACPFeed) Period() time.Duration {
	d, _ := time.ParseDuration(f.Every)
	return d
}

// AgentMCP enables the MCP server.
type AgentMCP struct {
	Enabled bool     `yaml:"enabled" json:"enabled" jsonschema:"default=true,description=Serve MCP at /mcp/{bot}. Defaults to true when the section is present."`
	APIKeys []string `yaml:"api_keys" json:"api_keys,omitempty" jsonschema:"description=When set, clients must send one of these as Authorization: Bearer; use ${VAR}. Empty leaves the server open."`
}

// ShippingOption is one way to deliver, with its price.
type ShippingOption struct {
	ID        string            `yaml:"id" json:"id" jsonschema:"required,pattern=^[a-z0-9_-]{1\\,40}$,description=The option's id such as standard."`
	Title     map[string]string `yaml:"title" json:"title" jsonschema:"required,description=The option's name per locale; the default locale is required."`
	Price     string            `yaml:"price" json:"price" jsonschema:"required,description=The price in the bot's currency such as 4.90."`
	Countries []string          `yaml:"countries" json:"countries,omitempty" jsonschema:"description=The ISO 3166-1 alpha-2 countries it delivers to; empty means anywhere."`
	Days      string            `yaml:"days" json:"days,omitempty" jsonschema:"description=How many business days delivery takes such as 2-4."`
	// Level groups options of one service level: for a country, an
	// option that names it hides those of its level serving anywhere.
	Level string `yaml:"level" json:"level,omitempty" jsonschema:"description=The service level such as standard or express: for a buyer's country an option of this level that lists the country replaces those of the level that serve anywhere."`
}

var (
	shippingIDPattern = regexp.MustCompile(`^[a-z0-9_-]{1,40}$`)
	countryPattern    = regexp.MustCompile(`^[A-Z]{2}$`)
)

// agents checks the agents section and applies its defaults.
func (c *checker) agents() {
	a := c.f.Agents
	if a == nil {
		return
	}
	if a.UCP != nil && !c.has("agents.ucp.enabled") {
		a.UCP.Enabled = true
	}
	if a.ACP != nil && !c.has("agents.acp.enabled") {
		a.ACP.Enabled = true
	}
	if a.MCP != nil && !c.has("agents.mcp.enabled") {
		a.MCP.Enabled = true
	}
	if a.RatePerMinute == 0 {
		a.RatePerMinute = 120
	}
	c.atLeast("agents.rate_per_minute", int64(a.RatePerMinute), 1)
	if u := a.UCP; u != nil && u.SigningKey != "" && !c.failed("agents.ucp.signing_key") {
		if err := signingKey(u.SigningKey); err != nil {
			c.errorf("agents.ucp.signing_key", "agents.ucp.signing_key: %v", err)
		}
	}
	if u := a.UCP; u != nil && u.WebhookURL != "" {
		c.url("agents.ucp.webhook_url", &u.WebhookURL, "")
		c.required("agents.ucp.signing_key", u.SigningKey, ": it signs the order events sent to webhook_url")
	}
	if acp := a.ACP; acp != nil && acp.Enabled {
		if len(acp.APIKeys) == 0 && !c.failed("agents.acp.api_keys") {
			c.errorf("agents.acp", "agents.acp.api_keys is required: agents authenticate with one of these keys")
		}
		c.apiKeys("agents.acp.api_keys", acp.APIKeys)
		if acp.WebhookURL != "" {
			c.url("agents.acp.webhook_url", &acp.WebhookURL, "")
			c.required("agents.acp.webhook_secret", acp.WebhookSecret, ": it signs the order events")
		}
		c.acpFeeds(acp)
		if acp.SigningSecret != "" && !c.failed("agents.acp.signing_secret") && len(acp.SigningSecret) < MinWebhookSecret {
			c.errorf("agents.acp.signing_secret", "agents.acp.signing_secret is %d characters; it needs at least %d (try openssl rand -hex 32)", len(acp.SigningSecret), MinWebhookSecret)
		}
	}
	if m := a.MCP; m != nil {
		c.apiKeys("agents.mcp.api_keys", m.APIKeys)
	}
	if a.SimulationSecret != "" && !c.failed("agents.simulation_secret") {
		if len(a.SimulationSecret) < 16 {
			c.errorf("agents.simulation_secret", "agents.simulation_secret is %d characters; it needs at least 16 (try openssl rand -hex 16)", len(a.SimulationSecret))
		}
		if !a.TestMode {
			c.errorf("agents.simulation_secret", "agents.simulation_secret needs agents.test_mode: true (the simulation endpoint is for the conformance suite, never production)")
		}
	}
	c.shippingRates()
	seen := map[string]bool{}
	for i, o := range a.Shipping {
		p := fmt.Sprintf("agents.shipping[%d]", i)
		switch {
		case o.ID == "":
			c.errorf(p+".id", "%s.id is required", p)
		case !shippingIDPattern.MatchString(o.ID):
			c.errorf(p+".id", "%s.id %s is invalid: use lowercase letters, digits, _ and -", p, c.show(p+".id", o.ID))
		case seen[o.ID]:
			c.errorf(p+".id", "shipping option %q is listed twice", o.ID)
		}
		seen[o.ID] = true
		if o.Title[c.defaultLocale()] == "" {
			c.errorf(p+".title", "%s.title needs a title in the default locale %s", p, c.defaultLocale())
		}
		if c.required(p+".price", o.Price, "") {
			c.amount(p+".price", p+".price", o.Price)
		}
		for j, cc := range o.Countries {
			if !countryPattern.MatchString(cc) {
				c.errorf(fmt.Sprintf("%s.countries[%d]", p, j), "country %q is not an ISO 3166-1 alpha-2 code such as FR", cc)
			}
		}
	}
	sandbox := c.f.Payments.Sandbox != nil && c.f.Payments.Sandbox.Enabled
	if len(a.PaymentHandlers) == 0 && !c.has("agents.payment_handlers") && sandbox {
		a.PaymentHandlers = []string{"sandbox"}
	}
	for i, h := range a.PaymentHandlers {
		p := fmt.Sprintf("agents.payment_handlers[%d]", i)
		switch h {
		case "sandbox":
			if !sandbox {
				c.errorf(p, "payment handler sandbox needs payments.sandbox enabled")
			}
		case "stripe":
			if c.f.Payments.Stripe == nil {
				c.errorf(p, "payment handler stripe needs payments.stripe (its secret key charges the agents' payment methods)")
			}
		default:
			c.errorf(p, "unknown payment handler %q: use sandbox or stripe", h)
		}
	}
	if a.EscalateAbove != "" {
		c.amount("agents.escalate_above", "agents.escalate_above", a.EscalateAbove)
	}
}

// apiKeys checks that each key is long enough to resist guessing.
func (c *checker) apiKeys(path string, keys []string) {
	for i, k := range keys {
		p := fmt.Sprintf("%s[%d]", path, i)
		if len(strings.TrimSpace(k)) < 16 && !c.failed(p) {
			c.errorf(p, "%s is too short: API keys need at least 16 characters%s", p, c.hint(p, ""))
		}
	}
}

// acpFeeds checks agents.acp.feed and agents.acp.feeds and applies their
// defaults: each feed is one language of the bot's, none twice, and no
// feed id is two feeds'.
func (c *checker) acpFeeds(acp *AgentACP) {
	type feed struct {
		path string
		fd   *AgentACPFeed
	}
	var feeds []feed
	if acp.Feed != nil {
		feeds = append(feeds, feed{"agents.acp.feed", acp.Feed})
		if len(acp.Feeds) > 0 {
			c.errorf("agents.acp.feeds", "agents.acp.feed and agents.acp.feeds are both given: use feeds (a list, one feed per language) or feed (one), not both")
		}
	}
	for i := range acp.Feeds {
		feeds = append(feeds, feed{fmt.Sprintf("agents.acp.feeds[%d]", i), &acp.Feeds[i]})
	}
	byLocale, byID := map[string]string{}, map[string]string{}
	for _, f := range feeds {
		p, fd := f.path, f.fd
		if c.required(p+".url", fd.URL, "") {
			c.url(p+".url", &fd.URL, "")
		}
		c.required(p+".token", fd.Token, ": the agent's Feed API requires its bearer token")
		if fd.Locale == "" {
			fd.Locale = c.defaultLocale()
		} else if !slices.Contains(c.f.Locales, fd.Locale) && fd.Locale != c.defaultLocale() {
			c.errorf(p+".locale", "%s.locale %q is not one of the bot's locales (%s)", p, fd.Locale, strings.Join(c.locales(), ", "))
		}
		if other, ok := byLocale[fd.Locale]; ok {
			c.errorf(p+".locale", "%s is in %s, as %s is: one feed per language (the feed's text is in one locale)", p, fd.Locale, other)
		} else {
			byLocale[fd.Locale] = p
		}
		if fd.FeedID != "" {
			if other, ok := byID[fd.FeedID]; ok {
				c.errorf(p+".feed_id", "%s.feed_id %s is also %s's: each language needs its own feed (or leave feed_id out and the server creates it)", p, fd.FeedID, other)
			} else {
				byID[fd.FeedID] = p
			}
		}
		if fd.TargetCountry != "" {
			if up := strings.ToUpper(fd.TargetCountry); countryPattern.MatchString(up) {
				fd.TargetCountry = up
			} else {
				c.errorf(p+".target_country", "%s.target_country %s is not an ISO 3166-1 alpha-2 country code such as FR", p, c.show(p+".target_country", fd.TargetCountry))
			}
		}
		if fd.Every == "" {
			fd.Every = "15m"
		}
		c.within(p+".every", fd.Every, time.Minute, 24*time.Hour, false)
	}
}

// locales are the bot's locales, its default when it names none.
func (c *checker) locales() []string {
	if len(c.f.Locales) > 0 {
		return c.f.Locales
	}
	return []string{c.defaultLocale()}
}

func (c *checker) defaultLocale() string {
	if len(c.f.Locales) > 0 {
		return c.f.Locales[0]
	}
	return "en"
}

// AgentEndpoints lists the agent protocols f enables, for messages.
func (f *File) AgentEndpoints(base string) []string {
	a := f.Agents
	if a == nil {
		return nil
	}
	var out []string
	b := strings.TrimRight(base, "/")
	if a.UCP != nil && a.UCP.Enabled {
		out = append(out, b+"/ucp/"+url.PathEscape(f.ID)+"/.well-known/ucp")
	}
	if a.ACP != nil && a.ACP.Enabled {
		out = append(out, b+"/acp/"+url.PathEscape(f.ID)+"/checkout_sessions")
	}
	if a.MCP != nil && a.MCP.Enabled {
		out = append(out, b+"/mcp/"+url.PathEscape(f.ID))
	}
	return out
}

// signingKey checks a UCP signing key as agentcommerce/httpsig reads it:
// PKCS#8, PEM or base64 of its DER, Ed25519 or ECDSA P-256. The error
// never quotes the key.
func signingKey(s string) error {
	s = strings.TrimSpace(s)
	var der []byte
	if blk, _ := pem.Decode([]byte(s)); blk != nil {
		der = blk.Bytes
	} else {
		var err error
		if der, err = base64.StdEncoding.DecodeString(s); err != nil {
			if der, err = base64.RawURLEncoding.DecodeString(s); err != nil {
				return errors.New("is neither PEM nor base64 of a PKCS#8 private key")
			}
		}
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return errors.New("is not a PKCS#8 private key")
	}
	switch k := k.(type) {
	case ed25519.PrivateKey:
		return nil
	case *ecdsa.PrivateKey:
		if k.Curve == elliptic.P256() {
			return nil
		}
	}
	return fmt.Errorf("is a %T key; use Ed25519 or ECDSA P-256", k)
}

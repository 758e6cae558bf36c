package config

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
	"golang.org/x/crypto/pkcs12"
)

// The defaults of a bot file, applied by Load where a key is absent.
const (
	DefaultLocale              = "en"
	DefaultCurrency            = "EUR"
	DefaultAfterFailedTurns    = 2
	DefaultAfterFailedPayments = 2
	DefaultOrderTTL            = "30m"
	DefaultRefundWindowDays    = 30
	DefaultRetentionDays       = 365
	// MaxLineQuantity bounds policies.max_quantity: a bulk order beyond it
	// is a quote, not a chat cart.
	MaxLineQuantity         = 10_000
	DefaultTelegramAPI      = "https://api.telegram.org"
	DefaultWhatsAppGraphAPI = "https://graph.facebook.com/v21.0"
	DefaultWeChatAPI        = "https://api.weixin.qq.com"
	DefaultStripeAPI        = "https://api.stripe.com"
	DefaultWeChatPayAPI     = "https://api.mch.weixin.qq.com"
)

var (
	botIDPattern       = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	skuPattern         = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	secretTokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
)

// checker applies defaults to a decoded File and reports what is wrong
// with it, at the position of the offending value.
type checker struct {
	f    *File
	src  *source
	errs *Errors
}

// check applies the defaults and checks f.
func check(f *File, src *source, errs *Errors) {
	c := &checker{f: f, src: src, errs: errs}
	c.identity()
	c.brain()
	c.speech()
	c.channels()
	c.payments()
	c.catalog()
	c.handoff()
	c.policies()
	c.agents()
}

// has reports whether the file set the value at path.
func (c *checker) has(path string) bool {
	_, ok := c.src.at(path)
	return ok
}

// errorf reports a problem at the value at path or, when the file does not
// have it, at its nearest enclosing value.
func (c *checker) errorf(path, format string, args ...any) {
	if len(c.errs.Diagnostics) > maxDiagnostics {
		return
	}
	line, col := 1, 1
	for p := path; ; p = parent(p) {
		if v, ok := c.src.at(p); ok {
			line, col = v.line, v.col
			break
		}
		if p == "" {
			break
		}
	}
	c.errs.add(Diagnostic{File: c.src.path, Line: line, Col: col, Message: fmt.Sprintf(format, args...)})
}

// parent returns the path that encloses path: "a.b[2]" for "a.b[2].c", and
// "a.b" for "a.b[2]".
func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// show quotes the value at path for a message, unless it came from the
// environment: then it shows the reference as written, never the value.
func (c *checker) show(path, val string) string {
	if v, ok := c.src.at(path); ok && v.env {
		return fmt.Sprintf("%q (from the environment)", v.raw)
	}
	return fmt.Sprintf("%q", shorten(val))
}

// hint returns a hint about the value at path, or a neutral one when the
// value came from the environment, since a hint would reveal it.
func (c *checker) hint(path, hint string) string {
	if v, ok := c.src.at(path); ok && v.env {
		return " (check the environment variable)"
	}
	return hint
}

// failed reports whether the value at path could not be read (an unset
// environment variable, a wrong type), in which case the problem was
// already reported and checks of it would only repeat it.
func (c *checker) failed(path string) bool {
	v, ok := c.src.at(path)
	return ok && v.failed
}

// required reports a missing or empty string at path and returns whether
// it is set.
func (c *checker) required(path, val, why string) bool {
	if val != "" {
		return true
	}
	switch {
	case c.failed(path):
	case c.has(path):
		c.errorf(path, "%s must not be empty%s", path, why)
	default:
		c.errorf(path, "%s is required%s", path, why)
	}
	return false
}

// url checks that the value at path, when set, is an http(s) URL, or sets
// it to def when it is absent.
func (c *checker) url(path string, val *string, def string) {
	if *val == "" && !c.has(path) {
		*val = def
		return
	}
	if c.failed(path) {
		return
	}
	u, err := url.Parse(*val)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.errorf(path, "%s %s is not an http:// or https:// URL", path, c.show(path, *val))
	}
}

// duration checks that the value at path, when set, is a positive Go
// duration.
func (c *checker) duration(path, val string) {
	if val == "" || c.failed(path) {
		return
	}
	d, err := time.ParseDuration(val)
	if err != nil {
		c.errorf(path, "%s %s is not a duration (write it as 30s, 30m, 2h or 1h30m)", path, c.show(path, val))
		return
	}
	if d <= 0 {
		c.errorf(path, "%s must be positive, got %s", path, c.show(path, val))
	}
}

// amount checks an amount of the bot's currency; what names it in messages.
func (c *checker) amount(path, what, val string) {
	if c.failed(path) || !money.ValidCurrency(c.f.Currency) {
		return
	}
	if _, err := money.Parse(val, c.f.Currency); err != nil {
		var pe *money.ParseError
		if errors.As(err, &pe) {
			c.errorf(path, "%s %s %s", what, c.show(path, val), pe.Reason)
			return
		}
		c.errorf(path, "%s %s: %v", what, c.show(path, val), err)
	}
}

func (c *checker) identity() {
	f := c.f
	switch {
	case f.ID == "" && !c.failed("bot"):
		c.errorf("bot", `bot is required: the bot's id, such as "maison-lumiere"`)
	case f.ID != "" && !botIDPattern.MatchString(f.ID):
		c.errorf("bot", "bot id %s is invalid: use 1 to 63 lowercase letters, digits and dashes, starting with a letter or digit", c.show("bot", f.ID))
	case f.ID == "static":
		// /chat/static/ serves the widget's files.
		c.errorf("bot", `bot id "static" is reserved (the web widget's files are served under /chat/static/)`)
	}
	if f.Name == "" {
		f.Name = f.ID
	}

	if len(f.Locales) == 0 {
		f.Locales = []string{DefaultLocale}
	}
	seen := map[string]bool{}
	for i, l := range f.Locales {
		p := fmt.Sprintf("locales[%d]", i)
		switch {
		case c.failed(p):
		case seen[l]:
			c.errorf(p, "locale %s is listed twice", c.show(p, l))
		case !knownLocales[l]:
			c.errorf(p, "unknown locale %s%s", c.show(p, l), c.hint(p, localeHint(l)))
		}
		seen[l] = true
	}

	if f.Currency == "" && !c.has("currency") {
		f.Currency = DefaultCurrency
	}
	if !money.ValidCurrency(f.Currency) && !c.failed("currency") {
		hint := " (use an ISO 4217 code such as EUR, USD or CNY)"
		if up := strings.ToUpper(f.Currency); up != f.Currency && money.ValidCurrency(up) {
			hint = fmt.Sprintf("; did you mean %q?", up)
		}
		c.errorf("currency", "unknown currency %s%s", c.show("currency", f.Currency), c.hint("currency", hint))
	}
}

// localeHint suggests the right spelling of a locale.
func localeHint(l string) string {
	low := strings.ToLower(l)
	if knownLocales[low] {
		return fmt.Sprintf("; did you mean %q?", low)
	}
	if base, _, ok := strings.Cut(strings.ReplaceAll(low, "_", "-"), "-"); ok && knownLocales[base] {
		return fmt.Sprintf("; use the base language %q", base)
	}
	return " (use a BCP 47 base language such as en, fr or zh)"
}

func (c *checker) brain() {
	b := &c.f.Brain
	switch b.Kind {
	case "":
		b.Kind = concierge.BrainRules
	case concierge.BrainRules, concierge.BrainLLM:
	default:
		if !c.failed("brain.kind") {
			c.errorf("brain.kind", `brain.kind must be "rules" or "llm", got %s`, c.show("brain.kind", string(b.Kind)))
		}
	}
	if b.Kind == concierge.BrainLLM && b.LLM == nil {
		c.errorf("brain.kind", "brain.kind is llm but there is no brain.llm section (base_url and model are required)")
	}
	if b.LLM == nil {
		return
	}
	if b.Kind == concierge.BrainLLM {
		why := " when brain.kind is llm"
		c.required("brain.llm.base_url", b.LLM.BaseURL, why)
		c.required("brain.llm.model", b.LLM.Model, why)
	}
	if b.LLM.BaseURL != "" {
		c.url("brain.llm.base_url", &b.LLM.BaseURL, "")
	}
	c.duration("brain.llm.timeout", b.LLM.Timeout)
	c.duration("brain.llm.turn_timeout", b.LLM.TurnTimeout)
	if d, err := time.ParseDuration(b.LLM.TurnTimeout); err == nil && d > MaxTurnTimeout && !c.failed("brain.llm.turn_timeout") {
		c.errorf("brain.llm.turn_timeout", "brain.llm.turn_timeout %s is longer than the %s a customer may wait for an answer", b.LLM.TurnTimeout, MaxTurnTimeout)
	}
	if n := utf8.RuneCountInString(b.LLM.Persona); n > MaxPersona {
		c.errorf("brain.llm.persona", "brain.llm.persona has %d characters; at most %d fit in the prompt", n, MaxPersona)
	}
	c.atLeast("brain.llm.max_model_calls", int64(b.LLM.MaxModelCalls), 1)
	c.atLeast("brain.llm.max_tool_steps", int64(b.LLM.MaxToolSteps), 1)
	c.atLeast("brain.llm.history_tokens", int64(b.LLM.HistoryTokens), 200)
	c.atLeast("brain.llm.conversation_token_budget", int64(b.LLM.ConversationTokenBudget), 0)
}

// MaxSpeechTimeout bounds speech.timeout: the customer's voice note, and
// every message after it, waits for the transcript, and the media
// fetcher's lease (3 minutes) must outlast the call.
const MaxSpeechTimeout = 90 * time.Second

func (c *checker) speech() {
	s := c.f.Speech
	if s == nil {
		return
	}
	why := " in the speech section"
	if c.required("speech.base_url", s.BaseURL, why) {
		c.url("speech.base_url", &s.BaseURL, "")
	}
	c.required("speech.model", s.Model, why)
	c.duration("speech.timeout", s.Timeout)
	if d, err := time.ParseDuration(s.Timeout); err == nil && d > MaxSpeechTimeout && !c.failed("speech.timeout") {
		c.errorf("speech.timeout", "speech.timeout %s is longer than the %s a voice note may hold its conversation", c.show("speech.timeout", s.Timeout), MaxSpeechTimeout)
	}
	if len(s.Languages) == 0 && !c.has("speech.languages") {
		s.Languages = slices.Clone(c.f.Locales)
	}
	seen := map[string]bool{}
	for i, l := range s.Languages {
		path := fmt.Sprintf("speech.languages[%d]", i)
		if c.failed(path) {
			continue
		}
		switch {
		case !knownLocales[l]:
			c.errorf(path, "speech.languages has %s, which is not a language%s", c.show(path, l), c.hint(path, localeHint(l)))
		case seen[l]:
			c.errorf(path, "speech.languages has %s twice", c.show(path, l))
		}
		seen[l] = true
	}
	if len(s.Languages) == 0 && c.has("speech.languages") {
		c.errorf("speech.languages", "speech.languages must not be empty: leave it out to accept the bot's locales")
	}
	seen = map[string]bool{}
	for i, f := range s.Formats {
		path := fmt.Sprintf("speech.formats[%d]", i)
		switch {
		case !slices.Contains(speechFormats, f):
			c.errorf(path, "speech.formats has %s, which is none of %s", c.show(path, f), strings.Join(speechFormats, ", "))
		case seen[f]:
			c.errorf(path, "speech.formats has %s twice", c.show(path, f))
		}
		seen[f] = true
	}
	if len(s.Formats) == 0 && c.has("speech.formats") {
		c.errorf("speech.formats", "speech.formats must not be empty: leave it out for the endpoint's defaults")
	}
}

// speechFormats are the audio containers the speech package recognises
// (speech.FormatNames; config imports no implementation).
var speechFormats = []string{"ogg", "mp3", "amr", "awb", "wav", "flac", "webm", "m4a"}

// MaxTurnTimeout bounds brain.llm.turn_timeout. No channel needs the
// answer inside its webhook request (acks go first, and Telegram's
// 10-second pre-checkout is answered without the brain), so the turn's
// deadline is how long a customer waits before the rules brain answers.
// It must also stay well under the planned runner's lease (2 minutes): a
// plan that outlived its lease would be dropped and planned again by
// another worker, for ever.
const MaxTurnTimeout = time.Minute

// MaxPersona bounds brain.llm.persona, in characters: it is sent with
// every model call.
const MaxPersona = 2000

// atLeast reports a number at path below lowest, when the file sets it
// (an absent number keeps its default).
func (c *checker) atLeast(path string, val, lowest int64) {
	if !c.has(path) || c.failed(path) || val >= lowest {
		return
	}
	c.errorf(path, "%s must be at least %d, got %d", path, lowest, val)
}

func (c *checker) channels() {
	ch := &c.f.Channels
	if !c.has("channels") {
		ch.Web = &Web{Enabled: true}
	}
	if ch.Web != nil && !c.has("channels.web.enabled") {
		ch.Web.Enabled = true
	}
	if t := ch.Telegram; t != nil {
		c.required("channels.telegram.token", t.Token, "")
		switch t.Mode {
		case "":
			t.Mode = "webhook"
		case "webhook", "polling":
		default:
			if !c.failed("channels.telegram.mode") {
				c.errorf("channels.telegram.mode", `channels.telegram.mode must be "webhook" or "polling", got %s`, c.show("channels.telegram.mode", t.Mode))
			}
		}
		if t.Mode == "webhook" {
			c.required("channels.telegram.secret_token", t.SecretToken, " in webhook mode: Telegram sends it with every update so that forged ones are refused")
		}
		if t.SecretToken != "" && !secretTokenPattern.MatchString(t.SecretToken) && !c.failed("channels.telegram.secret_token") {
			c.errorf("channels.telegram.secret_token", "channels.telegram.secret_token may only hold 1 to 256 characters A-Z, a-z, 0-9, _ and -")
		}
		c.url("channels.telegram.api_endpoint", &t.APIEndpoint, DefaultTelegramAPI)
		if t.RatePerSecond < 0 && !c.failed("channels.telegram.rate_per_second") {
			c.errorf("channels.telegram.rate_per_second", "channels.telegram.rate_per_second must be positive")
		}
		if t.ChatRatePerSecond < 0 && !c.failed("channels.telegram.chat_rate_per_second") {
			c.errorf("channels.telegram.chat_rate_per_second", "channels.telegram.chat_rate_per_second must be positive")
		}
	}
	if w := ch.WhatsApp; w != nil {
		c.required("channels.whatsapp.phone_number_id", w.PhoneNumberID, "")
		c.required("channels.whatsapp.access_token", w.AccessToken, "")
		c.required("channels.whatsapp.app_secret", w.AppSecret, ": it checks the signature of every webhook")
		c.required("channels.whatsapp.verify_token", w.VerifyToken, "")
		c.url("channels.whatsapp.graph_api_url", &w.GraphAPIURL, DefaultWhatsAppGraphAPI)
		c.whatsappTemplates(w)
	}
	if w := ch.WeChat; w != nil {
		c.required("channels.wechat.app_id", w.AppID, "")
		c.required("channels.wechat.app_secret", w.AppSecret, "")
		c.required("channels.wechat.token", w.Token, ": it checks the signature of every request")
		if w.EncodingAESKey != "" && len(w.EncodingAESKey) != 43 && !c.failed("channels.wechat.encoding_aes_key") {
			c.errorf("channels.wechat.encoding_aes_key", "channels.wechat.encoding_aes_key must be 43 characters long, got %d", len(w.EncodingAESKey))
		}
		c.url("channels.wechat.api_base", &w.APIBase, DefaultWeChatAPI)
		c.redisURL("channels.wechat.token_cache", w.TokenCache)
		c.wechatMenu(w.Menu)
	}
}

func (c *checker) payments() {
	p := &c.f.Payments
	if !c.has("payments") {
		p.Sandbox = &Sandbox{Enabled: true}
	}
	if p.Sandbox != nil && !c.has("payments.sandbox.enabled") {
		p.Sandbox.Enabled = true
	}
	var real []string
	if t := p.Telegram; t != nil {
		real = append(real, "telegram")
		if t.ProviderToken == "" && !t.StarsForDigital && !c.failed("payments.telegram.provider_token") {
			c.errorf("payments.telegram", "payments.telegram needs a provider_token, stars_for_digital: true, or both")
		}
		if c.f.Channels.Telegram == nil {
			c.errorf("payments.telegram", "payments.telegram needs channels.telegram: Telegram invoices are paid inside Telegram chats")
		}
	}
	if s := p.Stripe; s != nil {
		real = append(real, "stripe")
		c.required("payments.stripe.secret_key", s.SecretKey, "")
		c.required("payments.stripe.webhook_secret", s.WebhookSecret, ": it checks the signature of every payment notification")
		c.url("payments.stripe.api_base", &s.APIBase, DefaultStripeAPI)
		if s.ReturnURL != "" || c.has("payments.stripe.return_url") {
			c.url("payments.stripe.return_url", &s.ReturnURL, "")
		}
	}
	if w := p.WeChatPay; w != nil {
		real = append(real, "wechatpay")
		c.required("payments.wechatpay.mch_id", w.MchID, "")
		c.required("payments.wechatpay.api_key", w.APIKey, ": it checks the signature of every payment notification")
		c.url("payments.wechatpay.api_base", &w.APIBase, DefaultWeChatPayAPI)
		c.merchantCert(w)
	}
	if p.Sandbox != nil && p.Sandbox.Enabled && len(real) > 0 {
		c.errorf("payments.sandbox", "sandbox payments are refused when a real provider is configured (%s); remove payments.sandbox or set enabled: false", strings.Join(real, ", "))
	}
}

func (c *checker) catalog() {
	f := c.f
	def := f.Locales[0]
	firstSKU := map[string]string{} // SKU → path of its first product
	for i := range f.Catalog.Products {
		pr := &f.Catalog.Products[i]
		at := fmt.Sprintf("catalog.products[%d]", i)
		label := fmt.Sprintf("product %d", i+1)

		switch {
		case pr.SKU == "":
			c.required(at+".sku", pr.SKU, "")
		case !skuPattern.MatchString(pr.SKU):
			c.errorf(at+".sku", "sku %s is invalid: use up to 64 letters, digits, dots, dashes and underscores, starting with a letter or digit", c.show(at+".sku", pr.SKU))
		default:
			label = "product " + c.show(at+".sku", pr.SKU)
			if first, dup := firstSKU[pr.SKU]; dup {
				v, _ := c.src.at(first)
				c.errorf(at+".sku", "duplicate sku %s (first used at line %d)", c.show(at+".sku", pr.SKU), v.line)
			} else {
				firstSKU[pr.SKU] = at + ".sku"
			}
		}

		if pr.Name[def] == "" && !c.failed("locales") && !c.failed(at+".name") && !c.failed(at+".name."+def) {
			c.errorf(at+".name", "%s has no name in the default locale %s", label, c.show("locales[0]", def))
		}
		c.localized(at+".name", pr.Name)
		c.localized(at+".description", pr.Description)

		if c.required(at+".price", pr.Price, "") {
			c.amount(at+".price", "price", pr.Price)
		}
		if pr.Stock < 0 && !c.failed(at+".stock") {
			c.errorf(at+".stock", "stock must not be negative, got %d", pr.Stock)
		}
		if img := pr.Image; img != "" && !c.failed(at+".image") {
			u, err := url.Parse(img)
			absPath := err == nil && u.Scheme == "" && u.Host == "" && strings.HasPrefix(img, "/")
			webURL := err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
			if !absPath && !webURL {
				c.errorf(at+".image", "image %s must be an http(s) URL or a path starting with /", c.show(at+".image", img))
			}
		}
	}
}

// localized checks the locales of a per-locale text.
func (c *checker) localized(path string, texts map[string]string) {
	for l, s := range texts {
		p := path + "." + l
		switch {
		case !knownLocales[l]:
			c.errorf(p, "unknown locale %q%s", l, localeHint(l))
		case s == "" && !c.failed(p):
			c.errorf(p, "%s must not be empty", p)
		}
	}
}

func (c *checker) handoff() {
	h := &c.f.Handoff
	if len(h.Keywords) == 0 {
		h.Keywords = keywordsFor(c.f.Locales)
	}
	if !c.has("handoff.after_failed_turns") {
		h.AfterFailedTurns = DefaultAfterFailedTurns
	}
	if h.AfterFailedTurns < 0 && !c.failed("handoff.after_failed_turns") {
		c.errorf("handoff.after_failed_turns", "handoff.after_failed_turns must not be negative, got %d (0 never hands off for that)", h.AfterFailedTurns)
	}
	if !c.has("handoff.after_failed_payments") {
		h.AfterFailedPayments = DefaultAfterFailedPayments
	}
	if h.AfterFailedPayments < 0 && !c.failed("handoff.after_failed_payments") {
		c.errorf("handoff.after_failed_payments", "handoff.after_failed_payments must not be negative, got %d (0 never hands off for that)", h.AfterFailedPayments)
	}
	if h.BusinessHours != "" && !c.failed("handoff.business_hours") {
		if err := checkBusinessHours(h.BusinessHours); err != nil {
			if v, _ := c.src.at("handoff.business_hours"); v.env {
				err = errors.New("is not valid")
			}
			c.errorf("handoff.business_hours", "handoff.business_hours %s %v; write it like \"Mon-Fri 09:00-18:00 Europe/Paris\"", c.show("handoff.business_hours", h.BusinessHours), err)
		}
	}
	c.cannedReplies()
	if h.Webhook != nil {
		c.webhook(h.Webhook)
	}
}

// MinWebhookSecret is the shortest hand-off webhook secret accepted: 32
// characters of a random hex string carry 128 bits, which is what an
// HMAC-SHA256 key needs not to be guessed.
const MinWebhookSecret = 32

// webhook checks the hand-off webhook: an https URL (plain http only to
// this machine, where nothing crosses a network) and a long enough secret.
func (c *checker) webhook(w *Webhook) {
	const at = "handoff.webhook"
	if c.required(at+".url", w.URL, "") && !c.failed(at+".url") {
		u, err := url.Parse(w.URL)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
			c.errorf(at+".url", "%s.url %s is not an https:// URL", at, c.show(at+".url", w.URL))
		case u.User != nil:
			c.errorf(at+".url", "%s.url must not carry a user or password; the signature authenticates the requests", at)
		case u.Scheme == "http" && !loopback(u.Hostname()):
			c.errorf(at+".url", "%s.url %s must use https:// (plain http is allowed only to localhost)", at, c.show(at+".url", w.URL))
		}
	}
	if c.required(at+".secret", w.Secret, "; it signs the requests (use ${VAR})") && !c.failed(at+".secret") && len(w.Secret) < MinWebhookSecret {
		c.errorf(at+".secret", "%s.secret is %d characters; it needs at least %d (try openssl rand -hex 32)", at, len(w.Secret), MinWebhookSecret)
	}
	// previous_secret is optional: the old secret, kept while the receiver
	// moves to the new one. It is held to the same length, and it must
	// differ from secret, or the rotation would be a mistake (the old
	// secret copied into both keys) that signs with nothing new.
	if w.PreviousSecret != "" && !c.failed(at+".previous_secret") {
		switch {
		case len(w.PreviousSecret) < MinWebhookSecret:
			c.errorf(at+".previous_secret", "%s.previous_secret is %d characters; it needs at least %d", at, len(w.PreviousSecret), MinWebhookSecret)
		case w.PreviousSecret == w.Secret:
			c.errorf(at+".previous_secret", "%s.previous_secret is the same as %s.secret; set secret to the new secret and previous_secret to the old one, or remove previous_secret", at, at)
		}
	}
}

// loopback reports whether host is this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// cannedReplies checks the inbox's ready-made answers: each has a title
// and a text in the default locale, the one every customer can fall back to.
func (c *checker) cannedReplies() {
	def := c.f.Locales[0]
	for i, r := range c.f.Handoff.CannedReplies {
		at := fmt.Sprintf("handoff.canned_replies[%d]", i)
		c.required(at+".title", strings.TrimSpace(r.Title), "")
		c.localized(at+".text", r.Text)
		if r.Text[def] == "" && !c.failed("locales") && !c.failed(at+".text") && !c.failed(at+".text."+def) {
			c.errorf(at+".text", "canned reply %d has no text in the default locale %s", i+1, c.show("locales[0]", def))
		}
	}
}

func (c *checker) policies() {
	p := &c.f.Policies
	if p.Refunds.AutoApproveBelow != "" {
		c.amount("policies.refunds.auto_approve_below", "policies.refunds.auto_approve_below", p.Refunds.AutoApproveBelow)
	}
	if !c.has("policies.refunds.window_days") {
		p.Refunds.WindowDays = DefaultRefundWindowDays
	}
	if p.Refunds.WindowDays < 0 && !c.failed("policies.refunds.window_days") {
		c.errorf("policies.refunds.window_days", "policies.refunds.window_days must not be negative, got %d", p.Refunds.WindowDays)
	}
	switch p.Consent.Before {
	case "":
		p.Consent.Before = "never"
	case "checkout", "start", "never":
	default:
		if !c.failed("policies.consent.before") {
			c.errorf("policies.consent.before", `policies.consent.before must be "checkout", "start" or "never", got %s`, c.show("policies.consent.before", p.Consent.Before))
		}
	}
	if !c.has("policies.retention_days") {
		p.RetentionDays = DefaultRetentionDays
	}
	if p.RetentionDays < 1 && !c.failed("policies.retention_days") {
		c.errorf("policies.retention_days", "policies.retention_days must be at least 1, got %d", p.RetentionDays)
	}
	if p.OrderTTL == "" && !c.has("policies.order_ttl") {
		p.OrderTTL = DefaultOrderTTL
	}
	if p.OrderTTL == "" {
		c.required("policies.order_ttl", p.OrderTTL, "")
	}
	c.duration("policies.order_ttl", p.OrderTTL)
	if !c.has("policies.max_quantity") {
		p.MaxQuantity = concierge.DefaultMaxQuantity
	}
	if (p.MaxQuantity < 1 || p.MaxQuantity > MaxLineQuantity) && !c.failed("policies.max_quantity") {
		c.errorf("policies.max_quantity", "policies.max_quantity must be between 1 and %d, got %d", MaxLineQuantity, p.MaxQuantity)
	}
}

// whatsappTemplatePurposes are the messages a template may stand for
// outside WhatsApp's 24-hour window: news of an order.
var whatsappTemplatePurposes = []string{"order_paid", "order_fulfilled", "order_expired", "order_cancelled", "order_refunded"}

var whatsappTemplateName = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)

func (c *checker) whatsappTemplates(w *WhatsApp) {
	for purpose, t := range w.Templates {
		path := "channels.whatsapp.templates." + purpose
		if !slices.Contains(whatsappTemplatePurposes, purpose) {
			c.errorf(path, "%s: unknown purpose %q (use %s)", path, purpose, strings.Join(whatsappTemplatePurposes, ", "))
			continue
		}
		if c.required(path+".name", t.Name, "") && !whatsappTemplateName.MatchString(t.Name) && !c.failed(path+".name") {
			c.errorf(path+".name", "%s.name %s must be lowercase letters, digits and _ as in WhatsApp Manager", path, c.show(path+".name", t.Name))
		}
		if t.Text != "" {
			c.templateText(path+".text", t.Text, 1)
		}
		if t.Language == "" {
			t.Language = "en"
			w.Templates[purpose] = t
		}
	}
	seen := map[string]int{}
	for i := range w.InboxTemplates {
		t := &w.InboxTemplates[i]
		path := fmt.Sprintf("channels.whatsapp.inbox_templates[%d]", i)
		if c.required(path+".name", t.Name, "") && !whatsappTemplateName.MatchString(t.Name) && !c.failed(path+".name") {
			c.errorf(path+".name", "%s.name %s must be lowercase letters, digits and _ as in WhatsApp Manager", path, c.show(path+".name", t.Name))
		}
		if t.Language == "" {
			t.Language = "en"
		}
		if c.required(path+".text", t.Text, ": the approved body, with {{1}} … where the variables go") {
			c.templateText(path+".text", t.Text, len(t.Params))
		}
		for j, l := range t.Params {
			c.required(fmt.Sprintf("%s.params[%d]", path, j), strings.TrimSpace(l), "")
		}
		key := t.Name + "|" + t.Language
		if j, ok := seen[key]; ok && t.Name != "" {
			c.errorf(path, "%s: template %s in %s is already listed at inbox_templates[%d]", path, t.Name, t.Language, j)
		}
		seen[key] = i
	}
}

// MaxTemplateText is the longest body WhatsApp accepts for a template.
const MaxTemplateText = 1024

var templateVar = regexp.MustCompile(`\{\{\s*([0-9]+)\s*\}\}`)

// templateText checks a template's approved body: at most
// MaxTemplateText characters, with its variables numbered {{1}} to
// {{params}}, each at least once and none other, as WhatsApp Manager
// numbers them.
func (c *checker) templateText(path, text string, params int) {
	if c.failed(path) {
		return
	}
	if n := utf8.RuneCountInString(text); n > MaxTemplateText {
		c.errorf(path, "%s is %d characters; WhatsApp allows %d in a template's body", path, n, MaxTemplateText)
	}
	used := map[int]bool{}
	for _, m := range templateVar.FindAllStringSubmatch(text, -1) {
		n, _ := strconv.Atoi(m[1])
		used[n] = true
	}
	for _, n := range slices.Sorted(maps.Keys(used)) {
		if n < 1 || n > params {
			c.errorf(path, "%s uses {{%d}} but has %d variables: number them {{1}} to {{%d}}", path, n, params, params)
			return
		}
	}
	for n := 1; n <= params; n++ {
		if !used[n] {
			c.errorf(path, "%s has no {{%d}}, but it has %d variables: number them {{1}} to {{%d}} without gaps", path, n, params, params)
			return
		}
	}
}

// wechatMenu checks a WeChat custom menu: up to 3 buttons, each with a
// name and either a key, a url or up to 5 sub-buttons.
func (c *checker) wechatMenu(bs []WeChatMenuButton) {
	if len(bs) > 3 {
		c.errorf("channels.wechat.menu", "channels.wechat.menu has %d buttons; WeChat allows 3", len(bs))
	}
	var check func(path string, b WeChatMenuButton, top bool)
	check = func(path string, b WeChatMenuButton, top bool) {
		c.required(path+".name", b.Name, "")
		switch {
		case top && len(b.SubButtons) > 0:
			if len(b.SubButtons) > 5 {
				c.errorf(path+".sub_buttons", "%s.sub_buttons has %d buttons; WeChat allows 5", path, len(b.SubButtons))
			}
			for i, sb := range b.SubButtons {
				check(fmt.Sprintf("%s.sub_buttons[%d]", path, i), sb, false)
			}
		case len(b.SubButtons) > 0:
			c.errorf(path+".sub_buttons", "%s: only top-level buttons have sub_buttons", path)
		case (b.Key == "") == (b.URL == ""):
			c.errorf(path, "%s needs exactly one of key and url", path)
		}
	}
	for i, b := range bs {
		check(fmt.Sprintf("channels.wechat.menu[%d]", i), b, true)
	}
}

// merchantCert checks the WeChat Pay merchant certificate, given either as
// cert_file and key_file or as cert_p12: readable, a pair, and not
// expired, so that a refund does not first fail in front of a supervisor.
// Relative paths become relative to the bot file.
func (c *checker) merchantCert(w *WeChatPay) {
	if w.CertP12 != "" || c.has("payments.wechatpay.cert_p12") {
		c.merchantP12(w)
		return
	}
	if c.has("payments.wechatpay.cert_p12_password") {
		c.errorf("payments.wechatpay.cert_p12_password", "payments.wechatpay.cert_p12_password is set without cert_p12")
	}
	if w.CertFile == "" && w.KeyFile == "" {
		return
	}
	if !c.required("payments.wechatpay.cert_file", w.CertFile, ": key_file is set, and the refund API needs both (apiclient_cert.pem)") ||
		!c.required("payments.wechatpay.key_file", w.KeyFile, ": cert_file is set, and the refund API needs both (apiclient_key.pem)") {
		return
	}
	c.relative(&w.CertFile)
	c.relative(&w.KeyFile)
	pair, err := tls.LoadX509KeyPair(w.CertFile, w.KeyFile)
	if err != nil {
		c.errorf("payments.wechatpay.cert_file", "payments.wechatpay: cannot use the merchant certificate %s with key %s: %v", w.CertFile, w.KeyFile, err)
		return
	}
	c.notExpired("payments.wechatpay.cert_file", pair.Leaf)
}

// merchantP12 checks cert_p12, the certificate and key in WeChat Pay's
// apiclient_cert.p12, opened with cert_p12_password or else the mch_id.
func (c *checker) merchantP12(w *WeChatPay) {
	const path = "payments.wechatpay.cert_p12"
	for _, other := range []string{"cert_file", "key_file"} {
		if c.has("payments.wechatpay." + other) {
			c.errorf(path, "%s and %s are two ways to give the same certificate; keep one", path, other)
			return
		}
	}
	if !c.required(path, w.CertP12, "") {
		return
	}
	if !c.has("payments.wechatpay.cert_p12_password") {
		w.CertP12Password = w.MchID
	}
	c.relative(&w.CertP12)
	data, err := os.ReadFile(w.CertP12)
	if err != nil {
		c.errorf(path, "%s: cannot read the merchant certificate: %v", path, err)
		return
	}
	key, cert, err := pkcs12.Decode(data, w.CertP12Password)
	var unsupported pkcs12.NotImplementedError
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword) && c.has("payments.wechatpay.cert_p12_password"):
		c.errorf("payments.wechatpay.cert_p12_password", "%s: wrong password for %s", path+"_password", w.CertP12)
		return
	case errors.Is(err, pkcs12.ErrIncorrectPassword):
		c.errorf(path, "%s: %s does not open with the mch_id as password; set cert_p12_password", path, w.CertP12)
		return
	case errors.As(err, &unsupported):
		c.errorf(path, "%s: cannot read %s (%v); WeChat Pay's own file can be read, or export it again with `openssl pkcs12 -export -legacy`", path, w.CertP12, err)
		return
	case err != nil:
		c.errorf(path, "%s: %s is not a PKCS#12 file with one certificate and its key: %v", path, w.CertP12, err)
		return
	}
	// The runtime builds its TLS certificate the same way; checking the
	// pair here means a key of another certificate fails at load.
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err == nil {
		_, err = tls.X509KeyPair(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}),
			pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
	}
	if err != nil {
		c.errorf(path, "%s: cannot use the merchant certificate in %s: %v", path, w.CertP12, err)
		return
	}
	c.notExpired(path, cert)
}

// relative makes *p relative to the bot file's folder unless absolute.
func (c *checker) relative(p *string) {
	if !filepath.IsAbs(*p) {
		*p = filepath.Join(filepath.Dir(c.src.path), *p)
	}
}

// notExpired reports a merchant certificate past its end at path.
func (c *checker) notExpired(path string, leaf *x509.Certificate) {
	if leaf != nil && time.Now().After(leaf.NotAfter) {
		c.errorf(path, "%s: the merchant certificate expired on %s; download a new one in the merchant platform (账户中心 → API安全)", path, leaf.NotAfter.Format("2006-01-02"))
	}
}

package config

import (
	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/catalogfeed"
)

// File is one merchant bot file, field for field. Load fills it from YAML,
// expands ${VAR} references, applies the defaults documented on each field
// and checks it; a File returned by Load is valid.
//
// Fields carry yaml tags for decoding, json tags for JSON Schema reflection
// (see Schema) and a description for editors. Optional sections are
// pointers: nil means the section is absent from the file.
type File struct {
	ID       string   `yaml:"bot" json:"bot" jsonschema:"required,pattern=^[a-z0-9][a-z0-9-]{0\\,62}$,description=The bot's id: lowercase letters and digits and dashes; it appears in URLs such as /chat/{bot} and /webhooks/{bot}/telegram and must be unique in one server."`
	Name     string   `yaml:"name" json:"name,omitempty" jsonschema:"description=The shop's name as customers see it. Defaults to the bot id."`
	Locales  []string `yaml:"locales" json:"locales,omitempty" jsonschema:"description=The languages the bot speaks as BCP 47 base languages (en fr zh …). The first is the default: every product needs a name in it. Defaults to [en].,default=en"`
	Currency string   `yaml:"currency" json:"currency,omitempty" jsonschema:"description=The ISO 4217 currency of every price (EUR USD CNY …). Defaults to EUR.,default=EUR,pattern=^[A-Z]{3}$"`
	Brain    Brain    `yaml:"brain" json:"brain,omitzero" jsonschema:"description=What answers customers: the offline rules brain or an LLM."`
	Channels Channels `yaml:"channels" json:"channels,omitzero" jsonschema:"description=The messaging platforms the bot listens on. Without this section only the web chat widget is enabled."`
	Payments Payments `yaml:"payments" json:"payments,omitzero" jsonschema:"description=How customers pay. Without this section sandbox payments are enabled."`
	Catalog  Catalog  `yaml:"catalog" json:"catalog,omitzero" jsonschema:"description=What the shop sells."`
	Handoff  Handoff  `yaml:"handoff" json:"handoff,omitzero" jsonschema:"description=When a conversation goes to a person in the inbox."`
	Policies Policies `yaml:"policies" json:"policies,omitzero" jsonschema:"description=The merchant's rules that the server enforces whatever the brain proposes."`
	Speech   *Speech  `yaml:"speech" json:"speech,omitempty" jsonschema:"description=Where customers' voice notes are transcribed: an OpenAI-compatible /audio/transcriptions endpoint (OpenAI or Groq or a local whisper.cpp or faster-whisper server). Without it voice notes other than WeChat's recognised ones get an answer asking the customer to write (see docs/voice.md)."`
	Agents   *Agents  `yaml:"agents" json:"agents,omitempty" jsonschema:"description=Outside AI agents that may buy from the shop: UCP and ACP and MCP (see docs/agents.md)."`

	// src remembers where the file came from and where each value sits in
	// it; it is nil for a File built in code.
	src *source

	// feeds are the products read from catalog.sources, in order, and
	// feedReports what each source gave (see sources.go).
	feeds       []catalogfeed.Item
	feedFrom    []int // the index in Catalog.Sources of each of feeds
	feedReports []FeedReport
}

// Brain chooses and configures what answers customers.
type Brain struct {
	Kind concierge.BrainKind `yaml:"kind" json:"kind,omitempty" jsonschema:"enum=rules,enum=llm,default=rules,description=rules answers offline from the catalog with no account anywhere; llm asks an OpenAI-compatible model that may use the shop's tools. Defaults to rules."`
	LLM  *LLM                `yaml:"llm" json:"llm,omitempty" jsonschema:"description=The OpenAI-compatible model used when kind is llm; ignored otherwise."`
}

// LLM configures an OpenAI-compatible chat completions endpoint.
type LLM struct {
	BaseURL      string            `yaml:"base_url" json:"base_url" jsonschema:"description=The API base URL such as https://api.openai.com/v1 or a local server's (Ollama or vLLM or llama.cpp). Required when brain.kind is llm."`
	Model        string            `yaml:"model" json:"model" jsonschema:"description=The model name such as gpt-4o-mini. Required when brain.kind is llm."`
	APIKey       string            `yaml:"api_key" json:"api_key,omitempty" jsonschema:"description=The API key; use ${VAR} to read it from the environment. Local servers may need none."`
	Organization string            `yaml:"organization" json:"organization,omitempty" jsonschema:"description=The OpenAI organization id if the key needs one."`
	Timeout      string            `yaml:"timeout" json:"timeout,omitempty" jsonschema:"description=How long one model call may take as a Go duration such as 30s; empty leaves the client's default."`
	Headers      map[string]string `yaml:"headers" json:"headers,omitempty" jsonschema:"description=Extra HTTP headers sent with every request such as an API gateway's key or Azure's api-key; use ${VAR} for secrets."`
	Persona      string            `yaml:"persona" json:"persona,omitempty" jsonschema:"maxLength=2000,description=The assistant's manner in the merchant's words (tone and formality and what to call customers); it goes into the system prompt before the shop's rules which always win. At most 2000 characters."`
	// The bounds of cost and time; zero keeps the brain's defaults.
	MaxModelCalls           int    `yaml:"max_model_calls" json:"max_model_calls,omitempty" jsonschema:"minimum=1,default=5,description=The most model calls one customer message may cause. Defaults to 5."`
	MaxToolSteps            int    `yaml:"max_tool_steps" json:"max_tool_steps,omitempty" jsonschema:"minimum=1,default=8,description=The most tool calls (search or add to cart …) one customer message may cause. Defaults to 8."`
	TurnTimeout             string `yaml:"turn_timeout" json:"turn_timeout,omitempty" jsonschema:"description=How long the model may work on one customer message in all as a Go duration such as 25s; past it the rules brain answers. Defaults to 25s; at most 1m."`
	HistoryTokens           int    `yaml:"history_tokens" json:"history_tokens,omitempty" jsonschema:"minimum=200,default=2000,description=About how many tokens of the conversation are sent verbatim; older messages are summarised by the model. Defaults to 2000."`
	ConversationTokenBudget int    `yaml:"conversation_token_budget" json:"conversation_token_budget,omitempty" jsonschema:"minimum=0,default=0,description=The most tokens (prompt and completion) one conversation may use; once reached the rules brain answers that conversation without the model. 0 (the default) is unlimited."`
}

// Speech configures the transcription of customers' voice notes.
type Speech struct {
	BaseURL   string   `yaml:"base_url" json:"base_url" jsonschema:"required,description=The API base URL such as https://api.openai.com/v1 or https://api.groq.com/openai/v1 or a local server's such as http://localhost:8000/v1."`
	Model     string   `yaml:"model" json:"model" jsonschema:"required,description=The transcription model such as whisper-1 or whisper-large-v3 or gpt-4o-transcribe. Models that answer verbose_json are judged on their confidence; those that answer json only are used as they answer."`
	APIKey    string   `yaml:"api_key" json:"api_key,omitempty" jsonschema:"description=The API key; use ${VAR} to read it from the environment. Local servers may need none."`
	Languages []string `yaml:"languages" json:"languages,omitempty" jsonschema:"description=The base languages a voice note may be in such as [fr en zh]; a transcript in another language is treated as not understood. A single language is also sent as the hint. Defaults to the bot's locales."`
	Timeout   string   `yaml:"timeout" json:"timeout,omitempty" jsonschema:"description=How long one transcription may take as a Go duration such as 30s; past it the customer is asked to write. Defaults to 30s; at most 90s."`
	Formats   []string `yaml:"formats" json:"formats,omitempty" jsonschema:"description=The audio formats the endpoint takes among ogg mp3 amr awb wav flac webm m4a; a voice note in another is answered asking the customer to write and is never sent. Defaults to all of them except amr and awb for api.openai.com and api.groq.com and *.openai.azure.com which refuse AMR (WeChat's voice)."`
}

// Channels lists the messaging platforms a bot listens on.
type Channels struct {
	Web      *Web      `yaml:"web" json:"web,omitempty" jsonschema:"description=The web chat widget served at /chat/{bot}."`
	Telegram *Telegram `yaml:"telegram" json:"telegram,omitempty" jsonschema:"description=A Telegram bot made with @BotFather."`
	WhatsApp *WhatsApp `yaml:"whatsapp" json:"whatsapp,omitempty" jsonschema:"description=A WhatsApp Business number on the Cloud API."`
	WeChat   *WeChat   `yaml:"wechat" json:"wechat,omitempty" jsonschema:"description=A WeChat Official Account."`
}

// Web configures the web chat widget.
type Web struct {
	Enabled bool `yaml:"enabled" json:"enabled" jsonschema:"default=true,description=Serve the web chat widget at /chat/{bot}. Defaults to true when the web section is present."`
}

// Telegram configures a Telegram bot.
type Telegram struct {
	Token       string `yaml:"token" json:"token" jsonschema:"required,description=The bot token from @BotFather; use ${VAR}."`
	SecretToken string `yaml:"secret_token" json:"secret_token,omitempty" jsonschema:"description=The secret Telegram sends in the X-Telegram-Bot-Api-Secret-Token header (1-256 characters of A-Z a-z 0-9 _ -). Required in webhook mode; use ${VAR}."`
	APIEndpoint string `yaml:"api_endpoint" json:"api_endpoint,omitempty" jsonschema:"description=The Bot API server; a self-hosted one works too. Defaults to https://api.telegram.org.,default=https://api.telegram.org"`
	Mode        string `yaml:"mode" json:"mode,omitempty" jsonschema:"enum=webhook,enum=polling,default=webhook,description=webhook has Telegram POST updates to /webhooks/{bot}/telegram; polling asks for them (for a server that cannot be reached from the internet). Defaults to webhook."`
	// RatePerSecond and ChatRatePerSecond bound outbound sends; Telegram
	// documents about 30 messages a second in all and 1 a second per chat.
	RatePerSecond     int `yaml:"rate_per_second" json:"rate_per_second,omitempty" jsonschema:"minimum=1,default=30,description=Messages per second the bot sends in all (Telegram's limit is about 30; paid broadcasts and self-hosted test servers allow more). Defaults to 30."`
	ChatRatePerSecond int `yaml:"chat_rate_per_second" json:"chat_rate_per_second,omitempty" jsonschema:"minimum=1,default=1,description=Messages per second to one chat (short bursts of 5 are allowed). Defaults to 1."`
}

// WhatsApp configures a WhatsApp Business number on the Cloud API.
type WhatsApp struct {
	PhoneNumberID string `yaml:"phone_number_id" json:"phone_number_id" jsonschema:"required,description=The id of the business phone number (not the number itself)."`
	AccessToken   string `yaml:"access_token" json:"access_token" jsonschema:"required,description=A system user access token; use ${VAR}."`
	AppSecret     string `yaml:"app_secret" json:"app_secret" jsonschema:"required,description=The Meta app secret that signs webhook payloads (X-Hub-Signature-256); use ${VAR}."`
	VerifyToken   string `yaml:"verify_token" json:"verify_token" jsonschema:"required,description=The token you chose when subscribing the webhook; use ${VAR}."`
	GraphAPIURL   string `yaml:"graph_api_url" json:"graph_api_url,omitempty" jsonschema:"description=The Graph API base URL with its version. Defaults to https://graph.facebook.com/v21.0.,default=https://graph.facebook.com/v21.0"`
	// Templates are approved message templates, by purpose, for writing to
	// a customer more than 24 hours after their last message.
	Templates map[string]WhatsAppTemplate `yaml:"templates" json:"templates,omitempty" jsonschema:"description=Approved message templates used outside WhatsApp's 24-hour window by purpose: order_paid or order_fulfilled or order_expired or order_cancelled or order_refunded. Each template's body has one variable: the order number. Without a template such messages are refused and recorded as undeliverable."`
	// InboxTemplates are the approved templates people in the inbox may
	// send once the 24-hour window is closed, to reopen a conversation.
	InboxTemplates []WhatsAppInboxTemplate `yaml:"inbox_templates" json:"inbox_templates,omitempty" jsonschema:"description=Approved message templates that people in the inbox may send when WhatsApp's 24-hour window is closed. When none is given the inbox offers the order templates instead."`
}

// WhatsAppInboxTemplate is an approved template a person may send from
// the inbox: its text is shown, with the variables filled in, before it
// is sent, and Params labels the inputs for {{1}}, {{2}} ….
type WhatsAppInboxTemplate struct {
	Name     string   `yaml:"name" json:"name" jsonschema:"required,pattern=^[a-z0-9_]{1\\,512}$,description=The template's name as approved in WhatsApp Manager such as follow_up."`
	Language string   `yaml:"language" json:"language,omitempty" jsonschema:"default=en,description=The template's language code such as en_US or fr. Defaults to en."`
	Text     string   `yaml:"text" json:"text" jsonschema:"required,maxLength=1024,description=The approved body as in WhatsApp Manager with {{1}} {{2}} … where the variables go (at most 1024 characters)."`
	Params   []string `yaml:"params" json:"params,omitempty" jsonschema:"description=A label for each variable in order ({{1}} first) shown to the person filling it in. As many as the text has variables."`
}

// WhatsAppTemplate names one approved WhatsApp message template.
type WhatsAppTemplate struct {
	Name     string `yaml:"name" json:"name" jsonschema:"required,pattern=^[a-z0-9_]{1\\,512}$,description=The template's name as approved in WhatsApp Manager such as order_update."`
	Language string `yaml:"language" json:"language,omitempty" jsonschema:"default=en,description=The template's language code such as en_US or fr. Defaults to en."`
	// Text is the approved body, shown in the inbox and kept in the
	// transcript in place of a bare name.
	Text string `yaml:"text" json:"text,omitempty" jsonschema:"maxLength=1024,description=The approved body as in WhatsApp Manager with {{1}} where the order number goes; shown in the inbox and the transcript. Optional."`
}

// WeChat configures a WeChat Official Account.
type WeChat struct {
	AppID          string `yaml:"app_id" json:"app_id" jsonschema:"required,description=The Official Account's AppID."`
	AppSecret      string `yaml:"app_secret" json:"app_secret" jsonschema:"required,description=The AppSecret used to get access tokens; use ${VAR}."`
	Token          string `yaml:"token" json:"token" jsonschema:"required,description=The server token that signs WeChat's requests; use ${VAR}."`
	EncodingAESKey string `yaml:"encoding_aes_key" json:"encoding_aes_key,omitempty" jsonschema:"description=The 43-character EncodingAESKey for safe mode; empty means plaintext mode. Use ${VAR}."`
	APIBase        string `yaml:"api_base" json:"api_base,omitempty" jsonschema:"description=The WeChat API base URL. Defaults to https://api.weixin.qq.com.,default=https://api.weixin.qq.com"`
	OriginalID     string `yaml:"original_id" json:"original_id,omitempty" jsonschema:"description=The account's original id (gh_…); when set, messages addressed to another account are refused."`
	// TokenCache, when set, is the Redis server through which replicas
	// share the access token, in place of the database.
	TokenCache string `yaml:"token_cache" json:"token_cache,omitempty" jsonschema:"description=A redis:// or rediss:// URL such as redis://127.0.0.1:6379/0 through which the servers share the access token instead of the database. Use ${VAR} when it holds a password."`
	// Menu is the custom menu that concierge wechat menu publishes.
	Menu []WeChatMenuButton `yaml:"menu" json:"menu,omitempty" jsonschema:"maxItems=3,description=The account's custom menu (up to 3 buttons of up to 5 sub-buttons) published by concierge wechat menu. A button with a key sends it as a button press such as orders or human or browse:desk; one with a url opens the page."`
}

// WeChatMenuButton is one button of a WeChat custom menu.
type WeChatMenuButton struct {
	Name       string             `yaml:"name" json:"name" jsonschema:"required,description=The label such as 逛逛商品 (up to 16 bytes at the top and 60 below)."`
	Key        string             `yaml:"key" json:"key,omitempty" jsonschema:"description=The button's value sent back when pressed such as orders or human."`
	URL        string             `yaml:"url" json:"url,omitempty" jsonschema:"description=A page to open instead."`
	SubButtons []WeChatMenuButton `yaml:"sub_buttons" json:"sub_buttons,omitempty" jsonschema:"maxItems=5,description=Up to 5 buttons under this one."`
}

// Payments lists the payment providers of a bot. A real provider and the
// sandbox are never configured together.
type Payments struct {
	Telegram  *TelegramPayments `yaml:"telegram" json:"telegram,omitempty" jsonschema:"description=Telegram invoices inside Telegram chats: a payment provider token and/or Telegram Stars for digital goods."`
	Stripe    *Stripe           `yaml:"stripe" json:"stripe,omitempty" jsonschema:"description=Stripe Checkout links."`
	WeChatPay *WeChatPay        `yaml:"wechatpay" json:"wechatpay,omitempty" jsonschema:"description=WeChat Pay."`
	Sandbox   *Sandbox          `yaml:"sandbox" json:"sandbox,omitempty" jsonschema:"description=Fake payments for local use; refused when any real provider is configured."`
}

// TelegramPayments configures payments through Telegram invoices.
type TelegramPayments struct {
	ProviderToken   string `yaml:"provider_token" json:"provider_token,omitempty" jsonschema:"description=The payment provider token from @BotFather; use ${VAR}. May be empty when only Stars are used."`
	StarsForDigital bool   `yaml:"stars_for_digital" json:"stars_for_digital,omitempty" jsonschema:"description=Sell digital products in Telegram Stars as Telegram requires."`
	StarsPerUnit    int    `yaml:"stars_per_unit" json:"stars_per_unit,omitempty" jsonschema:"minimum=1,description=How many Telegram Stars one unit of the shop currency is worth when a cart of digital products is sold in Stars (rounded up to whole Stars). Defaults to 50."`
}

// Stripe configures Stripe Checkout.
type Stripe struct {
	SecretKey     string `yaml:"secret_key" json:"secret_key" jsonschema:"required,description=The secret API key (sk_live_… or sk_test_…); use ${VAR}."`
	WebhookSecret string `yaml:"webhook_secret" json:"webhook_secret" jsonschema:"required,description=The signing secret of the webhook endpoint /webhooks/{bot}/stripe (whsec_…); use ${VAR}."`
	APIBase       string `yaml:"api_base" json:"api_base,omitempty" jsonschema:"description=The Stripe API base URL (stripe-mock in tests). Defaults to https://api.stripe.com.,default=https://api.stripe.com"`
	ReturnURL     string `yaml:"return_url" json:"return_url,omitempty" jsonschema:"description=Where customers land after paying or cancelling on Stripe's page; it should lead back to the chat such as https://wa.me/15551234567 or https://t.me/yourbot. Defaults to this server's web chat /chat/{bot}."`
}

// WeChatPay configures WeChat Pay.
type WeChatPay struct {
	MchID   string `yaml:"mch_id" json:"mch_id" jsonschema:"required,description=The merchant id."`
	APIKey  string `yaml:"api_key" json:"api_key" jsonschema:"required,description=The API key that signs requests and notifications; use ${VAR}."`
	APIBase string `yaml:"api_base" json:"api_base,omitempty" jsonschema:"description=The WeChat Pay API base URL. Defaults to https://api.mch.weixin.qq.com.,default=https://api.mch.weixin.qq.com"`
	// CertFile and KeyFile are the merchant's API certificate, which the
	// refund API requires; relative paths are relative to the bot file.
	CertFile string `yaml:"cert_file" json:"cert_file,omitempty" jsonschema:"description=The merchant API certificate (apiclient_cert.pem) that refunds from the inbox need; relative to the bot file. Without it WeChat Pay refunds are done in the merchant platform."`
	KeyFile  string `yaml:"key_file" json:"key_file,omitempty" jsonschema:"description=The certificate's private key (apiclient_key.pem); relative to the bot file. Required with cert_file."`
	// CertP12 is the same certificate and key as the apiclient_cert.p12
	// that WeChat Pay also issues, for merchants who kept only that file.
	CertP12 string `yaml:"cert_p12" json:"cert_p12,omitempty" jsonschema:"description=Instead of cert_file and key_file: the merchant API certificate and key as the apiclient_cert.p12 that WeChat Pay issues; relative to the bot file."`
	// CertP12Password opens CertP12; the config sets it to MchID when the
	// file does not say, as WeChat Pay's .p12 files use the mch_id.
	CertP12Password string `yaml:"cert_p12_password" json:"cert_p12_password,omitempty" jsonschema:"description=The password of cert_p12; use ${VAR}. Defaults to mch_id (the password of WeChat Pay's own file)."`
}

// Sandbox configures fake payments for local use.
type Sandbox struct {
	Enabled bool `yaml:"enabled" json:"enabled" jsonschema:"default=true,description=Offer a fake payment page that marks orders paid without money. Defaults to true when the sandbox section is present."`
	// Secret signs the sandbox's payment notifications. When it is empty it
	// stays empty here and the server generates a random one at start, so
	// sandbox links do not survive a restart.
	Secret string `yaml:"secret" json:"secret,omitempty" jsonschema:"description=Signs the sandbox's payment notifications. Leave empty and the server generates one at each start."`
}

// Catalog is what a shop sells.
type Catalog struct {
	Products []Product `yaml:"products" json:"products,omitempty" jsonschema:"description=The products; SKUs are unique."`
	// Sources are product feeds merged after Products, in order, a later
	// one winning on the fields it gives for the same SKU (see sources.go).
	Sources []Source `yaml:"sources" json:"sources,omitempty" jsonschema:"description=Product feeds (Google Merchant or Agentic Commerce or CSV; files or URLs) merged after products in order: a later source wins on the fields it gives for the same SKU; see docs/catalog.md."`
	// APIToken enables the catalog API for this bot (see package
	// livecatalog); empty leaves it off.
	APIToken string `yaml:"api_token" json:"api_token,omitempty" jsonschema:"minLength=32,description=Enables POST /api/catalog/{bot}/products and DELETE /api/catalog/{bot}/products/{sku} for callers sending Authorization: Bearer with this token; use ${VAR}. At least 32 characters (try openssl rand -hex 32). Changes are kept in the database. See docs/catalog.md."`
}

// Product is one item of the catalog.
type Product struct {
	SKU         string            `yaml:"sku" json:"sku" jsonschema:"required,pattern=^[A-Za-z0-9][A-Za-z0-9._-]{0\\,63}$,description=The product's unique code such as LAMP-01 (letters and digits and . _ - up to 64)."`
	Name        map[string]string `yaml:"name" json:"name" jsonschema:"required,description=The name per locale such as {fr: Lampe de chevet Aurore; en: Aurore bedside lamp}. The default locale is required."`
	Description map[string]string `yaml:"description" json:"description,omitempty" jsonschema:"description=A short description per locale."`
	Category    string            `yaml:"category" json:"category,omitempty" jsonschema:"description=A category such as desk or bulbs that customers can browse."`
	Price       string            `yaml:"price" json:"price" jsonschema:"required,pattern=^[0-9]+(\\.[0-9]+)?$,description=The price in the bot's currency as a quoted decimal such as \"49.00\"; no more decimals than the currency has."`
	Stock       int               `yaml:"stock" json:"stock,omitempty" jsonschema:"minimum=0,description=The stock at start; 0 means out of stock."`
	Tags        []string          `yaml:"tags" json:"tags,omitempty" jsonschema:"description=Words customers may search with in English such as warm light or dimmable."`
	Image       string            `yaml:"image" json:"image,omitempty" jsonschema:"description=An https URL or a path on this server such as /chat/static/img/desk.svg."`
	Digital     bool              `yaml:"digital" json:"digital,omitempty" jsonschema:"description=Nothing is shipped (gift cards or downloads); Telegram sells these in Stars."`
	Attrs       map[string]string `yaml:"attrs" json:"attrs,omitempty" jsonschema:"description=Attributes shown when comparing products such as lumens or color_temperature or power or dimmable or material or height."`
	Group       string            `yaml:"group" json:"group,omitempty" jsonschema:"description=Makes this product a variant: products with the same group (such as TRAIL-RUNNER) are the sizes and colours of one thing and are shown as one card with the choices; their attrs (such as size and color) tell them apart. Feeds call it item_group_id. See docs/catalog.md."`
}

// Handoff says when a conversation goes to a person.
type Handoff struct {
	Keywords            []string      `yaml:"keywords" json:"keywords,omitempty" jsonschema:"description=Words that hand the conversation to a person when a customer writes them. Defaults to words for the bot's locales (human and agent and humain and conseiller and 人工 …)."`
	AfterFailedTurns    int           `yaml:"after_failed_turns" json:"after_failed_turns,omitempty" jsonschema:"minimum=0,default=2,description=Hand off after this many turns in a row that the bot did not understand; 0 never does. Defaults to 2."`
	AfterFailedPayments int           `yaml:"after_failed_payments" json:"after_failed_payments,omitempty" jsonschema:"minimum=0,default=2,description=Hand off (reason payment_problem) when this many attempts to pay one order failed such as declined cards; 0 never does. Defaults to 2."`
	BusinessHours       string        `yaml:"business_hours" json:"business_hours,omitempty" jsonschema:"description=When people answer in the inbox such as Mon-Fri 09:00-18:00 Europe/Paris. Empty means always."`
	CannedReplies       []CannedReply `yaml:"canned_replies" json:"canned_replies,omitempty" jsonschema:"description=Ready-made answers that people may send from the inbox's reply box; the customer gets the text in their language or else in the default locale."`
	OfferPersonAtStart  bool          `yaml:"offer_person_at_start" json:"offer_person_at_start,omitempty" jsonschema:"description=Offer two buttons in the welcome and the first greeting: talk to a person or shop with the assistant. Defaults to false."`
	Webhook             *Webhook      `yaml:"webhook" json:"webhook,omitempty" jsonschema:"description=A signed HTTP POST to another helpdesk on every hand-off event (handoff.requested and handoff.claimed and handoff.resolved); see docs/inbox.md."`
}

// Webhook is where hand-off events are sent and the secret that signs them.
type Webhook struct {
	URL    string `yaml:"url" json:"url" jsonschema:"required,description=The receiver's https URL; plain http is allowed only to localhost or 127.0.0.1 or ::1 (for tests and a receiver on the same machine)."`
	Secret string `yaml:"secret" json:"secret" jsonschema:"required,minLength=32,description=The HMAC-SHA256 key of the Concierge-Signature header: at least 32 characters such as the output of openssl rand -hex 32; use ${VAR}."`
	// PreviousSecret is the old secret while it is being rotated: requests
	// are signed with both, so the receiver can switch at its own pace.
	PreviousSecret string `yaml:"previous_secret" json:"previous_secret,omitempty" jsonschema:"minLength=32,description=Optional: the old secret while you rotate it. Every request is then signed with both (two v1= values) so that a receiver holding either verifies it; remove it once the receiver has the new secret. Use ${VAR}."`
}

// CannedReply is one ready-made answer of the inbox.
type CannedReply struct {
	Title string            `yaml:"title" json:"title" jsonschema:"required,description=What people see in the inbox's list such as Delivery times."`
	Text  map[string]string `yaml:"text" json:"text" jsonschema:"required,description=The answer per locale such as {fr: …; en: …}. The default locale is required."`
}

// Policies are the merchant's rules.
type Policies struct {
	Refunds       Refunds `yaml:"refunds" json:"refunds,omitzero" jsonschema:"description=Who decides refunds."`
	Consent       Consent `yaml:"consent" json:"consent,omitzero" jsonschema:"description=When customers are asked to agree to the data policy."`
	RetentionDays int     `yaml:"retention_days" json:"retention_days,omitempty" jsonschema:"minimum=1,default=365,description=Days conversations and customer data are kept. Defaults to 365."`
	OrderTTL      string  `yaml:"order_ttl" json:"order_ttl,omitempty" jsonschema:"default=30m,description=How long an unpaid order keeps its stock reserved as a Go duration such as 30m or 2h. Defaults to 30m."`
	MaxQuantity   int     `yaml:"max_quantity" json:"max_quantity,omitempty" jsonschema:"minimum=1,maximum=10000,default=20,description=The most of one product a chat cart may hold (such as 500 for a print shop). A larger count in a message is refused; a number above it is read as part of a product's name where a name has it. Defaults to 20."`
}

// Refunds says which refunds need a person.
type Refunds struct {
	AutoApproveBelow string `yaml:"auto_approve_below" json:"auto_approve_below,omitempty" jsonschema:"pattern=^[0-9]+(\\.[0-9]+)?$,description=Refunds strictly below this amount such as \"20.00\" may be approved without a person; empty means every refund needs a person."`
	WindowDays       int    `yaml:"window_days" json:"window_days,omitempty" jsonschema:"minimum=0,default=30,description=Days after payment during which a refund may be asked. Defaults to 30."`
}

// Consent says when to ask for consent to the data policy.
type Consent struct {
	Before string `yaml:"before" json:"before,omitempty" jsonschema:"enum=checkout,enum=start,enum=never,default=never,description=Ask before the first checkout or at the start of a conversation or never. Defaults to never."`
}

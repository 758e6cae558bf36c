// Package concierge holds the vocabulary shared by every part of Concierge:
// the normalised inbound Event and outbound Message, conversations, customers,
// products, carts, orders, payments and hand-offs, the coded Error, and the
// small interfaces through which packages reach one another.
//
// It imports only the standard library. Every other package may import it;
// it imports none of them (see deps_test.go).
package concierge

// BotID names one merchant bot, as written in the bot file's `bot:` key
// (for example "maison-lumiere"). It is unique within one server.
type BotID string

// Channel names a messaging platform. The core never branches on its value;
// it is an address, and adapters declare what they can do through
// Capabilities.
type Channel string

// The channels Concierge knows how to address.
const (
	ChannelWeb      Channel = "web"
	ChannelTelegram Channel = "telegram"
	ChannelWhatsApp Channel = "whatsapp"
	ChannelWeChat   Channel = "wechat"
	ChannelCLI      Channel = "cli"
)

// ChatID is the platform's identifier of the place a conversation happens
// (a Telegram chat id, a WhatsApp phone number, a WeChat OpenID, a web
// session id). It is unique within (bot, channel).
type ChatID string

// ConversationID identifies a conversation; it is unique in the store.
type ConversationID int64

// SKU identifies a product in one bot's catalog.
type SKU string

// OrderID identifies an order. It is short, uppercase and safe to read aloud
// (for example "ML-7K3Q9D"); it is unique in the store.
type OrderID string

// Locale is a BCP 47 base language such as "fr", "en" or "zh".
type Locale string

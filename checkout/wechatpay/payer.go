package wechatpay

import (
	"context"

	"github.com/conciergehq/concierge"
)

// Conversations reads the conversation that placed an order.
type Conversations interface {
	GetConversation(ctx context.Context, id concierge.ConversationID) (*concierge.Conversation, error)
}

// PayerOf returns the function that finds who pays an order in WeChat:
// the OpenID of the WeChat customer whose conversation placed it, which a
// JSAPI payment inside WeChat needs, or "" when the order was placed on
// another channel (the payment page then shows a Native QR code).
func PayerOf(cs Conversations) func(ctx context.Context, o *concierge.Order) (string, error) {
	return func(ctx context.Context, o *concierge.Order) (string, error) {
		conv, err := cs.GetConversation(ctx, o.Conversation)
		if err != nil {
			return "", err
		}
		if conv.Channel != concierge.ChannelWeChat || conv.Bot != o.Bot {
			return "", nil
		}
		return string(conv.Chat), nil
	}
}

package llm

import (
	"context"
	"errors"
	"fmt"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

// Customer role-plays the customer of a staff-training case
// (docs/training.md) with a bot's model: from the case's anonymised
// packet, proposal and orders, and the line the real customer wrote next,
// it writes the customer's next message in its own words. It implements
// handoff.CustomerModel.
type Customer struct{ b *Brain }

// NewCustomer returns the role-player over cfg's model (the bot file's
// brain.llm).
func NewCustomer(cfg Config) (*Customer, error) {
	b, err := New(cfg, nil)
	if err != nil {
		return nil, err
	}
	return &Customer{b: b}, nil
}

// done is what the model answers when the customer has nothing more to
// say.
const done = "[done]"

// NextCustomer asks the model for the customer's next message; "" when it
// says the customer is done.
func (c *Customer) NextCustomer(ctx context.Context, tc *concierge.TrainingCase, sofar []concierge.TrainingMessage, scripted string) (string, error) {
	msgs := []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleSystem, Content: customerPrompt(tc, scripted)}}
	// The model is the customer: the customer's lines are its own
	// (assistant), the shop's are what it answers (user).
	for _, m := range sofar {
		switch m.Role {
		case "customer":
			msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: m.Text})
		case "trainee":
			msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: m.Text})
		default:
			msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: "(the shop's bot) " + m.Text})
		}
	}
	var u Usage
	msg, err := c.b.call(ctx, msgs, &u, false)
	if err != nil {
		return "", fmt.Errorf("llm: training customer: %w", err)
	}
	text := strings.TrimSpace(msg.Content)
	switch {
	case text == "":
		return "", fmt.Errorf("llm: training customer: %w", errEmpty)
	case strings.EqualFold(text, done):
		return "", nil
	case len(text) > 2000:
		return "", errors.New("llm: training customer: the model wrote more than a customer would")
	}
	return text, nil
}

// customerPrompt tells the model who it plays: the case's facts, and the
// real customer's next line to vary.
func customerPrompt(tc *concierge.TrainingCase, scripted string) string {
	var b strings.Builder
	b.WriteString("You play a customer of an online shop, writing in its chat, to train the shop's staff. ")
	b.WriteString("Stay in character: never say you are an AI or that this is training. Write one short chat message at a time, ")
	fmt.Fprintf(&b, "in the language %q. Answer what the staff member just wrote. ", string(tc.Locale))
	b.WriteString("Do not invent names, phone numbers, emails, addresses or order numbers beyond those below.\n\nThe case:\n")
	fmt.Fprintf(&b, "- kind: %s\n", tc.Kind)
	if p := tc.Packet; p != nil {
		fmt.Fprintf(&b, "- why you were handed to a person: %s\n", p.Summary)
		if p.CustomerSaid != "" {
			fmt.Fprintf(&b, "- what you said then: %q\n", p.CustomerSaid)
		}
	}
	for _, o := range tc.Orders {
		fmt.Fprintf(&b, "- your order %s: %s, %s", o.ID, o.State, money.Format(o.Total, "en"))
		for _, l := range o.Lines {
			fmt.Fprintf(&b, "; %d × %s", l.Quantity, l.Title)
		}
		b.WriteString("\n")
	}
	if pr := tc.Proposal; pr != nil && pr.Evidence.CustomerSaid != "" {
		fmt.Fprintf(&b, "- your complaint: %q\n", pr.Evidence.CustomerSaid)
	}
	if scripted != "" {
		fmt.Fprintf(&b, "\nThe real customer wrote next: %q. Say the same in your own words, adapted to what the staff member just wrote.", scripted)
	} else {
		fmt.Fprintf(&b, "\nThe real customer wrote nothing more. If your request is settled, answer exactly %s; otherwise ask what is still missing, briefly.", done)
	}
	return b.String()
}

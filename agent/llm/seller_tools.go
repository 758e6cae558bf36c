package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/conciergehq/concierge"
)

// The seller's assistant's tools. When a linked seller writes
// to a bot whose brain is this one and the seller's rules do not read the
// message, the model only chooses which seller operation was meant and
// with what arguments. It is given the message and nothing else: no shop
// data, no transcript, no customer's words, no credential. It runs
// nothing either: the seller package answers the chosen operation with
// the same code as a parsed message, so reads come from the same
// functions and changes wait for the same confirmation, role checks and
// audit log.

// SellerCall is the operation the model chose for a seller's message.
// Op is the name of one of sellerTools; the other fields are its
// arguments as the model gave them (the seller package checks them as it
// checks a parsed message's: products must exist, prices be in the
// shop's currency).
type SellerCall struct {
	Op      string
	Lang    string // en, fr or zh: the language of the message
	Period  string // today, week or month; "" for the default
	Product string // a SKU or words of a product's name
	N       int    // a stock count
	Amount  string // a price as written, with its currency
	ID      string // an order id, a refund (proposal) or conversation number
	Reason  string
}

// sellerTool is one operation offered to the model: its description and
// its arguments beyond "lang", which every tool requires.
type sellerTool struct {
	name, desc string
	props      map[string]any
	required   []string
}

var (
	periodProp = map[string]any{"type": "string", "enum": []any{"today", "week", "month"}, "description": "the period asked about; this week starts on Monday"}
	productArg = map[string]any{"type": "string", "description": "the product's SKU or the words of its name as the seller wrote them"}
)

// sellerTools are the seller's operations, named as the seller package's
// command kinds.
var sellerTools = []sellerTool{
	{"orders", "How many orders the shop received in a period.", map[string]any{"period": periodProp}, nil},
	{"revenue", "The shop's takings (payments and refunds) in a period.", map[string]any{"period": periodProp}, nil},
	{"inbox", "What is waiting for people in the inbox (handed-off conversations, refund proposals).", map[string]any{}, nil},
	{"stock", "The stock of one product.", map[string]any{"product": productArg}, []string{"product"}},
	{"low_stock", "The products that are low on stock or out of stock.", map[string]any{}, nil},
	{"best_sellers", "The best-selling products of a period (default this month).", map[string]any{"period": periodProp}, nil},
	{"order", "The details of one order, by its number.", map[string]any{"id": map[string]any{"type": "string", "description": "the order number as written, e.g. ML-K7QF3X or 1042"}}, []string{"id"}},
	{"set_stock", "Propose to set a product's stock count. Nothing changes until the seller confirms.",
		map[string]any{"product": productArg, "count": map[string]any{"type": "integer", "description": "the new count, as the seller gave it"}}, []string{"product", "count"}},
	{"set_price", "Propose to set a product's price. Nothing changes until the seller confirms.",
		map[string]any{"product": productArg, "price": map[string]any{"type": "string", "description": "the amount exactly as the seller wrote it, with the currency they wrote (e.g. \"39 €\"); never convert it"}}, []string{"product", "price"}},
	{"approve_refund", "Propose to approve refund proposal number N. Nothing changes until the seller confirms.",
		map[string]any{"refund": map[string]any{"type": "integer", "description": "the refund proposal's number"}}, []string{"refund"}},
	{"refuse_refund", "Propose to refuse refund proposal number N, with the seller's reason. Nothing changes until the seller confirms.",
		map[string]any{"refund": map[string]any{"type": "integer", "description": "the refund proposal's number"}, "reason": map[string]any{"type": "string", "description": "the seller's reason, in their words"}}, []string{"refund"}},
	{"hand_back", "Propose to hand conversation number N back to the bot. Nothing changes until the seller confirms.",
		map[string]any{"conversation": map[string]any{"type": "integer", "description": "the conversation's number"}}, []string{"conversation"}},
}

// sellerDefs are the tools as the model reads them.
func sellerDefs() []openai.Tool {
	out := make([]openai.Tool, 0, len(sellerTools))
	for _, st := range sellerTools {
		props := map[string]any{"lang": map[string]any{"type": "string", "enum": []any{"en", "fr", "zh"}, "description": "the language the seller wrote in"}}
		for k, v := range st.props {
			props[k] = v
		}
		params := map[string]any{"type": "object", "properties": props, "required": append([]any{"lang"}, anys(st.required)...), "additionalProperties": false}
		out = append(out, openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{Name: st.name, Description: st.desc, Parameters: params}})
	}
	return out
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

const sellerPrompt = `You route the messages of a shop's seller (its owner or staff) to the shop's operations.
Call one tool for each operation the message asks for, in the order the seller asked them (at most 4 calls; one when it asks for one thing), with the arguments the message gives; do not invent a product, number or amount the message does not contain.
If the message asks for none of them, answer with a short text and call no tool.
You do not see the shop's data and must not answer questions yourself: each tool's answer is shown to the seller by the shop, and each change waits for the seller's confirmation.`

// MaxSellerOps is the most operations one seller message may ask for.
// A model that calls more has misread the message (no seller asks for
// five things in a sentence), and the whole message is then not
// understood rather than cut.
const MaxSellerOps = 4

// ErrNoSellerOp is returned when the model chose no operation, or one
// that does not exist or whose arguments do not match its schema.
var ErrNoSellerOp = errors.New("llm: the model chose no seller operation")

// SellerCalls asks the model which seller operations text means: one
// call per thing the seller asked for ("orders today and revenue", "how
// many Aurore are left, and set Luna to 39 €"), in the seller's order,
// at most MaxSellerOps, the same call twice counted once. The model is
// asked once and reads no result: the operations are independent, each
// answered by the shop, and each change confirmed on its own. Any
// failure (timeout, outage, no call, one malformed call among several,
// too many) is an error, and the seller's assistant then answers as the
// rules do for a message they do not understand: a model that misread
// part of the message may have misread the rest.
// bot names the bot for the token metrics.
func (b *Brain) SellerCalls(ctx context.Context, bot concierge.BotID, text string) ([]SellerCall, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.TurnTimeout)
	defer cancel()
	req := openai.ChatCompletionRequest{Model: b.cfg.Model, Temperature: 0.2, Tools: sellerDefs(), ToolChoice: "auto",
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: sellerPrompt},
			{Role: openai.ChatMessageRoleUser, Content: text},
		}}
	var u Usage
	msg, err := b.complete(ctx, req, &u)
	var out []SellerCall
	if err == nil {
		out, err = decodeSellerCalls(msg.ToolCalls)
	}
	if b.cfg.Observe != nil {
		u.Outcome = "seller"
		if err != nil {
			u.Outcome = "seller:fallback:" + classify(ctx, err)
		}
		b.cfg.Observe(bot, u)
	}
	if err != nil {
		return nil, fmt.Errorf("llm: seller call: %w", err)
	}
	return out, nil
}

// decodeSellerCalls reads every call of one answer, or none.
func decodeSellerCalls(tcs []openai.ToolCall) ([]SellerCall, error) {
	if len(tcs) == 0 {
		return nil, ErrNoSellerOp
	}
	var out []SellerCall
	for _, tc := range tcs {
		c, err := decodeSellerCall(tc.Function.Name, tc.Function.Arguments)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	if len(out) > MaxSellerOps {
		return nil, fmt.Errorf("%w: %d operations in one message, at most %d", ErrNoSellerOp, len(out), MaxSellerOps)
	}
	return out, nil
}

// decodeSellerCall checks a call against its tool's schema (unknown
// fields, required fields, enums and types refused) and reads it.
func decodeSellerCall(name, args string) (SellerCall, error) {
	var def *openai.Tool
	defs := sellerDefs()
	for i := range defs {
		if defs[i].Function.Name == name {
			def = &defs[i]
		}
	}
	if def == nil {
		return SellerCall{}, fmt.Errorf("%w: there is no tool %q", ErrNoSellerOp, name)
	}
	var raw struct {
		Lang         string `json:"lang"`
		Period       string `json:"period"`
		Product      string `json:"product"`
		Count        *int   `json:"count"`
		Price        string `json:"price"`
		ID           string `json:"id"`
		Refund       int64  `json:"refund"`
		Conversation int64  `json:"conversation"`
		Reason       string `json:"reason"`
	}
	if strings.TrimSpace(args) == "" {
		args = "{}"
	}
	schema := def.Function.Parameters.(map[string]any)
	props := schema["properties"].(map[string]any)
	var got map[string]json.RawMessage
	if err := json.Unmarshal([]byte(args), &got); err != nil {
		return SellerCall{}, fmt.Errorf("%w: %s: %v", ErrNoSellerOp, name, err)
	}
	for k := range got {
		if _, ok := props[k]; !ok {
			return SellerCall{}, fmt.Errorf("%w: %s takes no %q", ErrNoSellerOp, name, k)
		}
	}
	if err := json.Unmarshal([]byte(args), &raw); err != nil {
		return SellerCall{}, fmt.Errorf("%w: %s: %v", ErrNoSellerOp, name, err)
	}
	if err := checkArgs(schema, args); err != nil {
		return SellerCall{}, fmt.Errorf("%w: %s: %v", ErrNoSellerOp, name, err)
	}
	c := SellerCall{Op: name, Lang: raw.Lang, Period: raw.Period, Product: strings.TrimSpace(raw.Product),
		Amount: strings.TrimSpace(raw.Price), ID: strings.TrimSpace(raw.ID), Reason: strings.TrimSpace(raw.Reason)}
	if raw.Count != nil {
		c.N = *raw.Count
	}
	switch {
	case raw.Refund != 0:
		c.ID = fmt.Sprint(raw.Refund)
	case raw.Conversation != 0:
		c.ID = fmt.Sprint(raw.Conversation)
	}
	return c, nil
}

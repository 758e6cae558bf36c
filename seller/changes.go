package seller

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

// ChangeTTL is how long a change waits for its confirmation.
const ChangeTTL = 10 * time.Minute

// Button values: "seller:yes:ID" confirms change ID, "seller:no:ID"
// cancels it.
const (
	yesPrefix = "seller:yes:"
	noPrefix  = "seller:no:"
)

// args is what a change does, stored with it as JSON.
type args struct {
	SKU      concierge.SKU            `json:"sku,omitempty"`
	N        int                      `json:"n,omitempty"`
	Price    concierge.Money          `json:"price,omitzero"`
	Proposal int64                    `json:"proposal,omitempty"`
	Note     string                   `json:"note,omitempty"`
	Conv     concierge.ConversationID `json:"conversation,omitempty"`
}

// propose checks a change, records it and asks for a confirmation with
// its before and after. Anything wrong is answered, and nothing is
// recorded.
func (s *session) propose(ctx context.Context, c Command) error {
	ch := &concierge.SellerChange{Person: s.p.ID, Bot: s.bot.ID, Conversation: s.conv.ID, Locale: s.loc, Action: string(c.Kind),
		ExpiresAt: s.tx.Now().Add(ChangeTTL)}
	var a args
	var what string
	switch c.Kind {
	case SetStock:
		p, err := s.product(ctx, c.Product)
		if p == nil || err != nil {
			return err
		}
		if c.N < 0 {
			return s.say(ctx, s.t("negative_stock", c.N))
		}
		n, err := s.tx.Stock(ctx, s.bot.ID, p.SKU)
		if err != nil {
			return err
		}
		a = args{SKU: p.SKU, N: c.N}
		ch.Target, ch.Before, ch.After = string(p.SKU), strconv.Itoa(n), strconv.Itoa(c.N)
		what = s.t("what_stock", p.Title(s.loc, s.bot.DefaultLocale()), p.SKU)
	case SetPrice:
		if s.p.Role != concierge.RoleSupervisor {
			// A price is money the customer pays: a supervisor's call,
			// as refund decisions are.
			return s.say(ctx, s.t("supervisor_prices"))
		}
		p, err := s.product(ctx, c.Product)
		if p == nil || err != nil {
			return err
		}
		price, err := ParsePrice(c.Amount, s.bot.Currency)
		if err != nil {
			return s.say(ctx, s.t("bad_price", err.Error()))
		}
		if s.a.prices() == nil {
			return s.say(ctx, s.t("no_prices"))
		}
		a = args{SKU: p.SKU, Price: price}
		ch.Target, ch.Before, ch.After = string(p.SKU), money.Format(p.Price, s.loc), money.Format(price, s.loc)
		what = s.t("what_price", p.Title(s.loc, s.bot.DefaultLocale()), p.SKU)
	case Approve, Refuse:
		pr, err := s.proposal(ctx, c)
		if pr == nil || err != nil {
			return err
		}
		a = args{Proposal: pr.ID, Note: c.Reason}
		ch.Target, ch.Before = "refund "+strconv.FormatInt(pr.ID, 10), string(pr.Status)
		if c.Kind == Approve {
			ch.After = string(concierge.ProposalApproved) + " " + money.Format(pr.Amount, s.loc)
		} else {
			ch.After = string(concierge.ProposalRefused)
			if c.Reason != "" {
				ch.After += ": " + c.Reason
			}
		}
		what = s.t("what_approve", pr.ID, pr.Order, money.Format(pr.Amount, s.loc), pr.Suggest)
	case HandBack:
		conv, who, err := s.handBackTarget(ctx, c)
		if conv == nil || err != nil {
			return err
		}
		a = args{Conv: conv.ID}
		ch.Target, ch.Before, ch.After = "conversation "+strconv.FormatInt(int64(conv.ID), 10), who, string(concierge.StateBot)
		what = s.t("what_handback", conv.ID)
	default:
		return s.say(ctx, s.t("unknown"))
	}
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	ch.Args = string(b)
	if err := s.tx.AddSellerChange(ctx, ch); err != nil {
		return err
	}
	id := strconv.FormatInt(ch.ID, 10)
	_, err = s.tx.Emit(ctx, s.conv, Author, concierge.Message{Kind: concierge.MessageText,
		Text:    s.t("confirm", what, ch.Before, ch.After),
		Buttons: []concierge.Button{{Label: s.t("yes"), Value: yesPrefix + id}, {Label: s.t("no"), Value: noPrefix + id}}})
	return err
}

// proposal reads the refund a decision is about, checking the person's
// role and the shop; it answers the seller and returns nil when the
// decision cannot be taken.
func (s *session) proposal(ctx context.Context, c Command) (*concierge.Proposal, error) {
	if s.p.Role != concierge.RoleSupervisor {
		return nil, s.say(ctx, s.t("supervisor_only"))
	}
	id, _ := strconv.ParseInt(c.ID, 10, 64)
	pr, err := s.tx.Proposal(ctx, id)
	if errors.Is(err, concierge.ErrNotFound) || (err == nil && (pr.Bot != s.bot.ID || !pr.Refunds())) {
		return nil, s.say(ctx, s.t("no_proposal", id))
	}
	if err != nil {
		return nil, err
	}
	if pr.Status != concierge.ProposalOpen {
		return nil, s.say(ctx, s.t("decided_before", pr.ID, pr.Status, pr.DecidedBy))
	}
	if c.Kind == Approve && pr.Amount.Minor <= 0 {
		return nil, s.say(ctx, s.t("no_amount", pr.ID))
	}
	return pr, nil
}

// handBackTarget reads the conversation to hand back and who has it;
// it answers the seller and returns nil when the person cannot.
func (s *session) handBackTarget(ctx context.Context, c Command) (*concierge.Conversation, string, error) {
	n, _ := strconv.ParseInt(c.ID, 10, 64)
	conv, err := s.tx.Conversation(ctx, concierge.ConversationID(n))
	if errors.Is(err, concierge.ErrNotFound) || (err == nil && conv.Bot != s.bot.ID) {
		return nil, "", s.say(ctx, s.t("no_conversation", n))
	}
	if err != nil {
		return nil, "", err
	}
	if conv.State != concierge.StateWaiting && conv.State != concierge.StateHuman {
		return nil, "", s.say(ctx, s.t("not_in_hands", n, conv.State))
	}
	_, owner, err := s.tx.Owner(ctx, conv.ID)
	if err != nil {
		return nil, "", err
	}
	if owner != "" && owner != s.p.Name {
		return nil, "", s.say(ctx, s.t("owned_by", n, owner))
	}
	if owner == "" {
		return conv, string(concierge.StateWaiting), nil
	}
	return conv, string(concierge.StateHuman) + " (" + owner + ")", nil
}

// press confirms or cancels a change, once: a second press, a press on
// an expired change or on another chat's button changes nothing.
func (s *session) press(ctx context.Context, value string) error {
	state, rest := "", ""
	switch {
	case strings.HasPrefix(value, yesPrefix):
		state, rest = concierge.ChangeConfirmed, strings.TrimPrefix(value, yesPrefix)
	case strings.HasPrefix(value, noPrefix):
		state, rest = concierge.ChangeCancelled, strings.TrimPrefix(value, noPrefix)
	default:
		return s.say(ctx, s.t("help")) // a shop button from before the link
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		return s.say(ctx, s.t("not_yours"))
	}
	ch, err := s.tx.SellerChange(ctx, id)
	if errors.Is(err, concierge.ErrNotFound) || (err == nil && (ch.Person != s.p.ID || ch.Conversation != s.conv.ID)) {
		return s.say(ctx, s.t("not_yours"))
	}
	if err != nil {
		return err
	}
	s.loc = ch.Locale
	ok, err := s.tx.DecideSellerChange(ctx, id, s.p.ID, state)
	if err != nil {
		return err
	}
	switch {
	case !ok && ch.State == concierge.ChangeProposed:
		return s.say(ctx, s.t("change_expired"))
	case !ok:
		return s.say(ctx, s.t("pressed_before", s.t("state_"+ch.State)))
	case state == concierge.ChangeCancelled:
		return s.say(ctx, s.t("cancelled"))
	}
	// The applier takes it once this turn commits.
	return s.say(ctx, s.t("applying"))
}

// ParsePrice reads a price a seller wrote ("39 €", "39.90", "39欧元",
// "39 euros") in the shop's currency; another currency is refused,
// never converted, and so is zero or less.
func ParsePrice(text, currency string) (concierge.Money, error) {
	t := strings.TrimSpace(text)
	for _, r := range []struct{ from, to string }{
		{"欧元", " EUR"}, {"美元", " USD"}, {"英镑", " GBP"}, {"人民币", " CNY"}, {"日元", " JPY"},
		{"euros", " EUR"}, {"euro", " EUR"}, {"dollars", " USD"}, {"dollar", " USD"},
	} {
		if strings.HasSuffix(strings.ToLower(t), r.from) {
			t = strings.TrimSpace(t[:len(t)-len(r.from)]) + r.to
			break
		}
	}
	m, err := money.ParseListed(t, currency)
	var pe *money.ParseError
	if errors.As(err, &pe) {
		return m, errors.New(pe.Reason)
	}
	if err != nil {
		return m, err
	}
	if m.Minor <= 0 {
		return m, errors.New("must be more than zero")
	}
	return m, nil
}

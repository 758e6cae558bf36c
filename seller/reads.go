package seller

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

// The reads cover the chat's own shop: a person linked through one bot
// asks about that bot, which their grants were checked against.

// since is when period began in the bot's time zone (its business hours'
// zone, else UTC): midnight today, Monday of this week, the 1st.
func since(bot *concierge.Bot, now time.Time, p Period) time.Time {
	loc := time.UTC
	if bot.Handoff.BusinessHours != "" {
		if bh, err := concierge.ParseBusinessHours(bot.Handoff.BusinessHours); err == nil && bh.Loc != nil {
			loc = bh.Loc
		}
	}
	t := now.In(loc)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	switch p {
	case Week:
		back := (int(day.Weekday()) + 6) % 7 // days since Monday
		return day.AddDate(0, 0, -back)
	case Month:
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
	}
	return day
}

func (s *session) period(p Period) string { return s.t("period_" + string(p)) }

func (s *session) orders(ctx context.Context, c Command) error {
	os, err := s.a.cfg.Reads.OrdersSince(ctx, s.bot.ID, since(s.bot, s.tx.Now(), c.Period))
	if err != nil {
		return err
	}
	var paid, pending, gone int
	for _, o := range os {
		switch o.State {
		case concierge.OrderPending:
			pending++
		case concierge.OrderCancelled, concierge.OrderExpired:
			gone++
		default:
			paid++ // paid, fulfilled or refunded since: it was paid
		}
	}
	return s.say(ctx, s.t("orders", s.period(c.Period), paid, pending, gone))
}

func (s *session) revenue(ctx context.Context, c Command) error {
	paid, refunded, err := s.a.cfg.Reads.Revenue(ctx, s.bot.ID, since(s.bot, s.tx.Now(), c.Period))
	if err != nil {
		return err
	}
	return s.say(ctx, s.t("revenue", s.period(c.Period), s.sum(paid), s.sum(refunded)))
}

// sum writes amounts of one or more currencies; none is zero in the
// shop's currency.
func (s *session) sum(ms []concierge.Money) string {
	if len(ms) == 0 {
		return money.Format(concierge.Money{Currency: s.bot.Currency}, s.loc)
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = money.Format(m, s.loc)
	}
	return strings.Join(parts, " + ")
}

func (s *session) waiting(ctx context.Context) error {
	cs, err := s.a.cfg.Reads.Cases(ctx, 0)
	if err != nil {
		return err
	}
	var mine []concierge.Case
	var waiting, held int
	for _, c := range cs {
		if c.Conversation.Bot != s.bot.ID {
			continue
		}
		mine = append(mine, c)
		if c.Conversation.State == concierge.StateWaiting {
			waiting++
		} else {
			held++
		}
	}
	if len(mine) == 0 {
		return s.say(ctx, s.t("waiting_none"))
	}
	slices.SortFunc(mine, func(a, b concierge.Case) int { return a.Since.Compare(b.Since) })
	lines := []string{s.t("waiting", waiting, held)}
	for i, c := range mine {
		if i == 10 {
			lines = append(lines, "…")
			break
		}
		who := s.t("state_waiting")
		if c.Assignee != "" {
			who = s.t("state_human", c.Assignee)
		}
		lines = append(lines, s.t("waiting_line", c.Conversation.ID, who, s.ago(c.Since), c.Reason))
	}
	return s.say(ctx, strings.Join(lines, "\n"))
}

// ago writes a time as minutes, hours or a date.
func (s *session) ago(t time.Time) string {
	d := s.tx.Now().Sub(t)
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d min", max(int(d.Minutes()), 0))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
	return t.Format(time.DateOnly)
}

func (s *session) stockOf(ctx context.Context, c Command) error {
	p, err := s.product(ctx, c.Product)
	if p == nil || err != nil {
		return err
	}
	n, err := s.tx.Stock(ctx, s.bot.ID, p.SKU)
	if err != nil {
		return err
	}
	return s.say(ctx, s.t("stock", p.Title(s.loc, s.bot.DefaultLocale()), p.SKU, n))
}

func (s *session) lowStock(ctx context.Context) error {
	levels, err := s.a.cfg.Reads.StockLevels(ctx, s.bot.ID)
	if err != nil {
		return err
	}
	type low struct {
		p *concierge.Product
		n int
	}
	var lows []low
	for i := range s.bot.Products {
		p := &s.bot.Products[i]
		if n := levels[p.SKU]; n <= s.a.cfg.LowStock && !p.Digital {
			lows = append(lows, low{p, n})
		}
	}
	if len(lows) == 0 {
		return s.say(ctx, s.t("low_none", s.a.cfg.LowStock))
	}
	slices.SortStableFunc(lows, func(a, b low) int { return cmp.Compare(a.n, b.n) })
	lines := []string{s.t("low", s.a.cfg.LowStock)}
	for _, l := range lows {
		lines = append(lines, s.t("stock", l.p.Title(s.loc, s.bot.DefaultLocale()), l.p.SKU, l.n))
	}
	return s.say(ctx, strings.Join(lines, "\n"))
}

func (s *session) bestSellers(ctx context.Context, c Command) error {
	os, err := s.a.cfg.Reads.PaidOrdersSince(ctx, s.bot.ID, since(s.bot, s.tx.Now(), c.Period))
	if err != nil {
		return err
	}
	sold := map[concierge.SKU]int{}
	for _, o := range os {
		if o.State == concierge.OrderRefunded {
			continue // given back: not a sale
		}
		for _, l := range o.Lines {
			sold[l.SKU] += l.Quantity
		}
	}
	if len(sold) == 0 {
		return s.say(ctx, s.t("best_none", s.period(c.Period)))
	}
	skus := make([]concierge.SKU, 0, len(sold))
	for k := range sold {
		skus = append(skus, k)
	}
	slices.SortFunc(skus, func(a, b concierge.SKU) int {
		return cmp.Or(cmp.Compare(sold[b], sold[a]), cmp.Compare(a, b))
	})
	lines := []string{s.t("best", s.period(c.Period))}
	for i, sku := range skus[:min(len(skus), 5)] {
		name := string(sku)
		if p := s.bot.Product(sku); p != nil {
			name = p.Title(s.loc, s.bot.DefaultLocale())
		}
		lines = append(lines, s.t("best_line", i+1, name, sku, sold[sku]))
	}
	return s.say(ctx, strings.Join(lines, "\n"))
}

func (s *session) order(ctx context.Context, c Command) error {
	o, err := s.findOrder(ctx, c.ID)
	if o == nil || err != nil {
		return err
	}
	return s.say(ctx, s.t("order", o.ID, o.State, money.Format(o.Total, s.loc), o.CreatedAt.Format("2006-01-02 15:04"), o.Conversation))
}

// findOrder reads one of the shop's orders; it answers the seller itself
// and returns nil when there is none (another shop's order included).
func (s *session) findOrder(ctx context.Context, id string) (*concierge.Order, error) {
	id = strings.ToUpper(strings.TrimSpace(id))
	o, err := s.tx.Order(ctx, concierge.OrderID(id))
	if errors.Is(err, concierge.ErrNotFound) || (err == nil && o.Bot != s.bot.ID) {
		return nil, s.say(ctx, s.t("no_order", id))
	}
	return o, err
}

// product finds one of the shop's products by SKU or name; it answers
// the seller itself and returns nil when none or several match.
func (s *session) product(ctx context.Context, q string) (*concierge.Product, error) {
	ps := Match(s.bot.Products, q)
	switch len(ps) {
	case 1:
		return ps[0], nil
	case 0:
		return nil, s.say(ctx, s.t("no_product", q))
	}
	names := make([]string, 0, len(ps))
	for _, p := range ps[:min(len(ps), 6)] {
		names = append(names, string(p.SKU)+" "+p.Title(s.loc, s.bot.DefaultLocale()))
	}
	return nil, s.say(ctx, s.t("many_products", q, strings.Join(names, ", ")))
}

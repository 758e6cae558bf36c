package handoff

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

// The points of each part of a training score; a part that does not apply
// to a case (no proposal to decide, no order to talk about) is left out,
// and the total is scaled to 100 over the parts that apply.
const (
	pointsDecision = 40
	pointsPolicy   = 20
	pointsFacts    = 20
	pointsSpeed    = 20
)

// The time to a first answer that earns full points, and half.
const (
	fastAnswer = 2 * time.Minute
	slowAnswer = 5 * time.Minute
)

// stateWords are the words that tell a customer an order's state, in the
// inbox's languages. A trainee gave the order status when a reply holds
// one of its state's words.
var stateWords = map[concierge.OrderState][]string{
	concierge.OrderPaid:      {"paid", "payment received", "payée", "payé", "réglée", "paiement reçu", "已付款", "已支付", "付款成功"},
	concierge.OrderFulfilled: {"shipped", "sent", "delivered", "fulfilled", "on its way", "expédiée", "expédié", "envoyée", "livrée", "livré", "已发货", "已送达", "发货"},
	concierge.OrderPending:   {"not paid", "unpaid", "awaiting payment", "waiting for payment", "pending", "en attente de paiement", "non payée", "pas payée", "未付款", "待付款"},
	concierge.OrderRefunded:  {"refunded", "remboursée", "remboursé", "已退款"},
	concierge.OrderCancelled: {"cancelled", "canceled", "annulée", "annulé", "已取消"},
	concierge.OrderExpired:   {"expired", "expirée", "expiré", "已过期"},
}

// negations are what, right before a state word, says the opposite
// ("not paid", "unpaid", "pas payée", "未付款").
var negations = []string{"not ", "un", "non ", "non-", "pas ", "jamais ", "未", "没", "不"}

// saysPlainly reports whether text holds word at least once not right
// after a negation.
func saysPlainly(text, word string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], word)
		if j < 0 {
			return false
		}
		at := i + j
		negated := false
		for _, n := range negations {
			if strings.HasSuffix(text[:at], n) {
				negated = true
				break
			}
		}
		if !negated {
			return true
		}
		i = at + len(word)
	}
}

var reNumber = regexp.MustCompile(`\d+(?:[.,]\d{1,2})?`)

// mentionsAmount reports whether text holds m as a number in major units,
// written "79", "79.00" or "79,00" (with a currency sign or not).
func mentionsAmount(text string, m concierge.Money) bool {
	digits, ok := money.Digits(m.Currency)
	if !ok {
		digits = 2
	}
	want := float64(m.Minor) / math.Pow10(digits)
	for _, n := range reNumber.FindAllString(strings.ReplaceAll(text, "\u00a0", " "), -1) {
		f, err := strconv.ParseFloat(strings.ReplaceAll(n, ",", "."), 64)
		if err == nil && math.Abs(f-want) < 0.005 {
			return true
		}
	}
	return false
}

// caseOrder is the order a case is about: its proposal's, else the
// packet's last one, else its latest.
func caseOrder(c *concierge.TrainingCase) *concierge.Order {
	var id concierge.OrderID
	if c.Proposal != nil {
		id = c.Proposal.Order
	} else if c.Packet != nil {
		id = c.Packet.LastOrder
	}
	for _, o := range c.Orders {
		if o.ID == id {
			return o
		}
	}
	if len(c.Orders) > 0 {
		return c.Orders[len(c.Orders)-1]
	}
	return nil
}

// paidFor sums what the case's payments paid for order.
func paidFor(c *concierge.TrainingCase, order concierge.OrderID) concierge.Money {
	var sum concierge.Money
	for _, p := range c.Payments {
		if p.Order == order {
			sum.Currency = p.Amount.Currency
			sum.Minor += p.Amount.Minor
		}
	}
	return sum
}

// withinWindow says whether the case's refund was asked inside the bot
// file's refund window: from payment to the proposal.
func withinWindow(pr *concierge.Proposal, pol concierge.Policies) bool {
	if pr.Evidence.PaidAt.IsZero() {
		return pr.Evidence.WithinWindow
	}
	return pr.At.Sub(pr.Evidence.PaidAt) <= time.Duration(pol.RefundWindowDays)*24*time.Hour
}

// toldState reports whether replies (lower-cased) tell state plainly.
func toldState(replies string, state concierge.OrderState) bool {
	for _, w := range stateWords[state] {
		if saysPlainly(replies, strings.ToLower(w)) {
			return true
		}
	}
	return false
}

// amountToTell is the amount a trainee should tell the customer of case
// c about order o: what the trainee approved, else what the supervisor
// approved, else the proposal's amount, else the order's total.
func amountToTell(c *concierge.TrainingCase, o *concierge.Order, s *concierge.TrainingSession) concierge.Money {
	amount := o.Total
	if pr := c.Proposal; pr != nil {
		switch {
		case pr.Status == concierge.ProposalApproved:
			amount = pr.RefundAmount()
		case pr.Amount.Minor > 0:
			amount = pr.Amount
		}
	}
	if s.Decision == concierge.ProposalApproved && s.Decided.Minor > 0 {
		amount = s.Decided // the amount the trainee decided is the one to tell
	}
	return amount
}

// scoreSession scores a session of case c with its messages, against the
// supervisor's real decision and the bot file's policies pol.
func scoreSession(c *concierge.TrainingCase, s *concierge.TrainingSession, msgs []concierge.TrainingMessage, pol concierge.Policies) concierge.TrainingScore {
	var sc concierge.TrainingScore
	var said strings.Builder
	for _, m := range msgs {
		if m.Role == "trainee" {
			said.WriteString(strings.ToLower(m.Text))
			said.WriteByte('\n')
		}
	}
	replies := said.String()
	fm := func(m concierge.Money) string { return money.Format(m, "en") }

	if pr := c.Proposal; pr != nil && pr.Status != concierge.ProposalOpen {
		// The decision, against the supervisor's.
		ref, refAmount := pr.Status, pr.RefundAmount()
		refText := string(ref)
		if ref == concierge.ProposalApproved {
			refText = "approved " + fm(refAmount)
		}
		part := concierge.ScorePart{Name: "Decision", Of: pointsDecision}
		switch {
		case s.Decision == "":
			sc.Differences = append(sc.Differences, "No decision was taken; the supervisor "+refText+".")
		case s.Decision != ref:
			mine := string(s.Decision)
			if s.Decision == concierge.ProposalApproved {
				mine = "approved " + fm(s.Decided)
			}
			sc.Differences = append(sc.Differences, fmt.Sprintf("You %s; the supervisor %s.", mine, refText))
		case ref == concierge.ProposalApproved && s.Decided != refAmount:
			part.Points = pointsDecision / 2
			sc.Differences = append(sc.Differences, fmt.Sprintf("You approved %s; the supervisor approved %s.", fm(s.Decided), fm(refAmount)))
		default:
			part.Points = pointsDecision
		}
		part.Note = "the supervisor " + refText
		sc.Parts = append(sc.Parts, part)

		// The policies of the bot file: no refund outside the window;
		// a refund inside it and below the auto-approve limit is one
		// the shop gives without asking.
		pp := concierge.ScorePart{Name: "Policies", Of: pointsPolicy, Points: pointsPolicy}
		inside := withinWindow(pr, pol)
		pp.Note = fmt.Sprintf("refund window %d days (%s)", pol.RefundWindowDays, map[bool]string{true: "inside", false: "outside"}[inside])
		if lim := pol.RefundAutoApproveBelow; lim.Minor > 0 {
			pp.Note += ", auto-approve below " + fm(lim)
		}
		switch {
		case s.Decision == concierge.ProposalApproved && !inside:
			pp.Points = 0
			sc.Differences = append(sc.Differences, fmt.Sprintf("You approved a refund outside the %d-day refund window.", pol.RefundWindowDays))
		case s.Decision == concierge.ProposalRefused && inside && pol.RefundAutoApproveBelow.Minor > 0 &&
			pr.Amount.Minor > 0 && pr.Amount.Minor < pol.RefundAutoApproveBelow.Minor:
			pp.Points = 0
			sc.Differences = append(sc.Differences, fmt.Sprintf("You refused a refund of %s inside the window and below the auto-approve limit of %s, which the shop gives without asking.",
				fm(pr.Amount), fm(pol.RefundAutoApproveBelow)))
		case s.Decision == "":
			pp.Points = 0
		}
		sc.Parts = append(sc.Parts, pp)
	}

	// The facts the customer needed: the order's status and the amount.
	if o := caseOrder(c); o != nil {
		fp := concierge.ScorePart{Name: "Facts given", Of: pointsFacts}
		var missing []string
		if toldState(replies, o.State) {
			fp.Points += pointsFacts / 2
		} else {
			missing = append(missing, fmt.Sprintf("the order's status (%s)", o.State))
		}
		amount := amountToTell(c, o, s)
		if mentionsAmount(replies, amount) {
			fp.Points += pointsFacts / 2
		} else {
			missing = append(missing, "the amount ("+fm(amount)+")")
		}
		if len(missing) > 0 {
			sc.Differences = append(sc.Differences, "The customer was not told "+strings.Join(missing, " nor ")+".")
			fp.Note = "missing " + strings.Join(missing, ", ")
		}
		sc.Parts = append(sc.Parts, fp)
	}

	// Time to first answer.
	sp := concierge.ScorePart{Name: "First answer", Of: pointsSpeed}
	if !s.FirstAnswerAt.IsZero() && !s.StartedAt.IsZero() {
		sc.FirstAnswer = s.FirstAnswerAt.Sub(s.StartedAt)
		sp.Note = sc.FirstAnswer.Round(time.Second).String()
		switch {
		case sc.FirstAnswer <= fastAnswer:
			sp.Points = pointsSpeed
		case sc.FirstAnswer <= slowAnswer:
			sp.Points = pointsSpeed / 2
			sc.Differences = append(sc.Differences, fmt.Sprintf("The first answer took %s (full points within %s).", sp.Note, fastAnswer))
		default:
			sc.Differences = append(sc.Differences, fmt.Sprintf("The first answer took %s (no points after %s).", sp.Note, slowAnswer))
		}
	} else {
		sp.Note = "never answered"
		sc.Differences = append(sc.Differences, "The customer never got an answer.")
	}
	sc.Parts = append(sc.Parts, sp)

	got, of := 0, 0
	for _, p := range sc.Parts {
		got, of = got+p.Points, of+p.Of
	}
	if of > 0 {
		sc.Total = int(math.Round(100 * float64(got) / float64(of)))
	}
	return sc
}

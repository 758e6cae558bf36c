package handoff

import (
	"slices"
	"strings"
	"unicode"

	"github.com/conciergehq/concierge"
)

// The offline simulated customer (docs/training.md). It says only what
// the real customer wrote, anonymised, but not blindly in the recorded
// order: it reacts to what the trainee does, in three ways, each decided
// from the case's own lines and facts.
//
//  1. Once the trainee decided the proposal as the supervisor did, the
//     customer moves to the lines they wrote after the real decision
//     (their thanks, their last question); what they wrote before it,
//     pleading for the decision, is passed.
//  2. When the trainee asks for the order number, the customer's next
//     line that holds the (anonymised) order number comes first; the
//     lines before it stay to be said.
//  3. A line that asks again for a fact the trainee has already given
//     (the order's status, the amount) is passed: the real customer
//     repeated it because the real answer came later.
//
// A different decision than the supervisor's moves nothing: the real
// customer never answered one, and no text is made up.

// replayer picks the simulated customer's lines of a case for a session.
type replayer struct {
	c    *concierge.TrainingCase
	s    *concierge.TrainingSession
	done map[int]bool // lines at or after next already said or passed
}

func newReplayer(c *concierge.TrainingCase, s *concierge.TrainingSession) *replayer {
	r := &replayer{c: c, s: s, done: map[int]bool{}}
	for _, i := range s.Done {
		r.done[i] = true
	}
	return r
}

// pending are the customer's lines left to say, in their recorded order.
func (r *replayer) pending() []int {
	var out []int
	for i := r.s.Next; i < len(r.c.Lines); i++ {
		if l := r.c.Lines[i]; l.Role == "customer" && !l.Before && !r.done[i] {
			out = append(out, i)
		}
	}
	return out
}

// next picks the customer's answer to the trainee's reply, given the
// session's messages so far (reply not among them): the index of the
// line to say (-1 for none) and the replay once it is said.
func (r *replayer) next(msgs []concierge.TrainingMessage, reply string) (int, concierge.TrainingReplay) {
	pend := r.pending()
	pick := -1
	switch closing := r.closing(pend); {
	case closing != nil:
		for _, i := range pend {
			if i < closing[0] {
				r.done[i] = true
			}
		}
		pick = closing[0]
	case r.decidedLikeSupervisor():
		// Decided as the supervisor did, and the real customer wrote
		// nothing after the decision: they have nothing more to say.
		for _, i := range pend {
			r.done[i] = true
		}
	case asksOrderNumber(reply):
		for _, i := range pend {
			if r.holdsOrderRef(r.c.Lines[i].Text) {
				pick = i
				break
			}
		}
		if pick < 0 && len(pend) > 0 {
			pick = pend[0]
		}
	default:
		for _, i := range pend {
			if r.answeredAgain(i, msgs, reply) {
				r.done[i] = true
				continue
			}
			pick = i
			break
		}
	}
	if pick >= 0 {
		r.done[pick] = true
	}
	return pick, r.replay()
}

// replay is the replay with the lines marked done: Next moves past every
// line said or passed, and Done keeps those beyond it.
func (r *replayer) replay() concierge.TrainingReplay {
	next := r.s.Next
	for next < len(r.c.Lines) {
		l := r.c.Lines[next]
		if l.Role == "customer" && !l.Before && !r.done[next] {
			break
		}
		next++
	}
	var done []int
	for i := range r.done {
		if i >= next {
			done = append(done, i)
		}
	}
	slices.Sort(done)
	return concierge.TrainingReplay{Next: next, Done: done}
}

// decidedLikeSupervisor reports whether the trainee took the decision the
// supervisor took (approve or refuse; the amount aside).
func (r *replayer) decidedLikeSupervisor() bool {
	pr := r.c.Proposal
	return pr != nil && r.s.Decision != "" && r.s.Decision == pr.Status && !pr.DecidedAt.IsZero()
}

// closing are the pending lines the real customer wrote after the real
// decision, once the trainee decided as the supervisor did; nil
// otherwise.
func (r *replayer) closing(pend []int) []int {
	if !r.decidedLikeSupervisor() {
		return nil
	}
	var out []int
	for _, i := range pend {
		if r.c.Lines[i].At.After(r.c.Proposal.DecidedAt) {
			out = append(out, i)
		}
	}
	return out
}

// holdsOrderRef reports whether text names one of the case's (anonymised)
// orders, as a word of its own ("T-1", not "T-12").
func (r *replayer) holdsOrderRef(text string) bool {
	low := strings.ToLower(text)
	for _, o := range r.c.Orders {
		ref := strings.ToLower(string(o.ID))
		for i := 0; ref != ""; {
			j := strings.Index(low[i:], ref)
			if j < 0 {
				break
			}
			at, end := i+j, i+j+len(ref)
			if !wordRune(low[:at], true) && !wordRune(low[end:], false) {
				return true
			}
			i = end
		}
	}
	return false
}

// wordRune reports whether the rune next to a match (the last of before,
// or the first of after) continues a word. Chinese is written without
// spaces, so a Han character next to the number does not.
func wordRune(s string, last bool) bool {
	if s == "" {
		return false
	}
	rs := []rune(s)
	c := rs[0]
	if last {
		c = rs[len(rs)-1]
	}
	return unicode.Is(unicode.Latin, c) || unicode.IsDigit(c) || c == '-'
}

// answeredAgain reports whether line i asks again for a fact the customer
// asked for before in the session and the trainee has given since.
func (r *replayer) answeredAgain(i int, msgs []concierge.TrainingMessage, reply string) bool {
	asks := factsAsked(r.c.Lines[i].Text)
	if len(asks) == 0 {
		return false
	}
	var before, replies strings.Builder
	for _, m := range msgs {
		switch m.Role {
		case "customer":
			before.WriteString(m.Text + "\n")
		case "trainee":
			replies.WriteString(strings.ToLower(m.Text) + "\n")
		}
	}
	replies.WriteString(strings.ToLower(reply))
	asked := factsAsked(before.String())
	o := caseOrder(r.c)
	for _, f := range asks {
		if !slices.Contains(asked, f) || o == nil {
			return false
		}
		switch f {
		case factStatus:
			if !toldState(replies.String(), o.State) {
				return false
			}
		case factAmount:
			if !mentionsAmount(replies.String(), amountToTell(r.c, o, r.s)) {
				return false
			}
		}
	}
	return true
}

// The facts a customer asks for that the simulator knows a trainee gave
// (the score's "Facts given").
const (
	factStatus = "status"
	factAmount = "amount"
)

// factQuestions are what asks for each fact, in en, fr and zh: phrases
// that ask by themselves, and words that ask only in a question ("?").
var factQuestions = []struct {
	fact     string
	asking   []string
	inQuestn []string
}{
	{factStatus,
		[]string{"where is", "where's", "any news", "any update", "when will", "has it shipped", "been shipped", "où en est", "où est", "quand", "des nouvelles", "到哪", "在哪", "什么时候", "怎么样了", "发货了吗", "到了吗"},
		[]string{"status", "update", "statut", "nouvelles", "expédi", "状态", "进度", "发货"}},
	{factAmount,
		[]string{"how much", "combien", "多少"},
		[]string{"amount", "montant", "金额", "退多少"}},
}

// factsAsked lists the facts text asks for.
func factsAsked(text string) []string {
	low := strings.ToLower(text)
	question := strings.ContainsAny(low, "?？") || strings.Contains(low, "吗") || strings.Contains(low, "呢")
	var out []string
	for _, q := range factQuestions {
		hit := slices.ContainsFunc(q.asking, func(w string) bool { return strings.Contains(low, w) })
		if !hit && question {
			hit = slices.ContainsFunc(q.inQuestn, func(w string) bool { return strings.Contains(low, w) })
		}
		if hit {
			out = append(out, q.fact)
		}
	}
	return out
}

// orderNumberWords name an order's number; requestWords make a sentence
// that names it a request for it.
var (
	orderNumberWords = []string{"order number", "order no.", "order nr", "order #", "order id", "order reference", "order ref",
		"numéro de commande", "numéro de la commande", "n° de commande", "référence de commande", "référence de la commande",
		"订单号", "订单编号"}
	requestWords = []string{"?", "？", "please", "could you", "can you", "send", "give", "share", "tell", "what is", "what's",
		"merci de", "pouvez-vous", "pourriez-vous", "donner", "indiquer", "envoyer", "communiquer", "quel est", "s'il vous plaît", "svp",
		"请", "告诉", "提供", "发", "是什么", "多少"}
)

// asksOrderNumber reports whether a trainee's reply asks the customer for
// their order number.
func asksOrderNumber(reply string) bool {
	low := strings.ToLower(reply)
	has := func(ws []string) bool {
		return slices.ContainsFunc(ws, func(w string) bool { return strings.Contains(low, w) })
	}
	return has(orderNumberWords) && has(requestWords)
}

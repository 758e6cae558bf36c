package handoff

import (
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

// TestAnonymiser: what identifies a customer is replaced in fr, en and
// zh, the same value by the same stand-in everywhere in a case; what does
// not (dates, times, amounts, product names) is kept.
func TestAnonymiser(t *testing.T) {
	a := newAnonymiser()
	a.knowName("Jean-Pierre Martin")
	order := a.order("ML-7KQ2XZ")
	for _, l := range []string{"je m'appelle Claire Dubois", "我叫王小明"} {
		a.learn(l)
	}
	for _, tc := range []struct {
		in       string
		gone     []string
		kept     []string
		contains []string
	}{
		{in: "Bonjour, c'est Jean-Pierre Martin, commande ML-7KQ2XZ, écrivez à jp.martin@orange.fr ou au 06 12 34 56 78",
			gone: []string{"Jean-Pierre", "Martin", "ML-7KQ2XZ", "jp.martin@orange.fr", "06 12 34 56 78"},
			kept: []string{"Bonjour", "commande"}, contains: []string{string(order), "customer1@example.com", "+00 000 000 001"}},
		{in: "Livrez au 12 bis rue des Lilas, 69003 Lyon. Claire",
			gone: []string{"Lilas", "Claire"}, contains: []string{"1 Example Street"}},
		{in: "My order ml-7kq2xz never came, call +44 20 7946 0958 before 18:00 on 2026-12-07, it cost €79.00",
			gone: []string{"ml-7kq2xz", "7946"}, kept: []string{"18:00", "2026-12-07", "€79.00"}, contains: []string{string(order)}},
		{in: "我的订单ML-7KQ2XZ没到，我叫王小明，地址是长安路12号，电话13812345678",
			gone: []string{"王小明", "长安路12号", "13812345678", "ML-7KQ2XZ"}, contains: []string{string(order)}},
		{in: "I'm sorry, the Zenith desk lamp is great",
			kept: []string{"I'm sorry", "Zenith desk lamp"}},
		{in: "pay here: http://shop.example/pay/ML-7KQ2XZ?t=secret-token",
			gone: []string{"secret-token", "http://"}, contains: []string{"[link]"}},
	} {
		got := a.text(tc.in)
		for _, g := range tc.gone {
			if strings.Contains(got, g) {
				t.Errorf("%q → %q still holds %q", tc.in, got, g)
			}
		}
		for _, k := range append(tc.kept, tc.contains...) {
			if !strings.Contains(got, k) {
				t.Errorf("%q → %q lacks %q", tc.in, got, k)
			}
		}
	}
	// The same values get the same stand-ins, in any case or spacing.
	if a.text("JP.MARTIN@orange.fr, 0612345678") != "customer1@example.com, +00 000 000 001" {
		t.Errorf("a repeated email or phone got another stand-in: %q", a.text("JP.MARTIN@orange.fr, 0612345678"))
	}
	if a.text("Martin") != a.text("martin") || strings.Contains(a.text("Martin"), "Martin") {
		t.Errorf("the name is not replaced consistently: %q, %q", a.text("Martin"), a.text("martin"))
	}
	// A customer named like a stand-in gets another one.
	b := newAnonymiser()
	b.knowName("Alex")
	if got := b.text("Alex here"); strings.Contains(got, "Alex ") {
		t.Errorf("a customer named Alex kept their name: %q", got)
	}
}

// refundCase is a refund case of €79.00 paid on day 0 and asked on
// day asked, which the supervisor approved in full.
func refundCase(asked int) *concierge.TrainingCase {
	paid := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	eur := func(minor int64) concierge.Money { return concierge.Money{Minor: minor, Currency: "EUR"} }
	return &concierge.TrainingCase{Kind: concierge.TrainingRefund,
		Proposal: &concierge.Proposal{ID: 1, Kind: concierge.ProposalRefund, Order: "T-1", Amount: eur(7900), Status: concierge.ProposalApproved,
			Decided: eur(7900), DecidedBy: "sue", At: paid.Add(time.Duration(asked) * 24 * time.Hour),
			Evidence: concierge.Evidence{PaidAt: paid, OrderState: concierge.OrderPaid}},
		Orders:   []*concierge.Order{{ID: "T-1", State: concierge.OrderPaid, Total: eur(7900)}},
		Payments: []concierge.Payment{{Order: "T-1", Amount: eur(7900)}}}
}

func trainingRun(decision concierge.ProposalStatus, minor int64, firstAnswer time.Duration) *concierge.TrainingSession {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	s := &concierge.TrainingSession{Decision: decision, Decided: concierge.Money{Minor: minor, Currency: "EUR"}, StartedAt: t0}
	if firstAnswer > 0 {
		s.FirstAnswerAt = t0.Add(firstAnswer)
	}
	return s
}

func part(sc concierge.TrainingScore, name string) concierge.ScorePart {
	for _, p := range sc.Parts {
		if p.Name == name {
			return p
		}
	}
	return concierge.ScorePart{Name: "missing " + name}
}

// TestScoreSession: each part of the score against the reference and the
// bot file's policies (window 30 days, auto-approve below €100).
func TestScoreSession(t *testing.T) {
	pol := concierge.Policies{RefundWindowDays: 30, RefundAutoApproveBelow: concierge.Money{Minor: 10000, Currency: "EUR"}}
	told := []concierge.TrainingMessage{{Role: "customer", Text: "refund please, 79.00"}, {Role: "trainee", Text: "Your order is paid; I refund 79,00 €."}}
	silent := []concierge.TrainingMessage{{Role: "customer", Text: "refund please"}, {Role: "trainee", Text: "Let me check."}}
	for _, tc := range []struct {
		name     string
		c        *concierge.TrainingCase
		s        *concierge.TrainingSession
		msgs     []concierge.TrainingMessage
		total    int // -1: not checked
		parts    map[string]int
		differs  []string
		noDiffer bool
	}{
		{name: "as the supervisor, quickly, facts given", c: refundCase(3), s: trainingRun(concierge.ProposalApproved, 7900, 40*time.Second), msgs: told,
			total: 100, noDiffer: true},
		{name: "another amount", total: -1, c: refundCase(3), s: trainingRun(concierge.ProposalApproved, 5000, 40*time.Second),
			msgs:  []concierge.TrainingMessage{{Role: "trainee", Text: "It is paid; I refund 50 €."}},
			parts: map[string]int{"Decision": 20, "Policies": 20, "Facts given": 20}, differs: []string{"You approved €50.00; the supervisor approved €79.00."}},
		{name: "refused inside the window and below the auto-approve limit", total: -1, c: refundCase(3), s: trainingRun(concierge.ProposalRefused, 0, 40*time.Second), msgs: silent,
			parts:   map[string]int{"Decision": 0, "Policies": 0, "Facts given": 0, "First answer": 20},
			differs: []string{"You refused; the supervisor approved €79.00.", "below the auto-approve limit of €100.00", "was not told the order's status (paid) nor the amount (€79.00)"}},
		{name: "approved outside the window", total: -1, c: refundCase(45), s: trainingRun(concierge.ProposalApproved, 7900, 40*time.Second), msgs: told,
			parts: map[string]int{"Decision": 40, "Policies": 0}, differs: []string{"outside the 30-day refund window"}},
		{name: "slow", total: -1, c: refundCase(3), s: trainingRun(concierge.ProposalApproved, 7900, 4*time.Minute), msgs: told,
			parts: map[string]int{"First answer": 10}, differs: []string{"The first answer took 4m0s"}},
		{name: "never answered, never decided", c: refundCase(3), s: trainingRun("", 0, 0), msgs: nil,
			total: 0, differs: []string{"No decision was taken", "never got an answer"}},
		{name: "a product question: only the first answer counts", c: &concierge.TrainingCase{Kind: concierge.TrainingProduct}, s: trainingRun("", 0, 10*time.Minute),
			msgs: []concierge.TrainingMessage{{Role: "trainee", Text: "Hello!"}}, total: 0, parts: map[string]int{"First answer": 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := scoreSession(tc.c, tc.s, tc.msgs, pol)
			if tc.total >= 0 && sc.Total != tc.total {
				t.Errorf("total %d, want %d (%+v)", sc.Total, tc.total, sc)
			}
			for name, points := range tc.parts {
				if p := part(sc, name); p.Points != points {
					t.Errorf("%s: %d points, want %d (%+v)", name, p.Points, points, p)
				}
			}
			all := strings.Join(sc.Differences, "\n")
			for _, d := range tc.differs {
				if !strings.Contains(all, d) {
					t.Errorf("differences lack %q:\n%s", d, all)
				}
			}
			if tc.noDiffer && len(sc.Differences) > 0 {
				t.Errorf("differences: %q, want none", sc.Differences)
			}
		})
	}
	// A product question has only the first answer to score.
	sc := scoreSession(&concierge.TrainingCase{Kind: concierge.TrainingProduct}, trainingRun("", 0, time.Minute), nil, pol)
	if len(sc.Parts) != 1 || sc.Total != 100 {
		t.Errorf("a product question answered in a minute: %+v, want one part and 100", sc)
	}
}

// TestSaysPlainly: a state word counts only when it is not negated.
func TestSaysPlainly(t *testing.T) {
	for text, want := range map[string]bool{
		"your order is paid":                 true,
		"your order is not paid yet":         false,
		"it is unpaid":                       false,
		"not paid? no: it is paid":           true,
		"votre commande n'est pas payée":     false,
		"votre commande est payée":           true,
		"订单已付款":                              true,
		"订单未付款":                              false,
		"the lamp was shipped, not refunded": false, // "refunded" is negated; "paid" absent
	} {
		word := "paid"
		switch {
		case strings.Contains(text, "payée"):
			word = "payée"
		case strings.Contains(text, "订单"):
			word = "付款"
		case strings.Contains(text, "shipped"):
			word = "refunded"
		}
		if got := saysPlainly(text, word); got != want {
			t.Errorf("saysPlainly(%q, %q) = %v, want %v", text, word, got, want)
		}
	}
}

// TestTrainingKindOf maps every hand-off reason to a kind of case.
func TestTrainingKindOf(t *testing.T) {
	for reason, kind := range map[concierge.HandoffReason]string{
		concierge.HandoffRefund: concierge.TrainingRefund, concierge.HandoffDispute: concierge.TrainingDispute,
		concierge.HandoffPayment: concierge.TrainingDispute, concierge.HandoffKeyword: concierge.TrainingAngry,
		concierge.HandoffAsked: concierge.TrainingProduct, concierge.HandoffFailed: concierge.TrainingProduct,
	} {
		if got := concierge.TrainingKindOf(reason); got != kind {
			t.Errorf("%s → %s, want %s", reason, got, kind)
		}
	}
}

// TestReplayReacts: offline, the simulated customer says only the real
// customer's lines, but reacts to the trainee: asked for the order
// number, it says the line holding it first; a question the trainee has
// already answered is passed; once the trainee decides as the supervisor
// did, it moves to the lines written after the real decision. A
// different decision moves nothing.
func TestReplayReacts(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	eur := func(minor int64) concierge.Money { return concierge.Money{Minor: minor, Currency: "EUR"} }
	c := &concierge.TrainingCase{
		Orders: []*concierge.Order{{ID: "T-1", State: concierge.OrderPaid, Total: eur(7900)}},
		Proposal: &concierge.Proposal{Order: "T-1", Kind: concierge.ProposalRefund, Amount: eur(7900),
			Status: concierge.ProposalApproved, DecidedAt: at(5)},
		Lines: []concierge.TrainingLine{
			{Role: "customer", Text: "I want a refund for my lamp", At: at(0), Before: true},
			{Role: "bot", Text: "A person will answer you.", At: at(0), Before: true},
			{Role: "customer", Text: "Hello? Where is my refund?", At: at(1)},
			{Role: "customer", Text: "I am really unhappy with this lamp", At: at(2)},
			{Role: "customer", Text: "It is order T-1, I paid last week", At: at(3)},
			{Role: "agent", Text: "Your order is paid; I refund it.", At: at(4)},
			{Role: "customer", Text: "Any news? Where is my refund?", At: at(4)},
			{Role: "customer", Text: "Thank you so much!", At: at(6)},
			{Role: "customer", Text: "Bye", At: at(7)},
		},
	}
	// play runs a session's replies and returns what the customer said
	// after each ("" for nothing).
	play := func(decision concierge.ProposalStatus, replies ...string) []string {
		s := &concierge.TrainingSession{Next: 2, Status: concierge.TrainingActive, Decision: decision}
		msgs := []concierge.TrainingMessage{{Role: "customer", Text: c.Lines[0].Text}, {Role: "bot", Text: c.Lines[1].Text}}
		var said []string
		for _, reply := range replies {
			i, to := newReplayer(c, s).next(msgs, reply)
			if to.Next < s.Next {
				t.Fatalf("the replay went back from %d to %d", s.Next, to.Next)
			}
			s.Next, s.Done = to.Next, to.Done
			msgs = append(msgs, concierge.TrainingMessage{Role: "trainee", Text: reply})
			if i < 0 {
				said = append(said, "")
				continue
			}
			said = append(said, c.Lines[i].Text)
			msgs = append(msgs, concierge.TrainingMessage{Role: "customer", Text: c.Lines[i].Text})
		}
		return said
	}
	for _, tc := range []struct {
		name     string
		decision concierge.ProposalStatus
		replies  []string
		want     []string
	}{
		{"in order when nothing moves it", "",
			[]string{"Hello, I'm looking", "I see", "Thanks", "Let me check", "Sure", "OK", "Anything else?"},
			[]string{"Hello? Where is my refund?", "I am really unhappy with this lamp", "It is order T-1, I paid last week",
				"Any news? Where is my refund?", "Thank you so much!", "Bye", ""}},
		{"asked for the order number", "",
			[]string{"Could you give me your order number?", "Thanks", "I see", "Let me check"},
			[]string{"It is order T-1, I paid last week", "Hello? Where is my refund?", "I am really unhappy with this lamp", "Any news? Where is my refund?"}},
		{"in French and Chinese too", "",
			[]string{"Pouvez-vous m'indiquer votre numéro de commande ?"},
			[]string{"It is order T-1, I paid last week"}},
		{"a question answered is not asked again", "",
			[]string{"Hello", "Your order T-1 is paid, and I am looking at the refund", "I see", "Anything else?"},
			[]string{"Hello? Where is my refund?", "I am really unhappy with this lamp", "It is order T-1, I paid last week", "Thank you so much!"}},
		{"not answered, asked again", "",
			[]string{"Hello", "I am looking into it", "I see", "Hmm"},
			[]string{"Hello? Where is my refund?", "I am really unhappy with this lamp", "It is order T-1, I paid last week", "Any news? Where is my refund?"}},
		{"decided as the supervisor: the closing lines", concierge.ProposalApproved,
			[]string{"I have refunded you 79 €", "Goodbye", "Anything else?"},
			[]string{"Thank you so much!", "Bye", ""}},
		{"decided otherwise: nothing moves", concierge.ProposalRefused,
			[]string{"I cannot refund this", "Sorry"},
			[]string{"Hello? Where is my refund?", "I am really unhappy with this lamp"}},
	} {
		got := play(tc.decision, tc.replies...)
		if strings.Join(got, " | ") != strings.Join(tc.want, " | ") {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}

	// Decided as the supervisor, with nothing written after the real
	// decision: the customer has nothing more to say.
	quiet := *c
	quiet.Lines = c.Lines[:7]
	s := &concierge.TrainingSession{Next: 2, Status: concierge.TrainingActive, Decision: concierge.ProposalApproved}
	if i, to := newReplayer(&quiet, s).next(nil, "Refunded"); i != -1 || to.Next != 7 || len(to.Done) != 0 {
		t.Errorf("after the decision with no closing line: line %d, replay %+v; want none, next 7", i, to)
	}
	// What asks for the order number, and what only names an order.
	for reply, want := range map[string]bool{
		"Could you give me your order number?":           true,
		"Quel est votre numéro de commande ?":            true,
		"请提供您的订单号":                                       true,
		"Your order now ships, could you wait?":          false,
		"Your order T-1 is paid; I am refunding €79.00.": false,
		"Thanks for the order number":                    false,
	} {
		if got := asksOrderNumber(reply); got != want {
			t.Errorf("asksOrderNumber(%q) = %v, want %v", reply, got, want)
		}
	}
	// The order number as a word of its own: T-12 is not T-1.
	r := newReplayer(c, &concierge.TrainingSession{})
	for text, want := range map[string]bool{"order T-1.": true, "t-1": true, "order T-12": false, "ST-1": false, "订单T-1没到": true} {
		if got := r.holdsOrderRef(text); got != want {
			t.Errorf("holdsOrderRef(%q) = %v, want %v", text, got, want)
		}
	}
}

package concierge

import (
	"strings"
	"time"
)

// The staff-training simulator (docs/training.md) replays past hand-offs to
// trainees of the inbox against a simulated customer. Everything a session
// reads and writes is a sandboxed copy of the case: its own rows, never a
// conversation, an order or a refund.

// The kinds of training case a supervisor picks from, mapped from the
// hand-off reasons by TrainingKindOf.
const (
	TrainingRefund  = "refund"
	TrainingDispute = "dispute"
	TrainingProduct = "product_question"
	TrainingAngry   = "angry_customer"
)

// TrainingKinds lists the kinds in the order the inbox offers them.
var TrainingKinds = []string{TrainingRefund, TrainingDispute, TrainingProduct, TrainingAngry}

// TrainingKindOf maps a hand-off reason to the kind of training case it
// makes: a refund request is a refund; a dispute or a payment that did not
// match its order is a dispute; a customer who used one of the bot file's
// hand-off words (complaints, insults) is an angry customer; asking for a
// person or not being understood is a product question.
func TrainingKindOf(reason HandoffReason) string {
	switch reason {
	case HandoffRefund:
		return TrainingRefund
	case HandoffDispute, HandoffPayment:
		return TrainingDispute
	case HandoffKeyword:
		return TrainingAngry
	}
	return TrainingProduct
}

// TrainingAuthorPrefix begins the author of every message a trainee
// writes ("training:NAME"). The outbox refuses such an author
// (ErrTrainingSend), so a training message can never reach a real chat.
const TrainingAuthorPrefix = "training:"

// IsTrainingAuthor reports whether author is a trainee's.
func IsTrainingAuthor(author string) bool { return strings.HasPrefix(author, TrainingAuthorPrefix) }

// ErrTrainingSend is the refusal of a training message sent to a real
// chat.
var ErrTrainingSend error = Errorf(CodeConflict, "send", "a training session cannot send to a real chat; nothing was sent")

// TrainingLine is one line of a case's anonymised transcript. Role is
// "customer", "bot" or "agent" (the person who handled the real case).
// Before lines came before the hand-off: the page shows them at the start;
// the customer's lines after it are the simulator's script, and the
// agent's are the reference answers.
type TrainingLine struct {
	Role   string    `json:"role"`
	Text   string    `json:"text"`
	At     time.Time `json:"at"`
	Before bool      `json:"before,omitempty"`
	// Media is the kind of file a customer's line was ("voice" for a
	// voice note, else the platform's kind: photo, image, document …);
	// "" for text. The file itself is not copied into the case: a voice
	// note's Text is its (anonymised) transcript, a file's its caption.
	Media string `json:"media,omitempty"`
}

// TrainingCase is a sandboxed, anonymised copy of a past hand-off:
// customers' names, phones, emails, addresses and order numbers are
// replaced, consistently within the case. Proposal, when the case had one,
// carries the supervisor's real decision: the reference a trainee's
// decision is scored against.
type TrainingCase struct {
	ID        int64          `json:"id"`
	Bot       BotID          `json:"bot"`
	Source    ConversationID `json:"source"`
	Kind      string         `json:"kind"`
	Channel   Channel        `json:"channel"`
	Locale    Locale         `json:"locale,omitempty"`
	Packet    *HandoffPacket `json:"packet,omitempty"`
	Proposal  *Proposal      `json:"proposal,omitempty"`
	Orders    []*Order       `json:"orders,omitempty"`
	Payments  []Payment      `json:"payments,omitempty"`
	Lines     []TrainingLine `json:"lines"`
	CreatedBy string         `json:"created_by"`
	CreatedAt time.Time      `json:"created_at"`
}

// The states of a training session.
const (
	TrainingAssigned = "assigned" // the trainee has not opened it yet
	TrainingActive   = "active"
	TrainingFinished = "finished"
)

// TrainingSession is one trainee's run of a case. Next and Done are how
// far the replay of the case's lines went (TrainingReplay).
type TrainingSession struct {
	ID            int64          `json:"id"`
	Case          int64          `json:"case"`
	Trainee       string         `json:"trainee"`
	AssignedBy    string         `json:"assigned_by"`
	Status        string         `json:"status"`
	Next          int            `json:"next"`
	Done          []int          `json:"done,omitempty"`
	AssignedAt    time.Time      `json:"assigned_at"`
	StartedAt     time.Time      `json:"started_at,omitzero"`
	FirstAnswerAt time.Time      `json:"first_answer_at,omitzero"`
	FinishedAt    time.Time      `json:"finished_at,omitzero"`
	Decision      ProposalStatus `json:"decision,omitempty"` // approved or refused; "" before a decision
	Decided       Money          `json:"decided,omitzero"`
	DecisionNote  string         `json:"decision_note,omitempty"`
	Score         *TrainingScore `json:"score,omitempty"`
}

// TrainingReplay is how far a session's replay of its case's lines went:
// every line before Next was played (shown at the start, or said by the
// simulated customer) or passed, and so were the lines of Done, all at or
// after Next, which the simulated customer said or skipped out of their
// recorded order (it reacts to the trainee: docs/training.md).
type TrainingReplay struct {
	Next int
	Done []int
}

// Replay is where s's replay stands.
func (s *TrainingSession) Replay() TrainingReplay { return TrainingReplay{Next: s.Next, Done: s.Done} }

// TrainingMessage is one message of a session: the simulated customer's,
// the trainee's, or a line shown for context ("bot").
type TrainingMessage struct {
	Seq   int64     `json:"seq"`
	Role  string    `json:"role"` // customer, bot, trainee
	Text  string    `json:"text"`
	At    time.Time `json:"at"`
	Media string    `json:"media,omitempty"` // as TrainingLine's
}

// TrainingScore is a finished session's score, out of 100 over the parts
// that apply to its case, and where the trainee differed from the
// reference.
type TrainingScore struct {
	Total       int           `json:"total"`
	Parts       []ScorePart   `json:"parts"`
	FirstAnswer time.Duration `json:"first_answer"` // 0: never answered
	Differences []string      `json:"differences,omitempty"`
}

// ScorePart is one scored part: the decision against the reference, the
// bot file's policies, the facts given, the time to a first answer.
type ScorePart struct {
	Name   string `json:"name"`
	Points int    `json:"points"`
	Of     int    `json:"of"`
	Note   string `json:"note,omitempty"`
}

package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// handBack moves a handed-off conversation back to the bot, as a person
// resolving it does.
func handBack(t *testing.T, db *store.DB, conv *concierge.Conversation) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.Conversation(ctx, conv.ID)
		if err != nil {
			return err
		}
		if err := tx.RecordHandoff(ctx, concierge.Handoff{Conversation: c.ID, From: concierge.StateHuman, To: concierge.StateBot,
			Reason: concierge.HandoffResolved, By: "agent:sue", At: tx.Now()}); err != nil {
			return err
		}
		c.State = concierge.StateBot
		return tx.SaveConversation(ctx, c)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestTrainingStore: the simulator's rows on both databases. Past
// hand-offs list only conversations handed back; a case and its session
// are stored together; a session starts once, a turn applies only from
// the line it was computed for, the first answer's time is kept, a
// decision is taken once, and a finished session takes nothing more.
func TestTrainingStore(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		past := handOff(t, db, "past", "k1")
		handBack(t, db, past)
		open := handOff(t, db, "open", "k2")
		ks, err := db.PastHandoffs(ctx, 10)
		if err != nil || len(ks) != 1 || ks[0].Conversation.ID != past.ID || ks[0].Reason != concierge.HandoffAsked || ks[0].Preview != "a person please" {
			t.Fatalf("past hand-offs: %+v, %v; want only %d (not the open %d)", ks, err, past.ID, open.ID)
		}

		paidAt := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
		c := &concierge.TrainingCase{Bot: "shop", Source: past.ID, Kind: concierge.TrainingRefund, Channel: concierge.ChannelWeb,
			Proposal: &concierge.Proposal{ID: 1, Kind: concierge.ProposalRefund, Order: "T-1", Amount: concierge.Money{Minor: 7900, Currency: "EUR"},
				Status: concierge.ProposalApproved, DecidedBy: "sue", Evidence: concierge.Evidence{PaidAt: paidAt}},
			Lines:     []concierge.TrainingLine{{Role: "customer", Text: "refund T-1", Before: true}, {Role: "customer", Text: "hello?"}},
			CreatedBy: "sue"}
		s := &concierge.TrainingSession{Trainee: "tom", AssignedBy: "sue"}
		if err := db.AssignTraining(ctx, []*concierge.TrainingCase{c}, []*concierge.TrainingSession{s}); err != nil || c.ID == 0 || s.ID == 0 || s.Case != c.ID {
			t.Fatalf("assign: %v, case %d, session %+v", err, c.ID, s)
		}
		got, err := db.TrainingCase(ctx, c.ID)
		if err != nil || got.Proposal == nil || got.Proposal.DecidedBy != "sue" || !got.Proposal.Evidence.PaidAt.Equal(paidAt) || len(got.Lines) != 2 || got.Source != past.ID {
			t.Fatalf("case read back: %+v, %v", got, err)
		}
		if _, err := db.TrainingCase(ctx, c.ID+100); !errors.Is(err, concierge.ErrNotFound) {
			t.Errorf("a missing case: %v, want not found", err)
		}
		if _, err := db.TrainingSession(ctx, s.ID+100); !errors.Is(err, concierge.ErrNotFound) {
			t.Errorf("a missing session: %v, want not found", err)
		}

		t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		reply := concierge.TrainingMessage{Role: "trainee", Text: "hi", At: t0.Add(30 * time.Second)}
		if ok, err := db.AddTrainingTurn(ctx, s.ID, concierge.TrainingReplay{Next: 0}, concierge.TrainingReplay{Next: 1}, reply, nil); ok || err != nil {
			t.Fatalf("a turn before the start: %v, %v; want refused", ok, err)
		}
		shown := []concierge.TrainingMessage{{Role: "customer", Text: "refund T-1", At: t0, Media: "voice"}}
		if ok, err := db.StartTrainingSession(ctx, s.ID, t0, shown, 1); !ok || err != nil {
			t.Fatalf("start: %v, %v", ok, err)
		}
		if ok, err := db.StartTrainingSession(ctx, s.ID, t0.Add(time.Hour), shown, 1); ok || err != nil {
			t.Fatalf("a second start: %v, %v; want refused", ok, err)
		}
		if ok, err := db.AddTrainingTurn(ctx, s.ID, concierge.TrainingReplay{Next: 0}, concierge.TrainingReplay{Next: 2}, reply, nil); ok || err != nil {
			t.Fatalf("a turn from a stale line: %v, %v; want refused", ok, err)
		}
		answer := &concierge.TrainingMessage{Role: "customer", Text: "hello?", At: t0.Add(31 * time.Second)}
		if ok, err := db.AddTrainingTurn(ctx, s.ID, concierge.TrainingReplay{Next: 1}, concierge.TrainingReplay{Next: 2}, reply, answer); !ok || err != nil {
			t.Fatalf("turn: %v, %v", ok, err)
		}
		later := concierge.TrainingMessage{Role: "trainee", Text: "sorry", At: t0.Add(5 * time.Minute)}
		// Lines said or passed out of order: the set is the turn's
		// token too, so a turn computed before it is refused.
		moved := concierge.TrainingReplay{Next: 2, Done: []int{5, 3}}
		if ok, err := db.AddTrainingTurn(ctx, s.ID, concierge.TrainingReplay{Next: 2}, moved, later, nil); !ok || err != nil {
			t.Fatalf("second turn: %v, %v", ok, err)
		}
		if ok, err := db.AddTrainingTurn(ctx, s.ID, concierge.TrainingReplay{Next: 2}, concierge.TrainingReplay{Next: 2, Done: []int{4}}, later, nil); ok || err != nil {
			t.Fatalf("a turn from before the lines moved: %v, %v; want refused", ok, err)
		}
		if gs, err := db.TrainingSession(ctx, s.ID); err != nil || gs.Next != 2 || !slices.Equal(gs.Done, []int{3, 5}) {
			t.Fatalf("replay read back: %+v, %v; want next 2, done 3 and 5", gs, err)
		}
		msgs, err := db.TrainingMessages(ctx, s.ID)
		if err != nil || len(msgs) != 4 || msgs[0].Text != "refund T-1" || msgs[0].Media != "voice" || msgs[1].Media != "" || msgs[1].Role != "trainee" || msgs[2].Text != "hello?" || msgs[3].Seq != 4 {
			t.Fatalf("messages: %+v, %v", msgs, err)
		}
		amount := concierge.Money{Minor: 5000, Currency: "EUR"}
		if ok, err := db.DecideTraining(ctx, s.ID, concierge.ProposalApproved, amount, "half"); !ok || err != nil {
			t.Fatalf("decide: %v, %v", ok, err)
		}
		if ok, err := db.DecideTraining(ctx, s.ID, concierge.ProposalRefused, concierge.Money{}, ""); ok || err != nil {
			t.Fatalf("a second decision: %v, %v; want refused", ok, err)
		}
		score := concierge.TrainingScore{Total: 70, Parts: []concierge.ScorePart{{Name: "Decision", Points: 20, Of: 40}}, FirstAnswer: 30 * time.Second,
			Differences: []string{"You approved €50.00; the supervisor approved €79.00."}}
		if ok, err := db.FinishTraining(ctx, s.ID, t0.Add(10*time.Minute), score); !ok || err != nil {
			t.Fatalf("finish: %v, %v", ok, err)
		}
		if ok, err := db.FinishTraining(ctx, s.ID, t0.Add(11*time.Minute), score); ok || err != nil {
			t.Fatalf("a second finish: %v, %v; want refused", ok, err)
		}
		if ok, err := db.AddTrainingTurn(ctx, s.ID, moved, moved, later, nil); ok || err != nil {
			t.Fatalf("a turn after finishing: %v, %v; want refused", ok, err)
		}
		gs, err := db.TrainingSession(ctx, s.ID)
		if err != nil || gs.Status != concierge.TrainingFinished || !gs.StartedAt.Equal(t0) || !gs.FirstAnswerAt.Equal(reply.At) ||
			gs.Decision != concierge.ProposalApproved || gs.Decided != amount || gs.DecisionNote != "half" || gs.Next != 2 ||
			gs.Score == nil || gs.Score.Total != 70 || len(gs.Score.Differences) != 1 || gs.Score.FirstAnswer != 30*time.Second {
			t.Fatalf("session read back: %+v, %v", gs, err)
		}
		if ss, err := db.TrainingSessions(ctx, "tom"); err != nil || len(ss) != 1 {
			t.Errorf("tom's sessions: %d, %v", len(ss), err)
		}
		if ss, err := db.TrainingSessions(ctx, "eve"); err != nil || len(ss) != 0 {
			t.Errorf("eve's sessions: %d, %v", len(ss), err)
		}
		if ss, err := db.TrainingSessions(ctx, ""); err != nil || len(ss) != 1 {
			t.Errorf("everyone's sessions: %d, %v", len(ss), err)
		}
	})
}

// TestEmitRefusesTrainingAuthor: the outbox, the only way to a customer's
// chat, refuses a trainee's message, and nothing is queued.
func TestEmitRefusesTrainingAuthor(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		conv := handOff(t, db, "real", "k1")
		before, err := db.InboxTranscript(ctx, conv.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.Emit(ctx, conv, concierge.TrainingAuthorPrefix+"tom", concierge.Message{Kind: concierge.MessageText, Text: "your refund is approved"})
			return err
		})
		if !errors.Is(err, concierge.ErrTrainingSend) || concierge.ErrorCode(err) != concierge.CodeConflict {
			t.Fatalf("emit as a trainee: %v; want ErrTrainingSend", err)
		}
		after, err := db.InboxTranscript(ctx, conv.ID, 100)
		if err != nil || len(after) != len(before) {
			t.Fatalf("transcript after the refusal: %d entries, had %d (%v)", len(after), len(before), err)
		}
		// A person's message still goes, right after what was there.
		var seq int64
		err = db.InTx(ctx, func(tx *store.Tx) error {
			seq, err = tx.Emit(ctx, conv, "agent:sue", concierge.Message{Kind: concierge.MessageText, Text: "hello"})
			return err
		})
		if err != nil || seq != before[len(before)-1].Seq+1 {
			t.Fatalf("a person's message after the refusal: seq %d, %v; want %d", seq, err, before[len(before)-1].Seq+1)
		}
	})
}

// TestEraseDeletesTrainingCopies: erasing a customer deletes the training
// cases copied from their conversation, with their sessions and
// messages; other cases stay.
func TestEraseDeletesTrainingCopies(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		gone := handOff(t, db, "gone", "k1")
		handBack(t, db, gone)
		kept := handOff(t, db, "kept", "k2")
		handBack(t, db, kept)
		cases := []*concierge.TrainingCase{
			{Bot: "shop", Source: gone.ID, Kind: concierge.TrainingProduct, Lines: []concierge.TrainingLine{{Role: "customer", Text: "c'est Marie"}}},
			{Bot: "shop", Source: kept.ID, Kind: concierge.TrainingProduct},
		}
		sessions := []*concierge.TrainingSession{{Trainee: "tom", AssignedBy: "sue"}, {Trainee: "tom", AssignedBy: "sue"}}
		if err := db.AssignTraining(ctx, cases, sessions); err != nil {
			t.Fatal(err)
		}
		if _, err := db.StartTrainingSession(ctx, sessions[0].ID, time.Now(), []concierge.TrainingMessage{{Role: "customer", Text: "c'est Marie", At: time.Now()}}, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := db.EraseConversation(ctx, "shop", concierge.ChannelWeb, "gone"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.TrainingCase(ctx, cases[0].ID); !errors.Is(err, concierge.ErrNotFound) {
			t.Errorf("the erased customer's case: %v, want deleted", err)
		}
		if _, err := db.TrainingSession(ctx, sessions[0].ID); !errors.Is(err, concierge.ErrNotFound) {
			t.Errorf("its session: %v, want deleted", err)
		}
		if msgs, err := db.TrainingMessages(ctx, sessions[0].ID); err != nil || len(msgs) != 0 {
			t.Errorf("its messages: %v, %v; want none", msgs, err)
		}
		if _, err := db.TrainingCase(ctx, cases[1].ID); err != nil {
			t.Errorf("another customer's case: %v, want kept", err)
		}
	})
}

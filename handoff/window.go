package handoff

import (
	"context"

	"github.com/conciergehq/concierge"
)

// WindowRules is ReplyRules over the channels' own reply windows: a
// conversation whose channel is a concierge.ReplyWindower takes what its
// window allows; any other takes free text. The function returns a bot's
// channel, or nil.
type WindowRules func(bot concierge.BotID, ch concierge.Channel) concierge.Sender

var _ ReplyRules = WindowRules(nil)

// ReplyRules asks the conversation's channel for its window.
func (f WindowRules) ReplyRules(ctx context.Context, conv *concierge.Conversation) (Rules, error) {
	w, ok := f(conv.Bot, conv.Channel).(concierge.ReplyWindower)
	if !ok {
		return Rules{}, nil
	}
	rw, err := w.ReplyWindow(ctx, conv.ID)
	if err != nil {
		return Rules{}, err
	}
	out := Rules{Closed: rw.Closed, Why: rw.Why}
	for _, t := range rw.Templates {
		out.Templates = append(out.Templates, Template{Name: t.Name, Language: t.Language, Preview: t.Preview, Params: t.Params, Labels: t.Labels})
	}
	return out, nil
}

package whatsapp

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/conciergehq/concierge"
)

// ReplyWindow tells the inbox what a person may send in conv now: free
// text within the 24-hour window (the check Send makes), and outside it
// only the approved templates. Those are Config.InboxTemplates, or, when
// there are none, the order templates, whose one variable is the order
// number.
func (a *Adapter) ReplyWindow(ctx context.Context, conv concierge.ConversationID) (concierge.ReplyWindow, error) {
	open, last, err := a.InWindow(ctx, conv)
	if err != nil {
		return concierge.ReplyWindow{}, err
	}
	w := concierge.ReplyWindow{Last: last, Templates: a.replyTemplates()}
	if !open {
		w.Closed = true
		w.Why = "The customer has never written on WhatsApp"
		if !last.IsZero() {
			w.Why = "The customer last wrote on WhatsApp more than 24 hours ago (" + last.UTC().Format("2006-01-02 15:04 UTC") + ")"
		}
	}
	return w, nil
}

// replyTemplates are the templates a person may send: the inbox ones, or
// the order templates by purpose, each once.
func (a *Adapter) replyTemplates() []concierge.ReplyTemplate {
	if len(a.cfg.InboxTemplates) > 0 {
		return slices.Clone(a.cfg.InboxTemplates)
	}
	var out []concierge.ReplyTemplate
	for _, p := range slices.Sorted(maps.Keys(a.cfg.Templates)) {
		t := a.cfg.Templates[p]
		if t.Name == "" || slices.ContainsFunc(out, func(x concierge.ReplyTemplate) bool { return x.Name == t.Name && x.Language == t.Language }) {
			continue
		}
		preview := t.Text
		if preview == "" {
			preview = "[template " + t.Name + ", order news: " + strings.ReplaceAll(p, "_", " ") + "] order {{1}}"
		}
		out = append(out, concierge.ReplyTemplate{Name: t.Name, Language: t.Language, Params: 1, Preview: preview, Labels: []string{"Order number"}})
	}
	return out
}

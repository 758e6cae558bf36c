package convtest

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
)

// printFile announces a file before its cases.
func (r *Runner) printFile(fr *FileResult) {
	if r.Out == nil {
		return
	}
	brain := fr.Bot.Brain
	if brain == "" {
		brain = concierge.BrainRules
	}
	fmt.Fprintf(r.Out, "=== %s (bot %s, brain %s)\n", fr.File.Path, fr.Bot.ID, brain)
}

// printCase writes a finished case: PASS, or FAIL and its failures.
func (r *Runner) printCase(f *File, cr *CaseResult) {
	if r.Out != nil {
		WriteCase(r.Out, f, cr)
	}
}

// printTotal writes the run's last line.
func (r *Runner) printTotal(res *Result) {
	if r.Out == nil {
		return
	}
	if n := res.Failed(); n > 0 {
		fmt.Fprintf(r.Out, "FAIL: %d of %d cases failed\n", n, res.Total())
		return
	}
	fmt.Fprintf(r.Out, "PASS: %d cases passed\n", res.Total())
}

// WriteCase writes a case's outcome as the runner prints it: a PASS or
// FAIL line and, for each failed step, where it is written, what it
// expected, what it got and the bot's replies it was about.
func WriteCase(w io.Writer, f *File, cr *CaseResult) {
	mark := "PASS"
	if !cr.Passed() {
		mark = "FAIL"
	}
	fmt.Fprintf(w, "%s  %s (%s)\n", mark, cr.Case.Name, cr.Time.Round(time.Millisecond))
	b := &strings.Builder{}
	if cr.Err != nil {
		fmt.Fprintf(b, "%s: the pipeline failed at %v\n", at(f.Path, cr.Case.At), cr.Err)
	}
	writeFailures(b, f.Path, cr.Failures)
	io.WriteString(w, indent(b.String(), "      "))
}

// writeFailures writes a case's failed steps; replies already written
// for an earlier failed step are not written again.
func writeFailures(w io.Writer, path string, fls []*Failure) {
	shown := -1
	for _, fl := range fls {
		writeFailure(w, path, fl, fl.Answer == shown)
		shown = fl.Answer
	}
}

// writeFailure writes one failed step; again says that its replies were
// just written.
func writeFailure(w io.Writer, path string, fl *Failure, again bool) {
	fmt.Fprintf(w, "%s: step %d: %s\n", at(path, fl.At), fl.Step, fl.Desc)
	for _, p := range fl.Problems {
		if len(fl.Problems) > 1 {
			fmt.Fprintf(w, "  %s:\n", p.Check)
		}
		fmt.Fprintf(w, "  expected: %s\n  got:      %s\n", p.Expected, p.Got)
		for _, d := range p.Diff {
			fmt.Fprintf(w, "    %s\n", d)
		}
	}
	switch {
	case fl.Answer == 0:
		fmt.Fprintf(w, "  (nothing was said yet)\n")
		return
	case again:
		fmt.Fprintf(w, "  (the bot's replies to step %d are above)\n", fl.Answer)
		return
	case fl.Answer == fl.Step:
		fmt.Fprintf(w, "  the bot's replies:\n")
	default:
		fmt.Fprintf(w, "  the bot's replies to step %d (%s):\n", fl.Answer, fl.AnswerDesc)
	}
	io.WriteString(w, indent(replyText(fl.Replies), "    "))
}

// at writes a place as file:line:col.
func at(path string, p Pos) string {
	if p.Line == 0 {
		return path
	}
	return fmt.Sprintf("%s:%d:%d", path, p.Line, p.Col)
}

// replyText writes replies as a customer would read them, one block per
// message: its kind and text, its products, its buttons.
func replyText(replies []concierge.Message) string {
	if len(replies) == 0 {
		return "(no reply)\n"
	}
	b := &strings.Builder{}
	for _, m := range replies {
		text := m.Text
		if text == "" {
			text = m.Fallback
		}
		fmt.Fprintf(b, "[%s] %s\n", m.Kind, indentRest(strings.TrimSpace(text), strings.Repeat(" ", len(m.Kind)+3)))
		cards := m.Cards
		if m.Comparison != nil {
			cards = append(cards, m.Comparison.Products...)
		}
		for _, c := range cards {
			fmt.Fprintf(b, "  %s %s — %s%s\n", c.SKU, c.Title, c.PriceText, labels(c.Buttons))
		}
		if m.Cart != nil && len(m.Cards) == 0 && !strings.Contains(text, m.Cart.TotalText) {
			for _, l := range m.Cart.Lines {
				fmt.Fprintf(b, "  %s × %d — %s\n", l.SKU, l.Quantity, l.TotalText)
			}
		}
		if len(m.Buttons) > 0 {
			fmt.Fprintf(b, "  buttons:%s\n", labels(m.Buttons))
		}
	}
	return b.String()
}

func labels(bs []concierge.Button) string {
	var s strings.Builder
	for _, b := range bs {
		fmt.Fprintf(&s, " [%s]", b.Label)
	}
	return s.String()
}

// indent prefixes every non-empty line of s.
func indent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "")
}

// indentRest indents every line of s but the first.
func indentRest(s, prefix string) string {
	return strings.ReplaceAll(s, "\n", "\n"+prefix)
}

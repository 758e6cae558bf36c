package nlu

import (
	"slices"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
)

// correctionMarks take back what came before them in the same message:
// "le leash 6 pieds, non pardon le 9 pieds", "add the duck umbrella x3,
// actually make it 2", "我要草编窄边帽，算了，不要了".
var correctionMarks = words("non pardon", "enfin non", "non en fait", "pardon", "en fait", "plutot",
	"actually", "sorry", "no wait", "i mean", "make that", "make it",
	"不对", "算了", "我是说", "说错了")

// retractions say that nothing of what came before is wanted: "算了，
// 不要了", "forget it", "laisse tomber", "finalement non".
var retractions = words("不要了", "不买了", "不用了", "forget it", "never mind", "nevermind", "laisse tomber",
	"oublie", "oubliez", "finalement non", "non merci", "no thanks", "cancel that")

// readCorrection reads a message that asks for something and then, after
// a comma and a mark, corrects itself. What was taken back is not asked
// for: the correction alone counts, with the request's words it does not
// replace. It returns false when the message holds no such correction.
func (l Limits) readCorrection(text string, ix *catalog.Index, hint concierge.Locale) (Intent, bool) {
	toks, _ := lex(text)
	p := &parse{toks: toks}
	at, end := -1, 0
	for i := 1; i < len(toks); i++ {
		if !toks[i].sep {
			continue
		}
		if k := p.startsAt(i, correctionMarks); k > 0 {
			at, end = i, i+k
		}
	}
	if at < 0 {
		return Intent{}, false
	}
	before := l.parseOne(p.text(0, at), ix, hint, true)
	if before.Name != AddToCart || before.Swap {
		return Intent{}, false
	}
	rest := p.text(end, len(toks))
	after := l.parseOne(rest, ix, hint, false)
	restToks, _ := lex(rest)
	rp := &parse{toks: restToks}
	retracted := strings.TrimSpace(rest) == ""
	for i := range restToks {
		retracted = retracted || rp.startsAt(i, retractions) > 0
	}
	switch {
	case retracted:
		// "算了，不要了": nothing is added; the cart shows as it is.
		return Intent{Name: ViewCart, Lang: before.Lang}, true
	case after.Quantity > 0 && (after.Query == "" || ix == nil || !ix.Meaningful(after.Query)) && len(after.Products) == 0:
		// "actually make it 2", "不对，要两个": the count is corrected.
		in := before
		if n := len(in.Items); n > 0 {
			in.Items = append([]Item(nil), in.Items...)
			in.Items[n-1].Quantity = after.Quantity
		} else {
			in.Quantity = after.Quantity
		}
		in.BadQuantity, in.TooMany = after.BadQuantity, after.TooMany
		return in, true
	}
	if len(before.Items) > 0 {
		// "the skateboard and the pads, actually make the pads 2": the
		// count of the one item the correction finds; otherwise the
		// correction is not understood, and nothing is guessed.
		if after.Quantity == 0 {
			return Intent{Name: ChangeQuantity, Lang: before.Lang}, true
		}
		found := candidates(ix, itemOf(rest, after))
		at := -1
		for k, it := range before.Items {
			if !slices.ContainsFunc(candidates(ix, it), func(s concierge.SKU) bool { return slices.Contains(found, s) }) {
				continue
			}
			if at >= 0 {
				return Intent{Name: ChangeQuantity, Lang: before.Lang}, true
			}
			at = k
		}
		if at < 0 {
			return Intent{Name: ChangeQuantity, Lang: before.Lang}, true
		}
		in := before
		in.Items = append([]Item(nil), in.Items...)
		in.Items[at].Quantity = after.Quantity
		return in, true
	}
	// "le leash 6 pieds, non pardon le 9 pieds": the correction with the
	// words of the request that are no numbers (what it is, not which).
	var kept []string
	for _, w := range strings.Fields(before.Query) {
		if !strings.ContainsAny(w, "0123456789") {
			kept = append(kept, w) // "120厘米" is which, "沙袋" what
		}
	}
	in := l.parseOne(rest+" "+strings.Join(kept, " "), ix, hint, false)
	switch in.Name {
	case Search, Details, AddToCart, ChangeQuantity, OutOfScope:
		if len(in.Products) == 0 && (in.Query == "" || ix == nil || !ix.Meaningful(in.Query)) {
			return Intent{}, false
		}
		in.Name = AddToCart
		if in.Quantity == 0 {
			in.Quantity = before.Quantity
		}
		return in, true
	}
	return Intent{}, false
}

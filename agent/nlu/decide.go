package nlu

import (
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
)

// decide picks the intent from the signals and slots, in an order of
// precedence that settles mixed messages the way a shop assistant would:
// a request for a person, a dispute or a refund beats everything said around it; a
// cart action beats the product words it acts on ("ajoute 2 lampes Aurore au
// panier" adds, it does not search); naming products without a verb asks
// about them; product words alone search.
func (p *parse) decide(in *Intent) IntentName {
	has := func(s signal) bool { return p.sigs[s] }
	generic := p.generic
	named := p.productsNamed(in.Products)
	if p.context {
		named = 0
	}
	pointed := p.ref || len(in.Ordinals) > 0
	designated := named > 0 || in.Category != "" || pointed
	switch {
	case has(sigHuman):
		return Human
	case p.refused && in.Query == "":
		// "don't add the bench capper": the cart as it is says nothing
		// went in.
		return ViewCart
	case has(sigDispute):
		// Before a refund: "charged twice, refund me" contests a charge.
		return Dispute
	case has(sigOffTopic):
		return OutOfScope
	case has(sigAbout):
		return Help
	case has(sigRefund), has(sigBroken):
		return RefundRequest
	case has(sigEmptyCart):
		// "vide mon panier": every line, unless something narrower is
		// named ("enlève tout le fil rouge" removes that line).
		in.All = named == 0 && in.Category == "" && !generic
		return RemoveFromCart
	case has(sigCancel):
		// "annule les ampoules" is about the cart, "annule ma commande"
		// about an order.
		if (named > 0 || in.Category != "") && !has(sigOrderWord) {
			return RemoveFromCart
		}
		return CancelOrder
	case has(sigRemove), has(sigDontWant) && (designated || generic):
		// "不要膨胀塞了", "je ne veux plus les chevilles": what they name
		// leaves the cart (a product not in it is said to be not there).
		return RemoveFromCart
	case p.less && !generic:
		// "one less", "un de moins", "少一个".
		return RemoveFromCart
	case has(sigChangeStrong), has(sigChange) && in.Quantity > 0, has(sigChangeWeak) && in.Quantity > 0 && !generic:
		return ChangeQuantity
	case has(sigAdd):
		return AddToCart
	case has(sigStatus):
		return OrderStatus
	case has(sigCheckout):
		return Checkout
	case (has(sigOrderWord) || in.Order != "") && !generic && named == 0:
		return OrderStatus
	case has(sigShipping):
		// Delivery terms are the shop's to explain, not an order's state.
		return Help
	case has(sigViewCart):
		return ViewCart
	case has(sigWant) && !has(sigDetails) && !(p.question && has(sigSearch)) && (named > 0 || (in.Quantity > 0 || pointed) && !generic):
		// "I need a boost before the gym, what do you have?" asks what
		// is sold, though it names the "Boost" pre-workout.
		return AddToCart
	case p.polite() && named == 1 && !p.question && !has(sigDetails) && !has(sigCompare) && !has(sigSearch):
		// "the Merci 50 ml perfume please".
		return AddToCart
	case (has(sigWant) || p.polite()) && !has(sigDetails) && !p.question && generic && (p.specific || p.counted(in) && p.chooses(in)) && !p.long():
		// "je voudrais la théière en verre": the words describe one
		// product only. Words that fit several search.
		return AddToCart
	case p.more && (!generic || p.unique) && !has(sigDetails) && !has(sigCompare) && !p.long():
		// "one more", "encore une", "再来一个": another of what is in
		// focus; "encore un mug vert": another of that one.
		return AddToCart
	case named > 0 && in.Quantity > 0 && !p.question && !has(sigCompare) && !has(sigDetails):
		// "2 of the Aurore please": a count of a named product is an order.
		return AddToCart
	case p.explicitCount(in) && (generic && p.chooses(in) || named == 1) &&
		!p.question && !has(sigCompare) && !has(sigDetails) && !has(sigSearch) && !p.long():
		// "3 câbles usb-c vers lightning", "un thé oolong Tieguanyin": a
		// count of what one product is, even one, orders it; "the
		// Tieguanyin" alone shows it.
		return AddToCart
	case (has(sigWant) || has(sigAdd) || p.seq(0, "要")) && p.superlative() && in.Query != "" && !p.question && !has(sigDetails) && !has(sigCompare):
		// "我要最便宜的拉手", "I want the cheapest bar handle": the
		// cheapest of what the words fit is picked (the brain asks when
		// two share its price); "something cheaper" still browses.
		return AddToCart
	case in.Picked && len(in.Ordinals) == 1:
		// "the second one", "第二个" after a list: a choice of it.
		return AddToCart
	case named >= 2, has(sigCompare) && (pointed || !generic && !p.offCatalog):
		return Compare
	case named == 1, has(sigDetails) && (pointed || !generic && !p.offCatalog), len(in.Ordinals) > 0:
		return Details
	}
	if yes, ok := p.consent(); ok {
		if yes {
			return ConsentYes
		}
		return ConsentNo
	}
	switch {
	case generic, in.PriceMax > 0, in.PriceMin > 0, len(in.Measures) > 0, in.Sort != catalog.Relevance, in.Category != "":
		return Search
	case has(sigThanks) && !p.question:
		// "thanks for your help" thanks; "merci, tu peux m'aider ?" asks.
		return Thanks
	case has(sigHelp):
		// Before a bare search cue: "有什么功能" asks about the assistant.
		return Help
	case has(sigSearch):
		return Search
	case has(sigDontWant) && p.pronounOfWant():
		// "finalement je n'en veux pas" right after an add: that one out.
		in.RefShown = true
		return RemoveFromCart
	case has(sigDontWant):
		return ConsentNo
	case has(sigWant) && in.Quantity > 0:
		return AddToCart
	case has(sigThanks):
		return Thanks
	case has(sigGreet):
		return Greet
	}
	return OutOfScope
}

// consent reports whether the message is only an answer to a yes/no
// question ("oui j'accepte", "ok d'accord", "no, I don't agree", "好的"),
// and which. Politeness around the answer does not matter; anything else
// makes it something other than an answer.
func (p *parse) consent() (yes, ok bool) {
	covered := make([]bool, len(p.toks))
	var sawYes, sawNo, negated bool
	for _, s := range p.spans {
		switch s.sig {
		case sigYes:
			sawYes = true
		case sigNo, sigDontWant:
			sawNo = true
		case sigNegation:
			negated = true
		case sigFiller, sigThanks, sigGreet:
		default:
			continue
		}
		for _, k := range s.at {
			covered[k] = true
		}
	}
	for i, t := range p.toks {
		if !covered[i] && t.kind != tSymbol {
			return false, false
		}
	}
	switch {
	case sawNo, sawYes && negated:
		return false, true
	case sawYes:
		return true, true
	}
	return false, false
}

// pointAtShown sets RefShown for actions with no object of their own:
// "加入购物车", "make it 4", "tell me more", "compare them" act on what was
// shown or last looked at.
func (p *parse) pointAtShown(in *Intent) {
	switch in.Name {
	case Compare:
		if len(in.Products) < 2 && len(in.Ordinals) < 2 {
			in.RefShown = true
		}
	case AddToCart, RemoveFromCart, ChangeQuantity, Details:
		if len(in.Products) == 0 && len(in.Ordinals) == 0 && in.Category == "" {
			in.RefShown = true
		}
	}
}

// polite reports a "please" in the message: "the glass teapot please" asks
// for it as "I'd like" does.
func (p *parse) polite() bool {
	for i, t := range p.toks {
		switch t.norm {
		case "please", "pls", "plz", "svp", "stp", "请", "麻烦":
			return true
		case "s":
			if p.seq(i, "s", "il", "vous", "plait") || p.seq(i, "s", "il", "te", "plait") {
				return true
			}
		}
	}
	return false
}

// leadingIndefinite reports a message that opens with a count of one:
// "un thé vert", "a glass teapot", "一个玻璃茶壶", "one Earl Grey".
func (p *parse) leadingIndefinite() bool {
	for i, t := range p.toks {
		if t.kind == tSymbol {
			continue
		}
		switch strings.ToLower(t.orig) { // "à" is not "a"
		case "un", "une", "a", "an", "one":
			return true
		case "一":
			return i+1 < len(p.toks) && classifiers[p.toks[i+1].norm]
		}
		return false
	}
	return false
}

// browsing reports a message that narrows a search (a budget, an order):
// "a warm bedside lamp under 60 euros" looks, it does not order.
func (p *parse) browsing(in *Intent) bool {
	return in.PriceMax > 0 || in.PriceMin > 0 || len(in.Measures) > 0 || in.Sort != catalog.Relevance
}

// long reports a message too long to be an order by itself: a shopper who
// tells a story around a product is answered about it, not charged for it.
// onlyPicks reports a message made of a pick among what was shown (one
// position, or a price superlative) and of words that say nothing else:
// articles, "one", "please", "ok", "那个". See Intent.Picked.
func (p *parse) onlyPicks(in *Intent) bool {
	if len(in.Ordinals) != 1 && !in.ByPrice || p.question || in.Query != "" || len(in.Products) > 0 ||
		in.Quantity > 0 || p.sigs[sigDetails] || p.sigs[sigSearch] || p.sigs[sigCompare] {
		return false
	}
	sorting := map[int]bool{}
	for _, s := range p.spans {
		if s.sig == sigSortAsc || s.sig == sigSortDesc {
			for _, k := range s.at {
				sorting[k] = true
			}
		}
	}
	for i, t := range p.toks {
		if p.used[i] || sorting[i] || t.kind == tSymbol || pickFillers[t.norm] {
			continue
		}
		return false
	}
	return true
}

// pickFillers are the words a bare pick may carry: "ok the second one
// please", "alors le moins cher", "就要第二个吧".
var pickFillers = setOf("the", "one", "le", "la", "l", "celui", "celle", "ci", "please", "pls", "plz", "svp", "stp",
	"s", "il", "vous", "te", "plait", "ok", "okay", "alors", "then", "so", "just", "juste", "bon", "well",
	"那个", "这个", "那", "这", "个", "款", "的", "吧", "请", "就", "要", "好", "好的", "嗯")

func (p *parse) long() bool { return len(p.toks) > 30 }

// counted reports a message that says how many: a number, a vague count,
// or an opening "a"/"un"/"一个" that is not browsing.
func (p *parse) counted(in *Intent) bool {
	return in.Quantity > 0 || in.VagueQuantity || p.leadingIndefinite() && !p.browsing(in)
}

// explicitCount reports a count that is not only an article: "2 X",
// "deux X", "三个X", "quelques X". With no verb, "a glass teapot" or "un thé
// Tieguanyin" shows the product with its buttons rather than adding it:
// one tap to confirm beats a guess.
func (p *parse) explicitCount(in *Intent) bool {
	return in.Quantity > 1 || in.Quantity == 1 && !p.indefOne && !p.leadingIndefinite() || in.VagueQuantity
}

// chooses reports whether the message picks the one product its words
// find: a count of it ("deux huiles d'olive"), words that say its name
// ("un thé oolong Tieguanyin"), or a "not" that leaves only it ("un riz
// mais pas le thaï"). "一本漫画" (a comic) whose word only one product's
// name happens to have does not.
func (p *parse) chooses(in *Intent) bool {
	explicit := in.Quantity > 1 || in.Quantity == 1 && !p.indefOne || in.VagueQuantity
	// "我要一个陀螺": "a" and a word of the product's own name.
	named := (p.indefOne || p.leadingIndefinite()) && p.spelled > 0
	return p.unique && (explicit || p.specific || named || in.NotQuery != "")
}

// productsNamed counts the products of skus, the variants of one group
// counting once: "8毫米的" that names both colours of the 8 mm mat names
// one product, which is no comparison.
func (p *parse) productsNamed(skus []concierge.SKU) int {
	if p.ix == nil || len(skus) < 2 {
		return len(skus)
	}
	seen := map[string]bool{}
	for _, s := range skus {
		g := p.ix.GroupOf(s)
		if g == "" {
			g = "\x00" + string(s)
		}
		seen[g] = true
	}
	return len(seen)
}

// pronounOfWant reports a refusal that points with a pronoun: "je n'en
// veux pas", "je n'en veux plus" (the one just spoken of).
func (p *parse) pronounOfWant() bool {
	for i := 0; i+2 < len(p.toks); i++ {
		if p.toks[i].norm == "n" && p.toks[i+1].norm == "en" && p.toks[i+2].norm == "veux" {
			return true
		}
	}
	return false
}

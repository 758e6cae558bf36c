package nlu

import (
	"slices"
	"strings"
	"sync"
)

// signal is something a phrase tells about a message: a wish (add, pay),
// a topic (weather), a way of answering (yes, no). Intents are decided from
// signals and slots in decide.go.
type signal uint8

const (
	sigGreet  signal = iota
	sigThanks        // thanks and goodbyes: the shopper is closing, not failing
	sigHelp
	sigAbout    // "who are you", "ce bot", "你是机器人吗": about the assistant itself
	sigShipping // "livraison", "shipping", "运费": the shop's delivery terms
	sigHuman
	sigOffTopic
	sigRefund
	sigDispute // "charged twice", "jamais reçu", "我要投诉": a contested charge or order
	sigBroken
	sigCancel
	sigOrderWord // "commande", "order", "订单": the noun, whatever is done with it
	sigStatus
	sigCheckout
	sigViewCart
	sigAdd
	sigWant // "je veux", "I'd like", "我要": adds when something precise is wanted
	sigRemove
	sigEmptyCart    // "vide mon panier", "clear my cart", "清空购物车": every line leaves
	sigDontWant     // "je ne veux plus", "don't want", "不要": removes something, or says no
	sigChange       // "finalement", "make it", "改成": with a number, a new quantity
	sigChangeWeak   // "juste", "only": a new quantity only when nothing else is described
	sigChangeStrong // "change the quantity": no number needed
	sigCompare
	sigDetails
	sigSearch
	sigYes
	sigNo
	sigNegation
	sigFiller // words that do not change a yes or a no ("je", "merci", "吧")
	sigSortAsc
	sigSortDesc
	numSignals
)

// cueTable lists the phrases of each signal in fr, en and zh, as typed
// (they are folded and cut like messages). A trailing "*" on a word matches
// any word starting with it; " … " stands for up to four words ("take …
// out"). When phrases overlap in a message, the longest wins: "pas trop
// cher" is cheap, "non merci" is a no.
var cueTable = [numSignals][]string{
	sigGreet: {
		"bonjour", "bonsoir", "salut", "coucou", "bjr", "slt", "hello", "hi", "hey", "hiya", "yo", "howdy",
		"good morning", "good afternoon", "good evening", "greetings", "你好", "您好", "嗨", "哈喽", "哈啰", "早上好",
		"下午好", "晚上好", "早安", "在吗", "在不在", "👋",
	},
	sigThanks: {
		"au revoir", "bye", "goodbye", "bye bye", "a bientot", "a plus", "see you", "再见", "拜拜", "merci",
		"merci beaucoup", "merci bien", "thanks", "thank you", "thank", "thx", "ty", "cheers",
		"much appreciated", "谢谢", "多谢", "感谢", "谢了", "谢谢你", "🙏",
	},
	sigHelp: {
		"aide*", "m aider", "can you help", "how do i buy", "comment acheter", "comment commander", "怎么买",
		"怎么购买", "如何购买", "如何使用", "aidez moi", "aide moi", "au secours", "comment ca marche",
		"comment ca fonctionne", "que peux tu faire", "que pouvez vous faire", "tu sers a quoi",
		"tu fais quoi", "vous faites quoi", "qu est ce que tu sais faire", "qu est ce que tu peux faire",
		"tu peux faire quoi", "que sais tu faire", "help", "what can you do", "what do you do",
		"how does this work", "how does it work", "menu", "commands", "帮助", "帮忙", "你能做什么", "你会什么", "你会做什么",
		"怎么用", "功能", "你可以做什么", "能干什么", "能做什么",
	},
	sigAbout: {
		"bot", "chatbot", "robot", "ce bot", "this bot", "qui es tu", "t es qui", "tu es qui", "who are you",
		"what are you", "are you a bot", "are you a robot", "es tu un robot", "机器人", "你是谁",
	},
	sigShipping: {
		"livraison", "livrez", "livrez vous", "frais de port", "frais de livraison", "delai de livraison",
		"delivery", "deliver", "shipping", "ship to", "shipping cost", "配送", "运费", "包邮", "送货",
	},
	sigHuman: {
		"humain", "un humain", "une personne", "vraie personne", "personne reelle", "conseiller*", "vendeur",
		"vendeuse", "service client", "operateur", "operatrice", "parler a quelqu un", "un vrai", "human",
		"real person", "a person", "agent", "representative", "operator", "customer service",
		"customer support", "talk to someone", "speak to someone", "live chat", "live agent", "人工", "客服",
		"真人", "转人工", "人工客服", "找人",
	},
	sigOffTopic: {
		"quelle heure", "l heure", "what time is it", "the time", "几点", "时间", "meteo", "quel temps",
		"temps fait", "il fait beau", "weather", "poem", "poeme", "poesie", "blague", "joke", "recette",
		"recipe", "bourse", "stock market", "stocks", "crypto", "bitcoin", "politique", "politics",
		"president", "football", "write me", "ecris moi", "ecris un", "raconte moi", "tell me a", "capitale",
		"capital of", "horoscope", "homework", "devoirs", "translate", "traduis", "天气", "诗", "笑话", "股市",
		"股票", "新闻", "比特币", "写一首", "讲个", "作业", "翻译",
	},
	sigRefund: {
		"rembours*", "retour", "retourner", "renvoyer", "me faire rembourser", "refund*", "money back",
		"return", "send it back", "send back", "退款", "退货", "退钱", "退", "退掉",
	},
	sigDispute: {
		"conteste*", "contestation", "litige", "debite deux fois", "debite 2 fois", "preleve deux fois",
		"preleve 2 fois", "paye deux fois", "paye 2 fois", "facture deux fois", "double prelevement",
		"double paiement", "double debit", "jamais recu*", "jamais arrive*", "jamais ete livre*",
		"pas ce qui etait decrit", "pas conforme", "non conforme", "pas comme decrit", "pas comme sur la photo",
		"ne correspond pas a la description", "arnaque", "escroquerie", "porter plainte", "plainte",
		"dispute*", "charged twice", "charged me twice", "charged two times", "charged 2 times",
		"double charged", "double charge*", "billed twice", "billed me twice", "paid twice", "debited twice",
		"never received", "never got", "never arrived", "never came", "never delivered",
		"what was described", "not as described", "not as advertised", "not what i ordered", "chargeback",
		"scam", "fraud", "complaint", "file a complaint", "扣了两次", "扣两次", "扣了两次钱", "重复扣款", "扣款两次",
		"付了两次", "重复付款", "没收到", "没有收到", "从来没收到", "投诉", "与描述不符", "和描述不符", "跟描述不一样",
		"货不对板", "申诉", "骗子",
	},
	sigBroken: {
		"casse", "cassee", "casses", "cassees", "brise*", "abime*", "defectueu*", "endommage*", "ne marche pas", "ne marche plus",
		"ne fonctionne pas", "ne fonctionne plus", "ne s allume pas", "broken", "damaged", "defective",
		"cracked", "doesn t work", "does not work", "not working", "stopped working", "won t turn on", "坏了",
		"坏", "破了", "碎了", "不亮", "有问题", "质量问题",
	},
	sigCancel: {
		"annule", "annuler", "annulez", "annulation", "cancel", "cancellation", "取消", "撤销",
	},
	sigOrderWord: {
		"commande", "commandes", "cde", "order", "orders", "订单", "ma commande", "mes commandes", "ma cde",
		"my order", "my orders", "我的订单",
	},
	sigStatus: {
		"when will my", "will it arrive", "when will it arrive", "quand vais je recevoir",
		"quand est ce que je vais recevoir", "delivered", "arrive quand", "到了吗", "什么时候发货", "mon colis",
		"ma livraison", "ou en est", "suivi", "suivre", "pas arrive*", "pas recu*", "toujours pas recu",
		"expedie*", "statut", "my package", "my parcel", "order status", "where is my", "where s my",
		"track*", "shipped", "shipping status", "my delivery", "when will i get", "hasn t arrived",
		"not arrived", "物流", "快递", "到哪", "发货", "包裹", "到货", "什么时候到", "订单状态", "还没收到", "还没有收到",
	},
	sigCheckout: {
		"carte bleue", "carte bancaire", "cb", "paypal", "credit card", "apple pay", "支付宝", "微信支付", "payer",
		"paye", "paie", "paiement", "passer commande", "passe commande", "passer la commande",
		"passons commande", "valider", "valide", "valider mon panier", "finaliser", "finalise", "regler",
		"caisse", "checkout", "check out", "pay", "payment", "place the order", "place my order",
		"place an order", "proceed", "buy now", "complete my purchase", "complete the order", "结账", "付款",
		"支付", "买单", "下单", "结算", "付钱", "去付款",
	},
	sigViewCart: {
		"qu y a t il dans mon panier", "qu y a t il", "y a quoi dans", "il y a quoi dans",
		"what s in the cart", "mon total", "le total", "total", "combien je dois", "my total", "the total",
		"how much do i owe", "总共", "一共多少", "总价", "合计", "mon panier", "le panier", "voir panier",
		"voir le panier", "voir mon panier", "panier", "qu est ce que j ai pris", "j ai pris quoi",
		"qu est ce qu il y a dans mon panier", "recap", "recapitulatif", "ce que j ai pris", "my cart",
		"the cart", "view cart", "show cart", "show my cart", "cart", "basket", "my basket",
		"what s in my cart", "whats in my cart", "what did i add", "what have i got", "what do i have",
		"购物车", "我的购物车", "看看购物车", "我买了什么", "我选了什么", "🛒",
	},
	sigAdd: {
		"va pour", "je pars sur", "je choisis", "i ll go with", "ill go with", "let s go with", "go for",
		"i choose", "i ll pick", "我选", "就它了", "就要这个", "就这个", "就这款", "就它", "要这个", "这个吧", "这款吧", "加", "到购物车", "放到购物车", "put … in", "add … to", "把 … 加",
		"把 … 放", "ajoute", "ajouter", "ajoutez", "rajoute", "rajouter", "je prends", "prends", "prenez",
		"je vais prendre", "mets", "mettez", "met", "mets moi", "ajout", "j achete", "au panier", "dans le panier",
		"dans mon panier", "je le veux", "je la veux", "je les veux", "add", "i ll take", "ill take",
		"i will take", "i ll have", "i will have", "take it", "take them", "put", "to my cart",
		"to the cart", "to cart", "in my cart", "into my cart", "buy it", "i ll buy", "i will buy", "get it",
		"i ll get", "加入", "加到", "放进", "放入", "加购", "买这个", "我买", "要了", "我要了", "拿",
	},
	sigWant: {
		"就要", "buy", "acheter", "achete", "j achete", "je veux", "je voudrais", "j en veux", "j en voudrais", "j en prends", "j en prendrai", "j aimerais", "il me faut",
		"je souhaite", "donne moi", "donnez moi", "je commande", "commander", "i want", "i d like",
		"id like", "i would like", "give me", "i need", "we need", "we want", "we d like", "on voudrait",
		"on veut", "nous voudrions", "j ai besoin d", "j ai besoin de", "il nous faut", "i wanna", "i ll need",
		"can i get", "could i get", "can i have", "could i have", "may i have", "can you add", "i want to buy",
		"je veux acheter", "je voudrais acheter", "puis je avoir", "je pourrais avoir", "pourrais je avoir", "je peux avoir", "我想买", "想买", "我要买", "帮我拿", "let me have", "i ll go with", "我要", "我想要", "给我",
		"要", "来", "买", "order me", "i ll order", "ill order", "i will order", "can i order", "could i order",
		"let me order", "please order", "订", "订购", "预订", "我订",
	},
	sigRemove: {
		"take … out", "take … off", "把 … 删", "把 … 去掉", "把 … 拿掉", "enleve … du panier", "retire … du panier",
		"删", "删了", "不要这个了", "enleve", "enleves", "enlever", "enlevez", "retire", "retirer", "retirez", "supprime",
		"supprimer", "supprimez", "plus besoin", "vire", "sors", "remove", "delete", "take out", "take off",
		"get rid of", "删除", "删掉", "去掉", "拿掉", "移除", "不要了", "拿走", "减掉", "拿出",
	},
	sigEmptyCart: {
		"vide mon panier", "vider mon panier", "videz mon panier", "vide le panier", "vider le panier",
		"videz le panier", "vide panier", "vider panier", "enleve tout", "enlever tout", "enlevez tout",
		"retire tout", "retirez tout", "supprime tout", "supprimez tout", "tout enlever", "tout retirer",
		"tout supprimer", "empty my cart", "empty the cart", "empty cart", "empty my basket",
		"empty the basket", "clear my cart", "clear the cart", "clear cart", "clear my basket",
		"remove everything", "delete everything", "remove all items", "清空购物车", "清空", "把购物车清空",
		"全部删除", "全部删掉", "全删了", "都删了", "都删掉",
	},
	sigDontWant: {
		"je ne veux plus", "ne veux plus", "je ne veux pas", "ne veux pas", "n en veux pas", "n en veux plus", "don t want", "dont want",
		"do not want", "no longer want", "don t need", "不要", "不想要", "不需要",
	},
	sigChange: {
		"finalement", "en fait", "plutot", "au lieu de", "change", "changer", "modifie", "modifier",
		"passe a", "make it", "make that", "change it to", "change to", "actually", "instead", "set it to", "update",
		"ca suffit", "ca suffira", "suffit", "is enough", "will do", "that s enough", "just need", "就够了", "够了",
		"reduce", "increase", "改成", "改为", "换成", "改", "变成",
		// A change of mind about what was just said: "non pardon le 10
		// cm", "sorry, yellow not red" (see readSwap).
		"non pardon", "pardon", "sorry", "oops", "oups", "my bad", "i meant", "je voulais dire", "不对", "我是说", "说错了",
	},
	sigChangeWeak: {
		"seulement", "juste", "que", "seul", "seule", "only", "just", "只要", "就要",
	},
	sigChangeStrong: {
		"change la quantite", "changer la quantite", "modifier la quantite", "modifie la quantite",
		"quantite", "change the quantity", "change quantity", "quantity", "数量", "改数量",
	},
	sigCompare: {
		"compare*", "comparaison", "difference", "differences", "quelle difference", "versus", "vs",
		"lequel", "laquelle", "lesquels", "mieux", "meilleur*", "plus lumineu*", "which one", "which is",
		"which", "better", "best", "brighter", "differ*", "比较一下", "对比一下", "比一下", "比较", "对比", "哪个好", "哪个", "区别", "不同", "哪款", "还是",
		"更好", "更亮",
		// Torn between two: "j'hésite entre …", "我在…和…之间犹豫".
		"hesite*", "hesitating", "hesitate", "torn between", "undecided", "犹豫", "纠结",
	},
	sigDetails: {
		"come with", "comes with", "livree avec", "fournie avec", "fourni avec", "compatible*", "配", "怎么卖",
		"c est combien", "combien", "how much", "what s the price", "quel est le prix", "en savoir plus",
		"savoir plus", "know more", "learn more", "more details", "了解一下", "了解", "c est quoi",
		"qu est ce que", "plus d info*", "details", "detail", "infos", "info", "information*",
		"caracteristique*", "fiche", "parle moi", "parlez moi", "dis m en plus", "decris", "decrivez",
		"combien coute", "combien coutent", "quel prix", "elle coute combien", "il coute combien",
		"en stock", "disponible", "dispo", "puissance", "combien de lumens", "tell me more", "more about",
		"more info", "what is", "what s", "describe", "specs", "how much is", "how much does", "how bright",
		"in stock", "available", "about the", "怎么样", "介绍", "详情", "详细", "多少钱", "参数", "是什么", "有货", "亮度", "多亮",
		"好不好", "看一下",
	},
	sigSearch: {
		"vous faites", "faites vous", "vous proposez", "vous auriez", "cherche", "chercher", "recherche",
		"je cherche", "avez vous", "vous avez", "vous vendez", "auriez vous", "il y a", "montre moi",
		"montrez moi", "propose*", "conseille*", "recommande*", "je veux voir", "looking for", "look for",
		"searching", "search", "do you have", "do you sell", "have you got", "got any", "show me",
		"recommend", "suggest", "find me", "any", "有没有", "有吗", "找", "推荐", "看看", "想看", "有什么",
		"给我看看", "给我看一下", "让我看看", "我看看",
		"卖",
	},
	sigYes: {
		"d acc", "dacc", "oki", "okk", "k", "kk", "ok ok", "go", "let s do it", "c est parti", "allez",
		"oui", "ouais", "ouaip", "ok", "okay", "okey", "d accord", "dac", "daccord", "accepte", "j accepte",
		"bien sur", "volontiers", "ca marche", "ca me va", "vas y", "allez y", "allons y", "c est bon",
		"parfait", "entendu", "yes", "yeah", "yep", "yup", "sure", "agree", "i agree", "accept", "i accept",
		"of course", "sounds good", "go ahead", "fine", "alright", "all right", "absolutely", "好", "好的",
		"可以", "同意", "是", "是的", "行", "没问题", "嗯", "对", "好啊", "确定", "确认", "接受", "👍", "👌", "✅",
	},
	sigNo: {
		"pas maintenant", "plus tard", "later", "maybe later", "not today", "pas aujourd hui", "以后再说", "下次吧",
		"下次再说", "先不用", "non", "nan", "pas d accord", "refuse", "je refuse", "non merci", "jamais", "no",
		"nope", "nah", "disagree", "decline", "i decline", "no thanks", "no thank you", "not now", "不",
		"不同意", "不用", "不用了", "算了", "拒绝", "不行", "不可以", "不好", "👎", "❌",
	},
	sigNegation: {
		"pas", "ne", "n", "don t", "dont", "do not", "not", "never", "没",
	},
	sigFiller: {
		"les", "the", "conditions", "les conditions", "cgv", "terms", "the terms", "policy", "politique",
		"rgpd", "donnees", "data", "条款", "协议", "隐私", "je", "j", "i", "me", "moi", "c est", "ca", "cela",
		"it", "that", "s", "bien", "merci", "thanks", "thank you", "please", "svp", "stp", "s il vous plait", "s il te plait", "alors", "bon",
		"well", "so", "then", "go", "avec plaisir", "的", "了", "吧", "啊", "呀", "哦", "那", "就", "我", "这样", "么",
		"吗",
	},
	sigSortAsc: {
		"cheapest first", "lowest price first", "prix croissant", "par prix croissant",
		"du moins cher au plus cher", "sort by price", "trier par prix", "moins cher d abord", "从便宜到贵",
		"le moins cher", "la moins chere", "les moins chers", "moins cher", "moins chere", "pas cher",
		"pas chere", "pas trop cher", "pas trop chere", "bon marche", "petit prix", "petits prix",
		"cheapest", "cheap", "cheaper", "least expensive", "lowest price", "affordable", "inexpensive",
		"budget", "最便宜", "便宜", "实惠", "便宜点",
	},
	sigSortDesc: {
		"most expensive first", "highest price first", "prix decroissant", "par prix decroissant",
		"du plus cher au moins cher", "从贵到便宜", "le plus cher", "la plus chere", "les plus chers",
		"plus cher", "plus chere", "haut de gamme", "most expensive", "priciest", "high end", "premium",
		"top of the range", "最贵", "贵的", "高端",
	},
}

// gap in a cue matches up to maxGap tokens: "take … out" matches "take
// the gift card out".
const (
	gap    = "…"
	maxGap = 4
)

// cue is one compiled phrase.
type cue struct {
	sig   signal
	words []string // folded token norms; a trailing "*" matches a prefix
}

// cueIndex finds cues by their first word.
type cueIndex struct {
	byFirst  map[string][]cue
	prefixed []cue // cues whose first word is a prefix
}

// cues compiles cueTable once.
var cues = sync.OnceValue(func() *cueIndex {
	ix := &cueIndex{byFirst: map[string][]cue{}}
	for sig, phrases := range cueTable {
		for _, p := range phrases {
			c := cue{sig: signal(sig)}
			for k, part := range strings.Split(p, " … ") {
				if k > 0 {
					c.words = append(c.words, gap)
				}
				toks, _ := lex(part)
				for _, t := range toks {
					c.words = append(c.words, t.norm)
				}
			}
			if strings.HasSuffix(p, "*") && len(c.words) > 0 {
				c.words[len(c.words)-1] += "*"
			}
			if strings.HasSuffix(c.words[0], "*") {
				ix.prefixed = append(ix.prefixed, c)
			} else {
				ix.byFirst[c.words[0]] = append(ix.byFirst[c.words[0]], c)
			}
		}
	}
	return ix
})

// span is a match of a cue in a message: the tokens its words matched,
// in order (a gap's tokens are not part of it).
type span struct {
	sig signal
	at  []int
}

// matchCues finds the cues of toks outside the tokens already used by
// slots; where matches overlap, the longest wins (the earliest on a tie).
func matchCues(toks []tok, used []bool) []span {
	ix := cues()
	var all []span
	try := func(c cue, i int) {
		j := i
		var at []int
		for k := 0; k < len(c.words); k++ {
			w := c.words[k]
			if w == gap {
				// Skip up to maxGap tokens to the next word of the cue.
				next := c.words[k+1]
				end := min(j+maxGap+1, len(toks))
				for j < end && (used[j] || !wordMatches(next, toks[j].norm)) {
					j++
				}
				if j == end {
					return
				}
				continue
			}
			if j >= len(toks) || used[j] || !wordMatches(w, toks[j].norm) {
				return
			}
			at = append(at, j)
			j++
		}
		all = append(all, span{sig: c.sig, at: at})
	}
	for i, t := range toks {
		for _, c := range ix.byFirst[t.norm] {
			try(c, i)
		}
		for _, c := range ix.prefixed {
			try(c, i)
		}
	}
	slices.SortStableFunc(all, func(a, b span) int {
		if d := len(b.at) - len(a.at); d != 0 {
			return d
		}
		return a.at[0] - b.at[0]
	})
	taken := make([]bool, len(toks))
	kept := all[:0]
	for _, s := range all {
		free := true
		for _, k := range s.at {
			free = free && !taken[k]
		}
		if !free {
			continue
		}
		for _, k := range s.at {
			taken[k] = true
		}
		kept = append(kept, s)
	}
	return kept
}

// wordMatches reports whether the cue word w matches the token norm t.
func wordMatches(w, t string) bool {
	if p, ok := strings.CutSuffix(w, "*"); ok {
		return strings.HasPrefix(t, p)
	}
	return w == t
}

// superlative reports whether the price cue is said of one thing: after a
// definite article ("the cheaper", "le moins cher"), with 最, or before a
// word that points ("one", "那个", "celui"). "moins cher ?" or "cheaper
// options" ask for a list.
func (p *parse) superlative() bool {
	for _, s := range p.spans {
		if s.sig != sigSortAsc && s.sig != sigSortDesc || len(s.at) == 0 {
			continue
		}
		first, last := s.at[0], s.at[len(s.at)-1]
		if p.toks[first].norm == "le" || p.toks[first].norm == "la" || strings.HasPrefix(p.toks[first].norm, "最") ||
			p.toks[first].norm == "most" || p.toks[first].norm == "least" {
			return true
		}
		if first > 0 && definiteWords[p.toks[first-1].norm] {
			return true
		}
		for k := last + 1; k < len(p.toks) && k <= last+3; k++ {
			if pointerWords[p.toks[k].norm] {
				return true
			}
		}
	}
	return false
}

var (
	definiteWords = setOf("the", "le", "la", "celui", "celle", "最")
	pointerWords  = setOf("one", "那", "个", "款", "celui", "celle", "la")
)

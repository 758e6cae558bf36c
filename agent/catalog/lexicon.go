package catalog

import (
	"strings"
	"sync"
)

// kind says what a concept tells about a product. Product kinds say what a
// thing is (a query for lamps must not return bulbs); uses say where or for
// what it is used and, with kinds, mark categories; attributes only rank.
type kind uint8

const (
	attribute kind = iota
	use
	productKind
)

// concept is a meaning shared by words of several languages, so that
// "ampoule", "bulb" and "灯泡" find the same products.
type concept struct {
	id   string
	kind kind
}

// concepts are the meanings the lexicon knows. Their ids are English and
// never shown.
var concepts = []concept{
	{"lamp", productKind}, {"bulb", productKind}, {"shade", productKind}, {"gift", productKind},
	{"giving", use}, {"desk", use}, {"bedside", use}, {"floor", use}, {"nightlight", use}, {"reading", use}, {"kids", use},
	{"dimmable", attribute}, {"warm", attribute}, {"cool", attribute}, {"led", attribute},
	{"linen", attribute}, {"cotton", attribute}, {"rattan", attribute}, {"metal", attribute},
	{"ceramic", attribute}, {"wood", attribute}, {"glass", attribute}, {"smart", attribute},
	{"color", attribute}, {"cordless", attribute}, {"touch", attribute}, {"vintage", attribute},
	{"adjustable", attribute}, {"black", attribute}, {"white", attribute}, {"gold", attribute},
	{"red", attribute}, {"blue", attribute}, {"green", attribute}, {"pink", attribute}, {"grey", attribute},
	{"yellow", attribute}, {"purple", attribute}, {"navy", attribute}, {"turquoise", attribute}, {"khaki", attribute}, {"ecru", attribute}, {"brown", attribute}, {"beige", attribute}, {"silver", attribute}, {"mint", attribute}, {"camo", attribute},
	{"burgundy", attribute}, {"orange", attribute}, {"natural", attribute}, {"brass", attribute},
	{"leather", attribute}, {"suede", attribute}, {"wool", attribute}, {"silk", attribute}, {"castiron", attribute},
	{"bamboo", attribute}, {"plastic", attribute}, {"lipstick", productKind},
	{"sizexs", attribute}, {"sizes", attribute}, {"sizem", attribute}, {"sizel", attribute}, {"sizexl", attribute},
	{"digital", attribute}, {"bedsingle", attribute}, {"beddouble", attribute}, {"bedking", attribute}, {"bedqueen", attribute},
	{"sage", attribute},
}

// sense maps words and phrases of fr, en and zh to one or more concepts.
// "台灯" is both a desk and a lamp; "warm light" is warm, not a lamp.
type sense struct {
	concepts []string
	words    []string
}

// senses is the shopping vocabulary of lighting and gifts. Phrases are
// written as they are typed; they are folded and stemmed when compiled.
var senses = []sense{
	{[]string{"lamp"}, []string{"lamp", "lampe", "luminaire", "light", "lampara", "灯", "灯具"}},
	{[]string{"desk", "lamp"}, []string{"台灯", "desklamp", "书桌灯", "桌灯", "办公灯", "architecte", "architect", "建筑师台灯"}},
	{[]string{"bedside", "lamp"}, []string{"床头灯", "卧室灯"}},
	{[]string{"floor", "lamp"}, []string{"落地灯", "lampadaire", "floor lamp"}},
	{[]string{"nightlight", "lamp"}, []string{"veilleuse", "nightlight", "night light", "夜灯", "小夜灯"}},
	{[]string{"reading", "lamp"}, []string{"阅读灯", "liseuse", "reading light", "reading lamp"}},
	{[]string{"bulb"}, []string{"bulb", "lightbulb", "light bulb", "ampoule", "灯泡", "球泡", "灯胆"}},
	{[]string{"shade"}, []string{"shade", "lampshade", "lamp shade", "abat-jour", "abatjour", "abat jour", "灯罩"}},
	{[]string{"gift"}, []string{"gift", "giftcard", "gift card", "voucher", "present", "cadeau",
		"bon d'achat", "cheque cadeau", "礼品卡", "礼品", "礼物", "礼卡", "购物卡", "礼券", "卡"}},
	// Giving is what a thing is for, not a kind of thing: "des tasses pour
	// offrir" are cups, not a gift card.
	{[]string{"giving"}, []string{"offrir", "to offer", "gifting", "送礼", "送人"}},
	{[]string{"desk"}, []string{"desk", "office", "study", "bureau", "书桌", "办公", "办公桌", "桌面", "书房", "写字台"}},
	{[]string{"bedside"}, []string{"bedside", "bedroom", "nightstand", "night stand", "bedside table", "bed",
		"chevet", "chambre", "table de chevet", "table de nuit", "lit", "床头", "卧室", "床边", "床头柜"}},
	{[]string{"reading"}, []string{"reading", "read", "lecture", "lire", "阅读", "看书", "读书"}},
	{[]string{"kids"}, []string{"kids", "kid", "child", "children", "baby", "enfant", "bebe", "儿童", "孩子", "宝宝"}},
	{[]string{"dimmable"}, []string{"dimmable", "dimmer", "dim", "variable", "intensite variable", "variateur",
		"graduable", "可调光", "调光", "无极调光"}},
	{[]string{"warm"}, []string{"warm", "warm light", "warm white", "chaud", "chaude", "lumiere chaude",
		"blanc chaud", "tamise", "暖光", "暖色", "暖白", "暖"}},
	{[]string{"cool"}, []string{"cool", "cold", "cool white", "daylight", "froid", "froide", "lumiere froide", "blanc froid", "冷光", "冷白", "白光"}},
	{[]string{"led"}, []string{"led"}},
	{[]string{"linen"}, []string{"linen", "lin", "亚麻"}},
	{[]string{"cotton"}, []string{"cotton", "coton", "棉", "棉布", "纯棉"}},
	{[]string{"rattan"}, []string{"rattan", "wicker", "rotin", "osier", "藤", "藤编"}},
	{[]string{"metal"}, []string{"metal", "aluminium", "aluminum", "steel", "acier", "laiton", "brass", "金属", "铝", "钢", "黄铜"}},
	{[]string{"ceramic"}, []string{"ceramic", "ceramique", "porcelain", "porcelaine", "陶瓷"}},
	{[]string{"wood"}, []string{"wood", "wooden", "bois", "oak", "chene", "木", "木质", "实木"}},
	{[]string{"glass"}, []string{"glass", "verre", "玻璃"}},
	{[]string{"smart"}, []string{"smart", "connected", "connecte", "connectee", "wifi", "bluetooth", "智能"}},
	{[]string{"color"}, []string{"color", "colour", "colors", "couleur", "rgb", "彩色", "变色", "多彩"}},
	{[]string{"cordless"}, []string{"cordless", "wireless", "rechargeable", "battery", "sans fil", "batterie", "portable", "无线", "便携"}},
	{[]string{"touch"}, []string{"touch", "tactile", "触摸", "触控"}},
	{[]string{"vintage"}, []string{"vintage", "retro", "filament", "edison", "复古", "灯丝"}},
	{[]string{"adjustable"}, []string{"adjustable", "articulated", "articule", "articulee", "orientable", "flexible", "可调节", "可调", "万向"}},
	{[]string{"black"}, []string{"black", "noir", "noire", "黑色", "黑"}},
	{[]string{"white"}, []string{"white", "blanc", "blanche", "白色"}},
	{[]string{"gold"}, []string{"gold", "golden", "dore", "doree", "laiton dore", "金色"}},
	// Colours and materials any shop may state. Chinese single characters
	// are left out ("红" is in "红茶", black tea), and "rouge à lèvres"
	// is a lipstick before it is red.
	{[]string{"red"}, []string{"red", "rouge", "rouges", "红色"}},
	{[]string{"lipstick"}, []string{"rouge a levres", "rouges a levres", "lipstick", "口红", "唇膏"}},
	{[]string{"blue"}, []string{"blue", "bleu", "bleue", "bleus", "bleues", "蓝色"}},
	// Bed sizes, said in Chinese of a size written in English and back.
	{[]string{"bedsingle"}, []string{"single", "单人", "单人床"}},
	{[]string{"beddouble"}, []string{"double", "双人", "双人床"}},
	{[]string{"bedking"}, []string{"king", "king size", "kingsize", "特大双人"}},
	{[]string{"bedqueen"}, []string{"queen", "queen size", "queensize"}},
	{[]string{"sage"}, []string{"sage", "sage green", "vert sauge", "sauge", "鼠尾草绿"}},
	// Navy is a blue: "blue" fits a navy variant too (and then asks
	// which), "navy" fits the navy one only.
	{[]string{"navy", "blue"}, []string{"navy", "navy blue", "bleu marine", "marine", "藏青", "藏青色", "海军蓝"}},
	{[]string{"turquoise"}, []string{"turquoise", "turquoises", "绿松石色", "青绿色"}},
	{[]string{"khaki"}, []string{"khaki", "kaki", "卡其", "卡其色"}},
	{[]string{"ecru"}, []string{"ecru", "off white", "off-white", "blanc casse", "米白", "米白色"}},
	{[]string{"green"}, []string{"green", "vert", "verte", "verts", "vertes", "绿色"}},
	{[]string{"pink"}, []string{"pink", "粉色", "粉红", "粉红色"}},
	{[]string{"grey"}, []string{"grey", "gray", "gris", "grise", "灰色"}},
	{[]string{"yellow"}, []string{"yellow", "jaune", "jaunes", "黄色"}},
	{[]string{"purple"}, []string{"purple", "violet", "violette", "紫色"}},
	{[]string{"brown"}, []string{"brown", "marron", "brun", "brune", "棕色", "咖啡色"}},
	{[]string{"beige"}, []string{"beige", "米色"}},
	// Burgundy is "bordeaux" in French (and the wine shop's Bordeaux
	// reads the same concept on both sides).
	{[]string{"burgundy"}, []string{"burgundy", "maroon", "bordeaux", "酒红色", "酒红", "枣红色"}},
	{[]string{"orange"}, []string{"orange", "oranges", "橙色", "橘色"}},
	// Wood or linen left as it is: a colour of toys and furniture.
	{[]string{"natural"}, []string{"natural", "naturel", "naturelle", "naturels", "naturelles", "原木色", "本色"}},
	// A colour and a flavour alike: "menthe" says "mint" either way.
	{[]string{"mint"}, []string{"mint", "menthe", "薄荷", "薄荷色", "薄荷绿"}},
	{[]string{"camo"}, []string{"camo", "camouflage", "迷彩", "迷彩色"}},
	{[]string{"silver"}, []string{"silver", "argent", "argente", "argentee", "银色"}},
	{[]string{"brass"}, []string{"brass", "laiton", "黄铜"}},
	{[]string{"leather"}, []string{"leather", "cuir", "真皮", "皮革"}},
	{[]string{"suede"}, []string{"suede", "daim", "麂皮"}},
	{[]string{"wool"}, []string{"wool", "woollen", "laine", "羊毛"}},
	{[]string{"silk"}, []string{"silk", "soie", "真丝", "丝绸"}},
	{[]string{"castiron"}, []string{"cast iron", "cast-iron", "fonte", "铸铁"}},
	{[]string{"bamboo"}, []string{"bamboo", "bambou", "竹制", "竹子"}},
	{[]string{"plastic"}, []string{"plastic", "plastique", "塑料"}},
	// Handedness, of scissors, guitars, golf clubs.
	{[]string{"lefthanded"}, []string{"left-handed", "left handed", "lefthanded", "lefty", "gaucher", "gauchere", "gauchers", "gaucheres", "左手", "左撇子", "左利手"}},
	{[]string{"righthanded"}, []string{"right-handed", "right handed", "righthanded", "droitier", "droitiere", "droitiers", "droitieres", "右手", "右利手"}},
	// Clothing sizes: a lone "S", "M" or "L" is a stop word (s', m', l')
	// or a unit, so they are read with the word that introduces them.
	{[]string{"sizexs"}, []string{"taille xs", "size xs"}},
	{[]string{"sizes"}, []string{"taille s", "size s", "small size"}},
	{[]string{"sizem"}, []string{"taille m", "size m", "medium size"}},
	{[]string{"sizel"}, []string{"taille l", "size l", "large size"}},
	{[]string{"sizexl"}, []string{"taille xl", "size xl"}},
	{[]string{"digital"}, []string{"digital", "numerique", "e-card", "ecard", "电子", "数字"}},
}

// stopWords are the function words and shopping requests of fr, en and zh
// that say nothing about a product ("je cherche une", "looking for a",
// "我想买"). Currency words are here too: prices are the caller's filters.
var stopWords = []string{
	// fr
	"a", "au", "aux", "avec", "ce", "ces", "cet", "cette", "c", "d", "de", "des", "du", "elle", "en", "et", "il",
	"j", "je", "l", "la", "le", "les", "leur", "lui", "m", "ma", "me", "mes", "moi", "mon", "n", "ne", "nos",
	"notre", "nous", "on", "ou", "par", "pas", "pour", "qu", "que", "qui", "quoi", "s", "sa", "se", "ses", "son",
	"sur", "t", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos", "votre", "vous", "y", "est", "sont",
	"suis", "ai", "as", "avez", "avons", "ont", "cherche", "chercher", "recherche", "voudrais", "voudrait",
	"veux", "veut", "voulez", "aimerais", "besoin", "faut", "quel", "quelle", "quels", "quelles", "combien",
	"comment", "montre", "montrez", "montrer", "propose", "proposez", "auriez", "vendez", "acheter", "achete",
	"trouver", "bonjour", "merci", "svp", "stp", "plait", "tres", "trop", "peu", "assez", "bien", "bon", "bonne",
	"genre", "type", "modele", "article", "produit", "truc", "chose", "quelque", "autre", "chez", "dans",
	"euro", "eur", "sous", "moins", "plus", "cher", "chere", "prix", "mais", "donc", "alors",
	// en
	"an", "the", "i", "im", "my", "mine", "you", "your", "we", "our", "it", "its", "this", "that", "these",
	"those", "of", "for", "to", "in", "at", "by", "with", "and", "or", "is", "are", "was", "be", "am", "do",
	"does", "did", "have", "has", "any", "some", "looking", "look", "want", "need", "would", "like", "show",
	"find", "get", "buy", "please", "can", "could", "there", "what", "which", "who", "where", "how", "one",
	"something", "thing", "item", "product", "ll", "re", "ve", "hi", "hello", "thank", "thanks", "got", "sell",
	"offer", "recommend", "search", "searching", "seek", "seeking", "just", "very", "really", "good", "nice",
	"under", "below", "over", "than", "less", "more", "cheap", "cheaper", "cheapest", "price", "dollar", "usd",
	"around", "about", "maybe", "also", "too", "so", "some", "kind", "sort", "but",
	// zh
	"我", "你", "您", "我们", "的", "了", "吗", "呢", "吧", "啊", "呀", "想", "要", "想要", "买", "想买", "我想买",
	"我要", "有", "没有", "有没有", "请", "帮", "帮我", "找", "推荐", "看", "看看", "给", "给我", "一个", "一款",
	"一盏", "个", "款", "盏", "什么", "哪个", "哪些", "和", "或", "或者", "还是", "这个", "那个", "这款", "那款",
	"一下", "是", "在", "也", "都", "很", "怎么样", "些", "一些", "需要", "欧元", "块钱", "以下",
	"以内", "便宜", "贵", "价格", "多少钱", "适合", "用", "的话",
}

// lexicon is the compiled vocabulary: stemmed phrases to concepts, Han
// words for segmentation, stop words. It never changes after it is built.
type lexicon struct {
	// phrases maps the first stem of a phrase to the phrases starting with
	// it, longest first.
	phrases map[string][]phrase
	// han maps Han words (concept words and stop words) to their concepts;
	// stop words map to nil.
	han    map[string][]string
	hanMax int // the longest Han word, in runes
	stop   map[string]bool
	// letters are the one-letter stop words a name writes after a word
	// ("vitamine D", "vitamin C"), keyed by letterKey: after that word,
	// the letter names a product instead of being an elided article.
	letters map[string]bool
	kinds   map[string]kind
	// words are the single Latin stems of the lexicon, candidates for typo
	// correction.
	words []string
}

// phrase is a sequence of stems meaning some concepts.
type phrase struct {
	stems    []string
	concepts []string
}

// sharedLexicon builds the lexicon once; every index reads it.
var sharedLexicon = sync.OnceValue(buildLexicon)

func buildLexicon() *lexicon {
	lx := &lexicon{
		phrases: map[string][]phrase{},
		han:     map[string][]string{},
		stop:    map[string]bool{},
		kinds:   map[string]kind{},
	}
	for _, c := range concepts {
		lx.kinds[c.id] = c.kind
	}
	for _, w := range stopWords {
		if containsHan(w) {
			lx.han[w] = nil
			lx.hanMax = max(lx.hanMax, len([]rune(w)))
			continue
		}
		lx.stop[w] = true
	}
	seen := map[string]bool{}
	for _, s := range senses {
		for _, w := range s.words {
			f := Fold(w)
			if containsHan(f) {
				lx.han[f] = append(lx.han[f], s.concepts...)
				lx.hanMax = max(lx.hanMax, len([]rune(f)))
				continue
			}
			// Stop words inside a phrase are dropped, and skipped when
			// matching: "lampe d'architecte" also matches "lampes
			// architecte", which is what is left once a caller has removed
			// stop words.
			var stems []string
			toks := tokenize(f)
			for k, t := range toks {
				// A stop word ending a phrase is its point: "taille s".
				if len(toks) == 1 || k == len(toks)-1 || !lx.isStop(t.text, stem(t.text)) {
					stems = append(stems, stem(t.text))
				}
			}
			if len(stems) == 0 {
				continue
			}
			lx.addPhrase(phrase{stems: stems, concepts: s.concepts})
			if len(stems) == 1 && !seen[stems[0]] {
				seen[stems[0]] = true
				lx.words = append(lx.words, stems[0])
			}
		}
	}
	return lx
}

// addPhrase files p under its first stem, merging concepts of duplicates
// and keeping the longest phrases first so that "warm light" wins over
// "warm".
func (lx *lexicon) addPhrase(p phrase) {
	list := lx.phrases[p.stems[0]]
	for i := range list {
		if strings.Join(list[i].stems, " ") == strings.Join(p.stems, " ") {
			list[i].concepts = appendNew(list[i].concepts, p.concepts...)
			return
		}
	}
	i := 0
	for i < len(list) && len(list[i].stems) >= len(p.stems) {
		i++
	}
	list = append(list, phrase{})
	copy(list[i+1:], list[i:])
	list[i] = p
	lx.phrases[p.stems[0]] = list
}

// isStop reports whether the folded word w, or its stem s, is a stop word.
func (lx *lexicon) isStop(w, s string) bool { return lx.stop[w] || lx.stop[s] }

// letterKey keys a one-letter word by the word before it: its stem, or
// its last character when it is Chinese ("维生素D").
func letterKey(prev, letter string) string {
	if rs := []rune(prev); len(rs) > 0 && IsHan(rs[len(rs)-1]) {
		return string(rs[len(rs)-1]) + " " + letter
	}
	return stem(prev) + " " + letter
}

// nameLetter reports whether token i of toks is a one-letter stop word that
// some name writes after the word before it ("vitamine D") or before the
// word after it ("N gauge"), and so a word of that name here.
func (lx *lexicon) nameLetter(toks []token, i int) bool {
	t := toks[i]
	if len(lx.letters) == 0 || len(t.text) != 1 || t.han || t.elided {
		return false
	}
	return i > 0 && lx.letters[letterKey(toks[i-1].text, t.text)] ||
		i+1 < len(toks) && !toks[i+1].han && lx.letters[letterBeforeKey(t.text, toks[i+1].text)]
}

// appendNew appends the elements of add not already in list.
func appendNew(list []string, add ...string) []string {
next:
	for _, a := range add {
		for _, x := range list {
			if x == a {
				continue next
			}
		}
		list = append(list, a)
	}
	return list
}

// containsHan reports whether s has a Chinese character.
func containsHan(s string) bool {
	for _, r := range s {
		if IsHan(r) {
			return true
		}
	}
	return false
}

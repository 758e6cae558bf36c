package seller

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/conciergehq/concierge"
)

// Kind is what a seller asked for.
type Kind string

// The commands the rules read. Reads answer at once; changes are shown
// with their before and after and wait for a confirmation.
const (
	Unknown     Kind = ""
	Help        Kind = "help"
	Orders      Kind = "orders"  // how many orders today / this week
	Revenue     Kind = "revenue" // revenue today / this week / this month
	Waiting     Kind = "inbox"   // what is waiting in the inbox
	StockOf     Kind = "stock"   // the stock of one product
	LowStock    Kind = "low_stock"
	BestSellers Kind = "best_sellers"
	OrderInfo   Kind = "order"
	SetStock    Kind = "set_stock"
	SetPrice    Kind = "set_price"
	Approve     Kind = "approve_refund"
	Refuse      Kind = "refuse_refund"
	HandBack    Kind = "hand_back"
)

// Period is the time a read covers.
type Period string

// The periods, in the bot's time zone.
const (
	Today Period = "today"
	Week  Period = "week"
	Month Period = "month"
)

// Command is one seller message as the rules read it. Numbers keep their
// sign and amounts their currency as written, so that checks can refuse
// them with a clear reason rather than the parser silently dropping them.
type Command struct {
	Kind    Kind
	Lang    concierge.Locale // the language the message was written in
	Period  Period
	Product string // a SKU or words of a product's name
	N       int    // a stock count
	Amount  string // a price as written ("39 €")
	ID      string // an order id, a proposal or conversation number
	Reason  string
}

// rule is one phrasing: a pattern over the normalised message and what
// its groups mean.
type rule struct {
	kind Kind
	lang concierge.Locale
	re   *regexp.Regexp
	// fill reads the groups into the command.
	fill func(c *Command, g []string)
}

func product(c *Command, g []string) { c.Product = strings.TrimSpace(g[1]) }
func id(c *Command, g []string)      { c.ID = g[1] }
func productN(c *Command, g []string) {
	c.Product = strings.TrimSpace(g[1])
	c.N, _ = strconv.Atoi(g[2])
}
func productAmount(c *Command, g []string) {
	c.Product, c.Amount = strings.TrimSpace(g[1]), strings.TrimSpace(g[2])
}
func idReason(c *Command, g []string) {
	c.ID = g[1]
	if len(g) > 2 {
		c.Reason = strings.TrimSpace(g[2])
	}
}
func none(*Command, []string) {}

// en, fr and zh list the phrasings, changes first: "set stock of X to 3"
// must not be read as "stock of X".
var rules = []rule{
	// Changes.
	{SetStock, "en", re(`^(?:please\s+)?(?:set|change|update|put|make)\s+(?:the\s+)?stock\s+(?:of|for)\s+(.+?)\s+(?:to|at)\s+(-?\d+)$`), productN},
	{SetStock, "en", re(`^(?:set|change|update|put)\s+(.+?)\s+stock\s+to\s+(-?\d+)$`), productN},
	{SetStock, "fr", re(`^(?:(?:mets|mettre|passe|passer|fixe|fixer|change|changer|modifie|modifier)\s+)?(?:le\s+)?stock\s+(?:de\s+la\s+|de\s+l'|du\s+|des\s+|de\s+|d')(.+?)\s+(?:à|a)\s+(-?\d+)$`), productN},
	{SetStock, "zh", re(`^(?:把|将|设置)?\s*(.+?)\s*的?库存\s*(?:改为|改成|设为|设置为|设成|调整为|调为|为|=)\s*(-?\d+)\s*(?:件|个)?$`), productN},
	{SetPrice, "en", re(`^(?:please\s+)?(?:(?:set|change|update|put|make)\s+)?(?:the\s+)?price\s+(?:of|for)\s+(.+?)\s+to\s+(.+)$`), productAmount},
	{SetPrice, "fr", re(`^(?:(?:mets|mettre|passe|passer|fixe|fixer|change|changer|modifie|modifier)\s+)?(?:le\s+)?prix\s+(?:de\s+la\s+|de\s+l'|du\s+|des\s+|de\s+|d')(.+?)\s+(?:à|a)\s+(.+)$`), productAmount},
	{SetPrice, "zh", re(`^(?:把|将|设置)?\s*(.+?)\s*的?(?:价格|售价|价钱)\s*(?:改为|改成|设为|设置为|设成|调整为|调为|为|=)\s*(.+)$`), productAmount},
	{Approve, "en", re(`^(?:approve|accept|grant)\s+(?:the\s+)?refund\s+(?:no\.?\s*|#)?(\d+)$`), id},
	{Approve, "fr", re(`^(?:approuve|approuver|accepte|accepter|valide|valider)\s+(?:le\s+)?remboursement\s+(?:n°\s*|no\s*|#)?(\d+)$`), id},
	{Approve, "zh", re(`^(?:批准|同意|通过)\s*退款\s*(?:#|号)?\s*(\d+)\s*号?$`), id},
	{Refuse, "en", re(`^(?:refuse|reject|deny|decline)\s+(?:the\s+)?refund\s+(?:no\.?\s*|#)?(\d+)(?:\s*[,:;.–-]?\s*(?:because|as|since|reason:?)\s+(.+))?$`), idReason},
	{Refuse, "fr", re(`^(?:refuse|refuser|rejette|rejeter)\s+(?:le\s+)?remboursement\s+(?:n°\s*|no\s*|#)?(\d+)(?:\s*[,:;.–-]?\s*(?:car|parce\s+que|parce\s+qu'|motif\s*:?)\s*(.+))?$`), idReason},
	{Refuse, "zh", re(`^(?:拒绝|驳回)\s*退款\s*(?:#|号)?\s*(\d+)\s*号?(?:\s*[，,:：。]?\s*(?:因为|原因是?[:：]?|理由是?[:：]?)\s*(.+))?$`), idReason},
	{HandBack, "en", re(`^(?:hand|give|pass|send)\s+(?:the\s+)?conversation\s+(?:no\.?\s*|#)?(\d+)\s+back(?:\s+to\s+the\s+(?:bot|assistant))?$`), id},
	{HandBack, "en", re(`^(?:hand|give)\s+back\s+(?:the\s+)?conversation\s+(?:no\.?\s*|#)?(\d+)(?:\s+to\s+the\s+(?:bot|assistant))?$`), id},
	{HandBack, "fr", re(`^(?:rends|rendre|redonne|redonner|repasse|repasser|renvoie|renvoyer)\s+(?:la\s+)?conversation\s+(?:n°\s*|no\s*|#)?(\d+)\s+(?:au|à\s+la|a\s+la|à\s+l'|a\s+l')\s*(?:bot|robot|assistant|assistante)$`), id},
	{HandBack, "zh", re(`^(?:把|将)?\s*(?:对话|会话)\s*(?:#|号)?\s*(\d+)\s*号?\s*(?:交还给|还给|交回给|转回给|交回|还回给)\s*(?:机器人|bot|助手|智能助手)$`), id},

	// Reads.
	{Help, "en", re(`^(?:/start|/help|help|hello|hi|menu)$`), none},
	{Help, "fr", re(`^(?:aide|bonjour|salut|/aide)$`), none},
	{Help, "zh", re(`^(?:帮助|你好|菜单)$`), none},
	{OrderInfo, "en", re(`^(?:(?:show|show me|what about|details of|status of)\s+)?(?:the\s+)?order\s+(?:no\.?\s*|#)?([a-z0-9]+(?:-[a-z0-9]+)*)$`), id},
	{OrderInfo, "fr", re(`^(?:(?:montre|montre-moi|affiche|détails de|où en est)\s+)?(?:la\s+)?commande\s+(?:n°\s*|no\s*|#)?([a-z0-9]+(?:-[a-z0-9]+)*)$`), id},
	{OrderInfo, "zh", re(`^(?:查看|查询|看看)?\s*订单\s*(?:#|号)?\s*([a-z0-9]+(?:-[a-z0-9]+)*)\s*号?$`), id},
	{BestSellers, "en", re(`best[\s-]?sell(?:ers?|ing)|top\s+(?:products|sellers)|sold\s+(?:the\s+)?most`), none},
	{BestSellers, "fr", re(`meilleures?\s+ventes|plus\s+vendus?|top\s+(?:des\s+)?ventes`), none},
	{BestSellers, "zh", re(`畅销|卖得最好|最好卖|热销|销量最高`), none},
	{LowStock, "en", re(`low\s+(?:on\s+)?stock|running\s+(?:low|out)|out\s+of\s+stock`), none},
	{LowStock, "fr", re(`stocks?\s+(?:bas|faibles?)|bientôt\s+épuisé|presque\s+épuisé|en\s+rupture|rupture\s+de\s+stock|manque\s+de\s+stock|va\s+manquer`), none},
	{LowStock, "zh", re(`库存不足|库存低|低库存|缺货|快卖完|快没货|库存紧张`), none},
	{Revenue, "en", re(`revenue|sales|turnover|takings|how\s+much\s+(?:did\s+we|have\s+we)\s+(?:make|made|sell|sold)`), none},
	{Revenue, "fr", re(`chiffre\s+d'affaires|\bca\b|recettes?|combien\s+(?:a-t-on|avons-nous|on\s+a)\s+(?:vendu|encaissé|gagné)|ventes`), none},
	{Revenue, "zh", re(`营业额|收入|销售额|营收|卖了多少钱`), none},
	{Orders, "en", re(`\borders?\b`), none},
	{Orders, "fr", re(`\bcommandes?\b`), none},
	{Orders, "zh", re(`订单|多少单`), none},
	{Waiting, "en", re(`waiting|inbox|queue|hand-?offs?|pending\s+conversations?`), none},
	{Waiting, "fr", re(`en\s+attente|attend|boîte|file\s+d'attente|conversations?\s+à\s+traiter`), none},
	{Waiting, "zh", re(`收件箱|待处理|等待|排队|转人工`), none},
	{StockOf, "en", re(`^(?:what(?:'s|\s+is)\s+the\s+|show\s+(?:me\s+)?the\s+|check\s+(?:the\s+)?)?stock\s+(?:of|for)\s+(.+)$`), product},
	{StockOf, "en", re(`^how\s+many\s+(.+?)\s+(?:are\s+|do\s+we\s+have\s+)?(?:left|in\s+stock)$`), product},
	{StockOf, "fr", re(`^(?:quel\s+est\s+le\s+|montre\s+le\s+|vérifie\s+le\s+)?stock\s+(?:de\s+la\s+|de\s+l'|du\s+|des\s+|de\s+|d')(.+)$`), product},
	{StockOf, "fr", re(`^combien\s+(?:reste-t-il|il\s+reste|de\s+stock\s+pour)\s+(?:de\s+la\s+|de\s+l'|du\s+|des\s+|de\s+|d')?(.+)$`), product},
	{StockOf, "zh", re(`^(?:查看|查询)?\s*(.+?)\s*的?库存(?:还有多少|有多少|多少|还剩多少|情况)?$`), product},
	{StockOf, "zh", re(`^库存\s*(.+)$`), product},
}

var (
	monthRE = re(`this\s+month|ce\s+mois|du\s+mois|本月|这个月|当月`)
	weekRE  = re(`this\s+week|cette\s+semaine|de\s+la\s+semaine|本周|这周|这个星期|本星期|这星期`)
	todayRE = re(`today|aujourd'hui|du\s+jour|ce\s+jour|今天|今日`)
)

func re(s string) *regexp.Regexp { return regexp.MustCompile(s) }

// Parse reads a seller's message. It returns a Command of kind Unknown,
// with the language guessed from its script, when no phrasing matches.
func Parse(text string) Command {
	t := normalise(text)
	for _, r := range rules {
		g := r.re.FindStringSubmatch(t)
		if g == nil {
			continue
		}
		c := Command{Kind: r.kind, Lang: r.lang}
		r.fill(&c, g)
		if r.kind == Refuse && c.Reason != "" {
			c.Reason = originalTail(text, c.Reason)
		}
		c.Period = period(t, r.kind)
		return c
	}
	c := Command{Kind: Unknown}
	if hasHan(t) {
		c.Lang = "zh"
	}
	return c
}

// normalise lower-cases a message, folds typographic apostrophes and
// spaces, and drops the punctuation that ends it.
func normalise(text string) string {
	t := strings.ToLower(strings.TrimSpace(text))
	t = strings.NewReplacer("’", "'", "‘", "'", "\u00a0", " ", "\u202f", " ", "　", " ").Replace(t)
	t = strings.Join(strings.Fields(t), " ")
	return strings.TrimRight(t, " ?!.？！。")
}

// originalTail returns the end of text that reads as lower, so that a
// refusal's reason keeps the capitals the seller typed.
func originalTail(text, lower string) string {
	t := strings.Join(strings.Fields(strings.TrimSpace(text)), " ")
	t = strings.TrimRight(t, " ?!.？！。")
	rs := []rune(t)
	n := len([]rune(lower))
	if n <= len(rs) && strings.ToLower(string(rs[len(rs)-n:])) == lower {
		return string(rs[len(rs)-n:])
	}
	return lower
}

// period reads the time a read covers; orders and revenue default to
// today and best sellers to this month.
func period(t string, k Kind) Period {
	switch {
	case monthRE.MatchString(t):
		return Month
	case weekRE.MatchString(t):
		return Week
	case todayRE.MatchString(t):
		return Today
	}
	if k == BestSellers {
		return Month
	}
	return Today
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

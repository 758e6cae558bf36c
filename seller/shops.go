package seller

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/conciergehq/concierge"
)

// A person may see several bots (shops) but links one chat, through one
// of them. From that chat they choose which shop their commands apply to:
// "shop Atelier Nord" (or a button), and until they choose, a command is
// sent to the one shop it can be about (a refund or conversation by its
// number belongs to one shop; a product named in one shop's catalog
// only), or, when it could be about several (orders today, a product two
// shops sell), the assistant asks with one button per shop.

// ShopLister is the Catalog's capability to list every shop the server
// runs; without it, a chat's commands apply to its own bot only.
type ShopLister interface {
	Shops() []concierge.BotID
}

// shopPrefix begins the value of a shop's button: "seller:shop:BOT".
const shopPrefix = "seller:shop:"

// shops are the bots the person may run from this chat: the chat's own
// first, then the others they see, in the server's order.
func (s *session) shops() []concierge.BotID {
	out := []concierge.BotID{s.conv.Bot}
	l, ok := s.a.cfg.Catalog.(ShopLister)
	if !ok {
		return out
	}
	for _, id := range l.Shops() {
		if id != s.conv.Bot && s.p.Sees(id) && s.a.cfg.Catalog.Bot(id) != nil && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// current is the shop the person chose, when they still see it; "" when
// they chose none (or it is gone).
func (s *session) current(shops []concierge.BotID) concierge.BotID {
	if s.link != nil && s.link.Shop != "" && slices.Contains(shops, s.link.Shop) {
		return s.link.Shop
	}
	return ""
}

// shopFor picks the shop c applies to. It returns the shop, or the shops
// to ask between when c could be about several and none was chosen.
func (s *session) shopFor(ctx context.Context, c Command) (concierge.BotID, []concierge.BotID, error) {
	shops := s.shops()
	if len(shops) == 1 || c.Kind == Help {
		return s.conv.Bot, nil, nil
	}
	cur := s.current(shops)
	orOwn := func() concierge.BotID {
		if cur != "" {
			return cur
		}
		return s.conv.Bot
	}
	n, _ := strconv.ParseInt(c.ID, 10, 64)
	switch c.Kind {
	case Approve, Refuse:
		// A refund's number names one shop's proposal.
		pr, err := s.tx.Proposal(ctx, n)
		if err == nil && slices.Contains(shops, pr.Bot) {
			return pr.Bot, nil, nil
		}
		if err != nil && !errors.Is(err, concierge.ErrNotFound) {
			return "", nil, err
		}
		return orOwn(), nil, nil // the command's own check says it does not exist
	case HandBack:
		conv, err := s.tx.Conversation(ctx, concierge.ConversationID(n))
		if err == nil && slices.Contains(shops, conv.Bot) {
			return conv.Bot, nil, nil
		}
		if err != nil && !errors.Is(err, concierge.ErrNotFound) {
			return "", nil, err
		}
		return orOwn(), nil, nil
	case StockOf, SetStock, SetPrice:
		var hits []concierge.BotID
		for _, id := range shops {
			if b := s.a.cfg.Catalog.Bot(id); b != nil && len(Match(b.Products, c.Product)) > 0 {
				hits = append(hits, id)
			}
		}
		switch {
		case cur != "" && slices.Contains(hits, cur):
			return cur, nil, nil
		case len(hits) == 1:
			return hits[0], nil, nil
		case len(hits) == 0:
			return orOwn(), nil, nil // "no product is called …"
		}
		return "", hits, nil
	}
	// Reads of a whole shop, and an order by its number.
	if cur != "" {
		return cur, nil, nil
	}
	return "", shops, nil
}

// askShop asks which shop a command is for, with a button per shop.
func (s *session) askShop(ctx context.Context, among []concierge.BotID) error {
	bs := make([]concierge.Button, 0, len(among))
	for _, id := range among {
		bs = append(bs, concierge.Button{Label: s.shopName(id), Value: shopPrefix + string(id)})
	}
	_, err := s.tx.Emit(ctx, s.conv, Author, concierge.Message{Kind: concierge.MessageText, Text: s.t("which_shop"), Buttons: bs})
	return err
}

func (s *session) shopName(id concierge.BotID) string {
	if b := s.a.cfg.Catalog.Bot(id); b != nil && b.Name != "" {
		return b.Name
	}
	return string(id)
}

// chooseShop makes id the shop the person's commands apply to.
func (s *session) chooseShop(ctx context.Context, id concierge.BotID) error {
	shops := s.shops()
	if !slices.Contains(shops, id) {
		return s.say(ctx, s.t("shop_unknown", id, s.shopList(shops)))
	}
	// The chat's own shop too is kept as chosen: until a choice, a
	// command that could be about either is asked about.
	if err := s.tx.SetSellerShop(ctx, s.p.ID, id); err != nil {
		return err
	}
	if s.link != nil {
		s.link.Shop = id
	}
	return s.say(ctx, s.t("shop_now", s.shopName(id)))
}

func (s *session) shopList(shops []concierge.BotID) string {
	names := make([]string, len(shops))
	for i, id := range shops {
		names[i] = s.shopName(id)
	}
	return strings.Join(names, ", ")
}

// reShop reads "shop NAME" ("boutique NAME", "店铺NAME"), and "shops"
// alone, which lists them.
var reShop = regexp.MustCompile(`^(?:(?:shops?|boutiques?)(?:$|[\s:：]+)|(?:店铺|商店)[\s:：]*)(.*)$`)

// parseShop reads a shop choice from a message: the name asked ("" for
// the list), and whether the message is one.
func parseShop(text string) (string, bool) {
	m := reShop.FindStringSubmatch(normalise(text))
	if m == nil {
		return "", false
	}
	return strings.TrimSpace(m[1]), true
}

// useShop answers "shop NAME": the shop whose name or id holds NAME
// becomes the one commands apply to; "shops" lists them with buttons.
func (s *session) useShop(ctx context.Context, name string) error {
	shops := s.shops()
	if name == "" {
		cur := s.current(shops)
		if cur == "" {
			cur = s.conv.Bot
		}
		bs := make([]concierge.Button, 0, len(shops))
		for _, id := range shops {
			bs = append(bs, concierge.Button{Label: s.shopName(id), Value: shopPrefix + string(id)})
		}
		_, err := s.tx.Emit(ctx, s.conv, Author, concierge.Message{Kind: concierge.MessageText,
			Text: s.t("shops", s.shopName(cur), s.shopList(shops)), Buttons: bs})
		return err
	}
	var hits []concierge.BotID
	for _, id := range shops {
		if strings.Contains(squash(string(id)), squash(name)) || strings.Contains(squash(s.shopName(id)), squash(name)) {
			hits = append(hits, id)
		}
	}
	if len(hits) != 1 {
		return s.say(ctx, s.t("shop_unknown", name, s.shopList(shops)))
	}
	return s.chooseShop(ctx, hits[0])
}

// squash is fold without spaces and dashes, so that "atelier nord" finds
// "atelier-nord" and "maison lumiere" "Maison Lumière".
func squash(s string) string {
	return strings.NewReplacer(" ", "", "-", "").Replace(fold(s))
}

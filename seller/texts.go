package seller

import (
	"fmt"

	"github.com/conciergehq/concierge"
)

// texts are the assistant's sentences, as fmt formats, in each language
// it speaks; English is the fallback.
var texts = map[string]map[concierge.Locale]string{
	"help": {
		"en": "I am the seller's assistant. Ask me:\n• how many orders today / this week, revenue today\n• what is waiting in the inbox\n• stock of the Aurore lamp, what is low on stock, best sellers this month\n• order ML-K7QF3X\n• set stock of LAMP-01 to 12, price of the Luna lamp to 39 €\n• approve refund 17, refuse refund 17 because …\n• hand conversation 88 back to the bot",
		"fr": "Je suis l'assistant du vendeur. Demandez-moi :\n• combien de commandes aujourd'hui / cette semaine, le chiffre d'affaires du jour\n• ce qui attend dans la boîte\n• le stock de la lampe Aurore, ce qui est bientôt épuisé, les meilleures ventes du mois\n• commande ML-K7QF3X\n• mets le stock de LAMP-01 à 12, prix de la lampe Luna à 39 €\n• approuve le remboursement 17, refuse le remboursement 17 car …\n• rends la conversation 88 au bot",
		"zh": "我是卖家助手。您可以问我：\n• 今天／本周有多少订单，今天的营业额\n• 收件箱里有什么在等待\n• 欧若拉床头灯的库存，哪些库存不足，本月畅销\n• 订单 ML-K7QF3X\n• 把LAMP-01的库存改为12，把露娜触控台灯的价格改为39欧元\n• 批准退款17，拒绝退款17，因为……\n• 把对话88交还给机器人",
	},
	"which_shop": {
		"en": "Which shop is this for? Choose one, then send your request again; your requests go to it until you choose another (write \"shops\" to see them).",
		"fr": "C'est pour quelle boutique ? Choisissez-en une, puis renvoyez votre demande ; vos demandes iront à elle jusqu'à ce que vous en choisissiez une autre (écrivez « boutiques » pour les voir).",
		"zh": "这是哪个店铺的？请选择一个，然后重新发送您的请求；在您选择其他店铺之前，您的请求都将发往该店铺（输入“店铺”查看）。",
	},
	"shop_now": {
		"en": "Your requests now go to %s.",
		"fr": "Vos demandes vont maintenant à %s.",
		"zh": "您的请求现在发往 %s。",
	},
	"shops": {
		"en": "Your requests go to %s. Your shops: %s.",
		"fr": "Vos demandes vont à %s. Vos boutiques : %s.",
		"zh": "您的请求发往 %s。您的店铺：%s。",
	},
	"shop_unknown": {
		"en": "No shop of yours is called %q; nothing was changed. Your shops: %s.",
		"fr": "Aucune de vos boutiques ne s'appelle %q ; rien n'a été modifié. Vos boutiques : %s.",
		"zh": "您没有名为 %q 的店铺；未做任何更改。您的店铺：%s。",
	},
	"unknown": {
		"en": "I did not understand. Write \"help\" to see what I can do.",
		"fr": "Je n'ai pas compris. Écrivez « aide » pour voir ce que je sais faire.",
		"zh": "我没有理解。输入“帮助”查看我能做什么。",
	},
	"text_only": {
		"en": "I read text messages only.",
		"fr": "Je ne lis que les messages écrits.",
		"zh": "我只能读取文字消息。",
	},
	"link_done": {
		"en": "This chat is now linked to %s. From now on it talks to the seller's assistant, not to the shop.",
		"fr": "Cette discussion est maintenant liée à %s. Elle parle désormais à l'assistant du vendeur, plus à la boutique.",
		"zh": "此聊天已关联到 %s。从现在起，它将与卖家助手对话，而不是商店。",
	},
	"link_unknown": {
		"en": "This code is not valid. Print a new one with: concierge inbox user link NAME --channel CHANNEL",
		"fr": "Ce code n'est pas valable. Créez-en un nouveau avec : concierge inbox user link NOM --channel CANAL",
		"zh": "此代码无效。请用以下命令生成新代码：concierge inbox user link 姓名 --channel 渠道",
	},
	"link_used": {
		"en": "This code was already used; a code links one chat, once. Print a new one.",
		"fr": "Ce code a déjà servi ; un code lie une seule discussion, une seule fois. Créez-en un nouveau.",
		"zh": "此代码已被使用；一个代码只能关联一个聊天一次。请生成新代码。",
	},
	"link_expired": {
		"en": "This code expired (a code works for 10 minutes). Print a new one.",
		"fr": "Ce code a expiré (un code vaut 10 minutes). Créez-en un nouveau.",
		"zh": "此代码已过期（代码有效期为10分钟）。请生成新代码。",
	},
	"link_other_channel": {
		"en": "This code was made for %s, not for this chat app; nothing was linked.",
		"fr": "Ce code a été créé pour %s, pas pour cette messagerie ; rien n'a été lié.",
		"zh": "此代码是为 %s 生成的，不适用于此聊天应用；未进行关联。",
	},
	"link_other_account": {
		"en": "This code belongs to another account; nothing was linked.",
		"fr": "Ce code appartient à un autre compte ; rien n'a été lié.",
		"zh": "此代码属于另一个账号；未进行关联。",
	},
	"link_other_bot": {
		"en": "%s cannot see this shop's conversations in the inbox; nothing was linked.",
		"fr": "%s ne voit pas les conversations de cette boutique dans la boîte ; rien n'a été lié.",
		"zh": "%s 在收件箱中无权查看此商店的对话；未进行关联。",
	},
	"link_too_many": {
		"en": "Too many wrong codes from here; wait 10 minutes before trying again.",
		"fr": "Trop de codes erronés depuis cette discussion ; attendez 10 minutes avant de réessayer.",
		"zh": "此处输入错误代码次数过多；请等待10分钟后再试。",
	},
	"already_linked": {
		"en": "This chat is already linked to %s; a code is not accepted here.",
		"fr": "Cette discussion est déjà liée à %s ; aucun code n'y est accepté.",
		"zh": "此聊天已关联到 %s；此处不接受代码。",
	},
	"lost_bot": {
		"en": "%s no longer sees this shop's conversations; ask a supervisor.",
		"fr": "%s ne voit plus les conversations de cette boutique ; demandez à un superviseur.",
		"zh": "%s 已无权查看此商店的对话；请联系主管。",
	},

	// Reads.
	"orders": {
		"en": "Orders %s: %d paid, %d awaiting payment, %d cancelled or expired.",
		"fr": "Commandes %s : %d payées, %d en attente de paiement, %d annulées ou expirées.",
		"zh": "%s的订单：已付款 %d 单，待付款 %d 单，已取消或过期 %d 单。",
	},
	"revenue": {
		"en": "Revenue %s: %s received, %s refunded.",
		"fr": "Chiffre d'affaires %s : %s encaissés, %s remboursés.",
		"zh": "%s营业额：收款 %s，退款 %s。",
	},
	"waiting_none": {
		"en": "Nothing is waiting in the inbox.",
		"fr": "Rien n'attend dans la boîte.",
		"zh": "收件箱中没有等待处理的对话。",
	},
	"waiting": {
		"en": "In the inbox: %d waiting, %d with a person.",
		"fr": "Dans la boîte : %d en attente, %d prises par quelqu'un.",
		"zh": "收件箱：%d 个等待处理，%d 个已有人接手。",
	},
	"waiting_line": {
		"en": "#%d %s since %s (%s)",
		"fr": "n° %d %s depuis %s (%s)",
		"zh": "#%d %s，自 %s 起（%s）",
	},
	"state_waiting": {"en": "waiting", "fr": "en attente", "zh": "等待中"},
	"state_human":   {"en": "with %s", "fr": "avec %s", "zh": "由 %s 处理"},
	"stock": {
		"en": "%s (%s): %d in stock.",
		"fr": "%s (%s) : %d en stock.",
		"zh": "%s（%s）：库存 %d。",
	},
	"low_none": {
		"en": "Nothing is low: every product has more than %d in stock.",
		"fr": "Rien n'est bas : chaque produit a plus de %d en stock.",
		"zh": "没有库存不足的商品：每件商品库存都多于 %d。",
	},
	"low": {
		"en": "Low on stock (%d or fewer):",
		"fr": "Stock bas (%d ou moins) :",
		"zh": "库存不足（%d 件或更少）：",
	},
	"best_none": {
		"en": "No product was sold %s.",
		"fr": "Aucun produit vendu %s.",
		"zh": "%s没有售出任何商品。",
	},
	"best": {
		"en": "Best sellers %s:",
		"fr": "Meilleures ventes %s :",
		"zh": "%s畅销商品：",
	},
	"best_line": {
		"en": "%d. %s (%s): %d sold",
		"fr": "%d. %s (%s) : %d vendus",
		"zh": "%d. %s（%s）：售出 %d 件",
	},
	"order": {
		"en": "Order %s: %s, %s, created %s, conversation #%d.",
		"fr": "Commande %s : %s, %s, créée le %s, conversation n° %d.",
		"zh": "订单 %s：%s，%s，创建于 %s，对话 #%d。",
	},
	"no_product": {
		"en": "No product of this shop is called %q; nothing was changed.",
		"fr": "Aucun produit de cette boutique ne s'appelle « %s » ; rien n'a été modifié.",
		"zh": "本店没有名为“%s”的商品；未做任何更改。",
	},
	"many_products": {
		"en": "Several products match %q: %s. Say which one by its SKU.",
		"fr": "Plusieurs produits correspondent à « %s » : %s. Précisez lequel par sa référence.",
		"zh": "有多个商品符合“%s”：%s。请用商品编号（SKU）指明。",
	},
	"no_order": {
		"en": "There is no order %s in this shop.",
		"fr": "Il n'y a pas de commande %s dans cette boutique.",
		"zh": "本店没有订单 %s。",
	},

	// Changes.
	"confirm": {
		"en": "%s\n%s → %s\nConfirm?",
		"fr": "%s\n%s → %s\nConfirmer ?",
		"zh": "%s\n%s → %s\n确认吗？",
	},
	"yes": {"en": "Confirm", "fr": "Confirmer", "zh": "确认"},
	"no":  {"en": "Cancel", "fr": "Annuler", "zh": "取消"},
	"what_stock": {
		"en": "Stock of %s (%s)",
		"fr": "Stock de %s (%s)",
		"zh": "%s（%s）的库存",
	},
	"what_price": {
		"en": "Price of %s (%s)",
		"fr": "Prix de %s (%s)",
		"zh": "%s（%s）的价格",
	},
	"what_approve": {
		"en": "Refund %d of order %s (%s suggested by the assistant: %s)",
		"fr": "Remboursement %d de la commande %s (%s proposé par l'assistant : %s)",
		"zh": "订单 %[2]s 的退款 %[1]d（助手建议 %[3]s：%[4]s）",
	},
	"what_handback": {
		"en": "Conversation #%d",
		"fr": "Conversation n° %d",
		"zh": "对话 #%d",
	},
	"negative_stock": {
		"en": "A stock cannot be below zero (%d); nothing was changed.",
		"fr": "Un stock ne peut pas être négatif (%d) ; rien n'a été modifié.",
		"zh": "库存不能小于零（%d）；未做任何更改。",
	},
	"bad_price": {
		"en": "The price %s; nothing was changed.",
		"fr": "Le prix %s ; rien n'a été modifié.",
		"zh": "价格 %s；未做任何更改。",
	},
	"no_prices": {
		"en": "Prices cannot be changed from chat on this server (the catalog is read from the bot file); nothing was changed.",
		"fr": "Les prix ne peuvent pas être modifiés depuis la discussion sur ce serveur (le catalogue vient du fichier du bot) ; rien n'a été modifié.",
		"zh": "此服务器不支持通过聊天修改价格（商品目录来自机器人配置文件）；未做任何更改。",
	},
	"no_proposal": {
		"en": "There is no refund %d for this shop; nothing was decided.",
		"fr": "Il n'y a pas de remboursement %d pour cette boutique ; rien n'a été décidé.",
		"zh": "本店没有退款 %d；未做任何决定。",
	},
	"decided_before": {
		"en": "Refund %d was already decided (%s by %s); nothing changed.",
		"fr": "Le remboursement %d a déjà été décidé (%s par %s) ; rien n'a changé.",
		"zh": "退款 %d 已被处理（%[3]s %[2]s）；未做任何更改。",
	},
	"supervisor_only": {
		"en": "Only a supervisor decides refunds; nothing was decided.",
		"fr": "Seul un superviseur décide des remboursements ; rien n'a été décidé.",
		"zh": "只有主管可以决定退款；未做任何决定。",
	},
	"supervisor_prices": {
		"en": "Only a supervisor changes prices; nothing was changed.",
		"fr": "Seul un superviseur modifie les prix ; rien n'a été modifié.",
		"zh": "只有主管可以修改价格；未做任何更改。",
	},
	"no_amount": {
		"en": "Refund %d proposes no amount; approve it in the inbox with the amount to refund. Nothing was decided.",
		"fr": "Le remboursement %d ne propose aucun montant ; approuvez-le dans la boîte avec le montant à rembourser. Rien n'a été décidé.",
		"zh": "退款 %d 没有建议金额；请在收件箱中填写金额后批准。未做任何决定。",
	},
	"no_conversation": {
		"en": "There is no conversation #%d for this shop; nothing changed.",
		"fr": "Il n'y a pas de conversation n° %d pour cette boutique ; rien n'a changé.",
		"zh": "本店没有对话 #%d；未做任何更改。",
	},
	"not_in_hands": {
		"en": "Conversation #%d is already with the bot (%s); nothing changed.",
		"fr": "La conversation n° %d est déjà avec le bot (%s) ; rien n'a changé.",
		"zh": "对话 #%d 已由机器人处理（%s）；未做任何更改。",
	},
	"owned_by": {
		"en": "Conversation #%d belongs to %s; only they can hand it back. Nothing changed.",
		"fr": "La conversation n° %d appartient à %s ; seule cette personne peut la rendre. Rien n'a changé.",
		"zh": "对话 #%d 属于 %s；只有其本人可以交还。未做任何更改。",
	},
	"applying": {
		"en": "Confirmed; applying it now.",
		"fr": "Confirmé ; je l'applique.",
		"zh": "已确认，正在执行。",
	},
	"cancelled": {
		"en": "Cancelled; nothing was changed.",
		"fr": "Annulé ; rien n'a été modifié.",
		"zh": "已取消；未做任何更改。",
	},
	"pressed_before": {
		"en": "This change was already %s; pressing again does nothing.",
		"fr": "Cette modification a déjà été %s ; appuyer de nouveau ne fait rien.",
		"zh": "此更改已%s；再次按下不会有任何作用。",
	},
	"change_expired": {
		"en": "This change expired before it was confirmed; ask again. Nothing was changed.",
		"fr": "Cette modification a expiré avant d'être confirmée ; redemandez-la. Rien n'a été modifié.",
		"zh": "此更改在确认前已过期；请重新提出。未做任何更改。",
	},
	"not_yours": {
		"en": "This button is not for this chat; nothing was changed.",
		"fr": "Ce bouton n'est pas pour cette discussion ; rien n'a été modifié.",
		"zh": "此按钮不属于此聊天；未做任何更改。",
	},
	"done": {
		"en": "Done: %s, %s → %s.",
		"fr": "C'est fait : %s, %s → %s.",
		"zh": "已完成：%s，%s → %s。",
	},
	"failed": {
		"en": "Not done: %s.",
		"fr": "Pas fait : %s.",
		"zh": "未完成：%s。",
	},
	"state_proposed":  {"en": "proposed", "fr": "proposée", "zh": "提出"},
	"state_confirmed": {"en": "confirmed", "fr": "confirmée", "zh": "确认"},
	"state_applied":   {"en": "applied", "fr": "appliquée", "zh": "执行"},
	"state_failed":    {"en": "tried and failed", "fr": "tentée sans succès", "zh": "尝试但失败"},
	"state_cancelled": {"en": "cancelled", "fr": "annulée", "zh": "取消"},

	// Pushes.
	"push_handoff": {
		"en": "New hand-off waiting: conversation #%d (%s).",
		"fr": "Nouvelle conversation en attente : n° %d (%s).",
		"zh": "新的转人工对话等待处理：#%d（%s）。",
	},
	"push_proposal": {
		"en": "Refund proposal %d: order %s, %s, the assistant suggests %s. Reply \"approve refund %[1]d\" or \"refuse refund %[1]d because …\".",
		"fr": "Proposition de remboursement %d : commande %s, %s, l'assistant suggère %s. Répondez « approuve le remboursement %[1]d » ou « refuse le remboursement %[1]d car … ».",
		"zh": "退款提议 %d：订单 %s，%s，助手建议 %s。回复“批准退款%[1]d”或“拒绝退款%[1]d，因为……”。",
	},
	"push_payment": {
		"en": "A payment failed for order %s (%s): %s.",
		"fr": "Un paiement a échoué pour la commande %s (%s) : %s.",
		"zh": "订单 %s 付款失败（%s）：%s。",
	},
	"push_stock": {
		"en": "Out of stock: %s (%s).",
		"fr": "Rupture de stock : %s (%s).",
		"zh": "已售罄：%s（%s）。",
	},

	"period_today": {"en": "today", "fr": "aujourd'hui", "zh": "今天"},
	"period_week":  {"en": "this week", "fr": "cette semaine", "zh": "本周"},
	"period_month": {"en": "this month", "fr": "ce mois-ci", "zh": "本月"},
}

// text returns the sentence id in loc, filled with args.
func text(loc concierge.Locale, id string, args ...any) string {
	t := texts[id]
	s, ok := t[loc]
	if !ok {
		s = t["en"]
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

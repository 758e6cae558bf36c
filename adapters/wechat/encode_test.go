package wechat_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/wechat"
)

// TestRenderPage: a page of a longer list shows its "previous" and
// "next" as menu items after the products' actions, never cut to make
// room for others, and the page indicator as the menu's tail instead of
// the text's last line; the tokens of the pager's items resolve to their
// values.
func TestRenderPage(t *testing.T) {
	all := make([]string, 16)
	for i := range all {
		all[i] = fmt.Sprintf("LAMP-%02d", i+1)
	}
	list := strings.Join(all, ",")
	prev := &concierge.Button{Label: "‹ 上一页", Value: "page:1:" + list}
	next := &concierge.Button{Label: "下一页 ›", Value: "page:3:" + list}
	cards := func(n, from int) ([]concierge.Card, string) {
		var cs []concierge.Card
		text := "为您找到 16 款台灯："
		for i := from; i < from+n; i++ {
			sku := all[i]
			cs = append(cs, concierge.Card{SKU: concierge.SKU(sku), Title: fmt.Sprintf("系列%d台灯", i+1), PriceText: "¥35.00",
				Buttons: []concierge.Button{{Label: "详情", Value: "show:" + sku}, {Label: "加入购物车", Value: "add:" + sku}}})
			text += fmt.Sprintf("\n%d. 系列%d台灯 — ¥35.00", i+1, i+1)
		}
		return cs, text
	}
	page2, text2 := cards(5, 5)
	last, textLast := cards(1, 15)
	var many []concierge.Button // more of the message's own buttons than a menu holds
	for i := range 12 {
		many = append(many, concierge.Button{Label: fmt.Sprintf("分类%d", i), Value: fmt.Sprintf("browse:c%d", i)})
	}
	tests := []struct {
		name      string
		m         concierge.Message
		wantItems []string // the menu's items, in order
		wantTail  string
		wantHead  string
	}{
		{
			name: "middle page",
			m: concierge.Message{Kind: concierge.MessageCards, Text: "为您找到 16 款台灯：", Fallback: text2 + "\n(2/4)", Cards: page2,
				Buttons: []concierge.Button{{Label: "比较前两款", Value: "compare:LAMP-06,LAMP-07"}},
				Pager:   &concierge.Pager{Page: 2, Pages: 4, Offset: 5, Prev: prev, Next: next}, Replaces: "ignored"},
			wantItems: []string{"系列6台灯 · 加入购物车", "系列7台灯 · 加入购物车", "系列8台灯 · 加入购物车", "系列9台灯 · 加入购物车", "系列10台灯 · 加入购物车", "比较前两款", "‹ 上一页", "下一页 ›"},
			wantTail:  "2/4",
			wantHead:  text2,
		},
		{
			name: "last page of one product",
			m: concierge.Message{Kind: concierge.MessageCards, Text: "为您找到 16 款台灯：", Fallback: textLast + "\n(4/4)", Cards: last,
				Pager: &concierge.Pager{Page: 4, Pages: 4, Offset: 15, Prev: &concierge.Button{Label: "‹ 上一页", Value: "page:3:" + list}}},
			wantItems: []string{"详情", "加入购物车", "‹ 上一页"},
			wantTail:  "4/4",
			wantHead:  textLast,
		},
		{
			name: "the pager keeps its place in a full menu",
			m: concierge.Message{Kind: concierge.MessageCards, Text: "为您找到 16 款台灯：", Fallback: text2 + "\n(2/4)", Cards: page2, Buttons: many,
				Pager: &concierge.Pager{Page: 2, Pages: 4, Offset: 5, Prev: prev, Next: next}},
			wantItems: []string{"系列6台灯 · 加入购物车", "系列7台灯 · 加入购物车", "系列8台灯 · 加入购物车", "系列9台灯 · 加入购物车", "系列10台灯 · 加入购物车", "分类0", "分类1", "分类2", "‹ 上一页", "下一页 ›"},
			wantTail:  "2/4",
			wantHead:  text2,
		},
		{
			name:      "a single page has no pager",
			m:         concierge.Message{Kind: concierge.MessageCards, Text: "为您找到 1 款台灯：", Fallback: "为您找到 1 款台灯：\n1. 系列16台灯 — ¥35.00", Cards: last, Pager: &concierge.Pager{Page: 1, Pages: 1}},
			wantItems: []string{"详情", "加入购物车"},
			wantHead:  "为您找到 1 款台灯：\n1. 系列16台灯 — ¥35.00",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := wechat.Render(&concierge.Outbound{Bot: "b", Chat: "o", Message: tt.m}, "https://shop.example")
			var menu *wechat.MsgMenu
			for _, p := range r.Payloads {
				if p.MsgType == "msgmenu" {
					if menu != nil {
						t.Fatal("two menus")
					}
					menu = p.MsgMenu
				}
			}
			if menu == nil {
				t.Fatalf("no menu in %+v", r.Payloads)
			}
			var got []string
			for _, it := range menu.List {
				got = append(got, it.Content)
				if len(it.Content) > wechat.MaxMenuItemBytes {
					t.Errorf("item %q is longer than %d bytes", it.Content, wechat.MaxMenuItemBytes)
				}
			}
			if len(menu.List) > wechat.MaxMenuItems || strings.Join(got, "|") != strings.Join(tt.wantItems, "|") {
				t.Fatalf("items %q, want %q", got, tt.wantItems)
			}
			if menu.TailContent != tt.wantTail || menu.HeadContent != tt.wantHead {
				t.Fatalf("head %q, tail %q; want %q, %q", menu.HeadContent, menu.TailContent, tt.wantHead, tt.wantTail)
			}
			p := tt.m.Pager
			for i, b := range []*concierge.Button{p.Next, p.Prev} {
				if b == nil {
					continue
				}
				at := len(menu.List) - 1 - i
				if p.Next == nil {
					at = len(menu.List) - 1
				}
				if v := r.Tokens[menu.List[at].ID]; v != b.Value {
					t.Errorf("item %q resolves to %q, want %q", menu.List[at].Content, v, b.Value)
				}
			}
		})
	}
}

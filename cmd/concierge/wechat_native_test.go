package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout/wechatpay"
)

// TestWeChatNativePage: the payment link opened outside WeChat (a desktop
// browser) makes a NATIVE unified order and shows its code_url as a QR
// code image; paying it (the signed notification) marks the order paid and
// tells the customer in the chat.
func TestWeChatNativePage(t *testing.T) {
	s := startWXShop(t, false)
	ctx := context.Background()
	c := &wxCustomer{s: s, openid: "oDesktop"}
	next := c.choose(c.choose(c.say("有台灯吗"), "add:"), "checkout")
	for _, m := range next {
		if m.MsgMenu == nil {
			continue
		}
		for _, it := range m.MsgMenu.List {
			if v, _ := s.m.DB.ButtonValue(ctx, "maison-lumiere", it.ID); v == "consent:yes" {
				next = c.choose(next, "consent:yes")
				break
			}
		}
	}
	var payURL string
	for _, m := range next {
		if m.News != nil && strings.Contains(m.News.Articles[0].URL, "/wechatpay/") {
			payURL = m.News.Articles[0].URL
		}
	}
	if payURL == "" {
		t.Fatalf("no payment article in %s", wxDump(next))
	}
	conv, err := s.m.DB.FindConversation(ctx, "maison-lumiere", concierge.ChannelWeChat, concierge.ChatID(c.openid))
	if err != nil || conv.Memory.LastOrder == "" {
		t.Fatalf("no order: %v", err)
	}
	o, _ := s.m.DB.GetOrder(ctx, conv.Memory.LastOrder)

	req, _ := http.NewRequest(http.MethodGet, payURL, nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	uo := s.pay.Order(string(o.ID))
	if resp.StatusCode != 200 || uo == nil || uo.Params["trade_type"] != "NATIVE" || uo.Params["total_fee"] != fmt.Sprint(o.Total.Minor) {
		t.Fatalf("page %d; unified order %+v; errors %v", resp.StatusCode, uo, s.pay.Errors())
	}
	if bytes.Contains(page, []byte("getBrandWCPayRequest")) {
		t.Fatal("a desktop browser got the WeixinJSBridge page")
	}
	// The image is the QR code of the fake's code_url: the encoding is
	// deterministic, so the same PNG proves what it encodes.
	m := regexp.MustCompile(`data:image/png;base64,([^"']+)`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no QR code image in the page:\n%s", page)
	}
	got, err := base64.StdEncoding.DecodeString(html.UnescapeString(string(m[1])))
	if err != nil {
		t.Fatal(err)
	}
	want, err := wechatpay.QRCode("weixin://wxpay/bizpayurl?pr=" + uo.PrepayID)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("the QR code is not the code_url's (%v)", err)
	}

	note, err := s.pay.Notification(string(o.ID), o.Total.Minor, wechatpay.SignMD5)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := s.post("/webhooks/maison-lumiere/wechatpay", note); code != 200 || body != string(wechatpay.Reply(true, "")) {
		t.Fatalf("notification: %d %s", code, body)
	}
	if told := c.replies(); !strings.Contains(wxText(told), "已支付") {
		t.Fatalf("after payment: %s", wxDump(told))
	}
	if got, _ := s.m.DB.GetOrder(ctx, o.ID); got.State != concierge.OrderPaid {
		t.Fatalf("order %s", got.State)
	}
}

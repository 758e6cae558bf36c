package whatsapp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/conciergehq/concierge"
)

// TestPayloadCoversMetaSyntax: each shared outbound fixture (written from
// Meta's documentation) decodes into Payload and encodes back the same, so
// our types can say everything those messages say.
func TestPayloadCoversMetaSyntax(t *testing.T) {
	for _, name := range []string{"outbound_text.json", "outbound_interactive_button.json", "outbound_interactive_list.json",
		"outbound_interactive_cta_url.json", "outbound_template.json"} {
		t.Run(name, func(t *testing.T) {
			raw := readFile(t, name)
			var p Payload
			if err := json.Unmarshal(raw, &p); err != nil {
				t.Fatal(err)
			}
			again, _ := json.Marshal(p)
			var a, b any
			json.Unmarshal(raw, &a)
			json.Unmarshal(again, &b)
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if !bytes.Equal(ja, jb) {
				t.Fatalf("round trip lost something:\n%s\n%s", ja, jb)
			}
		})
	}
}

func eur(m int64) concierge.Money { return concierge.Money{Minor: m, Currency: "EUR"} }

func card(sku, title, price string, buttons ...string) concierge.Card {
	c := concierge.Card{SKU: concierge.SKU(sku), Title: title, PriceText: price, StockText: "In stock"}
	for _, v := range buttons {
		label, value, _ := strings.Cut(v, "=")
		c.Buttons = append(c.Buttons, concierge.Button{Label: label, Value: value})
	}
	return c
}

func out(m concierge.Message) *concierge.Outbound {
	return &concierge.Outbound{ID: 1, Conversation: 1, Bot: "b", Channel: concierge.ChannelWhatsApp, Chat: "33612345678", Locale: "en", Message: m}
}

// TestRender renders one message of each kind and shape; the golden files
// are the payloads WhatsApp receives.
func TestRender(t *testing.T) {
	three := []concierge.Card{
		card("LAMP-01", "Aurore bedside lamp", "€49.00", "Details=show:LAMP-01", "Add to cart=add:LAMP-01", "Buy now=buy:LAMP-01"),
		card("LAMP-02", "Zenith desk lamp with a very long name indeed", "€79.00", "Details=show:LAMP-02", "Add to cart=add:LAMP-02", "Buy now=buy:LAMP-02"),
		card("LAMP-03", "Luna lamp", "€59.00", "Details=show:LAMP-03", "Add to cart=add:LAMP-03", "Buy now=buy:LAMP-03"),
	}
	var twelve []concierge.Card
	for i := range 12 {
		twelve = append(twelve, card(fmt.Sprintf("SKU-%02d", i), fmt.Sprintf("Product %d", i), "€1.00", "Details=show:X", fmt.Sprintf("Add=add:SKU-%02d", i)))
	}
	var manyButtons []concierge.Button
	for i := range 12 {
		manyButtons = append(manyButtons, concierge.Button{Label: fmt.Sprintf("Choice %d", i), Value: fmt.Sprintf("browse:c%d", i)})
	}
	// A page of a list of 16: products 6 to 10, in stock (three
	// actions each) or with details alone, and the last page of
	// one product.
	all := make([]string, 16)
	for i := range all {
		all[i] = fmt.Sprintf("LAMP-%02d", i+1)
	}
	list := strings.Join(all, ",")
	var page2, detailsOnly []concierge.Card
	fallback := "I found 16 lamps:"
	for i := 5; i < 10; i++ {
		sku := all[i]
		page2 = append(page2, card(sku, fmt.Sprintf("Series %d desk lamp", i+1), "€35.00", "Details=show:"+sku, "Add to cart=add:"+sku, "Buy now=buy:"+sku))
		detailsOnly = append(detailsOnly, card(sku, fmt.Sprintf("Series %d desk lamp", i+1), "€35.00", "Details=show:"+sku))
		fallback += fmt.Sprintf("\n%d. Series %d desk lamp — €35.00 (In stock)", i+1, i+1)
	}
	pager2 := &concierge.Pager{Page: 2, Pages: 4, Offset: 5,
		Prev: &concierge.Button{Label: "‹ Previous", Value: "page:1:" + list}, Next: &concierge.Button{Label: "Next ›", Value: "page:3:" + list}}
	compare := []concierge.Button{{Label: "Compare the first two", Value: "compare:LAMP-06,LAMP-07"}}
	last := card("LAMP-16", "Series 16 desk lamp", "€45.00", "Details=show:LAMP-16", "Add to cart=add:LAMP-16", "Buy now=buy:LAMP-16")
	pager4 := &concierge.Pager{Page: 4, Pages: 4, Offset: 15, Prev: &concierge.Button{Label: "‹ Previous", Value: "page:3:" + list}}
	// The same page with SKUs of 40 characters and 20 results: the
	// pager's values (about 830 bytes) go behind tokens.
	long := make([]string, 20)
	for i := range long {
		long[i] = fmt.Sprintf("MAISON-LUMIERE-SERIES-DESK-LAMP-BRASS-%02d", i+1)
	}
	longList := strings.Join(long, ",")
	var longPage2, longDetails []concierge.Card
	for i := 5; i < 10; i++ {
		sku := long[i]
		longPage2 = append(longPage2, card(sku, fmt.Sprintf("Series %d desk lamp", i+1), "€35.00", "Details=show:"+sku, "Add to cart=add:"+sku, "Buy now=buy:"+sku))
	}
	longDetails = append(longDetails, card(long[5], "Series 6 desk lamp", "€35.00", "Details=show:"+long[5]))
	longPager := &concierge.Pager{Page: 2, Pages: 4, Offset: 5,
		Prev: &concierge.Button{Label: "‹ Previous", Value: "page:1:" + longList}, Next: &concierge.Button{Label: "Next ›", Value: "page:3:" + longList}}
	lamp := card("LAMP-01", "Aurore bedside lamp", "€49.00", "Add to cart=add:LAMP-01", "Buy now=buy:LAMP-01")
	lamp.Image = "/img/aurore.jpg"
	svg := lamp
	svg.Image = "/chat/static/img/bedside.svg"
	tests := []struct {
		name string
		m    concierge.Message
	}{
		{"text", concierge.Message{Kind: concierge.MessageText, Text: "Hello! What are you looking for?"}},
		{"text_two_buttons", concierge.Message{Kind: concierge.MessageText, Text: "Shall I?", Buttons: []concierge.Button{{Label: "Yes, I agree to the data policy", Value: "consent:yes"}, {Label: "No", Value: "consent:no"}}}},
		{"text_twelve_buttons", concierge.Message{Kind: concierge.MessageText, Text: "Pick a category", Buttons: manyButtons}},
		{"cards_three", concierge.Message{Kind: concierge.MessageCards, Text: "Here is what I found:", Fallback: "Here is what I found:\n1. Aurore bedside lamp — €49.00\n2. Zenith desk lamp with a very long name indeed — €79.00\n3. Luna lamp — €59.00",
			Cards: three, Buttons: []concierge.Button{{Label: "Compare the first two", Value: "compare:LAMP-01,LAMP-02"}}}},
		{"cards_twelve", concierge.Message{Kind: concierge.MessageCards, Text: "Everything:", Cards: twelve}},
		{"card_with_image", concierge.Message{Kind: concierge.MessageCards, Fallback: "Aurore bedside lamp — €49.00\nWarm light.\nIn stock", Cards: []concierge.Card{lamp}}},
		{"card_with_svg_image", concierge.Message{Kind: concierge.MessageCards, Fallback: "Aurore bedside lamp — €49.00\nIn stock", Cards: []concierge.Card{svg}}},
		{"payment_link", concierge.Message{Kind: concierge.MessagePayment, Text: "Order ML-7K3Q9D is ready: €128.00.", Fallback: "Order ML-7K3Q9D is ready: €128.00.\nhttps://checkout.stripe.com/c/pay/cs_test_1",
			Payment: &concierge.PaymentRequest{Order: "ML-7K3Q9D", Provider: "stripe", Amount: eur(12800), AmountText: "€128.00", Label: "Pay €128.00", URL: "https://checkout.stripe.com/c/pay/cs_test_1"}}},
		{"cart_four_buttons", concierge.Message{Kind: concierge.MessageCart, Fallback: "• Aurore × 1 — €49.00\nTotal: €49.00",
			Buttons: []concierge.Button{{Label: "Check out", Value: "checkout"}, {Label: "+1", Value: "inc:LAMP-01"}, {Label: "−1", Value: "dec:LAMP-01"}, {Label: "Keep shopping", Value: "browse:"}}}},
		{"cards_page", concierge.Message{Kind: concierge.MessageCards, Text: "I found 16 lamps:", Fallback: fallback + "\n(2/4)", Cards: page2, Buttons: compare, Pager: pager2, Replaces: "42"}},
		{"cards_page_details_only", concierge.Message{Kind: concierge.MessageCards, Text: "I found 16 lamps:", Fallback: fallback + "\n(2/4)", Cards: detailsOnly, Buttons: compare, Pager: pager2}},
		{"card_last_page", concierge.Message{Kind: concierge.MessageCards, Text: "I found 16 lamps:", Fallback: "I found 16 lamps:\n16. Series 16 desk lamp — €45.00 (In stock)\n(4/4)", Cards: []concierge.Card{last}, Pager: pager4}},
		{"link_button", concierge.Message{Kind: concierge.MessageText, Text: "Our terms", Buttons: []concierge.Button{{Label: "Read the terms", URL: "https://shop.example/terms"}}}},
		{"cards_page_long_skus", concierge.Message{Kind: concierge.MessageCards, Text: "I found 20 lamps:", Cards: longPage2, Pager: longPager}},
		{"card_page_long_skus", concierge.Message{Kind: concierge.MessageCards, Text: "I found 20 lamps:", Cards: longDetails, Pager: longPager}},
		{"text_token_shaped_value", concierge.Message{Kind: concierge.MessageText, Text: "Pick", Buttons: []concierge.Button{{Label: "Odd", Value: Tokenize("b", "x")}, {Label: "Plain", Value: "plain"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, tokens := Render(out(tt.m), "https://shop.example")
			if len(ps) == 0 {
				t.Fatal("nothing rendered")
			}
			for _, p := range ps {
				if err := withinLimits(p); err != nil {
					t.Errorf("payload beyond WhatsApp's limits: %v", err)
				}
			}
			checkTokens(t, "b", &tt.m, ps, tokens)
			golden(t, "render_"+tt.name+".json", ps)
			if len(tokens) > 0 {
				golden(t, "render_"+tt.name+"_tokens.json", tokens)
			}
		})
	}
}

// checkTokens checks the ids of ps against the buttons of m: every id is
// either a value of m that fits a row's id, or a token of bot that tokens
// maps to a value of m that does not; and tokens holds nothing else.
func checkTokens(t *testing.T, bot concierge.BotID, m *concierge.Message, ps []Payload, tokens map[string]string) {
	t.Helper()
	values := map[string]bool{}
	for _, b := range m.Buttons {
		values[b.Value] = true
	}
	for _, c := range m.Cards {
		for _, b := range c.Buttons {
			values[b.Value] = true
		}
	}
	if p := m.Pager; p != nil {
		for _, b := range []*concierge.Button{p.Prev, p.Next} {
			if b != nil {
				values[b.Value] = true
			}
		}
	}
	used := map[string]bool{}
	for _, p := range ps {
		if p.Interactive == nil {
			continue
		}
		var ids []string
		for _, b := range p.Interactive.Action.Buttons {
			ids = append(ids, b.Reply.ID)
		}
		for _, s := range p.Interactive.Action.Sections {
			for _, r := range s.Rows {
				ids = append(ids, r.ID)
			}
		}
		for _, id := range ids {
			if v, ok := tokens[id]; ok {
				if Tokenize(bot, v) != id || !values[v] || (len(v) <= MaxRowIDBytes && !isToken(v)) {
					t.Errorf("token %s stands for %q, which is not a long value of the message", id, clip(v, 40))
				}
				used[id] = true
				continue
			}
			if !values[id] || isToken(id) || len(id) > MaxRowIDBytes {
				t.Errorf("id %q is neither a short value of the message nor a token made for it", clip(id, 40))
			}
		}
	}
	for tok := range tokens {
		if !used[tok] {
			t.Errorf("token %s is stored but no choice carries it", tok)
		}
	}
}

// TestRenderWithoutTokenStore: with nowhere to keep tokens, a choice
// whose value is too long for an id is left out, its label still in the
// text, and what is sent stays within WhatsApp's limits.
func TestRenderWithoutTokenStore(t *testing.T) {
	list := strings.Repeat("MAISON-LUMIERE-SERIES-DESK-LAMP-BRASS-01,", 10)
	m := concierge.Message{Kind: concierge.MessageCards, Text: "I found 10 lamps:",
		Cards: []concierge.Card{card("LAMP-01", "Aurore", "€49.00", "Details=show:LAMP-01"), card("LAMP-02", "Zenith", "€79.00", "Details=show:LAMP-02")},
		Pager: &concierge.Pager{Page: 1, Pages: 2, Next: &concierge.Button{Label: "Next ›", Value: "page:2:" + list}}}
	r := render(out(m), "", false)
	if r.tokens != nil {
		t.Fatalf("tokens made without a store: %v", r.tokens)
	}
	for _, p := range r.out {
		if err := withinLimits(p); err != nil {
			t.Errorf("payload beyond WhatsApp's limits: %v", err)
		}
		if p.Interactive == nil {
			continue
		}
		for _, s := range p.Interactive.Action.Sections {
			for _, row := range s.Rows {
				if strings.HasPrefix(row.ID, "page:") || isToken(row.ID) {
					t.Errorf("row %q offered without a store", row.ID)
				}
			}
		}
	}
	ps, tokens := Render(out(m), "")
	if len(tokens) != 1 || tokens[Tokenize("b", "page:2:"+list)] != "page:2:"+list {
		t.Fatalf("with a store: tokens %v", tokens)
	}
	checkTokens(t, "b", &m, ps, tokens)
}

// TestTokenize: tokens are short, stable, per bot, and recognised.
func TestTokenize(t *testing.T) {
	a, b := Tokenize("shop", "page:2:A,B"), Tokenize("shop", "page:2:A,B")
	if a != b || len(a) != 18 || !isToken(a) {
		t.Fatalf("Tokenize gave %q and %q", a, b)
	}
	if Tokenize("other", "page:2:A,B") == a || Tokenize("shop", "page:3:A,B") == a {
		t.Fatal("a token does not depend on the bot and the value")
	}
	for _, id := range []string{"add:LAMP-01", "wa", "wa" + strings.Repeat("a", 15), "wa" + strings.Repeat("a", 17), "wa" + strings.Repeat("a", 15) + ":", "xx" + a[2:]} {
		if isToken(id) {
			t.Errorf("%q taken for a token", id)
		}
	}
}

// TestRenderLongText: a text over 4096 characters is split at line
// breaks; an interactive body over 1024 sends the start as text.
func TestRenderLongText(t *testing.T) {
	line := strings.Repeat("word ", 19) + "end\n" // 100 characters
	long := strings.Repeat(line, 90)              // 9000
	ps, _ := Render(out(concierge.Message{Kind: concierge.MessageText, Text: long}), "")
	if len(ps) != 3 {
		t.Fatalf("%d parts, want 3", len(ps))
	}
	var joined []string
	for _, p := range ps {
		if p.Type != "text" || utf8.RuneCountInString(p.Text.Body) > MaxTextRunes || !strings.HasSuffix(p.Text.Body, "end") {
			t.Fatalf("part %q…", clip(p.Text.Body, 40))
		}
		joined = append(joined, p.Text.Body)
	}
	if strings.Join(joined, "\n") != strings.TrimSpace(long) {
		t.Fatal("parts do not add up to the text")
	}
	ps, _ = Render(out(concierge.Message{Kind: concierge.MessageText, Text: strings.Repeat(line, 20), Buttons: []concierge.Button{{Label: "OK", Value: "ok"}}}), "")
	if len(ps) != 2 || ps[0].Type != "text" || ps[1].Interactive == nil || utf8.RuneCountInString(ps[1].Interactive.Body.Text) > MaxBodyRunes {
		t.Fatalf("long body with a button: %+v", ps)
	}
	// A single 5000-character word is cut anyway.
	ps, _ = Render(out(concierge.Message{Kind: concierge.MessageText, Text: strings.Repeat("é", 5000)}), "")
	if len(ps) != 2 || utf8.RuneCountInString(ps[0].Text.Body) != MaxTextRunes {
		t.Fatalf("one long word: %d parts", len(ps))
	}
}

// withinLimits is the adapter's own check of WhatsApp's limits; the fake
// Graph API checks them again, independently.
func withinLimits(p Payload) error {
	n := utf8.RuneCountInString
	switch {
	case p.Text != nil && (n(p.Text.Body) > MaxTextRunes || p.Text.Body == ""):
		return fmt.Errorf("text of %d", n(p.Text.Body))
	case p.Image != nil && n(p.Image.Caption) > MaxBodyRunes:
		return fmt.Errorf("caption of %d", n(p.Image.Caption))
	case p.Interactive != nil:
		in := p.Interactive
		if in.Body == nil || n(in.Body.Text) > MaxBodyRunes || in.Body.Text == "" {
			return fmt.Errorf("body")
		}
		if in.Footer != nil && (n(in.Footer.Text) > MaxFooterRunes || in.Footer.Text == "") {
			return fmt.Errorf("footer %q", in.Footer.Text)
		}
		if len(in.Action.Buttons) > MaxButtons {
			return fmt.Errorf("%d buttons", len(in.Action.Buttons))
		}
		for _, b := range in.Action.Buttons {
			if n(b.Reply.Title) > MaxButtonTitleRunes {
				return fmt.Errorf("button %q", b.Reply.Title)
			}
		}
		rows := 0
		for _, s := range in.Action.Sections {
			if n(s.Title) > MaxRowTitleRunes {
				return fmt.Errorf("section %q", s.Title)
			}
			for _, r := range s.Rows {
				rows++
				if n(r.Title) > MaxRowTitleRunes || n(r.Description) > MaxRowDescRunes || len(r.ID) > MaxRowIDBytes {
					return fmt.Errorf("row %q", r.Title)
				}
			}
		}
		if rows > MaxRows {
			return fmt.Errorf("%d rows", rows)
		}
	}
	return nil
}

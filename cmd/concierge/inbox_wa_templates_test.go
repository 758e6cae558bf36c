package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestInboxWhatsAppInboxTemplates: with channels.whatsapp.inbox_templates
// in the bot file, a closed window offers those (not the order ones)
// with their approved text and labelled inputs; Preview shows the text
// filled in (and what is wrong with the values) without queueing
// anything; bad values answer 400 and queue nothing; a good one reaches
// the Graph API as a template request with the values, and the
// transcript keeps the filled text.
func TestInboxWhatsAppInboxTemplates(t *testing.T) {
	s := startWAShop(t, func(cfg string) string {
		return strings.Replace(cfg, "    templates:\n", "    inbox_templates:\n"+
			"      - { name: follow_up, language: en, text: \"Hello {{1}}, this is {{2}} from Maison Lumière.\", params: [Customer name, Your name] }\n"+
			"    templates:\n", 1)
	})
	ctx := context.Background()
	c, conv, page, sue := waHandedToSue(t, s, "33611220000")
	sue.get(page)
	sue.mustPost(page+"/claim", nil)
	s.m.SkewWhatsAppClock(25 * time.Hour)

	_, view := sue.get(page)
	for _, want := range []string{`name="template" value="follow_up|en"`, "Hello [Customer name], this is [Your name] from Maison Lumière.",
		`<label for="template-1-param-1">Customer name</label>`, `id="template-preview-button-1"`} {
		if !strings.Contains(view, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(view, "order_update") {
		t.Error("the order templates are offered although the bot file has inbox templates")
	}
	outbound := func() int { return outboundCount(t, s.shop, conv.ID) }
	before := outbound()

	// Preview, without and with a problem.
	view = sue.mustPost(page+"/template", url.Values{"template": {"follow_up|en"}, "param": {"Ana", "Sue"}, "preview": {"1"}})
	if !strings.Contains(view, "Hello Ana, this is Sue from Maison Lumière.") || strings.Contains(view, `id="template-problem-1"`) {
		t.Errorf("the preview does not show the filled text:\n%s", view)
	}
	view = sue.mustPost(page+"/template", url.Values{"template": {"follow_up|en"}, "param": {"Ana", ""}, "preview": {"1"}})
	if !strings.Contains(view, `id="template-problem-1"`) || !strings.Contains(view, "Your name is required") {
		t.Errorf("the preview of an empty value does not say what is wrong")
	}

	for name, params := range map[string][]string{
		"missing":        {"Ana"},
		"empty":          {"Ana", " "},
		"newline":        {"Ana\nBob", "Sue"},
		"tab":            {"Ana", "Su\te"},
		"five spaces":    {"Ana     B", "Sue"},
		"too long":       {strings.Repeat("a", 501), "Sue"},
		"three":          {"Ana", "Sue", "x"},
		"order template": nil,
	} {
		form := url.Values{"template": {"follow_up|en"}, "param": params}
		if name == "order template" {
			form = url.Values{"template": {"order_update|en_US"}, "param": {"ML-1"}}
		}
		if code, body := sue.post(page+"/template", form); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400\n%s", name, code, body)
		}
	}
	if n := outbound(); n != before {
		t.Fatalf("refused or previewed templates were queued: %d outbound, want %d", n, before)
	}

	sue.mustPost(page+"/template", url.Values{"template": {"follow_up|en"}, "param": {"Ana", "Sue  B"}})
	got := c.replies()
	if len(got) != 1 || got[0].Type != "template" {
		t.Fatalf("the Graph API got %s; want one template", waDump(got))
	}
	var req struct {
		Template struct {
			Name       string                `json:"name"`
			Language   struct{ Code string } `json:"language"`
			Components []struct {
				Parameters []struct{ Type, Text string } `json:"parameters"`
			} `json:"components"`
		} `json:"template"`
	}
	if err := json.Unmarshal(got[0].Raw, &req); err != nil {
		t.Fatal(err)
	}
	tm := req.Template
	if tm.Name != "follow_up" || tm.Language.Code != "en" || len(tm.Components) != 1 || len(tm.Components[0].Parameters) != 2 ||
		tm.Components[0].Parameters[0].Text != "Ana" || tm.Components[0].Parameters[1].Text != "Sue  B" {
		t.Errorf("template request %s; want follow_up in en with Ana and Sue  B", got[0].Raw)
	}
	es, _ := s.m.DB.InboxTranscript(ctx, conv.ID, 300)
	if last := es[len(es)-1]; last.Message == nil || last.Message.Text != "Hello Ana, this is Sue  B from Maison Lumière." {
		t.Errorf("the transcript's last entry %+v; want the filled text", last)
	}
}

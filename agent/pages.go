package agent

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/conciergehq/concierge"
)

// PageSize is how many products one message shows; a longer list is
// shown a page at a time. MaxResults caps a search.
const (
	PageSize   = 5
	MaxResults = 20
)

// pageMessage is page (1-based) of the list all, whose products on that
// page are pvs: the cards, and a pager whose buttons carry the whole list
// in their value. The value, not the conversation's memory, holds the
// list, so that "next" pressed on an older list pages that list even
// after a newer search; and it names the page, not "one more", so that
// two presses of the same button land on the same page instead of
// skipping one.
func (t *Turn) pageMessage(intro string, pvs []ProductView, all []concierge.SKU, page int) concierge.Message {
	pages := (len(all) + PageSize - 1) / PageSize
	offset := (page - 1) * PageSize
	m := t.productsMessage(intro, pvs, len(all), offset)
	p := &concierge.Pager{Page: page, Pages: pages, Offset: offset}
	if page > 1 {
		p.Prev = &concierge.Button{Label: t.T("btn_prev", nil), Value: pageValue(page-1, all)}
	}
	if page < pages {
		p.Next = &concierge.Button{Label: t.T("btn_next", nil), Value: pageValue(page+1, all)}
	}
	m.Pager = p
	if pages > 1 {
		m.Fallback += fmt.Sprintf("\n(%d/%d)", page, pages)
	}
	return m
}

func pageValue(page int, all []concierge.SKU) string {
	ss := make([]string, len(all))
	for i, s := range all {
		ss[i] = string(s)
	}
	return ValuePage + strconv.Itoa(page) + ":" + strings.Join(ss, ",")
}

// parsePage reads a ValuePage value; ok is false when it is not one.
func parsePage(v string) (page int, all []concierge.SKU, ok bool) {
	rest, ok := strings.CutPrefix(v, ValuePage)
	if !ok {
		return 0, nil, false
	}
	n, list, ok := strings.Cut(rest, ":")
	page, err := strconv.Atoi(n)
	if !ok || err != nil || page < 1 || list == "" {
		return 0, nil, false
	}
	for _, s := range strings.Split(list, ",") {
		all = append(all, concierge.SKU(s))
	}
	if len(all) > MaxResults || page > (len(all)+PageSize-1)/PageSize {
		return 0, nil, false
	}
	return page, all, true
}

// showPage answers a press of a pager button, whatever the brain: the
// value says exactly which page of which list, so no understanding is
// needed. The page replaces the message the button was on (the event's
// Ref) where the channel can edit messages. It reports whether the event
// was such a press. A product gone from the catalog since is left out.
func (t *Turn) showPage(ctx context.Context) (bool, error) {
	if t.Event == nil || t.Event.Kind != concierge.EventButton {
		return false, nil
	}
	page, all, ok := parsePage(t.Event.Value)
	if !ok {
		return false, nil
	}
	t.Conv.Memory.FailedTurns = 0
	var pvs []ProductView
	for _, sku := range all[(page-1)*PageSize : min(page*PageSize, len(all))] {
		pv, err := t.Tools.view(ctx, sku)
		if err != nil && concierge.ErrorCode(err) == concierge.CodeNotFound {
			continue
		}
		if err != nil {
			return true, err
		}
		pvs = append(pvs, pv)
	}
	if len(pvs) == 0 {
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("search_none", nil), Buttons: t.BrowseButtons()})
		return true, nil
	}
	// "The first one" now means the first of this page.
	t.Tools.remember(pvs)
	m := t.pageMessage(t.T("search_results", map[string]any{"count": len(all), "N": len(all)}), pvs, all, page)
	m.Replaces = t.Event.Ref
	t.Say(m)
	return true, nil
}

// expiredChoice answers a press whose button's value the channel could
// no longer find (concierge.ExpiredChoice): the customer is told, and
// offered the catalog, whatever the brain.
func (t *Turn) expiredChoice() bool {
	if t.Event == nil || t.Event.Kind != concierge.EventButton || t.Event.Value != concierge.ExpiredChoice {
		return false
	}
	t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("choice_expired", nil), Buttons: t.BrowseButtons()})
	return true
}

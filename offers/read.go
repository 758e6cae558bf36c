package offers

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

// maxOffers bounds the offers read from one answer; maxID and maxTitle
// bound an offer's id and title.
const (
	maxOffers = 100
	maxID     = 128
	maxTitle  = 200
)

// check reports a path that is missing or that gjson cannot use.
func (p Paths) check() error {
	for _, f := range []struct{ name, path string }{{"list", p.List}, {"id", p.ID}, {"title", p.Title}, {"price", p.Price}} {
		if strings.TrimSpace(f.path) == "" {
			return fmt.Errorf("offers.%s is required: the JSON path of the %s", f.name, pathMeaning[f.name])
		}
	}
	return nil
}

var pathMeaning = map[string]string{
	"list":  "list of offers in the answer, such as data.rooms (@this for a bare list)",
	"id":    "offer's id in each element, such as id",
	"title": "offer's title in each element, such as name",
	"price": "offer's price in each element, such as price.amount",
}

// read turns a supplier's answer into offers. A bad element (no id, no
// title, a price that is not one, another currency) is skipped and said in
// skipped; an answer that is not JSON or has no list where Paths.List
// says is an error. Offers that are not available are left out.
func read(body []byte, src Source, req concierge.OfferRequest) (offers []concierge.Offer, skipped []string, err error) {
	if !gjson.ValidBytes(body) {
		return nil, nil, errors.New("the answer is not JSON")
	}
	list := gjson.GetBytes(body, src.Paths.List)
	if !list.IsArray() {
		return nil, nil, fmt.Errorf("no list of offers at %q", src.Paths.List)
	}
	for i, el := range list.Array() {
		if len(offers) == maxOffers {
			break
		}
		o, err := readOne(el, src, req)
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("offer %d: %v", i, err))
			continue
		}
		if o.Available > 0 {
			offers = append(offers, o)
		}
	}
	return offers, skipped, nil
}

func readOne(el gjson.Result, src Source, req concierge.OfferRequest) (concierge.Offer, error) {
	id := el.Get(src.Paths.ID)
	if !id.Exists() || (id.Type != gjson.String && id.Type != gjson.Number) || id.String() == "" {
		return concierge.Offer{}, fmt.Errorf("no id at %q", src.Paths.ID)
	}
	o := concierge.Offer{Source: src.Name, ID: id.String(), Request: req}
	if len(o.ID) > maxID || !utf8.ValidString(o.ID) {
		return o, fmt.Errorf("the id is over %d bytes or not text", maxID)
	}
	o.SKU = concierge.OfferSKU(src.Name, o.ID)
	title := el.Get(src.Paths.Title)
	o.Title = strings.TrimSpace(title.String())
	if title.Type != gjson.String || o.Title == "" {
		return o, fmt.Errorf("no title at %q", src.Paths.Title)
	}
	if utf8.RuneCountInString(o.Title) > maxTitle {
		o.Title = string([]rune(o.Title)[:maxTitle])
	}
	if src.Paths.Currency != "" {
		cur := el.Get(src.Paths.Currency)
		if cur.Exists() && !strings.EqualFold(strings.TrimSpace(cur.String()), src.Currency) {
			return o, fmt.Errorf("priced in %q but the shop sells in %s", cur.String(), src.Currency)
		}
	}
	var err error
	if o.Price, err = price(el.Get(src.Paths.Price), src); err != nil {
		return o, err
	}
	o.Available = available(el, src)
	return o, nil
}

// price reads a JSON number as an amount in major units (49.5) and a string
// as a listed price ("49.00", "49,00 €", "EUR 49.00").
func price(v gjson.Result, src Source) (concierge.Money, error) {
	var (
		m   concierge.Money
		err error
	)
	switch v.Type {
	case gjson.Number:
		m, err = money.Parse(v.Raw, src.Currency)
	case gjson.String:
		m, err = money.ParseListed(v.String(), src.Currency)
	default:
		return m, fmt.Errorf("no price at %q", src.Paths.Price)
	}
	if err != nil {
		return m, fmt.Errorf("price: %w", err)
	}
	if m.Minor <= 0 {
		return m, fmt.Errorf("price %s is not above zero", v.Raw)
	}
	return m, nil
}

// available reads how many the supplier has: a number is the count, true
// or a word such as "available" is src.InStock, false, 0 and other words
// are none. Without an availability path every listed offer is available.
func available(el gjson.Result, src Source) int {
	if src.Paths.Available == "" {
		return src.InStock
	}
	v := el.Get(src.Paths.Available)
	switch v.Type {
	case gjson.True:
		return src.InStock
	case gjson.Number:
		if n := v.Int(); n > 0 {
			return int(min(n, 1<<30))
		}
	case gjson.String:
		switch strings.ToLower(strings.TrimSpace(v.String())) {
		case "available", "in_stock", "in stock", "instock", "yes", "true", "open", "bookable":
			return src.InStock
		}
	}
	return 0
}

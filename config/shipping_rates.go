package config

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/conciergehq/concierge/internal/money"
)

// ShippingRates is a CSV file of shipping options read into
// agents.shipping, such as the UCP conformance flower shop's
// shipping_rates.csv (id,country_code,service_level,price,title).
type ShippingRates struct {
	Path       string            `yaml:"path" json:"path" jsonschema:"required,description=The CSV file (comma or semicolon; header row); relative to the bot file."`
	Columns    map[string]string `yaml:"columns" json:"columns,omitempty" jsonschema:"description=Which column gives which field such as {id: code; price: cost}. Fields: id title price country days level and title_xx for a language. Unmapped fields are read from their usual column names (country_code and countries for country and service_level for level)."`
	MinorUnits bool              `yaml:"minor_units" json:"minor_units,omitempty" jsonschema:"description=Prices are whole numbers of the currency's minor units such as 500 for 5.00."`
}

// shippingFields are the fields a shipping_rates file's columns may map,
// and their usual column names.
var shippingFields = map[string][]string{
	"id":      {"id", "option_id"},
	"title":   {"title", "name"},
	"price":   {"price", "rate"},
	"country": {"country", "country_code", "countries"},
	"days":    {"days", "delivery_days"},
	"level":   {"level", "service_level"},
}

// anywhere are the country cells that mean "every country", as the
// flower shop writes "default".
var anywhere = []string{"", "default", "*", "any", "all"}

// shippingRates reads agents.shipping_rates into agents.shipping. Rows of
// one id are one option serving each row's country (a row serving
// anywhere makes the option serve anywhere). A bad row is an error at
// its file:line:column, and nothing of that file is added.
func (c *checker) shippingRates() {
	a := c.f.Agents
	for i := range a.ShippingRates {
		r := &a.ShippingRates[i]
		at := fmt.Sprintf("agents.shipping_rates[%d]", i)
		if !c.required(at+".path", r.Path, "") {
			continue
		}
		for field := range r.Columns {
			if _, ok := shippingFields[field]; !ok && !isTitleField(field) {
				c.errorf(at+".columns", "%s.columns: unknown field %q: use id, title, title_xx, price, country, days or level", at, field)
			}
		}
		c.relative(&r.Path)
		file, err := os.Open(r.Path)
		if err != nil {
			c.errorf(at+".path", "cannot read the shipping rates %s: %v", r.Path, unwrapPath(err))
			continue
		}
		opts, diags := readShippingRates(file, r, c.f.Currency, c.defaultLocale())
		file.Close()
		if len(diags) > 0 {
			c.errs.add(capped(diags, maxReported)...)
			continue
		}
		a.Shipping = append(a.Shipping, opts...)
	}
}

// shippingHeader makes column names comparable: "Country Code" and
// "country_code" are one column.
func shippingHeader(h string) string {
	return strings.Join(strings.Fields(strings.ToLower(h)), "_")
}

func isTitleField(f string) bool {
	l, ok := strings.CutPrefix(f, "title_")
	return ok && l != ""
}

// readShippingRates reads one shipping_rates file.
func readShippingRates(in io.Reader, r *ShippingRates, currency, locale string) ([]ShippingOption, []Diagnostic) {
	var diags []Diagnostic
	bad := func(line, col int, format string, args ...any) {
		diags = append(diags, Diagnostic{File: r.Path, Line: line, Col: col, Message: fmt.Sprintf(format, args...)})
	}
	raw, err := io.ReadAll(io.LimitReader(in, 1<<20+1))
	if err != nil {
		bad(0, 0, "cannot read it: %v", err)
		return nil, diags
	}
	if len(raw) > 1<<20 {
		bad(0, 0, "it is over 1 MiB: shipping rates are a few rows")
		return nil, diags
	}
	text := strings.TrimPrefix(string(raw), "\ufeff")
	cr := csv.NewReader(strings.NewReader(text))
	header, _, _ := strings.Cut(text, "\n")
	if strings.Count(header, ";") > strings.Count(header, ",") {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		bad(1, 1, "no header row: %v", err)
		return nil, diags
	}
	norm := make([]string, len(head))
	for j, h := range head {
		norm[j] = shippingHeader(h)
	}
	find := func(names ...string) (int, bool) {
		for _, n := range names {
			if j := slices.Index(norm, shippingHeader(n)); j >= 0 {
				return j, true
			}
		}
		return 0, false
	}
	col := map[string]int{} // field → column index
	for field, names := range shippingFields {
		if m, ok := r.Columns[field]; ok {
			names = []string{m}
		}
		if j, ok := find(names...); ok {
			col[field] = j
		}
	}
	for j, h := range norm {
		if isTitleField(h) {
			col[h] = j
		}
	}
	for field, m := range r.Columns {
		j, ok := find(m)
		switch {
		case !ok:
			bad(1, 1, "columns maps %s to %q, which the header row lacks", field, m)
		case isTitleField(field):
			col[field] = j
		}
	}
	for _, f := range []string{"id", "price"} {
		if _, ok := col[f]; !ok {
			bad(1, 1, "no %s column (map one with columns: {%s: …})", f, f)
		}
	}
	if _, ok := col["title"]; !ok {
		if _, ok := col["title_"+locale]; !ok {
			bad(1, 1, "no title column (title, or title_%s for the bot's default locale)", locale)
		}
	}
	if len(diags) > 0 {
		return nil, diags
	}
	var out []ShippingOption
	index := map[string]int{} // id → index in out
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			bad(line, 1, "%v", err)
			return nil, diags
		}
		cell := func(f string) (string, int) {
			j, ok := col[f]
			if !ok || j >= len(rec) {
				return "", 1
			}
			_, c := cr.FieldPos(j)
			return strings.TrimSpace(rec[j]), c
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		id, idCol := cell("id")
		if !shippingIDPattern.MatchString(id) {
			bad(line, idCol, "id %q is not a shipping option id: use 1 to 40 lowercase letters, digits, _ and -", id)
			continue
		}
		price, priceCol := cell("price")
		if r.MinorUnits {
			n, err := strconv.ParseInt(price, 10, 64)
			if err != nil || n < 0 {
				bad(line, priceCol, "price %q is not a whole number of minor units (minor_units is set: 500 is 5.00)", price)
				continue
			}
			price = minorText(n, currency)
		} else if _, err := money.Parse(price, currency); err != nil {
			bad(line, priceCol, "price %q is not an amount in %s such as 4.90", price, currency)
			continue
		}
		title := map[string]string{}
		if t, _ := cell("title"); t != "" {
			title[locale] = t
		}
		for f := range col {
			if l, ok := strings.CutPrefix(f, "title_"); ok {
				if t, _ := cell(f); t != "" {
					title[l] = t
				}
			}
		}
		if title[locale] == "" {
			bad(line, 1, "shipping option %q has no title in the default locale %s", id, locale)
			continue
		}
		country, countryCol := cell("country")
		var countries []string
		if !slices.Contains(anywhere, strings.ToLower(country)) {
			for _, cc := range strings.FieldsFunc(country, func(r rune) bool { return r == ',' || r == '|' || r == ' ' }) {
				cc = strings.ToUpper(cc)
				if !countryPattern.MatchString(cc) {
					bad(line, countryCol, "country %q is not an ISO 3166-1 alpha-2 code such as US, or default for anywhere", cc)
					continue
				}
				countries = append(countries, cc)
			}
		}
		days, _ := cell("days")
		level, _ := cell("level")
		if k, seen := index[id]; seen {
			o := &out[k]
			switch {
			case o.Price != price:
				bad(line, priceCol, "shipping option %q has another price at an earlier row: give each price its own id", id)
			case len(o.Countries) == 0 || len(countries) == 0:
				o.Countries = nil // one of its rows serves anywhere
			default:
				for _, cc := range countries {
					if !slices.Contains(o.Countries, cc) {
						o.Countries = append(o.Countries, cc)
					}
				}
			}
			continue
		}
		index[id] = len(out)
		out = append(out, ShippingOption{ID: id, Title: title, Price: price, Countries: countries, Days: days, Level: level})
	}
	if len(diags) > 0 {
		return nil, diags
	}
	return out, nil
}

// minorText writes n minor units of currency as an amount such as
// "35.00" that money.Parse reads back.
func minorText(n int64, currency string) string {
	d, ok := money.Digits(currency)
	if !ok || d == 0 {
		return strconv.FormatInt(n, 10)
	}
	s := fmt.Sprintf("%0*d", d+1, n)
	return s[:len(s)-d] + "." + s[len(s)-d:]
}

package acp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
)

// delegateError is a refusal of delegate_payment in that API's own codes
// (spec/2026-04-17/openapi/openapi.delegate_payment.yaml, Error): its
// only validation code is invalid_card, which the spec also uses for a
// missing field, so every field error carries it with the field's
// JSONPath in param. Messages never quote the values sent: the card's
// number or code must not reach a response, a stored response or a log.
type delegateError struct {
	status int
	code   string
	msg    string
	param  string
}

func (e *delegateError) Error() string { return "acp: delegate_payment: " + e.code + " at " + e.param }

// invalid is a request the schema refuses (400).
func invalid(param, msg string) *delegateError {
	return &delegateError{status: http.StatusBadRequest, code: "invalid_card", msg: msg, param: param}
}

// unacceptable is a well-formed request whose values cannot be accepted
// (422).
func unacceptable(param, msg string) *delegateError {
	return &delegateError{status: http.StatusUnprocessableEntity, code: "invalid_card", msg: msg, param: param}
}

// delegateResponse is the spec's DelegatePaymentResponse.
type delegateResponse struct {
	ID       string            `json:"id"`
	Created  string            `json:"created"`
	Metadata map[string]string `json:"metadata"`
}

// delegated is what a valid request says that the sandbox keeps or
// checks. The card itself is validated and then dropped.
type delegated struct {
	cardExpiry time.Time // the first moment the card is no longer valid; zero when not given
	allowance  agentcommerce.VaultToken
	merchantID string
	// blocked is the index of the first risk signal whose action is
	// blocked, or -1.
	blocked  int
	metadata map[string]string
}

// delegatePayment is POST /acp/{bot}/agentic_commerce/delegate_payment:
// the shop acting as its own test PSP, so that agents and tests can get
// a vault token (vt_…) that the sandbox handler accepts once, for the
// checkout session, amount and time the allowance names. It is served
// only to bots in test mode with the sandbox handler: no real card is
// ever charged by it.
func (h *Handler) delegatePayment(w http.ResponseWriter, r *http.Request) {
	h.serve(w, r, http.StatusCreated, duringNone, func(ctx context.Context, tx agentcommerce.Tx, bot concierge.BotID, body []byte) (any, error) {
		shop := h.cfg.Service.Shop(bot)
		if shop == nil || !shop.TestMode || shop.Handlers[agentcommerce.SandboxHandler] == nil {
			return nil, &delegateError{status: http.StatusNotFound, code: "not_found", msg: "delegated payment is served only in test mode, with the sandbox payment handler"}
		}
		d, err := parseDelegate(body)
		if err != nil {
			return nil, err
		}
		// The allowance is for "the merchant authorized to use this
		// token" (Allowance.merchant_id): this shop, whose merchant id is
		// its bot id, so a token meant for another merchant is not issued.
		if d.merchantID != string(bot) {
			return nil, unacceptable("$.allowance.merchant_id", "the allowance is for another merchant: this merchant's id is its bot's id")
		}
		// A risk signal whose recommended action is blocked is followed:
		// no token for that card (manual_review and authorized get one).
		if d.blocked >= 0 {
			return nil, unacceptable(fmt.Sprintf("$.risk_signals[%d].action", d.blocked), "a risk signal blocks this payment method: no token is issued")
		}
		now := tx.Now()
		if !d.cardExpiry.IsZero() && !now.Before(d.cardExpiry) {
			return nil, unacceptable("$.payment_method.exp_year", "the card has expired")
		}
		t, err := h.cfg.Service.IssueVaultToken(ctx, tx, bot, d.allowance)
		if e := agentcommerce.AsError(err); e != nil {
			return nil, unacceptable(e.Path, e.Message)
		}
		if err != nil {
			return nil, err
		}
		md := make(map[string]string, len(d.metadata)+2)
		for k, v := range d.metadata {
			md[k] = v
		}
		md["merchant_id"] = d.merchantID
		if key := r.Header.Get("Idempotency-Key"); key != "" {
			md["idempotency_key"] = key
		}
		return delegateResponse{ID: t.ID, Created: t.CreatedAt.UTC().Format(time.RFC3339), Metadata: md}, nil
	}, true)
}

// object reads raw as a JSON object at path whose keys are all allowed
// (the spec's schemas forbid additional properties).
func object(raw json.RawMessage, path string, allowed ...string) (map[string]json.RawMessage, error) {
	var o map[string]json.RawMessage
	if len(bytes.TrimSpace(raw)) == 0 || raw[0] != '{' || json.Unmarshal(raw, &o) != nil || o == nil {
		return nil, invalid(path, path+" must be an object")
	}
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return nil, invalid(path+"."+k, fmt.Sprintf("%s.%s is not a field of this request", path, k))
		}
	}
	return o, nil
}

// field reads o[key] into v; required fields must be present and not
// null. It reports whether the field was given.
func field(o map[string]json.RawMessage, path, key string, required bool, v any) (bool, error) {
	raw, ok := o[key]
	if !ok || string(raw) == "null" {
		if required {
			return false, invalid(path+"."+key, fmt.Sprintf("%s.%s is required", path, key))
		}
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, invalid(path+"."+key, fmt.Sprintf("%s.%s has the wrong type", path, key))
	}
	return true, nil
}

// text reads a string field no longer than maxLen (0: any length).
func text(o map[string]json.RawMessage, path, key string, required bool, maxLen int) (string, error) {
	var s string
	given, err := field(o, path, key, required, &s)
	if err != nil {
		return "", err
	}
	if required && s == "" {
		return "", invalid(path+"."+key, fmt.Sprintf("%s.%s is required", path, key))
	}
	if given && maxLen > 0 && len([]rune(s)) > maxLen {
		return "", invalid(path+"."+key, fmt.Sprintf("%s.%s is at most %d characters", path, key, maxLen))
	}
	return s, nil
}

// integer reads a required JSON integer (a number, not a string).
func integer(o map[string]json.RawMessage, path, key string) (int64, error) {
	raw, ok := o[key]
	if !ok || string(raw) == "null" {
		return 0, invalid(path+"."+key, fmt.Sprintf("%s.%s is required", path, key))
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
	if err != nil {
		return 0, invalid(path+"."+key, fmt.Sprintf("%s.%s must be an integer", path, key))
	}
	return n, nil
}

// oneOf reads a string field that must be one of values.
func oneOf(o map[string]json.RawMessage, path, key string, required bool, values ...string) (string, error) {
	s, err := text(o, path, key, required, 0)
	if err != nil || (s == "" && !required) {
		return s, err
	}
	if !slices.Contains(values, s) {
		return "", invalid(path+"."+key, fmt.Sprintf("%s.%s must be one of %s", path, key, strings.Join(values, ", ")))
	}
	return s, nil
}

var (
	digits   = regexp.MustCompile(`^[0-9]+$`)
	currency = regexp.MustCompile(`^[a-z]{3}$`)
)

// parseDelegate validates a DelegatePaymentRequest as the spec's schema
// and validation rules say and keeps what the sandbox needs.
func parseDelegate(body []byte) (*delegated, error) {
	top, err := object(body, "$", "payment_method", "allowance", "billing_address", "risk_signals", "metadata")
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"payment_method", "allowance", "risk_signals", "metadata"} {
		if raw, ok := top[k]; !ok || string(raw) == "null" {
			return nil, invalid("$."+k, "$."+k+" is required")
		}
	}
	d := &delegated{}
	if d.cardExpiry, err = parseCard(top["payment_method"]); err != nil {
		return nil, err
	}
	if err := parseAllowance(top["allowance"], d); err != nil {
		return nil, err
	}
	if raw, ok := top["billing_address"]; ok && string(raw) != "null" {
		if err := parseAddress(raw, "$.billing_address"); err != nil {
			return nil, err
		}
	}
	if d.blocked, err = parseRisk(top["risk_signals"]); err != nil {
		return nil, err
	}
	if _, err := field(top, "$", "metadata", true, &d.metadata); err != nil {
		return nil, err
	}
	return d, nil
}

// parseCard validates PaymentMethodCard and returns when the card
// expires (zero without exp_month and exp_year). Nothing of the card is
// kept.
func parseCard(raw json.RawMessage) (time.Time, error) {
	const p = "$.payment_method"
	o, err := object(raw, p, "type", "card_number_type", "number", "exp_month", "exp_year", "name", "cvc", "cryptogram",
		"eci_value", "checks_performed", "iin", "display_card_funding_type", "display_wallet_type", "display_brand",
		"display_last4", "metadata", "virtual")
	if err != nil {
		return time.Time{}, err
	}
	if _, err := oneOf(o, p, "type", true, "card"); err != nil {
		return time.Time{}, err
	}
	numberType, err := oneOf(o, p, "card_number_type", true, "fpan", "network_token")
	if err != nil {
		return time.Time{}, err
	}
	number, err := text(o, p, "number", true, 0)
	if err != nil {
		return time.Time{}, err
	}
	if !digits.MatchString(number) || len(number) < 12 || len(number) > 19 || (numberType == "fpan" && !luhn(number)) {
		return time.Time{}, invalid(p+".number", "payment_method.number is not a valid card number")
	}
	month, err := text(o, p, "exp_month", false, 2)
	if err != nil {
		return time.Time{}, err
	}
	m, merr := strconv.Atoi(month)
	if month != "" && (!digits.MatchString(month) || merr != nil || m < 1 || m > 12) {
		return time.Time{}, invalid(p+".exp_month", "payment_method.exp_month must be 01 to 12")
	}
	year, err := text(o, p, "exp_year", false, 4)
	if err != nil {
		return time.Time{}, err
	}
	y, _ := strconv.Atoi(year)
	if year != "" && (len(year) != 4 || !digits.MatchString(year)) {
		return time.Time{}, invalid(p+".exp_year", "payment_method.exp_year must be a four-digit year")
	}
	if (month == "") != (year == "") {
		return time.Time{}, invalid(p+".exp_month", "payment_method.exp_month and exp_year go together")
	}
	for _, f := range []struct {
		key string
		max int
		num bool
	}{{"name", 0, false}, {"cvc", 4, true}, {"cryptogram", 0, false}, {"eci_value", 2, false}, {"iin", 8, true},
		{"display_wallet_type", 0, false}, {"display_brand", 0, false}} {
		s, err := text(o, p, f.key, false, f.max)
		if err != nil {
			return time.Time{}, err
		}
		if f.num && s != "" && !digits.MatchString(s) {
			return time.Time{}, invalid(p+"."+f.key, fmt.Sprintf("payment_method.%s must be digits", f.key))
		}
	}
	if cvc, _ := text(o, p, "cvc", false, 4); cvc != "" && len(cvc) < 3 {
		return time.Time{}, invalid(p+".cvc", "payment_method.cvc is 3 or 4 digits")
	}
	if last4, _ := text(o, p, "display_last4", false, 0); last4 != "" && (len(last4) != 4 || !digits.MatchString(last4)) {
		return time.Time{}, invalid(p+".display_last4", "payment_method.display_last4 is four digits")
	}
	if _, err := oneOf(o, p, "display_card_funding_type", true, "credit", "debit", "prepaid"); err != nil {
		return time.Time{}, err
	}
	var checks []string
	if _, err := field(o, p, "checks_performed", false, &checks); err != nil {
		return time.Time{}, err
	}
	for i, c := range checks {
		if !slices.Contains([]string{"avs", "cvv", "ani", "auth0"}, c) {
			return time.Time{}, invalid(fmt.Sprintf("%s.checks_performed[%d]", p, i), "payment_method.checks_performed holds avs, cvv, ani or auth0")
		}
	}
	var virtual bool
	if _, err := field(o, p, "virtual", false, &virtual); err != nil {
		return time.Time{}, err
	}
	var md map[string]string
	if _, err := field(o, p, "metadata", true, &md); err != nil {
		return time.Time{}, err
	}
	if year == "" {
		return time.Time{}, nil
	}
	// A card is valid through the last day of its expiry month.
	return time.Date(y, time.Month(m)+1, 1, 0, 0, 0, 0, time.UTC), nil
}

// luhn reports whether number passes the card number checksum.
func luhn(number string) bool {
	sum := 0
	for i := range len(number) {
		d := int(number[len(number)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// parseAllowance validates Allowance into d.
func parseAllowance(raw json.RawMessage, d *delegated) error {
	const p = "$.allowance"
	o, err := object(raw, p, "reason", "max_amount", "currency", "checkout_session_id", "merchant_id", "expires_at", "order_id")
	if err != nil {
		return err
	}
	if _, err := oneOf(o, p, "reason", true, "one_time"); err != nil {
		return err
	}
	n, err := integer(o, p, "max_amount")
	if err != nil {
		return err
	}
	if n < 1 {
		return invalid(p+".max_amount", "allowance.max_amount is a positive integer in minor units")
	}
	cur, err := text(o, p, "currency", true, 0)
	if err != nil {
		return err
	}
	if !currency.MatchString(cur) {
		return invalid(p+".currency", "allowance.currency is a lowercase ISO 4217 code")
	}
	session, err := text(o, p, "checkout_session_id", true, 255)
	if err != nil {
		return err
	}
	if d.merchantID, err = text(o, p, "merchant_id", true, 256); err != nil {
		return err
	}
	exp, err := text(o, p, "expires_at", true, 0)
	if err != nil {
		return err
	}
	at, err := time.Parse(time.RFC3339Nano, exp)
	if err != nil {
		return invalid(p+".expires_at", "allowance.expires_at is an RFC 3339 date-time")
	}
	if _, err := text(o, p, "order_id", false, 0); err != nil {
		return err
	}
	d.allowance = agentcommerce.VaultToken{Session: session, Max: concierge.Money{Minor: n, Currency: strings.ToUpper(cur)}, ExpiresAt: at}
	return nil
}

// parseAddress validates Address (2026-04-17's fields, and the RFC's
// optional email and phone).
func parseAddress(raw json.RawMessage, p string) error {
	o, err := object(raw, p, "name", "line_one", "line_two", "city", "state", "country", "postal_code", "email", "phone")
	if err != nil {
		return err
	}
	for _, f := range []struct {
		key      string
		required bool
		max      int
	}{{"name", true, 256}, {"line_one", true, 60}, {"line_two", false, 60}, {"city", true, 60}, {"state", true, 0},
		{"postal_code", true, 20}, {"email", false, 256}, {"phone", false, 32}} {
		var s string
		// The schema requires the key; an empty state is allowed, as
		// countries without states have none.
		if _, err := field(o, p, f.key, f.required, &s); err != nil {
			return err
		}
		if f.max > 0 && len([]rune(s)) > f.max {
			return invalid(p+"."+f.key, fmt.Sprintf("%s.%s is at most %d characters", p[2:], f.key, f.max))
		}
	}
	country, err := text(o, p, "country", true, 0)
	if err != nil {
		return err
	}
	if len(country) != 2 {
		return invalid(p+".country", "billing_address.country is an ISO 3166-1 alpha-2 code")
	}
	return nil
}

// parseRisk validates risk_signals: at least one RiskSignal. It returns
// the index of the first whose action is blocked, or -1.
func parseRisk(raw json.RawMessage) (int, error) {
	const p = "$.risk_signals"
	var list []json.RawMessage
	if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &list) != nil {
		return -1, invalid(p, "risk_signals must be an array")
	}
	if len(list) == 0 {
		return -1, invalid(p, "risk_signals needs at least one signal")
	}
	blocked := -1
	for i, item := range list {
		ip := fmt.Sprintf("%s[%d]", p, i)
		o, err := object(item, ip, "type", "score", "action")
		if err != nil {
			return -1, err
		}
		if _, err := oneOf(o, ip, "type", true, "card_testing"); err != nil {
			return -1, err
		}
		if _, err := integer(o, ip, "score"); err != nil {
			return -1, err
		}
		action, err := oneOf(o, ip, "action", true, "blocked", "manual_review", "authorized")
		if err != nil {
			return -1, err
		}
		if action == "blocked" && blocked < 0 {
			blocked = i
		}
	}
	return blocked, nil
}

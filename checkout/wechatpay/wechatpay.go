// Package wechatpay is the WeChat Pay payment provider (API v2, the
// merchant API key the bot file names), for customers of an Official
// Account and, as a fallback, anyone with WeChat on a phone:
//
//  1. Request returns a link to a payment page served by Concierge
//     (/wechatpay/{bot}/pay/{order}?t=…, the token an HMAC of the order).
//  2. The page, opened in WeChat's browser for a customer whose OpenID the
//     conversation knows, makes a JSAPI unified order (/pay/unifiedorder)
//     for the order's amount in fen and calls WeixinJSBridge with the
//     signed parameters (BridgeConfig). Opened elsewhere, it makes a
//     NATIVE order and shows its code_url as a QR code to scan in WeChat.
//  3. WeChat Pay notifies POST /webhooks/{bot}/wechatpay. VerifyNotify
//     checks the signature over every field received, the app id and the
//     merchant id, and returns the payment; webhooks applies it exactly
//     once (checkout.Service.Paid compares the amount with the order's)
//     and answers with Reply so that WeChat Pay stops retrying.
//
// Nothing but a verified notification marks an order paid; the browser's
// get_brand_wcpay_request:ok is not trusted. QueryOrder and CloseOrder
// reach the order query and close APIs. Refund (refund.go) gives money
// back through the refund API, which needs the merchant's certificate;
// DecryptRefundNotify and QueryRefund tell how a refund ended. The package
// speaks the protocol with the standard library (see docs/wechat.md) and
// imports only the root package, internal/httpclient and internal/redact
// of Concierge.
package wechatpay

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/httpclient"
	"github.com/conciergehq/concierge/internal/redact"
)

// ProviderName is the provider's name in orders, payments and routes.
const ProviderName = "wechatpay"

// DefaultAPIBase is WeChat Pay's API.
const DefaultAPIBase = "https://api.mch.weixin.qq.com"

// Currency is the only currency WeChat Pay charges here: amounts are fen.
const Currency = "CNY"

// MaxBodyBytes is the largest notification accepted.
const MaxBodyBytes = 64 << 10

// FormToken is the payment page's query parameter carrying its token.
const FormToken = "t"

// Config configures a Provider.
type Config struct {
	AppID   string // the Official Account's AppID the merchant is bound to
	MchID   string
	APIKey  string // the APIv2 key; never logged
	APIBase string // "" means DefaultAPIBase
	// BaseURL is this server's public https base: payment pages and the
	// notify URL hang below it.
	BaseURL  string
	SignType string // SignHMACSHA256 (default) or SignMD5
	// Certificate is the merchant's API certificate (apiclient_cert.pem
	// and apiclient_key.pem), presented to the refund API; nil means
	// refunds are not available.
	Certificate *tls.Certificate
	Client      *http.Client
	Now         func() time.Time
	// Payer returns the OpenID of the WeChat customer whose conversation
	// placed the order, or "" when it was placed on another channel (see
	// PayerOf); nil always shows the QR code of a NATIVE payment.
	Payer func(ctx context.Context, o *concierge.Order) (string, error)
}

// Provider is the WeChat Pay provider. It is safe for concurrent use.
type Provider struct {
	cfg      Config
	base     string
	http     *http.Client
	certHTTP *http.Client // presents the merchant certificate; nil without one
	now      func() time.Time
}

var (
	_ concierge.PaymentProvider = (*Provider)(nil)
	_ concierge.Refunder        = (*Provider)(nil)
)

// New returns a Provider, or a CodeInvalid error when cfg is unusable.
func New(cfg Config) (*Provider, error) {
	const op = "wechatpay: new"
	if cfg.AppID == "" || cfg.MchID == "" || cfg.APIKey == "" {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "the app id (channels.wechat.app_id), mch_id and api_key are required")
	}
	if cfg.BaseURL == "" {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "the server's public base URL is required")
	}
	base := cfg.APIBase
	if base == "" {
		base = DefaultAPIBase
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "the API base %q must be an absolute http(s) URL", cfg.APIBase)
	}
	if cfg.SignType == "" {
		cfg.SignType = SignHMACSHA256
	}
	p := &Provider{cfg: cfg, base: strings.TrimRight(base, "/"), http: cfg.Client, now: cfg.Now}
	if p.http == nil {
		p.http = httpclient.New(20 * time.Second)
	}
	if p.now == nil {
		p.now = time.Now
	}
	var err error
	if p.certHTTP, err = certClient(cfg); err != nil {
		return nil, err
	}
	if p.certHTTP != nil {
		// Every call presents the certificate: /pay/ ignores it, and a
		// gateway that asks for it everywhere gets it.
		p.http = p.certHTTP
	}
	return p, nil
}

// Name is ProviderName.
func (p *Provider) Name() string { return ProviderName }

// PageToken is the capability in a payment page's link: an HMAC of the
// bot and order under the API key.
func (p *Provider) PageToken(bot concierge.BotID, order concierge.OrderID) string {
	h := hmac.New(sha256.New, []byte("concierge-wechatpay-page\x00"+p.cfg.APIKey))
	h.Write([]byte(string(bot) + "\x00" + string(order)))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// CheckPageToken reports a bad page token as CodeNotFound.
func (p *Provider) CheckPageToken(bot concierge.BotID, order concierge.OrderID, token string) error {
	want := p.PageToken(bot, order)
	if len(token) != len(want) || subtle.ConstantTimeCompare([]byte(token), []byte(want)) != 1 {
		return concierge.Errorf(concierge.CodeNotFound, "wechatpay", "no such payment page")
	}
	return nil
}

// PageURL is the payment page of an order.
func (p *Provider) PageURL(bot concierge.BotID, order concierge.OrderID) string {
	return strings.TrimRight(p.cfg.BaseURL, "/") + "/wechatpay/" + url.PathEscape(string(bot)) + "/pay/" +
		url.PathEscape(string(order)) + "?" + FormToken + "=" + p.PageToken(bot, order)
}

// Request returns the payment page's link for o, which must be in CNY.
func (p *Provider) Request(ctx context.Context, bot *concierge.Bot, o *concierge.Order) (*concierge.PaymentRequest, error) {
	if o.Total.Currency != Currency {
		return nil, concierge.Errorf(concierge.CodeInvalid, "wechatpay", "WeChat Pay charges CNY; the order is in %s", o.Total.Currency)
	}
	return &concierge.PaymentRequest{Order: o.ID, Provider: ProviderName, Amount: o.Total, URL: p.PageURL(bot.ID, o.ID)}, nil
}

// Trade types of a unified order.
const (
	TradeJSAPI  = "JSAPI"
	TradeNative = "NATIVE"
)

// Prepaid is a unified order's answer.
type Prepaid struct {
	PrepayID string
	CodeURL  string // NATIVE only: weixin://wxpay/bizpayurl?pr=…
}

// APIError is a refused call: return_code FAIL, or result_code FAIL.
type APIError struct {
	Code    string // err_code, or return_code
	Message string
}

func (e *APIError) Error() string { return "wechatpay: " + e.Code + ": " + e.Message }

// Prepay makes the unified order of o for tradeType: JSAPI for openid (a
// customer of the account inside WeChat), or NATIVE. The amount is the
// order's, in fen; out_trade_no is the order id; attach carries the bot.
func (p *Provider) Prepay(ctx context.Context, bot concierge.BotID, o *concierge.Order, tradeType, openid, clientIP string) (*Prepaid, error) {
	if o.Total.Currency != Currency {
		return nil, concierge.Errorf(concierge.CodeInvalid, "wechatpay", "WeChat Pay charges CNY; the order is in %s", o.Total.Currency)
	}
	if tradeType == TradeJSAPI && openid == "" {
		return nil, concierge.Errorf(concierge.CodeInvalid, "wechatpay", "a JSAPI payment needs the customer's openid")
	}
	if clientIP == "" {
		clientIP = "127.0.0.1"
	}
	body := "Order " + string(o.ID)
	if len(o.Lines) > 0 {
		body = clip(o.Lines[0].Title, 100)
	}
	params := map[string]string{
		"appid": p.cfg.AppID, "mch_id": p.cfg.MchID, "nonce_str": nonce(),
		"body": body, "out_trade_no": string(o.ID), "total_fee": strconv.FormatInt(o.Total.Minor, 10),
		"fee_type": Currency, "spbill_create_ip": clientIP, "trade_type": tradeType, "attach": string(bot),
		"notify_url":  strings.TrimRight(p.cfg.BaseURL, "/") + "/webhooks/" + url.PathEscape(string(bot)) + "/wechatpay",
		"time_expire": o.ExpiresAt.In(shanghai).Format("20060102150405"),
	}
	if tradeType == TradeJSAPI {
		params["openid"] = openid
	} else {
		params["product_id"] = string(o.ID)
	}
	res, err := p.call(ctx, "/pay/unifiedorder", params)
	if err != nil {
		return nil, err
	}
	return &Prepaid{PrepayID: res["prepay_id"], CodeURL: res["code_url"]}, nil
}

// shanghai is China Standard Time, WeChat Pay's clock (UTC+8, no DST).
var shanghai = time.FixedZone("CST", 8*3600)

// BridgeConfig is the request the payment page hands to
// WeixinJSBridge.invoke('getBrandWCPayRequest', …): appId, timeStamp
// (seconds, as a string), nonceStr, package ("prepay_id=…"), signType and
// paySign (the v2 signature of the other five).
func (p *Provider) BridgeConfig(prepayID string) map[string]string {
	c := map[string]string{
		"appId": p.cfg.AppID, "timeStamp": strconv.FormatInt(p.now().Unix(), 10), "nonceStr": nonce(),
		"package": "prepay_id=" + prepayID, "signType": p.cfg.SignType,
	}
	c["paySign"] = Sign(c, p.cfg.APIKey, p.cfg.SignType)
	return c
}

// Notification is a verified payment notification.
type Notification struct {
	Paid          bool // return_code and result_code SUCCESS
	Bot           concierge.BotID
	Order         concierge.OrderID
	TransactionID string
	Amount        concierge.Money
	OpenID        string
	At            time.Time
	// ResultFail is set when the notification reports a failed payment
	// (return_code SUCCESS, result_code FAIL), with WeChat Pay's err_code
	// and err_code_des; Nonce is its nonce_str, which names the report
	// when no transaction_id does.
	ResultFail bool
	ErrCode    string
	ErrDesc    string
	Nonce      string
}

// Failure is the failed attempt a ResultFail notification reports. Its
// ProviderRef is the transaction id when WeChat Pay gave one, else the
// order and the notification's nonce: WeChat Pay repeats a notification
// with the same signed body, so a repeat is counted once.
func (n *Notification) Failure() concierge.PaymentFailure {
	ref := n.TransactionID
	if ref == "" {
		ref = string(n.Order) + "/" + n.Nonce
	}
	return concierge.PaymentFailure{Order: n.Order, Provider: ProviderName, ProviderRef: ref, Code: n.ErrCode, Reason: n.ErrDesc, At: n.At}
}

// Payment is the notification as a payment to apply.
func (n *Notification) Payment() concierge.Payment {
	return concierge.Payment{Order: n.Order, Provider: ProviderName, ProviderRef: n.TransactionID, Amount: n.Amount, At: n.At}
}

// VerifyNotify reads and verifies a payment notification: the signature
// over every field received (CodeUnauthorized otherwise), and the app id
// and merchant id, which must be this provider's.
func (p *Provider) VerifyNotify(body []byte) (*Notification, error) {
	const op = "wechatpay: notify"
	params, err := parseXML(body)
	if err != nil {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "%v", err)
	}
	if params["return_code"] != "SUCCESS" {
		// A communication failure report carries no signature.
		return &Notification{}, nil
	}
	if !verify(params, p.cfg.APIKey) {
		return nil, concierge.Errorf(concierge.CodeUnauthorized, op, "bad signature")
	}
	if params["appid"] != p.cfg.AppID || params["mch_id"] != p.cfg.MchID {
		return nil, concierge.Errorf(concierge.CodeUnauthorized, op, "the notification is for another app or merchant")
	}
	n := &Notification{Paid: params["result_code"] == "SUCCESS", Bot: concierge.BotID(params["attach"]),
		Order: concierge.OrderID(params["out_trade_no"]), TransactionID: params["transaction_id"], OpenID: params["openid"]}
	fee, err := strconv.ParseInt(params["total_fee"], 10, 64)
	if n.Paid && (err != nil || fee < 0 || n.Order == "" || n.TransactionID == "") {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "a payment without order, transaction or amount")
	}
	if params["result_code"] == "FAIL" {
		n.ResultFail, n.ErrCode, n.ErrDesc, n.Nonce = true, params["err_code"], params["err_code_des"], params["nonce_str"]
		if n.Order == "" || (n.TransactionID == "" && n.Nonce == "") {
			return nil, concierge.Errorf(concierge.CodeInvalid, op, "a failed payment without order or nonce")
		}
	}
	cur := params["fee_type"]
	if cur == "" {
		cur = Currency
	}
	n.Amount = concierge.Money{Minor: fee, Currency: cur}
	if t, err := time.ParseInLocation("20060102150405", params["time_end"], shanghai); err == nil {
		n.At = t.UTC()
	} else {
		n.At = p.now().UTC()
	}
	return n, nil
}

// Reply is the answer WeChat Pay expects to a notification: SUCCESS stops
// its retries; FAIL (with a reason) asks for another try.
func Reply(ok bool, msg string) []byte {
	if ok {
		return []byte("<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>")
	}
	var b bytes.Buffer
	b.WriteString("<xml><return_code><![CDATA[FAIL]]></return_code><return_msg>")
	xml.EscapeText(&b, []byte(msg))
	b.WriteString("</return_msg></xml>")
	return b.Bytes()
}

// TradeState is an order's state at WeChat Pay (SUCCESS, NOTPAY, CLOSED,
// REFUND, USERPAYING, PAYERROR …).
type TradeState struct {
	State         string
	TransactionID string
	Amount        concierge.Money
}

// QueryOrder asks WeChat Pay for the state of order (/pay/orderquery), for
// an order whose notification never came.
func (p *Provider) QueryOrder(ctx context.Context, order concierge.OrderID) (*TradeState, error) {
	res, err := p.call(ctx, "/pay/orderquery", map[string]string{"appid": p.cfg.AppID, "mch_id": p.cfg.MchID, "out_trade_no": string(order), "nonce_str": nonce()})
	if err != nil {
		return nil, err
	}
	fee, _ := strconv.ParseInt(res["total_fee"], 10, 64)
	return &TradeState{State: res["trade_state"], TransactionID: res["transaction_id"], Amount: concierge.Money{Minor: fee, Currency: Currency}}, nil
}

// CloseOrder closes an unpaid order at WeChat Pay (/pay/closeorder) so it
// can no longer be paid, before its stock is released.
func (p *Provider) CloseOrder(ctx context.Context, order concierge.OrderID) error {
	_, err := p.call(ctx, "/pay/closeorder", map[string]string{"appid": p.cfg.AppID, "mch_id": p.cfg.MchID, "out_trade_no": string(order), "nonce_str": nonce()})
	return err
}

// call signs params, posts them to path and returns the verified answer.
func (p *Provider) call(ctx context.Context, path string, params map[string]string) (map[string]string, error) {
	return p.callWith(ctx, p.http, path, params)
}

// callWith is call through client (the certificate's, for /secapi/). No
// error holds the API key: it signs the request and is never sent, but an
// error is logged, stored and shown, so it is taken out all the same.
func (p *Provider) callWith(ctx context.Context, client *http.Client, path string, params map[string]string) (map[string]string, error) {
	res, err := p.post(ctx, client, path, params)
	return res, redact.Error(err, p.cfg.APIKey)
}

func (p *Provider) post(ctx context.Context, client *http.Client, path string, params map[string]string) (map[string]string, error) {
	op := "wechatpay: " + path[strings.LastIndexByte(path, '/')+1:]
	params["sign_type"] = p.cfg.SignType
	params["sign"] = Sign(params, p.cfg.APIKey, p.cfg.SignType)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base+path, bytes.NewReader(encodeXML(params)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes))
	if err != nil {
		return nil, fmt.Errorf("%s: read answer: %w", op, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s: HTTP %d", op, resp.StatusCode)
	}
	res, err := parseXML(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if res["return_code"] != "SUCCESS" {
		return nil, fmt.Errorf("%s: %w", op, &APIError{Code: "FAIL", Message: res["return_msg"]})
	}
	if !verify(res, p.cfg.APIKey) {
		return nil, fmt.Errorf("%s: the answer's signature does not verify", op)
	}
	if res["result_code"] != "SUCCESS" {
		return nil, fmt.Errorf("%s: %w", op, &APIError{Code: res["err_code"], Message: res["err_code_des"]})
	}
	return res, nil
}

func nonce() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(errors.New("wechatpay: no randomness"))
	}
	return hex.EncodeToString(b[:])
}

func clip(s string, maxBytes int) string {
	if len(s) <= maxBytes {
		return s
	}
	for maxBytes > 0 && (s[maxBytes]&0xC0) == 0x80 {
		maxBytes--
	}
	return s[:maxBytes]
}

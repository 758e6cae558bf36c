package wechatpay

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/md5"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/redact"
)

// Refund statuses as Concierge records them: a refund WeChat Pay accepted
// is processing until its notification (or a refund query) says how it
// ended.
const (
	RefundProcessing = concierge.RefundProcessing
	RefundSucceeded  = concierge.RefundSucceeded
	RefundFailed     = concierge.RefundFailed
)

// outRefundNo is what WeChat Pay accepts as out_refund_no: at most 64 of
// these characters.
var outRefundNo = regexp.MustCompile(`^[0-9A-Za-z_\-|*@]{1,64}$`)

// LoadCertificate reads the merchant's API certificate (apiclient_cert.pem)
// and its key (apiclient_key.pem), which the refund API requires.
func LoadCertificate(certFile, keyFile string) (tls.Certificate, error) {
	c, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("wechatpay: merchant certificate: %w", err)
	}
	return c, nil
}

// certClient returns the client that presents the merchant certificate:
// cfg.Client's transport (so tests can trust a fake's CA) with the
// certificate added, or nil when no certificate is configured.
func certClient(cfg Config) (*http.Client, error) {
	if cfg.Certificate == nil {
		return nil, nil
	}
	var t *http.Transport
	timeout := 20 * time.Second
	if cfg.Client != nil {
		timeout = cfg.Client.Timeout
		switch rt := cfg.Client.Transport.(type) {
		case nil:
		case *http.Transport:
			t = rt.Clone()
		default:
			return nil, concierge.Errorf(concierge.CodeInvalid, "wechatpay: new", "the HTTP client's transport cannot carry a client certificate")
		}
	}
	if t == nil {
		t = http.DefaultTransport.(*http.Transport).Clone()
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.TLSClientConfig != nil {
		tc = t.TLSClientConfig.Clone()
	}
	tc.Certificates = []tls.Certificate{*cfg.Certificate}
	t.TLSClientConfig = tc
	return &http.Client{Transport: t, Timeout: timeout}, nil
}

// RefundNotifyPath is the route of a bot's refund notifications.
func RefundNotifyPath(bot concierge.BotID) string {
	return "/webhooks/" + url.PathEscape(string(bot)) + "/wechatpay/refund"
}

// Retryable reports whether WeChat Pay asks for the same request to be
// made again later (its answer names no lasting problem): a system error,
// a busy merchant account, too little balance to refund from.
func (e *APIError) Retryable() bool {
	switch e.Code {
	case "SYSTEMERROR", "BIZERR_NEED_RETRY", "NOTENOUGH", "FREQUENCY_LIMITED":
		return true
	}
	return false
}

// Refund asks WeChat Pay (/secapi/pay/refund, with the merchant
// certificate) to give r.Amount of r.Paid back. r.Key becomes
// out_refund_no, so
// a retry with the same key is the same refund at WeChat Pay, never a
// second one. WeChat Pay refunds asynchronously: the Refund returned is
// processing, with WeChat Pay's refund_id as ProviderRef; the refund
// notification or a refund query settles it. A refusal WeChat Pay asks to
// retry is CodeUnavailable, any other CodeInvalid, both wrapping the
// *APIError.
//
// r.Reason becomes refund_desc, which WeChat shows the customer: a
// refund the customer asked for (concierge.RefundRequestedByCustomer, a
// code word) is described as "订单 {order} 退款" instead.
func (p *Provider) Refund(ctx context.Context, r concierge.RefundRequest) (concierge.Refund, error) {
	const op = "wechatpay: refund"
	o, paid, amount, reason, key := r.Order, r.Paid, r.Amount, r.Reason, r.Key
	if reason == concierge.RefundRequestedByCustomer {
		reason = "订单 " + string(o.ID) + " 退款"
	}
	if p.certHTTP == nil {
		return concierge.Refund{}, concierge.Errorf(concierge.CodeUnavailable, op, "no merchant API certificate is configured (payments.wechatpay.cert_p12, or cert_file and key_file); refund it in the merchant platform")
	}
	if !outRefundNo.MatchString(key) {
		return concierge.Refund{}, concierge.Errorf(concierge.CodeInvalid, op, "the refund key %q is not a valid out_refund_no (64 letters, digits, _-|*@)", key)
	}
	if amount.Currency != Currency || paid.Amount.Currency != Currency {
		return concierge.Refund{}, concierge.Errorf(concierge.CodeInvalid, op, "WeChat Pay refunds CNY; this is %s", amount.Currency)
	}
	if amount.Minor <= 0 || amount.Minor > paid.Amount.Minor {
		return concierge.Refund{}, concierge.Errorf(concierge.CodeInvalid, op, "the refund (%d fen) must be more than nothing and at most the payment (%d fen)", amount.Minor, paid.Amount.Minor)
	}
	params := map[string]string{
		"appid": p.cfg.AppID, "mch_id": p.cfg.MchID, "nonce_str": nonce(),
		"transaction_id": paid.ProviderRef, "out_trade_no": string(o.ID), "out_refund_no": key,
		"total_fee": strconv.FormatInt(paid.Amount.Minor, 10), "refund_fee": strconv.FormatInt(amount.Minor, 10),
		"refund_fee_type": Currency, "refund_desc": clip(reason, 80),
		"notify_url": strings.TrimRight(p.cfg.BaseURL, "/") + RefundNotifyPath(o.Bot),
	}
	res, err := p.callWith(ctx, p.certHTTP, "/secapi/pay/refund", params)
	var api *APIError
	switch {
	case errors.As(err, &api) && api.Retryable():
		return concierge.Refund{}, &concierge.Error{Code: concierge.CodeUnavailable, Op: op, Err: err,
			Message: fmt.Sprintf("WeChat Pay asks to try again later (%s: %s); a retry is the same refund %s", api.Code, redact.String(api.Message, p.cfg.APIKey), key)}
	case errors.As(err, &api):
		return concierge.Refund{}, &concierge.Error{Code: concierge.CodeInvalid, Op: op, Err: err,
			Message: fmt.Sprintf("WeChat Pay refused the refund (%s: %s)", api.Code, redact.String(api.Message, p.cfg.APIKey))}
	case err != nil:
		return concierge.Refund{}, &concierge.Error{Code: concierge.CodeUnavailable, Op: op, Err: err}
	}
	if res["refund_id"] == "" || res["out_refund_no"] != key || res["refund_fee"] != params["refund_fee"] {
		return concierge.Refund{}, concierge.Errorf(concierge.CodeUnavailable, op, "WeChat Pay's answer does not match the refund asked for (refund_id %q, out_refund_no %q, refund_fee %q)", res["refund_id"], res["out_refund_no"], res["refund_fee"])
	}
	return concierge.Refund{Order: o.ID, Provider: ProviderName, ProviderRef: res["refund_id"], Amount: amount,
		Reason: reason, Status: RefundProcessing, At: p.now().UTC()}, nil
}

// RefundResult is how a refund ended, from its notification or a query.
type RefundResult struct {
	Order         concierge.OrderID
	TransactionID string
	RefundID      string
	OutRefundNo   string
	Amount        concierge.Money // refund_fee
	// State is WeChat Pay's refund_status: SUCCESS, CHANGE (the money
	// could not go back, e.g. a closed bank card), REFUNDCLOSE, or
	// PROCESSING for a query of a refund still under way.
	State string
	At    time.Time
}

var _ concierge.RefundQuerier = (*Provider)(nil)

// RefundOutcome queries refund ref (QueryRefund) for checkout's sweep.
func (p *Provider) RefundOutcome(ctx context.Context, ref string) (concierge.RefundOutcome, error) {
	r, err := p.QueryRefund(ctx, ref)
	if err != nil {
		return concierge.RefundOutcome{}, err
	}
	return r.Outcome(), nil
}

// Outcome is r as checkout settles it.
func (r *RefundResult) Outcome() concierge.RefundOutcome {
	out := concierge.RefundOutcome{Provider: ProviderName, Ref: r.RefundID, Key: r.OutRefundNo, Order: r.Order,
		Amount: r.Amount, Status: r.Status(), State: r.State}
	if out.Status == RefundFailed {
		out.Why = fmt.Sprintf("WeChat Pay could not complete refund %s of order %s (%s): the money did not go back; refund it in the merchant platform", r.RefundID, r.Order, r.State)
	}
	return out
}

// Status is State in Concierge's words.
func (r *RefundResult) Status() string {
	switch r.State {
	case "SUCCESS":
		return RefundSucceeded
	case "PROCESSING":
		return RefundProcessing
	}
	return RefundFailed
}

// DecryptRefundNotify reads a refund notification: the outer XML must be
// for this app and merchant, and req_info must decrypt (AES-256-ECB, the
// key the lower-case hex MD5 of the API key, PKCS#7) to a refund result.
// WeChat Pay does not sign refund notifications: the encryption under the
// API key is what authenticates them, so anything that does not decrypt
// to a well-formed result is CodeUnauthorized. A report of a failure to
// communicate (return_code FAIL) returns nil, nil.
func (p *Provider) DecryptRefundNotify(body []byte) (*RefundResult, error) {
	const op = "wechatpay: refund notify"
	outer, err := parseXML(body)
	if err != nil {
		return nil, concierge.Errorf(concierge.CodeInvalid, op, "%v", err)
	}
	if outer["return_code"] != "SUCCESS" {
		return nil, nil
	}
	if outer["appid"] != p.cfg.AppID || outer["mch_id"] != p.cfg.MchID {
		return nil, concierge.Errorf(concierge.CodeUnauthorized, op, "the notification is for another app or merchant")
	}
	plain, err := DecryptReqInfo(outer["req_info"], p.cfg.APIKey)
	if err != nil {
		return nil, concierge.Errorf(concierge.CodeUnauthorized, op, "%v", err)
	}
	in, err := parseXML(plain)
	if err != nil {
		return nil, concierge.Errorf(concierge.CodeUnauthorized, op, "req_info: %v", err)
	}
	fee, err := strconv.ParseInt(in["refund_fee"], 10, 64)
	if err != nil || fee <= 0 || in["refund_id"] == "" || in["out_refund_no"] == "" || in["refund_status"] == "" {
		return nil, concierge.Errorf(concierge.CodeUnauthorized, op, "req_info is not a refund result")
	}
	r := &RefundResult{Order: concierge.OrderID(in["out_trade_no"]), TransactionID: in["transaction_id"], RefundID: in["refund_id"],
		OutRefundNo: in["out_refund_no"], Amount: concierge.Money{Minor: fee, Currency: Currency}, State: in["refund_status"], At: p.now().UTC()}
	if t, err := time.ParseInLocation("2006-01-02 15:04:05", in["success_time"], shanghai); err == nil {
		r.At = t.UTC()
	}
	return r, nil
}

var errReqInfo = errors.New("req_info does not decrypt")

// DecryptReqInfo decrypts a refund notification's req_info with apiKey.
func DecryptReqInfo(reqInfo, apiKey string) ([]byte, error) {
	ct, err := base64.StdEncoding.DecodeString(reqInfo)
	if err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, errReqInfo
	}
	sum := md5.Sum([]byte(apiKey))
	block, err := aes.NewCipher([]byte(hex.EncodeToString(sum[:])))
	if err != nil {
		return nil, err
	}
	// ECB: each block on its own, as WeChat Pay encrypts req_info.
	out := make([]byte, len(ct))
	for i := 0; i < len(ct); i += aes.BlockSize {
		block.Decrypt(out[i:i+aes.BlockSize], ct[i:i+aes.BlockSize])
	}
	n := int(out[len(out)-1])
	if n == 0 || n > aes.BlockSize || !bytes.Equal(out[len(out)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return nil, errReqInfo
	}
	return out[:len(out)-n], nil
}

// EncryptReqInfo is DecryptReqInfo's inverse, for the fake WeChat Pay.
func EncryptReqInfo(plain []byte, apiKey string) string {
	sum := md5.Sum([]byte(apiKey))
	block, _ := aes.NewCipher([]byte(hex.EncodeToString(sum[:])))
	n := aes.BlockSize - len(plain)%aes.BlockSize
	padded := append(append([]byte(nil), plain...), bytes.Repeat([]byte{byte(n)}, n)...)
	out := make([]byte, len(padded))
	for i := 0; i < len(padded); i += aes.BlockSize {
		block.Encrypt(out[i:i+aes.BlockSize], padded[i:i+aes.BlockSize])
	}
	return base64.StdEncoding.EncodeToString(out)
}

// QueryRefund asks WeChat Pay how the refund refundID ended
// (/pay/refundquery; no certificate needed), for a refund whose
// notification never came.
func (p *Provider) QueryRefund(ctx context.Context, refundID string) (*RefundResult, error) {
	res, err := p.call(ctx, "/pay/refundquery", map[string]string{"appid": p.cfg.AppID, "mch_id": p.cfg.MchID, "nonce_str": nonce(), "refund_id": refundID})
	if err != nil {
		return nil, err
	}
	// The answer lists the order's refunds as refund_id_$n …; find ours.
	count, _ := strconv.Atoi(res["refund_count"])
	for i := 0; i < count; i++ {
		n := strconv.Itoa(i)
		if res["refund_id_"+n] != refundID {
			continue
		}
		fee, _ := strconv.ParseInt(res["refund_fee_"+n], 10, 64)
		r := &RefundResult{Order: concierge.OrderID(res["out_trade_no"]), TransactionID: res["transaction_id"], RefundID: refundID,
			OutRefundNo: res["out_refund_no_"+n], Amount: concierge.Money{Minor: fee, Currency: Currency}, State: res["refund_status_"+n], At: p.now().UTC()}
		if t, err := time.ParseInLocation("2006-01-02 15:04:05", res["refund_success_time_"+n], shanghai); err == nil {
			r.At = t.UTC()
		}
		return r, nil
	}
	return nil, fmt.Errorf("wechatpay: refundquery: refund %s is not in the answer", refundID)
}

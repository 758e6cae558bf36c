// Package wechatpaytest is a fake WeChat Pay (API v2) for tests: the
// unified order, order query, close, refund and refund query APIs, each
// checking the request's signature, app id and merchant id as WeChat Pay
// does, signed payment notifications and encrypted refund notifications as
// WeChat Pay sends them. NewTLS serves it over TLS and, like
// api.mch.weixin.qq.com's /secapi/, requires the merchant's client
// certificate (issued by a CA the fake makes).
package wechatpaytest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/conciergehq/concierge/checkout/wechatpay"
)

// Order is a unified order the fake accepted.
type Order struct {
	Params   map[string]string
	PrepayID string
	Closed   bool
	Paid     bool
}

// Server is the fake WeChat Pay.
type Server struct {
	*httptest.Server
	AppID, MchID, Key string

	mu       sync.Mutex
	orders   map[string]*Order  // by out_trade_no
	refunds  map[string]*Refund // by out_refund_no
	calls    map[string]int     // by path and out_trade_no
	failNext []string           // err_codes the next refunds answer
	errors   []string
	n        int

	ca *certAuthority // NewTLS only
}

// New starts a fake for the merchant.
func New(appID, mchID, key string) *Server {
	s := newServer(appID, mchID, key)
	s.Server = httptest.NewServer(s.mux())
	return s
}

func newServer(appID, mchID, key string) *Server {
	return &Server{AppID: appID, MchID: mchID, Key: key, orders: map[string]*Order{},
		refunds: map[string]*Refund{}, calls: map[string]int{}}
}

func (s *Server) mux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/pay/unifiedorder", s.unifiedOrder)
	mux.HandleFunc("/pay/orderquery", s.orderQuery)
	mux.HandleFunc("/pay/closeorder", s.closeOrder)
	mux.HandleFunc("/secapi/pay/refund", s.refund)
	mux.HandleFunc("/pay/refundquery", s.refundQuery)
	return mux
}

// Calls returns how many requests to path named out_trade_no.
func (s *Server) Calls(path, outTradeNo string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path+" "+outTradeNo]
}

// Order returns the unified order of outTradeNo, or nil.
func (s *Server) Order(outTradeNo string) *Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.orders[outTradeNo]
}

// Errors returns the requests refused.
func (s *Server) Errors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errors...)
}

func (s *Server) read(w http.ResponseWriter, r *http.Request) (map[string]string, bool) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	p := map[string]string{}
	d := xml.NewDecoder(bytes.NewReader(raw))
	var key string
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			key = t.Name.Local
		case xml.CharData:
			if key != "" && key != "xml" {
				p[key] += string(t)
			}
		case xml.EndElement:
			key = ""
		}
	}
	fail := func(msg string) (map[string]string, bool) {
		s.mu.Lock()
		s.errors = append(s.errors, r.URL.Path+": "+msg)
		s.mu.Unlock()
		w.Write(xmlOf(map[string]string{"return_code": "FAIL", "return_msg": msg}))
		return nil, false
	}
	if r.Method != http.MethodPost {
		return fail("POST only")
	}
	st := p["sign_type"]
	if st == "" {
		st = wechatpay.SignMD5
	}
	if p["sign"] == "" || wechatpay.Sign(p, s.Key, st) != p["sign"] {
		return fail("签名错误")
	}
	if p["appid"] != s.AppID || p["mch_id"] != s.MchID {
		return fail("appid和mch_id不匹配")
	}
	s.mu.Lock()
	s.calls[r.URL.Path+" "+p["out_trade_no"]]++
	s.mu.Unlock()
	return p, true
}

func (s *Server) answer(w http.ResponseWriter, fields map[string]string) {
	fields["return_code"], fields["return_msg"] = "SUCCESS", "OK"
	fields["appid"], fields["mch_id"], fields["nonce_str"] = s.AppID, s.MchID, "fakenonce"
	fields["sign"] = wechatpay.Sign(fields, s.Key, wechatpay.SignMD5)
	w.Write(xmlOf(fields))
}

func (s *Server) unifiedOrder(w http.ResponseWriter, r *http.Request) {
	p, ok := s.read(w, r)
	if !ok {
		return
	}
	for _, k := range []string{"body", "out_trade_no", "total_fee", "spbill_create_ip", "notify_url", "trade_type"} {
		if p[k] == "" {
			s.answer(w, map[string]string{"result_code": "FAIL", "err_code": "PARAM_ERROR", "err_code_des": "缺少参数" + k})
			return
		}
	}
	if fee, err := strconv.Atoi(p["total_fee"]); err != nil || fee <= 0 {
		s.answer(w, map[string]string{"result_code": "FAIL", "err_code": "PARAM_ERROR", "err_code_des": "total_fee"})
		return
	}
	if p["trade_type"] == "JSAPI" && p["openid"] == "" {
		s.answer(w, map[string]string{"result_code": "FAIL", "err_code": "PARAM_ERROR", "err_code_des": "JSAPI支付必须传openid"})
		return
	}
	s.mu.Lock()
	o := s.orders[p["out_trade_no"]]
	switch {
	case o != nil && o.Paid:
		s.mu.Unlock()
		s.answer(w, map[string]string{"result_code": "FAIL", "err_code": "ORDERPAID", "err_code_des": "该订单已支付"})
		return
	case o != nil && o.Params["total_fee"] != p["total_fee"]:
		s.mu.Unlock()
		s.answer(w, map[string]string{"result_code": "FAIL", "err_code": "INVALID_REQUEST", "err_code_des": "201 商户订单号重复"})
		return
	case o == nil:
		s.n++
		o = &Order{Params: p, PrepayID: fmt.Sprintf("wx%014d", s.n)}
		s.orders[p["out_trade_no"]] = o
	}
	s.mu.Unlock()
	res := map[string]string{"result_code": "SUCCESS", "trade_type": p["trade_type"], "prepay_id": o.PrepayID}
	if p["trade_type"] == "NATIVE" {
		res["code_url"] = "weixin://wxpay/bizpayurl?pr=" + o.PrepayID
	}
	s.answer(w, res)
}

func (s *Server) orderQuery(w http.ResponseWriter, r *http.Request) {
	p, ok := s.read(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	o := s.orders[p["out_trade_no"]]
	s.mu.Unlock()
	if o == nil {
		s.answer(w, map[string]string{"result_code": "FAIL", "err_code": "ORDERNOTEXIST", "err_code_des": "此交易订单号不存在"})
		return
	}
	state := "NOTPAY"
	if o.Paid {
		state = "SUCCESS"
	} else if o.Closed {
		state = "CLOSED"
	}
	res := map[string]string{"result_code": "SUCCESS", "trade_state": state, "total_fee": o.Params["total_fee"], "out_trade_no": p["out_trade_no"]}
	if o.Paid {
		// The same transaction id as the order's notification.
		res["transaction_id"] = "4200" + o.PrepayID
	}
	s.answer(w, res)
}

func (s *Server) closeOrder(w http.ResponseWriter, r *http.Request) {
	p, ok := s.read(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	o := s.orders[p["out_trade_no"]]
	if o != nil && o.Paid {
		s.mu.Unlock()
		s.answer(w, map[string]string{"result_code": "FAIL", "err_code": "ORDERPAID", "err_code_des": "订单已支付，不能发起关单"})
		return
	}
	if o != nil {
		o.Closed = true
	}
	s.mu.Unlock()
	s.answer(w, map[string]string{"result_code": "SUCCESS"})
}

// Notification is the signed payment notification of the unified order
// outTradeNo paid for fee fen (the order's own amount unless a test says
// otherwise), as WeChat Pay posts it to notify_url. It marks the order
// paid at the fake.
func (s *Server) Notification(outTradeNo string, fee int64, signType string) ([]byte, error) {
	s.mu.Lock()
	o := s.orders[outTradeNo]
	if o != nil {
		o.Paid = true
	}
	s.mu.Unlock()
	if o == nil {
		return nil, fmt.Errorf("no unified order %s", outTradeNo)
	}
	f := map[string]string{
		"appid": s.AppID, "mch_id": s.MchID, "nonce_str": "n" + outTradeNo, "result_code": "SUCCESS", "return_code": "SUCCESS",
		"openid": o.Params["openid"], "trade_type": o.Params["trade_type"], "bank_type": "CMC", "is_subscribe": "Y",
		"total_fee": strconv.FormatInt(fee, 10), "cash_fee": strconv.FormatInt(fee, 10), "fee_type": "CNY",
		"out_trade_no": outTradeNo, "attach": o.Params["attach"], "transaction_id": "4200" + o.PrepayID,
		"time_end": time.Now().In(time.FixedZone("CST", 8*3600)).Format("20060102150405"),
		// A field no SDK struct knows: the signature still covers it.
		"promotion_detail_new_field": "x",
	}
	if signType != "" && signType != wechatpay.SignMD5 {
		f["sign_type"] = signType
	}
	f["sign"] = wechatpay.Sign(f, s.Key, signType)
	return xmlOf(f), nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func xmlOf(m map[string]string) []byte {
	keys := sortedKeys(m)
	var b bytes.Buffer
	b.WriteString("<xml>")
	for _, k := range keys {
		b.WriteString("<" + k + "><![CDATA[" + m[k] + "]]></" + k + ">")
	}
	b.WriteString("</xml>")
	return b.Bytes()
}

// FailedNotification is the signed notification of a failed payment of
// the unified order outTradeNo (return_code SUCCESS, result_code FAIL with
// errCode and errDes), as WeChat Pay posts it to notify_url. attempt tells
// one failed attempt from another: it is the nonce_str, which a repeat of
// the same notification keeps. The order stays unpaid at the fake.
func (s *Server) FailedNotification(outTradeNo, attempt, errCode, errDes, signType string) ([]byte, error) {
	s.mu.Lock()
	o := s.orders[outTradeNo]
	s.mu.Unlock()
	if o == nil {
		return nil, fmt.Errorf("no unified order %s", outTradeNo)
	}
	f := map[string]string{
		"appid": s.AppID, "mch_id": s.MchID, "nonce_str": attempt, "return_code": "SUCCESS",
		"result_code": "FAIL", "err_code": errCode, "err_code_des": errDes,
		"openid": o.Params["openid"], "trade_type": o.Params["trade_type"], "fee_type": "CNY",
		"out_trade_no": outTradeNo, "attach": o.Params["attach"],
	}
	if signType != "" && signType != wechatpay.SignMD5 {
		f["sign_type"] = signType
	}
	f["sign"] = wechatpay.Sign(f, s.Key, signType)
	return xmlOf(f), nil
}

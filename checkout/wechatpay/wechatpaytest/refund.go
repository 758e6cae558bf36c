package wechatpaytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/conciergehq/concierge/checkout/wechatpay"
)

// Refund is a refund the fake accepted.
type Refund struct {
	Params   map[string]string
	RefundID string
	Status   string // PROCESSING until Settle
	Requests int    // how many times it was asked for
}

// certAuthority issues the merchant's client certificates.
type certAuthority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newCA() (*certAuthority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Fake Tenpay CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &certAuthority{cert: cert, key: key, pool: pool}, nil
}

// issue returns a client certificate for cn, and its PEM files' contents.
func (ca *certAuthority) issue(cn string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn, Organization: []string{"Tenpay.com"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), nil
}

// NewTLS starts the fake over TLS, requiring a client certificate issued
// by its own CA on every request (RequireAndVerifyClientCert). s.Client()
// trusts its server certificate; ClientCertificate issues the merchant's.
// trusted are more certificates the fake accepts as roots, such as the
// self-signed one of a committed testdata .p12 that its CA cannot have
// issued.
func NewTLS(appID, mchID, key string, trusted ...*x509.Certificate) (*Server, error) {
	s := newServer(appID, mchID, key)
	ca, err := newCA()
	if err != nil {
		return nil, err
	}
	s.ca = ca
	for _, c := range trusted {
		ca.pool.AddCert(c)
	}
	s.Server = httptest.NewUnstartedServer(s.mux())
	s.Server.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.pool, MinVersion: tls.VersionTLS12}
	// Refused handshakes are what the tests check, not noise to log.
	s.Server.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.Server.StartTLS()
	return s, nil
}

// ClientCertificate writes a client certificate for cn (WeChat Pay's carry
// the mch_id) signed by the fake's CA to apiclient_cert.pem and
// apiclient_key.pem in dir and returns their paths.
func (s *Server) ClientCertificate(dir, cn string) (certFile, keyFile string, err error) {
	if s.ca == nil {
		return "", "", fmt.Errorf("wechatpaytest: a plain-HTTP fake has no CA; use NewTLS")
	}
	c, k, err := s.ca.issue(cn)
	if err != nil {
		return "", "", err
	}
	certFile, keyFile = filepath.Join(dir, "apiclient_cert.pem"), filepath.Join(dir, "apiclient_key.pem")
	if err := os.WriteFile(certFile, c, 0o600); err != nil {
		return "", "", err
	}
	return certFile, keyFile, os.WriteFile(keyFile, k, 0o600)
}

// FailNextRefund makes the next refund request answer result_code FAIL
// with errCode (NOTENOUGH, SYSTEMERROR …), refunding nothing.
func (s *Server) FailNextRefund(errCode string) {
	s.mu.Lock()
	s.failNext = append(s.failNext, errCode)
	s.mu.Unlock()
}

// Refund returns the refund outRefundNo, or nil.
func (s *Server) Refund(outRefundNo string) *Refund {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.refunds[outRefundNo]; r != nil {
		c := *r
		return &c
	}
	return nil
}

// Refunded returns the fen refunded (or being refunded) of outTradeNo.
func (s *Server) Refunded(outTradeNo string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refundedLocked(outTradeNo)
}

func (s *Server) refundedLocked(outTradeNo string) int64 {
	var n int64
	for _, r := range s.refunds {
		if r.Params["out_trade_no"] == outTradeNo && r.Status != "REFUNDCLOSE" && r.Status != "CHANGE" {
			fee, _ := strconv.ParseInt(r.Params["refund_fee"], 10, 64)
			n += fee
		}
	}
	return n
}

func (s *Server) refund(w http.ResponseWriter, r *http.Request) {
	// The real API refuses the TLS handshake without the certificate; a
	// plain-HTTP fake has no way to check it and refuses every refund.
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
		s.mu.Lock()
		s.errors = append(s.errors, r.URL.Path+": no client certificate")
		s.mu.Unlock()
		w.Write(xmlOf(map[string]string{"return_code": "FAIL", "return_msg": "证书错误"}))
		return
	}
	p, ok := s.read(w, r)
	if !ok {
		return
	}
	if cn := r.TLS.PeerCertificates[0].Subject.CommonName; cn != s.MchID {
		s.answer(w, map[string]string{"result_code": "FAIL", "err_code": "CERT_ERROR", "err_code_des": "证书与商户号不匹配 " + cn})
		return
	}
	param := func(des string) {
		s.answer(w, map[string]string{"result_code": "FAIL", "err_code": "PARAM_ERROR", "err_code_des": des})
	}
	for _, k := range []string{"out_trade_no", "transaction_id", "out_refund_no", "total_fee", "refund_fee", "notify_url"} {
		if p[k] == "" {
			param("缺少参数" + k)
			return
		}
	}
	if len(p["out_refund_no"]) > 64 {
		param("out_refund_no too long")
		return
	}
	total, err1 := strconv.ParseInt(p["total_fee"], 10, 64)
	fee, err2 := strconv.ParseInt(p["refund_fee"], 10, 64)
	if err1 != nil || err2 != nil || fee <= 0 || fee > total {
		param("refund_fee")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failNext) > 0 {
		code := s.failNext[0]
		s.failNext = s.failNext[1:]
		s.answer(w, map[string]string{"result_code": "FAIL", "err_code": code, "err_code_des": "fake failure " + code})
		return
	}
	o := s.orders[p["out_trade_no"]]
	if o == nil || !o.Paid || "4200"+o.PrepayID != p["transaction_id"] {
		s.answer(w, map[string]string{"result_code": "FAIL", "err_code": "INVALID_TRANSACTIONID", "err_code_des": "无效transaction_id"})
		return
	}
	if o.Params["total_fee"] != p["total_fee"] {
		s.answer(w, map[string]string{"result_code": "FAIL", "err_code": "PARAM_ERROR", "err_code_des": "订单金额或退款金额与之前请求不一致"})
		return
	}
	rf := s.refunds[p["out_refund_no"]]
	switch {
	case rf != nil && (rf.Params["refund_fee"] != p["refund_fee"] || rf.Params["out_trade_no"] != p["out_trade_no"]):
		s.answer(w, map[string]string{"result_code": "FAIL", "err_code": "PARAM_ERROR", "err_code_des": "订单金额或退款金额与之前请求不一致，请核实后再试"})
		return
	case rf == nil:
		if s.refundedLocked(p["out_trade_no"])+fee > total {
			s.answer(w, map[string]string{"result_code": "FAIL", "err_code": "ERROR", "err_code_des": "累计退款金额大于支付金额"})
			return
		}
		s.n++
		rf = &Refund{Params: p, RefundID: fmt.Sprintf("5030%014d", s.n), Status: "PROCESSING"}
		s.refunds[p["out_refund_no"]] = rf
	}
	rf.Requests++
	s.answer(w, map[string]string{"result_code": "SUCCESS", "transaction_id": p["transaction_id"], "out_trade_no": p["out_trade_no"],
		"out_refund_no": p["out_refund_no"], "refund_id": rf.RefundID, "refund_fee": p["refund_fee"], "total_fee": p["total_fee"], "cash_fee": p["total_fee"]})
}

func (s *Server) refundQuery(w http.ResponseWriter, r *http.Request) {
	p, ok := s.read(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	var rf *Refund
	for _, x := range s.refunds {
		if x.RefundID == p["refund_id"] {
			rf = x
		}
	}
	var res map[string]string
	if rf != nil {
		res = map[string]string{"result_code": "SUCCESS", "out_trade_no": rf.Params["out_trade_no"], "transaction_id": rf.Params["transaction_id"],
			"total_fee": rf.Params["total_fee"], "refund_count": "1", "refund_id_0": rf.RefundID, "out_refund_no_0": rf.Params["out_refund_no"],
			"refund_fee_0": rf.Params["refund_fee"], "refund_status_0": rf.Status}
		if rf.Status == "SUCCESS" {
			res["refund_success_time_0"] = time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04:05")
		}
	}
	s.mu.Unlock()
	if rf == nil {
		s.answer(w, map[string]string{"result_code": "FAIL", "err_code": "REFUNDNOTEXIST", "err_code_des": "退款订单查询失败"})
		return
	}
	s.answer(w, res)
}

// Settle ends the refund outRefundNo at the fake with status (SUCCESS,
// CHANGE or REFUNDCLOSE) and returns its notification as WeChat Pay posts
// it to the refund's notify_url: req_info encrypted under the API key.
func (s *Server) Settle(outRefundNo, status string) ([]byte, error) {
	s.mu.Lock()
	rf := s.refunds[outRefundNo]
	if rf != nil {
		rf.Status = status
	}
	s.mu.Unlock()
	if rf == nil {
		return nil, fmt.Errorf("no refund %s", outRefundNo)
	}
	inner := map[string]string{
		"transaction_id": rf.Params["transaction_id"], "out_trade_no": rf.Params["out_trade_no"], "refund_id": rf.RefundID,
		"out_refund_no": outRefundNo, "total_fee": rf.Params["total_fee"], "settlement_total_fee": rf.Params["total_fee"],
		"refund_fee": rf.Params["refund_fee"], "settlement_refund_fee": rf.Params["refund_fee"], "refund_status": status,
		"refund_recv_accout": "支付用户零钱", "refund_account": "REFUND_SOURCE_RECHARGE_FUNDS", "refund_request_source": "API",
	}
	if status == "SUCCESS" {
		inner["success_time"] = time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04:05")
	}
	plain := []byte("<root>")
	for _, k := range sortedKeys(inner) {
		plain = append(plain, "<"+k+"><![CDATA["+inner[k]+"]]></"+k+">"...)
	}
	plain = append(plain, "</root>"...)
	return xmlOf(map[string]string{"return_code": "SUCCESS", "appid": s.AppID, "mch_id": s.MchID, "nonce_str": "r" + outRefundNo,
		"req_info": wechatpay.EncryptReqInfo(plain, s.Key)}), nil
}

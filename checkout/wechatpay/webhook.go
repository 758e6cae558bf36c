package wechatpay

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

var _ concierge.WebhookServer = (*Provider)(nil)

// WebhookRoutes are WeChat Pay's payment notifications, its refund
// notifications (the notify_url of every refund Concierge asks for) and
// the payment page of an order.
func (p *Provider) WebhookRoutes() []concierge.WebhookRoute {
	const notify = "/webhooks/{bot}/" + ProviderName
	return []concierge.WebhookRoute{
		{Method: http.MethodPost, Pattern: notify, MaxBody: MaxBodyBytes, Serve: p.serveNotify},
		{Method: http.MethodPost, Pattern: notify + "/refund", MaxBody: MaxBodyBytes, Serve: p.serveRefundNotify},
		{Method: http.MethodGet, Pattern: "/" + ProviderName + "/{bot}/pay/{order}", Serve: p.servePage},
	}
}

// reply answers in the XML WeChat Pay reads.
func reply(w http.ResponseWriter, status int, ok bool, msg string) error {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(Reply(ok, msg))
	return err
}

// refusal is the status of a notification that did not verify.
func refusal(err error) int {
	if concierge.ErrorCode(err) == concierge.CodeUnauthorized {
		return http.StatusUnauthorized
	}
	return http.StatusBadRequest
}

// serveNotify receives a WeChat Pay notification. A bad signature, or one
// for another merchant, is refused (401, FAIL) and changes nothing. A
// verified payment is applied exactly once (keyed on the transaction id;
// the amount and currency must equal the order's, else the order stays
// unpaid and people are asked); then, and for a payment of an order this
// server does not know, for a repeat, and for a failed-payment report, the
// answer is SUCCESS so that WeChat Pay stops retrying. Only a storage
// failure answers FAIL (500), so that it retries.
func (p *Provider) serveNotify(w http.ResponseWriter, r *http.Request, h concierge.WebhookHost) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err // past the body limit: webhooks answers 413
	}
	ctx := r.Context()
	bot := h.Bot().ID
	n, err := p.VerifyNotify(body)
	log := h.Log().With("bot", bot, "provider", ProviderName)
	if err != nil {
		log.WarnContext(ctx, "payment notification refused", "err", err)
		return reply(w, refusal(err), false, concierge.ErrorMessage(err))
	}
	if n.Bot != "" && n.Bot != bot && (n.Paid || n.ResultFail) {
		log.WarnContext(ctx, "payment notification", "result", "other_bot", "order", n.Order)
		return reply(w, http.StatusOK, true, "")
	}
	if n.ResultFail {
		// A failed payment (result_code FAIL): counted once, the customer
		// told; storage trouble asks WeChat Pay to report it again.
		res, err := h.PaymentFailed(ctx, n.Failure())
		if err != nil {
			log.ErrorContext(ctx, "failed payment not applied", "order", n.Order, "err", err)
			return reply(w, http.StatusInternalServerError, false, "try again")
		}
		log.InfoContext(ctx, "payment notification", "result", res, "order", n.Order, "err_code", n.ErrCode)
		return reply(w, http.StatusOK, true, "")
	}
	if !n.Paid {
		log.InfoContext(ctx, "payment notification", "result", "not_paid", "order", n.Order)
		return reply(w, http.StatusOK, true, "")
	}
	res, err := h.ApplyPayment(ctx, n.Payment())
	switch {
	case errors.Is(err, concierge.ErrNotFound):
		res = "unknown_order"
	case concierge.ErrorCode(err) == concierge.CodeInvalid:
		res = "other_bot"
	case err != nil:
		log.ErrorContext(ctx, "payment notification not applied", "order", n.Order, "err", err)
		return reply(w, http.StatusInternalServerError, false, "try again")
	}
	log.InfoContext(ctx, "payment notification", "result", res, "order", n.Order, "transaction", n.TransactionID)
	return reply(w, http.StatusOK, true, "")
}

// serveRefundNotify receives a refund notification. One that does not
// decrypt under the API key, or is for another merchant, is refused (401,
// FAIL) and changes nothing; a decrypted one is settled exactly once and
// answered SUCCESS, repeats included. Only a failure to settle (storage,
// or a refund not yet recorded) answers FAIL (500), so that WeChat Pay
// reports it again.
func (p *Provider) serveRefundNotify(w http.ResponseWriter, r *http.Request, h concierge.WebhookHost) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err // past the body limit: webhooks answers 413
	}
	ctx := r.Context()
	log := h.Log().With("bot", h.Bot().ID, "provider", ProviderName)
	res, err := p.DecryptRefundNotify(body)
	if err != nil {
		log.WarnContext(ctx, "refund notification refused", "err", err)
		return reply(w, refusal(err), false, concierge.ErrorMessage(err))
	}
	if res == nil {
		log.InfoContext(ctx, "refund notification", "result", "communication_failure")
		return reply(w, http.StatusOK, true, "")
	}
	done, err := h.SettleRefund(ctx, res.Outcome())
	if err != nil {
		log.ErrorContext(ctx, "refund notification not applied", "order", res.Order, "refund", res.RefundID, "err", err)
		return reply(w, http.StatusInternalServerError, false, "try again")
	}
	log.InfoContext(ctx, "refund notification", "result", done, "order", res.Order, "refund", res.RefundID, "status", res.State)
	return reply(w, http.StatusOK, true, "")
}

// unavailable is what the payment page says when WeChat Pay cannot start
// a payment.
const unavailable = "暂时无法发起支付，请稍后再试。Payment is unavailable right now; please try again later."

// servePage is the payment page of an order: inside WeChat, for the
// customer whose conversation placed it, a JSAPI payment; elsewhere a
// NATIVE payment's QR code to scan with WeChat. The link's token is the
// capability; a bad one is 404.
func (p *Provider) servePage(w http.ResponseWriter, r *http.Request, h concierge.WebhookHost) error {
	ctx := r.Context()
	b := h.Bot()
	id := concierge.OrderID(r.PathValue("order"))
	if err := p.CheckPageToken(b.ID, id, r.URL.Query().Get(FormToken)); err != nil {
		return err
	}
	o, err := h.Order(ctx, id)
	if err != nil || o.Bot != b.ID {
		return concierge.Errorf(concierge.CodeNotFound, ProviderName, "no such order")
	}
	loc := concierge.Locale("zh")
	d := PageData{ShopName: b.Name, Order: o.ID, AmountText: money.Format(o.Total, loc), State: PageState(o.State)}
	for _, l := range o.Lines {
		d.Lines = append(d.Lines, l.Title+" × "+strconv.Itoa(l.Quantity))
	}
	if d.State == StatePending {
		openid := ""
		if p.cfg.Payer != nil {
			if openid, err = p.cfg.Payer(ctx, o); err != nil {
				return err
			}
		}
		inWeChat := strings.Contains(r.UserAgent(), "MicroMessenger")
		trade := TradeNative
		if openid != "" && inWeChat {
			trade = TradeJSAPI
		} else {
			openid = ""
		}
		pp, err := p.Prepay(ctx, b.ID, o, trade, openid, h.ClientIP(r))
		switch {
		case err != nil:
			h.Log().ErrorContext(ctx, "wechatpay: unified order", "bot", b.ID, "order", o.ID, "err", err)
			d.Error = unavailable
		case trade == TradeJSAPI:
			d.Bridge = p.BridgeConfig(pp.PrepayID)
		default:
			d.QR = pp.CodeURL
		}
	}
	var buf bytes.Buffer
	if err := RenderPage(&buf, d); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(buf.Bytes())
	return err
}

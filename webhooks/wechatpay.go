package webhooks

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout/wechatpay"
)

func (s *Server) wechatPayRoutes(e *echo.Echo) {
	e.POST("/webhooks/:bot/wechatpay", s.wechatPayNotify, middleware.BodyLimit(bodyLimit(wechatpay.MaxBodyBytes)))
	e.POST("/webhooks/:bot/wechatpay/refund", s.wechatPayRefundNotify, middleware.BodyLimit(bodyLimit(wechatpay.MaxBodyBytes)))
	e.GET("/wechatpay/:bot/pay/:order", s.wechatPayPage)
}

func (s *Server) wechatPayBot(c echo.Context) (*Bot, *wechatPayRoute, error) {
	b, err := s.bot(c)
	if err != nil {
		return nil, nil, err
	}
	wp := s.wechatPayOf(b)
	if wp == nil {
		return nil, nil, concierge.Errorf(concierge.CodeNotFound, "webhooks", "WeChat Pay is not configured for this bot")
	}
	return b, wp, nil
}

// wechatPayNotify receives a WeChat Pay notification and answers in the
// XML WeChat Pay reads. A bad signature, or one for another merchant, is
// refused (401, FAIL) and changes nothing. A verified payment is applied
// exactly once (keyed on the transaction id; the amount and currency must
// equal the order's, else the order stays unpaid and people are asked);
// then, and for a payment of an order this server does not know, for a
// repeat, and for a failed-payment report, the answer is SUCCESS so that
// WeChat Pay stops retrying. Only a storage failure answers FAIL (500),
// so that it retries.
func (s *Server) wechatPayNotify(c echo.Context) error {
	b, wp, err := s.wechatPayBot(c)
	if err != nil {
		return err
	}
	reply := func(status int, ok bool, msg string) error {
		return c.Blob(status, "text/xml; charset=utf-8", wechatpay.Reply(ok, msg))
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // echo's BodyLimit answers 413
	}
	n, err := wp.Provider.VerifyNotify(body)
	log := s.cfg.Log.With("bot", b.Bot.ID, "provider", "wechatpay")
	if err != nil {
		log.WarnContext(c.Request().Context(), "payment notification refused", "err", err)
		status := http.StatusBadRequest
		if concierge.ErrorCode(err) == concierge.CodeUnauthorized {
			status = http.StatusUnauthorized
		}
		return reply(status, false, concierge.ErrorMessage(err))
	}
	if n.Bot != "" && n.Bot != b.Bot.ID && (n.Paid || n.ResultFail) {
		log.WarnContext(c.Request().Context(), "payment notification", "result", "other_bot", "order", n.Order)
		return reply(http.StatusOK, true, "")
	}
	if n.ResultFail {
		// A failed payment (result_code FAIL): counted once, the customer
		// told; storage trouble asks WeChat Pay to report it again.
		res, err := s.applyFailure(c.Request().Context(), b, n.Failure())
		if err != nil {
			log.ErrorContext(c.Request().Context(), "failed payment not applied", "order", n.Order, "err", err)
			return reply(http.StatusInternalServerError, false, "try again")
		}
		log.InfoContext(c.Request().Context(), "payment notification", "result", res, "order", n.Order, "err_code", n.ErrCode)
		return reply(http.StatusOK, true, "")
	}
	if !n.Paid {
		log.InfoContext(c.Request().Context(), "payment notification", "result", "not_paid", "order", n.Order)
		return reply(http.StatusOK, true, "")
	}
	res, err := s.cfg.Payments.ApplyPayment(c.Request().Context(), b.Bot.ID, n.Payment())
	switch {
	case errors.Is(err, concierge.ErrNotFound):
		res = "unknown_order"
	case concierge.ErrorCode(err) == concierge.CodeInvalid:
		res = "other_bot"
	case err != nil:
		log.ErrorContext(c.Request().Context(), "payment notification not applied", "order", n.Order, "err", err)
		return reply(http.StatusInternalServerError, false, "try again")
	}
	log.InfoContext(c.Request().Context(), "payment notification", "result", res, "order", n.Order, "transaction", n.TransactionID)
	return reply(http.StatusOK, true, "")
}

// wechatPayRefundNotify receives a refund notification (the notify_url of
// every refund Concierge asks for). One that does not decrypt under the
// API key, or is for another merchant, is refused (401, FAIL) and changes
// nothing; a decrypted one is settled exactly once and answered SUCCESS,
// repeats included. Only a failure to settle (storage, or a refund not yet
// recorded) answers FAIL (500), so that WeChat Pay reports it again.
func (s *Server) wechatPayRefundNotify(c echo.Context) error {
	b, wp, err := s.wechatPayBot(c)
	if err != nil {
		return err
	}
	if wp.SettleRefund == nil {
		return concierge.Errorf(concierge.CodeNotFound, "webhooks", "WeChat Pay refunds are not handled for this bot")
	}
	reply := func(status int, ok bool, msg string) error {
		return c.Blob(status, "text/xml; charset=utf-8", wechatpay.Reply(ok, msg))
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // echo's BodyLimit answers 413
	}
	log := s.cfg.Log.With("bot", b.Bot.ID, "provider", "wechatpay")
	r, err := wp.Provider.DecryptRefundNotify(body)
	if err != nil {
		log.WarnContext(c.Request().Context(), "refund notification refused", "err", err)
		status := http.StatusBadRequest
		if concierge.ErrorCode(err) == concierge.CodeUnauthorized {
			status = http.StatusUnauthorized
		}
		return reply(status, false, concierge.ErrorMessage(err))
	}
	if r == nil {
		log.InfoContext(c.Request().Context(), "refund notification", "result", "communication_failure")
		return reply(http.StatusOK, true, "")
	}
	res, err := wp.SettleRefund(c.Request().Context(), r)
	if err != nil {
		log.ErrorContext(c.Request().Context(), "refund notification not applied", "order", r.Order, "refund", r.RefundID, "err", err)
		return reply(http.StatusInternalServerError, false, "try again")
	}
	log.InfoContext(c.Request().Context(), "refund notification", "result", res, "order", r.Order, "refund", r.RefundID, "status", r.State)
	return reply(http.StatusOK, true, "")
}

// wechatPayPage is the payment page of an order: inside WeChat, for the
// customer whose conversation placed it, a JSAPI payment; elsewhere a
// NATIVE payment's QR code to scan with WeChat. The link's token is the
// capability; a bad one is 404.
func (s *Server) wechatPayPage(c echo.Context) error {
	b, wp, err := s.wechatPayBot(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := wp.Provider
	id := concierge.OrderID(c.Param("order"))
	if err := p.CheckPageToken(b.Bot.ID, id, c.QueryParam(wechatpay.FormToken)); err != nil {
		return err
	}
	o, err := s.cfg.Payments.Order(ctx, id)
	if err != nil || o.Bot != b.Bot.ID {
		return concierge.Errorf(concierge.CodeNotFound, "wechatpay", "no such order")
	}
	loc := concierge.Locale("zh")
	d := wechatpay.PageData{ShopName: b.Bot.Name, Order: o.ID, AmountText: s.money(o.Total, loc), State: wechatpay.PageState(o.State)}
	for _, l := range o.Lines {
		d.Lines = append(d.Lines, l.Title+" × "+strconv.Itoa(l.Quantity))
	}
	if d.State == wechatpay.StatePending {
		openid := ""
		if wp.Payer != nil {
			if openid, err = wp.Payer(ctx, o); err != nil {
				return err
			}
		}
		inWeChat := strings.Contains(c.Request().UserAgent(), "MicroMessenger")
		if openid != "" && inWeChat {
			pp, err := p.Prepay(ctx, b.Bot.ID, o, wechatpay.TradeJSAPI, openid, c.RealIP())
			if err != nil {
				s.cfg.Log.ErrorContext(c.Request().Context(), "wechatpay: unified order", "bot", b.Bot.ID, "order", o.ID, "err", err)
				d.Error = "暂时无法发起支付，请稍后再试。Payment is unavailable right now; please try again later."
			} else {
				d.Bridge = p.BridgeConfig(pp.PrepayID)
			}
		} else {
			pp, err := p.Prepay(ctx, b.Bot.ID, o, wechatpay.TradeNative, "", c.RealIP())
			if err != nil {
				s.cfg.Log.ErrorContext(c.Request().Context(), "wechatpay: unified order", "bot", b.Bot.ID, "order", o.ID, "err", err)
				d.Error = "暂时无法发起支付，请稍后再试。Payment is unavailable right now; please try again later."
			} else {
				d.QR = pp.CodeURL
			}
		}
	}
	var buf bytes.Buffer
	if err := wechatpay.RenderPage(&buf, d); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

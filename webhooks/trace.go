package webhooks

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/conciergehq/concierge/internal/tracing"
)

// traced reports whether route is ingress that starts a trace: the
// platforms' and payment providers' webhooks and the web widget's
// messages. Pages, streams, health checks and the inbox are left out.
func traced(method, route string) bool {
	return strings.HasPrefix(route, "/webhooks/") || method == "POST" && route == "/chat/:bot/api/messages"
}

// trace records a server span, "webhook", for each ingress request: the
// root of a message's trace, under which the ingest span is recorded. A
// traceparent header from the caller is not followed: the callers are
// platforms and browsers, not services of ours, so each webhook starts a
// trace of its own. Only the route pattern and the bot are recorded, never
// the path's other values, the query (WeChat's signatures) or headers.
func (s *Server) trace(next echo.HandlerFunc) echo.HandlerFunc {
	tracer := tracing.Tracer(s.cfg.Traces)
	return func(c echo.Context) error {
		req := c.Request()
		route := c.Path()
		if !traced(req.Method, route) {
			return next(c)
		}
		ctx, span := tracer.Start(req.Context(), "webhook", trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", req.Method), attribute.String("http.route", route),
				attribute.String("concierge.bot", c.Param("bot"))))
		defer span.End()
		c.SetRequest(req.WithContext(ctx))
		err := next(c)
		if err != nil {
			c.Error(err) // the status is known only once the error is mapped
		}
		status := c.Response().Status
		span.SetAttributes(attribute.Int("http.response.status_code", status))
		if status >= 500 {
			tracing.Fail(span, "HTTP "+strconv.Itoa(status))
		}
		s.cfg.Log.DebugContext(ctx, "webhook", "route", route, "status", status)
		return nil
	}
}

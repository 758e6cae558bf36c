// Package httpclient builds the HTTP clients Concierge uses to call the
// platforms (Telegram, WhatsApp, WeChat, payment providers).
//
// Go's default transport keeps only two idle connections per host. The
// outbox sends to up to a thousand conversations at once, nearly all to one
// host (api.telegram.org, graph.facebook.com, api.weixin.qq.com), so with
// the default every send past the second dialled a new connection and threw
// it away: a TLS handshake per message in production, and a tenth of the
// server's CPU in the Telegram benchmark (docs/benchmarks.md). The client
// here keeps enough idle connections for that concurrency and caps the
// connections per host, so a burst queues for a connection instead of
// opening hundreds of sockets to one platform.
package httpclient

import (
	"net/http"
	"time"
)

// MaxConnsPerHost bounds the connections to one platform host; requests
// beyond it wait for a free connection.
const MaxConnsPerHost = 128

// New returns a client whose requests time out after timeout, on a transport
// of its own cloned from http.DefaultTransport (proxy settings from the
// environment, HTTP/2 when the server offers it) that keeps up to
// MaxConnsPerHost connections per host open for reuse.
func New(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxConnsPerHost = MaxConnsPerHost
	t.MaxIdleConnsPerHost = MaxConnsPerHost
	t.MaxIdleConns = 4 * MaxConnsPerHost
	return &http.Client{Timeout: timeout, Transport: t}
}

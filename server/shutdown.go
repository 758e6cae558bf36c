package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// shutdownGrace is how long requests other than live streams have to
// finish once shutdown starts: a webhook being stored, a page being made.
// Orchestrators send SIGKILL 30 s after SIGTERM by default; this leaves
// the loops and the database time to stop after it.
const shutdownGrace = 20 * time.Second

// cancelledGrace is how long handlers still running when shutdownGrace
// ran out have, once their contexts are cancelled, to return before the
// database is closed anyway. Every handler's I/O takes its context, so
// this is a bound, not a wait.
const cancelledGrace = 2 * time.Second

// httpServer is the HTTP server with what its shutdown needs. Every
// request's context derives from base, so cancelling base ends every
// handler still running; inflight counts the handlers, so that the
// database is not closed under one.
type httpServer struct {
	*http.Server
	cancel   context.CancelFunc
	inflight sync.WaitGroup
}

// newHTTPServer serves m.handler(). When its shutdown starts, the widget's
// and the inbox's live streams end at once: they never end by themselves,
// and would otherwise hold the shutdown for all of shutdownGrace.
func (m *Main) newHTTPServer() *httpServer {
	base, cancel := context.WithCancel(context.Background())
	s := &httpServer{cancel: cancel}
	h := m.handler()
	s.Server = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.inflight.Add(1)
			defer s.inflight.Done()
			h.ServeHTTP(w, r)
		}),
		BaseContext:       func(net.Listener) context.Context { return base },
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	s.RegisterOnShutdown(m.endStreams)
	return s
}

// endStreams ends the open live streams and those that start from now on.
func (m *Main) endStreams() {
	m.Hub.Close()
	if m.Inbox != nil {
		m.Inbox.EndStreams()
	}
}

// shutdown stops accepting connections, ends the live streams, and gives
// the other requests shutdownGrace to finish; then it cancels the
// contexts of those still running and waits up to cancelledGrace for them
// to return. What goes wrong is logged: the caller closes the database
// next either way.
func (s *httpServer) shutdown(log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		log.Error("http: shutdown: requests still running after the grace period; cancelling them", "err", err, "grace", shutdownGrace)
	}
	s.cancel()
	done := make(chan struct{})
	go func() { s.inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(cancelledGrace):
		log.Error("http: shutdown: handlers still running after their contexts were cancelled; closing the database under them", "waited", cancelledGrace)
	}
}

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

// TestSIGTERMWithOpenStreams: with ten live streams open, five web
// widgets and five inbox tabs, SIGTERM stops the server in under a
// second, and every stream ends (the browsers reconnect elsewhere). The
// streams never end by themselves, so without shutdown ending them it
// would wait the whole grace period, then close the database under them.
func TestSIGTERMWithOpenStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("sends SIGTERM to the test process")
	}
	ctx, stopSignals := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stopSignals()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	base := "http://" + ln.Addr().String()
	m := &Main{ConfigPath: writeBot(t, sampleBot(t)), DBURL: tempSQLite(t), Listener: ln, BaseURL: base,
		Log: slog.New(slog.NewTextHandler(logs, nil)), Stdout: io.Discard, Stderr: io.Discard}
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	wait, err := m.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			stopSignals()
			wait()
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	s := &shop{t: t, m: m, base: base, logs: logs}
	s.addPerson("sue", concierge.RoleSupervisor, 5)

	ended := make(chan string, 10)
	open := func(name string, client *http.Client, path string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", "text/event-stream")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "text/event-stream" {
			t.Fatalf("%s: %d %s, want 200 text/event-stream", name, resp.StatusCode, ct)
		}
		// The first bytes (or at least the flushed header) say the
		// handler is in its loop; the stream then stays open until the
		// server ends it.
		go func() {
			defer resp.Body.Close()
			io.Copy(io.Discard, bufio.NewReader(resp.Body))
			ended <- name
		}()
	}
	for i := range 5 {
		session := fmt.Sprintf("shutdownstream%04d", i)
		open("widget "+session, http.DefaultClient, "/chat/maison-lumiere/api/events?session="+session+"&after=0")
	}
	for i := range 5 {
		p := s.person("sue")
		p.signIn()
		open(fmt.Sprintf("inbox tab %d", i), p.client, "/inbox/events")
	}
	select {
	case name := <-ended:
		t.Fatalf("%s ended before shutdown", name)
	default:
	}

	start := time.Now()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = wait()
	took := time.Since(start)
	stopped = true
	if err != nil {
		t.Errorf("wait: %v", err)
	}
	t.Logf("SIGTERM to stopped with 10 open streams: %v", took)
	if took >= time.Second {
		t.Errorf("shutdown took %v with 10 open streams, want under 1s", took)
	}
	deadline := time.After(5 * time.Second)
	for range 10 {
		select {
		case <-ended:
		case <-deadline:
			t.Fatal("a stream is still open after the server stopped")
		}
	}
}

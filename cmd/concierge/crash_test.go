package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/conciergehq/concierge/store"
)

// TestSIGKILLLosesNothing is invariant 1 under fire: the real binary is
// killed with SIGKILL while customers post messages; after a restart every
// message that was acknowledged has been handled exactly once (one greeting
// reply per "bonjour"), and the platform's retries of those same messages
// are recognised as duplicates and change nothing. The messages pending at
// the kill are all answered within 2 s of the restart.
func TestSIGKILLLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "concierge")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dbPath := filepath.Join(dir, "crash.db")
	addr := freeAddr(t)

	start := func() (*exec.Cmd, *bytes.Buffer) {
		var logs bytes.Buffer
		cmd := exec.Command(bin, "serve", "--config", "../../examples/maison-lumiere.yaml", "--db", "sqlite:"+dbPath, "--addr", addr)
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitHealthy(t, "http://"+addr)
		return cmd, &logs
	}

	cmd, logs := start()
	const workers, perWorker = 16, 400
	var acked sync.Map // message id → session
	var nAcked, nErr atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				select {
				case <-stop:
					return
				default:
				}
				session := fmt.Sprintf("crashsession%04d%04d", w, i%25)
				id := fmt.Sprintf("w%d-%d", w, i)
				if post(client, addr, session, id) == http.StatusAccepted {
					acked.Store(id, session)
					nAcked.Add(1)
				} else {
					nErr.Add(1)
				}
			}
		}(w)
	}
	// Kill in the middle of the load.
	loadDeadline := time.Now().Add(60 * time.Second)
	for nAcked.Load() < 1500 {
		if time.Now().After(loadDeadline) {
			t.Fatalf("only %d messages acknowledged (%d errors) in 60s", nAcked.Load(), nErr.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	close(stop)
	wg.Wait()
	t.Logf("acknowledged %d messages before SIGKILL (%d refused or cut)", nAcked.Load(), nErr.Load())

	restarted := time.Now()
	cmd, logs = start()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	}()
	// Every message acknowledged before the kill is answered within 2 s
	// of the restart: the new process releases its predecessor's leases
	// rather than waiting for them to expire.
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for {
		in, _ := db.PendingInbound(ctx)
		out, _ := db.PendingOutbound(ctx)
		if in == 0 && out == 0 {
			t.Logf("backlog answered %v after the restart", time.Since(restarted).Round(time.Millisecond))
			break
		}
		if time.Since(restarted) > 2*time.Second {
			t.Fatalf("%v after the restart, %d inbound and %d outbound still pending", time.Since(restarted).Round(time.Millisecond), in, out)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// The platform retries every message it sent (acknowledged or not);
	// each acknowledged one must come back as a duplicate.
	dups := 0
	acked.Range(func(k, v any) bool {
		resp, err := client.Post("http://"+addr+"/chat/maison-lumiere/api/messages", "application/json",
			strings.NewReader(fmt.Sprintf(`{"session":%q,"id":%q,"text":"bonjour","locale":"fr"}`, v, k)))
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		body.ReadFrom(resp.Body)
		resp.Body.Close()
		if strings.Contains(body.String(), `"duplicate":true`) {
			dups++
		}
		return true
	})
	if int64(dups) != nAcked.Load() {
		t.Fatalf("%d of %d acknowledged messages were not stored before the kill", nAcked.Load()-int64(dups), nAcked.Load())
	}

	// Wait for the restarted server to finish the retries' backlog, if any.
	deadline := time.Now().Add(60 * time.Second)
	for {
		in, _ := db.PendingInbound(ctx)
		out, _ := db.PendingOutbound(ctx)
		if in == 0 && out == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("backlog not drained: %d in, %d out", in, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Exactly one greeting per stored "bonjour": none lost, none doubled.
	inbound, replies, err := db.CountTranscript(ctx, "maison-lumiere")
	if err != nil {
		t.Fatal(err)
	}
	if inbound < nAcked.Load() {
		t.Fatalf("%d inbound stored, %d acknowledged", inbound, nAcked.Load())
	}
	if replies != inbound {
		t.Fatalf("%d replies for %d inbound messages: a turn was lost or handled twice", replies, inbound)
	}
}

func post(c *http.Client, addr, session, id string) int {
	resp, err := c.Post("http://"+addr+"/chat/maison-lumiere/api/messages", "application/json",
		strings.NewReader(fmt.Sprintf(`{"session":%q,"id":%q,"text":"bonjour","locale":"fr"}`, session, id)))
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(t *testing.T, base string) {
	for i := 0; i < 300; i++ {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("server did not become healthy")
}

// TestGracefulShutdown: on SIGTERM under load the server stops accepting,
// finishes what it was doing and exits 0; every acknowledged message is
// stored, handled or waiting, and none is half-handled.
func TestGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and signals the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "concierge")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dbPath := filepath.Join(dir, "term.db")
	addr := freeAddr(t)
	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve", "--config", "../../examples/maison-lumiere.yaml", "--db", "sqlite:"+dbPath, "--addr", addr)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitHealthy(t, "http://"+addr)
	client := &http.Client{Timeout: 5 * time.Second}
	var acked atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				if post(client, addr, fmt.Sprintf("termsession%04d%04d", w, i%10), fmt.Sprintf("t%d-%d", w, i)) == http.StatusAccepted {
					acked.Add(1)
				}
			}
		}(w)
	}
	for deadline := time.Now().Add(60 * time.Second); acked.Load() < 500; {
		if time.Now().After(deadline) {
			t.Fatalf("only %d messages acknowledged in 60s", acked.Load())
		}
		time.Sleep(2 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	errc := make(chan error, 1)
	go func() { errc <- cmd.Wait() }()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("did not stop within 30s\n%s", logs.String())
	}
	wg.Wait()
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	handled, replies, err := db.CountTranscript(ctx, "maison-lumiere")
	if err != nil {
		t.Fatal(err)
	}
	pending, _ := db.PendingInbound(ctx)
	if handled+int64(pending) < acked.Load() {
		t.Fatalf("%d handled + %d pending < %d acknowledged", handled, pending, acked.Load())
	}
	if replies != handled {
		t.Fatalf("%d replies for %d handled messages: a turn was cut in half", replies, handled)
	}
	if !strings.Contains(logs.String(), "concierge stopped") {
		t.Fatalf("no clean stop in the log:\n%s", logs.String())
	}
}

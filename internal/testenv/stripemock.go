package testenv

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// StripeMockVersion is the stripe-mock release the tests are written for
// (see docs/stripe.md for why this one); .ci/run installs it.
const StripeMockVersion = "v0.162.0"

// StripeMock returns the base URL of a stripe-mock server for t:
// $STRIPE_MOCK_URL when set (a server someone else started), otherwise a
// fresh stripe-mock process on a free loopback port, stopped when t ends.
// The binary is $STRIPE_MOCK_BIN, or stripe-mock on PATH or in
// $(go env GOPATH)/bin. Without one the test skips, or fails in CI.
func StripeMock(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("STRIPE_MOCK_URL"); u != "" {
		return u
	}
	bin := stripeMockBin()
	if bin == "" {
		Missing(t, "stripe-mock not found (go install github.com/stripe/stripe-mock@"+StripeMockVersion+")")
	}
	// The port is picked free and then handed to stripe-mock, so another
	// process may take it in between and stripe-mock exits at once; then
	// another port is tried rather than waiting for a server that is gone.
	var why string
	for range 3 {
		base, exited, err := startStripeMock(t, bin)
		if err != nil {
			Missing(t, "stripe-mock does not start: "+err.Error())
		}
		var gone bool
		if why, gone = waitStripeMock(base, exited); why == "" {
			return base
		}
		if !gone {
			break // it runs but does not answer: another try would not help
		}
	}
	t.Fatal(why)
	return ""
}

// waitStripeMock waits until the stripe-mock at base answers (""), exits
// (gone), or, after 60 s, is given up on. A cold start on a loaded
// two-core machine has taken over 15 s: stripe-mock parses its whole
// OpenAPI specification first.
func waitStripeMock(base string, exited <-chan error) (why string, gone bool) {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Sprintf("stripe-mock at %s exited: %v", base, err), true
		default:
		}
		resp, err := http.Get(base + "/v1/customers")
		if err == nil {
			resp.Body.Close()
			return "", false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Sprintf("stripe-mock at %s did not answer within 60s", base), false
}

// startStripeMock starts stripe-mock on a free loopback port; exited
// receives its end, and t's cleanup stops it.
func startStripeMock(t testing.TB, bin string) (string, <-chan error, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "-http-addr", addr)
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	// exited gets the exit once; done is closed then, for the cleanup,
	// which must not wait on exited after waitStripeMock took its value.
	exited, done := make(chan error, 1), make(chan struct{})
	go func() { exited <- cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	return "http://" + addr, exited, nil
}

func stripeMockBin() string {
	if b := os.Getenv("STRIPE_MOCK_BIN"); b != "" {
		return b
	}
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p
	}
	dirs := []string{os.Getenv("GOBIN")}
	if gp := os.Getenv("GOPATH"); gp != "" {
		dirs = append(dirs, filepath.Join(gp, "bin"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		p := filepath.Join(d, "stripe-mock")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	return ""
}

package testenv

import (
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "-http-addr", addr)
	if err := cmd.Start(); err != nil {
		Missing(t, "stripe-mock does not start: "+err.Error())
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	base := "http://" + addr
	// A cold start on a loaded two-core machine has taken over 15 s
	// (stripe-mock parses its whole OpenAPI spec first).
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/v1/customers")
		if err == nil {
			resp.Body.Close()
			return base
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("stripe-mock at %s did not answer within 60s", base)
	return ""
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

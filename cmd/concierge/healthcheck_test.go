package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthcheck: exit 0 when the server here is ready, 1 when it is not
// or does not answer, 2 on a bad address.
func TestHealthcheck(t *testing.T) {
	s := startShop(t, "")
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.base, "http://"))
	if code, stdout, stderr := runCmd(t, "", "healthcheck", "--addr", ":"+port); code != 0 || !strings.Contains(stdout, "ready") {
		t.Errorf("ready server: exit %d, %s%s", code, stdout, stderr)
	}

	notReady := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not ready: database", http.StatusServiceUnavailable)
	}))
	defer notReady.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedAddr := closed.Listener.Addr().String()
	closed.Close()

	tests := []struct {
		name string
		args []string
		want int
	}{
		{"not ready", []string{"--addr", notReady.Listener.Addr().String()}, 1},
		{"nothing listening", []string{"--addr", closedAddr, "--timeout", "1s"}, 1},
		{"bad address", []string{"--addr", "8080"}, 2},
	}
	for _, tt := range tests {
		if code, _, stderr := runCmd(t, "", append([]string{"healthcheck"}, tt.args...)...); code != tt.want {
			t.Errorf("%s: exit %d, want %d; %s", tt.name, code, tt.want, stderr)
		}
	}
}

func TestHealthURL(t *testing.T) {
	tests := []struct{ addr, want string }{
		{":8080", "http://127.0.0.1:8080/readyz"},
		{"0.0.0.0:9000", "http://127.0.0.1:9000/readyz"},
		{"[::]:8080", "http://[::1]:8080/readyz"},
		{"127.0.0.2:8080", "http://127.0.0.2:8080/readyz"},
		{"localhost:8080", "http://localhost:8080/readyz"},
	}
	for _, tt := range tests {
		if got, err := healthURL(tt.addr, "/readyz"); err != nil || got != tt.want {
			t.Errorf("healthURL(%q) = %q, %v; want %q", tt.addr, got, err, tt.want)
		}
	}
}

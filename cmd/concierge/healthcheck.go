package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheckCommand asks the server on this machine for /readyz and exits
// 0 when it answers 200: the container image has no curl, so its
// HEALTHCHECK runs this. --addr is the server's listen address as given
// to serve; a wildcard host (":8080", "0.0.0.0:8080") is reached on the
// loopback.
func healthcheckCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", ":8080", "the server's listen address")
	path := fs.String("path", "/readyz", "the path to ask (/healthz for liveness only)")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	u, err := healthURL(*addr, *path)
	if err != nil {
		fmt.Fprintf(stderr, "concierge healthcheck: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		fmt.Fprintf(stderr, "concierge healthcheck: %v\n", err)
		return 2
	}
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "concierge healthcheck: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "concierge healthcheck: %s: %s %s\n", u, resp.Status, body)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %s", u, body)
	return 0
}

// healthURL turns a listen address into the URL of path on this machine.
func healthURL(addr, path string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port) + path, nil
}

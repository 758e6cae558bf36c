package ucp

import "testing"

// TestAgentParams: UCP-Agent is an RFC 8941 dictionary; the profile and
// the version are read whichever way the platform writes them, and
// separators inside quoted strings are data.
func TestAgentParams(t *testing.T) {
	for _, c := range []struct{ header, profile, version string }{
		{`profile="https://p.example/.well-known/ucp"`, "https://p.example/.well-known/ucp", ""},
		{`profile="https://p.example/ucp"; version="2026-04-08"`, "https://p.example/ucp", "2026-04-08"},
		{`profile="https://p.example/ucp";version=2026-01-23`, "https://p.example/ucp", "2026-01-23"},
		{`version="2099-01-01", profile="https://p.example/ucp"`, "https://p.example/ucp", "2099-01-01"},
		{`profile="https://p.example/a;b,c"; version="2026-04-08"`, "https://p.example/a;b,c", "2026-04-08"},
		{`Profile="https://p.example/q\"x"`, `https://p.example/q"x`, ""},
		{`version="2026-04-08"`, "", "2026-04-08"},
		{``, "", ""},
	} {
		p, v := agentParams(c.header)
		if p != c.profile || v != c.version {
			t.Errorf("%s: profile %q version %q, want %q %q", c.header, p, v, c.profile, c.version)
		}
	}
}

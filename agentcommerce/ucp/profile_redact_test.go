package ucp

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// TestProfileFetchErrorKeepsNoURL: a profile that cannot be reached
// fails with an error that does not quote its URL, whose query may carry
// the agent's token.
func TestProfileFetchErrorKeepsNoURL(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now: the platform is unreachable
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p := &ProfileKeys{}
	_, err = p.Keys(ctx, "https://"+addr+"/profile?token=s3cr3t-agent-token")
	if err == nil {
		t.Fatal("an unreachable profile was read")
	}
	if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "token=") {
		t.Errorf("the error quotes the profile's URL: %v", err)
	}
}

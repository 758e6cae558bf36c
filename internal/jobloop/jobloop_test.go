package jobloop

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRunBacksOffAndLogsSparingly fails 20 passes in a row, then succeeds:
// the loop logs the 1st, 2nd, 4th, 8th and 16th failures and the
// recovery, not every failure.
func TestRunBacksOffAndLogsSparingly(t *testing.T) {
	var logs lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	passes := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(ctx, Config{Name: "test", Poll: time.Microsecond, MaxBackoff: time.Millisecond, Log: slog.New(slog.NewTextHandler(&logs, nil))},
			func(ctx context.Context) (bool, error) {
				passes++
				switch {
				case passes <= 20:
					return false, errors.New("database is down")
				case passes == 21:
					return true, nil // more: the next pass comes at once
				default:
					cancel()
					return false, nil
				}
			})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not end after ctx was cancelled")
	}
	if got := strings.Count(logs.String(), "pass failed"); got != 5 {
		t.Errorf("logged %d failures, want 5 (1st, 2nd, 4th, 8th, 16th):\n%s", got, logs.String())
	}
	if !strings.Contains(logs.String(), "recovered") {
		t.Errorf("no recovery logged:\n%s", logs.String())
	}
}

func TestBackoff(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want time.Duration
	}{{0, 30 * time.Second}, {1, time.Minute}, {2, 2 * time.Minute}, {3, 4 * time.Minute}, {20, time.Hour}} {
		if d := Backoff(30*time.Second, time.Hour, tt.n); d < tt.want/2 || d > tt.want {
			t.Errorf("Backoff(30s, 1h, %d) = %v, want %v to %v", tt.n, d, tt.want/2, tt.want)
		}
	}
}

package agentcommerce

import (
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// MaxBody is the largest request body an agent may send.
const MaxBody = 64 << 10

// ErrTooLarge is returned by ReadBody for a body over MaxBody.
var ErrTooLarge = errors.New("request body too large")

// ReadBody reads r's body, at most MaxBody bytes.
func ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return nil, ErrTooLarge
	}
	return b, err
}

// Limiter limits the requests of each key (an API key, an agent's
// profile) to a rate with a burst. It is per process: N replicas let N
// times the rate through, which is what it is for (stopping one agent
// from hammering), not an exact quota.
type Limiter struct {
	mu    sync.Mutex
	every rate.Limit
	burst int
	keys  map[string]*rate.Limiter
}

// NewLimiter allows perMinute requests a minute per key, in bursts of
// up to perMinute/4 (at least 5).
func NewLimiter(perMinute int) *Limiter {
	if perMinute <= 0 {
		perMinute = 120
	}
	return &Limiter{every: rate.Every(time.Minute / time.Duration(perMinute)), burst: max(5, perMinute/4), keys: map[string]*rate.Limiter{}}
}

// Allow reports whether key may make a request now.
func (l *Limiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.keys[key]
	if lim == nil {
		if len(l.keys) > 100_000 {
			l.keys = map[string]*rate.Limiter{} // forget idle keys rather than grow
		}
		lim = rate.NewLimiter(l.every, l.burst)
		l.keys[key] = lim
	}
	return lim.Allow()
}

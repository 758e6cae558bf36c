package testenv

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// RedisBase is the Redis server tests use: $TEST_REDIS_URL, or the local
// server on 127.0.0.1:6379, database 0.
func RedisBase() string {
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// RedisURL returns the URL of the test Redis server and a key prefix of
// this test's own; every key under the prefix is deleted when the test
// ends, so tests can run in parallel against one server. It skips (or
// fails in CI) when no server answers.
//
// It speaks the few commands it needs itself rather than importing a
// client, so that test binaries which never touch Redis do not link one.
func RedisURL(t testing.TB) (rawURL, prefix string) {
	t.Helper()
	base := RedisBase()
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "redis" || u.Host == "" {
		t.Fatalf("TEST_REDIS_URL %q is not a redis://host:port/db URL", base)
	}
	if _, err := redisDo(u, "PING"); err != nil {
		Missing(t, "Redis at "+u.Host+" does not answer: "+err.Error()+
			" (start it with redis-server, or set TEST_REDIS_URL)")
	}
	var b [6]byte
	rand.Read(b[:])
	prefix = "test:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		// KEYS is slow on a big database, which a test server is not.
		const del = `local n = 0
for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k); n = n + 1 end
return n`
		if _, err := redisDo(u, "EVAL", del, "0", prefix+"*"); err != nil {
			t.Errorf("clean up Redis keys %s*: %v", prefix, err)
		}
	})
	return base, prefix
}

// redisDo sends one command, after AUTH and SELECT as u says, and returns
// the last reply as text.
func redisDo(u *url.URL, args ...string) (string, error) {
	conn, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	var cmds [][]string
	if pw, ok := u.User.Password(); ok {
		if name := u.User.Username(); name != "" {
			cmds = append(cmds, []string{"AUTH", name, pw})
		} else {
			cmds = append(cmds, []string{"AUTH", pw})
		}
	}
	if db := strings.Trim(u.Path, "/"); db != "" && db != "0" {
		cmds = append(cmds, []string{"SELECT", db})
	}
	cmds = append(cmds, args)
	r := bufio.NewReader(conn)
	var reply string
	for _, c := range cmds {
		var b strings.Builder
		fmt.Fprintf(&b, "*%d\r\n", len(c))
		for _, a := range c {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
		if _, err := conn.Write([]byte(b.String())); err != nil {
			return "", err
		}
		if reply, err = readReply(r); err != nil {
			return "", fmt.Errorf("%s: %w", c[0], err)
		}
	}
	return reply, nil
}

// readReply reads one RESP2 reply of the kinds PING, AUTH, SELECT and an
// integer-returning EVAL give.
func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("empty reply")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", fmt.Errorf("redis: %s", line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}

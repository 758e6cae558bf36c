package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Limits of the server's life cycle.
const (
	startLimit = 30 * time.Second // from exec to a 200 on /healthz
	stopLimit  = 10 * time.Second // from SIGTERM to exit, before SIGKILL
)

// server is a concierge child process serving on a free loopback port,
// with its own SQLite database and log file in dir.
type server struct {
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:PORT
	logPath string
	log     *os.File
	control *http.Client // health checks and scrapes, apart from the load

	exited   chan struct{} // closed once the process has exited
	waitErr  error         // how it exited; read only after exited is closed
	stopping atomic.Bool   // set when loadgen asks it to stop
}

// startServer runs `bin serve` on db, or on a fresh SQLite file in dir
// when db is "", and waits until /healthz answers 200. On any error the
// process is already stopped.
func startServer(ctx context.Context, bin, config, db, dir string) (*server, error) {
	return startChild(ctx, dir, func(addr string) *exec.Cmd {
		if db == "" {
			db = "sqlite:" + filepath.Join(dir, "bench.db")
		}
		return exec.Command(bin, "serve", "--config", config, "--db", db, "--addr", addr)
	})
}

// startChild runs the command that command makes for a free loopback
// address, with its output in dir/server.log, and waits until its
// /healthz answers 200. On any error the process is already stopped.
func startChild(ctx context.Context, dir string, command func(addr string) *exec.Cmd) (*server, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s := &server{
		base:    "http://" + addr,
		logPath: filepath.Join(dir, "server.log"),
		control: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil}},
		exited:  make(chan struct{}),
	}
	if s.log, err = os.Create(s.logPath); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.cmd = command(addr)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = childProcAttr()
	if err := s.cmd.Start(); err != nil {
		s.log.Close()
		return nil, fmt.Errorf("server: start %s: %w", s.cmd.Path, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitHealthy(ctx); err != nil {
		s.stop()
		return nil, fmt.Errorf("server: %w\n%s", err, indent(tail(s.logPath, 20)))
	}
	return s, nil
}

// freeLoopbackAddr asks the kernel for a free port on 127.0.0.1. Another
// process could take it before the server binds it; the health check
// would then fail and say so.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// waitHealthy polls /healthz until it answers 200, the process exits, or
// startLimit passes.
func (s *server) waitHealthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startLimit)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("exited while starting: %v", s.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("not healthy after %v (last: %v): %w", startLimit, last, ctx.Err())
		case <-tick.C:
		}
		if last = s.health(ctx); last == nil {
			return nil
		}
	}
}

func (s *server) health(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := s.control.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz: %s", resp.Status)
	}
	return nil
}

// scrape reads the pipeline counters, with the web chat's replies, from
// /metrics.
func (s *server) scrape(ctx context.Context) (counters, error) { return s.scrapeChannel(ctx, "web") }

// scrapeChannel reads the pipeline counters, with channel's replies, from
// /metrics.
func (s *server) scrapeChannel(ctx context.Context, channel string) (counters, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/metrics", nil)
	if err != nil {
		return counters{}, fmt.Errorf("scrape: %w", err)
	}
	resp, err := s.control.Do(req)
	if err != nil {
		return counters{}, fmt.Errorf("scrape: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return counters{}, fmt.Errorf("scrape: %s", resp.Status)
	}
	samples, err := parseMetrics(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return counters{}, fmt.Errorf("scrape: %w", err)
	}
	return readChannelCounters(samples, channel), nil
}

// crashed returns how the process exited if it did so before stop asked
// it to, and nil while it runs or after a requested stop.
func (s *server) crashed() error {
	select {
	case <-s.exited:
		if s.stopping.Load() {
			return nil
		}
		if s.waitErr == nil {
			return errors.New("exited with status 0 before it was stopped")
		}
		return fmt.Errorf("exited before it was stopped: %w", s.waitErr)
	default:
		return nil
	}
}

// stop asks the server to shut down (SIGTERM), kills it if it has not
// exited within stopLimit, and closes its log. It is safe to call twice.
func (s *server) stop() {
	if s.stopping.Swap(true) {
		return
	}
	defer s.log.Close()
	select {
	case <-s.exited:
		return
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.cmd.Process.Kill()
	}
	select {
	case <-s.exited:
		return
	case <-time.After(stopLimit):
	}
	s.cmd.Process.Kill()
	select {
	case <-s.exited:
	case <-time.After(stopLimit): // the kernel owes us an exit; do not hang on it
	}
}

// peakRSS returns the process's peak resident set size (VmHWM) in bytes.
// It reads /proc, so it must be called before stop and works only on
// Linux.
func (s *server) peakRSS() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("peak rss: %w", err)
	}
	defer f.Close()
	return parseVmHWM(f)
}

// parseVmHWM finds the line "VmHWM:   123456 kB" of /proc/PID/status.
func parseVmHWM(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("peak rss: unexpected line %q", sc.Text())
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("peak rss: %w", err)
		}
		return kb << 10, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("peak rss: %w", err)
	}
	return 0, errors.New("peak rss: no VmHWM line")
}

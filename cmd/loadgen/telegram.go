package main

// The Telegram benchmark (-channel telegram): Concierge's webhook against
// the baseline a Go developer would otherwise write, a go-telegram-bot-api
// echo bot (cmd/loadgen/echobot), measured the same way.
//
// For each -platform-latency it makes two runs, each with its own fake Bot
// API (telegramtest.NewBench, in this process, on 127.0.0.1, answering
// every call after the latency) and its own fresh server:
//
//   - Concierge: bin/concierge serve on a copy of -config with
//     channels.telegram pointing at the fake (webhook mode, a random token
//     and secret) and a fresh SQLite file;
//   - the echo bot: it replies through the fake before it acknowledges.
//
// -conns workers post -n updates (update_id 1…n, -conversations private
// chats, the shopper texts of the web run in fr, en and zh) to the bot's
// webhook with the secret header, as fast as they are acknowledged (200).
// The replies that count are the send* calls the fake answered: the
// replies actually delivered. loadgen keeps counting them after the last
// ack until every turn is handled and the replies stopped (or -drain
// passed), which gives the end-to-end rate.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/conciergehq/concierge/adapters/telegram/telegramtest"
)

// Bounds of -platform-latency.
const (
	maxLatencies = 4
	maxLatency   = 5 * time.Second
)

// latencyList is the value of -platform-latency: "0,50ms".
type latencyList []time.Duration

func (l *latencyList) String() string {
	if l == nil {
		return ""
	}
	parts := make([]string, len(*l))
	for i, d := range *l {
		parts[i] = d.String()
	}
	return strings.Join(parts, ",")
}

// Set reads a comma-separated list of durations; a bare 0 is allowed, as
// in "0,50ms".
func (l *latencyList) Set(s string) error {
	var out latencyList
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "0" {
			out = append(out, 0)
			continue
		}
		d, err := time.ParseDuration(f)
		if err != nil {
			return fmt.Errorf("%q: %w", f, err)
		}
		out = append(out, d)
	}
	*l = out
	return nil
}

// The two programs measured.
const (
	targetConcierge = "Concierge"
	targetEchobot   = "echo bot"
)

// echobotPackage is the baseline's import path, for go build.
const echobotPackage = "github.com/conciergehq/concierge/cmd/loadgen/echobot"

// buildLimit bounds building the echo bot.
const buildLimit = 5 * time.Minute

// runTelegram makes the runs of -channel telegram, prints the report and
// returns the exit code.
func runTelegram(ctx context.Context, o options, argv []string, dir string, stdout, stderr io.Writer) int {
	rep := newTelegramReport(o, argv)
	err := measureTelegram(ctx, o, dir, &rep)
	rep.LoadAfter = loadAverage()
	rep.write(stdout)
	if o.Out != "" {
		if werr := appendTelegramMarkdown(o.Out, rep); werr != nil {
			err = errors.Join(err, werr)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "loadgen: %v\n", err)
		return 1
	}
	if fails := rep.failures(); len(fails) > 0 {
		for _, f := range fails {
			fmt.Fprintf(stderr, "loadgen: %s\n", f)
		}
		return 1
	}
	return 0
}

// measureTelegram makes both runs for each latency, filling rep as it goes
// so that a failed run still reports the ones before it.
func measureTelegram(ctx context.Context, o options, dir string, rep *telegramReport) error {
	echobot, err := echobotBinary(ctx, o.Echobot, dir)
	if err != nil {
		return err
	}
	src, err := os.ReadFile(o.Config)
	if err != nil {
		return fmt.Errorf("-config: %w", err)
	}
	targets := []tgTarget{
		{Name: targetConcierge, Path: "/webhooks/" + o.Bot + "/telegram", Metrics: true,
			start: func(ctx context.Context, dir string, c tgCreds) (*server, error) {
				bot, err := withTelegramChannel(src, telegramChannelYAML(c.Token, c.Secret, c.API))
				if err != nil {
					return nil, fmt.Errorf("-config %s: %w", o.Config, err)
				}
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return nil, err
				}
				path := filepath.Join(dir, "bot.yaml")
				if err := os.WriteFile(path, bot, 0o600); err != nil {
					return nil, err
				}
				return startServer(ctx, o.Bin, path, "", dir)
			}},
		{Name: targetEchobot, Path: "/webhook",
			start: func(ctx context.Context, dir string, c tgCreds) (*server, error) {
				return startChild(ctx, dir, func(addr string) *exec.Cmd {
					return exec.Command(echobot, "-addr", addr, "-api", c.API, "-token", c.Token, "-secret", c.Secret)
				})
			}},
	}
	for i, lat := range o.Latencies {
		pair := tgPair{Latency: lat}
		rep.Pairs = append(rep.Pairs, pair)
		for _, t := range targets {
			sub := filepath.Join(dir, fmt.Sprintf("%d-%s", i, strings.ReplaceAll(t.Name, " ", "")))
			r, err := runTelegramTarget(ctx, o, t, lat, sub)
			if t.Name == targetConcierge {
				rep.Pairs[i].Concierge = r
			} else {
				rep.Pairs[i].Baseline = r
			}
			if err != nil {
				return fmt.Errorf("%s, platform latency %v: %w", t.Name, lat, err)
			}
		}
	}
	return nil
}

// echobotBinary returns path when given, else builds the echo bot into
// dir with the go command.
func echobotBinary(ctx context.Context, path, dir string) (string, error) {
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("-echobot: %w", err)
		}
		return path, nil
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("building the echo bot: %w (or pass -echobot, built with `go build ./cmd/loadgen/echobot`)", err)
	}
	ctx, cancel := context.WithTimeout(ctx, buildLimit)
	defer cancel()
	out := filepath.Join(dir, "echobot")
	if b, err := exec.CommandContext(ctx, goCmd, "build", "-o", out, echobotPackage).CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s(run loadgen from the repository, or pass -echobot)", echobotPackage, err, b)
	}
	return out, nil
}

// tgCreds is what a bot needs to reach the fake Bot API of its run.
type tgCreds struct {
	API, Token, Secret string
}

// tgTarget is one program under test.
type tgTarget struct {
	Name    string
	Path    string // of the webhook
	Metrics bool   // serves Concierge's /metrics
	start   func(ctx context.Context, dir string, c tgCreds) (*server, error)
}

// tgResult is what one run measured.
type tgResult struct {
	Target   string
	Platform time.Duration // the fake Bot API's latency
	Load     string        // 1-minute load average when the run started
	Started  bool
	tally
	Wall      time.Duration // of the posting phase
	Replies   int64         // send* calls the fake answered 200
	SendErrs  int64         // send* calls it answered otherwise
	Other     int64         // its other calls (getMe, answerCallbackQuery…)
	LastReply time.Duration // from the first post to the last reply answered
	Watch     replyWatch
	CPUAck    float64 // seconds of CPU the process used while updates were posted
	CPUEnd    float64 // … until the end of the wait for replies
	PeakRSS   int64
	Breaches  []string // the fake's Bot API rule breaches (at most maxBreaches)
	NBreaches int
	Crashed   error
	Stop      time.Duration // from SIGTERM to exit; stopLimit or more means it was killed
	Log       logSummary
	LogErr    error
}

const maxBreaches = 3

// repliesPerSec is the end-to-end rate: replies delivered over the time
// from the first post to the last one.
func (r *tgResult) repliesPerSec() float64 {
	if r == nil || r.LastReply <= 0 {
		return 0
	}
	return float64(r.Replies) / r.LastReply.Seconds()
}

// ackRate is acknowledged updates per second of the posting phase.
func (r *tgResult) ackRate() float64 {
	if r == nil || r.Wall <= 0 {
		return 0
	}
	return float64(r.Acked) / r.Wall.Seconds()
}

// runTelegramTarget makes one run: a fresh fake Bot API with latency, a
// fresh t, -n updates from -conns workers, then the wait for replies.
func runTelegramTarget(ctx context.Context, o options, t tgTarget, latency time.Duration, dir string) (*tgResult, error) {
	r := &tgResult{Target: t.Name, Platform: latency, Load: loadAverage()}
	creds := tgCreds{Token: "123456789:loadgen-" + randomHex(8), Secret: randomHex(32)}
	api, err := startFakeAPI(creds.Token, latency)
	if err != nil {
		return r, err
	}
	defer api.close()
	creds.API = api.URL
	srv, err := t.start(ctx, dir, creds)
	if err != nil {
		return r, err
	}
	r.Started = true
	pid := srv.cmd.Process.Pid
	cpu0, _ := processCPU(pid)
	var base counters
	if t.Metrics {
		if base, err = srv.scrapeChannel(ctx, "telegram"); err != nil {
			srv.stop()
			return r, err
		}
	}
	client := newClient(o.Conns)
	defer client.CloseIdleConnections()
	p := &updatePoster{client: client, url: srv.base + t.Path, secret: creds.Secret}
	probe := func(ctx context.Context) (replySample, error) {
		s := replySample{Sent: api.sends.Load(), Handled: -1, Pending: -1}
		if !t.Metrics {
			return s, nil
		}
		c, err := srv.scrapeChannel(ctx, "telegram")
		if err != nil {
			return s, err
		}
		c = c.since(base)
		s.Handled, s.Pending, s.Counters = c.TurnsDone+c.TurnsFailed, c.OutboxPending, &c
		return s, nil
	}

	start := time.Now()
	api.reset(start)
	acked := make(chan int, 1)
	watched := make(chan replyWatch, 1)
	go func() { watched <- watchReplies(ctx, probe, start, acked, o.Drain) }()
	date := start.Unix()
	outs := closedLoop(ctx, o.N, o.Conns, func(i int) outcome {
		c, k := i%o.Conversations, i/o.Conversations
		return p.post(ctx, updateJSON(int64(i+1), c, k, date))
	})
	r.Wall = time.Since(start)
	r.tally = tallyAcks(outs, http.StatusOK)
	if cpu, err := processCPU(pid); err == nil {
		r.CPUAck = cpu - cpu0
	}
	acked <- r.Acked
	r.Watch = <-watched
	if cpu, err := processCPU(pid); err == nil {
		r.CPUEnd = cpu - cpu0
	}
	r.Replies, r.SendErrs, r.Other, r.LastReply = api.sends.Load(), api.sendErrs.Load(), api.others.Load(), api.lastSend()
	r.PeakRSS, _ = srv.peakRSS()
	r.Crashed = srv.crashed()
	t0 := time.Now()
	srv.stop()
	r.Stop = time.Since(t0)
	r.Log, r.LogErr = scanLog(srv.logPath)
	probs := api.fake.Problems()
	r.NBreaches, r.Breaches = len(probs), probs[:min(len(probs), maxBreaches)]
	err = ctx.Err()
	if r.Crashed != nil {
		err = errors.Join(err, fmt.Errorf("server %s", r.Crashed))
	}
	return r, err
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// fakeAPI is telegramtest's fake Bot API in bench mode (it checks every
// call and keeps none), served behind a counter of the replies it
// answered.
type fakeAPI struct {
	fake *telegramtest.Server
	srv  *http.Server
	URL  string // the api_endpoint

	start                   atomic.Int64 // UnixNano of the run's first post
	sends, sendErrs, others atomic.Int64
	last                    atomic.Int64 // UnixNano of the last send answered 200
}

// startFakeAPI starts the fake on a loopback port. The fake's own
// httptest server is closed at once: its handler is served here instead,
// wrapped by the counter.
func startFakeAPI(token string, latency time.Duration) (*fakeAPI, error) {
	fake := telegramtest.NewBench(token, latency)
	h := fake.Config.Handler
	fake.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fake Bot API: %w", err)
	}
	f := &fakeAPI{fake: fake, URL: "http://" + ln.Addr().String()}
	f.srv = &http.Server{Handler: f.count(h), ReadHeaderTimeout: 10 * time.Second}
	go f.srv.Serve(ln)
	return f, nil
}

// reset zeroes the counters (the bot's getMe at start is not a reply) and
// starts the clock of LastReply.
func (f *fakeAPI) reset(start time.Time) {
	f.sends.Store(0)
	f.sendErrs.Store(0)
	f.last.Store(0)
	f.start.Store(start.UnixNano())
}

// lastSend is the time from the start to the last reply answered, or 0.
func (f *fakeAPI) lastSend() time.Duration {
	last := f.last.Load()
	if last == 0 {
		return 0
	}
	return time.Duration(last - f.start.Load())
}

func (f *fakeAPI) count(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		switch {
		case !isSendMethod(apiMethod(r.URL.Path)):
			f.others.Add(1)
		case sw.status == http.StatusOK:
			f.sends.Add(1)
			f.last.Store(time.Now().UnixNano())
		default:
			f.sendErrs.Add(1)
		}
	})
}

// close stops the fake; requests still in flight get 5 s.
func (f *fakeAPI) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if f.srv.Shutdown(ctx) != nil {
		f.srv.Close()
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// apiMethod is the method of a Bot API path, /bot<token>/<method>.
func apiMethod(path string) string {
	rest, ok := strings.CutPrefix(path, "/bot")
	if !ok {
		return ""
	}
	_, m, ok := strings.Cut(rest, "/")
	if !ok || strings.Contains(m, "/") {
		return ""
	}
	return m
}

// isSendMethod tells the calls that put a message in a chat (sendMessage,
// sendPhoto, sendInvoice, …): the replies.
func isSendMethod(m string) bool {
	return len(m) > len("send") && strings.HasPrefix(m, "send") && m[4] >= 'A' && m[4] <= 'Z'
}

// updatePoster posts updates to one bot's webhook, as Telegram does.
type updatePoster struct {
	client *http.Client
	url    string
	secret string
}

// headerTelegramSecret is the header Telegram sends the webhook's
// secret_token in.
const headerTelegramSecret = "X-Telegram-Bot-Api-Secret-Token"

func (p *updatePoster) post(ctx context.Context, body []byte) outcome {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return outcome{Made: true, Err: fmt.Errorf("post: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(headerTelegramSecret, p.secret)
	resp, err := p.client.Do(req)
	if err != nil {
		return outcome{Made: true, Err: fmt.Errorf("post: %w", err)}
	}
	defer resp.Body.Close()
	// Read the (small) body so that the connection goes back to the pool.
	if _, err := io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)); err != nil {
		return outcome{Made: true, Err: fmt.Errorf("post: read answer: %w", err)}
	}
	return outcome{Made: true, Status: resp.StatusCode}
}

// chatBase is added to a conversation's number to make its chat id (and
// the shopper's user id, as in a private chat).
const chatBase = 700_000_000

type tgUser struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LanguageCode string `json:"language_code,omitempty"`
}

type tgChat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	FirstName string `json:"first_name,omitempty"`
}

type tgMessage struct {
	MessageID int64  `json:"message_id"`
	From      tgUser `json:"from"`
	Chat      tgChat `json:"chat"`
	Date      int64  `json:"date"`
	Text      string `json:"text"`
}

type tgUpdate struct {
	UpdateID int64     `json:"update_id"`
	Message  tgMessage `json:"message"`
}

// updateJSON is update id: message k of conversation c, a private chat
// whose shopper writes the script of c's locale, sent at date (Unix
// seconds), in the shape of Telegram's updates.
func updateJSON(id int64, c, k int, date int64) []byte {
	locale, text := shopperMessage(c, k)
	user := tgUser{ID: chatBase + int64(c), FirstName: "Shopper " + strconv.Itoa(c), LanguageCode: locale}
	b, _ := json.Marshal(tgUpdate{UpdateID: id, Message: tgMessage{
		MessageID: int64(k) + 1,
		From:      user,
		Chat:      tgChat{ID: user.ID, Type: "private", FirstName: user.FirstName},
		Date:      date,
		Text:      text,
	}})
	return b
}

// replySample is one look at how far the replies are.
type replySample struct {
	Sent    int64   // replies the fake answered
	Handled float64 // turns done or failed; -1 when the program does not say
	Pending float64 // messages in the outbox; -1 when unknown
	// Counters are the server's since the run started (Concierge only).
	Counters *counters
}

// replyWatch is what watchReplies saw.
type replyWatch struct {
	Last      replySample
	LastTurn  time.Duration // from the first post to the last scrape that saw turns grow
	Handled   bool          // every acked update got a turn (a program without turns: it is acked)
	TimedOut  bool          // the drain limit passed first
	ScrapeErr error         // the last failed probe
	Scrapes   int           // failed probes
}

// watchReplies probes every pollEvery from start. Once the number of
// acked updates arrives on acked, it returns when that many turns are
// handled and the replies are out (the outbox is empty and a probe saw no
// growth, or nothing grew for quietLimit), or when drain has passed.
func watchReplies(ctx context.Context, probe func(context.Context) (replySample, error), start time.Time, acked <-chan int, drain time.Duration) replyWatch {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	var (
		w          replyWatch
		want       = -1
		deadline   time.Time
		prevSent   int64
		prevTurns  float64
		lastGrowth = start
	)
	for {
		select {
		case <-ctx.Done():
			return w
		case n := <-acked:
			want, deadline, acked = n, time.Now().Add(drain), nil
		case <-tick.C:
		}
		s, err := probe(ctx)
		now := time.Now()
		if err != nil {
			w.Scrapes++
			w.ScrapeErr = err
		} else {
			grew := s.Sent > prevSent
			if grew {
				prevSent, lastGrowth = s.Sent, now
			}
			if s.Handled > prevTurns {
				prevTurns, w.LastTurn = s.Handled, now.Sub(start)
			}
			w.Last = s
			w.Handled = want >= 0 && (s.Handled < 0 || s.Handled >= float64(want))
			drained := !grew && s.Pending <= 0
			if w.Handled && (drained || now.Sub(lastGrowth) >= quietLimit) {
				return w
			}
		}
		if want >= 0 && now.After(deadline) {
			w.TimedOut = true
			return w
		}
	}
}

// processCPU is the user+system CPU time of process pid, in seconds.
func processCPU(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	ticks, err := parseStatCPU(string(b))
	if err != nil {
		return 0, err
	}
	return float64(ticks) / clockTicks, nil
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on every
// Linux that Go supports (the kernel fixes it for user space).
const clockTicks = 100

// parseStatCPU returns utime+stime (fields 14 and 15) of a /proc/PID/stat
// line. The command name (field 2) is in parentheses and may itself hold
// spaces and parentheses, so the fields are counted after the last ')'.
func parseStatCPU(stat string) (int64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("stat: no command name")
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state), so field n is f[n-3].
	if len(f) < 13 {
		return 0, fmt.Errorf("stat: %d fields after the name, want at least 13", len(f))
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("stat: %w", err)
	}
	return utime + stime, nil
}

// telegramChannelYAML is the channels.telegram entry of the benchmark's
// bot file, as a YAML flow mapping on one line. The send rates are lifted
// far above Telegram's 30/s: the fake Bot API has no such limit and the
// echo bot observes none, so the comparison measures the pipeline, not the
// rate limiter.
func telegramChannelYAML(token, secret, endpoint string) string {
	return fmt.Sprintf("telegram: { token: %s, secret_token: %s, api_endpoint: %s, mode: webhook, rate_per_second: 100000, chat_rate_per_second: 1000 }",
		strconv.Quote(token), strconv.Quote(secret), strconv.Quote(endpoint))
}

var (
	channelsBlockRE  = regexp.MustCompile(`^channels:[ \t]*(#.*)?$`)
	channelsInlineRE = regexp.MustCompile(`^channels:[ \t]*[^ \t#]`)
	telegramKeyRE    = regexp.MustCompile(`^[ \t]+telegram[ \t]*:`)
)

// withTelegramChannel returns the bot file src with entry (a one-line
// "telegram: …" mapping) added under its top-level channels, the rest
// kept byte for byte: comments, quoting and ${VAR} references. A file
// without channels gets the section at its end. A file whose channels
// is written inline, or already has a telegram channel, is refused: the
// benchmark must not guess which settings win.
func withTelegramChannel(src []byte, entry string) ([]byte, error) {
	lines := strings.SplitAfter(string(src), "\n")
	at := -1
	for i, l := range lines {
		l = strings.TrimRight(l, "\r\n")
		if channelsInlineRE.MatchString(l) {
			return nil, errors.New("channels is written inline; write it as a block to benchmark Telegram")
		}
		if channelsBlockRE.MatchString(l) {
			at = i
			break
		}
	}
	var b strings.Builder
	if at < 0 {
		b.Write(src)
		if len(src) > 0 && !bytes.HasSuffix(src, []byte("\n")) {
			b.WriteByte('\n')
		}
		b.WriteString("channels:\n  " + entry + "\n")
		return []byte(b.String()), nil
	}
	indent := ""
	for _, l := range lines[at+1:] {
		l = strings.TrimRight(l, "\r\n")
		t := strings.TrimLeft(l, " \t")
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if len(t) == len(l) {
			break // the next top-level key: the block ends
		}
		if telegramKeyRE.MatchString(l) {
			return nil, errors.New("it already has channels.telegram; give a bot file without it")
		}
		if indent == "" {
			indent = l[:len(l)-len(t)]
		}
	}
	if indent == "" {
		indent = "  "
	}
	for i, l := range lines {
		b.WriteString(l)
		if i == at {
			if !strings.HasSuffix(l, "\n") {
				b.WriteByte('\n')
			}
			b.WriteString(indent + entry + "\n")
		}
	}
	return []byte(b.String()), nil
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge/server"
	"github.com/conciergehq/concierge/store"
)

// Main is the server the end-to-end tests build and drive.
type Main = server.Main

// llmLimits shrinks the LLM brain's bounds in tests.
type llmLimits = server.LLMLimits

func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code = run(ctx, args, strings.NewReader(stdin), &out, &errb, func(string) string { return "" })
	return code, out.String(), errb.String()
}

// TestValidate: mistakes are reported as file:line:col: message, all of
// them, and the exit code is 1; a good file exits 0.
func TestValidate(t *testing.T) {
	code, _, stderr := runCmd(t, "", "validate", "testdata/bad.yaml")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{
		`testdata/bad.yaml:3:1: .*colour`,                       // unknown key
		`testdata/bad.yaml:8:14: .*49\.001`,                     // bad price
		`testdata/bad.yaml:9:14: .*`,                            // wrong type
		`testdata/bad.yaml:10:\d+: .*A-1`,                       // duplicate SKU
		`testdata/bad.yaml:15:12: .*CONCIERGE_TEST_UNSET_TOKEN`, // missing env var
	} {
		if !regexp.MustCompile(want).MatchString(stderr) {
			t.Errorf("no line matching %q in:\n%s", want, stderr)
		}
	}
	code, stdout, stderr := runCmd(t, "", "validate", "../../examples/maison-lumiere.yaml")
	if code != 0 || !strings.Contains(stdout, "ok") {
		t.Fatalf("example: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestServeRefusesInvalidBotFile(t *testing.T) {
	code, _, stderr := runCmd(t, "", "serve", "--config", "testdata/bad.yaml", "--db", "sqlite:"+filepath.Join(t.TempDir(), "x.db"), "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(stderr, "bad.yaml:8:14") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}

// TestServeRefusesBadMaxHold: a longest renewal that is not a duration,
// or one outside its bounds, from the flag or the environment, stops
// serve with the reason before it opens anything: no database is made.
func TestServeRefusesBadMaxHold(t *testing.T) {
	for _, c := range []struct {
		flag, env, want string
	}{
		{"abc", "", `bad --max-hold (or CONCIERGE_MAX_HOLD) "abc": not a duration`},
		{"30s", "", `"30s": 30s is outside 2m0s–24h0m0s`},
		{"48h", "", `"48h": 48h0m0s is outside`},
		{"-5m", "", `is outside`},
		{"", "1s", `"1s": 1s is outside`},
		{"", "soon", `"soon": not a duration`},
	} {
		t.Run(c.flag+c.env, func(t *testing.T) {
			dbFile := filepath.Join(t.TempDir(), "x.db")
			args := []string{"serve", "--config", "../../examples/maison-lumiere.yaml", "--db", "sqlite:" + dbFile, "--addr", "127.0.0.1:0"}
			if c.flag != "" {
				args = append(args, "--max-hold", c.flag)
			}
			var out, errb bytes.Buffer
			code := run(context.Background(), args, strings.NewReader(""), &out, &errb, func(k string) string {
				if k == "CONCIERGE_MAX_HOLD" {
					return c.env
				}
				return ""
			})
			if code != 2 || !strings.Contains(errb.String(), c.want) {
				t.Fatalf("exit %d, want 2 with %q; stderr:\n%s", code, c.want, errb.String())
			}
			if _, err := os.Stat(dbFile); !os.IsNotExist(err) {
				t.Fatalf("the database was made before the bad --max-hold was refused (%v)", err)
			}
		})
	}
	for in, want := range map[string]time.Duration{"2m": 2 * time.Minute, "15m": 15 * time.Minute, "1h30m": 90 * time.Minute, "24h": 24 * time.Hour} {
		if d, err := store.ParseMaxHold(in); err != nil || d != want {
			t.Errorf("--max-hold %s: %v (%v), want %v", in, d, err, want)
		}
	}
}

// TestEachCommandItsOwnFlags: a command's --help lists the flags it reads
// and no other command's, and it refuses another command's flag.
func TestEachCommandItsOwnFlags(t *testing.T) {
	for _, tt := range []struct {
		cmd       string
		want, not []string
	}{
		{"serve", []string{"-config", "-db", "-addr", "-base-url", "-log-level", "-cpuprofile", "-memprofile", "-max-hold"}, []string{"-bot", "-tests"}},
		{"chat", []string{"-config", "-db", "-addr", "-bot", "-log-level"}, []string{"-cpuprofile", "-memprofile", "-tests", "-max-hold"}},
		{"migrate", []string{"-db"}, []string{"-config", "-bot", "-addr", "-tests"}},
		{"validate", []string{"-config"}, []string{"-db", "-bot", "-addr", "-tests"}},
		{"schema", []string{"-tests"}, []string{"-config", "-db", "-bot", "-addr"}},
	} {
		t.Run(tt.cmd, func(t *testing.T) {
			_, _, help := runCmd(t, "", tt.cmd, "--help")
			for _, f := range tt.want {
				if !strings.Contains(help, "  "+f+" ") && !strings.Contains(help, "  "+f+"\n") {
					t.Errorf("%s --help does not list %s:\n%s", tt.cmd, f, help)
				}
			}
			for _, f := range tt.not {
				if strings.Contains(help, "  "+f+" ") || strings.Contains(help, "  "+f+"\n") {
					t.Errorf("%s --help lists %s:\n%s", tt.cmd, f, help)
				}
			}
			if code, _, stderr := runCmd(t, "", tt.cmd, tt.not[0], "x"); code != 2 || !strings.Contains(stderr, "not defined") {
				t.Errorf("%s %s x: exit %d, want 2 and 'not defined'; stderr:\n%s", tt.cmd, tt.not[0], code, stderr)
			}
		})
	}
}

func TestSchemaAndUsage(t *testing.T) {
	code, stdout, _ := runCmd(t, "", "schema")
	var schema map[string]any
	if code != 0 || json.Unmarshal([]byte(stdout), &schema) != nil || schema["properties"] == nil {
		t.Fatalf("schema: exit %d, %.200s", code, stdout)
	}
	if code, _, _ := runCmd(t, "", "frobnicate"); code != 2 {
		t.Fatalf("unknown command exit %d, want 2", code)
	}
}

// TestChat: the terminal conversation goes through the same pipeline, and
// a number presses a button.
func TestChat(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "chat.db")
	script := "bonjour\nje cherche une lampe de bureau\nmon panier\n"
	code, stdout, stderr := runCmd(t, script, "chat", "--config", "../../examples/maison-lumiere.yaml", "--db", db, "--addr", "127.0.0.1:0")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"Bonjour", "Zénith", "€", "[1]", "panier est vide"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("chat output lacks %q:\n%s", want, stdout)
		}
	}
	// Pressing "Add to cart" by number on a search result.
	_, stdout, _ = runCmd(t, "lampe Zénith\n1\nmon panier\n", "chat", "--config", "../../examples/maison-lumiere.yaml", "--db", db, "--addr", "127.0.0.1:0")
	if !strings.Contains(stdout, "Total") {
		t.Errorf("pressing button 1 did not add to the cart:\n%s", stdout)
	}
}

// TestCustomerExportErase: the data-access and erasure commands, on a
// conversation that went through the real pipeline.
func TestCustomerExportErase(t *testing.T) {
	s := startShop(t, "")
	c := s.customer("en")
	c.say("hello, I am Alice from Lyon")
	db := s.m.DBURL
	code, out, errOut := runCmd(t, "", "customer", "export", "--db", db, "--bot", "maison-lumiere", "--channel", "web", "--chat", c.session)
	if code != 0 || !strings.Contains(out, "Alice from Lyon") {
		t.Fatalf("export: %d %s %s", code, out, errOut)
	}
	if code, _, _ := runCmd(t, "", "customer", "erase", "--db", db, "--bot", "maison-lumiere", "--chat", c.session); code != 2 {
		t.Fatalf("erase without --yes: exit %d, want 2", code)
	}
	code, out, errOut = runCmd(t, "", "customer", "erase", "--db", db, "--bot", "maison-lumiere", "--channel", "web", "--chat", c.session, "--yes")
	if code != 0 || !strings.Contains(out, "erased conversation") {
		t.Fatalf("erase: %d %s %s", code, out, errOut)
	}
	if h := c.history(); len(h) != 0 {
		t.Fatalf("the widget still shows the erased conversation: %s", dump(h))
	}
	if code, _, _ := runCmd(t, "", "customer", "export", "--db", db, "--bot", "maison-lumiere", "--chat", c.session); code != 1 {
		t.Fatalf("export after erase: exit %d, want 1 (not found)", code)
	}
}

// TestGCPercent: serve's heap may grow by at least gcHeadroom between
// collections, and by 1× to 4× the live heap.
func TestGCPercent(t *testing.T) {
	const mib = 1 << 20
	for _, tt := range []struct {
		live uint64
		want int
	}{
		{0, 400},         // not measured: the old default
		{8 * mib, 400},   // small heap: 4× (capped)
		{12 * mib, 400},  // the heap before language models
		{16 * mib, 300},  // 48 MiB of headroom
		{45 * mib, 106},  // with lingua's fr and en models
		{200 * mib, 100}, // never less than Go's default
	} {
		if got := gcPercent(tt.live); got != tt.want {
			t.Errorf("gcPercent(%d MiB) = %d, want %d", tt.live/mib, got, tt.want)
		}
	}
}

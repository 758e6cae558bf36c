package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/conciergehq/concierge/config"
)

// compose is the part of compose.yaml the tests read.
type compose struct {
	Services map[string]service `yaml:"services"`
}

type service struct {
	Image       string                       `yaml:"image"`
	Build       *struct{ Dockerfile string } `yaml:"build"`
	Command     []string                     `yaml:"command"`
	Environment map[string]string            `yaml:"environment"`
	EnvFile     any                          `yaml:"env_file"`
	Volumes     []string                     `yaml:"volumes"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

func readCompose(t *testing.T) (compose, []byte) {
	t.Helper()
	src, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c compose
	if err := yaml.UnmarshalWithOptions(src, &c, yaml.AllowDuplicateMapKey()); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return c, src
}

// replicas returns the names of the services built from deploy/Dockerfile.
func (c compose) replicas() []string {
	var out []string
	for name, s := range c.Services {
		if s.Build != nil && s.Build.Dockerfile == "deploy/Dockerfile" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// secretName matches the names of variables that hold secrets.
var secretName = regexp.MustCompile(`(?i)(PASSWORD|SECRET|TOKEN|_KEY$|APIKEY|DATABASE_URL|REDIS_URL)`)

// envRef matches a ${VAR} reference, with its optional :- or :? part.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?][^}]*)?\}`)

// TestComposeReplicas: what must hold for two replicas behind Caddy to be
// one shop. Every replica reads the same DATABASE_URL (on the postgres
// service), every secret comes from the environment (.env), each service
// has a health check, bot files are mounted read-only, and the replicas do
// not migrate at the same moment.
func TestComposeReplicas(t *testing.T) {
	c, _ := readCompose(t)
	reps := c.replicas()
	if len(reps) < 2 {
		t.Fatalf("replicas built from deploy/Dockerfile: %v, want at least 2", reps)
	}
	first := c.Services[reps[0]]
	dbURL := first.Environment["DATABASE_URL"]
	if !strings.HasPrefix(dbURL, "postgres://") || !strings.Contains(dbURL, "@postgres:5432/") {
		t.Errorf("%s: DATABASE_URL %q is not the postgres service", reps[0], dbURL)
	}
	for _, name := range reps {
		s := c.Services[name]
		if got := s.Environment["DATABASE_URL"]; got != dbURL {
			t.Errorf("%s: DATABASE_URL %q, but %s has %q: replicas must share one database", name, got, reps[0], dbURL)
		}
		if s.Environment["REDIS_URL"] != first.Environment["REDIS_URL"] {
			t.Errorf("%s: REDIS_URL differs from %s's", name, reps[0])
		}
		if s.EnvFile != ".env" {
			t.Errorf("%s: env_file %v, want .env (the bot files' ${VAR}s)", name, s.EnvFile)
		}
		if !slices.ContainsFunc(s.Volumes, func(v string) bool { return strings.HasSuffix(v, ":/etc/concierge:ro") }) {
			t.Errorf("%s: bot files not mounted read-only at /etc/concierge: %v", name, s.Volumes)
		}
		if !slices.Contains(s.Command, "/etc/concierge") || !slices.Contains(s.Command, "serve") {
			t.Errorf("%s: command %v does not serve /etc/concierge", name, s.Command)
		}
		if h := s.Healthcheck; h == nil || !slices.Contains(h.Test, "healthcheck") {
			t.Errorf("%s: no `concierge healthcheck` health check", name)
		}
		if len(s.DependsOn) == 0 {
			t.Errorf("%s: starts without waiting for anything", name)
		}
		for dep, d := range s.DependsOn {
			if d.Condition != "service_healthy" {
				t.Errorf("%s: depends on %s with condition %q, want service_healthy", name, dep, d.Condition)
			}
		}
	}
	// One replica migrates first; the others wait until it is healthy.
	for _, name := range reps[1:] {
		if _, ok := c.Services[name].DependsOn[reps[0]]; !ok {
			t.Errorf("%s does not wait for %s: both would migrate at the same moment", name, reps[0])
		}
	}
	for name, s := range c.Services {
		if s.Healthcheck == nil || len(s.Healthcheck.Test) == 0 {
			t.Errorf("%s: no health check", name)
		}
		if strings.HasPrefix(s.Image, "${") {
			continue
		}
		if s.Build == nil && !regexp.MustCompile(`:[0-9]`).MatchString(s.Image) {
			t.Errorf("%s: image %q has no version tag", name, s.Image)
		}
	}
	if _, ok := c.Services["caddy"]; !ok {
		t.Error("no caddy service in front of the replicas")
	}
}

// TestComposeSecretsFromEnvironment: no secret is written in compose.yaml;
// each is a ${VAR} that .env.example names, and a required one fails with
// a message when .env lacks it.
func TestComposeSecretsFromEnvironment(t *testing.T) {
	c, src := readCompose(t)
	example, err := os.ReadFile(".env.example")
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range c.Services {
		for k, v := range s.Environment {
			if !secretName.MatchString(k) {
				continue
			}
			if !envRef.MatchString(v) {
				t.Errorf("%s: %s is written in compose.yaml; take it from .env as ${VAR}", name, k)
			}
			// A URL's password must be a reference too.
			if u := regexp.MustCompile(`://[^:@/]*:([^@]*)@`).FindStringSubmatch(v); u != nil && !envRef.MatchString(u[1]) {
				t.Errorf("%s: %s has a password written in compose.yaml", name, k)
			}
		}
		for i, arg := range s.Command {
			if strings.Contains(arg, "requirepass") || strings.Contains(arg, "password") {
				if next := strings.Join(s.Command[i:min(i+2, len(s.Command))], " "); !strings.Contains(next, "$$") && !envRef.MatchString(next) {
					t.Errorf("%s: a password written in the command %q", name, next)
				}
			}
		}
	}
	for _, m := range envRef.FindAllStringSubmatch(withoutComments(src), -1) {
		name, rest := m[1], m[2]
		if !regexp.MustCompile(`(?m)^#? ?` + name + `=`).Match(example) {
			t.Errorf(".env.example does not mention %s, which compose.yaml reads", name)
		}
		if secretName.MatchString(name) && !strings.HasPrefix(rest, ":?") {
			t.Errorf("${%s%s}: a secret must be required (${%s:?message}), not defaulted", name, rest, name)
		}
	}
	if regexp.MustCompile(`(?m)^[A-Z_]*(PASSWORD|SECRET|TOKEN|KEY)=\S`).Match(example) {
		t.Error(".env.example holds a secret's value; leave them empty")
	}
}

// TestDeployBotFiles: the starter bots that compose mounts serve as they
// are, with no variable set.
func TestDeployBotFiles(t *testing.T) {
	files, err := config.Load("bots", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no bot file in deploy/bots")
	}
}

// TestDeployDashboardMetrics: every metric the Grafana dashboard queries is
// one that the server registers.
func TestDeployDashboardMetrics(t *testing.T) {
	src, err := os.ReadFile("grafana/concierge.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(src, &dash); err != nil {
		t.Fatalf("grafana/concierge.json: %v", err)
	}
	code := goSources(t, "..")
	metric := regexp.MustCompile(`\bconcierge_[a-z_]+`)
	seen := 0
	for _, p := range dash.Panels {
		for _, target := range p.Targets {
			for _, name := range metric.FindAllString(target.Expr, -1) {
				seen++
				base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_count"), "_sum")
				if !strings.Contains(code, `"`+base+`"`) {
					t.Errorf("the dashboard queries %s, which no Go file registers", name)
				}
			}
		}
	}
	if seen < 10 {
		t.Errorf("the dashboard queries %d metrics; it lost its panels", seen)
	}
}

// goSources returns the non-test Go files under root, concatenated.
func goSources(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			b.Write(src)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestDeployImage builds the image and checks that `concierge version`
// inside it reports the values of its OCI labels, and that the health
// check command is there. It needs a Docker engine: machines with only
// the client skip it, and say so.
func TestDeployImage(t *testing.T) {
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("skipped: no docker client; the image was not built")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "docker", "info").CombinedOutput(); err != nil {
		t.Skipf("skipped: `docker info` fails (no engine here), so the image was not built: %s", lastLine(out))
	}
	tag := "concierge-test:" + time.Now().Format("20060102150405")
	args := []string{"build", "-f", "deploy/Dockerfile", "-t", tag,
		"--build-arg", "VERSION=v0.0.0-test", "--build-arg", "REVISION=0123456789abcdef", "--build-arg", "CREATED=2026-01-02T03:04:05Z", "."}
	build := exec.CommandContext(ctx, "docker", args...)
	build.Dir = ".."
	build.Env = append(os.Environ(), "DOCKER_BUILDKIT=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "image", "rm", "-f", tag).Run() })

	out, err := exec.CommandContext(ctx, "docker", "run", "--rm", tag, "version").Output()
	if err != nil {
		t.Fatalf("docker run version: %v", err)
	}
	want := "concierge v0.0.0-test\ncommit: 0123456789abcdef\ntime: 2026-01-02T03:04:05Z\n"
	if !strings.HasPrefix(string(out), want) {
		t.Errorf("version in the image:\n%s\nwant it to start with:\n%s", out, want)
	}
	labels, err := exec.CommandContext(ctx, "docker", "image", "inspect", "--format", "{{json .Config.Labels}}", tag).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range []string{`"org.opencontainers.image.version":"v0.0.0-test"`, `"org.opencontainers.image.revision":"0123456789abcdef"`, `"org.opencontainers.image.created":"2026-01-02T03:04:05Z"`} {
		if !bytes.Contains(labels, []byte(kv)) {
			t.Errorf("labels %s lack %s", labels, kv)
		}
	}
	user, _ := exec.CommandContext(ctx, "docker", "image", "inspect", "--format", "{{.Config.User}} {{json .Config.Healthcheck.Test}}", tag).Output()
	if !strings.HasPrefix(string(user), "65532") || !strings.Contains(string(user), `"healthcheck"`) {
		t.Errorf("user and health check: %s", user)
	}
}

// withoutComments returns the YAML src without its whole-line comments.
func withoutComments(src []byte) string {
	var b strings.Builder
	for _, line := range strings.Split(string(src), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

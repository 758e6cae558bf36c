package concierge_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/conciergehq/concierge"

// rule forbids the packages under a path prefix from importing some
// others, and says why.
type rule struct {
	pkg    string   // package path relative to the module; "" is the root; a trailing / means "and below"
	forbid []string // relative paths (trailing / = and below) or full third-party prefixes
	why    string
}

var rules = []rule{
	{"", []string{"*"}, "the root package is the shared vocabulary and imports only the standard library"},
	{"adapters/", []string{"agent/", "checkout/", "webhooks/", "store/", "config/", "handoff/", "github.com/labstack/echo"},
		"adapters translate one platform; they know nothing of carts, brains, storage or HTTP routing"},
	{"agent/", []string{"adapters/", "webhooks/", "store/", "checkout/", "config/", "handoff/", "github.com/labstack/echo"},
		"the agent reaches checkout and storage through interfaces, and never HTTP"},
	{"checkout/", []string{"adapters/", "agent/", "webhooks/", "store/", "config/", "handoff/", "github.com/labstack/echo"},
		"payment providers never import adapters; checkout reaches storage through concierge.Tx"},
	{"store/", []string{"adapters/", "agent/", "checkout/", "webhooks/", "config/", "handoff/"},
		"the store knows the vocabulary, not the features"},
	{"config/", []string{"adapters/", "agent/", "checkout/", "webhooks/", "store/", "handoff/"},
		"config parses bot files into the vocabulary; server hands the parts to features"},
	{"webhooks/", []string{"agent/", "store/", "config/", "checkout/", "handoff/", "adapters/outbox/", "adapters/cli/", "adapters/telegram/", "adapters/whatsapp/", "adapters/wechat/", "convtest/", "agentcommerce/", "seller/", "livecatalog/"},
		"webhooks owns HTTP ingress and knows no platform; it never calls a brain, reaches storage, checkout and the inbox through interfaces server hands it, and finds channels and providers in the registry: a Receiver or PaymentNotifier (verify-then-decode) is served at /webhooks/{bot}/{name}, a WebhookServer (Telegram, WhatsApp, WeChat, WeChat Pay, the sandbox's page) at the routes it declares. Of adapters/ it imports only web, the widget it serves"},
	{"handoff/", []string{"adapters/", "agent/", "checkout/", "webhooks/", "store/", "config/", "github.com/labstack/echo"},
		"the inbox reaches storage through its own Store interface and sends through the outbox; server wires the store"},
	{"seller/", []string{"adapters/", "agent/", "checkout/", "webhooks/", "store/", "config/", "handoff/", "github.com/labstack/echo"},
		"the seller's assistant reaches storage, the agent and the inbox through interfaces server hands it"},
	{"livecatalog/", []string{"adapters/", "agent/", "checkout/", "webhooks/", "store/", "config/", "handoff/", "github.com/labstack/echo"},
		"the live catalog reaches the database through its Store and the agent through its Sink, which server wires; it serves its API as a plain http.Handler that webhooks mounts"},
	{"catalogindex/", []string{"adapters/", "agent/", "checkout/", "webhooks/", "store/", "config/", "handoff/", "livecatalog/", "github.com/labstack/echo"},
		"the catalog index turns products into a bleve index and answers with SKUs; the agent takes it through an interface of its own, and server wires both"},
	{"offers/", []string{"adapters/", "agent/", "checkout/", "webhooks/", "store/", "config/", "handoff/", "livecatalog/", "github.com/labstack/echo"},
		"the supplier client asks suppliers and answers with concierge.Offer; the agent and checkout take it through interfaces of their own, and server wires it"},
	{"internal/", []string{"adapters/", "agent/", "checkout/", "webhooks/", "store/", "config/", "cmd/"},
		"internal helpers sit below every feature"},
	{"speech/", []string{"adapters/", "agent/", "checkout/", "webhooks/", "store/", "config/", "handoff/", "github.com/labstack/echo"},
		"speech wraps a transcription endpoint; the media fetcher reaches it through an interface server hands it"},
	{"convtest/", []string{"adapters/", "agent/", "checkout", "webhooks/", "handoff/", "github.com/labstack/echo"},
		"conversation tests play through the pipeline server builds and passes in (brain included); they send payments as the sandbox does, through the server's handler"},
}

// plain lists the packages (exactly these directories, not below) that may
// import only the standard library, the root package and internal/, and
// why. agent/catalog and agent/nlu have stricter tests of their own (no
// I/O at all).
var plain = map[string]string{
	"catalogfeed":        "feed reading turns files into the vocabulary; config hands it the bytes, and it knows no feature",
	"adapters/web":       "the web adapter is a translator: echo belongs to webhooks, and adapters share no code",
	"adapters/wechat":    "the WeChat adapter speaks the protocol with the standard library; the Redis token cache lives in redistoken, so a binary without Redis does not link go-redis",
	"checkout/sandbox":   "the sandbox is a payment provider: server wires it to the store, the agent and echo",
	"handoff/mediafetch": "the media fetcher finds channels in the registry and reaches storage through its Store; server wires both",
	"internal/jobloop":   "the job loop is below every worker that uses it",
}

// TestImportRules enforces the import direction of STYLE.md: a forbidden
// import fails with the rule's reason.
func TestImportRules(t *testing.T) {
	imports := map[string][]string{} // relative package dir → imports (non-test files)
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != "." && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		if dir == "." {
			dir = ""
		}
		for _, s := range f.Imports {
			p, _ := strconv.Unquote(s.Path.Value)
			imports[dir] = append(imports[dir], p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(imports) < 10 {
		t.Fatalf("found only %d packages; is the walk broken?", len(imports))
	}
	under := func(dir, prefix string) bool {
		if strings.HasSuffix(prefix, "/") {
			return dir+"/" == prefix || strings.HasPrefix(dir+"/", prefix)
		}
		return dir == prefix
	}
	for dir, imps := range imports {
		for _, imp := range imps {
			if strings.HasPrefix(imp, module+"/cmd") {
				t.Errorf("%s imports %s: nothing imports cmd/ — it is the command line", dir, imp)
			}
			if imp == module+"/server" && !strings.HasPrefix(dir, "cmd/") {
				t.Errorf("%s imports %s: only cmd/ imports server — it assembles everything", dir, imp)
			}
			// A test-support package (agentcommercetest, whose own
			// package test forbids non-test importers) may use testenv.
			if imp == module+"/internal/testenv" && !strings.HasSuffix(path.Base(dir), "test") {
				t.Errorf("%s imports %s: testenv is for tests only", dir, imp)
			}
			for _, r := range rules {
				if !under(dir, r.pkg) && !(r.pkg == "" && dir == "") {
					continue
				}
				if r.pkg == "" && dir != "" {
					continue
				}
				for _, f := range r.forbid {
					bad := false
					switch {
					case f == "*":
						bad = strings.Contains(strings.SplitN(imp, "/", 2)[0], ".")
					case strings.Contains(f, "."):
						bad = strings.HasPrefix(imp, f)
					default:
						rel, ok := strings.CutPrefix(imp, module+"/")
						bad = ok && under(rel, f)
					}
					if bad {
						t.Errorf("%s imports %s: forbidden because %s", pkgName(dir), imp, r.why)
					}
				}
			}
		}
	}
	for dir, why := range plain {
		if _, ok := imports[dir]; !ok {
			t.Errorf("%s: no such package; update plain", dir)
		}
		for _, imp := range imports[dir] {
			stdlib := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".")
			if !stdlib && imp != module && !strings.HasPrefix(imp, module+"/internal/") {
				t.Errorf("%s imports %s: it may import only the standard library, the root package and internal/ because %s", dir, imp, why)
			}
		}
	}
	// Adapters never import each other.
	for dir, imps := range imports {
		if !strings.HasPrefix(dir, "adapters/") {
			continue
		}
		for _, imp := range imps {
			rel, ok := strings.CutPrefix(imp, module+"/")
			if ok && strings.HasPrefix(rel, "adapters/") && adapterOf(rel) != adapterOf(dir) {
				t.Errorf("%s imports %s: adapters never import each other", dir, imp)
			}
		}
	}
}

func pkgName(dir string) string {
	if dir == "" {
		return "concierge (root)"
	}
	return dir
}

// adapterOf is the adapter a package belongs to ("adapters/telegram" for
// adapters/telegram/telegramtest): an adapter's own sub-packages may import it.
func adapterOf(dir string) string {
	parts := strings.SplitN(dir, "/", 3)
	if len(parts) < 2 {
		return dir
	}
	return parts[0] + "/" + parts[1]
}

package ucp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce/httpsig"
)

// KeyResolver returns the signing keys a platform's profile publishes.
type KeyResolver interface {
	// Keys fetches (or recalls) the profile at profileURL, an HTTPS URL
	// from the request's UCP-Agent, and returns its signing_keys.
	Keys(ctx context.Context, profileURL string) ([]httpsig.JWK, error)
}

// ProfileKeys is a KeyResolver that fetches profiles over HTTPS and keeps
// them for TTL, so that an agent's requests cost one fetch a TTL.
type ProfileKeys struct {
	Client *http.Client  // nil: a client with a 10 s timeout
	TTL    time.Duration // zero: 5 minutes

	mu    sync.Mutex
	cache map[string]cachedKeys
}

type cachedKeys struct {
	keys    []httpsig.JWK
	webhook string
	version string // the profile's ucp.version
	at      time.Time
}

// maxProfile bounds a fetched profile.
const maxProfile = 256 << 10

// Keys implements KeyResolver.
func (p *ProfileKeys) Keys(ctx context.Context, profileURL string) ([]httpsig.JWK, error) {
	c, err := p.profile(ctx, profileURL)
	return c.keys, err
}

// OrderWebhook implements WebhookResolver: the webhook_url of the order
// capability's config in the platform's profile, or "".
func (p *ProfileKeys) OrderWebhook(ctx context.Context, profileURL string) (string, error) {
	c, err := p.profile(ctx, profileURL)
	return c.webhook, err
}

// ProtocolVersion implements VersionResolver: the ucp.version the
// platform's profile declares, or "".
func (p *ProfileKeys) ProtocolVersion(ctx context.Context, profileURL string) (string, error) {
	c, err := p.profile(ctx, profileURL)
	return c.version, err
}

// profile fetches (or recalls) what Keys, OrderWebhook and
// ProtocolVersion read.
func (p *ProfileKeys) profile(ctx context.Context, profileURL string) (cachedKeys, error) {
	if err := CheckProfileURL(profileURL); err != nil {
		return cachedKeys{}, err
	}
	ttl := p.TTL
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	p.mu.Lock()
	c, ok := p.cache[profileURL]
	p.mu.Unlock()
	if ok && time.Since(c.at) < ttl {
		return c, nil
	}
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, profileURL, nil)
	if err != nil {
		return cachedKeys{}, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		// The client's error quotes the URL, whose query an agent may
		// fill with a token of its own: it reaches logs without it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = fmt.Errorf("%s: %w", ue.Op, ue.Err)
		}
		return cachedKeys{}, fmt.Errorf("fetch the profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return cachedKeys{}, fmt.Errorf("fetch the profile: HTTP %d", resp.StatusCode)
	}
	var prof struct {
		UCP struct {
			Version      string `json:"version"`
			Capabilities map[string][]struct {
				Config struct {
					WebhookURL string `json:"webhook_url"`
				} `json:"config"`
			} `json:"capabilities"`
		} `json:"ucp"`
		SigningKeys []httpsig.JWK `json:"signing_keys"`
		Keys        []httpsig.JWK `json:"keys"` // the JWK Set mirror some profiles publish
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxProfile)).Decode(&prof); err != nil {
		return cachedKeys{}, fmt.Errorf("read the profile: %w: %v", ErrProfileMalformed, err)
	}
	c = cachedKeys{keys: append(prof.SigningKeys, prof.Keys...), version: prof.UCP.Version, at: time.Now()}
	for _, o := range prof.UCP.Capabilities[OrderCapability] {
		// Only an https webhook is taken: events carry the buyer's
		// address.
		if w, err := url.Parse(o.Config.WebhookURL); err == nil && w.Scheme == "https" && w.Host != "" {
			c.webhook = o.Config.WebhookURL
			break
		}
	}
	p.mu.Lock()
	if p.cache == nil {
		p.cache = map[string]cachedKeys{}
	}
	p.cache[profileURL] = c
	p.mu.Unlock()
	return c, nil
}

// ErrProfileURL is a platform's profile that is not an https URL with a
// host: the only profiles this business fetches (a profile is the
// platform's keys, version and webhook, so it is never read in clear).
var ErrProfileURL = errors.New("the UCP-Agent profile must be an https URL")

// ErrProfileMalformed is a fetched profile that is not a JSON object.
var ErrProfileMalformed = errors.New("the profile is not a UCP profile")

// CheckProfileURL returns ErrProfileURL unless raw is a profile this
// business would fetch. Both bindings check a platform's profile with
// it: REST's UCP-Agent header, MCP's meta["ucp-agent"].profile.
func CheckProfileURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return ErrProfileURL
	}
	return nil
}

// WebhookResolver is a KeyResolver that also reads where a platform's
// profile asks for order events; ProfileKeys is one.
type WebhookResolver interface {
	OrderWebhook(ctx context.Context, profileURL string) (string, error)
}

// profileURL is the profile of a UCP-Agent header: profile="https://…".
func profileURL(agent string) string {
	p, _ := agentParams(agent)
	return p
}

// verify checks the request's RFC 9421 signature when it carries one (or
// when the bot file requires one): the key is the one its keyid names in
// the signing_keys of the profile its UCP-Agent points at; the signature
// must cover what the UCP REST binding requires, and Content-Digest must
// be the body's. It returns a UCP error code and message, or "".
func (h *Handler) verify(r *http.Request, bot concierge.BotID, body []byte) (code, msg string) {
	if r.Header.Get("Signature-Input") == "" && r.Header.Get("Signature") == "" {
		if h.cfg.RequireSignatures[bot] {
			return "signature_required", "this shop requires RFC 9421 request signatures (Signature-Input, Signature, Content-Digest)"
		}
		return "", ""
	}
	if h.cfg.Keys == nil {
		return "signature_invalid", "this shop cannot resolve signing keys"
	}
	prof := profileURL(r.Header.Get("UCP-Agent"))
	keys, err := h.cfg.Keys.Keys(r.Context(), prof)
	if err != nil {
		return "key_not_found", "the signer's keys could not be read from its profile: " + err.Error()
	}
	required := []string{"@method", "@authority", "@path", "ucp-agent"}
	if r.URL.RawQuery != "" {
		required = append(required, "@query")
	}
	if r.Header.Get("Idempotency-Key") != "" {
		required = append(required, "idempotency-key")
	}
	if len(body) > 0 {
		required = append(required, "content-digest", "content-type")
		if err := httpsig.CheckDigest(r.Header.Get("Content-Digest"), body); err != nil {
			return "signature_invalid", "Content-Digest does not match the body"
		}
	}
	if _, err := httpsig.Verify(httpsig.FromRequest(r), keys, required, h.now()); err != nil {
		switch {
		case errors.Is(err, httpsig.ErrUnknownKey):
			return "key_not_found", "the signature's keyid is not in the signer's profile"
		case errors.Is(err, httpsig.ErrCoverage):
			return "coverage_insufficient", err.Error()
		}
		return "signature_invalid", "the request signature does not verify"
	}
	// The signer's profile is now known to be its own: the protocol
	// version it declares is the one this request speaks. A profile that
	// declares none is served (its version is unknown, not another).
	if vr, ok := h.cfg.Keys.(VersionResolver); ok {
		if v, err := vr.ProtocolVersion(r.Context(), prof); err == nil && v != "" && !accepts(v) {
			return "version_unsupported", unsupported(v)
		}
	}
	return "", ""
}

// Verify checks the RFC 9421 signature of a request to bot's MCP
// server as the REST binding checks its own (verify): the platform's
// profile is the one its UCP-Agent header names (which the signature
// must cover), fetched and cached by Config.Keys, and the signature must
// cover the same components and a Content-Digest of body. An unsigned
// request passes unless bot requires signatures. It returns UCP's error
// code and message, or "".
func (h *Handler) Verify(r *http.Request, bot concierge.BotID, body []byte) (code, msg string) {
	return h.verify(r, bot, body)
}

func (h *Handler) now() time.Time {
	if h.cfg.Now != nil {
		return h.cfg.Now()
	}
	return time.Now()
}

// Signed wraps next, the handler of a route whose pattern names {bot},
// so that its responses are signed with that bot's key as the REST
// binding signs its own (signed). UCP's MCP binding signs its responses
// so (checkout-mcp.md, "Response Signing": the REST binding's
// algorithm, "identical for MCP over HTTP"), and the MCP server serves
// /mcp/{bot} through it.
func (h *Handler) Signed(next http.HandlerFunc) http.HandlerFunc { return h.signed(next) }

// signed wraps a handler so that its response is signed with the
// business's key (UCP REST response signing: @status, and content-digest
// and content-type when there is a body).
func (h *Handler) signed(next http.HandlerFunc) http.HandlerFunc {
	if len(h.cfg.SigningKeys) == 0 {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request) {
		bot, _ := h.bot(r)
		key := h.cfg.SigningKeys[bot]
		if key == nil {
			next(w, r)
			return
		}
		rec := &recorder{header: http.Header{}}
		next(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		hdr := w.Header()
		for k, v := range rec.header {
			hdr[k] = v
		}
		components := []string{"@status"}
		if rec.body.Len() > 0 {
			hdr.Set("Content-Digest", httpsig.Digest(rec.body.Bytes()))
			components = append(components, "content-digest", "content-type")
			if hdr.Get("Content-Type") == "" {
				hdr.Set("Content-Type", "application/json")
			}
		}
		in, sig, err := httpsig.Sign(httpsig.Message{Status: rec.status, Header: hdr}, "sig1", components, key, h.now())
		if err != nil {
			h.cfg.Log.Error("ucp: sign response", "err", err)
		} else {
			hdr.Set("Signature-Input", in)
			hdr.Set("Signature", sig)
		}
		w.WriteHeader(rec.status)
		w.Write(rec.body.Bytes())
	}
}

// recorder keeps a response so that it can be signed before it is sent.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

package acp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/redact"
)

// FeedAPI is a merchant's client of an agent's Feed API (2026-04-17,
// spec/2026-04-17/openapi/openapi.feed.yaml and rfcs/rfc.product_feeds.md):
// the agent hosts the feed and the merchant creates it, pushes its
// products (PATCH upserts by product id) and reads back what the agent
// holds. The agent gives its base URL, a bearer token and the feed's id
// at onboarding; the spec defines no discovery of them.
type FeedAPI struct {
	// BaseURL is the agent's Feed API, such as https://agent.example.com.
	BaseURL string
	// Token is sent as Authorization: Bearer; never logged nor put in
	// errors.
	Token string
	// Client is the HTTP client; nil is http.DefaultClient.
	Client *http.Client
	// BatchSize is the most products one upsert sends; zero is 200. The
	// spec sets no limit but asks agents to protect themselves from
	// large requests.
	BatchSize int
}

// FeedMetadata is the agent's record of a feed.
type FeedMetadata struct {
	ID            string `json:"id"`
	TargetCountry string `json:"target_country,omitempty"`
	UpdatedAt     string `json:"updated_at,omitempty"`
}

// FeedAPIError is the agent's refusal: its HTTP status and ACP's flat
// error.
type FeedAPIError struct {
	Status  int
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Param   string `json:"param,omitempty"`
}

func (e *FeedAPIError) Error() string {
	return fmt.Sprintf("acp feed api: %d %s: %s", e.Status, e.Code, e.Message)
}

// CreateFeed creates a feed for targetCountry (ISO 3166-1 alpha-2, or ""
// for none). key is its Idempotency-Key: the same key again must not
// create a second feed.
func (c *FeedAPI) CreateFeed(ctx context.Context, targetCountry, key string) (FeedMetadata, error) {
	body := map[string]string{}
	if targetCountry != "" {
		body["target_country"] = strings.ToUpper(targetCountry)
	}
	var m FeedMetadata
	err := c.do(ctx, http.MethodPost, "/feeds", key, body, http.StatusCreated, &m)
	return m, err
}

// Feed reads the feed's metadata (404 feed_not_found is a *FeedAPIError).
func (c *FeedAPI) Feed(ctx context.Context, id string) (FeedMetadata, error) {
	var m FeedMetadata
	err := c.do(ctx, http.MethodGet, "/feeds/"+url.PathEscape(id), "", nil, http.StatusOK, &m)
	return m, err
}

// Products reads every product the agent holds in the feed.
func (c *FeedAPI) Products(ctx context.Context, id string) ([]FeedProduct, error) {
	var r struct {
		Products []FeedProduct `json:"products"`
	}
	err := c.do(ctx, http.MethodGet, "/feeds/"+url.PathEscape(id)+"/products", "", nil, http.StatusOK, &r)
	return r.Products, err
}

// Upsert sends products to the feed, in batches of BatchSize; products
// it omits stay as the agent has them. Each batch's Idempotency-Key is a
// hash of the feed and the batch, so a retried push of the same
// products is the same request, and a changed one a new request.
func (c *FeedAPI) Upsert(ctx context.Context, id string, products []FeedProduct) error {
	n := c.BatchSize
	if n <= 0 {
		n = 200
	}
	for len(products) > 0 {
		batch := products[:min(n, len(products))]
		products = products[len(batch):]
		body := map[string]any{"products": batch}
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("acp feed api: %w", err)
		}
		sum := sha256.Sum256(append([]byte(id+"\n"), b...))
		var r struct {
			ID       string `json:"id"`
			Accepted bool   `json:"accepted"`
		}
		if err := c.do(ctx, http.MethodPatch, "/feeds/"+url.PathEscape(id)+"/products", "concierge-"+hex.EncodeToString(sum[:16]), json.RawMessage(b), http.StatusOK, &r); err != nil {
			return err
		}
		if !r.Accepted {
			return fmt.Errorf("acp feed api: feed %s did not accept %d products", id, len(batch))
		}
	}
	return nil
}

// Push makes the agent's feed id hold bot's catalog in loc: every
// product is upserted, and a product the agent holds that the catalog no
// longer has is upserted again with every variant unavailable and
// discontinued, since the Feed API deletes nothing (the RFC's advice).
// It returns how many products were sent of each kind.
func (h *Handler) Push(ctx context.Context, api *FeedAPI, feedID string, bot concierge.BotID, loc concierge.Locale) (current, discontinued int, err error) {
	products, err := h.Products(ctx, bot, loc)
	if err != nil {
		return 0, 0, err
	}
	if products == nil {
		return 0, 0, fmt.Errorf("acp: push feed: bot %s does not speak ACP", bot)
	}
	return pushProducts(ctx, api, feedID, products)
}

// pushProducts makes the agent's feed hold products, as Push says.
func pushProducts(ctx context.Context, api *FeedAPI, feedID string, products []FeedProduct) (current, discontinued int, err error) {
	held, err := api.Products(ctx, feedID)
	if err != nil {
		return 0, 0, err
	}
	ours := make(map[string]bool, len(products))
	for _, p := range products {
		ours[p.ID] = true
	}
	for _, p := range held {
		if ours[p.ID] || len(p.Variants) == 0 {
			continue
		}
		gone := p
		gone.Variants = make([]FeedVariant, len(p.Variants))
		for i, v := range p.Variants {
			v.Availability = &FeedAvailability{Available: false, Status: statusDiscontinued}
			gone.Variants[i] = v
		}
		products = append(products, gone)
		discontinued++
	}
	if err := api.Upsert(ctx, feedID, products); err != nil {
		return 0, 0, err
	}
	return len(products) - discontinued, discontinued, nil
}

// do sends one request and decodes a want-status answer into out; any
// other status is a *FeedAPIError. Its error names no credential: the
// feed URL a merchant configures may carry one in its query or user
// part, and the error is logged and stored with the failed push.
func (c *FeedAPI) do(ctx context.Context, method, path, key string, body any, want int, out any) error {
	return redact.Error(c.send(ctx, method, path, key, body, want, out), c.Token)
}

func (c *FeedAPI) send(ctx context.Context, method, path, key string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("acp feed api: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, rd)
	if err != nil {
		return fmt.Errorf("acp feed api: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("API-Version", Version)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	client := c.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("acp feed api: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("acp feed api: %s %s: %w", method, path, err)
	}
	if resp.StatusCode != want {
		e := &FeedAPIError{Status: resp.StatusCode}
		if json.Unmarshal(b, e) != nil || e.Code == "" {
			e.Code, e.Message = "http_"+fmt.Sprint(resp.StatusCode), http.StatusText(resp.StatusCode)
		}
		return e
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("acp feed api: %s %s: the answer is not the spec's JSON: %w", method, path, err)
	}
	return nil
}

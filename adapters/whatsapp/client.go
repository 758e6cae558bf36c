package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/redact"
)

// client is a small typed client of the Graph API's messages endpoint:
// Meta publishes no Go SDK for the Cloud API, and sending needs one call.
type client struct {
	base    string // the Graph API URL with its version, without a trailing slash
	phoneID string
	token   string
	http    *http.Client
	// secrets are taken out of every error the client returns: the
	// token travels in a header, which an error page or a proxy may
	// echo, and the app secret and verify token are credentials too.
	secrets []string
}

// redact takes the client's secrets out of err.
func (c *client) redact(err error) error { return redact.Error(err, c.secrets...) }

// sendResponse is the answer to POST /{phone_number_id}/messages.
type sendResponse struct {
	Messages []struct {
		ID string `json:"id"`
	} `json:"messages"`
	Error *GraphError `json:"error"`
}

// GraphError is the Graph API's error object.
type GraphError struct {
	Message string `json:"message"`
	Type    string `json:"type"`
	Code    int    `json:"code"`
	Subcode int    `json:"error_subcode"`
	Data    struct {
		Details string `json:"details"`
	} `json:"error_data"`
	Status int `json:"-"` // the HTTP status
}

func (e *GraphError) Error() string {
	s := fmt.Sprintf("graph API %d: code %d: %s", e.Status, e.Code, e.Message)
	if e.Data.Details != "" {
		s += " (" + e.Data.Details + ")"
	}
	return s
}

// Error codes that mean the customer cannot be reached with this message,
// so retrying is pointless (Meta's error code reference).
var unreachable = map[int]bool{
	131047: true, // re-engagement: more than 24 hours since the customer wrote
	131026: true, // message undeliverable (not on WhatsApp, old app, blocked)
	131051: true, // unsupported message type for the recipient
	131030: true, // recipient not in the allowed list (test numbers)
}

// send posts one payload and returns the wamid Meta gave it.
func (c *client) send(ctx context.Context, p *Payload) (string, error) {
	id, err := c.post(ctx, p)
	return id, c.redact(err)
}

func (c *client) post(ctx context.Context, p *Payload) (string, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("whatsapp: encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/"+url.PathEscape(c.phoneID)+"/messages", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("whatsapp: send: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("whatsapp: send: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("whatsapp: send: read answer: %w", err)
	}
	var sr sendResponse
	jerr := json.Unmarshal(raw, &sr)
	if resp.StatusCode/100 != 2 || sr.Error != nil {
		ge := sr.Error
		if ge == nil {
			ge = &GraphError{Message: strings.TrimSpace(clip(string(raw), 200))}
		}
		ge.Status = resp.StatusCode
		if unreachable[ge.Code] {
			return "", fmt.Errorf("whatsapp: send: %w: %w", ge, concierge.ErrUndeliverable)
		}
		return "", fmt.Errorf("whatsapp: send: %w", ge)
	}
	if jerr != nil || len(sr.Messages) == 0 || sr.Messages[0].ID == "" {
		return "", fmt.Errorf("whatsapp: send: answer without a message id")
	}
	return sr.Messages[0].ID, nil
}

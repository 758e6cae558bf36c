package whatsapp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/conciergehq/concierge"
)

// mediaInfo is the answer to GET /{media-id}: where to download the file
// (a URL valid for five minutes, which needs the bearer token too) and
// what Meta knows of it.
type mediaInfo struct {
	URL      string          `json:"url"`
	MimeType string          `json:"mime_type"`
	SHA256   string          `json:"sha256"`
	FileSize json.RawMessage `json:"file_size"` // a string in Meta's samples, a number in some clients'
	ID       string          `json:"id"`
	Error    *GraphError     `json:"error"`
}

// size returns the declared file size, or -1 when there is none.
func (m *mediaInfo) size() int64 {
	s := strings.Trim(string(m.FileSize), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// FetchMedia downloads the file a customer sent, named by the media id of
// an EventMedia's value ("image:<media-id>" gives "<media-id>"): it asks
// the Graph API where the file is (GET /{media-id}) and downloads it from
// there with the same token, checking the sha256 Meta gives.
//
// A file Meta declares larger than max, or that turns out larger, is not
// read past max+1 bytes and gives concierge.ErrMediaTooLarge; an id Meta
// no longer knows (media are kept 30 days) concierge.ErrMediaGone. Other
// errors (5xx, network, a corrupted download) may be retried.
func (a *Adapter) FetchMedia(ctx context.Context, ref string, max int64) (concierge.Media, error) {
	const op = "whatsapp: fetch media"
	if !validID(ref) {
		return concierge.Media{}, concierge.Errorf(concierge.CodeInvalid, op, "media id %q is not one", clip(ref, 40))
	}
	info, err := a.client.mediaInfo(ctx, ref)
	if err != nil {
		return concierge.Media{}, fmt.Errorf("%s %s: %w", op, ref, err)
	}
	if n := info.size(); n > max {
		return concierge.Media{}, fmt.Errorf("%s %s: %d bytes, more than %d: %w", op, ref, n, max, concierge.ErrMediaTooLarge)
	}
	data, ctype, err := a.client.download(ctx, info.URL, max)
	if err != nil {
		return concierge.Media{}, fmt.Errorf("%s %s: %w", op, ref, err)
	}
	if info.SHA256 != "" && !sameHash(data, info.SHA256) {
		return concierge.Media{}, fmt.Errorf("%s %s: the file's sha256 is not the one Meta declared", op, ref)
	}
	if info.MimeType != "" {
		ctype = info.MimeType
	}
	return concierge.Media{ContentType: ctype, Data: data}, nil
}

// sameHash reports whether want (hex as the media endpoint gives it, or
// base64 as webhooks do) is data's sha256.
func sameHash(data []byte, want string) bool {
	sum := sha256.Sum256(data)
	if strings.EqualFold(want, hex.EncodeToString(sum[:])) {
		return true
	}
	b, err := base64.StdEncoding.DecodeString(want)
	return err == nil && bytes.Equal(b, sum[:])
}

// mediaInfo asks the Graph API about a media id.
func (c *client) mediaInfo(ctx context.Context, id string) (*mediaInfo, error) {
	info, err := c.askMedia(ctx, id)
	return info, c.redact(err)
}

func (c *client) askMedia(ctx context.Context, id string) (*mediaInfo, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/"+url.PathEscape(id), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	var info mediaInfo
	jerr := json.Unmarshal(raw, &info)
	if resp.StatusCode/100 != 2 || info.Error != nil {
		ge := info.Error
		if ge == nil {
			ge = &GraphError{Message: strings.TrimSpace(clip(string(raw), 200))}
		}
		ge.Status = resp.StatusCode
		if gone(ge) {
			return nil, fmt.Errorf("%w: %w", ge, concierge.ErrMediaGone)
		}
		return nil, ge
	}
	if jerr != nil {
		return nil, fmt.Errorf("bad answer: %w", jerr)
	}
	if u, err := url.Parse(info.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("answer without a download URL")
	}
	return &info, nil
}

// gone reports whether a Graph error says the media id does not exist
// (any more): a 404, or code 100 with subcode 33, "Object with ID … does
// not exist".
func gone(ge *GraphError) bool {
	return ge.Status == http.StatusNotFound || ge.Status == http.StatusGone || (ge.Code == 100 && ge.Subcode == 33)
}

// download gets a media URL with the bearer token, reading at most max+1
// bytes, and returns the bytes and the Content-Type.
func (c *client) download(ctx context.Context, u string, max int64) ([]byte, string, error) {
	data, ctype, err := c.get(ctx, u, max)
	return data, ctype, c.redact(err)
}

func (c *client) get(ctx context.Context, u string, max int64) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("download: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return nil, "", fmt.Errorf("download: HTTP %d: %w", resp.StatusCode, concierge.ErrMediaGone)
	case resp.StatusCode/100 != 2:
		return nil, "", fmt.Errorf("download: HTTP %d", resp.StatusCode)
	case resp.ContentLength > max:
		return nil, "", fmt.Errorf("download: %d bytes, more than %d: %w", resp.ContentLength, max, concierge.ErrMediaTooLarge)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, "", fmt.Errorf("download: %w", err)
	}
	if int64(len(data)) > max {
		return nil, "", fmt.Errorf("download: more than %d bytes: %w", max, concierge.ErrMediaTooLarge)
	}
	return data, resp.Header.Get("Content-Type"), nil
}

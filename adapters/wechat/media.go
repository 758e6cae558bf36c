package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/conciergehq/concierge"
)

// errInvalidMediaID is WeChat's errcode for a media_id it does not have:
// media are kept three days.
const errInvalidMediaID = 40007

// FetchMedia downloads the file a customer sent, named by the MediaId of
// an EventMedia's value ("image:<MediaId>" gives "<MediaId>"), with GET
// /cgi-bin/media/get. WeChat answers the file itself, or JSON: an error,
// or for a video the URL to download it from.
//
// A file larger than max (as its Content-Length declares, or as it turns
// out; the download is never read past max+1 bytes) gives
// concierge.ErrMediaTooLarge; a MediaId WeChat no longer has (errcode
// 40007) concierge.ErrMediaGone. An access token WeChat refuses is
// renewed and the download tried once more. Other errors may be retried.
func (a *Adapter) FetchMedia(ctx context.Context, ref string, max int64) (concierge.Media, error) {
	const op = "wechat: fetch media"
	if ref == "" || len(ref) > 256 || strings.ContainsAny(ref, "\x00\r\n") {
		return concierge.Media{}, concierge.Errorf(concierge.CodeInvalid, op, "media_id %q is not one", clipBytes(ref, 40))
	}
	for attempt := 0; ; attempt++ {
		tok, err := a.client.accessToken(ctx)
		if err != nil {
			return concierge.Media{}, fmt.Errorf("%s: %w", op, err)
		}
		q := url.Values{"access_token": {tok}, "media_id": {ref}}
		m, apiErr, err := a.client.get(ctx, a.client.base+"/cgi-bin/media/get?"+q.Encode(), max, true)
		switch {
		case err != nil:
			return concierge.Media{}, a.client.redact(fmt.Errorf("%s %s: %w", op, ref, err), tok)
		case apiErr == nil:
			return m, nil
		case badToken[apiErr.Code] && attempt == 0:
			a.client.invalidate(ctx, tok)
			continue
		case apiErr.Code == errInvalidMediaID:
			return concierge.Media{}, a.client.redact(fmt.Errorf("%s %s: %w: %w", op, ref, apiErr, concierge.ErrMediaGone), tok)
		}
		return concierge.Media{}, a.client.redact(fmt.Errorf("%s %s: %w", op, ref, apiErr), tok)
	}
}

// mediaAnswer is media/get's JSON answer: an error, or a video's URL.
type mediaAnswer struct {
	APIError
	VideoURL string `json:"video_url"`
}

// get downloads u, reading at most max+1 bytes of a file. A JSON answer
// is WeChat's error, returned as such, or, when video is true, a video's
// download URL, which is followed (once). The caller redacts the error,
// whose URL carries the access token.
func (c *client) get(ctx context.Context, u string, max int64, video bool) (concierge.Media, *APIError, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return concierge.Media{}, nil, errors.New("bad request")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return concierge.Media{}, nil, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return concierge.Media{}, nil, fmt.Errorf("GET %s: HTTP %d: %w", req.URL.Path, resp.StatusCode, concierge.ErrMediaGone)
	case resp.StatusCode/100 != 2:
		return concierge.Media{}, nil, fmt.Errorf("GET %s: HTTP %d", req.URL.Path, resp.StatusCode)
	}
	ctype := resp.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ctype)
	if mt == "application/json" || mt == "text/plain" {
		// WeChat's answers in JSON are small; a file is never sent so.
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if err != nil {
			return concierge.Media{}, nil, fmt.Errorf("GET %s: read answer: %w", req.URL.Path, err)
		}
		var ans mediaAnswer
		if err := json.Unmarshal(raw, &ans); err != nil {
			return concierge.Media{}, nil, fmt.Errorf("GET %s: bad answer: %w", req.URL.Path, err)
		}
		if ans.Code != 0 {
			return concierge.Media{}, &ans.APIError, nil
		}
		vu, err := url.Parse(ans.VideoURL)
		if !video || err != nil || (vu.Scheme != "https" && vu.Scheme != "http") || vu.Host == "" {
			return concierge.Media{}, nil, fmt.Errorf("GET %s: answer without a file", req.URL.Path)
		}
		return c.get(ctx, ans.VideoURL, max, false)
	}
	if resp.ContentLength > max {
		return concierge.Media{}, nil, fmt.Errorf("GET %s: %d bytes, more than %d: %w", req.URL.Path, resp.ContentLength, max, concierge.ErrMediaTooLarge)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return concierge.Media{}, nil, fmt.Errorf("GET %s: %w", req.URL.Path, err)
	}
	if int64(len(data)) > max {
		return concierge.Media{}, nil, fmt.Errorf("GET %s: more than %d bytes: %w", req.URL.Path, max, concierge.ErrMediaTooLarge)
	}
	var name string
	if _, p, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil {
		name = p["filename"]
	}
	return concierge.Media{ContentType: ctype, Name: name, Data: data}, nil, nil
}

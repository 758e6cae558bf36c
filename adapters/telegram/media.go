package telegram

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/conciergehq/concierge"
)

// MaxDownloadBytes is the largest file the Bot API lets a bot download
// (getFile refuses larger ones with "file is too big"); a self-hosted Bot
// API server has no such limit.
const MaxDownloadBytes = 20 << 20

// FetchMedia downloads the file a customer sent, named by the file_id of
// an EventMedia's value ("photo:<file_id>" gives "<file_id>"): getFile
// gives its path and size, then GET {api_endpoint}/file/bot{token}/{path}.
//
// A file larger than max (as declared by getFile, or as it turns out; the
// download is never read past max+1 bytes), or than the Bot API's 20 MB,
// gives concierge.ErrMediaTooLarge; a file_id Telegram does not know, or a
// file its server no longer has, concierge.ErrMediaGone. Other errors
// (5xx, network, 429) may be retried.
func (a *Adapter) FetchMedia(ctx context.Context, ref string, max int64) (concierge.Media, error) {
	const op = "telegram: fetch media"
	if ref == "" || len(ref) > 256 || strings.ContainsAny(ref, "\x00\n") {
		return concierge.Media{}, concierge.Errorf(concierge.CodeInvalid, op, "file_id %q is not one", ref)
	}
	m, err := a.client.File(ctx, ref, max)
	if err != nil {
		return concierge.Media{}, fmt.Errorf("%s: %w", op, err)
	}
	return m, nil
}

// file is the Bot API's File object.
type file struct {
	FileID   string `json:"file_id"`
	FileSize int64  `json:"file_size"`
	FilePath string `json:"file_path"`
}

// File downloads the file with fileID, up to max bytes (see
// Adapter.FetchMedia).
func (c *Client) File(ctx context.Context, fileID string, max int64) (concierge.Media, error) {
	resp, err := c.Call(ctx, "getFile", tgbotapi.Params{"file_id": fileID})
	switch {
	case badRequest(err, "file is too big"):
		return concierge.Media{}, fmt.Errorf("getFile: %w: %w", err, concierge.ErrMediaTooLarge)
	case badRequest(err, "invalid file_id", "wrong file_id", "file not found"):
		// "wrong file_id or the file is temporarily unavailable" is what
		// Telegram answers for an id it does not know; it never becomes
		// valid later.
		return concierge.Media{}, fmt.Errorf("getFile: %w: %w", err, concierge.ErrMediaGone)
	case err != nil:
		return concierge.Media{}, fmt.Errorf("getFile: %w", err)
	}
	var f file
	if err := result(resp, &f); err != nil {
		return concierge.Media{}, fmt.Errorf("getFile: %w", err)
	}
	if f.FileSize > max {
		return concierge.Media{}, fmt.Errorf("getFile: %d bytes, more than %d: %w", f.FileSize, max, concierge.ErrMediaTooLarge)
	}
	if f.FilePath == "" || strings.Contains(f.FilePath, "..") {
		return concierge.Media{}, fmt.Errorf("getFile: answer without a usable file_path")
	}
	data, ctype, err := c.download(ctx, f.FilePath, max)
	if err != nil {
		return concierge.Media{}, err
	}
	return concierge.Media{ContentType: contentType(ctype, f.FilePath), Name: path.Base(f.FilePath), Data: data}, nil
}

// download gets a file by its file_path. The URL holds the bot token, so
// no error carries it.
func (c *Client) download(ctx context.Context, filePath string, max int64) ([]byte, string, error) {
	data, ctype, err := c.get(ctx, filePath, max)
	return data, ctype, c.redact(err)
}

func (c *Client) get(ctx context.Context, filePath string, max int64) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.files+"/"+filePath, nil)
	if err != nil {
		return nil, "", errors.New("download: bad file_path")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("download %s: %w", filePath, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, "", fmt.Errorf("download %s: HTTP %d: %w", filePath, resp.StatusCode, concierge.ErrMediaGone)
	case resp.StatusCode/100 != 2:
		return nil, "", fmt.Errorf("download %s: HTTP %d", filePath, resp.StatusCode)
	case resp.ContentLength > max:
		return nil, "", fmt.Errorf("download %s: %d bytes, more than %d: %w", filePath, resp.ContentLength, max, concierge.ErrMediaTooLarge)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, "", fmt.Errorf("download %s: %w", filePath, err)
	}
	if int64(len(data)) > max {
		return nil, "", fmt.Errorf("download %s: more than %d bytes: %w", filePath, max, concierge.ErrMediaTooLarge)
	}
	return data, resp.Header.Get("Content-Type"), nil
}

// telegramTypes are the content types of the extensions Telegram gives
// its files, which Go's built-in table lacks (voice notes are .oga).
var telegramTypes = map[string]string{
	".oga": "audio/ogg", ".ogg": "audio/ogg", ".mp3": "audio/mpeg", ".m4a": "audio/mp4",
	".mp4": "video/mp4", ".webm": "video/webm", ".mov": "video/quicktime",
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
	".tgs": "application/x-tgsticker",
}

// contentType is the file server's Content-Type, unless it says only
// "bytes", when the file's extension says more.
func contentType(header, filePath string) string {
	mt, _, _ := mime.ParseMediaType(header)
	if mt != "" && mt != "application/octet-stream" {
		return header
	}
	ext := strings.ToLower(path.Ext(filePath))
	if t, ok := telegramTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

package handoff

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
)

// Media is where the file of a customer's media message stands (a photo
// of a broken lamp, a voice note): cmd/concierge's fetch loop downloads
// it from the platform after the message came.
type Media struct {
	ID          int64  // its id in /inbox/media/{id}
	Kind        string // image, audio, voice, video, document, sticker
	Status      string // pending, fetched, failed, too_large, gone
	ContentType string
	Name        string
	Size        int64
	Error       string // why it failed
}

// MediaFile is a file with its bytes, as GET /inbox/media/{id} serves it.
type MediaFile struct {
	Media
	Bot       concierge.BotID // the bot of its conversation: who may see it
	Data      []byte          // nil unless fetched
	FetchedAt time.Time
}

// MediaStore is what the media route reads; Store includes it.
type MediaStore interface {
	// MediaFile returns file id, or an error wrapping
	// concierge.ErrNotFound.
	MediaFile(ctx context.Context, id int64) (*MediaFile, error)
}

// inlineTypes are the content types served as themselves: images, sound,
// video and PDF that browsers show without running anything in the
// inbox's origin. Anything else (HTML, SVG, scripts …) could, so it is
// served as a download.
var inlineTypes = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/webp": true, "image/gif": true,
	"audio/ogg": true, "audio/mpeg": true, "audio/mp4": true, "video/mp4": true,
	"application/pdf": true,
}

// safeType returns the media type of ct when it may be served inline,
// or "".
func safeType(ct string) string {
	t, _, err := mime.ParseMediaType(ct)
	if err != nil || !inlineTypes[t] {
		return ""
	}
	return t
}

// media serves a fetched file to a person who sees its conversation's
// bot; anyone else gets the same 404 as for a file that does not exist.
func (in *Inbox) media(w http.ResponseWriter, r *http.Request) {
	notFound := concierge.Errorf(concierge.CodeNotFound, "inbox", "no such file")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		in.fail(w, r, notFound)
		return
	}
	f, err := in.cfg.Store.MediaFile(r.Context(), id)
	if err != nil {
		in.fail(w, r, err)
		return
	}
	if !sessionOf(r).person.Sees(f.Bot) || f.Status != "fetched" {
		in.fail(w, r, notFound)
		return
	}
	h := w.Header()
	// The file is the customer's: it must never run as a page of the
	// inbox (stored XSS), whatever it claims to be.
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	if t := safeType(f.ContentType); t != "" {
		h.Set("Content-Type", t)
		h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": fileName(f)}))
	} else {
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": fileName(f)}))
	}
	h.Set("Content-Length", strconv.Itoa(len(f.Data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(f.Data)
	}
}

// fileName is the name a download is saved under: the platform's, or
// one made of the kind and id.
func fileName(f *MediaFile) string {
	if n := strings.TrimSpace(f.Name); n != "" {
		return n
	}
	return fmt.Sprintf("%s-%d", f.Kind, f.ID)
}

// mediaView is what the transcript shows of a file.
type mediaView struct {
	URL   string
	Show  string // "image", "audio", "video", "file", "pending", "problem"
	Label string // the name and size of a download, or what went wrong
}

// viewOf says how the transcript shows m.
func viewOf(m *Media) *mediaView {
	v := &mediaView{URL: fmt.Sprintf("/inbox/media/%d", m.ID)}
	switch m.Status {
	case "pending":
		v.Show, v.Label = "pending", "downloading…"
		return v
	case "too_large":
		v.Show, v.Label = "problem", "not downloaded: the file is too large"
		return v
	case "gone":
		v.Show, v.Label = "problem", "not downloaded: the platform no longer has the file"
		return v
	case "failed":
		v.Show, v.Label = "problem", "not downloaded: "+m.Error
		return v
	case "fetched":
	default:
		v.Show, v.Label = "problem", "unknown state "+m.Status
		return v
	}
	name := strings.TrimSpace(m.Name)
	if name == "" {
		name = fmt.Sprintf("%s-%d", m.Kind, m.ID)
	}
	v.Label = name + " (" + byteSize(m.Size) + ")"
	t := safeType(m.ContentType)
	switch {
	case strings.HasPrefix(t, "image/"):
		v.Show = "image"
	case strings.HasPrefix(t, "audio/"):
		v.Show = "audio"
	case strings.HasPrefix(t, "video/"):
		v.Show = "video"
	default:
		v.Show = "file"
	}
	return v
}

// byteSize writes n bytes for people: 512 B, 3.4 KB, 2.1 MB.
func byteSize(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
}

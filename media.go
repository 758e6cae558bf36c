package concierge

import (
	"errors"
	"time"
)

// Media is a file a customer sent (a photo of a broken lamp, a voice
// note), downloaded from the platform so that people in the inbox can see
// it: platforms' links expire (WhatsApp's after minutes, Telegram's after
// an hour) and need the bot's credentials.
//
// An EventMedia whose Value is "KIND:REF" names it: KIND is the platform's
// kind of media ("image", "audio", "voice", "video", "document",
// "sticker"), REF what the channel's adapter needs to fetch it (a WhatsApp
// media id, a Telegram file_id, a WeChat MediaId). The adapter that made
// the event fetches it with FetchMedia(ctx, REF, max).
type Media struct {
	ContentType string // as the platform declared it, e.g. "image/jpeg"
	Name        string // a file name when the platform gave one
	Data        []byte
}

// ErrMediaTooLarge is returned by an adapter's FetchMedia for a file over
// the size asked for: it is not downloaded, and no retry will help.
var ErrMediaTooLarge = errors.New("media too large")

// ErrMediaGone is returned by FetchMedia when the platform no longer has
// the file (expired or deleted): no retry will help either.
var ErrMediaGone = errors.New("media no longer available")

// MediaStatus is what became of a customer's file.
type MediaStatus string

// The media statuses.
const (
	MediaPending  MediaStatus = "pending"   // not fetched yet, or to be tried again
	MediaFetched  MediaStatus = "fetched"   // downloaded; the inbox shows it
	MediaFailed   MediaStatus = "failed"    // attempts used up, or the channel cannot fetch media
	MediaTooLarge MediaStatus = "too_large" // over the size asked for (ErrMediaTooLarge)
	MediaGone     MediaStatus = "gone"      // the platform no longer has it (ErrMediaGone)
)

// MediaJob is one customer's file leased for fetching: the store records
// it as pending when its message is ingested, and the media fetcher claims
// it.
type MediaJob struct {
	ID       int64  // the inbound message's id; the file's id in the inbox
	Token    string // the lease's owner; finishing the job needs it
	Attempts int    // fetches tried before this one

	Bot          BotID
	Conversation ConversationID
	Channel      Channel
	Kind         string // image, audio, voice, video, document, sticker
	Ref          string // what the channel's MediaFetcher fetches it with
	// Hear is set for a voice note without words (no caption, no
	// platform recognition): its conversation waits until the fetcher
	// reports a Hearing with the result.
	Hear bool
}

// MediaResult is what became of one fetch of a leased file.
type MediaResult struct {
	Status MediaStatus // MediaPending means try again at Next
	Next   time.Time
	Media  *Media // the file, for MediaFetched
	Error  string
	// Heard, for a job with Hear, releases its message to the turn
	// runner with the transcript or the reason there is none; the store
	// writes it in the transaction that records the fetch.
	Heard *Hearing
}

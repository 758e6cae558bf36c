package concierge

import "errors"

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

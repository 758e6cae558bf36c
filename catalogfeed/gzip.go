package catalogfeed

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// ErrTooLarge is a feed over its size cap; for a compressed feed the cap
// holds for the decompressed bytes, so that a small gzip bomb is refused
// as a large feed is.
var ErrTooLarge = errors.New("the feed is larger than the size cap")

// DefaultMaxGunzipped caps a gzip-compressed feed file once decompressed:
// about twice a million-product feed. (A url feed has its own cap,
// livecatalog.DefaultMaxBytes.)
const DefaultMaxGunzipped = 1 << 30

// IsGzip reports whether b starts with gzip's magic number: no feed
// format starts with these bytes, so a compressed feed is known by its
// content whatever its name or Content-Type says.
func IsGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// Gunzip reads the whole gzip stream r (several members are concatenated,
// as gzip(1) writes them) and returns the decompressed bytes. More than
// max of them is ErrTooLarge: decompression stops there, nothing is
// returned. A stream cut short or corrupt is an error too, so a feed is
// never read in part.
func Gunzip(r io.Reader, max int64) ([]byte, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("not a gzip stream: %w", err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(zr, max+1))
	if err != nil {
		return nil, fmt.Errorf("decompressing the feed: %w", err)
	}
	if n > max {
		return nil, fmt.Errorf("%w: over %d bytes once decompressed", ErrTooLarge, max)
	}
	return buf.Bytes(), nil
}

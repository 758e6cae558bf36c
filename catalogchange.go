package concierge

import "time"

// CatalogChange is one product changed through the catalog API, as the
// store keeps it for every replica: Patch is the change as package
// livecatalog encodes it (the store does not read it), Deleted withdraws
// the product, and Version orders the changes of one bot.
type CatalogChange struct {
	SKU     SKU
	Patch   []byte
	Deleted bool
	Version int64
}

// CatalogFeedCopy is the last good read of a url catalog source, as the
// store keeps it for restarts and replicas: Body is the feed as package
// livecatalog encodes it (the store does not read it), ETag and
// LastModified the validators of that read, and FetchedAt when the feed
// was last fetched or found unchanged.
//
// Version counts the good reads stored, so that a replica tells a newer
// copy from the one it serves (0: no good read yet). CheckedAt and
// LastError say how the last attempt of any replica went ("" when it
// worked), so that every replica reports a failing feed.
type CatalogFeedCopy struct {
	Source             string
	Body               []byte
	ETag, LastModified string
	FetchedAt          time.Time
	Version            int64
	CheckedAt          time.Time
	LastError          string
}

package seller

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

// fakeLinks is a LinkStore with one person, ann.
type fakeLinks struct {
	stored []concierge.LinkCode
	fail   error
}

func (f *fakeLinks) InboxUser(ctx context.Context, name string) (*concierge.Person, error) {
	if name != "ann" {
		return nil, concierge.ErrNotFound
	}
	return &concierge.Person{ID: 7, Name: name}, nil
}

func (f *fakeLinks) CreateLinkCode(ctx context.Context, c concierge.LinkCode) error {
	if f.fail != nil {
		return f.fail
	}
	f.stored = append(f.stored, c)
	return nil
}

// TestLink: a known person gets a code whose row is stored for them; an
// unknown name, a channel without links and a store failure store
// nothing and say why.
func TestLink(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := &fakeLinks{}
	code, err := Link(ctx, s, "ann", concierge.ChannelTelegram, "42", now)
	if err != nil || FindCode(code) != code || len(s.stored) != 1 {
		t.Fatalf("Link: %q, %v, %d rows", code, err, len(s.stored))
	}
	if r := s.stored[0]; r.Person != 7 || r.Channel != concierge.ChannelTelegram || r.Account != "42" || !r.ExpiresAt.Equal(now.Add(CodeTTL)) {
		t.Errorf("stored %+v", r)
	}
	for name, tt := range map[string]struct {
		person string
		ch     concierge.Channel
		fail   error
		want   string
	}{
		"unknown person": {"bob", concierge.ChannelTelegram, nil, `no person named "bob"`},
		"no links there": {"ann", concierge.ChannelCLI, nil, "cli"},
		"store fails":    {"ann", concierge.ChannelWeb, errors.New("disk full"), "disk full"},
	} {
		s := &fakeLinks{fail: tt.fail}
		if _, err := Link(ctx, s, tt.person, tt.ch, "", now); err == nil || !strings.Contains(err.Error(), tt.want) || len(s.stored) != 0 {
			t.Errorf("%s: %v (want %q), %d rows stored", name, err, tt.want, len(s.stored))
		}
	}
}

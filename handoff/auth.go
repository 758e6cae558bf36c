package handoff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/conciergehq/concierge"
)

// MinPassword is the shortest password HashPassword accepts.
const MinPassword = 10

// HashPassword hashes a password with bcrypt at its default cost.
func HashPassword(pw string) (string, error) {
	if len(pw) < MinPassword {
		return "", concierge.Errorf(concierge.CodeInvalid, "password", "a password has at least %d characters", MinPassword)
	}
	if len(pw) > 72 {
		// bcrypt reads 72 bytes; more would be silently ignored.
		return "", concierge.Errorf(concierge.CodeInvalid, "password", "a password has at most 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", errorf("hash password: %w", err)
	}
	return string(h), nil
}

// dummyHash is compared against when the name is unknown, so that a wrong
// name takes as long as a wrong password.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("not a password of anyone"), bcrypt.DefaultCost)
	return h
})

// sessionTTL is how long a sign-in lasts.
const sessionTTL = 12 * time.Hour

// session is a signed-in request's person and form token.
type session struct {
	person *concierge.Person
	csrf   string
}

type ctxKey struct{}

func sessionOf(r *http.Request) *session {
	s, _ := r.Context().Value(ctxKey{}).(*session)
	return s
}

func randomToken() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand documents it)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

// cookieName is __Host- prefixed when the cookie is Secure: the browser
// then refuses it from any other host or path, or over plain HTTP.
func (in *Inbox) cookieName() string {
	if in.cfg.Secure {
		return "__Host-concierge_inbox"
	}
	return "concierge_inbox"
}

func (in *Inbox) setCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: in.cookieName(), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: in.cfg.Secure, SameSite: http.SameSiteLaxMode,
	})
}

// signIn checks a name and password and opens a session.
func (in *Inbox) signIn(ctx context.Context, w http.ResponseWriter, name, pw string) error {
	p, err := in.cfg.Store.Person(ctx, name)
	if err != nil && !errors.Is(err, concierge.ErrNotFound) {
		return err
	}
	hash := dummyHash()
	if p != nil {
		hash = []byte(p.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(pw)) != nil || p == nil {
		return concierge.Errorf(concierge.CodeUnauthorized, "sign in", "wrong name or password")
	}
	token := randomToken()
	if err := in.cfg.Store.CreateSession(ctx, hashToken(token), p.ID, randomToken(), in.cfg.Now().Add(sessionTTL)); err != nil {
		return err
	}
	in.setCookie(w, token, int(sessionTTL/time.Second))
	return nil
}

// authed wraps h so that it runs only with a session; a request without
// one is sent to the sign-in page (or gets 401 when it is not a page
// load). A POST must also carry the session's form token.
func (in *Inbox) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(in.cookieName())
		var s *session
		if err == nil && c.Value != "" {
			p, csrf, err := in.cfg.Store.Session(r.Context(), hashToken(c.Value))
			if err != nil && !errors.Is(err, concierge.ErrNotFound) {
				in.fail(w, r, err)
				return
			}
			if p != nil {
				s = &session{person: p, csrf: csrf}
			}
		}
		if s == nil {
			if r.Method == http.MethodGet && r.Header.Get("Accept") != "text/event-stream" {
				http.Redirect(w, r, "/inbox/signin", http.StatusSeeOther)
				return
			}
			in.fail(w, r, concierge.Errorf(concierge.CodeUnauthorized, "inbox", "sign in first"))
			return
		}
		if r.Method == http.MethodPost {
			got := r.PostFormValue("csrf")
			if subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) != 1 {
				in.fail(w, r, errForbidden("the form is out of date or came from elsewhere; reload the page and try again"))
				return
			}
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, s)))
	}
}

// forbidden is an error mapped to 403.
type forbidden struct{ msg string }

func (e *forbidden) Error() string { return e.msg }

func errForbidden(msg string) error { return &forbidden{msg} }

// The sign-in limit: after SignInAttempts failures within SignInWindow
// for one address or one name, sign-in answers 429. The failures are
// counted in the Store, so every replica sees the same ones.

// signInAllowed reports whether another attempt may be made for keys.
// Attempts in flight at once may each pass before their failures are
// recorded; their number is bounded by what one client can send
// concurrently, and each still costs a bcrypt comparison.
func (in *Inbox) signInAllowed(ctx context.Context, keys []string) (bool, error) {
	since := in.cfg.Now().Add(-in.cfg.SignInWindow)
	for _, k := range keys {
		n, err := in.cfg.Store.SignInFailures(ctx, k, since)
		if err != nil {
			return false, err
		}
		if n >= in.cfg.SignInAttempts {
			return false, nil
		}
	}
	return true, nil
}

// signInFailed records a failure under keys, forgetting those that
// have left the window.
func (in *Inbox) signInFailed(ctx context.Context, keys []string) error {
	now := in.cfg.Now()
	return in.cfg.Store.RecordSignInFailure(ctx, keys, now, now.Add(-in.cfg.SignInWindow))
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func limitKeys(r *http.Request, name string) []string {
	return []string{"ip:" + clientIP(r), "name:" + strings.ToLower(name)}
}

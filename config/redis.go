package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// redisURL checks that the value at path, when set, is a Redis URL that
// the server can connect with: redis:// or rediss://, a host, an optional
// port and database number, and no options. A password in it is never
// shown in a message.
func (c *checker) redisURL(path, val string) {
	if c.failed(path) {
		return
	}
	if val == "" {
		if c.has(path) {
			c.errorf(path, "%s must not be empty; leave it out to share the token through the database", path)
		}
		return
	}
	u, err := url.Parse(val)
	if err != nil {
		c.errorf(path, "%s %s is not a URL%s", path, c.showURL(path, nil), c.hint(path, " (write it as redis://host:6379/0)"))
		return
	}
	shown := c.showURL(path, u)
	switch {
	case u.Scheme != "redis" && u.Scheme != "rediss":
		c.errorf(path, "%s %s is not a redis:// or rediss:// URL", path, shown)
	case u.Hostname() == "":
		c.errorf(path, "%s %s has no host", path, shown)
	case u.Port() != "" && !isPort(u.Port()):
		c.errorf(path, "%s %s: the port must be a number from 1 to 65535", path, shown)
	case u.RawQuery != "" || u.Fragment != "":
		c.errorf(path, "%s %s: options after ? or # are not supported", path, shown)
	default:
		db := strings.TrimPrefix(u.Path, "/")
		if n, err := strconv.Atoi(db); db != "" && (err != nil || n < 0) {
			c.errorf(path, "%s %s: the path must be a database number such as /0", path, shown)
		}
	}
}

// showURL quotes a URL for a message with its password hidden, or the
// reference as written when it came from the environment; u is nil when
// the value is not a URL, and then only its scheme-less shape is safe to
// name.
func (c *checker) showURL(path string, u *url.URL) string {
	if v, ok := c.src.at(path); ok && v.env {
		return c.show(path, "")
	}
	if u == nil {
		return "(value not shown: it may hold a password)"
	}
	return fmt.Sprintf("%q", u.Redacted())
}

func isPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= 65535
}

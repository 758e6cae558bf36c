package ucp

import (
	"context"
	"net/http"
	"strings"

	"github.com/conciergehq/concierge"
)

// UCP's protocol version negotiation (overview.md, "Versioning"): the
// business profile's ucp.version is the business's current version, and
// supported_versions maps each older version it still accepts to that
// version's own profile; when supported_versions is omitted, only
// ucp.version is accepted. Concierge speaks Version alone (its responses
// have that release's shape), so its profile omits supported_versions and
// every request whose platform declares another version is refused with
// version_unsupported, a protocol error: HTTP 422 {code, content,
// continue_url}, before anything is read or changed.

// VersionResolver is a KeyResolver that also reads the protocol version
// a platform's profile declares (its ucp.version); ProfileKeys is one.
type VersionResolver interface {
	ProtocolVersion(ctx context.Context, profileURL string) (string, error)
}

// accepts reports whether v is a protocol version this business serves.
func accepts(v string) bool { return v == Version }

// agentParams reads a UCP-Agent header, an RFC 8941 dictionary such as
// profile="https://…/.well-known/ucp". version, when the platform sends
// it, is either a member of its own (…, version="2026-04-08") or a
// parameter of profile (profile="…"; version="2026-04-08"), as the
// conformance suite and the samples send it. Quoted strings may hold ','
// and ';'.
func agentParams(header string) (profile, version string) {
	var key, val strings.Builder
	inKey, quoted, escaped := true, false, false
	flush := func() {
		k, v := strings.ToLower(strings.TrimSpace(key.String())), strings.TrimSpace(val.String())
		switch k {
		case "profile":
			if profile == "" {
				profile = v
			}
		case "version":
			if version == "" {
				version = v
			}
		}
		key.Reset()
		val.Reset()
		inKey = true
	}
	for _, c := range header {
		switch {
		case quoted && escaped:
			val.WriteRune(c)
			escaped = false
		case quoted && c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case quoted:
			val.WriteRune(c)
		case c == ',' || c == ';':
			flush()
		case inKey && c == '=':
			inKey = false
		case inKey:
			key.WriteRune(c)
		default:
			val.WriteRune(c)
		}
	}
	flush()
	return profile, version
}

// unsupported says that protocol version v is not served.
func unsupported(v string) string {
	return "Protocol version " + v + " is not supported. This business supports version " + Version + "."
}

// RefuseVersion checks the protocol version v a platform states (in the
// REST binding's UCP-Agent header, or the member version of the MCP
// binding's meta["ucp-agent"]): refused is true, with the content of the
// version_unsupported error, when this business does not serve v. A
// platform that states no version is not refused: its profile's version
// is only known when it signs (verify).
func RefuseVersion(v string) (content string, refused bool) {
	if v == "" || accepts(v) {
		return "", false
	}
	return unsupported(v), true
}

// versionUnsupported answers a request whose platform declares a
// protocol version this business does not serve: the REST binding's 422
// version_unsupported, with the web chat as the fallback.
func (h *Handler) versionUnsupported(w http.ResponseWriter, bot concierge.BotID, content string) {
	out := map[string]any{"code": "version_unsupported", "content": content}
	if shop := h.cfg.Service.Shop(bot); shop != nil && shop.WidgetURL != "" {
		out["continue_url"] = shop.WidgetURL
	}
	writeJSON(w, Status("version_unsupported"), out)
}

// authFailed answers a request verify refused: 422 when the signed
// platform's profile declares a version this business does not serve,
// 401 otherwise.
func (h *Handler) authFailed(w http.ResponseWriter, bot concierge.BotID, code, msg string) {
	if code == "version_unsupported" {
		h.versionUnsupported(w, bot, msg)
		return
	}
	protocolError(w, http.StatusUnauthorized, code, msg)
}

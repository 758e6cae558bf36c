package ucp

import "net/http"

// Status is the HTTP status of a UCP protocol error, by its code, as the
// overview's error tables give it (overview.md, "Error Handling": the
// negotiation, signature and protocol errors, each with its REST status
// and MCP code): the REST binding answers it, and over MCP's Streamable
// HTTP it is the status sent alongside the JSON-RPC error, which the
// overview says servers MUST send ("the HTTP status code is the primary
// signal"). Zero means the code is not a protocol error this business
// answers (a business outcome is HTTP 200).
func Status(code string) int {
	switch code {
	case "invalid_request", "invalid_profile_url", "digest_mismatch", "algorithm_unsupported", "request_too_large":
		return http.StatusBadRequest
	case "signature_missing", "signature_required", "signature_invalid", "key_not_found", "coverage_insufficient", "unauthorized":
		return http.StatusUnauthorized
	case "profile_not_trusted", "forbidden":
		return http.StatusForbidden
	case "not_found":
		return http.StatusNotFound
	case "idempotency_conflict", "finished", "expired", "complete_in_progress":
		// complete_in_progress: a change to a checkout whose completion
		// is being processed (the REST binding's 409, "a conflict").
		return http.StatusConflict
	case "profile_malformed", "version_unsupported":
		return http.StatusUnprocessableEntity
	case "profile_unreachable":
		return http.StatusFailedDependency
	case "rate_limited":
		return http.StatusTooManyRequests
	}
	return 0
}

// ParseAgent reads a UCP-Agent header (an RFC 8941 dictionary): the
// platform's profile URL and the protocol version it states, if any.
// The MCP binding reads it as well as meta["ucp-agent"].
func ParseAgent(header string) (profile, version string) { return agentParams(header) }

package mcp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/conciergehq/concierge/agentcommerce/ucp"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// UCP's overview says of MCP over Streamable HTTP: "servers MUST return
// the corresponding HTTP status code (e.g., 429 for rate limit)
// alongside the JSON-RPC error. The HTTP status code is the primary
// signal for error type" (overview.md, "Error Handling", "Transport
// Bindings"). The go-sdk answers every tool call with 200 and the
// response as an SSE event, so statusWriter holds the SDK's answer to a
// POST and, when it is a single JSON-RPC error with a status of its own
// (wireStatus), sends that error alone as application/json with that
// status, as the SDK itself sends its protocol errors (and as its client
// reads them back: a non-2xx body is decoded as the JSON-RPC response).
// Anything else is sent as the SDK wrote it.

// statusWriter holds a response until the handler returns.
type statusWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newStatusWriter() *statusWriter { return &statusWriter{header: http.Header{}} }

func (s *statusWriter) Header() http.Header { return s.header }

func (s *statusWriter) WriteHeader(status int) {
	if s.status == 0 {
		s.status = status
	}
}

func (s *statusWriter) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.body.Write(p)
}

// Flush does nothing: the response is sent whole once the call is
// answered (a stateless server streams nothing in between).
func (s *statusWriter) Flush() {}

// send writes the held response to w, with the status its JSON-RPC
// error calls for.
func (s *statusWriter) send(w http.ResponseWriter) {
	status := s.status
	if status == 0 {
		status = http.StatusOK
	}
	if status == http.StatusOK {
		if msg, code := errorResponse(s.header.Get("Content-Type"), s.body.Bytes()); code != 0 {
			for k, v := range s.header {
				if k != "Content-Type" && k != "Content-Length" && k != "Connection" {
					w.Header()[k] = v
				}
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			w.Write(msg)
			return
		}
	}
	for k, v := range s.header {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	w.Write(s.body.Bytes())
}

// errorResponse reads a response body (SSE or JSON): when its only
// JSON-RPC message is an error with a status of its own, it returns that
// message and the status.
func errorResponse(contentType string, body []byte) ([]byte, int) {
	var msgs [][]byte
	if strings.HasPrefix(contentType, "text/event-stream") {
		for _, event := range strings.Split(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n\n") {
			var data []string
			name := "message"
			for _, line := range strings.Split(event, "\n") {
				switch {
				case strings.HasPrefix(line, "event:"):
					name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
				case strings.HasPrefix(line, "data:"):
					data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
				}
			}
			if name == "message" && len(data) > 0 {
				msgs = append(msgs, []byte(strings.Join(data, "\n")))
			}
		}
	} else if strings.HasPrefix(contentType, "application/json") {
		msgs = append(msgs, body)
	}
	if len(msgs) != 1 {
		return nil, 0
	}
	var resp struct {
		Error *jsonrpc.Error `json:"error"`
	}
	if json.Unmarshal(msgs[0], &resp) != nil || resp.Error == nil {
		return nil, 0
	}
	code := wireStatus(resp.Error)
	if code == 0 {
		return nil, 0
	}
	return msgs[0], code
}

// wireStatus is the HTTP status of a JSON-RPC error, as the overview's
// tables pair them: UCP's negotiation (-32001) and protocol (-32000)
// errors by the code in their data (ucp.Status, the REST binding's
// status for that code), invalid params and an invalid request 400, an
// internal error 500. Zero leaves the SDK's 200.
func wireStatus(e *jsonrpc.Error) int {
	switch e.Code {
	case codeNegotiation, codeProtocol:
		var data struct {
			Code string `json:"code"`
		}
		json.Unmarshal(e.Data, &data)
		return ucp.Status(data.Code)
	case jsonrpc.CodeInvalidParams, jsonrpc.CodeInvalidRequest:
		return http.StatusBadRequest
	case jsonrpc.CodeInternalError:
		return http.StatusInternalServerError
	}
	return 0
}

package concierge

import (
	"errors"
	"fmt"
)

// Code is the kind of a domain error. The set is small and closed so that
// one place (webhooks) maps each to an HTTP status.
type Code string

// The error codes.
const (
	CodeInvalid      Code = "invalid"      // bad input; nothing was changed
	CodeNotFound     Code = "not_found"    // the thing does not exist
	CodeConflict     Code = "conflict"     // state does not allow it (paid order, empty cart)
	CodeUnauthorized Code = "unauthorized" // signature or secret did not verify
	CodeUnavailable  Code = "unavailable"  // a dependency is down; retry later
	CodeInternal     Code = "internal"     // a bug or an unexpected failure
)

// Error is a domain error: a code, the operation that failed, a message safe
// to show a user, and the underlying cause.
type Error struct {
	Code    Code
	Op      string
	Message string
	Err     error
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	} else if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.Op != "" {
		return e.Op + ": " + msg
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, op, format string, args ...any) *Error {
	return &Error{Code: code, Op: op, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or
// CodeInternal when there is none.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return CodeInternal
}

// ErrorMessage returns the user-safe message of the first *Error in err's
// chain, or a generic one.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "internal error"
}

// Sentinel errors that callers compare with errors.Is.
var (
	ErrNotFound      = &Error{Code: CodeNotFound, Message: "not found"}
	ErrDuplicate     = &Error{Code: CodeConflict, Message: "already processed"}
	ErrUnauthorized  = &Error{Code: CodeUnauthorized, Message: "signature or secret did not verify"}
	ErrEmptyCart     = &Error{Code: CodeConflict, Message: "the cart is empty"}
	ErrOutOfStock    = &Error{Code: CodeConflict, Message: "not enough stock"}
	ErrBadTransition = &Error{Code: CodeConflict, Message: "order state does not allow this"}
	ErrUndeliverable = &Error{Code: CodeConflict, Message: "the recipient cannot be reached"}
)

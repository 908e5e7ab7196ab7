package live

import (
	"errors"
	"fmt"
)

// Kind is the class of a runtime error; callers decide on it with errors.Is (the HTTP edge maps
// each kind to a status).
type Kind string

func (k Kind) Error() string { return string(k) }

// Error kinds.
const (
	// ErrNotFound: no such show, draft or held message.
	ErrNotFound Kind = "not found"
	// ErrConflict: the request does not fit the show's state (a decided draft, a show already live).
	ErrConflict Kind = "conflict"
	// ErrInvalid: the input is wrong (an unknown SKU, an empty text, a line outside the script).
	ErrInvalid Kind = "invalid"
	// ErrUnavailable: a dependency (the event log, the catalog) failed; Error.Dependency names it.
	ErrUnavailable Kind = "unavailable"
	// ErrNotOwner: another node runs the show's writes (several nodes share shows); the caller
	// sends the request to the show's owner.
	ErrNotOwner Kind = "not owner"
	// ErrClosed: the runtime is shutting down.
	ErrClosed Kind = "closed"
)

// Error is a runtime error of a Kind, with a message for the person who made the request.
type Error struct {
	Kind Kind
	Msg  string
	// Dependency names what failed for ErrUnavailable ("catalog", "event log").
	Dependency string
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotFound) and friends work.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

func notFoundf(format string, args ...any) error {
	return &Error{Kind: ErrNotFound, Msg: fmt.Sprintf(format, args...)}
}

func conflictf(format string, args ...any) error {
	return &Error{Kind: ErrConflict, Msg: fmt.Sprintf(format, args...)}
}

func invalidf(format string, args ...any) error {
	return &Error{Kind: ErrInvalid, Msg: fmt.Sprintf(format, args...)}
}

// unavailable wraps a dependency's failure; an error that already has a kind keeps it.
func unavailable(dep, doing string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Kind: ErrUnavailable, Dependency: dep, Msg: fmt.Sprintf("%s unavailable while %s", dep, doing), Err: err}
}

var errClosed = &Error{Kind: ErrClosed, Msg: "the show runtime is shutting down"}

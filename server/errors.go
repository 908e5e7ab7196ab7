package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"

	"github.com/labstack/echo/v4"

	"github.com/livehost/livehost/live"
)

// apiError is the one error shape of the API: {"error":"…"}, saying what is wrong.
type apiError struct {
	Error string `json:"error"`
}

func errorf(code int, format string, args ...any) *echo.HTTPError {
	return echo.NewHTTPError(code, fmt.Sprintf(format, args...))
}

// handleError writes every error as JSON. Echo's own errors (404 route, 405) keep their status.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code := http.StatusInternalServerError
	msg := "internal error"
	var he *echo.HTTPError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		code = he.Code
		switch m := he.Message.(type) {
		case string:
			msg = m
		case error:
			msg = m.Error()
		default:
			msg = http.StatusText(code)
		}
		if he.Internal != nil && code >= 500 {
			level := slog.LevelError
			if code == http.StatusServiceUnavailable {
				level = slog.LevelWarn // a dependency down is logged where it fails
			}
			s.log.Log(c.Request().Context(), level, "request failed", "status", code, "err", he.Internal, "path", c.Path(), "request_id", requestID(c))
		}
	case errors.As(err, &mbe):
		code = http.StatusRequestEntityTooLarge
		msg = fmt.Sprintf("request body is larger than %d bytes", mbe.Limit)
	default:
		s.log.Error("request failed", "err", err, "path", c.Path(), "request_id", requestID(c))
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(code)
		return
	}
	_ = c.JSON(code, apiError{Error: msg})
}

// httpErr gives a runtime error its status: 404 unknown, 409 conflicting state, 400 bad input,
// 503 a dependency down or shutting down (the message names the dependency). Anything else is a
// 500 and logged.
func (s *Server) httpErr(err error) error {
	var he *echo.HTTPError
	if err == nil || errors.As(err, &he) {
		return err
	}
	code := 0
	switch {
	case errors.Is(err, live.ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, live.ErrConflict):
		code = http.StatusConflict
	case errors.Is(err, live.ErrInvalid):
		code = http.StatusBadRequest
	case errors.Is(err, live.ErrNotOwner):
		// The show moved while the request was on its way; the node that sent it tries the new
		// owner (421: this server is not the one to answer).
		code = http.StatusMisdirectedRequest
	case errors.Is(err, live.ErrUnavailable), errors.Is(err, live.ErrClosed):
		code = http.StatusServiceUnavailable
	default:
		return err
	}
	return &echo.HTTPError{Code: code, Message: err.Error(), Internal: err}
}

// decodeJSON reads the body as one JSON value into v and reports where it is malformed.
func decodeJSON(c echo.Context, v any) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errorf(http.StatusRequestEntityTooLarge, "request body is larger than %d bytes", mbe.Limit)
		}
		return errorf(http.StatusBadRequest, "reading request body: %v", err)
	}
	return unmarshalBody(body, v)
}

// unmarshalBody decodes body into v, rejecting unknown fields and trailing data.
func unmarshalBody(body []byte, v any) error {
	if len(body) == 0 {
		return errorf(http.StatusBadRequest, "request body is empty; a JSON value is required")
	}
	if err := checkJSON(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errorf(http.StatusBadRequest, "%s", describeJSONError(body, err, dec.InputOffset()))
	}
	if dec.More() {
		return errorf(http.StatusBadRequest, "malformed JSON at %s: unexpected data after the JSON value", position(body, dec.InputOffset()))
	}
	return nil
}

func describeJSONError(body []byte, err error, off int64) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		// Offset counts the bytes read including the offending one.
		return fmt.Sprintf("malformed JSON at %s: %v", position(body, se.Offset-1), se)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "the body"
		} else {
			field = "field " + field
		}
		return fmt.Sprintf("malformed JSON at %s: %s must be %s, not %s", position(body, te.Offset), field, jsonKind(te.Type), te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Sprintf("malformed JSON at %s: unexpected end of input", position(body, int64(len(body))))
	default:
		// json reports unknown fields only as text: `json: unknown field "x"`.
		return fmt.Sprintf("malformed JSON at %s: %s", position(body, off), trimJSONPrefix(err.Error()))
	}
}

// position names a 0-based byte offset of body as "byte N (line L, column C)".
func position(body []byte, off int64) string {
	off = max(0, min(off, int64(len(body))))
	line, col := 1, 1
	for _, b := range body[:off] {
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("byte %d (line %d, column %d)", off, line, col)
}

func trimJSONPrefix(s string) string {
	const p = "json: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// logAttrs is the request-scoped logger.
func (s *Server) reqLog(c echo.Context) *slog.Logger {
	return s.log.With("request_id", requestID(c))
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// jsonKind names what a Go type is in JSON, so that messages never show Go type names.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a value"
}

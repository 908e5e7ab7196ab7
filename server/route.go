package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/livehost/livehost/live"
)

// Router sends a request for a show to the node that owns it when several nodes share shows
// (package cluster implements it). Reads are answered by any node from its own fold of the log;
// writes, the avatar's controls, connector webhooks and voice sessions run on the owner.
type Router interface {
	// Forward answers req on the node that owns showID and reports handled; false means this
	// node owns the show and serves the request itself. body is the request body, already read.
	Forward(ctx context.Context, showID string, req *http.Request, body []byte, w http.ResponseWriter) (handled bool, err error)
}

// ForwardedHeader marks a request one node handed to another, which serves it itself.
const ForwardedHeader = "X-Livehost-Forwarded"

// ErrMoved is what Router.Forward wraps when the show's owner could not be reached in time; the
// client gets a 503 and may retry (a chat message with an id is logged once however often it is
// sent).
var ErrMoved = errors.New("the show's node could not be reached")

// route hands requests for shows owned elsewhere to their owner.
func (s *Server) route(next echo.HandlerFunc) echo.HandlerFunc {
	if s.opt.Router == nil {
		return next
	}
	return func(c echo.Context) error {
		req := c.Request()
		showID := s.routedShow(c)
		if showID == "" {
			return next(c)
		}
		if req.Header.Get(ForwardedHeader) != "" {
			if !s.rt.Owns(showID) {
				// The show moved after the sending node looked: it asks the new owner.
				return errorf(http.StatusMisdirectedRequest, "show %s is run by another node", showID)
			}
			return next(c)
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return err // the body limit's 413, or a broken connection
		}
		for try := 0; ; try++ {
			req.Body = io.NopCloser(bytes.NewReader(body))
			handled, err := s.opt.Router.Forward(req.Context(), showID, req, body, c.Response())
			if err != nil {
				return errorf(http.StatusServiceUnavailable, "show %s: %v", showID, err)
			}
			if handled {
				return nil
			}
			err = next(c)
			// The show left this node between the look and the write (a drain, a lost lease):
			// nothing was applied, so the owner gets it.
			if errors.Is(err, live.ErrNotOwner) && !c.Response().Committed && try < 3 {
				continue
			}
			return err
		}
	}
}

// routedShow is the show whose owner must serve this request, or "" when any node can.
func (s *Server) routedShow(c echo.Context) string {
	method := c.Request().Method
	read := method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
	path := c.Path()
	switch {
	case strings.HasPrefix(path, "/whip/"):
		id, _, _ := strings.Cut(c.Param("*"), "/")
		return id
	case strings.HasPrefix(path, "/api/drafts/:draft"):
		if id, ok := s.rt.DraftShow(c.Param("draft")); ok {
			return id
		}
		return ""
	case strings.HasPrefix(path, "/api/shows/:id/avatar/"), strings.HasPrefix(path, "/api/shows/:id/webhook/"):
		return c.Param("id") // runners and connectors live on the owner, reads included
	case strings.HasPrefix(path, "/api/shows/:id/") && !read:
		return c.Param("id")
	}
	return ""
}

package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/livehost/livehost/show"
)

// maxScript bounds a host script in runes: a long show's talking points, well under the log's
// payload limit even in UTF-8.
const maxScript = 50000

// SetScript gives a show its host script (lines separated by newlines; "" removes it). The
// teleprompter shows it and final transcript segments move the host's place in it.
func (s *Server) SetScript(ctx context.Context, showID, text, by string) (int64, error) {
	rt, err := s.runtime(ctx, showID)
	if err != nil {
		return 0, err
	}
	return s.setScript(ctx, rt, text, by)
}

func (s *Server) setScript(ctx context.Context, rt *showRuntime, text, by string) (int64, error) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if !utf8.ValidString(text) {
		return 0, &stateError{http.StatusBadRequest, "script is not valid UTF-8"}
	}
	if n := utf8.RuneCountInString(text); n > maxScript {
		return 0, &stateError{http.StatusBadRequest, fmt.Sprintf("script is %d characters, longer than %d", n, maxScript)}
	}
	out, err := s.appendEvents(ctx, rt, func(v *view, next int64) ([]show.NewEvent, error) {
		return []show.NewEvent{event(show.TypeScriptSet, show.ScriptSet{Text: text, By: by})}, nil
	})
	if err != nil {
		return 0, err
	}
	return out[0].Seq, nil
}

type scriptReq struct {
	Text *string `json:"text"`
}

// putScript is PUT /api/shows/:id/script {"text": "…"}.
func (s *Server) putScript(c echo.Context) error {
	rt, err := s.showFor(c, RoleHost, RoleModerator)
	if err != nil {
		return err
	}
	var req scriptReq
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Text == nil {
		return errorf(http.StatusBadRequest, `"text" is required ("" removes the script)`)
	}
	seq, err := s.setScript(c.Request().Context(), rt, *req.Text, who(c))
	if err != nil {
		return s.httpErr(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"seq": seq})
}

type scriptPositionReq struct {
	Line *int `json:"line"`
}

// postScriptPosition is POST /api/shows/:id/script/position {"line": N}: the host puts the place at
// the start of a line by hand (a tap on the teleprompter), when following went wrong or the host
// jumps ahead; speech is followed from there.
func (s *Server) postScriptPosition(c echo.Context) error {
	rt, err := s.showFor(c, RoleHost, RoleModerator)
	if err != nil {
		return err
	}
	var req scriptPositionReq
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Line == nil {
		return errorf(http.StatusBadRequest, `"line" is required (0-based)`)
	}
	line := *req.Line
	var pos show.ScriptPosition
	out, err := s.appendEvents(c.Request().Context(), rt, func(v *view, next int64) ([]show.NewEvent, error) {
		if v.script == "" {
			return nil, conflictf("show %s has no script", rt.id)
		}
		lines := strings.Split(v.script, "\n")
		if line < 0 || line >= len(lines) {
			return nil, &stateError{http.StatusBadRequest, fmt.Sprintf("line %d is outside the script (lines 0–%d)", line, len(lines)-1)}
		}
		off := 0
		for _, l := range lines[:line] {
			off += utf8.RuneCountInString(l) + 1
		}
		pos = show.ScriptPosition{Offset: off, Line: line, Score: 1}
		return []show.NewEvent{event(show.TypeScriptPosition, pos)}, nil
	})
	if err != nil {
		return s.httpErr(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"seq": out[0].Seq, "offset": pos.Offset, "line": pos.Line})
}

// LogDropped records that a piece of a show host's speech was never transcribed, so the
// teleprompter can say that what was said then went unchecked.
func (s *Server) LogDropped(ctx context.Context, showID string, d show.TranscriptDropped) (int64, error) {
	rt, err := s.runtime(ctx, showID)
	if err != nil {
		return 0, err
	}
	out, err := s.appendEvents(ctx, rt, func(v *view, next int64) ([]show.NewEvent, error) {
		return []show.NewEvent{event(show.TypeTranscriptDropped, d)}, nil
	})
	if err != nil {
		return 0, err
	}
	return out[0].Seq, nil
}

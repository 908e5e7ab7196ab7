package server

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

// who names the caller in the log ("by").
func who(c echo.Context) string {
	g := grantOf(c)
	if g.Label != "" {
		return g.Label
	}
	h, _ := c.Get(ctxToken).(string)
	if len(h) > 6 {
		h = h[:6]
	}
	return string(g.Role) + "-" + h
}

// showID checks the caller's role on the show named in the path and returns its ID.
func showID(c echo.Context, roles ...Role) (string, error) {
	id := c.Param("id")
	if err := allow(c, id, roles...); err != nil {
		return "", err
	}
	return id, nil
}

func (s *Server) listShows(c echo.Context) error {
	if err := allow(c, ""); err != nil {
		return err
	}
	shows, err := s.rt.ListShows(c.Request().Context())
	if err != nil {
		return s.httpErr(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"shows": shows})
}

type createShowReq struct {
	ID     string   `json:"id"`
	Title  string   `json:"title"`
	Lineup []string `json:"lineup"`
	Mode   string   `json:"mode"`
}

func (s *Server) createShow(c echo.Context) error {
	if err := allow(c, ""); err != nil {
		return err
	}
	var req createShowReq
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	info, err := s.rt.CreateShow(c.Request().Context(), show.Show{ID: req.ID, Title: req.Title, Lineup: req.Lineup, Mode: req.Mode})
	if err != nil {
		return s.httpErr(err)
	}
	s.reqLog(c).Info("show created", "show", info.ID, "title", info.Title, "lineup", len(info.Lineup))
	return c.JSON(http.StatusCreated, info)
}

func (s *Server) getShow(c echo.Context) error {
	id, err := showID(c, RoleModerator, RoleHost, RoleIngest, RoleOverlay)
	if err != nil {
		return err
	}
	info, err := s.rt.Show(c.Request().Context(), id)
	if err != nil {
		return s.httpErr(err)
	}
	return c.JSON(http.StatusOK, info)
}

func (s *Server) getState(c echo.Context) error {
	// Not for overlays: the state holds held and blocked messages, which viewers must not see.
	id, err := showID(c, RoleModerator, RoleHost)
	if err != nil {
		return err
	}
	snap, err := s.rt.State(c.Request().Context(), id)
	if err != nil {
		return s.httpErr(err)
	}
	return c.JSON(http.StatusOK, snap)
}

func (s *Server) getProducts(c echo.Context) error {
	id, err := showID(c, RoleModerator, RoleHost, RoleOverlay)
	if err != nil {
		return err
	}
	var skus []string
	if q := c.QueryParam("sku"); q != "" {
		skus = strings.Split(q, ",")
	}
	out, err := s.rt.Products(c.Request().Context(), id, skus)
	if err != nil {
		return s.httpErr(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"products": out})
}

type tokenReq struct {
	Role  string `json:"role"`
	Label string `json:"label"`
}

func (s *Server) createToken(c echo.Context) error {
	if err := allow(c, ""); err != nil {
		return err
	}
	info, err := s.rt.Show(c.Request().Context(), c.Param("id"))
	if err != nil {
		return s.httpErr(err)
	}
	var req tokenReq
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	role, err := ParseRole(req.Role)
	if err != nil || role == RoleAdmin {
		return errorf(http.StatusBadRequest, "role %q: want one of moderator, host, ingest, overlay", req.Role)
	}
	if len(req.Label) > 100 {
		return errorf(http.StatusBadRequest, "label is longer than 100 bytes")
	}
	tok, err := s.auth.create(c.Request().Context(), Grant{Role: role, Show: info.ID, Label: req.Label})
	if err != nil {
		return err
	}
	s.reqLog(c).Info("token created", "show", info.ID, "role", role, "label", req.Label)
	return c.JSON(http.StatusCreated, map[string]string{"token": tok, "role": string(role), "show": info.ID, "label": req.Label})
}

func (s *Server) postChat(c echo.Context) error {
	id, err := showID(c, RoleIngest)
	if err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	msgs, batch, err := parseChatBody(body, s.opt.MaxBatch)
	if err != nil {
		return err
	}
	th, _ := c.Get(ctxToken).(string)
	if wait, ok := s.limiter.take(th, len(msgs), time.Now()); !ok {
		return errorf(http.StatusRequestEntityTooLarge, "%d messages in one request, more than the rate limit burst of %d", len(msgs), s.opt.IngestBurst)
	} else if wait > 0 {
		s.m.rateLimited.Inc()
		c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
		return errorf(http.StatusTooManyRequests, "ingest rate limit of %g messages/s for this token reached; retry after %s", s.opt.IngestRate, wait.Round(time.Millisecond))
	}
	results, err := s.rt.IngestChat(c.Request().Context(), id, msgs)
	if err != nil {
		return s.httpErr(err)
	}
	if batch {
		return c.JSON(http.StatusAccepted, map[string]any{"results": results})
	}
	return c.JSON(http.StatusAccepted, results[0])
}

// parseChatBody reads one message or an array of them and checks each; it fails on the first bad
// one, naming it, so that nothing of a bad batch is logged.
func parseChatBody(body []byte, maxBatch int) (msgs []live.ChatIn, batch bool, err error) {
	trimmed := bytes.TrimSpace(body)
	batch = len(trimmed) > 0 && trimmed[0] == '['
	if batch {
		if err := unmarshalBody(body, &msgs); err != nil {
			return nil, batch, err
		}
		if len(msgs) == 0 {
			return nil, batch, errorf(http.StatusBadRequest, "the array of messages is empty")
		}
		if len(msgs) > maxBatch {
			return nil, batch, errorf(http.StatusRequestEntityTooLarge, "%d messages in one request, more than %d", len(msgs), maxBatch)
		}
	} else {
		var one live.ChatIn
		if err := unmarshalBody(body, &one); err != nil {
			return nil, batch, err
		}
		msgs = []live.ChatIn{one}
	}
	for i := range msgs {
		if err := msgs[i].Check(); err != nil {
			if batch {
				return nil, batch, errorf(http.StatusBadRequest, "message %d: %v", i, err)
			}
			return nil, batch, errorf(http.StatusBadRequest, "%v", err)
		}
	}
	return msgs, batch, nil
}

func readBody(c echo.Context) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(c.Request().Body); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errorf(http.StatusRequestEntityTooLarge, "request body is larger than %d bytes", mbe.Limit)
		}
		return nil, errorf(http.StatusBadRequest, "reading request body: %v", err)
	}
	return buf.Bytes(), nil
}

type onAirReq struct {
	SKU *string `json:"sku"`
}

func (s *Server) postOnAir(c echo.Context) error {
	id, err := showID(c, RoleHost, RoleModerator)
	if err != nil {
		return err
	}
	var req onAirReq
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.SKU == nil {
		return errorf(http.StatusBadRequest, `"sku" is required ("" takes the product off air)`)
	}
	sku := strings.TrimSpace(*req.SKU)
	seq, err := s.rt.SetOnAir(c.Request().Context(), id, sku, who(c))
	if err != nil {
		return s.httpErr(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"seq": seq, "sku": sku})
}

func (s *Server) postStart(c echo.Context) error { return s.startStop(c, true) }
func (s *Server) postStop(c echo.Context) error  { return s.startStop(c, false) }

func (s *Server) startStop(c echo.Context, start bool) error {
	id, err := showID(c, RoleHost, RoleModerator)
	if err != nil {
		return err
	}
	run, status := s.rt.Stop, show.StatusStopped
	if start {
		run, status = s.rt.Start, show.StatusLive
	}
	seq, err := run(c.Request().Context(), id, who(c))
	if err != nil {
		return s.httpErr(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"seq": seq, "status": status})
}

type transcriptReq struct {
	Text    string `json:"text"`
	Final   *bool  `json:"final"`
	Source  string `json:"source"`
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
}

func (s *Server) postTranscript(c echo.Context) error {
	id, err := showID(c, RoleHost, RoleIngest)
	if err != nil {
		return err
	}
	var req transcriptReq
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Final == nil {
		return errorf(http.StatusBadRequest, `"final" is required (true for a finished segment)`)
	}
	res, err := s.rt.IngestTranscript(c.Request().Context(), id, live.TranscriptInput{
		Text: req.Text, Final: *req.Final, StartMS: req.StartMS, EndMS: req.EndMS, Source: req.Source})
	if err != nil {
		return s.httpErr(err)
	}
	return c.JSON(http.StatusAccepted, res)
}

type scriptReq struct {
	Text *string `json:"text"`
}

// putScript is PUT /api/shows/:id/script {"text": "…"}.
func (s *Server) putScript(c echo.Context) error {
	id, err := showID(c, RoleHost, RoleModerator)
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
	seq, err := s.rt.SetScript(c.Request().Context(), id, *req.Text, who(c))
	if err != nil {
		return s.httpErr(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"seq": seq})
}

type scriptPositionReq struct {
	Line *int `json:"line"`
}

// postScriptPosition is POST /api/shows/:id/script/position {"line": N}: a tap on a teleprompter
// line puts the host's place there.
func (s *Server) postScriptPosition(c echo.Context) error {
	id, err := showID(c, RoleHost, RoleModerator)
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
	seq, pos, err := s.rt.SetScriptLine(c.Request().Context(), id, *req.Line)
	if err != nil {
		return s.httpErr(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"seq": seq, "offset": pos.Offset, "line": pos.Line})
}

// publicTypes are what an overlay (a viewer-facing graphic) may see.
var publicTypes = map[string]bool{
	show.TypeShowStarted: true, show.TypeShowStopped: true, show.TypeProductOnAir: true,
	show.TypeDraftPublished: true, show.TypeStreamResync: true, show.TypeAvatarUtterance: true,
	show.TypeAvatarSegment: true, show.TypeAvatarState: true,
}

func visible(g Grant, typ string) bool { return g.Role != RoleOverlay || publicTypes[typ] }

func (s *Server) getEvents(c echo.Context) error {
	id, err := showID(c, RoleModerator, RoleHost, RoleOverlay)
	if err != nil {
		return err
	}
	after, err := queryInt(c, "after", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", show.ReadLimit, 1, show.ReadLimit)
	if err != nil {
		return err
	}
	evs, err := s.rt.Events(c.Request().Context(), id, after, int(limit))
	if err != nil {
		return s.httpErr(err)
	}
	g := grantOf(c)
	out := make([]show.Event, 0, len(evs))
	for _, ev := range evs {
		if visible(g, ev.Type) {
			out = append(out, ev)
		}
	}
	next := after
	if len(evs) > 0 {
		next = evs[len(evs)-1].Seq
	}
	return c.JSON(http.StatusOK, map[string]any{"events": out, "next": next, "more": len(evs) == int(limit)})
}

func queryInt(c echo.Context, name string, def, lo, hi int64) (int64, error) {
	q := c.QueryParam(name)
	if q == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(q, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, errorf(http.StatusBadRequest, "query parameter %s=%q: want an integer from %d to %d", name, q, lo, hi)
	}
	return n, nil
}

func (s *Server) getDrafts(c echo.Context) error {
	id, err := showID(c, RoleModerator, RoleHost)
	if err != nil {
		return err
	}
	list, err := s.rt.Drafts(c.Request().Context(), id, c.QueryParam("status"))
	if err != nil {
		return s.httpErr(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"drafts": list})
}

type approveReq struct {
	Text   *string `json:"text"`
	Reason string  `json:"reason"`
}

func (s *Server) draftAction(verb string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Param("draft")
		showID, ok := s.rt.DraftShow(id)
		if !ok {
			return errorf(http.StatusNotFound, "no draft %q", id)
		}
		if err := allow(c, showID, RoleModerator); err != nil {
			return err
		}
		var req approveReq
		body, err := readBody(c)
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(body)) > 0 {
			if err := unmarshalBody(body, &req); err != nil {
				return err
			}
		}
		item, err := s.rt.ReviewDraft(c.Request().Context(), id, live.Review{Verb: verb, By: who(c), Text: req.Text, Reason: req.Reason})
		if err != nil {
			return s.httpErr(err)
		}
		return c.JSON(http.StatusOK, item)
	}
}

func (s *Server) heldAction(allowMsg bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := showID(c, RoleModerator)
		if err != nil {
			return err
		}
		seq, err := strconv.ParseInt(c.Param("seq"), 10, 64)
		if err != nil || seq <= 0 {
			return errorf(http.StatusBadRequest, "held message %q: want a sequence number", c.Param("seq"))
		}
		ev, err := s.rt.DecideHeld(c.Request().Context(), id, seq, allowMsg, who(c))
		if err != nil {
			return s.httpErr(err)
		}
		return c.JSON(http.StatusOK, map[string]any{"seq": ev.Seq, "chat_seq": seq, "decision": ev.Type})
	}
}

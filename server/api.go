package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
	"github.com/livehost/livehost/textnorm"
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
	// ExpiresAt or TTL (a Go duration such as "36h") end the token early; without them it works
	// until its show has been stopped for TokenGrace.
	ExpiresAt *time.Time `json:"expires_at"`
	TTL       string     `json:"ttl"`
}

// tokenJSON is a token as the API lists it: never the token or its hash.
type tokenJSON struct {
	ID        string    `json:"id"`
	Role      Role      `json:"role"`
	Show      string    `json:"show"`
	Label     string    `json:"label"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

func tokenOf(g Grant) tokenJSON {
	return tokenJSON{ID: g.ID, Role: g.Role, Show: g.Show, Label: g.Label, CreatedAt: g.CreatedAt, ExpiresAt: g.ExpiresAt}
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
	req.Label = textnorm.CleanLine(req.Label)
	if len(req.Label) > 100 {
		return errorf(http.StatusBadRequest, "label is longer than 100 bytes")
	}
	g := Grant{Role: role, Show: info.ID, Label: req.Label}
	switch {
	case req.ExpiresAt != nil && req.TTL != "":
		return errorf(http.StatusBadRequest, "give expires_at or ttl, not both")
	case req.ExpiresAt != nil:
		if !req.ExpiresAt.After(time.Now()) {
			return errorf(http.StatusBadRequest, "expires_at %s is not in the future", req.ExpiresAt.Format(time.RFC3339))
		}
		g.ExpiresAt = *req.ExpiresAt
	case req.TTL != "":
		d, err := time.ParseDuration(req.TTL)
		if err != nil || d <= 0 {
			return errorf(http.StatusBadRequest, "ttl %q: want a positive duration such as 36h", req.TTL)
		}
		g.ExpiresAt = time.Now().Add(d)
	}
	tok, g, err := s.auth.create(c.Request().Context(), g)
	if err != nil {
		return err
	}
	s.reqLog(c).Info("token created", "show", info.ID, "role", role, "label", req.Label, "token_id", g.ID)
	return c.JSON(http.StatusCreated, struct {
		Token string `json:"token"`
		tokenJSON
	}{tok, tokenOf(g)})
}

// listTokens is GET /api/shows/{id}/tokens (admin): the show's tokens, never their secrets.
func (s *Server) listTokens(c echo.Context) error {
	if err := allow(c, ""); err != nil {
		return err
	}
	info, err := s.rt.Show(c.Request().Context(), c.Param("id"))
	if err != nil {
		return s.httpErr(err)
	}
	gs, err := s.auth.store.ListTokens(c.Request().Context(), info.ID)
	if err != nil {
		return err
	}
	out := make([]tokenJSON, 0, len(gs))
	for _, g := range gs {
		out = append(out, tokenOf(g))
	}
	return c.JSON(http.StatusOK, map[string]any{"tokens": out})
}

// revokeToken is DELETE /api/shows/{id}/tokens/{token} (admin): the token fails from the next
// request on.
func (s *Server) revokeToken(c echo.Context) error {
	if err := allow(c, ""); err != nil {
		return err
	}
	info, err := s.rt.Show(c.Request().Context(), c.Param("id"))
	if err != nil {
		return s.httpErr(err)
	}
	id := c.Param("token")
	ok, err := s.auth.revoke(c.Request().Context(), info.ID, id)
	if err != nil {
		return err
	}
	if !ok {
		return errorf(http.StatusNotFound, "show %s has no token %q", info.ID, id)
	}
	s.reqLog(c).Info("token revoked", "show", info.ID, "token_id", id)
	return c.JSON(http.StatusOK, map[string]string{"revoked": id, "show": info.ID})
}

// IssueToken stores a token chosen by the caller for a show (the demo derives its tokens from the
// admin token, so that a restart reuses them).
func (s *Server) IssueToken(ctx context.Context, tok string, g Grant) error {
	if len(tok) < 32 {
		return errors.New("issue token: a token must have at least 32 characters")
	}
	_, err := s.auth.issue(ctx, tok, g)
	return err
}

// RevokeTokens revokes a show's tokens whose label is label, except keep (token IDs).
func (s *Server) RevokeTokens(ctx context.Context, show, label string, keep ...string) error {
	gs, err := s.auth.store.ListTokens(ctx, show)
	if err != nil {
		return err
	}
	for _, g := range gs {
		if g.Label == label && !slices.Contains(keep, g.ID) {
			if _, err := s.auth.revoke(ctx, show, g.ID); err != nil {
				return err
			}
		}
	}
	return nil
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
	show.TypeAvatarSegment: true, show.TypeAvatarState: true, show.TypeAvatarCut: true,
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
		// Another show's draft is answered like an unknown one: a 403 would tell a token of one
		// show which draft ids exist in others.
		if g := grantOf(c); !ok || (g.Role != RoleAdmin && g.Show != showID) {
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

// getHeld is GET /api/shows/{id}/held?after=SEQ&limit=N[&user=U][&rule=R][&older_than=D]: held messages in pages,
// oldest first, for a console that scrolls through a raid.
func (s *Server) getHeld(c echo.Context) error {
	id, err := showID(c, RoleModerator)
	if err != nil {
		return err
	}
	after, err := queryInt(c, "after", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", 200, 1, 1000)
	if err != nil {
		return err
	}
	f := live.HeldFilter{User: c.QueryParam("user"), Rule: c.QueryParam("rule")}
	// older_than counts what a bulk deny by age would take, so the console can confirm it first.
	if q := c.QueryParam("older_than"); q != "" {
		d, err := time.ParseDuration(q)
		if err != nil || d < 0 {
			return errorf(http.StatusBadRequest, "older_than %q: want a duration such as 5m", q)
		}
		f.Before = time.Now().Add(-d)
	}
	page, total, err := s.rt.HeldPage(c.Request().Context(), id, after, int(limit), f)
	if err != nil {
		return s.httpErr(err)
	}
	next := after
	if len(page) > 0 {
		next = page[len(page)-1].ChatSeq
	}
	return c.JSON(http.StatusOK, map[string]any{"held": page, "total": total, "next": next, "more": len(page) == int(limit)})
}

type denyHeldReq struct {
	User      string `json:"user"`
	Rule      string `json:"rule"`
	OlderThan string `json:"older_than"`
	All       bool   `json:"all"`
}

// denyHeld is POST /api/shows/{id}/held/deny: deny every held message of a user, of a rule, held
// longer than a duration, or all of them, as one logged decision.
func (s *Server) denyHeld(c echo.Context) error {
	id, err := showID(c, RoleModerator)
	if err != nil {
		return err
	}
	var req denyHeldReq
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	f := live.HeldFilter{User: strings.TrimSpace(req.User), Rule: strings.TrimSpace(req.Rule)}
	switch {
	case req.OlderThan != "":
		d, err := time.ParseDuration(req.OlderThan)
		if err != nil || d < 0 {
			return errorf(http.StatusBadRequest, "older_than %q: want a duration such as 5m", req.OlderThan)
		}
		f.Before = time.Now().Add(-d)
	case req.All:
		f.Before = time.Now().Add(time.Second)
	}
	if f.User == "" && f.Rule == "" && f.Before.IsZero() {
		return errorf(http.StatusBadRequest, `say which held messages to deny: "user", "rule", "older_than" or "all": true`)
	}
	seq, n, err := s.rt.DenyHeld(c.Request().Context(), id, f, who(c))
	if err != nil {
		return s.httpErr(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"seq": seq, "count": n})
}

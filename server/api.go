package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/livehost/livehost/agents/approval"
	"github.com/livehost/livehost/show"
)

// Limits on what clients send.
const (
	maxChatText  = 2000 // runes
	maxUserLen   = 200
	maxSpeech    = 4000 // runes of one transcript segment
	claimTimeout = 2 * time.Minute
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

// showFor loads the show named in the path after checking the caller's role on it.
func (s *Server) showFor(c echo.Context, roles ...Role) (*showRuntime, error) {
	id := c.Param("id")
	if err := allow(c, id, roles...); err != nil {
		return nil, err
	}
	rt, err := s.runtime(c.Request().Context(), id)
	if err != nil {
		return nil, s.httpErr(err)
	}
	return rt, nil
}

// httpErr maps state errors to their status and wraps the rest as 500.
func (s *Server) httpErr(err error) error {
	var se *stateError
	if errors.As(err, &se) {
		return errorf(se.code, "%s", se.msg)
	}
	if errors.Is(err, errServerClosed) {
		return errorf(http.StatusServiceUnavailable, "%v", err)
	}
	return err
}

type showJSON struct {
	show.Show
	OnAir string `json:"on_air"`
}

func (rt *showRuntime) showJSON() showJSON {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	sh := rt.v.Show
	sh.Lineup = append([]string{}, sh.Lineup...)
	return showJSON{Show: sh, OnAir: rt.v.OnAir}
}

func (s *Server) listShows(c echo.Context) error {
	if err := allow(c, ""); err != nil {
		return err
	}
	shows, err := s.store.ListShows(c.Request().Context())
	if err != nil {
		return err
	}
	if shows == nil {
		shows = []show.Show{}
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
	req.Title = strings.TrimSpace(req.Title)
	if req.Title == "" {
		return errorf(http.StatusBadRequest, "title is required")
	}
	if req.Mode != "" && req.Mode != show.ModeHost && req.Mode != show.ModeAvatar {
		return errorf(http.StatusBadRequest, "mode %q is neither %q nor %q", req.Mode, show.ModeHost, show.ModeAvatar)
	}
	if err := s.checkSKUs(req.Lineup); err != nil {
		return err
	}
	if req.ID != "" {
		if err := show.ValidShowID(req.ID); err != nil {
			return errorf(http.StatusBadRequest, "%v", err)
		}
	}
	sh, err := s.store.CreateShow(c.Request().Context(), show.Show{ID: req.ID, Title: req.Title, Lineup: req.Lineup, Mode: req.Mode})
	if err != nil {
		if errors.Is(err, show.ErrExists) {
			return errorf(http.StatusConflict, "show %q already exists", req.ID)
		}
		if strings.Contains(err.Error(), "show ") && !errors.Is(err, show.ErrClosed) {
			return errorf(http.StatusBadRequest, "%v", err)
		}
		return err
	}
	rt, err := s.runtime(c.Request().Context(), sh.ID)
	if err != nil {
		return s.httpErr(err)
	}
	s.reqLog(c).Info("show created", "show", sh.ID, "title", sh.Title, "lineup", len(sh.Lineup))
	return c.JSON(http.StatusCreated, rt.showJSON())
}

func (s *Server) checkSKUs(skus []string) error {
	if s.opt.Products == nil {
		return nil
	}
	var unknown []string
	for _, sku := range skus {
		if _, ok := s.opt.Products.Get(sku); !ok {
			unknown = append(unknown, sku)
		}
	}
	if len(unknown) > 0 {
		return errorf(http.StatusBadRequest, "unknown SKU(s) in lineup: %s", strings.Join(unknown, ", "))
	}
	return nil
}

func (s *Server) getShow(c echo.Context) error {
	rt, err := s.showFor(c, RoleModerator, RoleHost, RoleIngest, RoleOverlay)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rt.showJSON())
}

func (s *Server) getState(c echo.Context) error {
	// Not for overlays: the state holds held and blocked messages, which viewers must not see.
	rt, err := s.showFor(c, RoleModerator, RoleHost)
	if err != nil {
		return err
	}
	rt.mu.Lock()
	snap := rt.v.snapshot()
	rt.mu.Unlock()
	snap.Products = s.productMap(append(append([]string{snap.OnAir}, snap.Show.Lineup...), crossSKUs(snap.CrossSell)...))
	return c.JSON(http.StatusOK, snap)
}

func crossSKUs(xs []crossSellItem) []string {
	var out []string
	for _, x := range xs {
		out = append(out, x.Suggestions...)
	}
	return out
}

func (s *Server) getProducts(c echo.Context) error {
	rt, err := s.showFor(c, RoleModerator, RoleHost, RoleOverlay)
	if err != nil {
		return err
	}
	skus := rt.showJSON().Lineup
	if q := c.QueryParam("sku"); q != "" {
		skus = strings.Split(q, ",")
	}
	m := s.productMap(skus)
	out := make([]json.RawMessage, 0, len(m))
	for _, sku := range skus {
		if p, ok := m[sku]; ok {
			out = append(out, p)
			delete(m, sku)
		}
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
	rt, err := s.runtime(c.Request().Context(), c.Param("id"))
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
	tok, err := s.auth.create(c.Request().Context(), Grant{Role: role, Show: rt.id, Label: req.Label})
	if err != nil {
		return err
	}
	s.reqLog(c).Info("token created", "show", rt.id, "role", role, "label", req.Label)
	return c.JSON(http.StatusCreated, map[string]string{"token": tok, "role": string(role), "show": rt.id, "label": req.Label})
}

// ChatIn is one chat message as a platform connector posts it.
type ChatIn struct {
	Platform string `json:"platform"`
	User     string `json:"user"`
	Text     string `json:"text"`
	ID       string `json:"id,omitempty"`
}

// ChatResult is the answer for one message: where it is in the log and the verdict on it.
type ChatResult struct {
	Seq     int64   `json:"seq"`
	ID      string  `json:"id,omitempty"`
	Verdict Verdict `json:"verdict"`
}

func (in *ChatIn) check() error {
	in.Text = strings.TrimSpace(in.Text)
	in.User = strings.TrimSpace(in.User)
	if in.Platform == "" {
		in.Platform = "api"
	}
	switch {
	case !utf8.ValidString(in.Text) || !utf8.ValidString(in.User) || !utf8.ValidString(in.Platform):
		return errors.New("text, user and platform must be valid UTF-8")
	case in.Text == "":
		return errors.New("text is empty")
	case utf8.RuneCountInString(in.Text) > maxChatText:
		return fmt.Errorf("text is longer than %d characters", maxChatText)
	case in.User == "":
		return errors.New("user is empty")
	case len(in.User) > maxUserLen || len(in.Platform) > 64 || len(in.ID) > 200:
		return fmt.Errorf("user (%d bytes max), platform (64) or id (200) is too long", maxUserLen)
	}
	return nil
}

func (s *Server) postChat(c echo.Context) error {
	rt, err := s.showFor(c, RoleIngest)
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

	// Moderation runs here, before the append, so that 202 carries the verdict.
	now := time.Now()
	verdicts := make([]Verdict, len(msgs))
	for i, m := range msgs {
		t := time.Now()
		verdicts[i] = s.opt.Moderator.ModerateChat(ChatMessage{Show: rt.id, Platform: m.Platform, User: m.User, Text: m.Text, At: now})
		s.m.verdictSecs.Observe(time.Since(t).Seconds())
		s.m.verdicts.WithLabelValues(verdicts[i].Action).Inc()
	}
	out, err := s.appendEvents(c.Request().Context(), rt, func(v *view, next int64) ([]show.NewEvent, error) {
		evs := make([]show.NewEvent, 0, len(msgs)*3)
		for i, m := range msgs {
			seq := next + int64(len(evs))
			vd := verdicts[i]
			evs = append(evs,
				event(show.TypeChatReceived, show.ChatReceived{ID: m.ID, Platform: m.Platform, User: m.User, Text: m.Text}),
				event(show.TypeChatVerdict, show.ChatVerdict{ChatSeq: seq, Action: vd.Action, Categories: vd.Categories, Matches: vd.Matches, Rules: vd.Rules, Reason: vd.Reason}))
			if vd.Action == show.ActionHold {
				evs = append(evs, event(show.TypeChatHeld, show.ChatHeld{ChatSeq: seq, User: m.User, Text: m.Text, Reason: vd.Reason}))
			}
		}
		return evs, nil
	})
	if err != nil {
		return s.httpErr(fmt.Errorf("log chat: %w", err))
	}
	s.m.chatIngested.Add(float64(len(msgs)))
	results := make([]ChatResult, 0, len(msgs))
	for _, ev := range out {
		if ev.Type != show.TypeChatReceived {
			continue
		}
		i := len(results)
		results = append(results, ChatResult{Seq: ev.Seq, ID: msgs[i].ID, Verdict: verdicts[i]})
		if verdicts[i].Action == show.ActionAllow {
			s.offerAnswer(answerJob{show: rt.id, seq: ev.Seq, user: msgs[i].User, text: msgs[i].Text, at: ev.At})
		}
	}
	if batch {
		return c.JSON(http.StatusAccepted, map[string]any{"results": results})
	}
	return c.JSON(http.StatusAccepted, results[0])
}

// parseChatBody reads one message or an array of them and checks each; it fails on the first bad
// one, naming it, so that nothing of a bad batch is logged.
func parseChatBody(body []byte, maxBatch int) (msgs []ChatIn, batch bool, err error) {
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
		var one ChatIn
		if err := unmarshalBody(body, &one); err != nil {
			return nil, batch, err
		}
		msgs = []ChatIn{one}
	}
	for i := range msgs {
		if err := msgs[i].check(); err != nil {
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
	rt, err := s.showFor(c, RoleHost, RoleModerator)
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
	if sku != "" && s.opt.Products != nil {
		if _, ok := s.opt.Products.Get(sku); !ok {
			return errorf(http.StatusBadRequest, "unknown SKU %q", sku)
		}
	}
	by := who(c)
	out, err := s.appendEvents(c.Request().Context(), rt, func(v *view, next int64) ([]show.NewEvent, error) {
		return []show.NewEvent{event(show.TypeProductOnAir, show.ProductOnAir{SKU: sku, By: by})}, nil
	})
	if err != nil {
		return s.httpErr(err)
	}
	if sku != "" {
		s.offerAnswer(answerJob{show: rt.id, onAir: sku, at: out[0].At})
	}
	return c.JSON(http.StatusOK, map[string]any{"seq": out[0].Seq, "sku": sku})
}

func (s *Server) postStart(c echo.Context) error { return s.startStop(c, true) }
func (s *Server) postStop(c echo.Context) error  { return s.startStop(c, false) }

func (s *Server) startStop(c echo.Context, start bool) error {
	rt, err := s.showFor(c, RoleHost, RoleModerator)
	if err != nil {
		return err
	}
	by := who(c)
	out, err := s.appendEvents(c.Request().Context(), rt, func(v *view, next int64) ([]show.NewEvent, error) {
		switch {
		case start && v.Show.Status == show.StatusLive:
			return nil, conflictf("show %s is already live", v.Show.ID)
		case start:
			return []show.NewEvent{event(show.TypeShowStarted, show.ShowStarted{By: by})}, nil
		case v.Show.Status != show.StatusLive:
			return nil, conflictf("show %s is not live", v.Show.ID)
		default:
			return []show.NewEvent{event(show.TypeShowStopped, show.ShowStopped{By: by})}, nil
		}
	})
	if err != nil {
		return s.httpErr(err)
	}
	status := show.StatusStopped
	if start {
		status = show.StatusLive
	}
	return c.JSON(http.StatusOK, map[string]any{"seq": out[0].Seq, "status": status})
}

type transcriptReq struct {
	Text    string `json:"text"`
	Final   *bool  `json:"final"`
	Source  string `json:"source"`
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
}

func (s *Server) postTranscript(c echo.Context) error {
	rt, err := s.showFor(c, RoleHost, RoleIngest)
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
	res, err := s.ingestTranscript(c.Request().Context(), rt, TranscriptInput{
		Text: req.Text, Final: *req.Final, StartMS: req.StartMS, EndMS: req.EndMS, Source: req.Source})
	if err != nil {
		return s.httpErr(err)
	}
	return c.JSON(http.StatusAccepted, res)
}

// publicTypes are what an overlay (a viewer-facing graphic) may see.
var publicTypes = map[string]bool{
	show.TypeShowStarted: true, show.TypeShowStopped: true, show.TypeProductOnAir: true,
	show.TypeDraftPublished: true, show.TypeStreamResync: true, show.TypeAvatarUtterance: true,
}

func visible(g Grant, typ string) bool { return g.Role != RoleOverlay || publicTypes[typ] }

func (s *Server) getEvents(c echo.Context) error {
	rt, err := s.showFor(c, RoleModerator, RoleHost, RoleOverlay)
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
	evs, err := s.store.Read(c.Request().Context(), rt.id, after, int(limit))
	if err != nil {
		return err
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

var draftStatuses = map[string]bool{"": true, "pending": true, "approved": true, "published": true, "rejected": true, "expired": true}

func (s *Server) getDrafts(c echo.Context) error {
	rt, err := s.showFor(c, RoleModerator, RoleHost)
	if err != nil {
		return err
	}
	status := c.QueryParam("status")
	if !draftStatuses[status] {
		return errorf(http.StatusBadRequest, "status %q: want pending, approved, published, rejected or expired", status)
	}
	rt.mu.Lock()
	list := rt.v.drafts.list(status)
	rt.mu.Unlock()
	return c.JSON(http.StatusOK, map[string]any{"drafts": list})
}

type approveReq struct {
	Text   *string `json:"text"`
	Reason string  `json:"reason"`
}

func (s *Server) draftAction(verb string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Param("draft")
		s.mu.Lock()
		showID, ok := s.drafts[id]
		s.mu.Unlock()
		if !ok {
			return errorf(http.StatusNotFound, "no draft %q", id)
		}
		if err := allow(c, showID, RoleModerator); err != nil {
			return err
		}
		rt, err := s.runtime(c.Request().Context(), showID)
		if err != nil {
			return s.httpErr(err)
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
		if req.Text != nil {
			t := strings.TrimSpace(*req.Text)
			if t == "" {
				return errorf(http.StatusBadRequest, "text is empty; omit it to approve the draft as it is")
			}
			if utf8.RuneCountInString(t) > maxChatText {
				return errorf(http.StatusBadRequest, "text is longer than %d characters", maxChatText)
			}
			req.Text = &t
		}
		by := who(c)
		var result draftItem
		_, err = s.appendEvents(c.Request().Context(), rt, func(v *view, next int64) ([]show.NewEvent, error) {
			d, ok := v.drafts.q.Get(id)
			if !ok {
				return nil, notFoundf("no draft %q", id)
			}
			// The approval queue decides what is allowed (claims, final states) and records it.
			var ch approval.Change
			var err error
			switch verb {
			case "claim":
				ch, err = v.drafts.q.Claim(id, by)
			case "release":
				ch, err = v.drafts.q.Release(id, by)
			case "reject":
				ch, err = v.drafts.q.Reject(id, by, req.Reason)
			case "approve":
				if req.Text != nil && *req.Text != d.Text {
					ch, err = v.drafts.q.Edit(id, by, *req.Text)
				} else {
					ch, err = v.drafts.q.Approve(id, by)
				}
			}
			if err != nil {
				return nil, queueError(err)
			}
			return changeEvents([]approval.Change{ch}), nil
		})
		if err != nil {
			return s.httpErr(err)
		}
		rt.mu.Lock()
		result, _ = rt.v.drafts.get(id)
		s.setQueueGauges(rt)
		rt.mu.Unlock()
		if verb == "approve" || verb == "reject" {
			s.m.drafts.WithLabelValues(verb + "d").Inc()
		}
		return c.JSON(http.StatusOK, result)
	}
}

func (s *Server) heldAction(allowMsg bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		rt, err := s.showFor(c, RoleModerator)
		if err != nil {
			return err
		}
		seq, err := strconv.ParseInt(c.Param("seq"), 10, 64)
		if err != nil || seq <= 0 {
			return errorf(http.StatusBadRequest, "held message %q: want a sequence number", c.Param("seq"))
		}
		by := who(c)
		var held heldItem
		out, err := s.appendEvents(c.Request().Context(), rt, func(v *view, next int64) ([]show.NewEvent, error) {
			h := v.held[seq]
			if h == nil {
				return nil, notFoundf("message %d is not held (unknown, or already decided)", seq)
			}
			held = *h
			typ := show.TypeChatDenied
			if allowMsg {
				typ = show.TypeChatAllowed
			}
			return []show.NewEvent{event(typ, show.ChatDecision{ChatSeq: seq, By: by})}, nil
		})
		if err != nil {
			return s.httpErr(err)
		}
		if allowMsg {
			s.offerAnswer(answerJob{show: rt.id, seq: seq, user: held.User, text: held.Text, at: out[0].At})
		}
		rt.mu.Lock()
		s.setQueueGauges(rt)
		rt.mu.Unlock()
		return c.JSON(http.StatusOK, map[string]any{"seq": out[0].Seq, "chat_seq": seq, "decision": out[0].Type})
	}
}

func (s *Server) productMap(skus []string) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	if s.opt.Products == nil {
		return out
	}
	for _, sku := range skus {
		if sku == "" {
			continue
		}
		if _, done := out[sku]; done {
			continue
		}
		if p, ok := s.opt.Products.Get(sku); ok {
			b, err := json.Marshal(productCard{Product: p, TalkingPoints: talkingPoints(p)})
			if err == nil {
				out[sku] = b
			}
		}
	}
	return out
}

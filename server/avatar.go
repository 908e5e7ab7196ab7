package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/livehost/livehost/avatar"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

// AvatarRoutes mounts the avatar show's API (Options.Mount): the run-of-show plan, the runner's
// controls, a moderator's lines, the page's playback reports and the utterances' audio.
func AvatarRoutes(m *avatar.Manager) func(e *echo.Echo, auth Auth) {
	h := &avatarAPI{m: m}
	return func(e *echo.Echo, auth Auth) {
		h.auth = auth
		g := e.Group("/api/shows/:id/avatar", auth.Middleware(false))
		g.GET("/plan", h.getPlan)
		g.PUT("/plan", h.putPlan)
		for _, action := range []string{"start", "pause", "resume", "stop", "skip"} {
			g.POST("/"+action, h.control(action))
		}
		g.POST("/say", h.say)
		g.GET("/policy", h.getPolicy)
		g.PUT("/policy", h.putPolicy)
		// The avatar page sends its overlay token in the query: an <audio> element and a beacon
		// cannot set headers.
		q := e.Group("/api/shows/:id/avatar", auth.Middleware(true))
		q.POST("/playback", h.playback)
		q.GET("/audio/:audio", h.audio)
		q.GET("/character", h.character)
		q.GET("/character/:image", h.characterImage)
	}
}

type avatarAPI struct {
	m    *avatar.Manager
	auth Auth
}

func (h *avatarAPI) err(err error) error {
	switch {
	case errors.Is(err, avatar.ErrInvalid):
		return errorf(http.StatusBadRequest, "%v", err)
	case errors.Is(err, avatar.ErrState):
		return errorf(http.StatusConflict, "%v", err)
	case errors.Is(err, avatar.ErrUnavailable):
		return &echo.HTTPError{Code: http.StatusServiceUnavailable, Message: err.Error(), Internal: err}
	}
	return h.auth.Error(err)
}

func (h *avatarAPI) getPlan(c echo.Context) error {
	id, err := showID(c, RoleHost, RoleModerator, RoleOverlay)
	if err != nil {
		return err
	}
	st, err := h.m.Status(c.Request().Context(), id)
	if err != nil {
		return h.err(err)
	}
	return c.JSON(http.StatusOK, st)
}

func (h *avatarAPI) putPlan(c echo.Context) error {
	id, err := showID(c, RoleHost, RoleModerator)
	if err != nil {
		return err
	}
	var p show.AvatarPlan
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	seq, err := h.m.SetPlan(c.Request().Context(), id, p, who(c))
	if err != nil {
		return h.err(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"seq": seq})
}

func (h *avatarAPI) control(action string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := showID(c, RoleHost, RoleModerator)
		if err != nil {
			return err
		}
		seq, err := h.m.Control(c.Request().Context(), id, action, who(c))
		if err != nil {
			return h.err(err)
		}
		st, err := h.m.Status(c.Request().Context(), id)
		if err != nil {
			return h.err(err)
		}
		return c.JSON(http.StatusOK, map[string]any{"seq": seq, "state": st.State})
	}
}

type sayReq struct {
	Text string `json:"text"`
}

func (h *avatarAPI) say(c echo.Context) error {
	id, err := showID(c, RoleHost, RoleModerator)
	if err != nil {
		return err
	}
	var req sayReq
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	res, err := h.m.Say(c.Request().Context(), id, req.Text, who(c))
	if err != nil {
		return h.err(err)
	}
	return c.JSON(http.StatusAccepted, res)
}

type playbackReq struct {
	Utterance string `json:"utterance"`
	Phase     string `json:"phase"`
}

func (h *avatarAPI) playback(c echo.Context) error {
	id, err := showID(c, RoleOverlay, RoleHost, RoleModerator)
	if err != nil {
		return err
	}
	var req playbackReq
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := h.m.Playback(c.Request().Context(), id, req.Utterance, req.Phase); err != nil {
		return h.err(err)
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *avatarAPI) audio(c echo.Context) error {
	if _, err := showID(c, RoleOverlay, RoleHost, RoleModerator); err != nil {
		return err
	}
	sp, ok := h.m.Audio(c.Param("audio"))
	if !ok {
		return errorf(http.StatusNotFound, "no audio %q (unknown, or no longer cached)", c.Param("audio"))
	}
	c.Response().Header().Set("Cache-Control", "private, max-age=3600")
	c.Response().Header().Set("Content-Length", strconv.Itoa(len(sp.Audio)))
	return c.Blob(http.StatusOK, sp.ContentType, sp.Audio)
}

// getPolicy is the show's answer policy: which voice answers go out by themselves and which wait
// for a moderator's approval in the console.
func (h *avatarAPI) getPolicy(c echo.Context) error {
	id, err := showID(c, RoleHost, RoleModerator)
	if err != nil {
		return err
	}
	p, err := h.m.AnswerPolicy(c.Request().Context(), id)
	if err != nil {
		return h.err(err)
	}
	return c.JSON(http.StatusOK, p)
}

func (h *avatarAPI) putPolicy(c echo.Context) error {
	id, err := showID(c, RoleModerator)
	if err != nil {
		return err
	}
	var p live.AnswerPolicy
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	seq, err := h.m.SetAnswerPolicy(c.Request().Context(), id, p, who(c))
	if err != nil {
		return h.err(err)
	}
	cur, err := h.m.AnswerPolicy(c.Request().Context(), id)
	if err != nil {
		return h.err(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"seq": seq, "policy": cur})
}

// character lists the brand's avatar images by part (mouth shapes n, a, i, u, e, o and blink);
// empty when the page is to draw its default character.
func (h *avatarAPI) character(c echo.Context) error {
	id, err := showID(c, RoleOverlay, RoleHost, RoleModerator)
	if err != nil {
		return err
	}
	frames := map[string]string{}
	for part, name := range h.m.Character().Frames() {
		frames[part] = "/api/shows/" + url.PathEscape(id) + "/avatar/character/" + url.PathEscape(name)
	}
	return c.JSON(http.StatusOK, map[string]any{"frames": frames})
}

func (h *avatarAPI) characterImage(c echo.Context) error {
	if _, err := showID(c, RoleOverlay, RoleHost, RoleModerator); err != nil {
		return err
	}
	im, ok := h.m.Character().Image(c.Param("image"))
	if !ok {
		return errorf(http.StatusNotFound, "no avatar image %q in the brand folder", c.Param("image"))
	}
	hd := c.Response().Header()
	hd.Set("Cache-Control", "private, max-age=300")
	hd.Set("X-Content-Type-Options", "nosniff")
	// An SVG opened on its own must not run anything.
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	hd.Set("Content-Length", strconv.Itoa(len(im.Data)))
	return c.Blob(http.StatusOK, im.ContentType, im.Data)
}

package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/livehost/livehost/connector"
	"github.com/livehost/livehost/connector/manager"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

// Connectors runs the shows' platform connectors (package connector/manager).
type Connectors interface {
	PutConfig(ctx context.Context, showID string, c show.ConnectorConfigured) (manager.Item, error)
	Delete(ctx context.Context, showID, name, by string) error
	List(ctx context.Context, showID string) ([]manager.Item, error)
	Webhook(ctx context.Context, showID, name string, h http.Header, body []byte) ([]live.ChatResult, error)
	WebhookVerify(ctx context.Context, showID, name string, q url.Values) (string, error)
}

func (s *Server) connectors() (Connectors, error) {
	if s.opt.Connectors == nil {
		return nil, errorf(http.StatusServiceUnavailable, "platform connectors are not enabled on this server")
	}
	return s.opt.Connectors, nil
}

type connectorReq struct {
	Platform string          `json:"platform"`
	Settings json.RawMessage `json:"settings"`
	ReplyAll bool            `json:"reply_all"`
}

func (s *Server) putConnector(c echo.Context) error {
	id, err := showID(c) // admin only: settings point the server at outside APIs
	if err != nil {
		return err
	}
	cs, err := s.connectors()
	if err != nil {
		return err
	}
	var req connectorReq
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Platform == "" {
		return errorf(http.StatusBadRequest, `"platform" is required`)
	}
	if len(req.Settings) > 0 && req.Settings[0] != '{' && string(req.Settings) != "null" {
		return errorf(http.StatusBadRequest, `"settings" must be an object`)
	}
	it, err := cs.PutConfig(c.Request().Context(), id, show.ConnectorConfigured{Name: c.Param("name"), Platform: req.Platform,
		Settings: req.Settings, ReplyAll: req.ReplyAll, By: who(c)})
	if err != nil {
		return s.httpErr(err)
	}
	return c.JSON(http.StatusOK, it)
}

func (s *Server) listConnectors(c echo.Context) error {
	id, err := showID(c, RoleModerator)
	if err != nil {
		return err
	}
	cs, err := s.connectors()
	if err != nil {
		return err
	}
	items, err := cs.List(c.Request().Context(), id)
	if err != nil {
		return s.httpErr(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"connectors": items})
}

func (s *Server) deleteConnector(c echo.Context) error {
	id, err := showID(c)
	if err != nil {
		return err
	}
	cs, err := s.connectors()
	if err != nil {
		return err
	}
	if err := cs.Delete(c.Request().Context(), id, c.Param("name"), who(c)); err != nil {
		return s.httpErr(err)
	}
	return c.NoContent(http.StatusNoContent)
}

// postWebhook takes chat from a bridge, authenticated by its signature instead of a token.
func (s *Server) postWebhook(c echo.Context) error {
	cs, err := s.connectors()
	if err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	res, err := cs.Webhook(c.Request().Context(), c.Param("id"), c.Param("name"), c.Request().Header, body)
	if errors.Is(err, connector.ErrUnauthorized) {
		s.reqLog(c).Warn("webhook refused", "show", url.PathEscape(c.Param("id")), "connector", url.PathEscape(c.Param("name")), "err", err)
		return errorf(http.StatusUnauthorized, "%v", err)
	}
	if err != nil {
		return s.httpErr(err)
	}
	logged, dups := 0, 0
	for _, r := range res {
		if r.Duplicate {
			dups++
		} else {
			logged++
		}
	}
	return c.JSON(http.StatusAccepted, map[string]any{"logged": logged, "duplicates": dups, "results": res})
}

// getWebhook answers a platform's verification of the callback URL (Meta: hub.challenge).
func (s *Server) getWebhook(c echo.Context) error {
	cs, err := s.connectors()
	if err != nil {
		return err
	}
	challenge, err := cs.WebhookVerify(c.Request().Context(), c.Param("id"), c.Param("name"), c.QueryParams())
	if errors.Is(err, connector.ErrUnauthorized) {
		return errorf(http.StatusUnauthorized, "%v", err)
	}
	if err != nil {
		return s.httpErr(err)
	}
	return c.String(http.StatusOK, challenge)
}

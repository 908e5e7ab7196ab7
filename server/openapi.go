package server

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPIDoc is the OpenAPI 3.1 document of the whole HTTP API: the JSON routes, the WebSocket
// stream, WHIP voice ingest, the pages, /healthz and /metrics. openapi_test.go checks that it
// names every route the server registers and no other.
//
//go:embed openapi.json
var openAPIDoc []byte

// serveOpenAPI is GET /api/openapi.json; it needs no token.
func serveOpenAPI(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openAPIDoc)
}

// routeList is every route registered on the server, mounted ones included.
func (s *Server) routeList() []*echo.Route { return s.e.Routes() }

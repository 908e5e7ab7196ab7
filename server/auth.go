package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/livehost/livehost/show"
)

// Role is what a token may do. Every role but admin is scoped to one show.
type Role string

const (
	RoleAdmin     Role = "admin"
	RoleModerator Role = "moderator"
	RoleHost      Role = "host"
	RoleIngest    Role = "ingest"
	RoleOverlay   Role = "overlay"
)

// ShowRoles are the roles a show-scoped token can have.
var ShowRoles = []Role{RoleModerator, RoleHost, RoleIngest, RoleOverlay}

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if r == RoleAdmin || slices.Contains(ShowRoles, r) {
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q (want one of moderator, host, ingest, overlay)", s)
}

// Grant is what a token allows: a role, and the show it is scoped to ("" for admin).
type Grant struct {
	Role  Role
	Show  string
	Label string // who holds it, for "by" in the log (e.g. "moderator-2")
}

// TokenStore keeps tokens by the hex SHA-256 of the token; the token itself is never stored.
// SHA-256 is enough because tokens are 32 random bytes: there is nothing to brute-force.
type TokenStore interface {
	SaveToken(ctx context.Context, hash string, g Grant) error
	LookupToken(ctx context.Context, hash string) (Grant, bool, error)
}

// NewToken returns a fresh random bearer token.
func NewToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // never happens on supported platforms
	}
	return "lh_" + base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken is the stored form of a token.
func HashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// authenticator resolves bearer tokens, with a cache in front of the store because every ingest
// request is authenticated.
type authenticator struct {
	adminHash []byte
	store     TokenStore

	mu    sync.RWMutex
	cache map[string]Grant
}

func (a *authenticator) lookup(ctx context.Context, tok string) (Grant, bool, error) {
	h := HashToken(tok)
	if subtle.ConstantTimeCompare([]byte(h), a.adminHash) == 1 {
		return Grant{Role: RoleAdmin}, true, nil
	}
	a.mu.RLock()
	g, ok := a.cache[h]
	a.mu.RUnlock()
	if ok {
		return g, true, nil
	}
	g, ok, err := a.store.LookupToken(ctx, h)
	if err != nil || !ok {
		return Grant{}, ok, err
	}
	a.mu.Lock()
	a.cache[h] = g
	a.mu.Unlock()
	return g, true, nil
}

func (a *authenticator) create(ctx context.Context, g Grant) (string, error) {
	tok := NewToken()
	h := HashToken(tok)
	if err := a.store.SaveToken(ctx, h, g); err != nil {
		return "", fmt.Errorf("save token: %w", err)
	}
	a.mu.Lock()
	a.cache[h] = g
	a.mu.Unlock()
	return tok, nil
}

const ctxGrant = "livehost.grant"
const ctxToken = "livehost.tokenhash"

// bearer extracts the token from the Authorization header, or from ?token= for browsers opening a
// WebSocket (they cannot set headers there).
func bearer(r *http.Request, allowQuery bool) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			return strings.TrimSpace(h[7:])
		}
		return ""
	}
	if allowQuery {
		return r.URL.Query().Get("token")
	}
	return ""
}

// authenticate answers 401 without a valid token and stores the grant in the context.
func (s *Server) authenticate(allowQuery bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			tok := bearer(c.Request(), allowQuery)
			if tok == "" {
				c.Response().Header().Set("WWW-Authenticate", `Bearer realm="livehost"`)
				return errorf(http.StatusUnauthorized, "missing bearer token (Authorization: Bearer TOKEN)")
			}
			g, ok, err := s.auth.lookup(c.Request().Context(), tok)
			if err != nil {
				return fmt.Errorf("look up token: %w", err)
			}
			if !ok {
				c.Response().Header().Set("WWW-Authenticate", `Bearer realm="livehost", error="invalid_token"`)
				return errorf(http.StatusUnauthorized, "unknown or invalid bearer token")
			}
			c.Set(ctxGrant, g)
			c.Set(ctxToken, HashToken(tok))
			return next(c)
		}
	}
}

func grantOf(c echo.Context) Grant {
	g, _ := c.Get(ctxGrant).(Grant)
	return g
}

// allow checks the caller's role and, for show-scoped tokens, that the token belongs to show.
// Admin may do everything everywhere.
func allow(c echo.Context, show string, roles ...Role) error {
	g := grantOf(c)
	if g.Role == RoleAdmin {
		return nil
	}
	if !slices.Contains(roles, g.Role) {
		names := make([]string, len(roles))
		for i, r := range roles {
			names[i] = string(r)
		}
		return errorf(http.StatusForbidden, "role %s may not do this (needs %s)", g.Role, strings.Join(append(names, "admin"), " or "))
	}
	if show != "" && g.Show != show {
		return errorf(http.StatusForbidden, "this %s token belongs to another show", g.Role)
	}
	return nil
}

// StoreTokens keeps tokens in the show store's token table.
func StoreTokens(st *show.Store) TokenStore { return storeTokens{st} }

type storeTokens struct{ st *show.Store }

func (t storeTokens) SaveToken(ctx context.Context, hash string, g Grant) error {
	return t.st.PutToken(ctx, show.Token{Hash: hash, Role: string(g.Role), ShowID: g.Show, Label: g.Label})
}

func (t storeTokens) LookupToken(ctx context.Context, hash string) (Grant, bool, error) {
	tok, ok, err := t.st.LookupToken(ctx, hash)
	if err != nil || !ok {
		return Grant{}, ok, err
	}
	r, err := ParseRole(tok.Role)
	if err != nil {
		return Grant{}, false, nil // a role this server does not know grants nothing
	}
	return Grant{Role: r, Show: tok.ShowID, Label: tok.Label}, true, nil
}

package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

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
	// ID names the token in lists and revocations without revealing it.
	ID        string
	CreatedAt time.Time
	// ExpiresAt is when the token stops working; zero: the show's end plus TokenGrace.
	ExpiresAt time.Time
}

// TokenGrace is how long a show-scoped token without an expiry keeps working after its show
// stopped: long enough for the review, not forever.
const TokenGrace = 24 * time.Hour

// TokenStore keeps tokens by the hex SHA-256 of the token; the token itself is never stored.
// SHA-256 is enough because tokens are 32 random bytes: there is nothing to brute-force.
type TokenStore interface {
	SaveToken(ctx context.Context, hash string, g Grant) error
	LookupToken(ctx context.Context, hash string) (Grant, bool, error)
	ListTokens(ctx context.Context, show string) ([]Grant, error)
	// DeleteToken removes the token whose ID is id; ok is false when there is none.
	DeleteToken(ctx context.Context, show, id string) (hash string, ok bool, err error)
}

// TokenID is the public name of a token (what lists show and revocation takes).
func TokenID(tok string) string { return tokenID(HashToken(tok)) }

// tokenID is a token's public name: a prefix of its hash, which reveals nothing of the token.
func tokenID(hash string) string { return "t_" + hash[:min(16, len(hash))] }

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
// request is authenticated. A revoked token leaves the cache at once; the cache is bounded.
type authenticator struct {
	adminHash []byte
	store     TokenStore
	// stoppedAt says when a show stopped (zero while it runs), for the default expiry.
	stoppedAt func(ctx context.Context, show string) time.Time
	now       func() time.Time

	// cacheTTL bounds how long a cached grant is believed (0: until revoked here). With several
	// nodes a token revoked on one node is dropped from the others' caches only by this.
	cacheTTL time.Duration

	mu    sync.RWMutex
	cache map[string]cachedGrant
}

type cachedGrant struct {
	g  Grant
	at time.Time
}

// maxCachedTokens bounds the cache: a flood of made-up tokens never reaches it (only valid ones
// are cached), but a long-running server collects many real ones.
const maxCachedTokens = 10000

func (a *authenticator) lookup(ctx context.Context, tok string) (Grant, bool, error) {
	h := HashToken(tok)
	if subtle.ConstantTimeCompare([]byte(h), a.adminHash) == 1 {
		return Grant{Role: RoleAdmin}, true, nil
	}
	a.mu.RLock()
	c, ok := a.cache[h]
	a.mu.RUnlock()
	g := c.g
	if ok && a.cacheTTL > 0 && a.now().Sub(c.at) >= a.cacheTTL {
		ok = false
	}
	if !ok {
		var err error
		g, ok, err = a.store.LookupToken(ctx, h)
		if err != nil || !ok {
			return Grant{}, ok, err
		}
		a.remember(h, g)
	}
	if a.expired(ctx, g) {
		return Grant{}, false, nil
	}
	return g, true, nil
}

// expired applies the token's expiry, or for one without, its show's end plus TokenGrace.
func (a *authenticator) expired(ctx context.Context, g Grant) bool {
	now := a.now()
	if !g.ExpiresAt.IsZero() {
		return !now.Before(g.ExpiresAt)
	}
	if g.Show == "" || a.stoppedAt == nil {
		return false
	}
	stopped := a.stoppedAt(ctx, g.Show)
	return !stopped.IsZero() && now.Sub(stopped) >= TokenGrace
}

func (a *authenticator) create(ctx context.Context, g Grant) (string, Grant, error) {
	tok := NewToken()
	g, err := a.issue(ctx, tok, g)
	return tok, g, err
}

// issue stores a token chosen by the caller (the demo derives its own, so that a restart reuses
// them).
func (a *authenticator) issue(ctx context.Context, tok string, g Grant) (Grant, error) {
	h := HashToken(tok)
	g.ID = tokenID(h)
	if g.CreatedAt.IsZero() {
		g.CreatedAt = a.now().UTC().Truncate(time.Microsecond)
	}
	if err := a.store.SaveToken(ctx, h, g); err != nil {
		return Grant{}, fmt.Errorf("save token: %w", err)
	}
	a.remember(h, g)
	return g, nil
}

// remember caches a grant; a full cache starts over (the store still has every token).
func (a *authenticator) remember(h string, g Grant) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.cache) >= maxCachedTokens {
		clear(a.cache)
	}
	a.cache[h] = cachedGrant{g, a.now()}
}

// revoke deletes a show's token by ID and drops it from the cache, so it fails at once.
func (a *authenticator) revoke(ctx context.Context, show, id string) (bool, error) {
	h, ok, err := a.store.DeleteToken(ctx, show, id)
	if err != nil || !ok {
		return false, err
	}
	a.mu.Lock()
	delete(a.cache, h)
	a.mu.Unlock()
	return true, nil
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
	return t.st.PutToken(ctx, show.Token{Hash: hash, Role: string(g.Role), ShowID: g.Show, Label: g.Label,
		CreatedAt: g.CreatedAt, ExpiresAt: g.ExpiresAt})
}

func (t storeTokens) LookupToken(ctx context.Context, hash string) (Grant, bool, error) {
	tok, ok, err := t.st.LookupToken(ctx, hash)
	if err != nil || !ok {
		return Grant{}, ok, err
	}
	g, ok := grantOfToken(tok)
	return g, ok, nil
}

// grantOfToken is a stored token's grant; a role this server does not know grants nothing.
func grantOfToken(tok show.Token) (Grant, bool) {
	r, err := ParseRole(tok.Role)
	if err != nil {
		return Grant{}, false
	}
	return Grant{Role: r, Show: tok.ShowID, Label: tok.Label, ID: tokenID(tok.Hash), CreatedAt: tok.CreatedAt, ExpiresAt: tok.ExpiresAt}, true
}

func (t storeTokens) ListTokens(ctx context.Context, showID string) ([]Grant, error) {
	all, err := t.st.ListTokens(ctx)
	if err != nil {
		return nil, err
	}
	out := []Grant{}
	for _, tok := range all {
		if g, ok := grantOfToken(tok); ok && tok.ShowID == showID {
			out = append(out, g)
		}
	}
	return out, nil
}

func (t storeTokens) DeleteToken(ctx context.Context, showID, id string) (string, bool, error) {
	all, err := t.st.ListTokens(ctx)
	if err != nil {
		return "", false, err
	}
	for _, tok := range all {
		if tok.ShowID == showID && tokenID(tok.Hash) == id {
			if err := t.st.DeleteToken(ctx, tok.Hash); err != nil {
				if errors.Is(err, show.ErrNotFound) {
					return "", false, nil // revoked by another request meanwhile
				}
				return "", false, err
			}
			return tok.Hash, true, nil
		}
	}
	return "", false, nil
}

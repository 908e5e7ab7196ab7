package connector

import (
	"context"
	"net/http"
	"sync"

	"golang.org/x/oauth2"
)

// Refresher keeps a platform's OAuth access token, got from a refresh token: the platforms whose
// APIs take a bearer token (YouTube, Twitch) refresh it when it expires, and once more when the
// API answers 401.
type Refresher struct {
	Config       *oauth2.Config
	RefreshToken string
	HTTP         *http.Client // the token endpoint is reached through it (tests point it at a fake)

	mu  sync.Mutex
	tok *oauth2.Token
}

// Token returns the access token, refreshing it when it expired or force is set. A refused
// refresh is an *oauth2.RetrieveError, which callers turn into their platform's error.
func (r *Refresher) Token(ctx context.Context, force bool) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !force && r.tok.Valid() {
		return r.tok.AccessToken, nil
	}
	if r.HTTP != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, r.HTTP)
	}
	t, err := r.Config.TokenSource(ctx, &oauth2.Token{RefreshToken: r.RefreshToken}).Token()
	if err != nil {
		return "", err
	}
	r.tok = t
	return t.AccessToken, nil
}

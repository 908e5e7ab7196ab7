package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
)

// apiClient drives a livehost server through its public API, as any integration would: the demo
// feeder and the load program both use it.
type apiClient struct {
	base string // server URL without a trailing slash
	hc   *http.Client
}

// call does one JSON request with a bearer token and decodes a 2xx answer into out (when not nil).
// A status of 300 or more is an error naming the request and the server's message, except the
// statuses listed in ok, which return with no error (a 404 that means "not created yet").
func (c *apiClient) call(ctx context.Context, token, method, path string, body, out any, ok ...int) (int, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, fmt.Errorf("%s %s: encode: %w", method, path, err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return res.StatusCode, fmt.Errorf("%s %s: read: %w", method, path, err)
	}
	if res.StatusCode >= 300 {
		if slices.Contains(ok, res.StatusCode) {
			return res.StatusCode, nil
		}
		return res.StatusCode, fmt.Errorf("%s %s: %s: %s", method, path, res.Status, bytes.TrimSpace(data))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return res.StatusCode, fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return res.StatusCode, nil
}

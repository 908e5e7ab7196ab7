package config

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"
)

// credentialVars are the names a credentials file may set.
var credentialVars = map[string]bool{
	"LIVEHOST_YOUTUBE_CLIENT_ID": true, "LIVEHOST_YOUTUBE_CLIENT_SECRET": true, "LIVEHOST_YOUTUBE_REFRESH_TOKEN": true,
	"LIVEHOST_WEBHOOK_SECRET": true, "LIVEHOST_TWITCH_CLIENT_ID": true, "LIVEHOST_TWITCH_CLIENT_SECRET": true, "LIVEHOST_TWITCH_REFRESH_TOKEN": true,
	"LIVEHOST_META_APP_SECRET": true, "LIVEHOST_META_VERIFY_TOKEN": true, "LIVEHOST_FACEBOOK_PAGE_TOKEN": true,
}

// WithCredentials returns getenv falling back to the credentials file named by
// LIVEHOST_CREDENTIALS (NAME=value lines, # comments), so that secrets need not sit in the
// environment of every process. The environment wins over the file. A line naming anything but a
// connector credential is an error naming its line, never echoing its value.
func WithCredentials(getenv func(string) string) (func(string) string, error) {
	path := strings.TrimSpace(getenv("LIVEHOST_CREDENTIALS"))
	if path == "" {
		return getenv, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read credentials file: %w", err)
	}
	vals, err := parseCredentials(data)
	if err != nil {
		return nil, fmt.Errorf("credentials file %s: %w", path, err)
	}
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return vals[k]
	}, nil
}

func parseCredentials(data []byte) (map[string]string, error) {
	vals := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(strings.TrimPrefix(k, "export "))
		if !ok || !credentialVars[k] {
			return nil, fmt.Errorf("line %d: want NAME=value with NAME one of LIVEHOST_YOUTUBE_CLIENT_ID, _CLIENT_SECRET, _REFRESH_TOKEN, LIVEHOST_TWITCH_CLIENT_ID, _CLIENT_SECRET, _REFRESH_TOKEN, LIVEHOST_META_APP_SECRET, LIVEHOST_META_VERIFY_TOKEN, LIVEHOST_FACEBOOK_PAGE_TOKEN, LIVEHOST_WEBHOOK_SECRET", n)
		}
		vals[k] = strings.Trim(strings.TrimSpace(v), `"'`)
	}
	return vals, sc.Err()
}

package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWithCredentials(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "creds")
	os.WriteFile(good, []byte("# youtube\nLIVEHOST_YOUTUBE_CLIENT_ID=file-id\nexport LIVEHOST_YOUTUBE_REFRESH_TOKEN=\"file-refresh\"\n\nLIVEHOST_WEBHOOK_SECRET=file-secret\n"), 0o600)
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("LIVEHOST_YOUTUBE_CLIENT_ID=x\nOPENAI_API_KEY=sk-secret-value\n"), 0o600)
	env := map[string]string{"LIVEHOST_CREDENTIALS": good, "LIVEHOST_WEBHOOK_SECRET": "env-secret"}
	get, err := WithCredentials(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	c := FromEnv(get)
	if c.YouTubeClientID != "file-id" || c.YouTubeRefreshToken != "file-refresh" || c.WebhookSecret != "env-secret" || c.YouTubeClientSecret != "" {
		t.Fatalf("credentials: %+v", c)
	}
	env["LIVEHOST_CREDENTIALS"] = bad
	if _, err := WithCredentials(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "line 2") || strings.Contains(err.Error(), "sk-secret-value") {
		t.Fatalf("bad file: %v", err)
	}
	env["LIVEHOST_CREDENTIALS"] = filepath.Join(dir, "missing")
	if _, err := WithCredentials(func(k string) string { return env[k] }); err == nil {
		t.Fatal("a missing credentials file was accepted")
	}
}

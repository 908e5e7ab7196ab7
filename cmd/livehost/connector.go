package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"
)

func init() {
	register(command{name: "connector", summary: "configure a show's platform connectors on a running server (list, set, remove)", run: runConnector})
}

func runConnector(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "connector", `livehost connector list SHOW
  livehost connector set SHOW NAME --platform youtube [--settings '{"video_id":"…","reply":true}'] [--reply-all]
  livehost connector remove SHOW NAME`,
		`Configures the platform connectors of a show on a running server, through its API
(PUT/GET/DELETE /api/shows/SHOW/connectors/NAME) with the admin token LIVEHOST_ADMIN_TOKEN.
Platforms: youtube, twitch, onecomme, instagram, facebook, webhook; their settings are in the
README. Settings never hold secrets: the server reads credentials from its own environment.`)
	cfg := env.config()
	base := fs.String("url", "http://"+cfg.Addr, "the server's URL (default from LIVEHOST_ADDR)")
	platform := fs.String("platform", "", "set: the platform")
	settings := fs.String("settings", "{}", "set: the settings as a JSON object")
	replyAll := fs.Bool("reply-all", false, "set: post every approved draft through this connector, whichever platform asked")
	jsonOut := fs.Bool("json", false, "print the server's JSON answer")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	token := cfg.AdminToken
	if token == "" {
		return &exitError{2, fmt.Errorf("LIVEHOST_ADMIN_TOKEN is not set: connectors are configured with the admin token")}
	}
	if len(pos) < 2 {
		return errUsage
	}
	verb, show := pos[0], pos[1]
	c := &apiClient{base: strings.TrimRight(*base, "/"), hc: &http.Client{Timeout: 30 * time.Second}}
	path := "/api/shows/" + url.PathEscape(show) + "/connectors"
	switch {
	case verb == "list" && len(pos) == 2:
		var out struct {
			Connectors []struct {
				Name     string          `json:"name"`
				Platform string          `json:"platform"`
				State    string          `json:"state"`
				Reason   string          `json:"reason"`
				Messages int             `json:"messages"`
				Sent     int             `json:"replies_sent"`
				Failed   int             `json:"replies_failed"`
				Status   json.RawMessage `json:"status"`
			} `json:"connectors"`
		}
		var raw json.RawMessage
		if _, err := c.call(ctx, token, "GET", path, nil, &raw); err != nil {
			return err
		}
		if *jsonOut {
			fmt.Fprintln(env.stdout, string(raw))
			return nil
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			return fmt.Errorf("decode the connectors list: %w", err)
		}
		w := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tPLATFORM\tSTATE\tMESSAGES\tREPLIES SENT\tFAILED\tREASON")
		for _, x := range out.Connectors {
			fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", x.Name, x.Platform, x.State, x.Messages, x.Sent, x.Failed, x.Reason)
		}
		return w.Flush()
	case verb == "set" && len(pos) == 3:
		if *platform == "" {
			return &exitError{2, fmt.Errorf("set: --platform is required")}
		}
		var set map[string]any
		if err := json.Unmarshal([]byte(*settings), &set); err != nil {
			return &exitError{2, fmt.Errorf("--settings: want a JSON object: %w", err)}
		}
		var raw json.RawMessage
		if _, err := c.call(ctx, token, "PUT", path+"/"+url.PathEscape(pos[2]), map[string]any{"platform": *platform, "settings": set, "reply_all": *replyAll}, &raw); err != nil {
			return err
		}
		if *jsonOut {
			fmt.Fprintln(env.stdout, string(raw))
		} else {
			fmt.Fprintf(env.stdout, "connector %s of show %s: %s, starting\n", pos[2], show, *platform)
		}
		return nil
	case verb == "remove" && len(pos) == 3:
		if _, err := c.call(ctx, token, "DELETE", path+"/"+url.PathEscape(pos[2]), nil, nil); err != nil {
			return err
		}
		if !*jsonOut {
			fmt.Fprintf(env.stdout, "connector %s of show %s removed\n", pos[2], show)
		}
		return nil
	}
	return errUsage
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

func init() {
	register(command{name: "avatar", summary: "read or set an avatar show's plan, control its runner, have it say a line", run: runAvatar})
}

const avatarSummary = `Drives a running livehost server's avatar show (a show created with "mode":"avatar"):

  livehost avatar SHOW plan              prints the plan and where the show is in it
  livehost avatar SHOW plan FILE|-       sets the plan from a JSON file (- : standard input)
  livehost avatar SHOW start|pause|resume|stop|skip
  livehost avatar SHOW say TEXT          a line for the avatar, checked like its own talk

Plan JSON: {"segments":[{"sku":"LH-COS-001","seconds":300},{"text":["…"],"seconds":60}],
"scheduled":[{"text":"…","at_minute":0},{"text":"…","every_minutes":15}],"idle":["…"],"lang":"ja"}.
Exit status 1 when the server refuses (the message says why), 2 on bad usage.`

func runAvatar(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "avatar", "livehost avatar [--url http://127.0.0.1:8080] [--token TOKEN] [--json] SHOW plan [FILE|-] | start | pause | resume | stop | skip | say TEXT", avatarSummary)
	base := fs.String("url", "http://"+env.config().Addr, "the server (env LIVEHOST_ADDR)")
	token := fs.String("token", env.config().AdminToken, "an admin, host or moderator token (env LIVEHOST_ADMIN_TOKEN)")
	jsonOut := fs.Bool("json", false, "print the server's JSON answer as it is")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	usage := func() error { fs.Usage(); return errUsage }
	if len(pos) < 2 {
		return usage()
	}
	if *token == "" {
		return &exitError{2, fmt.Errorf("a token is needed (--token or LIVEHOST_ADMIN_TOKEN)")}
	}
	if _, err := url.Parse(*base); err != nil {
		return &exitError{2, fmt.Errorf("--url: %w", err)}
	}
	c := &apiClient{base: strings.TrimRight(*base, "/"), hc: &http.Client{Timeout: 30 * time.Second}}
	path := "/api/shows/" + url.PathEscape(pos[0]) + "/avatar"
	var out json.RawMessage
	switch verb := pos[1]; verb {
	case "plan":
		if len(pos) == 2 {
			_, err = c.call(ctx, *token, "GET", path+"/plan", nil, &out)
			break
		}
		var raw []byte
		if pos[2] == "-" {
			raw, err = io.ReadAll(env.stdin)
		} else {
			raw, err = os.ReadFile(pos[2])
		}
		if err != nil {
			return &exitError{2, fmt.Errorf("read plan: %w", err)}
		}
		var plan json.RawMessage
		if err := json.Unmarshal(raw, &plan); err != nil {
			return &exitError{2, fmt.Errorf("plan %s is not JSON: %w", pos[2], err)}
		}
		_, err = c.call(ctx, *token, "PUT", path+"/plan", plan, &out)
	case "start", "pause", "resume", "stop", "skip":
		_, err = c.call(ctx, *token, "POST", path+"/"+verb, nil, &out)
	case "say":
		if len(pos) < 3 {
			return usage()
		}
		_, err = c.call(ctx, *token, "POST", path+"/say", map[string]string{"text": strings.Join(pos[2:], " ")}, &out)
	default:
		return usage()
	}
	if err != nil {
		return &exitError{1, err}
	}
	if *jsonOut {
		fmt.Fprintf(env.stdout, "%s\n", out)
		return nil
	}
	var pretty any
	_ = json.Unmarshal(out, &pretty)
	b, _ := json.MarshalIndent(pretty, "", "  ")
	fmt.Fprintf(env.stdout, "%s\n", b)
	return nil
}

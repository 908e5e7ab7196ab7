package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"
)

func init() {
	register(command{name: "tokens", summary: "list, create and revoke a show's bearer tokens on a running server", run: runTokens})
}

const tokensUsage = `livehost tokens list SHOW [--json]
livehost tokens create SHOW --role moderator|host|ingest|overlay [--label NAME] [--ttl 36h] [--json]
livehost tokens revoke SHOW TOKEN_ID`

func runTokens(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "tokens", tokensUsage,
		`Manages the bearer tokens of a show on a running "livehost serve" through its API (admin token
from --admin-token or LIVEHOST_ADMIN_TOKEN). Lists never show a token, only its ID; "create"
prints the new token once. A revoked token fails from the next request on. A token without --ttl
works until its show has been stopped for a day.`)
	cfg := env.config()
	base := fs.String("url", "http://"+cfg.Addr, "URL of the running server (default from LIVEHOST_ADDR)")
	admin := fs.String("admin-token", cfg.AdminToken, "admin token (env LIVEHOST_ADMIN_TOKEN)")
	role := fs.String("role", "", "create: the token's role")
	label := fs.String("label", "", "create: who holds it (shown as \"by\" in the show's log)")
	ttl := fs.String("ttl", "", "create: how long the token works (for example 36h)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		fs.Usage()
		return errUsage
	}
	if *admin == "" {
		return &exitError{2, errors.New("an admin token is required: --admin-token or LIVEHOST_ADMIN_TOKEN")}
	}
	c := &apiClient{base: strings.TrimRight(*base, "/"), hc: &http.Client{Timeout: 30 * time.Second}}
	verb, show := pos[0], url.PathEscape(pos[1])
	switch verb {
	case "list":
		var out struct {
			Tokens []struct {
				ID        string    `json:"id"`
				Role      string    `json:"role"`
				Label     string    `json:"label"`
				CreatedAt time.Time `json:"created_at"`
				ExpiresAt time.Time `json:"expires_at"`
			} `json:"tokens"`
		}
		if _, err := c.call(ctx, *admin, "GET", "/api/shows/"+show+"/tokens", nil, &out); err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(env.stdout).Encode(out)
		}
		w := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tROLE\tLABEL\tCREATED\tEXPIRES")
		for _, t := range out.Tokens {
			exp := "show end + 1 day"
			if !t.ExpiresAt.IsZero() {
				exp = t.ExpiresAt.Local().Format(time.DateTime)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Role, t.Label, t.CreatedAt.Local().Format(time.DateTime), exp)
		}
		return w.Flush()
	case "create":
		if *role == "" {
			return &exitError{2, errors.New("create needs --role moderator, host, ingest or overlay")}
		}
		body := map[string]string{"role": *role, "label": *label}
		if *ttl != "" {
			body["ttl"] = *ttl
		}
		var out map[string]any
		if _, err := c.call(ctx, *admin, "POST", "/api/shows/"+show+"/tokens", body, &out); err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(env.stdout).Encode(out)
		}
		fmt.Fprintf(env.stdout, "%s\n(id %s; shown once: store it now)\n", out["token"], out["id"])
		return nil
	case "revoke":
		if len(pos) != 3 {
			return &exitError{2, errors.New("revoke needs SHOW and TOKEN_ID (see \"livehost tokens list SHOW\")")}
		}
		if _, err := c.call(ctx, *admin, "DELETE", "/api/shows/"+show+"/tokens/"+url.PathEscape(pos[2]), nil, nil); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "revoked %s\n", pos[2])
		return nil
	}
	return &exitError{2, fmt.Errorf("unknown tokens command %q (list, create or revoke)", verb)}
}

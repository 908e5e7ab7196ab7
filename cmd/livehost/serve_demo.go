package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/livehost/livehost/server"
)

// demoShowID is fixed so that restarting `serve --demo` on the same data directory continues the
// same show, rebuilt from its log.
const demoShowID = "demo"

type demo struct {
	apiClient
	show   string
	tokens map[string]string
	pages  map[string]string
	lineup []demoProduct
}

// setupDemo creates (or reopens) the demo show through the public API, like any client would.
func setupDemo(ctx context.Context, base, admin string, ag *servedCatalog, srv *server.Server) (*demo, error) {
	if len(ag.demoProducts) == 0 {
		return nil, fmt.Errorf("the catalog has no products")
	}
	d := &demo{apiClient: apiClient{base: base, hc: &http.Client{Timeout: 30 * time.Second}}, show: demoShowID, tokens: map[string]string{}, pages: map[string]string{}}
	d.lineup = ag.demoProducts[:min(6, len(ag.demoProducts))]
	skus := make([]string, len(d.lineup))
	for i, p := range d.lineup {
		skus[i] = p.SKU
	}
	// The list, not GET /api/shows/demo: a first start must not log a 404 for its own show.
	var list struct {
		Shows []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"shows"`
	}
	if _, err := d.call(ctx, admin, "GET", "/api/shows", nil, &list); err != nil {
		return nil, err
	}
	var cur struct {
		Status string `json:"status"`
		OnAir  string `json:"on_air"`
	}
	exists := false
	for _, sh := range list.Shows {
		exists = exists || sh.ID == demoShowID
	}
	if exists {
		if _, err := d.call(ctx, admin, "GET", "/api/shows/"+demoShowID, nil, &cur); err != nil {
			return nil, err
		}
	} else {
		body := map[string]any{"id": demoShowID, "title": "春の新作コスメ LIVE · Spring beauty live", "lineup": skus, "mode": "host"}
		if code, err := d.call(ctx, admin, "POST", "/api/shows", body, nil); err != nil || code != http.StatusCreated {
			return nil, fmt.Errorf("create show: status %d: %v", code, err)
		}
	}
	// The demo's tokens are derived from the admin token, so a restart with the same
	// LIVEHOST_ADMIN_TOKEN keeps the links that are open; tokens of earlier runs are revoked.
	for _, role := range []string{"moderator", "host", "ingest", "overlay"} {
		r, _ := server.ParseRole(role)
		tok := demoToken(admin, demoShowID, role)
		label := role + "-demo"
		if err := srv.IssueToken(ctx, tok, server.Grant{Role: r, Show: demoShowID, Label: label}); err != nil {
			return nil, fmt.Errorf("issue the %s token: %w", role, err)
		}
		if err := srv.RevokeTokens(ctx, demoShowID, label, server.TokenID(tok)); err != nil {
			return nil, fmt.Errorf("revoke earlier %s tokens: %w", role, err)
		}
		d.tokens[role] = tok
	}
	d.pages["control"] = pageURL(base, "control", demoShowID, d.tokens["moderator"])
	d.pages["console"] = pageURL(base, "console", demoShowID, d.tokens["moderator"])
	d.pages["teleprompter"] = pageURL(base, "teleprompter", demoShowID, d.tokens["host"])
	d.pages["mic"] = pageURL(base, "mic", demoShowID, d.tokens["host"]) // the host's microphone over WHIP
	d.pages["report"] = pageURL(base, "report", demoShowID, d.tokens["moderator"])
	if err := d.setScript(ctx); err != nil {
		return nil, err
	}
	if cur.OnAir == "" {
		if _, err := d.call(ctx, d.tokens["host"], "POST", "/api/shows/"+demoShowID+"/on-air", map[string]string{"sku": skus[0]}, nil); err != nil {
			return nil, err
		}
	}
	if cur.Status != "live" {
		if _, err := d.call(ctx, d.tokens["host"], "POST", "/api/shows/"+demoShowID+"/start", map[string]any{}, nil); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// demoToken derives a demo show's token for role from the admin token.
func demoToken(admin, showID, role string) string {
	m := hmac.New(sha256.New, []byte(admin))
	m.Write([]byte("livehost demo token\x00" + showID + "\x00" + role))
	return "lh_" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// hostLines are what the demo's host "says": mostly fine, some risky claims for the compliance check.
var hostLines = []string{
	"こんばんは！今日は春の新作をたっぷりご紹介します",
	"このクリームを使えばシミが消えるんです",
	"日やけによるシミ・そばかすを防ぐ処方になっています",
	"業界最安値でご提供します！",
	"塗るだけで絶対痩せるってすごくないですか",
	"気になる方はコメントで質問してくださいね",
	"保湿成分たっぷりで、乾燥による小じわを目立たなくします",
	"これはもう医者もすすめる、アトピーが治るクリームです",
}

// run feeds the simulated chat through the ingest API at rate messages/s, speaks a host line every
// 20 s and moves to the next product every 2 minutes, until ctx ends.
func (d *demo) run(ctx context.Context, rate float64, log *slog.Logger) {
	gen := newChatGen(uint64(time.Now().UnixNano()), d.lineup)
	chatTick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer chatTick.Stop()
	hostTick := time.NewTicker(20 * time.Second)
	defer hostTick.Stop()
	airTick := time.NewTicker(2 * time.Minute)
	defer airTick.Stop()
	line, onAir := 0, 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-chatTick.C:
			user, platform, text := gen.next()
			if _, err := d.call(ctx, d.tokens["ingest"], "POST", "/api/shows/"+d.show+"/chat",
				map[string]string{"user": user, "platform": platform, "text": text}, nil); err != nil && ctx.Err() == nil {
				log.Warn("demo chat", "err", err)
			}
		case <-hostTick.C:
			if line > 0 && line%len(hostLines) == 0 {
				// From the top: a fresh script puts the teleprompter's place back at line 1.
				if err := d.setScript(ctx); err != nil && ctx.Err() == nil {
					log.Warn("demo script", "err", err)
				}
			}
			text := hostLines[line%len(hostLines)]
			line++
			if _, err := d.call(ctx, d.tokens["host"], "POST", "/api/shows/"+d.show+"/transcript",
				map[string]any{"text": text, "final": true, "source": "demo"}, nil); err != nil && ctx.Err() == nil {
				log.Warn("demo transcript", "err", err)
			}
		case <-airTick.C:
			onAir = (onAir + 1) % len(d.lineup)
			if _, err := d.call(ctx, d.tokens["host"], "POST", "/api/shows/"+d.show+"/on-air",
				map[string]string{"sku": d.lineup[onAir].SKU}, nil); err != nil && ctx.Err() == nil {
				log.Warn("demo on-air", "err", err)
			}
		}
	}
}

// setScript gives the demo show its host script: the host lines, which the teleprompter then
// follows as they are spoken.
func (d *demo) setScript(ctx context.Context) error {
	if code, err := d.call(ctx, d.tokens["host"], "PUT", "/api/shows/"+d.show+"/script", map[string]string{"text": strings.Join(hostLines, "\n")}, nil); err != nil {
		return fmt.Errorf("set the host script: status %d: %w", code, err)
	}
	return nil
}

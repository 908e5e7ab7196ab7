package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/livehost/livehost/agents/answer"
	"github.com/livehost/livehost/agents/moderation"
	"github.com/livehost/livehost/avatar"
	"github.com/livehost/livehost/internal/wire"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/prompts"
	"github.com/livehost/livehost/server"
	"github.com/livehost/livehost/show"
	"github.com/livehost/livehost/tts"
)

// withAvatar mounts the avatar show's API with the offline engines (Open JTalk for Japanese,
// espeak-ng for English) over the example catalog.
func withAvatar(t *testing.T, engines ...tts.Engine) envOpt {
	return withAvatarTuned(t, nil, engines...)
}

// withAvatarTuned is withAvatar with tune applied to the Manager's options (a brand character,
// a data directory).
func withAvatarTuned(t *testing.T, tune func(*avatar.Options), engines ...tts.Engine) envOpt {
	if len(engines) == 0 {
		jt, es := &tts.OpenJTalk{}, &tts.ESpeak{}
		for _, err := range []error{jt.Available(), es.Available()} {
			if err != nil {
				if os.Getenv("CI") == "true" {
					t.Fatalf("%v (run scripts/install-deps.sh)", err)
				}
				t.Skip(err)
			}
		}
		engines = []tts.Engine{jt, es}
	}
	return func(c *envConfig) {
		c.over = append(c.over, func(rt *live.Runtime) (func(*echo.Echo, server.Auth), func()) {
			ag, err := agents()
			if err != nil {
				t.Fatal(err)
			}
			mod, err := moderation.NewDefault()
			if err != nil {
				t.Fatal(err)
			}
			set := prompts.MustDefault()
			opt := avatar.Options{Runtime: rt, Products: wire.CatalogProducts(ag.searcher),
				Speech: &tts.Chain{Engines: engines}, Prompts: set, NameOK: wire.NameOK(mod),
				Gate: &avatar.Gate{Host: wire.HostCheck(mod), Guard: &answer.Guard{Policy: set.Policy}},
				Gap:  50 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
			if tune != nil {
				tune(&opt)
			}
			m, err := avatar.New(opt)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Boot(context.Background()); err != nil {
				t.Fatal(err)
			}
			return server.AvatarRoutes(m), m.Close
		})
	}
}

// avatarEvent is an event as the API writes it: the payload's fields beside seq and type.
type avatarEvent struct {
	Seq  int64
	Type string
	Data json.RawMessage // the whole event
}

func (a *avatarEvent) UnmarshalJSON(b []byte) error {
	var head struct {
		Seq  int64  `json:"seq"`
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return err
	}
	a.Seq, a.Type, a.Data = head.Seq, head.Type, append(json.RawMessage{}, b...)
	return nil
}

// avatarEvents polls the show's log until cond holds on its avatar.* events.
func (e *env) avatarEvents(showID, token string, cond func([]avatarEvent) bool) []avatarEvent {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var av []avatarEvent
		for after := int64(0); ; {
			var out struct {
				Events []avatarEvent `json:"events"`
				Next   int64         `json:"next"`
				More   bool          `json:"more"`
			}
			if code, _ := e.do("GET", fmt.Sprintf("/api/shows/%s/events?after=%d", showID, after), token, nil, &out); code != 200 {
				e.t.Fatalf("events: %d", code)
			}
			for _, ev := range out.Events {
				if strings.HasPrefix(ev.Type, "avatar.") {
					av = append(av, ev)
				}
			}
			if !out.More {
				break
			}
			after = out.Next
		}
		if cond(av) {
			return av
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("avatar events never met the condition; got %d: %.2000s", len(av), func() string { b, _ := json.Marshal(av); return string(b) }())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func utterances(evs []avatarEvent) []show.AvatarUtterance {
	var out []show.AvatarUtterance
	for _, ev := range evs {
		if ev.Type == show.TypeAvatarUtterance {
			var u show.AvatarUtterance
			_ = json.Unmarshal(ev.Data, &u)
			out = append(out, u)
		}
	}
	return out
}

func (e *env) newAvatarShow(lineup ...string) (string, map[string]string) {
	e.t.Helper()
	var sh struct {
		ID string `json:"id"`
	}
	if code, _ := e.do("POST", "/api/shows", testAdmin, map[string]any{"title": "24時間 無人ライブ", "lineup": lineup, "mode": "avatar"}, &sh); code != 201 {
		e.t.Fatalf("create avatar show: %d", code)
	}
	toks := map[string]string{"admin": testAdmin}
	for _, role := range []string{"moderator", "host", "overlay"} {
		var tok struct {
			Token string `json:"token"`
		}
		if code, _ := e.do("POST", "/api/shows/"+sh.ID+"/tokens", testAdmin, map[string]string{"role": role}, &tok); code != 201 {
			e.t.Fatalf("create %s token: %d", role, code)
		}
		toks[role] = tok.Token
	}
	return sh.ID, toks
}

// TestAvatarContract is the contract: a show started with /avatar/start speaks with no
// further input, lines carry audio URLs serving WAV; a price question is answered in voice with
// the catalog's sale price and the question's chat_seq; a 薬機法 claim sent with /say is not spoken.
func TestAvatarContract(t *testing.T) {
	e := newEnv(t, withAvatar(t))
	id, toks := e.newAvatarShow("LH-COS-001", "LH-COS-002")
	var started struct {
		State string `json:"state"`
	}
	if code, _ := e.do("POST", "/api/shows/"+id+"/avatar/start", toks["host"], nil, &started); code != 200 || started.State != "running" {
		t.Fatalf("start: %d %+v", code, started)
	}
	evs := e.avatarEvents(id, testAdmin, func(evs []avatarEvent) bool { return len(utterances(evs)) >= 2 })
	u := utterances(evs)[0]
	if u.Text == "" || u.Audio == "" || u.Engine != "openjtalk" || u.DurationMS <= 0 || len(u.Marks) < 2 || u.Gate != "passed" {
		t.Fatalf("first utterance %+v", u)
	}
	// The overlay token in the query fetches the audio, as the page does.
	res, err := http.Get(e.URL + u.Audio + "?token=" + toks["overlay"])
	if err != nil {
		t.Fatal(err)
	}
	audio, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || (ct != "audio/wav" && ct != "audio/ogg") || !strings.HasPrefix(string(audio), "RIFF") {
		t.Fatalf("audio: %d %q %d bytes", res.StatusCode, ct, len(audio))
	}

	var chat chatResult
	if code, _ := e.do("POST", "/api/shows/"+id+"/chat", toks["admin"], map[string]string{"user": "さくら", "text": "このリップはいくらですか？"}, &chat); code != 202 {
		t.Fatalf("chat: %d", code)
	}
	seq := chat.Seq
	evs = e.avatarEvents(id, testAdmin, func(evs []avatarEvent) bool {
		for _, u := range utterances(evs) {
			if u.ChatSeq == seq {
				return true
			}
		}
		return false
	})
	var answers []show.AvatarUtterance
	for _, u := range utterances(evs) {
		if u.ChatSeq == seq {
			answers = append(answers, u)
		}
	}
	if !strings.Contains(answers[0].Text, "1,580円") || answers[0].Kind != "answer" || answers[0].Audio == "" {
		t.Fatalf("price answer %+v: want the sale price 1,580円", answers[0])
	}
	if !strings.HasPrefix(answers[0].Text, "さくらさん") {
		t.Fatalf("a clean name is read: %q", answers[0].Text)
	}
	// A price question that names no product is about the one on air, and spoken by itself too.
	if code, _ := e.do("POST", "/api/shows/"+id+"/chat", toks["admin"], map[string]string{"user": "もも", "text": "いくらですか？"}, &chat); code != 202 {
		t.Fatalf("chat: %d", code)
	}
	bare := chat.Seq
	evs = e.avatarEvents(id, testAdmin, func(evs []avatarEvent) bool {
		return slices.ContainsFunc(utterances(evs), func(u show.AvatarUtterance) bool { return u.ChatSeq == bare })
	})
	for _, u := range utterances(evs) {
		if u.ChatSeq == bare && (!strings.Contains(u.Text, "1,580円") || u.Audio == "") {
			t.Fatalf("answer to いくらですか？ %+v: want the sale price 1,580円 in voice", u)
		}
	}

	claim := "このリップでシミが消えます。"
	var said avatar.SayResult
	if code, _ := e.do("POST", "/api/shows/"+id+"/avatar/say", toks["moderator"], map[string]string{"text": claim + "ぜひ見てくださいね。"}, &said); code != 202 {
		t.Fatalf("say: %d", code)
	}
	if len(said.Refused) != 1 || said.Refused[0].Text != claim || len(said.Queued) != 1 {
		t.Fatalf("say result %+v", said)
	}
	evs = e.avatarEvents(id, testAdmin, func(evs []avatarEvent) bool {
		for _, u := range utterances(evs) {
			if u.Kind == "say" {
				return true
			}
		}
		return false
	})
	for _, u := range utterances(evs) {
		if strings.Contains(u.Text, "消えます") {
			t.Fatalf("the claim was spoken: %+v", u)
		}
	}
	skipped := false
	for _, ev := range evs {
		if ev.Type == show.TypeAvatarSkipped && strings.Contains(string(ev.Data), "消えます") && strings.Contains(string(ev.Data), "yakkiho") {
			skipped = true
		}
	}
	if !skipped {
		t.Fatal("the refused claim is not logged with why")
	}
}

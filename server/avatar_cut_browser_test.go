package server_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/livehost/livehost/show"
)

// TestAvatarPageCutsTalkForAnAnswer: while the page plays a talk clause, a viewer's question is
// answered: the runner logs avatar.cut at one of the clause's phrase breaks, the page (headless
// Chromium, Open JTalk's audio) stops that audio there, reports its end, and plays the answer next.
func TestAvatarPageCutsTalkForAnAnswer(t *testing.T) {
	e := newEnv(t, withAvatar(t))
	id, toks := e.newAvatarShow("LH-COS-001")
	ctx := openAvatarPage(t, e, id, toks["overlay"], "", 1280, 720)
	if code, _ := e.do("POST", "/api/shows/"+id+"/avatar/start", toks["host"], nil, nil); code != 200 {
		t.Fatalf("start: %d", code)
	}
	// Ask while a talk clause with breaks ahead is playing (the page has reported its start). On a
	// busy machine the answer may come too late for the last break, and the clause ends by itself:
	// then ask again, another question, during another clause.
	questions := []string{"このリップはいくらですか？", "在庫ありますか？", "このリップの値段は？"}
	var (
		asked int64
		talk  show.AvatarUtterance
		cut   *show.AvatarCut
		evs   []avatarEvent
	)
	for attempt := 0; cut == nil; attempt++ {
		if attempt == len(questions) {
			t.Fatalf("no answer cut the talk in %d tries", attempt)
		}
		asked, talk = 0, show.AvatarUtterance{}
		for try := 0; asked == 0; try++ {
			if try == 60 {
				t.Fatal("no talk utterance with a break well ahead came to play")
			}
			var st struct {
				Playback *struct {
					Utterance string    `json:"utterance"`
					Phase     string    `json:"phase"`
					At        time.Time `json:"at"`
				} `json:"playback"`
			}
			e.do("GET", "/api/shows/"+id+"/avatar/plan", toks["host"], nil, &st)
			if st.Playback != nil && st.Playback.Phase == "start" {
				all := utterances(e.avatarEvents(id, testAdmin, func([]avatarEvent) bool { return true }))
				i := slices.IndexFunc(all, func(u show.AvatarUtterance) bool { return u.ID == st.Playback.Utterance })
				if i >= 0 {
					// A break must be left well ahead (the runner cuts at one at least 150 ms ahead
					// and not within 400 ms of the end), or the talk ends by itself.
					played := time.Since(st.Playback.At).Milliseconds()
					u := all[i]
					if u.Kind == "talk" && slices.ContainsFunc(u.Breaks, func(b int64) bool { return b >= played+400 && b < u.DurationMS-400 }) {
						var chat chatResult
						if code, _ := e.do("POST", "/api/shows/"+id+"/chat", toks["admin"], map[string]string{"user": "さくら", "text": questions[attempt]}, &chat); code != 202 {
							t.Fatalf("chat: %d", code)
						}
						asked, talk = chat.Seq, u
						break
					}
				}
			}
			time.Sleep(150 * time.Millisecond)
		}
		evs = e.avatarEvents(id, testAdmin, func(evs []avatarEvent) bool {
			return slices.ContainsFunc(utterances(evs), func(u show.AvatarUtterance) bool { return u.ChatSeq == asked })
		})
		for _, ev := range evs {
			if ev.Type == show.TypeAvatarCut {
				var c show.AvatarCut
				if err := json.Unmarshal(ev.Data, &c); err != nil {
					t.Fatal(err)
				}
				if c.Utterance == talk.ID {
					cut = &c
				}
			}
		}
		if cut == nil {
			t.Logf("question %d was answered after %s ended by itself: asking again", asked, talk.ID)
		}
	}
	if cut == nil || cut.Reason != "answer" || !slices.Contains(talk.Breaks, cut.AtMS) {
		t.Fatalf("cut %+v of %s (breaks %v)", cut, talk.ID, talk.Breaks)
	}
	// The page stopped the audio at the break (or the next one, had it been past it), reported the
	// end, and played the answer. (How soon after the break it stopped is one animation frame on a
	// quiet machine; not asserted.)
	var state struct {
		Cuts []struct {
			ID string `json:"id"`
			At int64  `json:"at"`
			T  int64  `json:"t"`
		} `json:"cuts"`
		Captions []string `json:"captions"`
		Reported []struct {
			ID    string `json:"id"`
			Phase string `json:"phase"`
		} `json:"reported"`
	}
	var answer show.AvatarUtterance
	for _, u := range utterances(evs) {
		if u.ChatSeq == asked {
			answer = u
			break
		}
	}
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](fmt.Sprintf(`window.avatarState.captions.includes(%q)`, answer.Text),
		chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("the page never played the answer: %v", err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.avatarState)`))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(raw), &state); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(state.Cuts, func(c struct {
		ID string `json:"id"`
		At int64  `json:"at"`
		T  int64  `json:"t"`
	}) bool {
		return c.ID == talk.ID
	})
	if i < 0 {
		t.Fatalf("the page did not cut %s: %+v", talk.ID, state.Cuts)
	}
	c := state.Cuts[i]
	if !slices.Contains(talk.Breaks, c.At) || c.At < cut.AtMS || c.T < c.At {
		t.Fatalf("the page stopped %s at %d ms for a break at %d (cut at %d, breaks %v, %d ms long)", talk.ID, c.T, c.At, cut.AtMS, talk.Breaks, talk.DurationMS)
	}
	if !slices.ContainsFunc(state.Reported, func(r struct {
		ID    string `json:"id"`
		Phase string `json:"phase"`
	}) bool {
		return r.ID == talk.ID && r.Phase == "end"
	}) {
		t.Fatalf("no end reported for the cut utterance: %+v", state.Reported)
	}
}

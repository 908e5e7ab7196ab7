package cluster_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/livehost/livehost/internal/pgtest"
	"github.com/livehost/livehost/show"
)

// TestAvatarAcrossFailover: an avatar show started on its owner (through another node) keeps
// speaking after the owner is killed with SIGKILL: the new owner logs new utterances, goes on
// from the plan's position in the log rather than from its top, answers a question asked after
// the kill, and answers no question twice; the audio of its lines is served by any node. Then
// the new owner is drained with SIGTERM: it exits 0 and the last node goes on speaking.
func TestAvatarAcrossFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three server processes")
	}
	dbURL := pgtest.URL(t)
	ns := startNATS(t)
	nodes := startNodes(t, dbURL, ns.url(), "a1", "a2", "a3")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var sh show.Show
	if _, err := do(ctx, http.MethodPost, nodes[0].url+"/api/shows", map[string]any{"title": "無人ライブ", "mode": "avatar",
		"lineup": []string{"LH-COS-001", "LH-COS-002", "LH-COS-003"}}, &sh); err != nil {
		t.Fatal(err)
	}
	owner := waitOwner(t, dbURL, sh.ID, "", 15*time.Second)
	victim, survivors := split(nodes, owner)
	via := survivors[0] // every control goes through a node that does not own the show
	avatarURL := via.url + "/api/shows/" + sh.ID + "/avatar/"
	if _, err := do(ctx, http.MethodPost, avatarURL+"start", nil, nil); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, via, sh.ID, "a first utterance", func(evs []show.Event) bool { return len(utterancesOf(evs)) > 0 })
	// Move the plan on to its second segment, so that starting over would show.
	if _, err := do(ctx, http.MethodPost, avatarURL+"skip", nil, nil); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, via, sh.ID, "the second segment", func(evs []show.Event) bool {
		seg, ok := lastSegment(evs)
		return ok && seg.Index == 1
	})
	ask := func(text string) int64 {
		var res chatResult
		if _, err := do(ctx, http.MethodPost, via.url+"/api/shows/"+sh.ID+"/chat", map[string]string{"user": "さくら", "text": text}, &res); err != nil {
			t.Fatal(err)
		}
		return res.Seq
	}
	answered := func(seq int64) func([]show.Event) bool {
		return func(evs []show.Event) bool {
			for _, u := range utterancesOf(evs) {
				if u.ChatSeq == seq {
					return true
				}
			}
			return false
		}
	}
	before := ask("このリップはいくらですか？")
	evs := waitEvents(t, via, sh.ID, "the answer before the kill", answered(before))

	victim.kill(t)
	killedAt := evs[len(evs)-1].Seq
	after := ask("値段はいくらですか？")
	newOwner := waitOwner(t, dbURL, sh.ID, victim.id, 15*time.Second)
	t.Logf("killed %s at seq %d; asked at seq %d; %s took the show", victim.id, killedAt, after, newOwner)
	evs = waitEvents(t, via, sh.ID, "the answer after the kill and two more lines", func(evs []show.Event) bool {
		n := 0
		for _, ev := range evs {
			if ev.Seq > killedAt && ev.Type == show.TypeAvatarUtterance {
				n++
			}
		}
		return n >= 3 && answered(after)(evs)
	})

	// The position: the first segment the new owner logs is the one the show was in (or later).
	for _, ev := range evs {
		var seg show.AvatarSegment
		if ev.Seq > killedAt && ev.Type == show.TypeAvatarSegment && ev.Decode(&seg) == nil {
			if seg.Loop == 0 && seg.Index < 1 {
				t.Fatalf("the new owner started the plan over: segment %+v after the kill", seg)
			}
			break
		}
	}
	checkAnsweredOnce(t, evs)
	checkPosition(t, via, sh.ID)
	var newLine show.AvatarUtterance
	for _, ev := range evs {
		if ev.Seq > killedAt && ev.Type == show.TypeAvatarUtterance && ev.Decode(&newLine) == nil {
			break
		}
	}
	// The new owner's audio, fetched from a node that may not be the owner.
	for _, n := range survivors {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.url+newLine.Audio, nil)
		req.Header.Set("Authorization", "Bearer "+adminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(b), "RIFF") && !strings.HasPrefix(string(b), "OggS") {
			t.Fatalf("audio %s from %s: %d, %d bytes", newLine.Audio, n.id, resp.StatusCode, len(b))
		}
	}

	// Then the new owner drains (SIGTERM): it exits 0 and the last node goes on speaking.
	drained, rest := split(survivors, newOwner)
	last := rest[0]
	evs = allEvents(t, last.url, sh.ID)
	drainedAt := evs[len(evs)-1].Seq
	if err := drained.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-drained.done:
	case <-time.After(30 * time.Second):
		_ = drained.cmd.Process.Signal(syscall.SIGQUIT) // its goroutines, in the log below
		time.Sleep(2 * time.Second)
		t.Fatal("the drained node did not exit within 30 s")
	}
	if code := drained.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("the drained node exited %d", code)
	}
	waitOwner(t, dbURL, sh.ID, drained.id, 15*time.Second)
	evs = waitEvents(t, last, sh.ID, "two lines after the drain", func(evs []show.Event) bool {
		n := 0
		for _, ev := range evs {
			if ev.Seq > drainedAt && ev.Type == show.TypeAvatarUtterance {
				n++
			}
		}
		return n >= 2
	})
	checkAnsweredOnce(t, evs)
	checkPosition(t, last, sh.ID)
	for _, ev := range evs {
		var st show.AvatarState
		if ev.Seq > killedAt && ev.Type == show.TypeAvatarState && ev.Decode(&st) == nil && st.State != "running" {
			t.Fatalf("the avatar's state changed to %+v after the kill or the drain", st)
		}
	}
	t.Logf("avatar moved from %s to %s (killed), then to %s (drained); the first line after the kill %q", victim.id, newOwner, last.id, newLine.Text)
}

// checkPosition: the avatar, as its owner reports it through n, is running and past the first
// segment (the test skipped to the second before the owner changed).
func checkPosition(t *testing.T, n *node, showID string) {
	t.Helper()
	var st struct {
		State   string `json:"state"`
		Segment int    `json:"segment"`
		Loop    int    `json:"loop"`
		OnAir   string `json:"on_air"`
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := do(ctx, http.MethodGet, n.url+"/api/shows/"+showID+"/avatar/plan", nil, &st); err != nil {
		t.Fatal(err)
	}
	if st.State != "running" || st.Segment < 1 && st.Loop == 0 {
		t.Fatalf("the avatar on the new owner: %+v; want running, past the first segment", st)
	}
}

// checkAnsweredOnce: no question is answered twice (an answer's clauses, each once, all with
// its chat seq).
func checkAnsweredOnce(t *testing.T, evs []show.Event) {
	t.Helper()
	spoken := map[string]bool{}
	for _, u := range utterancesOf(evs) {
		if u.ChatSeq == 0 {
			continue
		}
		key := fmt.Sprintf("%d/%s", u.ChatSeq, u.Text)
		if spoken[key] {
			t.Fatalf("question at seq %d answered twice: %q", u.ChatSeq, u.Text)
		}
		spoken[key] = true
	}
}

func utterancesOf(evs []show.Event) []show.AvatarUtterance {
	var out []show.AvatarUtterance
	for _, ev := range evs {
		var u show.AvatarUtterance
		if ev.Type == show.TypeAvatarUtterance && ev.Decode(&u) == nil {
			out = append(out, u)
		}
	}
	return out
}

func lastSegment(evs []show.Event) (show.AvatarSegment, bool) {
	var seg show.AvatarSegment
	ok := false
	for _, ev := range evs {
		if ev.Type == show.TypeAvatarSegment && ev.Decode(&seg) == nil {
			ok = true
		}
	}
	return seg, ok
}

// waitEvents reads the show's log from n until done says so (30 s at most).
func waitEvents(t *testing.T, n *node, showID, what string, done func([]show.Event) bool) []show.Event {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		evs := allEvents(t, n.url, showID)
		if done(evs) {
			return evs
		}
		if time.Now().After(deadline) {
			var types []string
			for _, ev := range evs[max(0, len(evs)-25):] {
				types = append(types, fmt.Sprintf("%d:%s %s", ev.Seq, ev.Type, ev.Data))
			}
			t.Fatalf("waiting for %s: not in the log within 30 s; its last events\n%s", what, strings.Join(types, "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// The HTTP client's idle keep-alive connections outlive a test by design.
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

func TestDraftReview(t *testing.T) {
	e := newEnv(t)
	tok := e.newShow("s1")
	var tk struct {
		Token string `json:"token"`
	}
	e.do("POST", "/api/shows/s1/tokens", testAdmin, map[string]string{"role": "moderator", "label": "mod-2"}, &tk)
	mod2 := tk.Token

	// Ingredients questions wait for a person; the same question twice is one draft with a count.
	q := map[string]string{"user": "a", "text": "リップティントの成分は何ですか？"}
	e.do("POST", "/api/shows/s1/chat", tok["ingest"], q, nil)
	q["user"] = "b"
	e.do("POST", "/api/shows/s1/chat", tok["ingest"], q, nil)
	e.do("POST", "/api/shows/s1/chat", tok["ingest"], map[string]string{"user": "c", "text": "リップティントは何色がありますか？"}, nil)
	pending := e.waitDrafts("s1", tok["moderator"], "pending", func(d []draft) bool {
		return len(d) == 2 && (d[0].Count == 2 || d[1].Count == 2)
	})
	ingr, color := pending[0], pending[1]
	if ingr.Intent != "ingredients" {
		ingr, color = color, ingr
	}
	if !strings.Contains(ingr.Text, "ヒアルロン酸") {
		t.Fatalf("ingredients draft %q does not state the catalog's ingredients", ingr.Text)
	}

	// One moderator claims; the other cannot approve it meanwhile.
	if code, _ := e.do("POST", "/api/drafts/"+ingr.DraftID+"/claim", tok["moderator"], nil, nil); code != 200 {
		t.Fatalf("claim: %d", code)
	}
	var errOut struct {
		Error string `json:"error"`
	}
	if code, _ := e.do("POST", "/api/drafts/"+ingr.DraftID+"/approve", mod2, nil, &errOut); code != 409 || !strings.Contains(errOut.Error, "claimed by moderator-1") {
		t.Fatalf("approve of another's claim: %d %q, want 409", code, errOut.Error)
	}
	// The claimer edits and approves: the edit is what gets published.
	edited := "ヒアルロン酸Na・スクワラン・ホホバ種子油配合です。詳しくは商品ページをご覧ください！"
	var d draft
	if code, _ := e.do("POST", "/api/drafts/"+ingr.DraftID+"/approve", tok["moderator"], map[string]string{"text": edited}, &d); code != 200 {
		t.Fatalf("approve with edit: %d", code)
	}
	if d.Status != "published" || d.Text != edited {
		t.Fatalf("after edit: %+v", d)
	}
	if code, _ := e.do("POST", "/api/drafts/"+ingr.DraftID+"/reject", tok["moderator"], nil, &errOut); code != 409 {
		t.Fatalf("reject after publish: %d, want 409", code)
	}
	if code, _ := e.do("POST", "/api/drafts/"+color.DraftID+"/reject", mod2, map[string]string{"reason": "off-topic"}, &d); code != 200 || d.Status != "rejected" {
		t.Fatalf("reject: %d %+v", code, d)
	}
	// A host may read drafts but not decide them.
	if code, _ := e.do("POST", "/api/drafts/"+color.DraftID+"/approve", tok["host"], nil, nil); code != 403 {
		t.Fatalf("host approving: %d, want 403", code)
	}
	var evs struct {
		Events []map[string]any `json:"events"`
	}
	e.do("GET", "/api/shows/s1/events", tok["moderator"], nil, &evs)
	var types []string
	for _, ev := range evs.Events {
		if strings.HasPrefix(ev["type"].(string), "draft.") && ev["type"] != "draft.created" {
			types = append(types, ev["type"].(string))
		}
	}
	if got := strings.Join(types, " "); got != "draft.asked draft.claimed draft.edited draft.published draft.rejected" {
		t.Fatalf("draft events %q", got)
	}
}

func TestTranscriptCompliance(t *testing.T) {
	e := newEnv(t)
	tok := e.newShow("s1")
	var out struct {
		Seq        int64 `json:"seq"`
		Compliance *struct {
			TranscriptSeq int64 `json:"transcript_seq"`
			Matches       []struct {
				Term, Category, Suggestion string
				Start, End                 int
			} `json:"matches"`
		} `json:"compliance"`
	}
	if code, _ := e.do("POST", "/api/shows/s1/transcript", tok["host"], map[string]any{"text": "このクリームを使えばシミが消えるんです", "final": true}, &out); code != 202 {
		t.Fatalf("transcript: %d", code)
	}
	if out.Compliance == nil || out.Compliance.TranscriptSeq != out.Seq || len(out.Compliance.Matches) == 0 {
		t.Fatalf("risky claim not flagged: %+v", out)
	}
	m := out.Compliance.Matches[0]
	span := string([]rune("このクリームを使えばシミが消えるんです")[m.Start:m.End])
	if m.Category != "yakkiho" || m.Suggestion == "" || !strings.Contains(span, "シミ") || !strings.Contains(span, "消え") {
		t.Fatalf("match %+v", m)
	}
	out.Compliance = nil
	e.do("POST", "/api/shows/s1/transcript", tok["host"], map[string]any{"text": "日やけによるシミ・そばかすを防ぎます", "final": true}, &out)
	if out.Compliance != nil {
		t.Fatalf("an approved cosmetic claim was flagged: %+v", out.Compliance)
	}
}

// wsEvents dials the stream and returns a channel of its events.
func wsEvents(t *testing.T, ctx context.Context, e *env, showID, token string, after int64) (<-chan map[string]any, *websocket.Conn) {
	t.Helper()
	url := strings.Replace(e.URL, "http", "ws", 1) + fmt.Sprintf("/api/shows/%s/stream?after=%d&token=%s", showID, after, token)
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial stream: %v", err)
	}
	c.SetReadLimit(1 << 20)
	ch := make(chan map[string]any, 1<<16)
	go func() {
		defer close(ch)
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			// One message carries one or more events, one per line.
			for _, line := range bytes.Split(data, []byte("\n")) {
				var ev map[string]any
				if json.Unmarshal(line, &ev) == nil {
					ch <- ev
				}
			}
		}
	}()
	return ch, c
}

func TestStreamResumeAndRoles(t *testing.T) {
	e := newEnv(t)
	tok := e.newShow("s1")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range 5 {
		e.do("POST", "/api/shows/s1/chat", tok["ingest"], map[string]string{"user": "u", "text": fmt.Sprintf("こんにちは %d", i)}, nil)
	}
	ch, c := wsEvents(t, ctx, e, "s1", tok["moderator"], 0)
	var last float64
	for last < 12 { // show.created, tokens are not events: 1 + on_air + 5×2
		ev := <-ch
		if ev["seq"].(float64) != last+1 {
			t.Fatalf("gap or repeat: got seq %v after %v", ev["seq"], last)
		}
		last = ev["seq"].(float64)
	}
	c.Close(websocket.StatusNormalClosure, "")

	// Resume after 10: exactly 11, 12, then live ones.
	ch, c = wsEvents(t, ctx, e, "s1", tok["host"], 10)
	e.do("POST", "/api/shows/s1/chat", tok["ingest"], map[string]string{"user": "u", "text": "live"}, nil)
	for want := 11.0; want <= 14; want++ {
		select {
		case ev := <-ch:
			if ev["seq"].(float64) != want {
				t.Fatalf("resume: got %v, want %v", ev["seq"], want)
			}
		case <-ctx.Done():
			t.Fatal("stream stalled")
		}
	}
	c.Close(websocket.StatusNormalClosure, "")

	// An overlay sees only what viewers may see.
	ch, c = wsEvents(t, ctx, e, "s1", tok["overlay"], 0)
	ev := <-ch
	if ev["type"] != "product.on_air" {
		t.Fatalf("overlay got %v first, want product.on_air", ev["type"])
	}
	c.Close(websocket.StatusNormalClosure, "")

	// Ingest tokens cannot read the stream; tokens of another show neither.
	url := strings.Replace(e.URL, "http", "ws", 1) + "/api/shows/s1/stream?token=" + tok["ingest"]
	if _, res, err := websocket.Dial(ctx, url, nil); err == nil || res == nil || res.StatusCode != 403 {
		t.Fatalf("ingest token on the stream: %v %v", err, res)
	}
}

// A client that does not read must not slow ingest: its buffer overflows, it gets a resync
// marker and then the events from the log, with no gap.
func TestSlowStreamClient(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.live.SubscriptionBuffer = 8 })
	tok := e.newShow("s1")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url := strings.Replace(e.URL, "http", "ws", 1) + "/api/shows/s1/stream?after=0&token=" + tok["moderator"]
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)

	const batches, per = 20, 100
	long := strings.Repeat("長いメッセージ", 40)
	for b := range batches {
		msgs := make([]map[string]string, per)
		for i := range msgs {
			msgs[i] = map[string]string{"user": fmt.Sprintf("u%d", i), "text": fmt.Sprintf("%s %d-%d", long, b, i)}
		}
		if code, _ := e.do("POST", "/api/shows/s1/chat", tok["ingest"], msgs, nil); code != 202 {
			t.Fatalf("batch %d: %d", b, code)
		}
	}
	// Now read everything: seqs must be 1..N without gaps, resync markers allowed between.
	var last float64
	resyncs := 0
	want := float64(2 + batches*per*2)
	var pending [][]byte
	for last < want {
		if len(pending) == 0 {
			_, data, err := c.Read(ctx)
			if err != nil {
				t.Fatalf("read after seq %v: %v", last, err)
			}
			pending = bytes.Split(data, []byte("\n"))
		}
		var ev map[string]any
		if err := json.Unmarshal(pending[0], &ev); err != nil {
			t.Fatal(err)
		}
		pending = pending[1:]
		if ev["type"] == "stream.resync" {
			resyncs++
			if ev["after"].(float64) != last {
				t.Fatalf("resync after %v, but the last event was %v", ev["after"], last)
			}
			continue
		}
		if ev["seq"].(float64) != last+1 {
			t.Fatalf("gap: seq %v after %v", ev["seq"], last)
		}
		last = ev["seq"].(float64)
	}
	t.Logf("%d events, %d resync markers", int(last), resyncs)
}

// Closing the server and building a new one on the same log keeps pending drafts, held messages
// and the product on air.
func TestRestartRebuildsState(t *testing.T) {
	e := newEnv(t)
	tok := e.newShow("s1")
	e.do("POST", "/api/shows/s1/chat", tok["ingest"], []map[string]string{{"user": "a", "text": "ブスは黙れ"}, {"user": "b", "text": "リップティントの成分は何ですか？"}}, nil)
	pending := e.waitDrafts("s1", tok["moderator"], "pending", func(d []draft) bool { return len(d) == 1 })
	e.do("POST", "/api/shows/s1/on-air", tok["host"], map[string]string{"sku": "LH-COS-002"}, nil)
	e.restart()
	var st struct {
		OnAir  string  `json:"on_air"`
		Held   []any   `json:"held"`
		Drafts []draft `json:"drafts"`
	}
	if code, _ := e.do("GET", "/api/shows/s1/state", tok["moderator"], nil, &st); code != 200 {
		t.Fatalf("state after restart: %d (tokens must survive too)", code)
	}
	if st.OnAir != "LH-COS-002" || len(st.Held) != 1 || len(st.Drafts) != 1 || st.Drafts[0].DraftID != pending[0].DraftID {
		t.Fatalf("state after restart: %+v", st)
	}
	// And the draft can still be approved through the new server.
	if code, _ := e.do("POST", "/api/drafts/"+pending[0].DraftID+"/approve", tok["moderator"], nil, nil); code != 200 {
		t.Fatalf("approve after restart: %d", code)
	}
}

func TestDraftExpiry(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.live.DraftTTL = 300 * time.Millisecond })
	tok := e.newShow("s1")
	e.do("POST", "/api/shows/s1/chat", tok["ingest"], map[string]string{"user": "a", "text": "リップティントの成分は何ですか？"}, nil)
	e.waitDrafts("s1", tok["moderator"], "pending", func(d []draft) bool { return len(d) == 1 })
	exp := e.waitDrafts("s1", tok["moderator"], "expired", func(d []draft) bool { return len(d) == 1 })
	var out struct {
		Error string `json:"error"`
	}
	if code, _ := e.do("POST", "/api/drafts/"+exp[0].DraftID+"/approve", tok["moderator"], nil, &out); code != 409 || !strings.Contains(out.Error, "expired") {
		t.Fatalf("approving an expired draft: %d %q", code, out.Error)
	}
}

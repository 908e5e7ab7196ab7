package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/livehost/livehost/openaitest"
)

// servedShow creates a show on a running serve with LH-COS-001 on air and returns the ingest token.
func servedShow(t *testing.T, base, id string) string {
	t.Helper()
	if code, err := call(base+"/api/shows", storeAdmin, "POST", map[string]any{"id": id, "title": "t", "lineup": []string{"LH-COS-001", "LH-COS-002"}}, nil); code != 201 {
		t.Fatalf("create show %s: %d %v", id, code, err)
	}
	if code, err := call(base+"/api/shows/"+id+"/on-air", storeAdmin, "POST", map[string]string{"sku": "LH-COS-001"}, nil); code != 200 {
		t.Fatalf("on-air: %d %v", code, err)
	}
	var tok struct {
		Token string `json:"token"`
	}
	if code, err := call(base+"/api/shows/"+id+"/tokens", storeAdmin, "POST", map[string]string{"role": "ingest"}, &tok); code != 201 {
		t.Fatalf("ingest token: %d %v", code, err)
	}
	return tok.Token
}

// draftOf waits for the draft.created event of user's message and returns its payload.
func draftOf(t *testing.T, base, show, user string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var page struct {
			Events []map[string]any `json:"events"`
		}
		if code, err := call(fmt.Sprintf("%s/api/shows/%s/events?limit=1000", base, show), storeAdmin, "GET", nil, &page); code != 200 {
			t.Fatalf("events: %d %v", code, err)
		}
		for _, ev := range page.Events {
			if ev["type"] == "draft.created" && ev["user"] == user {
				return ev
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no draft for %s within 30 s", user)
	return nil
}

func chat(t *testing.T, base, show, ingest, user, text string) string {
	t.Helper()
	var res struct {
		Verdict struct {
			Action string `json:"action"`
		} `json:"verdict"`
	}
	if code, err := call(base+"/api/shows/"+show+"/chat", ingest, "POST", map[string]string{"user": user, "text": text}, &res); code != 202 {
		t.Fatalf("chat %q: %d %v", text, code, err)
	}
	return res.Verdict.Action
}

// TestServeDraftsWithTheLLM: with OPENAI_BASE_URL set, serve drafts with the LLM engine, and a
// draft stating a price the catalog does not have is replaced by the offline answer, flagged for
// review with the guard's reason, exactly as `livehost ask` does.
func TestServeDraftsWithTheLLM(t *testing.T) {
	model := openaitest.New()
	defer model.Close()
	model.SetChat(func(req openai.ChatCompletionRequest) openaitest.ChatReply {
		user := req.Messages[len(req.Messages)-1].Content
		if strings.Contains(user, "お値段") {
			return openaitest.ChatReply{Content: "こちらのリップティントは今だけ980円です！"} // the catalog says 1,580
		}
		return openaitest.ChatReply{Content: "こちらのリップティントはセール価格の1,580円です♪"}
	})
	info, _, stop := serveInProcessEnv(t, map[string]string{"OPENAI_BASE_URL": model.URL, "OPENAI_API_KEY": "test-key"},
		"--data", t.TempDir(), "--catalog", catalogFile)
	defer stop()
	ing := servedShow(t, info.URL, "llm1")
	chat(t, info.URL, "llm1", ing, "viewer-ok", "このリップいくらですか？")
	good := draftOf(t, info.URL, "llm1", "viewer-ok")
	if good["engine"] != "llm" || good["fallback"] != nil || !strings.Contains(good["text"].(string), "1,580円です♪") {
		t.Fatalf("LLM draft: %+v", good)
	}
	ing2 := servedShow(t, info.URL, "llm2")
	chat(t, info.URL, "llm2", ing2, "viewer-wrong", "このリップのお値段は？")
	bad := draftOf(t, info.URL, "llm2", "viewer-wrong")
	fb, _ := bad["fallback"].(string)
	if bad["engine"] != "llm" || bad["needs_review"] != true || !strings.HasPrefix(fb, "guard") || strings.Contains(bad["text"].(string), "今だけ980円") ||
		!strings.Contains(bad["text"].(string), "1,580") {
		t.Fatalf("a draft with the wrong price must fall back to the offline answer: %+v", bad)
	}
	if len(model.Requests()) < 2 {
		t.Fatalf("the model got %d requests", len(model.Requests()))
	}
}

// TestServeBrandAndLiveLists: LIVEHOST_BRAND_DIR changes serve's drafts (shop policy), and a term
// added to a file in LIVEHOST_MODERATION_LISTS while serving applies to the next chat message.
func TestServeBrandAndLiveLists(t *testing.T) {
	brand := t.TempDir()
	if err := os.WriteFile(filepath.Join(brand, "policy.json"), []byte(`{"shipping_fee": 880, "free_shipping_over": 12000, "ship_within_days": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	lists := t.TempDir()
	competitor := filepath.Join(lists, "competitor.txt")
	if err := os.WriteFile(competitor, []byte("ライバル堂 | medium\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	info, _, stop := serveInProcessEnv(t, map[string]string{"LIVEHOST_BRAND_DIR": brand, "LIVEHOST_MODERATION_LISTS": lists},
		"--data", t.TempDir(), "--catalog", catalogFile)
	defer stop()
	ing := servedShow(t, info.URL, "brand1")
	chat(t, info.URL, "brand1", ing, "viewer-ship", "送料はいくらですか？")
	d := draftOf(t, info.URL, "brand1", "viewer-ship")
	if text := d["text"].(string); !strings.Contains(text, "880") || !strings.Contains(text, "12,000") {
		t.Fatalf("shipping answer with the brand's policy (880 yen, free over 12,000): %q", text)
	}
	const line = "ホシゾラ商店のほうが安いよ"
	if got := chat(t, info.URL, "brand1", ing, "viewer-a", line); got != "allow" {
		t.Fatalf("before the list edit: %s", got)
	}
	f, err := os.OpenFile(competitor, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("ホシゾラ商店 | medium\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if got := chat(t, info.URL, "brand1", ing, "viewer-b", line); got != "hold" {
		t.Fatalf("the message right after the list edit: %s, want hold", got)
	}
}

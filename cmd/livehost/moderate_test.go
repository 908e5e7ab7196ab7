package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/livehost/livehost/openaitest"
)

type verdictLine struct {
	Line        int      `json:"line"`
	Action      string   `json:"action"`
	WouldAction string   `json:"would_action"`
	Categories  []string `json:"categories"`
	Matches     []struct {
		Term, Category, Text, Reason, Suggestion, Rule string
		Start, End                                     int
	} `json:"matches"`
	Rules []string `json:"rules"`
	Error string   `json:"error"`
}

func decodeVerdicts(t *testing.T, out string) []verdictLine {
	t.Helper()
	var vs []verdictLine
	for i, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		var v verdictLine
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("output line %d %q: %v", i+1, l, err)
		}
		vs = append(vs, v)
	}
	return vs
}

func TestModerateCLIChat(t *testing.T) {
	in := strings.Join([]string{
		`{"text":"このリップ可愛い！"}`,
		`{"text":"お前ｼﾈよ","user":"u1","ts":"2026-11-21T12:00:00Z"}`,
		`not json`,
		``,
		`{"user":"u2"}`,
		`{"text":"シネマ見てきた","ts":1763726400}`,
		`{"text":"電話は０９０－１２３４－５６７８"}`,
		`{"text":"x","ts":"yesterday"}`,
		`{"text":"\u202eし\u200bね"}`,
	}, "\n") + "\n"
	code, out, stderr := runCLI(t, in, nil, "moderate", "--no-readings")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	vs := decodeVerdicts(t, out)
	if len(vs) != 9 {
		t.Fatalf("%d verdicts for 9 lines:\n%s", len(vs), out)
	}
	want := []struct {
		action, category, span string
		isErr                  bool
	}{
		{"allow", "", "", false},
		{"block", "profanity", "ｼﾈよ", false},
		{"hold", "", "", true},
		{"hold", "", "", true},
		{"hold", "", "", true},
		{"allow", "", "", false},
		{"hold", "personal_info", "０９０－１２３４－５６７８", false},
		{"hold", "", "", true},
		{"block", "profanity", "し\u200bね", false},
	}
	for i, w := range want {
		v := vs[i]
		if v.Line != i+1 || v.Action != w.action || (v.Error != "") != w.isErr {
			t.Errorf("line %d: got line %d action %s error %q, want action %s error=%v", i+1, v.Line, v.Action, v.Error, w.action, w.isErr)
			continue
		}
		if w.isErr && !strings.HasPrefix(v.Error, "line ") {
			t.Errorf("line %d: error %q does not say where", i+1, v.Error)
		}
		if v.Categories == nil || v.Matches == nil {
			t.Errorf("line %d: categories and matches must be present (empty lists when none)", i+1)
		}
		if w.category == "" {
			continue
		}
		found := false
		for _, m := range v.Matches {
			if m.Category == w.category && m.Text == w.span {
				found = true
			}
		}
		if !found {
			t.Errorf("line %d: no %s match over %q in %+v", i+1, w.category, w.span, v.Matches)
		}
	}
}

func TestModerateCLIHost(t *testing.T) {
	in := `{"text":"このクリームでシミが消えます"}` + "\n" + `{"text":"日やけによるシミ・そばかすを防ぎます"}` + "\n" + `{"text":"業界最安値、絶対に痩せる！"}` + "\n"
	code, out, stderr := runCLI(t, in, nil, "moderate", "--source", "host", "--no-readings")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	vs := decodeVerdicts(t, out)
	if len(vs) != 3 {
		t.Fatalf("%d verdicts for 3 lines", len(vs))
	}
	for _, i := range []int{0, 2} {
		v := vs[i]
		if v.Action != "hold" && v.Action != "block" {
			t.Errorf("line %d: action %s, want hold or block", i+1, v.Action)
		}
		for _, m := range v.Matches {
			if m.Reason == "" || m.Suggestion == "" {
				t.Errorf("line %d: match %q lacks reason or suggestion", i+1, m.Text)
			}
		}
	}
	if vs[0].Matches[0].Suggestion != "日やけによるシミ・そばかすを防ぐ" {
		t.Errorf("suggestion %q", vs[0].Matches[0].Suggestion)
	}
	if vs[1].Action != "allow" {
		t.Errorf("approved wording: %s %v", vs[1].Action, vs[1].Rules)
	}
}

func TestModerateCLITestModeAndLists(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "competitor.txt"), []byte("ライバルコスメ | high | reason=competitor\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := `{"text":"ライバルコスメの方が良くない？"}` + "\n" + `{"text":"しね"}` + "\n"
	code, out, stderr := runCLI(t, in, nil, "moderate", "--lists", dir, "--test", "--no-readings")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	vs := decodeVerdicts(t, out)
	if vs[0].Action != "allow" || vs[0].WouldAction != "block" || vs[0].Categories[0] != "competitor" {
		t.Errorf("competitor in test mode: %+v", vs[0])
	}
	if vs[1].Action != "allow" || vs[1].WouldAction != "block" {
		t.Errorf("しね in test mode: %+v", vs[1])
	}
}

func TestModerateCLIUsage(t *testing.T) {
	code, _, stderr := runCLI(t, "", nil, "moderate", "--help")
	if code != 0 || !strings.Contains(stderr, "--source") || !strings.Contains(stderr, "would_action") {
		t.Errorf("--help: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", nil, "moderate", "--source", "radio"); code != 2 || !strings.Contains(stderr, "radio") {
		t.Errorf("bad --source: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", nil, "moderate", "--lists", "/no/such/dir"); code != 1 || !strings.Contains(stderr, "/no/such/dir") {
		t.Errorf("missing --lists dir: exit %d, %q", code, stderr)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.txt"), []byte("ok\nterm | severe\n"), 0o644)
	if code, _, stderr := runCLI(t, "", nil, "moderate", "--lists", dir); code != 1 || !strings.Contains(stderr, "line 2") {
		t.Errorf("bad list file: exit %d, %q", code, stderr)
	}
}

func TestModerateCLIEscalate(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	srv.SetChat(func(req openai.ChatCompletionRequest) openaitest.ChatReply {
		if strings.Contains(req.Messages[len(req.Messages)-1].Content, "無職") {
			return openaitest.ChatReply{Content: `{"flag": true, "category": "harassment", "reason": "personal attack"}`}
		}
		return openaitest.ChatReply{Content: `{"flag": false, "category": "none", "reason": ""}`}
	})
	env := map[string]string{"OPENAI_BASE_URL": srv.URL, "OPENAI_API_KEY": "test-key"}
	in := `{"text":"働けよ無職"}` + "\n" + `{"text":"しね"}` + "\n" + `{"text":"このリップ可愛い"}` + "\n"
	code, out, stderr := runCLI(t, in, env, "moderate", "--escalate", "--escalate-model", "test-model", "--no-readings")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	vs := decodeVerdicts(t, out)
	if len(vs) != 3 || vs[0].Line != 1 || vs[1].Line != 2 || vs[2].Line != 3 {
		t.Fatalf("verdicts out of order: %s", out)
	}
	if vs[0].Action != "hold" || !strings.Contains(strings.Join(vs[0].Rules, ","), "model.escalation") {
		t.Errorf("escalated line: %+v", vs[0])
	}
	if vs[1].Action != "block" || vs[2].Action != "allow" {
		t.Errorf("other lines: %+v %+v", vs[1], vs[2])
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d model requests, want 2 (the blocked line is not escalated)", n)
	}
	// Without a server configured, --escalate is a usage error.
	if code, _, stderr := runCLI(t, "", nil, "moderate", "--escalate"); code != 2 || !strings.Contains(stderr, "OPENAI") {
		t.Errorf("--escalate without a server: exit %d %q", code, stderr)
	}
	// A server that fails leaves the list verdict and says why.
	srv.FailNext(10, 500)
	code, out, _ = runCLI(t, `{"text":"働けよ無職"}`+"\n", env, "moderate", "--escalate", "--escalate-model", "m", "--no-readings")
	if code != 0 || !strings.Contains(out, `"action":"allow"`) || !strings.Contains(out, `"error"`) {
		t.Errorf("failing model: exit %d %s", code, out)
	}
}

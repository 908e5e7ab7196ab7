package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
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
	Rules  []string `json:"rules"`
	Reason string   `json:"reason"`
	Error  string   `json:"error"`
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
		`{not json`,
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

// TestModerateCLILines covers the input forms one line can take: plain text (any line whose first
// non-space character is not "{"), a JSON object, and the lines that get a held error verdict.
func TestModerateCLILines(t *testing.T) {
	type want struct {
		action   string
		category string // a match of this category over span, when set
		span     string
		start    int // rune offsets of that match
		end      int
		rule     string // a rule the verdict must carry, when set
		errHas   string // the error must contain this; empty means no error
	}
	long := strings.Repeat("あ", 70000) // 210,000 bytes: longer than the reader's buffer and the 500-rune chat limit
	tests := []struct {
		name string
		in   string
		want []want
	}{
		{"plain Japanese", "お前ｼﾈよ\n", []want{{action: "block", category: "profanity", span: "ｼﾈよ", start: 2, end: 5}}},
		{"plain Japanese, allowed", "このリップ可愛い！\n", []want{{action: "allow"}}},
		{"plain Japanese, phone number", "電話は０９０－１２３４－５６７８\n",
			[]want{{action: "hold", category: "personal_info", span: "０９０－１２３４－５６７８", start: 3, end: 16}}},
		{"plain English", "go kill yourself\n", []want{{action: "block", category: "harassment", span: "kill yourself", start: 3, end: 16}}},
		{"plain English, allowed", "This lipstick is lovely\n", []want{{action: "allow"}}},
		{"plain line keeps its spaces for offsets", "  f u c k\n", []want{{action: "block", category: "profanity", span: "f u c k", start: 2, end: 9}}},
		{"plain line with CRLF", "しね\r\n", []want{{action: "block", category: "profanity", span: "しね", start: 0, end: 2}}},
		{"plain line without a final newline", "しね", []want{{action: "block", category: "profanity", span: "しね", start: 0, end: 2}}},
		{"plain line starting with a bracket", "[速報] 新色きた\n", []want{{action: "allow"}}},
		{"plain line that is a JSON string", `"しね"` + "\n", []want{{action: "block", category: "profanity", span: "しね", start: 1, end: 3}}},
		{"JSON line", `{"text":"お前ｼﾈよ","user":"u1","ts":"2026-11-21T12:00:00Z"}` + "\n",
			[]want{{action: "block", category: "profanity", span: "ｼﾈよ", start: 2, end: 5}}},
		{"JSON line after spaces", "  \t" + `{"text":"このリップ可愛い！"}` + "\n", []want{{action: "allow"}}},
		{"JSON line with a byte order mark", "\ufeff" + `{"text":"しね"}` + "\n", []want{{action: "block", category: "profanity", span: "しね", start: 0, end: 2}}},
		{"malformed JSON", `{"text":"しね"` + "\n", []want{{action: "hold", rule: "input.malformed", errHas: "line 1: not a JSON object"}}},
		{"brace then text", "{笑} しね\n", []want{{action: "hold", rule: "input.malformed", errHas: "line 1: not a JSON object"}}},
		{"JSON without text", `{"user":"u2"}` + "\n", []want{{action: "hold", rule: "input.malformed", errHas: `line 1: no "text" field`}}},
		{"blank lines are held, not skipped", "しね\n\n   \t\nこんにちは\n", []want{
			{action: "block", category: "profanity", span: "しね", start: 0, end: 2},
			{action: "hold", rule: "input.malformed", errHas: "line 2: empty line"},
			{action: "hold", rule: "input.malformed", errHas: "line 3: empty line"},
			{action: "allow"},
		}},
		{"invalid UTF-8", "こんにちは\nし\xffね\n\xc3\n", []want{
			{action: "allow"},
			{action: "hold", rule: "input.malformed", errHas: "line 2: not valid UTF-8 (first bad byte at offset 3)"},
			{action: "hold", rule: "input.malformed", errHas: "line 3: not valid UTF-8 (first bad byte at offset 0)"},
		}},
		{"very long line", long + "\nしね\n", []want{
			{action: "block", rule: "length.oversize"},
			{action: "block", category: "profanity", span: "しね", start: 0, end: 2},
		}},
		{"very long JSON line", `{"text":"` + long + `"}` + "\n" + "しね\n", []want{
			{action: "block", rule: "length.oversize"},
			{action: "block", category: "profanity", span: "しね", start: 0, end: 2},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, tt.in, nil, "moderate", "--no-readings")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			vs := decodeVerdicts(t, out)
			if len(vs) != len(tt.want) {
				t.Fatalf("%d verdicts, want %d:\n%s", len(vs), len(tt.want), out)
			}
			for i, w := range tt.want {
				v := vs[i]
				if v.Line != i+1 || v.Action != w.action {
					t.Errorf("verdict %d: line %d action %s (error %q), want line %d action %s", i+1, v.Line, v.Action, v.Error, i+1, w.action)
				}
				if w.errHas == "" && v.Error != "" {
					t.Errorf("line %d: unexpected error %q", i+1, v.Error)
				}
				if w.errHas != "" && !strings.Contains(v.Error, w.errHas) {
					t.Errorf("line %d: error %q, want it to contain %q", i+1, v.Error, w.errHas)
				}
				if v.Categories == nil || v.Matches == nil || v.Rules == nil {
					t.Errorf("line %d: categories, matches and rules must be present (empty lists when none)", i+1)
				}
				if w.rule != "" && !slices.Contains(v.Rules, w.rule) {
					t.Errorf("line %d: rules %v, want %s", i+1, v.Rules, w.rule)
				}
				if w.action == "allow" && len(v.Matches) != 0 {
					t.Errorf("line %d: allowed with matches %+v", i+1, v.Matches)
				}
				if w.category == "" {
					continue
				}
				found := false
				for _, m := range v.Matches {
					if m.Category == w.category && m.Text == w.span && m.Start == w.start && m.End == w.end {
						found = true
					}
				}
				if !found {
					t.Errorf("line %d: no %s match over %q at [%d,%d) in %+v", i+1, w.category, w.span, w.start, w.end, v.Matches)
				}
			}
		})
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
	if code != 0 || !strings.Contains(stderr, "--source") || !strings.Contains(stderr, "would_action") || !strings.Contains(stderr, "message") {
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
		if strings.Contains(req.Messages[len(req.Messages)-1].Content, "すねかじり") {
			return openaitest.ChatReply{Content: `{"flag": true, "category": "harassment", "reason": "personal attack"}`}
		}
		return openaitest.ChatReply{Content: `{"flag": false, "category": "none", "reason": ""}`}
	})
	env := map[string]string{"OPENAI_BASE_URL": srv.URL, "OPENAI_API_KEY": "test-key"}
	in := `{"text":"いい歳してまだ親のすねかじり"}` + "\n" + `{"text":"しね"}` + "\n" + `{"text":"このリップ可愛い"}` + "\n"
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
	// A plain text line is escalated like a JSON one.
	code, out, stderr = runCLI(t, "いい歳してまだ親のすねかじり\n", env, "moderate", "--escalate", "--escalate-model", "test-model", "--no-readings")
	if vs := decodeVerdicts(t, out); code != 0 || len(vs) != 1 || vs[0].Action != "hold" || !slices.Contains(vs[0].Rules, "model.escalation") {
		t.Errorf("escalated plain line: exit %d %s %s", code, out, stderr)
	}
	// Without a server configured, --escalate is a usage error.
	if code, _, stderr := runCLI(t, "", nil, "moderate", "--escalate"); code != 2 || !strings.Contains(stderr, "OPENAI") {
		t.Errorf("--escalate without a server: exit %d %q", code, stderr)
	}
	// A server that fails leaves the list verdict and says why.
	srv.FailNext(10, 500)
	code, out, _ = runCLI(t, `{"text":"いい歳してまだ親のすねかじり"}`+"\n", env, "moderate", "--escalate", "--escalate-model", "m", "--no-readings")
	if code != 0 || !strings.Contains(out, `"action":"allow"`) || !strings.Contains(out, `"error"`) {
		t.Errorf("failing model: exit %d %s", code, out)
	}
}

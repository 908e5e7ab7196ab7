package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/livehost/livehost/openaitest"
	openai "github.com/sashabaranov/go-openai"
)

const exampleCatalog = "../../examples/catalog.jsonl"

func TestAskOneQuestionJSON(t *testing.T) {
	code, out, errOut := runCLI(t, "", nil, "ask", "--catalog", exampleCatalog, "--on-air", "LH-COS-001", "--question", "いくらですか？", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	for _, k := range []string{"is_question", "intent", "sku", "answer", "facts", "cross_sell", "confidence", "needs_review"} {
		if _, ok := got[k]; !ok {
			t.Errorf("output lacks %q: %s", k, out)
		}
	}
	if got["sku"] != "LH-COS-001" || got["intent"] != "price" || !strings.Contains(got["answer"].(string), "1,580円") || got["engine"] != "offline" {
		t.Errorf("output = %s", out)
	}
	if cs := got["cross_sell"].([]any); len(cs) == 0 || len(cs) > 3 {
		t.Errorf("cross_sell = %v, want 1–3", cs)
	}
}

func TestAskTextOutput(t *testing.T) {
	code, out, _ := runCLI(t, "", nil, "ask", "--catalog", exampleCatalog, "--on-air", "LH-COS-001", "--question", "How much is it?")
	if code != 0 || !strings.Contains(out, "¥1,580") || !strings.Contains(out, "intent price") {
		t.Fatalf("exit %d, output %q", code, out)
	}
}

func TestAskLinesKeepOrderAndReportBadLines(t *testing.T) {
	in := strings.Join([]string{
		`{"question":"いくら？","on_air":"LH-COS-001"}`,
		`{"question": "broken`,
		`{"on_air":"LH-COS-001"}`,
		``,
		`{"question":"かわいい！"}`,
		`{"question":"在庫ありますか","on_air":"NO-SUCH-SKU"}`,
		`{"question":"次の配信はいつ？","on_air":"LH-COS-001"}`,
	}, "\n")
	code, out, errOut := runCLI(t, in, nil, "ask", "--catalog", exampleCatalog)
	if code != 1 || !strings.Contains(errOut, "3 input line(s) had errors") {
		t.Errorf("exit %d, stderr %q; want 1 and a count of bad lines", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d output lines, want 6 (blank input skipped):\n%s", len(lines), out)
	}
	want := []string{`"sku":"LH-COS-001"`, `"line":2`, `"line":3,"error":"line 3: missing \"question\""`, `"is_question":false`, `"line":6`, `"sku":null`}
	for i, w := range want {
		if !strings.Contains(lines[i], w) {
			t.Errorf("line %d = %s, want it to contain %s", i+1, lines[i], w)
		}
	}
}

func TestAskFlagsAndErrors(t *testing.T) {
	tests := []struct {
		args    []string
		code    int
		wantErr string
	}{
		{[]string{"ask", "--question", "いくら", "--data", "no/such/dir"}, 1, "no catalog in no/such/dir: import one first"},
		{[]string{"ask", "--catalog", "no/such/file.jsonl", "--question", "x"}, 1, "read catalog"},
		{[]string{"ask", "--catalog", exampleCatalog, "--on-air", "NOPE", "--question", "x"}, 2, `"NOPE" is not in`},
		{[]string{"ask", "--catalog", exampleCatalog, "--engine", "gpt", "--question", "x"}, 2, `answer engine "gpt": want offline or llm`},
		{[]string{"ask", "--catalog", exampleCatalog, "--engine", "llm", "--question", "x"}, 2, "needs OPENAI_BASE_URL or OPENAI_API_KEY"},
		{[]string{"ask", "--catalog", exampleCatalog, "stray"}, 2, "unexpected argument"},
		{[]string{"ask", "--help"}, 0, "JSON lines"},
	}
	for _, tt := range tests {
		code, _, errOut := runCLI(t, "", nil, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.wantErr) {
			t.Errorf("%v: exit %d stderr %q; want %d and %q", tt.args, code, errOut, tt.code, tt.wantErr)
		}
	}
}

func TestAskUsesLLMWhenConfigured(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	env := map[string]string{"OPENAI_BASE_URL": srv.URL, "OPENAI_API_KEY": "test-key", "LIVEHOST_LLM_MODEL": "test-model"}

	srv.SetChat(func(req openai.ChatCompletionRequest) openaitest.ChatReply {
		return openaitest.ChatReply{Content: "セール価格の税込1,580円です！"}
	})
	code, out, errOut := runCLI(t, "", env, "ask", "--catalog", exampleCatalog, "--on-air", "LH-COS-001", "--question", "いくら？", "--json")
	if code != 0 || !strings.Contains(out, `"engine":"llm"`) || !strings.Contains(out, `"answer":"セール価格の税込1,580円です！"`) || strings.Contains(out, "fallback") {
		t.Fatalf("exit %d out %s err %s", code, out, errOut)
	}
	if r := srv.Requests(); len(r) != 1 || r[0].Chat.Model != "test-model" {
		t.Errorf("model requests = %d", len(r))
	}

	// A wrong price from the model is caught and replaced by the offline answer.
	srv.SetChat(func(req openai.ChatCompletionRequest) openaitest.ChatReply {
		return openaitest.ChatReply{Content: "税込980円です！"}
	})
	code, out, _ = runCLI(t, "", env, "ask", "--catalog", exampleCatalog, "--on-air", "LH-COS-001", "--question", "いくら？", "--json")
	if code != 0 || !strings.Contains(out, `"fallback":"guard: price`) || !strings.Contains(out, "1,580円") || !strings.Contains(out, `"needs_review":true`) {
		t.Fatalf("exit %d out %s", code, out)
	}

	// --engine offline wins over the environment.
	n := len(srv.Requests())
	code, out, _ = runCLI(t, "", env, "ask", "--catalog", exampleCatalog, "--on-air", "LH-COS-001", "--question", "いくら？", "--json", "--engine", "offline")
	if code != 0 || !strings.Contains(out, `"engine":"offline"`) || len(srv.Requests()) != n {
		t.Fatalf("--engine offline: exit %d out %s", code, out)
	}
}

func TestAskStreamsTextWithLLM(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	env := map[string]string{"OPENAI_BASE_URL": srv.URL, "OPENAI_API_KEY": "test-key"}
	srv.SetChat(func(req openai.ChatCompletionRequest) openaitest.ChatReply {
		return openaitest.ChatReply{Content: "税込1,980円です！"}
	})
	code, out, _ := runCLI(t, "", env, "ask", "--catalog", exampleCatalog, "--on-air", "LH-COS-001", "--question", "いくら？")
	if code != 0 || !strings.Contains(out, "税込1,980円です！\n(draft replaced: guard: price") || !strings.Contains(out, "1,580円（セール中") {
		t.Fatalf("exit %d output:\n%s", code, out)
	}
}

// TestAskFromStore answers from the catalog store when no --catalog is given, as catalog search
// does: import into a data directory, then ask with --data and with LIVEHOST_DATA.
func TestAskFromStore(t *testing.T) {
	dir := t.TempDir()
	if code, out, errOut := runCLI(t, "", nil, "catalog", "import", exampleCatalog, "--data", dir); code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	for _, run := range []struct {
		env  map[string]string
		args []string
	}{
		{nil, []string{"ask", "--data", dir, "--on-air", "LH-COS-001", "--question", "いくらですか？", "--json"}},
		{map[string]string{"LIVEHOST_DATA": dir}, []string{"ask", "--on-air", "LH-COS-001", "--question", "いくらですか？", "--json"}},
	} {
		code, out, errOut := runCLI(t, "", run.env, run.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", run.args, code, errOut)
		}
		var got askOutput
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: %q: %v", run.args, out, err)
		}
		if got.SKU == nil || *got.SKU != "LH-COS-001" || got.Intent != "price" || got.Engine != "offline" || !strings.Contains(got.Answer, "円") {
			t.Errorf("%v: %+v", run.args, got)
		}
	}
}

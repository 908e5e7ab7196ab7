package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/livehost/livehost/report"
	"github.com/livehost/livehost/show"
)

// reportStore writes a small show into an embedded event log in dir: two segments, chat with a
// question answered and a blocked message.
func reportStore(t *testing.T, dir string) (string, time.Time) {
	t.Helper()
	ctx := context.Background()
	st, err := show.OpenStore(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sh, err := st.CreateShow(ctx, show.Show{ID: "cli1", Title: "秋の新作", Lineup: []string{"LH-COS-001", "LH-COS-002"}})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Second)
	ev := func(at time.Duration, typ string, p any) show.NewEvent {
		ne := show.MustEncode(typ, p)
		ne.At = t0.Add(at)
		return ne
	}
	_, err = st.Append(ctx, sh.ID,
		ev(0, show.TypeShowStarted, show.ShowStarted{}),
		ev(0, show.TypeProductOnAir, show.ProductOnAir{SKU: "LH-COS-001"}),
		ev(time.Minute, show.TypeChatReceived, show.ChatReceived{Platform: "youtube", User: "a", Text: "いくらですか？"}), // 4
		ev(time.Minute, show.TypeChatVerdict, show.ChatVerdict{ChatSeq: 4, Action: "allow"}),
		ev(time.Minute, show.TypeQuestionDetected, show.QuestionDetected{ChatSeq: 4, Intent: "price", SKU: "LH-COS-001"}),
		ev(time.Minute, show.TypeDraftCreated, show.DraftCreated{DraftID: "d1", ChatSeq: 4, Question: "いくらですか？", Text: "1,980円です", SKU: "LH-COS-001", Facts: []show.Fact{{Field: "price", Value: "1980"}}}),
		ev(time.Minute+10*time.Second, show.TypeDraftApproved, show.DraftAction{DraftID: "d1", By: "mod-1"}),
		ev(time.Minute+10*time.Second, show.TypeDraftPublished, show.DraftPublished{DraftID: "d1", Text: "1,980円です"}),
		ev(2*time.Minute, show.TypeChatReceived, show.ChatReceived{Platform: "youtube", User: "b", Text: "死ね"}), // 10
		ev(2*time.Minute, show.TypeChatVerdict, show.ChatVerdict{ChatSeq: 10, Action: "block", Categories: []string{"harassment"}}),
		ev(10*time.Minute, show.TypeProductOnAir, show.ProductOnAir{SKU: "LH-COS-002"}),
		ev(20*time.Minute, show.TypeShowStopped, show.ShowStopped{}),
	)
	if err != nil {
		t.Fatal(err)
	}
	return sh.ID, t0
}

func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	id, t0 := reportStore(t, dir)
	env := map[string]string{"LIVEHOST_DATA": dir}

	code, out, errOut := runCLI(t, "", env, "report", id, "--json")
	if code != 0 {
		t.Fatalf("report --json: %d %s", code, errOut)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Totals.Messages != 2 || r.Totals.Questions != 1 || r.Totals.Answered != 1 || r.Totals.Blocked != 1 || len(r.Segments) != 2 {
		t.Errorf("report %+v", r.Totals)
	}

	code, out, _ = runCLI(t, "", env, "report", id)
	if code != 0 || !strings.Contains(out, "いくらですか？") || !strings.Contains(out, "LH-COS-002") {
		t.Errorf("summary: %d\n%s", code, out)
	}

	csvDir := filepath.Join(t.TempDir(), "out")
	if code, out, errOut = runCLI(t, "", env, "report", id, "--csv", csvDir); code != 0 {
		t.Fatalf("--csv: %d %s", code, errOut)
	}
	for _, part := range report.Parts {
		b, err := os.ReadFile(filepath.Join(csvDir, part+".csv"))
		if err != nil || len(b) == 0 {
			t.Errorf("%s.csv: %v", part, err)
		}
	}

	// Orders: a Shopify export with a bad row exits 3 naming the line; the same file again adds
	// nothing; the report has the sales.
	at := t0.Add(5 * time.Minute).In(report.JST).Format("2006-01-02 15:04:05 -0700")
	file := filepath.Join(t.TempDir(), "orders_export.csv")
	if err := os.WriteFile(file, []byte("Name,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku\n"+
		"#1,"+at+",2,リップ,1980,LH-COS-001\n"+
		"#2,"+at+",1,リップ,abc,LH-COS-001\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCLI(t, "", env, "report", "import-orders", id, file)
	if code != 3 || !strings.Contains(out, "orders_export.csv:3: order #2: price") || !strings.Contains(out, "imported        1") {
		t.Errorf("import-orders: %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "", env, "report", "import-orders", id, file, "--json")
	var res struct {
		Imported, Duplicate int
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 3 || res.Imported != 0 || res.Duplicate != 1 {
		t.Errorf("second import: %d %s", code, out)
	}
	code, out, _ = runCLI(t, "", env, "report", id, "--json")
	r = report.Report{}
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != 0 || r.Totals.Revenue != 3960 || r.Segments[0].Orders != 1 {
		t.Errorf("report after the orders: %d %+v %+v", code, r.Totals, r.Segments)
	}

	code, out, _ = runCLI(t, "", env, "report", "list")
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "秋の新作") {
		t.Errorf("list: %d\n%s", code, out)
	}

	for _, args := range [][]string{{"report"}, {"report", id, "--json", "--csv", "x"}, {"report", "import-orders", id}} {
		if code, _, _ := runCLI(t, "", env, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, errOut := runCLI(t, "", env, "report", "nope"); code != 1 || !strings.Contains(errOut, `no show "nope"`) {
		t.Errorf("unknown show: %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", map[string]string{"LIVEHOST_DATA": t.TempDir()}, "report", id); code != 1 || !strings.Contains(errOut, "no event log") {
		t.Errorf("empty data dir: %d %s", code, errOut)
	}
}

package server_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/livehost/livehost/report"
	"github.com/livehost/livehost/show"
)

// reportShow runs a small show through the real runtime: a question answered by the auto-approve
// policy and by a moderator, a question the catalog cannot answer, held and blocked messages, a
// second product on air, a compliance flag on the host's speech, and the stop.
func reportShow(t *testing.T, e *env, id string) map[string]string {
	t.Helper()
	toks := e.newShow(id)
	base := "/api/shows/" + id
	if code, _ := e.do("POST", base+"/start", toks["host"], nil, nil); code != 200 {
		t.Fatalf("start: %d", code)
	}
	chat := func(msgs ...map[string]string) {
		t.Helper()
		if code, _ := e.do("POST", base+"/chat", toks["ingest"], msgs, nil); code != 202 {
			t.Fatalf("chat: %d", code)
		}
	}
	chat(map[string]string{"platform": "youtube", "user": "a", "text": "敏感肌でも使えますか？"},
		map[string]string{"platform": "youtube", "user": "b", "text": "かわいい！"},
		map[string]string{"platform": "youtube", "user": "c", "text": "お前ｼﾈよ"},
		map[string]string{"platform": "twitch", "user": "d", "text": "詳しくは http://spam.example.com を見て"},
		map[string]string{"platform": "twitch", "user": "e", "text": "素材は何ですか？"})
	e.waitDrafts(id, toks["moderator"], "", func(ds []draft) bool { return len(ds) >= 2 })
	if code, _ := e.do("POST", base+"/on-air", toks["host"], map[string]string{"sku": "LH-COS-002"}, nil); code != 200 {
		t.Fatalf("on-air: %d", code)
	}
	if code, _ := e.do("POST", base+"/transcript", toks["host"], map[string]any{"text": "このクリームでシミが消えます", "final": true}, nil); code != 202 {
		t.Fatalf("transcript: %d", code)
	}
	chat(map[string]string{"platform": "youtube", "user": "f", "text": "在庫ありますか？"},
		map[string]string{"platform": "youtube", "user": "a", "text": "容量は何mlですか"})
	e.waitDrafts(id, toks["moderator"], "", func(ds []draft) bool { return len(ds) >= 4 })
	// The test server approves nothing by itself: a moderator edits one draft, approves one
	// and rejects one.
	pending := e.waitDrafts(id, toks["moderator"], "pending", func(ds []draft) bool { return len(ds) >= 3 })
	if code, _ := e.do("POST", "/api/drafts/"+pending[0].DraftID+"/approve", toks["moderator"], map[string]any{"text": pending[0].Text + "（税込）"}, nil); code != 200 {
		t.Fatalf("edit: %d", code)
	}
	if code, _ := e.do("POST", "/api/drafts/"+pending[1].DraftID+"/approve", toks["moderator"], nil, nil); code != 200 {
		t.Fatalf("approve: %d", code)
	}
	if code, _ := e.do("POST", "/api/drafts/"+pending[2].DraftID+"/reject", toks["moderator"], map[string]any{"reason": "later"}, nil); code != 200 {
		t.Fatalf("reject: %d", code)
	}
	if code, _ := e.do("POST", base+"/stop", toks["host"], nil, nil); code != 200 {
		t.Fatalf("stop: %d", code)
	}
	return toks
}

// TestReportContract: GET /report's totals are what a count of the log's events gives.
func TestReportContract(t *testing.T) {
	e := newEnv(t)
	toks := reportShow(t, e, "rep1")

	// Count the log the plain way, through the events API.
	var messages, held, blocked, questions, answered int
	draftOf := map[int64]string{}
	published := map[string]bool{}
	var qs []int64
	var after int64
	for {
		var page struct {
			Events []show.Event `json:"events"`
			Next   int64        `json:"next"`
			More   bool         `json:"more"`
		}
		if code, _ := e.do("GET", fmt.Sprintf("/api/shows/rep1/events?after=%d", after), toks["moderator"], nil, &page); code != 200 {
			t.Fatalf("events: %d", code)
		}
		for _, ev := range page.Events {
			p, err := ev.Payload()
			if err != nil {
				t.Fatal(err)
			}
			switch x := p.(type) {
			case *show.ChatReceived:
				messages++
			case *show.ChatVerdict:
				held += b2i(x.Action == show.ActionHold)
				blocked += b2i(x.Action == show.ActionBlock)
			case *show.QuestionDetected:
				questions++
				qs = append(qs, x.ChatSeq)
			case *show.DraftCreated:
				draftOf[x.ChatSeq] = x.DraftID
			case *show.DraftAsked:
				draftOf[x.ChatSeq] = x.DraftID
			case *show.DraftPublished:
				published[x.DraftID] = true
			}
		}
		after = page.Next
		if !page.More {
			break
		}
	}
	for _, q := range qs {
		answered += b2i(published[draftOf[q]])
	}

	var r report.Report
	if code, _ := e.do("GET", "/api/shows/rep1/report", toks["moderator"], nil, &r); code != 200 {
		t.Fatalf("report: %d", code)
	}
	tt := r.Totals
	if tt.Messages != messages || tt.Held != held || tt.Blocked != blocked || tt.Questions != questions || tt.Answered != answered {
		t.Errorf("report totals messages %d held %d blocked %d questions %d answered %d; the log: %d %d %d %d %d",
			tt.Messages, tt.Held, tt.Blocked, tt.Questions, tt.Answered, messages, held, blocked, questions, answered)
	}
	if messages != 7 || held+blocked < 2 || questions < 3 || answered < 2 {
		t.Errorf("the show did not go as planned: %d messages, %d held, %d blocked, %d questions, %d answered", messages, held, blocked, questions, answered)
	}
	if len(r.Moderators) != 1 || r.Moderators[0].Edited != 1 || r.Moderators[0].Approved != 1 || r.Moderators[0].Rejected != 1 {
		t.Errorf("moderators %+v", r.Moderators)
	}
	if tt.Chatters != 6 || tt.ComplianceFlags != 1 || tt.ComplianceByLaw["薬機法"] != 1 {
		t.Errorf("chatters %d, compliance %d %v", tt.Chatters, tt.ComplianceFlags, tt.ComplianceByLaw)
	}
	if len(r.Segments) != 2 || r.Segments[0].SKU != "LH-COS-001" || r.Segments[1].SKU != "LH-COS-002" || r.Segments[0].Messages != 5 || r.Segments[1].Messages != 2 {
		t.Errorf("segments %+v", r.Segments)
	}
	if len(r.Gaps) == 0 || len(r.Gaps[0].Examples) == 0 {
		t.Errorf("no catalog gap for 素材は何ですか: %+v", r.Gaps)
	}
	if len(r.Minutes) == 0 || r.Show.Status != show.StatusStopped || r.Show.Title == "" {
		t.Errorf("minutes %d, show %+v", len(r.Minutes), r.Show)
	}

	// Roles: a host may not read it, a moderator of another show neither.
	if code, _ := e.do("GET", "/api/shows/rep1/report", toks["host"], nil, nil); code != 403 {
		t.Errorf("report as host: %d", code)
	}
	other := e.newShow("rep2")
	if code, _ := e.do("GET", "/api/shows/rep1/report", other["moderator"], nil, nil); code != 403 {
		t.Errorf("report with another show's moderator: %d", code)
	}
	var list struct {
		Shows []struct {
			ID     string        `json:"id"`
			Totals report.Totals `json:"totals"`
		} `json:"shows"`
	}
	if code, _ := e.do("GET", "/api/reports", testAdmin, nil, &list); code != 200 || len(list.Shows) != 2 {
		t.Fatalf("reports: %d %+v", code, list)
	}
	if code, _ := e.do("GET", "/api/reports", toks["moderator"], nil, &list); code != 200 || len(list.Shows) != 1 || list.Shows[0].Totals.Messages != messages {
		t.Errorf("reports as moderator: %d %+v", code, list)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// postCSV posts a CSV body.
func postCSV(t *testing.T, e *env, path, token, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", e.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "text/csv")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// TestReportOrders: a Shopify order export posted to /orders is imported with its bad rows
// rejected by line, a second import adds nothing, and the sales land on the segments.
func TestReportOrders(t *testing.T) {
	e := newEnv(t)
	toks := reportShow(t, e, "ord1")
	// Ordered just after the show (the export has whole seconds): within the window of both segments.
	now := time.Now().Add(2 * time.Second).Format("2006-01-02 15:04:05 -0700")
	export := "Name,Email,Financial Status,Currency,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku\n" +
		"#1001,a@example.com,paid,JPY," + now + ",2,リップ,1980,LH-COS-001\n" +
		"#1001,,,,,1,クリーム,2400,LH-COS-002\n" +
		"#1002,b@example.com,paid,JPY," + now + ",1,リップ,1980,\n" +
		"#1003,c@example.com,paid,JPY,not a time,1,リップ,1980,LH-COS-001\n" +
		"#1004,d@example.com,paid,JPY," + now + ",1,クリーム,2400,LH-COS-002\n"
	var res struct {
		Imported  int             `json:"imported"`
		Duplicate int             `json:"duplicate"`
		Format    string          `json:"format"`
		Rejects   []report.Reject `json:"rejects"`
	}
	code, body := postCSV(t, e, "/api/shows/ord1/orders", toks["moderator"], export)
	if code != 200 {
		t.Fatalf("orders: %d %s", code, body)
	}
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	if res.Imported != 3 || res.Format != "shopify" || len(res.Rejects) != 2 || res.Rejects[0].Line != 4 || res.Rejects[1].Line != 5 {
		t.Fatalf("import %s", body)
	}
	code, body = postCSV(t, e, "/api/shows/ord1/orders", toks["moderator"], export)
	if err := json.Unmarshal(body, &res); err != nil || code != 200 || res.Imported != 0 || res.Duplicate != 3 {
		t.Fatalf("second import: %d %s", code, body)
	}
	if code, body = postCSV(t, e, "/api/shows/ord1/orders", toks["moderator"], "a,b\n1,2\n"); code != 400 || !strings.Contains(string(body), "header has no") {
		t.Errorf("a file with no order columns: %d %s", code, body)
	}
	if code, _ = postCSV(t, e, "/api/shows/ord1/orders", toks["ingest"], export); code != 403 {
		t.Errorf("orders as ingest: %d", code)
	}

	var r report.Report
	if code, _ := e.do("GET", "/api/shows/ord1/report", toks["moderator"], nil, &r); code != 200 {
		t.Fatalf("report: %d", code)
	}
	if r.Totals.Orders != 2 || r.Totals.Units != 4 || r.Totals.Revenue != 2*1980+2400+2400 || len(r.Orders) != 3 {
		t.Errorf("sales totals %+v, orders %+v", r.Totals, r.Orders)
	}
	// The orders came after the show, within the window of both segments: each SKU goes to the
	// segment that presented it.
	if len(r.Segments) != 2 || r.Segments[0].Units != 2 || r.Segments[1].Units != 2 || r.Segments[1].Orders != 2 {
		t.Errorf("segments %+v", r.Segments)
	}

	// The CSV exports.
	for _, part := range report.Parts {
		req, _ := http.NewRequest("GET", e.URL+"/api/shows/ord1/report.csv?part="+part, nil)
		req.Header.Set("Authorization", "Bearer "+toks["moderator"])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(res.Body).ReadAll()
		res.Body.Close()
		if err != nil || res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || len(rows) < 2 {
			t.Errorf("%s: %d %s, %d rows, %v", part, res.StatusCode, res.Header.Get("Content-Type"), len(rows), err)
		}
	}
}

package server_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func TestAPIContract(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.srv.BodyLimit = 8 << 10 })
	tok := e.newShow("s1")
	other := e.newShow("s2")

	big := `{"user":"u","text":"` + strings.Repeat("あ", 5000) + `"}`
	tests := []struct {
		name, method, path, token string
		body                      any
		code                      int
		errHas                    string
	}{
		{"healthz needs no token", "GET", "/healthz", "", nil, 200, ""},
		{"no token", "GET", "/api/shows/s1", "", nil, 401, "missing bearer token"},
		{"unknown token", "GET", "/api/shows/s1", "lh_nope", nil, 401, "unknown or invalid"},
		{"unknown show", "GET", "/api/shows/nope", testAdmin, nil, 404, `no show "nope"`},
		{"token of another show", "GET", "/api/shows/s1", other["moderator"], nil, 403, "another show"},
		{"ingest may not read drafts", "GET", "/api/shows/s1/drafts", tok["ingest"], nil, 403, "role ingest may not"},
		{"overlay may not read the moderation state", "GET", "/api/shows/s1/state", tok["overlay"], nil, 403, "role overlay may not"},
		{"host may not ingest chat", "POST", "/api/shows/s1/chat", tok["host"], map[string]string{"user": "u", "text": "hi"}, 403, "role host may not"},
		{"moderator may not create shows", "POST", "/api/shows", tok["moderator"], map[string]any{"title": "x"}, 403, ""},
		{"moderator may not mint tokens", "POST", "/api/shows/s1/tokens", tok["moderator"], map[string]string{"role": "host"}, 403, ""},
		{"malformed JSON", "POST", "/api/shows/s1/chat", tok["ingest"], `{"user":"u","text":"hi"`, 400, "malformed JSON at byte"},
		{"syntax error offset", "POST", "/api/shows/s1/chat", tok["ingest"], `{"user":"u",,}`, 400, "malformed JSON at byte 12"},
		{"wrong type", "POST", "/api/shows/s1/chat", tok["ingest"], `{"user":"u","text":5}`, 400, "field text must be a string"},
		{"unknown field", "POST", "/api/shows/s1/chat", tok["ingest"], `{"user":"u","txt":"hi"}`, 400, `unknown field "txt"`},
		{"empty text", "POST", "/api/shows/s1/chat", tok["ingest"], `{"user":"u","text":"  "}`, 400, "text is empty"},
		{"bad message in a batch", "POST", "/api/shows/s1/chat", tok["ingest"], `[{"user":"u","text":"a"},{"user":"","text":"b"}]`, 400, "message 1: user is empty"},
		{"empty batch", "POST", "/api/shows/s1/chat", tok["ingest"], `[]`, 400, "empty"},
		{"empty body", "POST", "/api/shows/s1/chat", tok["ingest"], ``, 400, "body is empty"},
		{"oversize", "POST", "/api/shows/s1/chat", tok["ingest"], big, 413, "limit"},
		{"unknown SKU on air", "POST", "/api/shows/s1/on-air", tok["host"], map[string]string{"sku": "NOPE"}, 400, `unknown SKU "NOPE"`},
		{"on-air without sku", "POST", "/api/shows/s1/on-air", tok["host"], `{}`, 400, `"sku" is required`},
		{"unknown lineup SKU", "POST", "/api/shows", testAdmin, map[string]any{"title": "x", "lineup": []string{"NOPE"}}, 400, "unknown SKU(s) in lineup: NOPE"},
		{"bad mode", "POST", "/api/shows", testAdmin, map[string]any{"title": "x", "mode": "robot"}, 400, "mode"},
		{"bad role", "POST", "/api/shows/s1/tokens", testAdmin, map[string]string{"role": "root"}, 400, "role"},
		{"unknown draft", "POST", "/api/drafts/d_nope/approve", tok["moderator"], nil, 404, "no draft"},
		{"unknown held message", "POST", "/api/shows/s1/held/999/allow", tok["moderator"], nil, 404, "not held"},
		{"bad held seq", "POST", "/api/shows/s1/held/abc/allow", tok["moderator"], nil, 400, "sequence number"},
		{"bad after", "GET", "/api/shows/s1/events?after=-1", tok["moderator"], nil, 400, "after"},
		{"bad limit", "GET", "/api/shows/s1/events?limit=5000", tok["moderator"], nil, 400, "limit"},
		{"bad draft status", "GET", "/api/shows/s1/drafts?status=maybe", tok["moderator"], nil, 400, "status"},
		{"transcript needs final", "POST", "/api/shows/s1/transcript", tok["host"], map[string]string{"text": "hi"}, 400, `"final" is required`},
		{"stop before start", "POST", "/api/shows/s1/stop", tok["host"], map[string]any{}, 409, "not live"},
		{"unknown route", "GET", "/api/nothing", testAdmin, nil, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out struct {
				Error string `json:"error"`
			}
			var dst any = &out
			if tt.code < 400 {
				dst = nil
			}
			code, _ := e.do(tt.method, tt.path, tt.token, tt.body, dst)
			if code != tt.code {
				t.Fatalf("status %d, want %d (error %q)", code, tt.code, out.Error)
			}
			if tt.code >= 400 && out.Error == "" {
				t.Fatalf("no error message in the JSON body")
			}
			if !strings.Contains(out.Error, tt.errHas) {
				t.Fatalf("error %q does not say %q", out.Error, tt.errHas)
			}
		})
	}
}

func TestChatShapesAndVerdicts(t *testing.T) {
	e := newEnv(t)
	tok := e.newShow("s1")

	var one chatResult
	if code, _ := e.do("POST", "/api/shows/s1/chat", tok["ingest"], map[string]string{"platform": "youtube", "user": "a", "text": "かわいい！", "id": "yt-1"}, &one); code != 202 {
		t.Fatalf("single chat: %d", code)
	}
	if one.Seq <= 0 || one.Verdict.Action != "allow" {
		t.Fatalf("single chat result %+v", one)
	}
	var batch struct {
		Results []chatResult `json:"results"`
	}
	code, _ := e.do("POST", "/api/shows/s1/chat", tok["ingest"], []map[string]string{
		{"user": "b", "text": "しね"}, {"user": "c", "text": "ブスは黙れ"}, {"user": "d", "text": "リップティントっていくらですか？"}}, &batch)
	if code != 202 || len(batch.Results) != 3 {
		t.Fatalf("batch: %d %+v", code, batch)
	}
	want := []string{"block", "hold", "allow"}
	for i, r := range batch.Results {
		if r.Verdict.Action != want[i] {
			t.Errorf("message %d: verdict %s, want %s", i, r.Verdict.Action, want[i])
		}
		if i > 0 && r.Seq <= batch.Results[i-1].Seq {
			t.Errorf("seqs not increasing: %+v", batch.Results)
		}
	}
	if m := batch.Results[0].Verdict.Matches; len(m) == 0 || m[0].Start != 0 || m[0].End != 2 {
		t.Errorf("block verdict matches %+v, want the span 0–2", m)
	}

	// The log holds received + verdict (+ held) for each, pointing at each other.
	var evs struct {
		Events []map[string]any `json:"events"`
	}
	if code, _ := e.do("GET", "/api/shows/s1/events?after=0&limit=1000", tok["moderator"], nil, &evs); code != 200 {
		t.Fatalf("events: %d", code)
	}
	byType := map[string][]map[string]any{}
	for _, ev := range evs.Events {
		for _, k := range []string{"seq", "type", "at"} {
			if _, ok := ev[k]; !ok {
				t.Fatalf("event without %q: %v", k, ev)
			}
		}
		byType[ev["type"].(string)] = append(byType[ev["type"].(string)], ev)
	}
	if len(byType["chat.received"]) != 4 || len(byType["chat.verdict"]) != 4 || len(byType["chat.held"]) != 1 {
		t.Fatalf("event counts: received %d verdict %d held %d", len(byType["chat.received"]), len(byType["chat.verdict"]), len(byType["chat.held"]))
	}
	for _, v := range byType["chat.verdict"] {
		if v["chat_seq"].(float64) != v["seq"].(float64)-1 {
			t.Errorf("verdict %v does not point at the message before it", v)
		}
	}
	if held := byType["chat.held"][0]; held["chat_seq"].(float64) != float64(batch.Results[1].Seq) {
		t.Errorf("held %v, want chat_seq %d", held, batch.Results[1].Seq)
	}

	// A moderator allows the held message; allowing it again is a 404.
	path := "/api/shows/s1/held/" + strconv.FormatInt(batch.Results[1].Seq, 10)
	if code, _ := e.do("POST", path+"/allow", tok["moderator"], nil, nil); code != 200 {
		t.Fatalf("allow held: %d", code)
	}
	if code, _ := e.do("POST", path+"/deny", tok["moderator"], nil, nil); code != 404 {
		t.Fatalf("deny after allow: %d, want 404", code)
	}

	// The price question is answered from the catalog and, under the policy, published at once.
	pub := e.waitDrafts("s1", tok["moderator"], "published", func(d []draft) bool { return len(d) == 1 })
	if !strings.Contains(pub[0].Text, "1,580") || pub[0].SKU != "LH-COS-001" || pub[0].Intent != "price" {
		t.Fatalf("published draft %+v: want the sale price ¥1,580 of LH-COS-001", pub[0])
	}
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.srv.IngestRate = 1; c.srv.IngestBurst = 5 })
	tok := e.newShow("s1")
	msgs := make([]map[string]string, 5)
	for i := range msgs {
		msgs[i] = map[string]string{"user": "u" + strconv.Itoa(i), "text": "こんにちは"}
	}
	if code, _ := e.do("POST", "/api/shows/s1/chat", tok["ingest"], msgs, nil); code != 202 {
		t.Fatalf("first batch: %d", code)
	}
	var out struct {
		Error string `json:"error"`
	}
	code, h := e.do("POST", "/api/shows/s1/chat", tok["ingest"], msgs[:1], &out)
	if code != http.StatusTooManyRequests {
		t.Fatalf("over the limit: %d, want 429", code)
	}
	if ra, err := strconv.Atoi(h.Get("Retry-After")); err != nil || ra < 1 {
		t.Fatalf("Retry-After %q", h.Get("Retry-After"))
	}
	if !strings.Contains(out.Error, "rate limit") {
		t.Fatalf("error %q", out.Error)
	}
	// Another token has its own bucket.
	var tk struct {
		Token string `json:"token"`
	}
	e.do("POST", "/api/shows/s1/tokens", testAdmin, map[string]string{"role": "ingest"}, &tk)
	if code, _ := e.do("POST", "/api/shows/s1/chat", tk.Token, msgs[:1], nil); code != 202 {
		t.Fatalf("second token: %d", code)
	}
	// A batch larger than the burst can never pass: 413, not a retry loop.
	big := make([]map[string]string, 6)
	for i := range big {
		big[i] = msgs[0]
	}
	if code, _ := e.do("POST", "/api/shows/s1/chat", tk.Token, big, nil); code != 413 {
		t.Fatalf("batch over burst: %d, want 413", code)
	}
}

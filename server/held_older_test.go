package server_test

import (
	"fmt"
	"testing"
)

// TestHeldCountOlderThan: GET /held?older_than= counts what a bulk deny by age would take, so the
// console can show the count before a moderator confirms it.
func TestHeldCountOlderThan(t *testing.T) {
	e := newEnv(t)
	tok := e.newShow("ho1")
	var batch []map[string]string
	for i := range 5 {
		batch = append(batch, map[string]string{"user": fmt.Sprintf("u%d", i), "text": fmt.Sprintf("電話して 090-1234-%04d", i)})
	}
	e.do("POST", "/api/shows/ho1/chat", tok["ingest"], batch, nil)
	for _, c := range []struct {
		q         string
		code, tot int
	}{
		{"older_than=0s", 200, 5},
		{"older_than=1h", 200, 0},
		{"older_than=0s&user=u1", 200, 1},
		{"older_than=soon", 400, 0},
		{"older_than=-5m", 400, 0},
	} {
		var p struct {
			Total int `json:"total"`
		}
		code, _ := e.do("GET", "/api/shows/ho1/held?limit=1&"+c.q, tok["moderator"], nil, &p)
		if code != c.code || (code == 200 && p.Total != c.tot) {
			t.Errorf("%s: %d total %d, want %d total %d", c.q, code, p.Total, c.code, c.tot)
		}
	}
}

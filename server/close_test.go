package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// TestCloseDuringIngest closes the server and the runtime while chat (and so answer drafting) is being appended:
// Close must return and every request must finish, with 202 or an error, never hang. Runs a few
// rounds because the lost-request race is between a sender and the appender's last drain.
func TestCloseDuringIngest(t *testing.T) {
	for round := range 5 {
		e := newEnv(t)
		toks := e.newShow(fmt.Sprintf("close-%d", round))
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 50 {
					body, _ := json.Marshal(map[string]string{"platform": "test", "user": fmt.Sprintf("u%d", w), "text": fmt.Sprintf("いくらですか？ %d", i)})
					req, _ := http.NewRequest("POST", e.URL+"/api/shows/"+fmt.Sprintf("close-%d", round)+"/chat", bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+toks["ingest"])
					req.Header.Set("Content-Type", "application/json")
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						return // the listener went away with the server
					}
					res.Body.Close()
				}
			}()
		}
		e.Srv.Close()
		e.RT.Close()
		wg.Wait()
	}
}

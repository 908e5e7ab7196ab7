package server_test

import (
	"context"
	"testing"

	"github.com/livehost/livehost/internal/pgtest"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/server"
	"github.com/livehost/livehost/show"
)

// The same ingest and restart on the PostgreSQL log (serve --db).
func TestPostgresLog(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	open := func() (*show.Store, *live.Runtime, *server.Server) {
		st, err := show.OpenPostgres(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		rt, srv, _ := startServer(t, st)
		return st, rt, srv
	}
	st, rt, srv := open()
	e := newEnvWith(t, st, srv)
	tok := e.newShow("pg1")
	var res struct {
		Results []chatResult `json:"results"`
	}
	if code, _ := e.do("POST", "/api/shows/pg1/chat", tok["ingest"], []map[string]string{
		{"user": "a", "text": "ブスは黙れ"}, {"user": "b", "text": "リップティントっていくらですか？"}}, &res); code != 202 {
		t.Fatalf("chat: %d", code)
	}
	e.waitDrafts("pg1", tok["moderator"], "published", func(d []draft) bool { return len(d) == 1 })
	e.HTTP.CloseClientConnections()
	srv.Close()
	rt.Close()
	st.Close()

	st2, rt2, srv2 := open()
	defer st2.Close()
	defer rt2.Close()
	defer srv2.Close()
	e.HTTP.Config.Handler = srv2.Handler()
	var state struct {
		OnAir  string  `json:"on_air"`
		Held   []any   `json:"held"`
		Drafts []draft `json:"drafts"`
	}
	if code, _ := e.do("GET", "/api/shows/pg1/state", tok["moderator"], nil, &state); code != 200 {
		t.Fatalf("state after restart: %d", code)
	}
	if state.OnAir != "LH-COS-001" || len(state.Held) != 1 || len(state.Drafts) != 1 || state.Drafts[0].Status != "published" {
		t.Fatalf("state after restart on PostgreSQL: %+v", state)
	}
}

package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/livehost/livehost/agents/answer"
	"github.com/livehost/livehost/agents/moderation"
	"github.com/livehost/livehost/server"
	"github.com/livehost/livehost/show"
)

// BenchmarkIngestTranscript is the server's part of end of utterance → transcript event: one final
// segment from the voice path through host compliance, lineup matching and a durable append to the
// SQLite log. It reports p50/p99 per segment.
func BenchmarkIngestTranscript(b *testing.B) {
	ctx := context.Background()
	ag, err := agents()
	if err != nil {
		b.Fatal(err)
	}
	mod, err := moderation.NewDefault()
	if err != nil {
		b.Fatal(err)
	}
	st, err := show.OpenStore(ctx, b.TempDir(), "")
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	srv, err := server.New(ctx, server.Options{
		Store: st, Moderator: server.ModerationAgent(mod), Answerer: server.AnswerAgent(answer.NewOffline(ag.searcher, nil)),
		Products: server.CatalogProducts(ag.searcher), AdminToken: testAdmin, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	req := httptest.NewRequest("POST", "/api/shows", strings.NewReader(`{"id":"b1","title":"bench","lineup":["LH-COS-001","LH-COS-002","LH-COS-003","LH-COS-004","LH-COS-005"]}`))
	req.Header.Set("Authorization", "Bearer "+testAdmin)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		b.Fatalf("create show: %d %s", rec.Code, rec.Body)
	}
	texts := []string{
		"このクリームでシミが消えます",
		"次はマットリップスティックのブリックレッドをご紹介します",
		"今日は春の新作をたっぷりお見せしますね、最後までゆっくり見ていってください",
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := srv.IngestTranscript(ctx, "b1", server.TranscriptInput{Text: texts[i%len(texts)], Final: true, Source: server.SourceWHIP, StartMS: int64(i) * 3000, EndMS: int64(i)*3000 + 2500}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
}

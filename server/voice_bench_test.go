package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/server"
	"github.com/livehost/livehost/show"
)

// BenchmarkIngestTranscript is the server's part of end of utterance → transcript event: one final
// segment from the voice path through host compliance, lineup matching and a durable append to the
// SQLite log. It reports p50/p99 per segment.
func BenchmarkIngestTranscript(b *testing.B) {
	ctx := context.Background()
	srv := benchServer(b)
	texts := []string{
		"このクリームでシミが消えます",
		"次はマットリップスティックのブリックレッドをご紹介します",
		"今日は春の新作をたっぷりお見せしますね、最後までゆっくり見ていってください",
	}
	benchSegments(b, func(i int) {
		if _, err := srv.IngestTranscript(ctx, "b1", live.TranscriptInput{Text: texts[i%len(texts)], Final: true, Source: server.SourceWHIP, StartMS: int64(i) * 3000, EndMS: int64(i)*3000 + 2500}); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkIngestTranscriptScript is the same with a 60-line host script being followed: each
// segment is a line of it with an ad-lib, aligned by readings and logged with its script.position.
func BenchmarkIngestTranscriptScript(b *testing.B) {
	ctx := context.Background()
	srv := benchServer(b)
	topics := []string{"うるツヤリップティントは唇の体温で発色します", "落ちにくいのにしっとりするのが特長です", "今夜十二時までセット価格でご案内します",
		"ブリックレッドは秋冬にぴったりの深い赤です", "日やけによるシミ・そばかすを防ぎます", "在庫が少なくなってきましたのでお早めに"}
	var lines []string
	for i := range 60 {
		lines = append(lines, fmt.Sprintf("%d番目のポイント、%s。", i+1, topics[i%len(topics)]))
	}
	if _, err := srv.SetScript(ctx, "b1", strings.Join(lines, "\n"), "bench"); err != nil {
		b.Fatal(err)
	}
	benchSegments(b, func(i int) {
		text := "はい、" + strings.TrimSuffix(lines[i%len(lines)], "。") + "ね"
		if _, err := srv.IngestTranscript(ctx, "b1", live.TranscriptInput{Text: text, Final: true, Source: server.SourceWHIP, StartMS: int64(i) * 3000, EndMS: int64(i)*3000 + 2500}); err != nil {
			b.Fatal(err)
		}
	})
}

// benchSegments runs one segment per iteration and reports p50/p99 per segment.
func benchSegments(b *testing.B, segment func(i int)) {
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		segment(i)
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
}

// benchServer is a runtime on a SQLite log with the show b1 (five lineup products), behind a server.
func benchServer(b *testing.B) *live.Runtime {
	b.Helper()
	ctx := context.Background()
	st, err := show.OpenStore(ctx, b.TempDir(), "")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	rt, srv, _ := startServer(b, st)
	req := httptest.NewRequest("POST", "/api/shows", strings.NewReader(`{"id":"b1","title":"bench","lineup":["LH-COS-001","LH-COS-002","LH-COS-003","LH-COS-004","LH-COS-005"]}`))
	req.Header.Set("Authorization", "Bearer "+testAdmin)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		b.Fatalf("create show: %d %s", rec.Code, rec.Body)
	}
	return rt
}

package answer

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/livehost/livehost/catalog"
)

// bigCatalog is the fixture catalog grown to n products: variants of each fixture product under
// new SKUs and names, so that search and resolution work at shop scale.
func bigCatalog(b testing.TB, n int) *catalog.Searcher {
	b.Helper()
	rr, err := catalog.ReadFile("testdata/catalog.jsonl", "")
	if err != nil {
		b.Fatal(err)
	}
	base := rr.Products
	products := append([]catalog.Product{}, base...)
	shades := []string{"ローズ", "ミルキー", "ヌード", "チェリー", "モカ", "サンド", "アッシュ", "ミント", "ラベンダー", "ボルドー"}
	for i := 0; len(products) < n; i++ {
		p := base[i%len(base)]
		p.SKU = fmt.Sprintf("%s-V%05d", p.SKU, i)
		p.Name = fmt.Sprintf("%s %s No.%d", p.Name, shades[i%len(shades)], i)
		p.Related = nil
		p.Price += float64(i % 500)
		products = append(products, p)
	}
	s, err := catalog.NewMemorySearcher(context.Background(), products, catalog.NewHashEmbedder(256))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

var benchQuestions = []Request{
	{Text: "いくらですか？", OnAir: "TINT-01"},
	{Text: "リップライナーは？", OnAir: "TINT-01", Lineup: []string{"TINT-01", "LINER-01"}},
	{Text: "XLありますか", OnAir: "TEE-01"},
	{Text: "石けんで落ちる？", OnAir: "TINT-01"},
	{Text: "How much is it?", OnAir: "TINT-01"},
	{Text: "次の配信はいつ？", OnAir: "TINT-01"},
	{Text: "かわいい！", OnAir: "TINT-01"},
	{Text: "在庫ありますか？", OnAir: "GLOSS-01"},
}

// BenchmarkOffline10k answers a mix of questions against a 10k-product catalog and reports the
// 95th percentile latency of one answer.
func BenchmarkOffline10k(b *testing.B) {
	s := bigCatalog(b, 10000)
	eng := NewOffline(s, nil)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := benchQuestions[i%len(benchQuestions)]
		t0 := time.Now()
		if _, err := eng.Answer(ctx, req); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
}

func BenchmarkDetect(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Detect(benchQuestions[i%len(benchQuestions)].Text)
	}
}

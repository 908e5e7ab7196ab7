package answer

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/openaitest"
	openai "github.com/sashabaranov/go-openai"
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
	// Another product named with a field asked, an English noun for a Japanese name, a hiragana word.
	{Text: "美容液の容量は？", OnAir: "TINT-01"},
	{Text: "how much is the serum?", OnAir: "TINT-01"},
	{Text: "もこもこのやつある？", OnAir: "TINT-01"},
}

// BenchmarkOffline10k answers a mix of questions against a 10k-product catalog and reports the
// 95th percentile latency of one answer.
func BenchmarkOffline10k(b *testing.B) {
	s := bigCatalog(b, 10000)
	eng := NewOffline(s, nil)
	ctx := context.Background()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	lat := make([]time.Duration, 0, b.N)
	cpu := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := benchQuestions[i%len(benchQuestions)]
		t0, c0 := time.Now(), threadCPU()
		if _, err := eng.Answer(ctx, req); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
		cpu = append(cpu, threadCPU()-c0)
	}
	b.StopTimer()
	b.ReportMetric(p95ms(lat), "p95-ms")
	if cpu[len(cpu)-1] > 0 || cpu[0] > 0 {
		b.ReportMetric(p95ms(cpu), "p95-cpu-ms")
	}
}

// p95ms is the 95th percentile of ds in milliseconds.
func p95ms(ds []time.Duration) float64 {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return float64(ds[len(ds)*95/100].Microseconds()) / 1000
}

func BenchmarkDetect(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Detect(benchQuestions[i%len(benchQuestions)].Text)
	}
}

// BenchmarkLLMOverhead measures what the LLM engine adds before the first token reaches the
// caller: time to the first forwarded token minus the test server's scripted first-token delay,
// with a 10k-product catalog. It covers detection, resolution, the offline draft, the prompt, the
// HTTP request on loopback and SSE parsing.
func BenchmarkLLMOverhead(b *testing.B) {
	const serverDelay = 20 * time.Millisecond
	srv := openaitest.New()
	defer srv.Close()
	srv.SetChat(func(openai.ChatCompletionRequest) openaitest.ChatReply {
		return openaitest.ChatReply{Content: "ジューシーリップティントは税込2,980円です！", FirstTokenDelay: serverDelay}
	})
	eng := NewLLM(openai.NewClientWithConfig(srv.Config()), "gpt-4o-mini", NewOffline(bigCatalog(b, 10000), nil))
	ctx := context.Background()
	over := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := benchQuestions[i%len(benchQuestions)]
		if !Detect(req.Text).IsQuestion {
			req = benchQuestions[0]
		}
		t0 := time.Now()
		var first time.Duration
		if _, err := eng.AnswerStream(ctx, req, func(string) {
			if first == 0 {
				first = time.Since(t0)
			}
		}); err != nil {
			b.Fatal(err)
		}
		if first == 0 {
			b.Fatalf("no token forwarded for %q", req.Text)
		}
		over = append(over, first-serverDelay)
	}
	b.StopTimer()
	sort.Slice(over, func(i, j int) bool { return over[i] < over[j] })
	b.ReportMetric(float64(over[len(over)/2].Microseconds())/1000, "p50-overhead-ms")
	b.ReportMetric(float64(over[len(over)*95/100].Microseconds())/1000, "p95-overhead-ms")
}

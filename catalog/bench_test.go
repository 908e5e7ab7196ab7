package catalog

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// syntheticProducts makes n deterministic products that look like a live-commerce catalog: names
// and descriptions built from Japanese product vocabulary, prices, stock and attributes.
func syntheticProducts(n int, seed uint64) []Product {
	rng := rand.New(rand.NewPCG(seed, 0xca7a1065))
	kinds := []struct{ cat, item string }{
		{"コスメ", "リップティント"}, {"コスメ", "リップライナー"}, {"コスメ", "リップバーム"}, {"コスメ", "アイシャドウ"},
		{"コスメ", "マスカラ"}, {"コスメ", "ファンデーション"}, {"スキンケア", "化粧水"}, {"スキンケア", "美容液"},
		{"スキンケア", "日焼け止め"}, {"スキンケア", "クレンジング"}, {"ファッション", "デニムジーンズ"}, {"ファッション", "Tシャツ"},
		{"ファッション", "カーディガン"}, {"ファッション", "スニーカー"}, {"ファッション", "ワンピース"}, {"ホーム", "バスタオル"},
		{"ホーム", "保存容器"}, {"ホーム", "まな板"}, {"ホーム", "ルームソックス"}, {"食品", "緑茶"}, {"食品", "焼き菓子"},
		{"食品", "明太子"}, {"食品", "ドライフルーツ"}, {"家電", "ワイヤレスイヤホン"}, {"家電", "モバイルバッテリー"},
		{"家電", "ヘアアイロン"}, {"家電", "リングライト"},
	}
	colors := []string{"ブラック", "ホワイト", "ネイビー", "ベージュ", "ピンク", "レッド", "ブルー", "グレー", "カーキ", "ブラウン"}
	adjs := []string{"ふんわり", "しっとり", "軽い", "高保湿", "速乾", "ストレッチ", "大容量", "コンパクト", "国産", "限定", "新作", "定番", "プレミアム", "オーガニック"}
	brands := []string{"花美コスメ", "Sakura Labo", "MIZUHA", "Kurokami Denim", "Tsumugi Home", "茶匠ふじ", "Otoha Audio", "北の菓子工房"}
	phrases := []string{"毎日使いやすい", "ギフトにもおすすめ", "ライブ限定カラー", "うるおいが続く", "肌ざわりの良い素材",
		"コンパクトで持ち運びやすい", "季節を問わず使える", "リピーター続出の", "手入れが簡単な", "SNSで話題の"}
	out := make([]Product, n)
	for i := range out {
		k := kinds[rng.IntN(len(kinds))]
		color := colors[rng.IntN(len(colors))]
		adj := adjs[rng.IntN(len(adjs))]
		price := float64(500 + 10*rng.IntN(1500))
		stock := rng.IntN(200)
		if rng.IntN(10) == 0 {
			stock = 0
		}
		p := Product{
			SKU:      fmt.Sprintf("SYN-%07d", i),
			Name:     fmt.Sprintf("%s %s %s No.%d", adj, k.item, color, i%997),
			Brand:    brands[rng.IntN(len(brands))],
			Category: k.cat,
			Price:    price,
			Currency: "JPY",
			Stock:    &stock,
			Description: fmt.Sprintf("%s%s。%sで、%s。カラーは%s。", phrases[rng.IntN(len(phrases))], k.item, adj,
				phrases[rng.IntN(len(phrases))], color),
			Attributes: map[string][]string{"color": {color}, "size": {[]string{"S", "M", "L", "フリー"}[rng.IntN(4)]}},
			Tags:       []string{k.item, adj},
		}
		if rng.IntN(4) == 0 {
			sale := float64(int(price*0.8/10) * 10)
			p.SalePrice = &sale
		}
		out[i] = p
	}
	return out
}

var benchQueries = []string{"リップ", "りっぷ", "黒いデニム", "日焼け止め", "ワイヤレスイヤホン", "化粧水 高保湿", "ギフト",
	"ピンク ティント", "ﾘｯﾌﾟﾊﾞｰﾑ", "モバイルバッテリー 大容量", "ストレッチ ジーンズ", "緑茶"}

var (
	bench100kOnce sync.Once
	bench100k     *Searcher
	bench100kMem  float64
	bench100kOpen time.Duration // reopening the store and building the searcher: a restart
	bench100kErr  error
)

// benchSearcher imports 100k synthetic products into an embedded store (once per test binary),
// reopens it as a restart would, and measures the heap that the store and searcher hold.
func benchSearcher(b *testing.B) (*Searcher, float64) {
	bench100kOnce.Do(func() {
		ctx := context.Background()
		dir, err := os.MkdirTemp("", "livehost-bench-")
		if err != nil {
			bench100kErr = err
			return
		}
		st, err := OpenEmbedded(ctx, dir)
		if err != nil {
			bench100kErr = err
			return
		}
		emb := NewHashEmbedder(0)
		if _, err := Import(ctx, st, emb, syntheticProducts(100_000, 1), ImportOptions{BatchSize: 1000}); err != nil {
			bench100kErr = err
			return
		}
		st.Close()
		emb.EmbedOne("黒") // load the tokenizer before measuring the heap
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		opened := time.Now()
		st, err = OpenEmbedded(ctx, dir)
		if err != nil {
			bench100kErr = err
			return
		}
		s, err := NewSearcher(ctx, st, emb)
		if err != nil {
			bench100kErr = err
			return
		}
		bench100kOpen = time.Since(opened)
		runtime.GC()
		runtime.ReadMemStats(&after)
		bench100k, bench100kMem = s, float64(after.HeapAlloc-before.HeapAlloc)/100_000
	})
	if bench100kErr != nil {
		b.Fatal(bench100kErr)
	}
	return bench100k, bench100kMem
}

// latencies records the wall-clock and the thread CPU time of each operation. The CPU time is what
// the operation costs on a core of its own; the wall clock also counts waiting for a core, which
// is what a shared machine adds.
type latencies struct {
	wall, cpu []time.Duration
	w0        time.Time
	c0d       time.Duration
}

func newLatencies(n int) *latencies {
	runtime.LockOSThread() // the thread CPU clock must stay on one thread
	return &latencies{wall: make([]time.Duration, 0, n), cpu: make([]time.Duration, 0, n)}
}

func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

func (l *latencies) start() { l.w0, l.c0d = time.Now(), threadCPU() }
func (l *latencies) stop() {
	l.wall = append(l.wall, time.Since(l.w0))
	l.cpu = append(l.cpu, threadCPU()-l.c0d)
}

// report adds p50/p90/p99 of both clocks to a benchmark.
func (l *latencies) report(b *testing.B) {
	runtime.UnlockOSThread()
	for _, m := range []struct {
		name string
		d    []time.Duration
	}{{"", l.wall}, {"cpu-", l.cpu}} {
		if len(m.d) == 0 {
			continue
		}
		slices.Sort(m.d)
		at := func(q float64) float64 { return float64(m.d[int(q*float64(len(m.d)-1))].Microseconds()) / 1000 }
		b.ReportMetric(at(0.50), m.name+"p50-ms")
		b.ReportMetric(at(0.90), m.name+"p90-ms")
		b.ReportMetric(at(0.99), m.name+"p99-ms")
	}
}

// BenchmarkSearch100k is hybrid search (query embedding, exact vector search, BM25, fusion), top 10
// over 100k products in the embedded store. Run with -cpu 1.
func BenchmarkSearch100k(b *testing.B) {
	s, perProduct := benchSearcher(b)
	ctx := context.Background()
	lat := newLatencies(b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lat.start()
		if _, err := s.Search(ctx, Query{Text: benchQueries[i%len(benchQueries)], K: 10}); err != nil {
			b.Fatal(err)
		}
		lat.stop()
	}
	b.StopTimer()
	lat.report(b)
	b.ReportMetric(perProduct, "heap-B/product")
	b.ReportMetric(bench100kOpen.Seconds(), "reopen-s")
}

// BenchmarkSearch100kFiltered adds in-stock, category and price filters.
func BenchmarkSearch100kFiltered(b *testing.B) {
	s, _ := benchSearcher(b)
	ctx := context.Background()
	lo, hi := 1000.0, 8000.0
	f := Filter{InStockOnly: true, Category: "コスメ", MinPrice: &lo, MaxPrice: &hi}
	lat := newLatencies(b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lat.start()
		if _, err := s.Search(ctx, Query{Text: benchQueries[i%len(benchQueries)], K: 10, Filter: f}); err != nil {
			b.Fatal(err)
		}
		lat.stop()
	}
	b.StopTimer()
	lat.report(b)
}

// BenchmarkVectorSearch100kDense is the worst case of the exact index: a dense query (a product's
// own vector, as Nearest uses for cross-sell) touches every column.
func BenchmarkVectorSearch100kDense(b *testing.B) {
	s, _ := benchSearcher(b)
	ctx := context.Background()
	lat := newLatencies(b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lat.start()
		if _, err := s.Nearest(ctx, "SYN-"+fmt.Sprintf("%07d", (i*7919)%100_000), 10, Filter{}); err != nil {
			b.Fatal(err)
		}
		lat.stop()
	}
	b.StopTimer()
	lat.report(b)
}

// BenchmarkImport10k imports 10k products with the offline embedder into a fresh embedded store.
func BenchmarkImport10k(b *testing.B) {
	products := syntheticProducts(10_000, 2)
	NewHashEmbedder(0).EmbedOne("黒") // the tokenizer loads once per process
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st, err := OpenEmbedded(ctx, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		sum, err := Import(ctx, st, NewHashEmbedder(0), products, ImportOptions{})
		if err != nil || sum.Imported != len(products) {
			b.Fatalf("%+v %v", sum, err)
		}
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(len(products)), "products/op")
}

func TestSyntheticProducts(t *testing.T) {
	ps := syntheticProducts(100, 1)
	if len(ps) != 100 || ps[0].SKU != "SYN-0000000" || ps[0].Name == "" {
		t.Fatalf("%+v", ps[0])
	}
	for _, p := range ps {
		if _, err := strconv.Atoi(p.SKU[4:]); err != nil {
			t.Fatal(p.SKU)
		}
	}
}

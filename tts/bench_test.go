package tts_test

import (
	"context"
	"testing"
	"time"

	"github.com/livehost/livehost/tts"
)

// BenchmarkOpenJTalkRTF synthesizes a typical sentence of avatar talk and reports Open JTalk's
// real-time factor (synthesis time / audio length; under 1 is faster than real time).
func BenchmarkOpenJTalkRTF(b *testing.B) {
	o := &tts.OpenJTalk{}
	if err := o.Available(); err != nil {
		b.Skip(err)
	}
	ctx := context.Background()
	text := "うるツヤ リップティント 03 ローズピンクは税込1,580円、通常1,980円のところ今だけセール価格です。"
	var audio time.Duration
	b.ResetTimer()
	for b.Loop() {
		sp, err := o.Synthesize(ctx, tts.Request{Text: text, Lang: "ja"})
		if err != nil {
			b.Fatal(err)
		}
		audio += sp.Duration
	}
	b.ReportMetric(b.Elapsed().Seconds()/audio.Seconds(), "rtf")
	b.ReportMetric(audio.Seconds()/float64(b.N), "audio-s/op")
}

// BenchmarkDiskCacheHit reads a sentence of Open JTalk speech back from the disk cache, as the
// chain does after a restart instead of synthesizing it again.
func BenchmarkDiskCacheHit(b *testing.B) {
	o := &tts.OpenJTalk{}
	if err := o.Available(); err != nil {
		b.Skip(err)
	}
	sp, err := o.Synthesize(context.Background(), tts.Request{Text: "うるツヤ リップティント 03 ローズピンクは税込1,580円です。", Lang: "ja"})
	if err != nil {
		b.Fatal(err)
	}
	d, err := tts.OpenDiskCache(b.TempDir(), 64<<20)
	if err != nil {
		b.Fatal(err)
	}
	id := tts.ID(sp.Engine, sp.Voice, "x")
	if err := d.Put(id, sp); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(sp.Audio)))
	for b.Loop() {
		if _, ok := d.Get(id); !ok {
			b.Fatal("miss")
		}
	}
	b.ReportMetric(sp.Duration.Seconds(), "audio-s")
}

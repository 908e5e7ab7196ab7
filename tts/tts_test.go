package tts_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/livehost/livehost/openaitest"
	"github.com/livehost/livehost/tts"
	"github.com/livehost/livehost/tts/voicevoxtest"
)

func needBinary(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (run scripts/install-deps.sh)", err)
		}
		t.Skip(err)
	}
}

func checkMarks(t *testing.T, sp tts.Speech) {
	t.Helper()
	if len(sp.Marks) < 3 {
		t.Fatalf("%s: only %d marks: %v", sp.Engine, len(sp.Marks), sp.Marks)
	}
	open := 0
	for i, m := range sp.Marks {
		if i > 0 && m.MS < sp.Marks[i-1].MS {
			t.Fatalf("%s: marks out of order: %v", sp.Engine, sp.Marks)
		}
		if m.Shape != "n" {
			open++
		}
		if time.Duration(m.MS)*time.Millisecond > sp.Duration+50*time.Millisecond {
			t.Fatalf("%s: mark at %d ms after the audio's end (%v)", sp.Engine, m.MS, sp.Duration)
		}
	}
	if open == 0 {
		t.Fatalf("%s: the mouth never opens: %v", sp.Engine, sp.Marks)
	}
}

func TestOpenJTalkSpeaksJapaneseWithPhonemeTimings(t *testing.T) {
	o := &tts.OpenJTalk{}
	needBinary(t, o.Available())
	sp, err := o.Synthesize(context.Background(), tts.Request{Text: "このリップは、税込千五百八十円です。", Lang: "ja"})
	if err != nil {
		t.Fatal(err)
	}
	if sp.ContentType != "audio/wav" || !strings.HasPrefix(string(sp.Audio), "RIFF") {
		t.Fatalf("not WAV: %q", sp.Audio[:min(12, len(sp.Audio))])
	}
	if sp.Duration < time.Second || sp.Duration > 10*time.Second {
		t.Fatalf("duration %v", sp.Duration)
	}
	checkMarks(t, sp)
	checkBreaks(t, sp, 2)
	if _, err := o.Synthesize(context.Background(), tts.Request{Text: "hello", Lang: "en"}); !errors.Is(err, tts.ErrLanguage) {
		t.Fatalf("open_jtalk asked for English: %v", err)
	}
}

// checkBreaks: at least min breaks, ascending, inside the audio, each where the mouth is about to
// close or change (a phrase ends there, not in the middle of a sound).
func checkBreaks(t *testing.T, sp tts.Speech, min int) {
	t.Helper()
	if len(sp.Breaks) < min {
		t.Fatalf("%s: %d breaks %v, want at least %d", sp.Engine, len(sp.Breaks), sp.Breaks, min)
	}
	for i, b := range sp.Breaks {
		if b <= 0 || b >= sp.Duration.Milliseconds() || i > 0 && b <= sp.Breaks[i-1] {
			t.Fatalf("%s: breaks %v in %v", sp.Engine, sp.Breaks, sp.Duration)
		}
	}
}

func TestESpeakSpeaksEnglishNeverJapanese(t *testing.T) {
	e := &tts.ESpeak{}
	needBinary(t, e.Available())
	sp, err := e.Synthesize(context.Background(), tts.Request{Text: "This lip tint is fifteen eighty yen.", Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	checkMarks(t, sp)
	if _, err := e.Synthesize(context.Background(), tts.Request{Text: "こんにちは", Lang: "ja"}); !errors.Is(err, tts.ErrLanguage) {
		t.Fatalf("espeak-ng asked for Japanese: %v", err)
	}
}

func TestParseJTalkTrace(t *testing.T) {
	trace := "[Text analysis result]\nx\n\n[Output label]\n0 3100000 xx^xx-sil+k=o/A:xx\n3100000 4350000 xx^sil-k+o=n/A:-1\n4350000 5000000 sil^k-o+n=o/A:-1\n5000000 5550000 k^o-n+o=r/A:0\nbad line\n\n[Global parameter]\n1 2 3\n"
	marks, end := tts.ParseJTalkTrace([]byte(trace))
	want := []tts.Mark{{MS: 0, Shape: "n"}, {MS: 435, Shape: "o"}, {MS: 500, Shape: "n"}}
	if len(marks) != len(want) {
		t.Fatalf("marks %v, want %v", marks, want)
	}
	for i := range want {
		if marks[i] != want[i] {
			t.Fatalf("marks %v, want %v", marks, want)
		}
	}
	if end != 555*time.Millisecond {
		t.Fatalf("end %v", end)
	}
}

// TestJTalkBreaks: breaks fall where one accent phrase ("/F:" field) ends and the next begins,
// pauses and silence skipped.
func TestJTalkBreaks(t *testing.T) {
	trace := "[Output label]\n" +
		"0 3100000 xx^xx-sil+k=o/A:xx+xx+xx/F:xx_xx#xx_xx@xx_xx|xx_xx/G:2\n" +
		"3100000 4350000 xx^sil-k+o=n/A:-1+1+2/F:2_2#0_xx@1_8|1_33/G:4\n" +
		"4350000 5000000 sil^k-o+n=o/A:-1+1+2/F:2_2#0_xx@1_8|1_33/G:4\n" +
		"5000000 6200000 o^n-o+r=i/A:0+2+1/F:2_2#0_xx@1_8|1_33/G:4\n" +
		"6200000 6600000 n^o-r+i=cl/A:0+1+4/F:4_1#0_xx@2_7|3_31/G:5\n" +
		"6600000 7350000 o^r-i+pau=p/A:0+1+4/F:4_1#0_xx@2_7|3_31/G:5\n" +
		"7350000 8000000 r^i-pau+p=u/A:xx+xx+xx/F:xx_xx#xx_xx@xx_xx|xx_xx/G:5\n" +
		"8000000 8800000 i^pau-p+u=w/A:1+1+2/F:3_3#0_xx@1_2|8_22/G:5\n" +
		"8800000 9300000 pau^p-u+sil=w/A:1+1+2/F:3_3#0_xx@1_2|8_22/G:5\n" +
		"9300000 9900000 p^u-sil+xx=xx/A:xx/F:xx_xx#xx_xx@xx_xx|xx_xx/G:xx\n" +
		"[Global parameter]\n"
	got := tts.JTalkBreaks([]byte(trace))
	want := []int64{620, 735}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("breaks %v, want %v", got, want)
	}
}

func FuzzParseJTalkTrace(f *testing.F) {
	f.Add([]byte("[Output label]\n0 100 a^b-c+d=e\n"))
	f.Add([]byte("[Output label]\n-1 x y\n9 3 -+\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		marks, _ := tts.ParseJTalkTrace(b)
		for _, m := range marks {
			if m.MS < 0 {
				t.Fatalf("negative mark %v", m)
			}
		}
		breaks := tts.JTalkBreaks(b)
		for i, br := range breaks {
			if br < 0 || i > 0 && br <= breaks[i-1] {
				t.Fatalf("breaks %v", breaks)
			}
		}
	})
}

func TestVOICEVOXTimingsDividedBySpeedScale(t *testing.T) {
	fake := voicevoxtest.New()
	defer fake.Close()
	v := &tts.VOICEVOX{BaseURL: fake.URL, Speaker: 3}
	sp1, err := v.Synthesize(context.Background(), tts.Request{Text: "こんにちは、みなさん", Lang: "ja"})
	if err != nil {
		t.Fatal(err)
	}
	checkMarks(t, sp1)
	checkBreaks(t, sp1, 1)
	fake.SetSpeed(2)
	sp2, err := v.Synthesize(context.Background(), tts.Request{Text: "こんにちは、みなさん", Lang: "ja"})
	if err != nil {
		t.Fatal(err)
	}
	last := func(sp tts.Speech) int64 { return sp.Marks[len(sp.Marks)-1].MS }
	if d := last(sp1) - 2*last(sp2); d < -2 || d > 2 {
		t.Fatalf("at speedScale 2 the last mark is at %d ms, at 1 at %d ms", last(sp2), last(sp1))
	}
	if r := float64(sp1.Duration) / float64(sp2.Duration); r < 1.9 || r > 2.1 {
		t.Fatalf("durations %v and %v", sp1.Duration, sp2.Duration)
	}
	fake.FailNext(1)
	if _, err := v.Synthesize(context.Background(), tts.Request{Text: "あ", Lang: "ja"}); err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("a failing engine gave %v", err)
	}
}

func TestOpenAISpeechEnvelopeMouth(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	o := &tts.OpenAISpeech{BaseURL: srv.Config().BaseURL, Client: srv.HTTPClient()}
	sp, err := o.Synthesize(context.Background(), tts.Request{Text: "hello there friends", Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	checkMarks(t, sp)
	srv.FailNext(1, 503)
	if _, err := o.Synthesize(context.Background(), tts.Request{Text: "x", Lang: "en"}); err == nil {
		t.Fatal("a 503 gave no error")
	}
}

type broken struct{ name string }

func (b broken) Name() string            { return b.name }
func (b broken) Voice() string           { return "v" }
func (b broken) Speaks(lang string) bool { return true }
func (b broken) Synthesize(context.Context, tts.Request) (tts.Speech, error) {
	return tts.Speech{}, errors.New("engine down")
}

func TestChainFallsBackThenCaptionsOnlyAndCaches(t *testing.T) {
	c := &tts.Chain{Engines: []tts.Engine{broken{"first"}, &tts.Tone{}}, CacheEntries: 2}
	sp, id, fbs, err := c.Speak(context.Background(), tts.Request{Text: "あいう", Lang: "ja"})
	if err != nil || sp.Engine != "tone" || len(fbs) != 1 || fbs[0].Engine != "first" || fbs[0].Next != "tone" {
		t.Fatalf("speak: %v %q %+v %v", sp.Engine, id, fbs, err)
	}
	if got, ok := c.Audio(id); !ok || len(got.Audio) != len(sp.Audio) {
		t.Fatal("not cached")
	}
	for _, s := range []string{"a", "b", "c"} {
		if _, _, _, err := c.Speak(context.Background(), tts.Request{Text: s, Lang: "en"}); err != nil {
			t.Fatal(err)
		}
	}
	if c.Len() != 2 {
		t.Fatalf("cache holds %d, bound is 2", c.Len())
	}
	// Five characters of tone are 4,844 bytes of WAV: 10,000 bytes hold two of them.
	small := &tts.Chain{Engines: []tts.Engine{&tts.Tone{}}, CacheBytes: 10000}
	for _, s := range []string{"あいうえお", "かきくけこ", "さしすせそ"} {
		if _, _, _, err := small.Speak(context.Background(), tts.Request{Text: s, Lang: "ja"}); err != nil {
			t.Fatal(err)
		}
	}
	if small.Len() != 2 {
		t.Fatalf("cache bounded by bytes holds %d, want 2", small.Len())
	}
	none := &tts.Chain{Engines: []tts.Engine{broken{"a"}, broken{"b"}}}
	_, _, fbs, err = none.Speak(context.Background(), tts.Request{Text: "x", Lang: "ja"})
	if !errors.Is(err, tts.ErrCaptionsOnly) || len(fbs) != 2 || fbs[1].Next != "" {
		t.Fatalf("all down: %+v %v", fbs, err)
	}
}

package tts_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/livehost/livehost/tts"
)

// counting is the Tone engine counting its syntheses.
type counting struct {
	tts.Tone
	n atomic.Int64
}

func (c *counting) Synthesize(ctx context.Context, req tts.Request) (tts.Speech, error) {
	c.n.Add(1)
	return c.Tone.Synthesize(ctx, req)
}

// TestDiskCacheSurvivesRestart: speech synthesized once is on disk; a new chain over the same
// folder (a restart) speaks it and serves its audio without synthesizing again.
func TestDiskCacheSurvivesRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tts-cache")
	ctx := context.Background()
	d, err := tts.OpenDiskCache(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	eng := &counting{}
	c := &tts.Chain{Engines: []tts.Engine{eng}, Disk: d}
	sp, id, _, err := c.Speak(ctx, tts.Request{Text: "今なら1,580円です。", Lang: "ja"})
	if err != nil || eng.n.Load() != 1 || d.Len() != 1 {
		t.Fatalf("speak: %v, %d syntheses, %d on disk", err, eng.n.Load(), d.Len())
	}

	d2, err := tts.OpenDiskCache(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	eng2 := &counting{}
	c2 := &tts.Chain{Engines: []tts.Engine{eng2}, Disk: d2}
	got, ok := c2.Audio(id)
	if !ok || !bytes.Equal(got.Audio, sp.Audio) || got.Duration != sp.Duration || len(got.Marks) != len(sp.Marks) || got.Engine != "tone" {
		t.Fatalf("audio after restart: %v %+v", ok, got.Marks)
	}
	sp2, id2, _, err := c2.Speak(ctx, tts.Request{Text: "今なら1,580円です。", Lang: "ja"})
	if err != nil || id2 != id || eng2.n.Load() != 0 || !bytes.Equal(sp2.Audio, sp.Audio) {
		t.Fatalf("speak after restart: %v, id %s/%s, %d syntheses", err, id2, id, eng2.n.Load())
	}
}

// TestDiskCacheBounded: the files never add up to more than the bound; the least recently used
// go first, across a reopening too; a damaged file is a miss, removed, never served.
func TestDiskCacheBounded(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	// Five characters of tone are 4,844 bytes of WAV: 12,000 bytes hold two files.
	d, err := tts.OpenDiskCache(dir, 12000)
	if err != nil {
		t.Fatal(err)
	}
	c := &tts.Chain{Engines: []tts.Engine{&tts.Tone{}}, Disk: d, CacheEntries: 1}
	ids := map[string]string{}
	for _, s := range []string{"あいうえお", "かきくけこ", "さしすせそ"} {
		_, id, _, err := c.Speak(ctx, tts.Request{Text: s, Lang: "ja"})
		if err != nil {
			t.Fatal(err)
		}
		ids[s] = id
		if s == "かきくけこ" {
			// Used again: now the first one is the least recently used.
			time.Sleep(10 * time.Millisecond)
			if _, ok := d.Get(ids["あいうえお"]); !ok {
				t.Fatal("first not on disk")
			}
		}
	}
	if d.Len() != 2 || d.Bytes() > 12000 {
		t.Fatalf("%d files, %d bytes: bound is 12,000", d.Len(), d.Bytes())
	}
	if _, ok := d.Get(ids["かきくけこ"]); ok {
		t.Fatal("the least recently used file was kept")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.speech"))
	if len(files) != 2 {
		t.Fatalf("%d files on disk, want 2", len(files))
	}
	// A smaller bound on reopening evicts down to it.
	d2, err := tts.OpenDiskCache(dir, 6000)
	if err != nil {
		t.Fatal(err)
	}
	if d2.Len() != 1 {
		t.Fatalf("reopened with a smaller bound: %d files", d2.Len())
	}
	// Damage the remaining file: it is a miss and goes.
	files, _ = filepath.Glob(filepath.Join(dir, "*.speech"))
	if err := os.WriteFile(files[0], []byte("LHTTS2\n\x00\x00\x00\x09{\"audio\":"), 0o644); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSuffix(filepath.Base(files[0]), ".speech")
	if _, ok := d2.Get(id); ok || d2.Len() != 0 {
		t.Fatalf("damaged file served or kept (%d)", d2.Len())
	}
	if _, err := os.Stat(files[0]); !os.IsNotExist(err) {
		t.Fatalf("damaged file left: %v", err)
	}
	if _, err := tts.OpenDiskCache(dir, 0); err == nil {
		t.Fatal("a cache of 0 bytes opened")
	}
}

// TestDecodeSpeech: a cache file reads back what was written; anything else is an error naming
// what is wrong.
func TestDecodeSpeech(t *testing.T) {
	sp := tts.Speech{Audio: []byte("RIFF...."), ContentType: "audio/wav", Duration: 1500 * time.Millisecond,
		Marks: []tts.Mark{{MS: 0, Shape: "a"}, {MS: 120, Shape: "n"}}, Breaks: []int64{120, 800}, Engine: "openjtalk", Voice: "m001"}
	b, err := tts.EncodeSpeech(sp)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tts.DecodeSpeech(b)
	if err != nil || !bytes.Equal(got.Audio, sp.Audio) || got.Duration != sp.Duration || got.Voice != "m001" || len(got.Marks) != 2 || len(got.Breaks) != 2 || got.Breaks[1] != 800 {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	cases := map[string][]byte{
		"bad magic":       []byte("RIFF"),
		"version 1":       append([]byte("LHTTS1\n\x00\x00\x00\x23"), []byte(`{"content_type":"audio/wav","audio":0}`)...),
		"short":           []byte("LHTTS2\n\x00"),
		"header too big":  []byte("LHTTS2\n\x00\x00\x10\x00{}"),
		"bad header":      []byte("LHTTS2\n\x00\x00\x00\x02{x"),
		"audio length":    append([]byte("LHTTS2\n\x00\x00\x00\x31"), []byte(`{"content_type":"audio/wav","audio":5,"engine":""}abc`)...),
		"not audio":       append([]byte("LHTTS2\n\x00\x00\x00\x23"), []byte(`{"content_type":"text/html","audio":0}`)...),
		"break outside":   header(`{"content_type":"audio/wav","duration_ms":100,"breaks":[50,150],"audio":0}`),
		"breaks unsorted": header(`{"content_type":"audio/wav","duration_ms":900,"breaks":[500,300],"audio":0}`),
	}
	for name, b := range cases {
		if _, err := tts.DecodeSpeech(b); err == nil || !strings.HasPrefix(err.Error(), "tts cache file") {
			t.Errorf("%s: %v, want an error", name, err)
		}
	}
}

// header is a cache file of no audio with the header h.
func header(h string) []byte {
	b := []byte("LHTTS2\n\x00\x00\x00\x00")
	b[len(b)-1] = byte(len(h))
	return append(b, h...)
}

func FuzzDecodeSpeech(f *testing.F) {
	b, _ := tts.EncodeSpeech(tts.Speech{Audio: []byte("RIFF"), ContentType: "audio/wav", Duration: time.Second, Marks: []tts.Mark{{MS: 1, Shape: "a"}}})
	f.Add(b)
	f.Add([]byte("LHTTS2\n\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sp, err := tts.DecodeSpeech(b)
		if err != nil {
			return
		}
		// What decodes encodes to a file that decodes the same.
		again, err := tts.EncodeSpeech(sp)
		if err != nil {
			t.Fatal(err)
		}
		sp2, err := tts.DecodeSpeech(again)
		if err != nil || !bytes.Equal(sp2.Audio, sp.Audio) || sp2.Duration != sp.Duration || len(sp2.Breaks) != len(sp.Breaks) {
			t.Fatalf("re-decode: %v", err)
		}
	})
}

package tts

import (
	"bytes"
	"container/list"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// DiskCache keeps synthesized speech in files under a directory of the data dir, by the same ID
// as the memory cache (engine, voice and text), so that a restart does not synthesize again what
// was said before. It is bounded in bytes: the least recently used files go first.
type DiskCache struct {
	dir      string
	maxBytes int64

	mu    sync.Mutex
	lru   list.List // of *diskEntry, most recent first
	byID  map[string]*list.Element
	bytes int64
}

type diskEntry struct {
	id   string
	size int64
}

// speechMagic begins every cache file: the format's name and version.
const speechMagic = "LHTTS2\n" // 2: with the breaks; a file of version 1 is dropped and synthesized again

// maxSpeechFile bounds one cache file: a few minutes of 48 kHz WAV.
const maxSpeechFile = 64 << 20

var idPattern = regexp.MustCompile(`^[0-9a-f]{24}$`)

// OpenDiskCache opens (creating it) the cache in dir, bounded to maxBytes, and indexes the files
// already there, oldest use first. Leftover temporary files are removed.
func OpenDiskCache(dir string, maxBytes int64) (*DiskCache, error) {
	if maxBytes <= 0 {
		return nil, fmt.Errorf("tts disk cache %s: size %d: want more than 0", dir, maxBytes)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("tts disk cache: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("tts disk cache: %w", err)
	}
	type found struct {
		id   string
		size int64
		at   time.Time
	}
	var files []found
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".tmp-") {
			_ = os.Remove(filepath.Join(dir, name))
			continue
		}
		id, ok := strings.CutSuffix(name, ".speech")
		if !ok || !idPattern.MatchString(id) || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		files = append(files, found{id, info.Size(), info.ModTime()})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].at.After(files[j].at) })
	d := &DiskCache{dir: dir, maxBytes: maxBytes, byID: map[string]*list.Element{}}
	for _, f := range files {
		d.byID[f.id] = d.lru.PushBack(&diskEntry{f.id, f.size})
		d.bytes += f.size
	}
	d.mu.Lock()
	d.evict()
	d.mu.Unlock()
	return d, nil
}

func (d *DiskCache) path(id string) string { return filepath.Join(d.dir, id+".speech") }

// Get reads a speech by ID; a missing or unreadable file is a miss (an unreadable one is removed).
func (d *DiskCache) Get(id string) (Speech, bool) {
	if !idPattern.MatchString(id) {
		return Speech{}, false
	}
	d.mu.Lock()
	el, ok := d.byID[id]
	if ok {
		d.lru.MoveToFront(el)
	}
	d.mu.Unlock()
	if !ok {
		return Speech{}, false
	}
	b, err := os.ReadFile(d.path(id))
	if err == nil {
		var sp Speech
		if sp, err = DecodeSpeech(b); err == nil {
			now := time.Now()
			_ = os.Chtimes(d.path(id), now, now) // the use survives a restart
			return sp, true
		}
	}
	d.forget(id)
	return Speech{}, false
}

// Put writes a speech under id (atomically: a crash leaves the old file or none) and evicts the
// least recently used files beyond the bound.
func (d *DiskCache) Put(id string, sp Speech) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("tts disk cache: bad id %q", id)
	}
	b, err := EncodeSpeech(sp)
	if err != nil {
		return err
	}
	d.mu.Lock()
	_, had := d.byID[id]
	d.mu.Unlock()
	if had {
		return nil
	}
	f, err := os.CreateTemp(d.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("tts disk cache: %w", err)
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("tts disk cache: write %s: %w", id, err)
	}
	if err := os.Rename(f.Name(), d.path(id)); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("tts disk cache: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.byID[id]; !ok {
		d.byID[id] = d.lru.PushFront(&diskEntry{id, int64(len(b))})
		d.bytes += int64(len(b))
	}
	d.evict()
	return nil
}

// evict removes the least recently used files beyond the bound; call with mu held.
func (d *DiskCache) evict() {
	for d.bytes > d.maxBytes && d.lru.Len() > 0 {
		old := d.lru.Back()
		e := old.Value.(*diskEntry)
		d.lru.Remove(old)
		delete(d.byID, e.id)
		d.bytes -= e.size
		if err := os.Remove(d.path(e.id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			continue // counted out anyway: a file that cannot be removed is not served again
		}
	}
}

func (d *DiskCache) forget(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if el, ok := d.byID[id]; ok {
		d.lru.Remove(el)
		delete(d.byID, id)
		d.bytes -= el.Value.(*diskEntry).size
	}
	_ = os.Remove(d.path(id))
}

// Bytes is the size of the files cached.
func (d *DiskCache) Bytes() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.bytes
}

// Len is the number of files cached.
func (d *DiskCache) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.lru.Len()
}

// speechHeader is a cache file's description of its audio.
type speechHeader struct {
	ContentType string  `json:"content_type"`
	DurationMS  int64   `json:"duration_ms"`
	Marks       []Mark  `json:"marks,omitempty"`
	Breaks      []int64 `json:"breaks,omitempty"`
	Engine      string  `json:"engine"`
	Voice       string  `json:"voice"`
	Audio       int     `json:"audio"` // bytes of audio after the header
}

// EncodeSpeech is a cache file: the magic, the header's length (4 bytes, big-endian), the header
// as JSON, then the audio.
func EncodeSpeech(sp Speech) ([]byte, error) {
	h, err := json.Marshal(speechHeader{ContentType: sp.ContentType, DurationMS: sp.Duration.Milliseconds(), Marks: sp.Marks, Breaks: sp.Breaks,
		Engine: sp.Engine, Voice: sp.Voice, Audio: len(sp.Audio)})
	if err != nil {
		return nil, fmt.Errorf("tts disk cache: encode: %w", err)
	}
	var b bytes.Buffer
	b.Grow(len(speechMagic) + 4 + len(h) + len(sp.Audio))
	b.WriteString(speechMagic)
	_ = binary.Write(&b, binary.BigEndian, uint32(len(h)))
	b.Write(h)
	b.Write(sp.Audio)
	return b.Bytes(), nil
}

// DecodeSpeech reads a cache file, checking every length against the file's.
func DecodeSpeech(b []byte) (Speech, error) {
	if len(b) > maxSpeechFile {
		return Speech{}, fmt.Errorf("tts cache file: %d bytes, at most %d", len(b), maxSpeechFile)
	}
	rest, ok := bytes.CutPrefix(b, []byte(speechMagic))
	if !ok || len(rest) < 4 {
		return Speech{}, errors.New("tts cache file: not a speech file (bad magic)")
	}
	n := binary.BigEndian.Uint32(rest)
	rest = rest[4:]
	if uint64(n) > uint64(len(rest)) {
		return Speech{}, fmt.Errorf("tts cache file: header of %d bytes in %d", n, len(rest))
	}
	var h speechHeader
	if err := json.Unmarshal(rest[:n], &h); err != nil {
		return Speech{}, fmt.Errorf("tts cache file: header: %w", err)
	}
	audio := rest[n:]
	switch {
	case h.Audio != len(audio):
		return Speech{}, fmt.Errorf("tts cache file: %d bytes of audio, header says %d", len(audio), h.Audio)
	case h.DurationMS < 0 || h.DurationMS > int64(time.Hour/time.Millisecond):
		return Speech{}, fmt.Errorf("tts cache file: duration %d ms", h.DurationMS)
	case !strings.HasPrefix(h.ContentType, "audio/"):
		return Speech{}, fmt.Errorf("tts cache file: content type %q", h.ContentType)
	}
	for i, b := range h.Breaks {
		if b <= 0 || b >= h.DurationMS || i > 0 && b <= h.Breaks[i-1] {
			return Speech{}, fmt.Errorf("tts cache file: break %d at %d ms (of %d ms, after %v)", i, b, h.DurationMS, h.Breaks[:i])
		}
	}
	return Speech{Audio: append([]byte(nil), audio...), ContentType: h.ContentType, Duration: time.Duration(h.DurationMS) * time.Millisecond,
		Marks: h.Marks, Breaks: h.Breaks, Engine: h.Engine, Voice: h.Voice}, nil
}

package tts

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
)

// Fallback records an engine that failed and what was tried next ("" when none was left).
type Fallback struct {
	Engine string
	Next   string
	Reason string
}

// Chain speaks with the first engine that speaks the language and succeeds, caching results by
// engine, voice and text. When every engine fails, Speak returns ErrCaptionsOnly with the
// fallbacks: the line is shown as a caption only.
type Chain struct {
	Engines []Engine
	// CacheEntries and CacheBytes bound the cache (default 512 sentences, 64 MiB of audio: Open
	// JTalk's 48 kHz WAV is about 100 KB a second).
	CacheEntries int
	CacheBytes   int
	// Disk, when set, keeps the speech on disk too, so a restart does not synthesize again.
	Disk *DiskCache

	mu    sync.Mutex
	lru   list.List
	byID  map[string]*list.Element
	bytes int
}

// ErrCaptionsOnly is returned when no engine could speak a sentence.
var ErrCaptionsOnly = errors.New("tts: no engine could speak; captions only")

type entry struct {
	id string
	sp Speech
}

// ID is the cache key of a speech as a short hex string, used in audio URLs.
func ID(engine, voice, text string) string {
	h := sha256.Sum256([]byte(engine + "\x00" + voice + "\x00" + text))
	return hex.EncodeToString(h[:12])
}

// Speak synthesizes req with the first engine that can, and returns the speech, its ID and the
// fallbacks taken on the way.
func (c *Chain) Speak(ctx context.Context, req Request) (Speech, string, []Fallback, error) {
	var fbs []Fallback
	var tried []Engine
	for _, e := range c.Engines {
		if e.Speaks(req.Lang) {
			tried = append(tried, e)
		}
	}
	for i, e := range tried {
		id := ID(e.Name(), e.Voice(), req.Text)
		if sp, ok := c.get(id); ok {
			return sp, id, fbs, nil
		}
		if sp, ok := c.fromDisk(id); ok {
			return sp, id, fbs, nil
		}
		sp, err := e.Synthesize(ctx, req)
		if err == nil {
			c.put(id, sp)
			if c.Disk != nil {
				// A disk that cannot take it costs a synthesis after a restart, never a sentence.
				_ = c.Disk.Put(id, sp)
			}
			return sp, id, fbs, nil
		}
		if ctx.Err() != nil {
			return Speech{}, "", fbs, ctx.Err()
		}
		next := ""
		if i+1 < len(tried) {
			next = tried[i+1].Name()
		}
		fbs = append(fbs, Fallback{Engine: e.Name(), Next: next, Reason: err.Error()})
	}
	if len(tried) == 0 {
		fbs = append(fbs, Fallback{Reason: fmt.Sprintf("no engine speaks %q", req.Lang)})
	}
	return Speech{}, "", fbs, ErrCaptionsOnly
}

// Audio returns cached speech by ID, from memory or else from disk.
func (c *Chain) Audio(id string) (Speech, bool) {
	if sp, ok := c.get(id); ok {
		return sp, true
	}
	return c.fromDisk(id)
}

// fromDisk reads speech from the disk cache into the memory cache.
func (c *Chain) fromDisk(id string) (Speech, bool) {
	if c.Disk == nil {
		return Speech{}, false
	}
	sp, ok := c.Disk.Get(id)
	if ok {
		c.put(id, sp)
	}
	return sp, ok
}

func (c *Chain) get(id string) (Speech, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byID[id]; ok {
		c.lru.MoveToFront(el)
		return el.Value.(*entry).sp, true
	}
	return Speech{}, false
}

func (c *Chain) put(id string, sp Speech) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil {
		c.byID = map[string]*list.Element{}
	}
	if el, ok := c.byID[id]; ok {
		c.lru.MoveToFront(el)
		return
	}
	c.byID[id] = c.lru.PushFront(&entry{id: id, sp: sp})
	c.bytes += len(sp.Audio)
	limit, limitBytes := c.CacheEntries, c.CacheBytes
	if limit <= 0 {
		limit = 512
	}
	if limitBytes <= 0 {
		limitBytes = 64 << 20
	}
	for c.lru.Len() > 1 && (c.lru.Len() > limit || c.bytes > limitBytes) {
		old := c.lru.Back()
		c.lru.Remove(old)
		e := old.Value.(*entry)
		delete(c.byID, e.id)
		c.bytes -= len(e.sp.Audio)
	}
}

// Len is the number of cached sentences.
func (c *Chain) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

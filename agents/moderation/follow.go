package moderation

import (
	"context"
	"time"
)

// Follow keeps the engine's lists in step with the brand directory until ctx ends: a change to a
// list file marks the lists stale and the next Moderate or ModerateChat reloads them before it
// judges, so a term added during a show applies to the next message. On Linux each call reads the
// directory's inotify notices itself (one non-blocking read), so a change written before a
// message is always seen by it; elsewhere the directory is polled every second. Reload errors go to
// onError (may be nil) and keep the old lists. Follow returns when ctx ends, or at once when the
// engine has no directory.
func (e *Engine) Follow(ctx context.Context, onError func(error)) error {
	if e.cfg.Dir == "" {
		return nil
	}
	e.mu.Lock()
	e.onReload = onError
	e.mu.Unlock()
	if err := e.followNotify(ctx); err != errNoNotify {
		return err
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		mt, err := dirModTime(e.cfg.Dir)
		e.mu.Lock()
		changed := err != nil || !mt.Equal(e.modTime)
		e.mu.Unlock()
		if changed {
			e.markStale()
		}
	}
}

func (e *Engine) markStale() { e.stale.Store(true) }

// reloadIfStale reloads the lists when Follow saw a change. Concurrent callers wait for the one
// reload; on error the old lists stay and the error is reported once.
func (e *Engine) reloadIfStale() {
	e.drainNotify()
	if !e.stale.Load() {
		return
	}
	e.mu.Lock()
	if !e.stale.Swap(false) {
		e.mu.Unlock()
		return
	}
	onErr := e.onReload
	e.mu.Unlock()
	if err := e.Reload(); err != nil && onErr != nil {
		onErr(err)
	}
}

// loadedAt is the directory's modification time when the lists were last loaded.
func (e *Engine) loadedAt() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.modTime
}

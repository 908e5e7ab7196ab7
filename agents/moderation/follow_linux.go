package moderation

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

var errNoNotify = errors.New("no change notification on this system")

// notifier is the engine's inotify descriptor while Follow runs. The descriptor is read by the
// callers of Moderate themselves, without blocking, before they judge: a change written just
// before a message is seen by that message, however busy the machine is.
type notifier struct {
	mu sync.RWMutex // held for reading while the descriptor is read, for writing to close it
	fd atomic.Int64 // descriptor + 1; 0 while not following
}

// followNotify watches dir with inotify until ctx ends.
func (e *Engine) followNotify(ctx context.Context) error {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return errNoNotify
	}
	const mask = unix.IN_MODIFY | unix.IN_CLOSE_WRITE | unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_TO |
		unix.IN_MOVED_FROM | unix.IN_ATTRIB | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF
	if _, err := unix.InotifyAddWatch(fd, e.cfg.Dir, mask); err != nil {
		unix.Close(fd)
		return fmt.Errorf("watch list directory %s: %w", e.cfg.Dir, err)
	}
	e.notify.fd.Store(int64(fd) + 1)
	// A change made between loading the lists and setting up the watch has no notice.
	if mt, err := dirModTime(e.cfg.Dir); err != nil || !mt.Equal(e.loadedAt()) {
		e.stale.Store(true)
	}
	<-ctx.Done()
	e.notify.mu.Lock()
	e.notify.fd.Store(0)
	unix.Close(fd) // no reader holds it now, so its number cannot be reused under one
	e.notify.mu.Unlock()
	return nil
}

// drainNotify reads the pending change notices, if any, and marks the lists stale.
func (e *Engine) drainNotify() {
	if e.notify.fd.Load() == 0 {
		return
	}
	e.notify.mu.RLock()
	defer e.notify.mu.RUnlock()
	fd := e.notify.fd.Load()
	if fd == 0 {
		return
	}
	var buf [4096]byte
	for {
		n, err := unix.Read(int(fd-1), buf[:])
		if n <= 0 || err != nil {
			return
		}
		e.stale.Store(true)
	}
}

// Watching tells whether the inotify watch is in place (tests wait for it).
func (e *Engine) Watching() bool { return e.notify.fd.Load() != 0 }

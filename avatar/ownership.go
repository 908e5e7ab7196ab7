package avatar

import (
	"context"
	"fmt"

	"github.com/livehost/livehost/show"
)

// With several nodes only a show's owner runs its avatar: Adopt resumes the runner where the
// log says it was, Release stops it (its position is in the log, so the next owner goes on from
// there). A single process calls Boot instead.

// Adopt resumes the show's avatar if its log says it was running or paused.
func (m *Manager) Adopt(ctx context.Context, showID string) error {
	info, err := m.rt.Show(ctx, showID)
	if err != nil {
		return fmt.Errorf("avatar: adopt show %s: %w", showID, err)
	}
	if info.Mode != show.ModeAvatar {
		return nil
	}
	r, err := m.runner(ctx, showID)
	if err != nil {
		return fmt.Errorf("avatar: adopt show %s: %w", showID, err)
	}
	r.ctl.Lock()
	defer r.ctl.Unlock()
	r.mu.Lock()
	running := r.state == StateRunning || r.state == StatePaused
	r.mu.Unlock()
	if running {
		r.launch()
	}
	return nil
}

// Release stops the show's runner and forgets it, so that adopting the show again reads its
// position from the log afresh.
func (m *Manager) Release(_ context.Context, showID string) {
	m.mu.Lock()
	r := m.runners[showID]
	delete(m.runners, showID)
	m.mu.Unlock()
	if r == nil {
		return
	}
	r.ctl.Lock()
	r.halt()
	r.ctl.Unlock()
}

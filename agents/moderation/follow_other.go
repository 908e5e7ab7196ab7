//go:build !linux

package moderation

import (
	"context"
	"errors"
)

var errNoNotify = errors.New("no change notification on this system")

type notifier struct{}

// followNotify has no notification here: Follow polls instead.
func (e *Engine) followNotify(ctx context.Context) error { return errNoNotify }

func (e *Engine) drainNotify() {}

// Watching is always true here: polling needs no set-up.
func (e *Engine) Watching() bool { return true }

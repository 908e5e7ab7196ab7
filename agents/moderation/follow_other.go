//go:build !linux

package moderation

import (
	"context"
	"errors"
)

var errNoNotify = errors.New("no change notification on this system")

// followNotify has no notification here: Follow polls instead.
func followNotify(ctx context.Context, dir string, changed func()) error { return errNoNotify }

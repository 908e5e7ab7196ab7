package live

import (
	"context"
	"errors"
	"strings"

	"github.com/livehost/livehost/show"
)

// AppendAvatar logs events of the avatar show (types beginning "avatar.") for the avatar runner,
// which is a consumer of the runtime in its own package. check, when not nil, runs under the
// show's lock against its state (a show that is not in avatar mode, say) and may refuse.
func (rt *Runtime) AppendAvatar(ctx context.Context, showID string, check func(sh show.Show) error, evs ...show.NewEvent) ([]show.Event, error) {
	if len(evs) == 0 {
		return nil, invalidf("no events")
	}
	for _, ev := range evs {
		if !strings.HasPrefix(ev.Type, "avatar.") {
			return nil, invalidf("event type %q is not an avatar event", ev.Type)
		}
	}
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return nil, err
	}
	return rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
		if check != nil {
			if err := check(v.Show); err != nil {
				var le *Error
				if errors.As(err, &le) {
					return nil, err
				}
				return nil, conflictf("%v", err)
			}
		}
		return evs, nil
	})
}

// AvatarEvent makes an avatar event from one of show's payload structs.
func AvatarEvent(typ string, payload any) show.NewEvent { return event(typ, payload) }

package live

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/livehost/livehost/show"
	"github.com/livehost/livehost/textnorm"
)

// SetOnAir puts a product on air ("" takes it off) and has cross-sell suggested for it. It
// returns the product.on_air event's seq.
func (rt *Runtime) SetOnAir(ctx context.Context, showID, sku, by string) (int64, error) {
	sku = strings.TrimSpace(sku)
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return 0, err
	}
	if sku != "" && rt.opt.Agents.Products != nil {
		_, ok, err := rt.opt.Agents.Products.Get(ctx, sku)
		if err != nil {
			return 0, unavailable("catalog", "checking SKU "+sku, err)
		}
		if !ok {
			return 0, invalidf("unknown SKU %q", sku)
		}
	}
	out, err := rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
		return []show.NewEvent{event(show.TypeProductOnAir, show.ProductOnAir{SKU: sku, By: by})}, nil
	})
	if err != nil {
		return 0, err
	}
	if sku != "" {
		rt.offerAnswer(answerJob{show: ls.id, onAir: sku, at: out[0].At})
	}
	return out[0].Seq, nil
}

// Start makes a show live; a show already live is ErrConflict.
func (rt *Runtime) Start(ctx context.Context, showID, by string) (int64, error) {
	return rt.startStop(ctx, showID, by, true)
}

// Stop ends a live show; a show that is not live is ErrConflict.
func (rt *Runtime) Stop(ctx context.Context, showID, by string) (int64, error) {
	return rt.startStop(ctx, showID, by, false)
}

func (rt *Runtime) startStop(ctx context.Context, showID, by string, start bool) (int64, error) {
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return 0, err
	}
	out, err := rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
		switch {
		case start && v.Show.Status == show.StatusLive:
			return nil, conflictf("show %s is already live", v.Show.ID)
		case start:
			return []show.NewEvent{event(show.TypeShowStarted, show.ShowStarted{By: by})}, nil
		case v.Show.Status != show.StatusLive:
			return nil, conflictf("show %s is not live", v.Show.ID)
		default:
			return []show.NewEvent{event(show.TypeShowStopped, show.ShowStopped{By: by})}, nil
		}
	})
	if err != nil {
		return 0, err
	}
	return out[0].Seq, nil
}

// SetScript gives a show its host script (lines separated by newlines; "" removes it). The
// teleprompter shows it and final transcript segments move the host's place in it.
func (rt *Runtime) SetScript(ctx context.Context, showID, text, by string) (int64, error) {
	if !utf8.ValidString(text) {
		return 0, invalidf("script is not valid UTF-8")
	}
	text = strings.TrimSpace(textnorm.CleanText(strings.ReplaceAll(text, "\r\n", "\n")))
	if n := utf8.RuneCountInString(text); n > MaxScript {
		return 0, invalidf("script is %d characters, longer than %d", n, MaxScript)
	}
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return 0, err
	}
	out, err := rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
		return []show.NewEvent{event(show.TypeScriptSet, show.ScriptSet{Text: text, By: by})}, nil
	})
	if err != nil {
		return 0, err
	}
	return out[0].Seq, nil
}

// SetScriptLine puts the host's place at the start of a script line (0-based) by hand, when
// following went wrong or the host jumps ahead; speech is followed from there. It returns the
// script.position event's seq and the place.
func (rt *Runtime) SetScriptLine(ctx context.Context, showID string, line int) (int64, show.ScriptPosition, error) {
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return 0, show.ScriptPosition{}, err
	}
	var pos show.ScriptPosition
	out, err := rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
		if v.script == "" {
			return nil, conflictf("show %s has no script", ls.id)
		}
		lines := strings.Split(v.script, "\n")
		if line < 0 || line >= len(lines) {
			return nil, invalidf("line %d is outside the script (lines 0–%d)", line, len(lines)-1)
		}
		off := 0
		for _, l := range lines[:line] {
			off += utf8.RuneCountInString(l) + 1
		}
		pos = show.ScriptPosition{Offset: off, Line: line, Score: 1}
		return []show.NewEvent{event(show.TypeScriptPosition, pos)}, nil
	})
	if err != nil {
		return 0, show.ScriptPosition{}, err
	}
	return out[0].Seq, pos, nil
}

// LogDropped records that a piece of a show host's speech was never transcribed, so the
// teleprompter can say that what was said then went unchecked.
func (rt *Runtime) LogDropped(ctx context.Context, showID string, d show.TranscriptDropped) (int64, error) {
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return 0, err
	}
	out, err := rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
		return []show.NewEvent{event(show.TypeTranscriptDropped, d)}, nil
	})
	if err != nil {
		return 0, err
	}
	return out[0].Seq, nil
}

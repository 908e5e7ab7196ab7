package live

import (
	"context"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/hostscript"
	"github.com/livehost/livehost/show"
	"github.com/livehost/livehost/textnorm"
)

// TranscriptInput is one piece of the host's speech, from whichever source heard it: a caption
// feed or the browser's speech recognition (POST /transcript), or WHIP audio through STT.
type TranscriptInput struct {
	Text    string
	Final   bool // false for interim text, which is shown but not checked
	StartMS int64
	EndMS   int64
	Source  string // "caption", "browser", "whip", …
}

// check refuses what speech-to-text never produces: control characters, invalid UTF-8, negative
// or reversed spans.
func (in *TranscriptInput) check() error {
	switch {
	case in.Text == "":
		return invalidf("text is empty")
	case !utf8.ValidString(in.Text):
		return invalidf("text is not valid UTF-8")
	case in.StartMS < 0 || in.EndMS < 0:
		return invalidf("start_ms %d and end_ms %d must not be negative", in.StartMS, in.EndMS)
	case in.EndMS < in.StartMS:
		return invalidf("end_ms %d is before start_ms %d", in.EndMS, in.StartMS)
	case len(in.Source) > 64:
		return invalidf("source is longer than 64 bytes")
	}
	if i, r := textnorm.FirstControl(in.Text); i >= 0 {
		return invalidf("text has the control character U+%04X at character %d", r, i)
	}
	in.Source = textnorm.CleanLine(in.Source)
	return nil
}

// TranscriptResult is what IngestTranscript logged.
type TranscriptResult struct {
	Seq        int64                   `json:"seq"` // the transcript.segment event
	Compliance *show.HostCompliance    `json:"compliance"`
	Mentions   []show.ProductMentioned `json:"mentions,omitempty"`
	Script     *show.ScriptPosition    `json:"script,omitempty"` // the place in the script, when it moved
}

// IngestTranscript logs a transcript segment of a show's host and, for final text, the host
// compliance flags (moderation, host source) and a product.mentioned event for each lineup product
// the host spoke about that is not on air: the teleprompter's prompt to switch. Bad input is a 400
// state error, an unknown show a 404.
func (rt *Runtime) IngestTranscript(ctx context.Context, showID string, in TranscriptInput) (TranscriptResult, error) {
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return TranscriptResult{}, err
	}
	return rt.ingestTranscript(ctx, ls, in)
}

func (rt *Runtime) ingestTranscript(ctx context.Context, ls *liveShow, in TranscriptInput) (TranscriptResult, error) {
	in.Text = strings.TrimSpace(in.Text)
	if err := in.check(); err != nil {
		return TranscriptResult{}, err
	}
	if n := utf8.RuneCountInString(in.Text); n > MaxSpeech {
		return TranscriptResult{}, invalidf("text is %d characters, longer than %d", n, MaxSpeech)
	}
	seg := show.TranscriptSegment{Text: in.Text, Final: in.Final, StartMS: in.StartMS, EndMS: in.EndMS, Source: in.Source}
	var flags *show.HostCompliance
	var mentions []hostscript.Mention
	// Only finished segments are checked: interim ones change under the host's breath.
	if seg.Final {
		if v := rt.opt.Agents.Moderator.ModerateHost(in.Text); len(v.Matches) > 0 {
			flags = &show.HostCompliance{Text: in.Text, Matches: v.Matches}
		}
		mentions = rt.mentions(ctx, ls, in.Text)
	}
	var res TranscriptResult
	out, err := rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
		evs := []show.NewEvent{event(show.TypeTranscriptSegment, seg)}
		res = TranscriptResult{}
		if flags != nil {
			flags.TranscriptSeq = next
			evs = append(evs, event(show.TypeHostCompliance, *flags))
		}
		seen := map[string]bool{}
		for _, m := range mentions {
			// The on-air product is checked here, against the state the events are appended to.
			if m.SKU == v.OnAir || seen[m.SKU] {
				continue
			}
			seen[m.SKU] = true
			pm := show.ProductMentioned{SKU: m.SKU, TranscriptSeq: next, Text: m.Term}
			res.Mentions = append(res.Mentions, pm)
			evs = append(evs, event(show.TypeProductMentioned, pm))
		}
		if seg.Final {
			if p, ok := followScript(v, in.Text, rt.opt.ScriptReader); ok {
				p.TranscriptSeq = next
				res.Script = &p
				evs = append(evs, event(show.TypeScriptPosition, p))
			}
		}
		return evs, nil
	})
	if err != nil {
		return TranscriptResult{}, err
	}
	if flags != nil {
		rt.m.compliance.Inc()
	}
	res.Seq, res.Compliance = out[0].Seq, flags
	return res, nil
}

// mentions finds the lineup products named in text. When the catalog cannot be read the segment
// is still logged and checked, without mentions: compliance matters more than the prompt to switch.
func (rt *Runtime) mentions(ctx context.Context, ls *liveShow, text string) []hostscript.Mention {
	lineup, err := rt.lineupOf(ctx, ls)
	if err != nil {
		rt.log.Warn("product mentions skipped", "show", ls.id, "err", err)
		return nil
	}
	if len(lineup) == 0 {
		return nil
	}
	return hostscript.NewMatcher(lineup, nil).Match(text)
}

// lineupOf leaves out the SKUs the catalog does not know: there is nothing to match them by.
func (rt *Runtime) lineupOf(ctx context.Context, ls *liveShow) ([]catalog.Product, error) {
	if rt.opt.Agents.Products == nil {
		return nil, nil
	}
	ls.mu.Lock()
	skus := append([]string(nil), ls.st.Show.Lineup...)
	ls.mu.Unlock()
	var out []catalog.Product
	for _, sku := range skus {
		p, ok, err := rt.opt.Agents.Products.Get(ctx, sku)
		if err != nil {
			return nil, unavailable("catalog", "reading the lineup of show "+ls.id, err)
		}
		if ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// followScript aligns a final segment with the show's script from the host's current place, and
// says where the place moved to; ok is false when there is no script or the text did not match it
// well enough to move. Only the last place is logged: the follower is rebuilt from it.
func followScript(v *State, text string, read hostscript.Reader) (show.ScriptPosition, bool) {
	if strings.TrimSpace(v.script) == "" {
		return show.ScriptPosition{}, false
	}
	if v.follower == nil {
		v.follower = hostscript.NewFollower(v.script, read)
	}
	f := v.follower
	f.Seek(v.scriptPos.Offset)
	p := f.Advance(text)
	if !p.Moved || (p.Offset == v.scriptPos.Offset && p.Line == v.scriptPos.Line) {
		return show.ScriptPosition{}, false
	}
	return show.ScriptPosition{Offset: p.Offset, Line: p.Line, Score: math.Round(p.Score*1000) / 1000}, true
}

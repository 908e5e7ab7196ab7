package server

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/script"
	"github.com/livehost/livehost/show"
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
func (s *Server) IngestTranscript(ctx context.Context, showID string, in TranscriptInput) (TranscriptResult, error) {
	rt, err := s.runtime(ctx, showID)
	if err != nil {
		return TranscriptResult{}, err
	}
	return s.ingestTranscript(ctx, rt, in)
}

func (s *Server) ingestTranscript(ctx context.Context, rt *showRuntime, in TranscriptInput) (TranscriptResult, error) {
	in.Text = strings.TrimSpace(in.Text)
	if in.Text == "" {
		return TranscriptResult{}, &stateError{http.StatusBadRequest, "text is empty"}
	}
	if n := utf8.RuneCountInString(in.Text); n > maxSpeech {
		return TranscriptResult{}, &stateError{http.StatusBadRequest, fmt.Sprintf("text is %d characters, longer than %d", n, maxSpeech)}
	}
	seg := show.TranscriptSegment{Text: in.Text, Final: in.Final, StartMS: in.StartMS, EndMS: in.EndMS, Source: in.Source}
	var flags *show.HostCompliance
	var mentions []script.Mention
	// Only finished segments are checked: interim ones change under the host's breath.
	if seg.Final {
		if v := s.opt.Moderator.ModerateHost(in.Text); len(v.Matches) > 0 {
			flags = &show.HostCompliance{Text: in.Text, Matches: v.Matches}
		}
		mentions = s.mentions(rt, in.Text)
	}
	var res TranscriptResult
	out, err := s.appendEvents(ctx, rt, func(v *view, next int64) ([]show.NewEvent, error) {
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
			if p, ok := followScript(v, in.Text, s.opt.ScriptReader); ok {
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
		s.m.compliance.Inc()
	}
	res.Seq, res.Compliance = out[0].Seq, flags
	return res, nil
}

// mentions finds the lineup products named in text.
func (s *Server) mentions(rt *showRuntime, text string) []script.Mention {
	lineup := s.lineupOf(rt)
	if len(lineup) == 0 {
		return nil
	}
	return script.NewMatcher(lineup, nil).Match(text)
}

// Lineup is a show's lineup as catalog products, in lineup order; the voice path seeds the STT
// prompt with their names and brands.
func (s *Server) Lineup(ctx context.Context, showID string) ([]catalog.Product, error) {
	rt, err := s.runtime(ctx, showID)
	if err != nil {
		return nil, err
	}
	return s.lineupOf(rt), nil
}

// lineupOf leaves out the SKUs the catalog does not know: there is nothing to match them by.
func (s *Server) lineupOf(rt *showRuntime) []catalog.Product {
	if s.opt.Products == nil {
		return nil
	}
	rt.mu.Lock()
	skus := append([]string(nil), rt.v.Show.Lineup...)
	rt.mu.Unlock()
	var out []catalog.Product
	for _, sku := range skus {
		if p, ok := s.opt.Products.Get(sku); ok {
			out = append(out, p)
		}
	}
	return out
}

// followScript aligns a final segment with the show's script from the host's current place, and
// says where the place moved to; ok is false when there is no script or the text did not match it
// well enough to move. Only the last place is logged: the follower is rebuilt from it.
func followScript(v *view, text string, read script.Reader) (show.ScriptPosition, bool) {
	if strings.TrimSpace(v.script) == "" {
		return show.ScriptPosition{}, false
	}
	if v.follower == nil {
		v.follower = script.NewFollower(v.script, read)
	}
	f := v.follower
	f.Seek(v.scriptPos.Offset)
	p := f.Advance(text)
	if !p.Moved || (p.Offset == v.scriptPos.Offset && p.Line == v.scriptPos.Line) {
		return show.ScriptPosition{}, false
	}
	return show.ScriptPosition{Offset: p.Offset, Line: p.Line, Score: math.Round(p.Score*1000) / 1000}, true
}

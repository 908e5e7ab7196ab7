package avatar

import (
	"strings"

	"github.com/livehost/livehost/agents/answer"
	"github.com/livehost/livehost/catalog"
)

// HostCheck judges a sentence the avatar is about to say against the host-compliance lists (薬機法
// / 景品表示法): ok, or why not (with a compliant wording when the lists know one).
type HostCheck func(text string) (ok bool, reason string)

// Gate is what every sentence passes before it reaches TTS: the host-compliance lists, then the
// fact guard against the products it may be about.
type Gate struct {
	Host  HostCheck
	Guard *answer.Guard // nil: no fact check
}

// Check says whether text may be spoken, and why not.
func (g *Gate) Check(text string, products []catalog.Product) (bool, string) {
	if g.Host != nil {
		if ok, reason := g.Host(text); !ok {
			return false, "compliance: " + reason
		}
	}
	if g.Guard != nil {
		if vs := g.Guard.Check(text, "", products); len(vs) > 0 {
			parts := make([]string, len(vs))
			for i, v := range vs {
				parts[i] = v.String()
			}
			return false, "fact guard: " + strings.Join(parts, "; ")
		}
	}
	return true, ""
}

package answer

import (
	"strings"

	"github.com/livehost/livehost/agents/moderation"
)

// ModerationClaims checks answers with the moderation engine as if the host said them: an answer
// the shop publishes is advertising, so the 薬機法 (yakkiho) and 景品表示法 (keihyo) rules for the
// host apply to it. Only those categories count: other lists judge what viewers type, and a color
// called 「ヌードベージュ」 in the catalog is not a risky claim.
func ModerationClaims(e *moderation.Engine) ClaimChecker {
	return ClaimFunc(func(text string) (bool, string) {
		v := e.Moderate(text, moderation.SourceHost)
		var reasons []string
		for _, m := range v.Matches {
			if claimCategories[m.Category] {
				reasons = append(reasons, m.Category+": "+m.Term)
			}
		}
		if len(reasons) == 0 {
			return true, ""
		}
		return false, strings.Join(reasons, "; ")
	})
}

var claimCategories = map[string]bool{"yakkiho": true, "keihyo": true}

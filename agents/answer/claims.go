package answer

import (
	"strings"

	"github.com/livehost/livehost/agents/moderation"
)

// ModerationClaims checks answers with the moderation engine as if the host said them: an answer
// the shop publishes is advertising, so 薬機法 / 景品表示法 rules for the host apply to it.
func ModerationClaims(e *moderation.Engine) ClaimChecker {
	return ClaimFunc(func(text string) (bool, string) {
		v := e.Moderate(text, moderation.SourceHost)
		if v.Action == moderation.ActionAllow {
			return true, ""
		}
		reason := v.Reason
		if reason == "" {
			reason = strings.Join(v.Categories, ",")
		}
		return false, reason
	})
}

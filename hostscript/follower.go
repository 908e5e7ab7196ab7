package hostscript

import (
	"strings"
)

// Position is where the host is in the script.
type Position struct {
	Offset  int     `json:"offset"`  // rune offset in the script just after the last matched text
	Line    int     `json:"line"`    // 0-based line of Offset
	Matched int     `json:"matched"` // units of the spoken text that matched the script
	Score   float64 `json:"score"`   // share of the spoken text that matched, 0–1
	Moved   bool    `json:"moved"`   // false when the text did not match the script well enough
}

// Follower keeps a teleprompter's place in a script. It is not safe for concurrent use.
type Follower struct {
	read     Reader
	script   []unit
	lineEnds []int // rune offset where each line ends
	pos      int   // index of the next script unit expected

	// Back and Ahead bound the search around the current place, in units: a host rarely goes back,
	// and may skip ahead a whole section.
	Back, Ahead int
	// MinMatched is how many units must match before the place moves (default 4), and MinScore
	// the share of the spoken units that must (default 0.3). Going back needs twice as much.
	MinMatched int
	MinScore   float64
}

// NewFollower prepares a script (lines separated by newlines). read may be nil; with a Reader,
// script and speech are compared by their readings.
func NewFollower(script string, read Reader) *Follower {
	f := &Follower{read: read, script: readUnits(script, read), Back: 30, Ahead: 600, MinMatched: 4, MinScore: 0.3}
	n := 0
	for _, line := range strings.Split(script, "\n") {
		n += len([]rune(line))
		f.lineEnds = append(f.lineEnds, n)
		n++ // the newline
	}
	return f
}

// Position is the current place.
func (f *Follower) Position() Position {
	off := 0
	if f.pos > 0 {
		off = f.script[f.pos-1].end
	}
	return Position{Offset: off, Line: f.line(off)}
}

func (f *Follower) line(off int) int {
	for i, end := range f.lineEnds {
		if off <= end {
			return i
		}
	}
	return max(0, len(f.lineEnds)-1)
}

// Alignment scores: a match earns more than a skipped word costs, so a sentence with a few ad-libs
// or a skipped phrase still aligns.
const (
	scoreMatch    = 2
	scoreMismatch = -1
	scoreGap      = -1
	maxSpoken     = 80 // units of the newest spoken text used for alignment
)

// Advance aligns newly spoken text with the script near the current place and moves the place to
// the end of the best match (local alignment, Smith–Waterman). Text that matches nowhere leaves
// the place where it was.
func (f *Follower) Advance(spoken string) Position {
	sp := readUnits(spoken, f.read)
	if len(sp) > maxSpoken {
		sp = sp[len(sp)-maxSpoken:]
	}
	lo := max(0, f.pos-f.Back)
	hi := min(len(f.script), f.pos+f.Ahead)
	win := f.script[lo:hi]
	if len(sp) == 0 || len(win) == 0 {
		return f.Position()
	}
	// H[i][j]: best local alignment ending at spoken i, script j; M counts its matches.
	cols := len(win) + 1
	h := make([]int, 2*cols)
	m := make([]int, 2*cols)
	best, bestJ, bestM := 0, -1, 0
	for i := 1; i <= len(sp); i++ {
		cur, prev := (i%2)*cols, ((i-1)%2)*cols
		h[cur], m[cur] = 0, 0
		for j := 1; j <= len(win); j++ {
			diag, dm := h[prev+j-1], m[prev+j-1]
			if sp[i-1].s == win[j-1].s {
				diag += scoreMatch
				dm++
			} else {
				diag += scoreMismatch
			}
			v, vm := 0, 0
			if diag > v {
				v, vm = diag, dm
			}
			if up := h[prev+j] + scoreGap; up > v { // spoken unit not in the script: an ad-lib
				v, vm = up, m[prev+j]
			}
			if left := h[cur+j-1] + scoreGap; left > v { // script unit not spoken: skipped
				v, vm = left, m[cur+j-1]
			}
			h[cur+j], m[cur+j] = v, vm
			// Strictly greater: on a tie the nearest place wins, not a repeated phrase further on.
			if v > best {
				best, bestJ, bestM = v, j-1, vm
			}
		}
	}
	score := float64(bestM) / float64(len(sp))
	need, needScore := min(f.MinMatched, len(sp)), f.MinScore
	if lo+bestJ+1 < f.pos {
		// Back over what was already read: only a clear repeat, not a common phrase.
		need, needScore = 2*f.MinMatched, min(1, 2*f.MinScore)
	}
	if bestJ < 0 || bestM < need || score < needScore {
		p := f.Position()
		p.Matched, p.Score = bestM, score
		return p
	}
	f.pos = lo + bestJ + 1
	p := f.Position()
	p.Matched, p.Score, p.Moved = bestM, score, true
	return p
}

// Seek moves the place to a rune offset in the script, as when the host scrolls by hand.
func (f *Follower) Seek(offset int) {
	f.pos = 0
	for f.pos < len(f.script) && f.script[f.pos].end <= offset {
		f.pos++
	}
}

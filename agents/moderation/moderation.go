// Package moderation decides what happens to a chat message or a line of the host's speech:
// allow, hold for a moderator, or block. It folds the text so that evasions (ｼﾈ, し ね, 4ね, 自○,
// k1ll, Cyrillic look-alikes) fold onto the listed terms, matches every list in one Aho-Corasick
// pass, adds kagome reading matches (氏ね → しね), applies exceptions by span (殺菌, バカ売れ),
// runs spam and safety rules (links, phone numbers, e-mail, SNS IDs, caps, symbols, repeats,
// flood, copy-paste raids, length), and reports every match as a span of the original text.
//
// For the host's speech it checks 薬機法 and 景品表示法 claims and suggests compliant wording.
// Lists are data files per category (lists/*.txt, embedded) that a brand extends with a
// directory of its own, reloaded without a restart.
package moderation

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/ikawaha/kagome/v2/tokenizer"

	"github.com/livehost/livehost/textnorm"
)

// Actions of a verdict.
const (
	ActionAllow = "allow"
	ActionHold  = "hold"
	ActionBlock = "block"
)

// Verdict is the decision on one text.
type Verdict struct {
	Action string `json:"action"`
	// WouldAction is, in test mode, the action the engine would have taken.
	WouldAction string   `json:"would_action,omitempty"`
	Categories  []string `json:"categories"`
	Matches     []Match  `json:"matches"`
	Rules       []string `json:"rules"`
	Reason      string   `json:"reason,omitempty"`
	Test        bool     `json:"test,omitempty"`
}

// Match is one finding. Start and End are rune offsets into the original text, [Start, End).
type Match struct {
	Term       string `json:"term"`
	Category   string `json:"category"`
	Start      int    `json:"start"`
	End        int    `json:"end"`
	Text       string `json:"text"` // the original text of the span
	Severity   string `json:"severity"`
	Reason     string `json:"reason,omitempty"`
	Suggestion string `json:"suggestion,omitempty"`
	Rule       string `json:"rule"`
	// Via says how it was found: "term", "masked" (自○), "pun" (4ね), "reading" (氏ね), "pattern"
	// (a wildcard or regexp entry) or "rule" (spam and safety rules).
	Via string `json:"via"`
}

// Message is a chat message for the rules that need history (flood, raids).
type Message struct {
	User string
	Text string
	At   time.Time
	// Question is set by a caller that found the message to be a question for the shop. Many
	// viewers asking the same 「このリップいくらですか？」 is a live show working, not a copy-paste
	// raid, so a question never counts toward one (the word lists and the other rules still apply).
	Question bool
}

// Config configures an engine. The zero value is the default.
type Config struct {
	// Dir is a brand's list directory (*.txt files in the list format); "" uses the defaults only.
	Dir string
	// Test reports what would fire without acting: Action stays allow, WouldAction says.
	Test bool
	// MaxChatRunes and MaxHostRunes: longer texts are blocked unread (defaults 500 and 20000).
	MaxChatRunes int
	MaxHostRunes int
	// NoReadings skips kagome reading matches (and the dictionary load they need).
	NoReadings bool
	// NoDefaults leaves out the embedded default lists: only Dir's lists are used.
	NoDefaults bool
	// Flood configures the per-user flood and copy-paste raid rules of ModerateChat.
	Flood FloodConfig
}

// Engine is safe for concurrent use. Reload swaps the compiled lists atomically.
type Engine struct {
	cfg     Config
	m       atomic.Pointer[matcher]
	tok     *tokenizer.Tokenizer
	flood   *Flood
	pool    sync.Pool
	mu      sync.Mutex // serializes Reload
	modTime time.Time
	// stale is set by Follow when a list file changed; the next message reloads first, so a term
	// a moderator just added applies to the very next message.
	stale    atomic.Bool
	onReload func(error) // Follow's error callback
	notify   notifier
}

// NewDefault returns an engine with the embedded default lists.
func NewDefault() (*Engine, error) { return New(Config{}) }

// New builds an engine.
func New(cfg Config) (*Engine, error) {
	if cfg.MaxChatRunes <= 0 {
		cfg.MaxChatRunes = 500
	}
	if cfg.MaxHostRunes <= 0 {
		cfg.MaxHostRunes = 20000
	}
	e := &Engine{cfg: cfg, flood: NewFlood(cfg.Flood)}
	e.pool.New = func() any { return new(scratch) }
	if err := e.Reload(); err != nil {
		return nil, err
	}
	return e, nil
}

// Reload re-reads the lists (the defaults and the brand directory) and swaps them in. On error
// the engine keeps the lists it had.
func (e *Engine) Reload() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	mt, err := dirModTime(e.cfg.Dir)
	if err != nil {
		return err
	}
	ls, err := loadLists(e.cfg.Dir, !e.cfg.NoDefaults)
	if err != nil {
		return err
	}
	var rf readingFunc
	if !e.cfg.NoReadings && wantsReadings(ls) {
		tok, err := kagomeTokenizer()
		if err != nil {
			return err
		}
		e.tok = tok
		rf = kagomeReading(tok)
	}
	m, err := compile(ls, rf, e.tok)
	if err != nil {
		return err
	}
	e.m.Store(m)
	e.modTime = mt
	return nil
}

func wantsReadings(ls *listSet) bool {
	for _, en := range ls.entries {
		if en.Reading {
			return true
		}
	}
	return false
}

// dirModTime is the latest modification time of the list directory and its files.
func dirModTime(dir string) (time.Time, error) {
	if dir == "" {
		return time.Time{}, nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return time.Time{}, fmt.Errorf("list directory: %w", err)
	}
	latest := fi.ModTime()
	files, err := listFiles(dir)
	if err != nil {
		return time.Time{}, err
	}
	for _, p := range files {
		if fi, err := os.Stat(p); err == nil && fi.ModTime().After(latest) {
			latest = fi.ModTime()
		}
	}
	return latest, nil
}

// Watch reloads the lists whenever a file of the brand directory changes (checked every
// interval) until ctx ends. Reload errors go to onError (may be nil) and keep the old lists.
func (e *Engine) Watch(ctx context.Context, interval time.Duration, onError func(error)) {
	if e.cfg.Dir == "" {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		mt, err := dirModTime(e.cfg.Dir)
		e.mu.Lock()
		changed := err == nil && !mt.Equal(e.modTime)
		e.mu.Unlock()
		if err == nil && !changed {
			continue
		}
		if err == nil {
			err = e.Reload()
		}
		if err != nil && onError != nil {
			onError(err)
		}
	}
}

// Terms is the number of list entries loaded; Patterns the number of automaton patterns
// (terms, their masked and reading variants, exceptions and anchors).
func (e *Engine) Terms() int    { return len(e.m.Load().entries) }
func (e *Engine) Patterns() int { return e.m.Load().patterns }

// Flood returns the engine's flood and raid tracker used by ModerateChat.
func (e *Engine) Flood() *Flood { return e.flood }

// scratch is the per-call working memory, pooled so that a clean message does not allocate.
type scratch struct {
	f       textnorm.Folded
	cands   []cand
	excs    []excSpan
	pending []int32
	sides   []sideHit
	hints   uint8
}

// sideHit is where a term of a pair entry's side matched, in folded bytes.
type sideHit struct {
	entry int32
	i, j  int32
	right bool
}

// excSpan is where an exception matched; it keeps matches of its category inside it allowed
// (the category "global" covers every category).
type excSpan struct {
	start, end int
	category   string
}

type cand struct {
	entry      int32
	start, end int
	sev        severity
	via        string
	rule       string // for rule findings: the rule id (entry is -1)
	category   string
	term       string
	reason     string
}

// Moderate decides on one text. It never panics and always returns a verdict.
func (e *Engine) Moderate(text string, src Source) Verdict {
	e.reloadIfStale()
	s := e.pool.Get().(*scratch)
	defer e.pool.Put(s)
	s.cands, s.excs, s.pending, s.sides, s.hints = s.cands[:0], s.excs[:0], s.pending[:0], s.sides[:0], 0
	e.collect(s, text, src)
	return e.verdict(s, text, src)
}

// ModerateChat is Moderate for a chat message plus the rules that need history: per-user flood
// and the same message from many users (copy-paste raids).
func (e *Engine) ModerateChat(msg Message) Verdict {
	e.reloadIfStale()
	s := e.pool.Get().(*scratch)
	defer e.pool.Put(s)
	s.cands, s.excs, s.pending, s.sides, s.hints = s.cands[:0], s.excs[:0], s.pending[:0], s.sides[:0], 0
	e.collect(s, msg.Text, SourceChat)
	at := msg.At
	if at.IsZero() {
		at = time.Now()
	}
	n := s.f.Runes()
	raidKey := s.f.Bytes()
	if msg.Question {
		raidKey = nil // too short to count toward a raid; the user's rate still counts
	}
	flood, raid := e.flood.Observe(msg.User, raidKey, at)
	if flood {
		s.cands = append(s.cands, cand{entry: -1, start: 0, end: n, sev: sevMedium, via: "rule", rule: "spam.flood",
			category: CatSpam, reason: fmt.Sprintf("more than %d messages from this user in %s", e.flood.cfg.PerUser, e.flood.cfg.Window)})
	}
	if raid {
		s.cands = append(s.cands, cand{entry: -1, start: 0, end: n, sev: sevMedium, via: "rule", rule: "spam.raid",
			category: CatSpam, reason: fmt.Sprintf("the same message from %d or more users within %s", e.flood.cfg.RaidUsers, e.flood.cfg.RaidWindow)})
	}
	return e.verdict(s, msg.Text, SourceChat)
}

func (e *Engine) collect(s *scratch, text string, src Source) {
	limit := e.cfg.MaxChatRunes
	if src == SourceHost {
		limit = e.cfg.MaxHostRunes
	}
	if len(text) > limit { // cheap test first: a rune is at least one byte
		if n := utf8.RuneCountInString(text); n > limit {
			s.f.Reset("")
			s.cands = append(s.cands, cand{entry: -1, start: 0, end: n, sev: sevHigh, via: "rule", rule: "length.oversize",
				category: CatLength, reason: fmt.Sprintf("message too long: %d characters, limit %d", n, limit)})
			return
		}
	}
	m := e.m.Load()
	s.f.Reset(text)
	b := s.f.Bytes()
	if m.hasAC && len(b) > 0 {
		it := m.ac.IterByte(b)
		for hit := it.Next(); hit != nil; hit = it.Next() {
			i := hit.Start()
			if len(m.hintPats) > 0 {
				s.hints |= m.hintPats[int32(hit.Pattern())]
			}
			for _, pr := range m.pats[hit.Pattern()] {
				j := i + int(pr.n)
				r := &m.refs[pr.ref]
				en := &m.entries[r.entry]
				if r.kind == refException {
					st, end := s.f.Span(i, j)
					s.excs = append(s.excs, excSpan{st, end, en.Category})
					continue
				}
				if en.Sources&src == 0 {
					continue
				}
				if r.kind == refLeft || r.kind == refRight {
					if r.fits(&s.f, i, j) {
						s.sides = append(s.sides, sideHit{r.entry, int32(i), int32(j), r.kind == refRight})
					}
					continue
				}
				if r.kind == refAnchor {
					if !slices.Contains(s.pending, r.entry) {
						s.pending = append(s.pending, r.entry)
					}
					continue
				}
				if !r.fits(&s.f, i, j) {
					continue
				}
				st, end := s.f.Span(i, j)
				c := cand{entry: r.entry, start: st, end: end, sev: en.Severity, via: "term"}
				fl := s.f.Flags(i, j)
				switch {
				case r.masked || fl&textnorm.FlagMask != 0:
					c.via, c.sev = "masked", min(c.sev, sevMedium)
				case fl&textnorm.FlagPun != 0:
					c.via, c.sev = "pun", min(c.sev, sevMedium)
				}
				s.cands = append(s.cands, c)
			}
		}
	}
	if len(s.sides) > 1 {
		e.pairs(s, m, text)
	}
	if len(m.masks) > 0 && bytes.IndexByte(b, textnorm.Mask) >= 0 {
		e.maskScan(s, m, src)
	}
	for _, ei := range m.always {
		if m.entries[ei].Sources&src != 0 {
			s.pending = append(s.pending, ei)
		}
	}
	for _, ei := range s.pending {
		en := &m.entries[ei]
		re := m.regexps[ei]
		hay, span := b, s.f.Span
		if en.Kind == kindRegex {
			hay, span = s.f.PlainBytes(), s.f.PlainSpan
		}
		for _, loc := range re.FindAllIndex(hay, 8) {
			if loc[0] == loc[1] {
				continue
			}
			st, end := span(loc[0], loc[1])
			s.cands = append(s.cands, cand{entry: ei, start: st, end: end, sev: en.Severity, via: "pattern"})
		}
	}
	if m.reading != nil && e.tok != nil && len(text) <= 3000 && m.reading.triggered(s.f.PlainBytes()) && utf8.ValidString(text) {
		for _, h := range m.reading.match(e.tok, text) {
			en := &m.entries[h.entry]
			if h.kind == refException {
				s.excs = append(s.excs, excSpan{h.start, h.end, en.Category})
				continue
			}
			if en.Sources&src == 0 {
				continue
			}
			s.cands = append(s.cands, cand{entry: h.entry, start: h.start, end: h.end, sev: min(en.Severity, sevMedium), via: "reading"})
		}
	}
	if src == SourceChat {
		e.rules(s, text, m)
	}
}

// negationTails, right after a pair's second term, turn a claim into its denial
// (「シミが消えるわけではありません」), which is what a careful host says.
var negationTails = func() [][]byte {
	var out [][]byte
	for _, t := range []string{"わけではありません", "わけではない", "わけじゃない", "わけではござ", "とは言えません", "とはいえません",
		"とは限りません", "とはかぎりません", "ことはありません", "ものではありません", "と言うことはできません", "とは言えない",
		// make-up wording: the look, not the skin, changes (「シミが消えたように見せる」)
		"ように見", "ようにみ", "みたいに見", "みたいにみ"} {
		out = append(out, []byte(textnorm.Fold(t)))
	}
	return out
}()

// pairs turns side hits into findings: a left term, then the nearest right term of the same entry
// at most Gap characters later with no sentence end between them.
func (e *Engine) pairs(s *scratch, m *matcher, text string) {
	b := s.f.Bytes()
	var orig []rune
	for _, l := range s.sides {
		if l.right {
			continue
		}
		en := &m.entries[l.entry]
		_, lEnd := s.f.Span(int(l.i), int(l.j))
		for _, r := range s.sides {
			if !r.right || r.entry != l.entry || r.i < l.j {
				continue
			}
			rSt, rEnd := s.f.Span(int(r.i), int(r.j))
			if rSt-lEnd > en.Gap {
				break // hits come in text order: later ones are further away
			}
			if orig == nil {
				orig = []rune(text)
			}
			lSt, _ := s.f.Span(int(l.i), int(l.j))
			if sentenceBreak(orig, lEnd, rSt) || negated(b[r.j:]) || (len(en.Unless) > 0 && innocentSentence(orig, lSt, rEnd, en.Unless)) {
				break
			}
			// The term names what met (しみが…消えちゃう), not the whole list line.
			term := string(orig[clamp(lSt, len(orig)):clamp(lEnd, len(orig))]) + "…" + string(orig[clamp(rSt, len(orig)):clamp(rEnd, len(orig))])
			s.cands = append(s.cands, cand{entry: l.entry, start: lSt, end: rEnd, sev: en.Severity, via: "pair", term: term})
			break
		}
	}
}

func sentenceBreak(orig []rune, from, to int) bool {
	from, to = clamp(from, len(orig)), clamp(to, len(orig))
	for _, c := range orig[from:to] {
		if isSentenceEnd(c) {
			return true
		}
	}
	return false
}

// innocentSentence reports whether the sentence around [from, to) holds one of the words.
func innocentSentence(orig []rune, from, to int, words []string) bool {
	from, to = clamp(from, len(orig)), clamp(to, len(orig))
	for from > 0 && !isSentenceEnd(orig[from-1]) {
		from--
	}
	for to < len(orig) && !isSentenceEnd(orig[to]) {
		to++
	}
	sentence := textnorm.Fold(string(orig[from:to]))
	for _, w := range words {
		if strings.Contains(sentence, w) {
			return true
		}
	}
	return false
}

func isSentenceEnd(c rune) bool {
	switch c {
	case '。', '．', '.', '！', '!', '？', '?', '\n':
		return true
	}
	return false
}

func negated(after []byte) bool {
	after = bytes.TrimLeft(after, " ")
	for _, t := range negationTails {
		if bytes.HasPrefix(after, t) {
			return true
		}
	}
	return false
}

// maskScan looks up every window around each mask in the folded text among the masked terms.
func (e *Engine) maskScan(s *scratch, m *matcher, src Source) {
	b := s.f.Bytes()
	masks := 0
	for p := 0; p < len(b); p++ {
		if b[p] != textnorm.Mask {
			continue
		}
		// Evasion masks a letter or two; a text full of masks is symbol soup, caught elsewhere,
		// and must not cost a window search per mask.
		if masks++; masks > 16 {
			return
		}
		for st := p; st >= 0 && p-st < m.maskMax; st-- {
			if !utf8.RuneStart(b[st]) {
				continue
			}
			for en := p + 1; en <= len(b) && en-st <= m.maskMax; en++ {
				if en < len(b) && !utf8.RuneStart(b[en]) {
					continue
				}
				refs, ok := m.masks[string(b[st:en])]
				if !ok {
					continue
				}
				for _, ri := range refs {
					r := &m.refs[ri]
					en2 := &m.entries[r.entry]
					if en2.Sources&src == 0 || !r.fits(&s.f, st, en) {
						continue
					}
					a, z := s.f.Span(st, en)
					s.cands = append(s.cands, cand{entry: r.entry, start: a, end: z, sev: min(en2.Severity, sevMedium), via: "masked"})
				}
			}
		}
	}
}

// fits checks what the automaton cannot: Latin word boundaries and doubled letters.
func (r *ref) fits(f *textnorm.Folded, i, j int) bool {
	b := f.Bytes()
	if r.wordStart && i > 0 && isWordByte(b[i-1]) && f.Flags(i, i+1)&textnorm.FlagSplit == 0 {
		return false
	}
	if r.wordEnd && j < len(b) && isWordByte(b[j]) && f.Flags(j, j+1)&textnorm.FlagSplit == 0 {
		return false
	}
	k := 0
	for p := i; p < j && k < len(r.runs); k++ {
		if r.runs[k] > 1 && f.Run(p) < int(r.runs[k]) {
			return false
		}
		_, n := utf8.DecodeRune(b[p:])
		p += n
	}
	return true
}

// verdict turns the findings into a verdict: exceptions drop what they cover, duplicates go, the
// worst severity decides the action.
func (e *Engine) verdict(s *scratch, text string, src Source) Verdict {
	m := e.m.Load()
	v := Verdict{Action: ActionAllow}
	if len(s.cands) == 0 {
		return e.finish(v)
	}
	// Drop what an exception covers, and a finding inside another one of the same category.
	kept := s.cands[:0]
	for _, c := range s.cands {
		if c.entry >= 0 && covered(s.excs, m.entries[c.entry].Category, c.start, c.end) {
			continue
		}
		kept = append(kept, c)
	}
	sort.SliceStable(kept, func(a, b int) bool {
		if kept[a].start != kept[b].start {
			return kept[a].start < kept[b].start
		}
		return kept[a].end-kept[a].start > kept[b].end-kept[b].start
	})
	var orig []rune
	worst := sevNone
	for i := range kept {
		c := &kept[i]
		cat, term, reason, sugg, rule := c.category, c.term, c.reason, "", c.rule
		if c.entry >= 0 {
			en := &m.entries[c.entry]
			cat, term, reason, sugg, rule = en.Category, en.Pattern, en.Reason, en.Suggestion, en.ID
			if c.term != "" {
				term = c.term
			}
			if reason == "" {
				reason = categoryReasons[cat]
			}
		}
		dup := false
		for _, prev := range v.Matches {
			// Inside an earlier (longer) finding of the same category: 業界最安値 covers 最安値.
			if prev.Category == cat && prev.Start <= c.start && c.end <= prev.End && c.sev <= parseSev(prev.Severity) {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		if orig == nil {
			orig = []rune(text)
		}
		st, en := clamp(c.start, len(orig)), clamp(c.end, len(orig))
		if src == SourceChat && (cat == CatProfanity || cat == CatHarassment) && mentioned(orig, st, en) {
			// 「しね！って言われたら悲しい」: the word is reported or refused, not used.
			continue
		}
		sev := c.sev
		if src == SourceHost && sev == sevLow {
			sev = sevMedium // a flag on the host's words always reaches the teleprompter
		}
		v.Matches = append(v.Matches, Match{Term: term, Category: cat, Start: st, End: en, Text: string(orig[st:en]),
			Severity: sev.String(), Reason: reason, Suggestion: sugg, Rule: rule, Via: c.via})
		if !slices.Contains(v.Categories, cat) {
			v.Categories = append(v.Categories, cat)
		}
		if !slices.Contains(v.Rules, rule) {
			v.Rules = append(v.Rules, rule)
		}
		worst = max(worst, sev)
	}
	switch worst {
	case sevHigh:
		v.Action = ActionBlock
	case sevMedium:
		v.Action = ActionHold
	}
	if worst > sevNone {
		// The reason is the first of the worst findings.
		first := v.Matches[0]
		for _, mt := range v.Matches {
			if mt.Severity == worst.String() {
				first = mt
				break
			}
		}
		v.Reason = first.Category + ": " + first.Text
		if first.Reason != "" {
			v.Reason += " — " + first.Reason
		}
	}
	return e.finish(v)
}

// mentionTails follow a word that is quoted, reported or refused rather than used: 「しね！って
// 言われたら悲しい」「バカって言わないで」「しねしね言わないでね」. Folded, compared after the
// closing marks and repeats that may stand between the word and the tail.
var mentionTails = func() []string {
	var out []string
	for _, t := range []string{"って言われ", "と言われ", "っていわれ", "とか言われ", "って言わないで", "とか言わないで", "なんて言わないで",
		"言わないで", "いわないで", "って言っちゃだめ", "って言っちゃダメ", "なんて言っちゃだめ", "って言う人", "って言うやつ", "とか言う人",
		"って書く人", "って書き込", "って呼ばれ", "と呼ばれ", "って言葉", "という言葉", "って悪口", "なんて言葉", "って言われて", "て言われた",
		"は禁止", "は言っちゃ", "はngワード", "って言うのやめ", "とか言うのやめ", "なんて言うな"} {
		out = append(out, textnorm.Fold(t))
	}
	return out
}()

// mentioned reports whether the text after a finding (runes start to end) makes it a mention; a
// repeat of the word (しねしね) is skipped first.
func mentioned(orig []rune, start, end int) bool {
	i := end
	if w := orig[start:end]; len(w) > 0 {
		for i+len(w) <= len(orig) && string(orig[i:i+len(w)]) == string(w) {
			i += len(w)
		}
	}
	for n := 0; i < len(orig) && n < 6; i, n = i+1, n+1 {
		if !strings.ContainsRune("！!」』\"'”’ 　〜~ー…、,。.笑w", orig[i]) {
			break
		}
	}
	rest := textnorm.Fold(string(orig[i:min(len(orig), i+16)]))
	for _, t := range mentionTails {
		if strings.HasPrefix(rest, t) {
			return true
		}
	}
	return false
}

// categoryReasons explain a match whose list entry gives no reason of its own.
var categoryReasons = map[string]string{
	CatProfanity:      "profanity / 暴言・卑語",
	CatHarassment:     "harassment or threat / 嫌がらせ・脅迫・容姿への攻撃",
	CatDiscrimination: "slur / 差別表現",
	CatSexual:         "sexual content / 性的な表現",
	CatPersonalInfo:   "personal information / 個人情報・連絡先",
	CatSpam:           "spam / スパム・勧誘",
	CatLink:           "link / リンク",
	CatCompetitor:     "competitor mention / 競合への言及",
	CatYakkiho:        "薬機法: a drug-like claim",
	CatKeihyo:         "景品表示法: a claim that needs evidence",
	CatIllegal:        "illegal activity / 違法行為",
}

func (e *Engine) finish(v Verdict) Verdict {
	if v.Categories == nil {
		v.Categories = []string{}
	}
	if v.Matches == nil {
		v.Matches = []Match{}
	}
	if v.Rules == nil {
		v.Rules = []string{}
	}
	if e.cfg.Test {
		v.Test = true
		v.WouldAction = v.Action
		v.Action = ActionAllow
	}
	return v
}

func parseSev(s string) severity {
	v, _ := parseSeverity(s)
	return v
}

// covered reports whether an exception of the category shares text with [start, end): a phrase
// declared innocent wins over a match that overlaps it (治るまで in 肌荒れが治るまで).
func covered(excs []excSpan, category string, start, end int) bool {
	for _, x := range excs {
		if x.start < end && start < x.end && (x.category == category || x.category == "global") {
			return true
		}
	}
	return false
}

func clamp(i, n int) int {
	if i < 0 {
		return 0
	}
	if i > n {
		return n
	}
	return i
}

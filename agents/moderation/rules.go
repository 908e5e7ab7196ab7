package moderation

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Spam and safety rules run on chat messages. They read the plain view (NFKC, lower case,
// hiragana), so full-width forms (ｈｔｔｐ：／／, ０９０, ＠) are caught like ASCII ones.

var (
	schemeRe = regexp.MustCompile(`(?:https?|hxxps?|ttps?)\s*:\s*/\s*/\s*([^\s/]+)`)
	emailRe  = regexp.MustCompile(`[a-z0-9._%+-]+\s*(?:@|あっと|\(at\)|\[at\])\s*[a-z0-9-]+(?:\s*(?:\.|どっと|\(dot\))\s*[a-z0-9-]+)*\s*(?:\.|どっと|\(dot\))\s*[a-z]{2,}`)
	// snsTailRe is what follows an SNS or messenger name: an optional "ID", a colon, the ID.
	// It is anchored, and run only where the automaton saw such a name.
	idTailRe  = regexp.MustCompile(`^\s*(?:[:=]|は)\s*@?([a-z0-9][a-z0-9._-]{3,29})`)
	snsTailRe = regexp.MustCompile(`^\s*(?:の)?\s*(?:id|あいでぃ[ー]?)?\s*(?:[:=]|は)?\s*@?([a-z0-9][a-z0-9._-]{3,29})`)
	handleRe  = regexp.MustCompile(`(?:^|[^a-z0-9._%+-])@([a-z0-9_][a-z0-9._]{3,29})`)
)

// snsNames are the plain spellings of the SNS and messenger names snsTailRe follows.
var snsNames = [][]byte{[]byte("line"), []byte("らいん"), []byte("instagram"), []byte("insta"), []byte("いんすた"),
	[]byte("twitter"), []byte("ついったー"), []byte("ついった"), []byte("tiktok"), []byte("てぃっくとっく"), []byte("discord"),
	[]byte("でぃすこーど"), []byte("でぃすこど"), []byte("kakao"), []byte("wechat"), []byte("telegram"), []byte("snapchat"),
	[]byte("skype"), []byte("whatsapp"), []byte("id")}

// tlds are the top-level domains a bare domain must end with to count as a link.
var tlds = map[string]bool{}

func init() {
	for _, t := range strings.Fields(`com net org jp io ly me info biz xyz top site shop app dev tv gg link click cc ru cn us
		uk de fr kr tw hk to tk ml ga cf gq online store club live vip pw ws page fun icu buzz cam co gd at ee`) {
		tlds[t] = true
	}
}

// dotAt reports whether p[i:] starts with a dot or a spelled-out dot, and its length.
func dotAt(p []byte, i int) int {
	switch {
	case p[i] == '.':
		return 1
	case bytes.HasPrefix(p[i:], []byte("。")):
		return len("。")
	case bytes.HasPrefix(p[i:], []byte("どっと")):
		return len("どっと")
	case bytes.HasPrefix(p[i:], []byte("(dot)")) || bytes.HasPrefix(p[i:], []byte("[dot]")):
		return 5
	}
	return 0
}

func isLabelByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' }

// findURLs scans p for links: labels joined by dots (also 。 どっと (dot)) ending in a known
// top-level domain, with an optional scheme before and path after. It returns [start, end,
// hostStart, hostEnd] byte offsets. A scanner, not a regexp: it runs on every message with a dot.
func findURLs(p []byte, out [][4]int) [][4]int {
	for i := 0; i < len(p); i++ {
		dl := dotAt(p, i)
		if dl == 0 {
			continue
		}
		// The label right after the dot, spaces allowed around the dot.
		k := i + dl
		for k < len(p) && p[k] == ' ' {
			k++
		}
		l := k
		for l < len(p) && isLabelByte(p[l]) {
			l++
		}
		if l == k || !tlds[string(p[k:l])] || (l < len(p) && isLabelByte(p[l])) {
			continue
		}
		// Walk left over labels and dots to the host's start.
		h := i
		for h > 0 && p[h-1] == ' ' {
			h--
		}
		if h == 0 || !isLabelByte(p[h-1]) {
			continue
		}
		for h > 0 && i-h < 253 { // a host name has at most 253 characters
			if isLabelByte(p[h-1]) {
				h--
				continue
			}
			if p[h-1] == '.' && h > 1 && isLabelByte(p[h-2]) {
				h--
				continue
			}
			break
		}
		start, end := h, l
		// A scheme before the host: http:// with spaces or full-width forms already folded.
		j := h
		for j > 0 && (p[j-1] == ' ' || p[j-1] == '/' || p[j-1] == ':') {
			j--
		}
		if j < h && bytes.Contains(p[j:h], []byte("//")) {
			s := j
			for s > 0 && p[s-1] >= 'a' && p[s-1] <= 'z' {
				s--
			}
			start = s
		}
		if end < len(p) && p[end] == '/' {
			for end < len(p) && p[end] != ' ' && p[end] < 0x80 {
				end++
			}
		}
		out = append(out, [4]int{start, end, h, l})
		i = end - 1
	}
	return out
}

// emailHints gate the e-mail regexp, so that most messages never run it.
var emailHints = [][]byte{[]byte("@"), []byte("あっと"), []byte("(at)"), []byte("[at]")}

// mayHaveLink is the gate in front of the URL regexps: "//", a dot (also 。) followed by a Latin
// letter, or a spelled-out dot.
func mayHaveLink(p []byte) bool {
	if bytes.Contains(p, []byte("//")) || bytes.Contains(p, []byte("dot")) || bytes.Contains(p, []byte("どっと")) {
		return true
	}
	for i := 0; i < len(p); i++ {
		k := 0
		switch {
		case p[i] == '.':
			k = i + 1
		case p[i] == 0xE3 && i+2 < len(p) && p[i+1] == 0x80 && p[i+2] == 0x82: // 。
			k = i + 3
		default:
			continue
		}
		for k < len(p) && p[k] == ' ' {
			k++
		}
		if k < len(p) && p[k] >= 'a' && p[k] <= 'z' {
			return true
		}
	}
	return false
}

func containsAny(b []byte, hints [][]byte) bool {
	for _, h := range hints {
		if bytes.Contains(b, h) {
			return true
		}
	}
	return false
}

// addPlain records a rule finding over the plain-view byte range [i, j).
func (s *scratch) addPlain(i, j int, sev severity, rule, cat, reason string) {
	st, en := s.f.PlainSpan(i, j)
	s.cands = append(s.cands, cand{entry: -1, start: st, end: en, sev: sev, via: "rule", rule: rule, category: cat, reason: reason})
}

func (e *Engine) rules(s *scratch, text string, m *matcher) {
	p := s.f.PlainBytes()
	add := s.addPlain
	var emailSpans [][2]int
	if containsAny(p, emailHints) {
		for _, loc := range emailRe.FindAllIndex(p, 4) {
			add(loc[0], loc[1], sevMedium, "personal_info.email", CatPersonalInfo, "e-mail address")
			emailSpans = append(emailSpans, [2]int{loc[0], loc[1]})
		}
		for _, loc := range handleRe.FindAllSubmatchIndex(p, 4) {
			if !insideAny(emailSpans, loc[2]) {
				add(loc[2]-1, loc[3], sevLow, "personal_info.handle", CatPersonalInfo, "SNS handle")
			}
		}
	}
	if mayHaveLink(p) {
		e.links(p, m, emailSpans, add)
	}
	if s.hints&hintSNS != 0 {
		for _, name := range snsNames {
			for off := 0; off < len(p); {
				i := bytes.Index(p[off:], name)
				if i < 0 {
					break
				}
				i += off
				j := i + len(name)
				off = j
				if i > 0 && p[i-1] >= 'a' && p[i-1] <= 'z' {
					continue // inside a word: online, spline
				}
				re := snsTailRe
				if string(name) == "id" {
					re = idTailRe // a bare "id" needs its colon: "ID: love_chan99"
				}
				loc := re.FindSubmatchIndex(p[j:min(len(p), j+96)])
				if loc == nil || insideAny(emailSpans, j+loc[2]) {
					continue
				}
				add(i, j+loc[1], sevMedium, "personal_info.sns_id", CatPersonalInfo, "messaging or SNS ID")
				off = j + loc[1]
			}
		}
	}
	phones(p, add)
	shape(s, text)
}

func insideAny(spans [][2]int, i int) bool {
	for _, sp := range spans {
		if sp[0] <= i && i < sp[1] {
			return true
		}
	}
	return false
}

// links flags every URL or bare domain: allowed domains pass, listed link terms (shorteners,
// known spam hosts) use their severity, anything else is held.
func (e *Engine) links(p []byte, m *matcher, emails [][2]int, add func(i, j int, sev severity, rule, cat, reason string)) {
	var buf [8][4]int
	urls := findURLs(p, buf[:0])
	for _, loc := range urls {
		if insideAny(emails, loc[0]) {
			continue
		}
		host := normalizeHost(string(p[loc[2]:loc[3]]))
		if m.lists.domainAllowed(host) {
			continue
		}
		add(loc[0], loc[1], sevMedium, "link.url", CatLink, "link to "+host+" (not on the allow-list)")
	}
	if len(urls) > 0 || !bytes.Contains(p, []byte("//")) {
		return
	}
	for _, loc := range schemeRe.FindAllSubmatchIndex(p, 8) {
		host := normalizeHost(string(p[loc[2]:loc[3]]))
		if m.lists.domainAllowed(host) {
			continue
		}
		add(loc[0], loc[1], sevMedium, "link.url", CatLink, "link to "+host+" (not on the allow-list)")
	}
}

var hostReplacer = strings.NewReplacer(" ", "", "\t", "", "。", ".", "どっと", ".", "(dot)", ".", "[dot]", ".")

func normalizeHost(h string) string {
	h = hostReplacer.Replace(h)
	return strings.TrimPrefix(strings.TrimSuffix(h, "."), "www.")
}

func (ls *listSet) domainAllowed(host string) bool {
	for h := host; h != ""; {
		if ls.allowDomains[h] {
			return true
		}
		_, rest, ok := strings.Cut(h, ".")
		if !ok {
			break
		}
		h = rest
	}
	return false
}

// phones finds phone numbers: 10 to 13 digits with only separators (- space ( ) . +) between
// them, or 090/080/070 mobile prefixes with 11 digits. Digit runs are counted first, so
// messages with few digits cost nothing.
func phones(p []byte, add func(i, j int, sev severity, rule, cat, reason string)) {
	digits := 0
	for _, c := range p {
		if c >= '0' && c <= '9' {
			digits++
		}
	}
	if digits < 10 {
		return
	}
	i := 0
	for i < len(p) {
		if p[i] < '0' || p[i] > '9' {
			i++
			continue
		}
		j, n, lastDigit := i, 0, i
		for j < len(p) {
			r, w := utf8.DecodeRune(p[j:])
			if r >= '0' && r <= '9' {
				n++
				lastDigit = j
			} else if !phoneSep(r) {
				break
			}
			j += w
		}
		if n >= 10 && n <= 13 {
			start := i
			if start > 0 && p[start-1] == '+' {
				start--
			}
			add(start, lastDigit+1, sevMedium, "personal_info.phone", CatPersonalInfo, fmt.Sprintf("phone number (%d digits)", n))
		}
		i = j
	}
}

func phoneSep(r rune) bool {
	switch r {
	case '-', ' ', '(', ')', '.', '+', 'ー', '‐', '‑', '–', '—', '―', '（', '）', '　':
		return true
	}
	return false
}

// shape looks at the form of the message: shouting, symbol soup, repeats and control tricks.
func shape(s *scratch, text string) {
	n := s.f.Runes()
	whole := func(sev severity, rule, cat, reason string) {
		s.cands = append(s.cands, cand{entry: -1, start: 0, end: n, sev: sev, via: "rule", rule: rule, category: cat, reason: reason})
	}
	var upper, letters, symbols, visible, bidi int
	for _, r := range text {
		switch {
		case r >= 'A' && r <= 'Z' || r >= 'Ａ' && r <= 'Ｚ':
			upper++
			letters++
		case r >= 'a' && r <= 'z' || r >= 'ａ' && r <= 'ｚ':
			letters++
		case r == ' ' || r == '　' || r == '\n' || r == '\t':
			continue
		case r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069:
			bidi++
			continue
		case r < 0x80:
			if r > ' ' && r != 0x7f && !(r >= '0' && r <= '9') {
				symbols++
			}
		case r >= 0x3000 && r < 0xA000 || r >= 0xFF00 && r < 0xFFF0:
			if r < 0x3040 || (r >= 0xFF00 && !unicode.IsLetter(r) && !unicode.IsDigit(r)) {
				if r != 'ー' && r != '々' && r != '〜' {
					symbols++
				}
			}
		default:
			if r == utf8.RuneError || unicode.IsSymbol(r) || unicode.IsPunct(r) {
				symbols++
			}
		}
		visible++
	}
	if letters >= 12 && upper*10 >= letters*8 {
		whole(sevMedium, "spam.caps", CatSpam, fmt.Sprintf("shouting: %d of %d letters upper case", upper, letters))
	}
	if visible >= 12 && symbols*10 > visible*6 {
		whole(sevMedium, "spam.symbols", CatSpam, fmt.Sprintf("symbol soup: %d of %d characters are symbols", symbols, visible))
	}
	if bidi > 0 {
		whole(sevMedium, "spam.bidi", CatSpam, "bidirectional override characters (text that displays differently from what it says)")
	}
	b := s.f.Bytes()
	for i := 0; i < len(b); i++ {
		if r := s.f.Run(i); r >= 20 {
			st, en := s.f.Span(i, i+1)
			s.cands = append(s.cands, cand{entry: -1, start: st, end: en, sev: sevMedium, via: "rule", rule: "spam.repeat_char",
				category: CatSpam, reason: fmt.Sprintf("a character repeated %d times", r)})
			break
		}
	}
	if len(b) >= 12 && mayRepeat(b) {
		if i, j, unit, times := repeatedUnit(b); times > 0 {
			st, en := s.f.Span(i, j)
			s.cands = append(s.cands, cand{entry: -1, start: st, end: en, sev: sevMedium, via: "rule", rule: "spam.repeat_word",
				category: CatSpam, reason: fmt.Sprintf("%q repeated %d times", unit, times)})
		}
	}
}

// mayRepeat is a cheap necessary condition for repeatedUnit: a unit of two or more characters
// repeated five times repeats each of its character pairs five times.
func mayRepeat(b []byte) bool {
	var counts [256]uint8
	prev := rune(-1)
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		i += n
		if prev >= 0 {
			h := uint8((uint32(prev)*31 + uint32(r)) * 2654435761 >> 24)
			if counts[h]++; counts[h] >= 5 {
				return true
			}
		}
		prev = r
	}
	return false
}

// repeatedUnit finds a unit of 2 to 24 bytes repeated at least 5 times in a row (the folded text
// has single letters squeezed already), covering at least 12 bytes. Four times is still
// enthusiasm (かわいいかわいいかわいいかわいい).
func repeatedUnit(b []byte) (i, j int, unit string, times int) {
	for l := 2; l <= 24 && 5*l <= len(b); l++ {
		run := 0
		for k := l; k < len(b); k++ {
			if b[k] == b[k-l] {
				run++
				if run >= 4*l && run+l >= 12 {
					start := k - run - l + 1
					// extend to the end of the repetition
					end := k + 1
					for end < len(b) && b[end] == b[end-l] {
						end++
					}
					u := b[start : start+l]
					if !utf8.Valid(u) || bytes.Count(u, []byte(" ")) == len(u) {
						run = 0
						continue
					}
					return start, end, string(u), (end - start) / l
				}
			} else {
				run = 0
			}
		}
	}
	return 0, 0, "", 0
}

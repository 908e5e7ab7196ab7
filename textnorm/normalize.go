package textnorm

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Folded is the moderation view of a text: a folded form that sees through the tricks people use
// to dodge word filters, plus a map from every folded byte back to a span of rune offsets in the
// original text. It also keeps a plain view (NFKC + FoldRune only, nothing dropped) for rules
// that need the text as written, such as URLs, phone numbers and e-mail addresses.
//
// A Folded is reusable: Reset refills it and reuses its buffers, so the hot path does not
// allocate. The byte slices it returns are valid until the next Reset.
//
// The folded form applies, in order: NFKC (full-width and half-width forms), lower case,
// katakana → hiragana, small kana → full-size kana, Latin diacritics → base letter, Cyrillic and
// Greek look-alikes → Latin, look-alike kanji next to kana (口→ろ, 工→え, 力→か, 夕→た …),
// ○〇●◯＊×✕ → '*' (a mask), dropping of long-vowel marks, zero-width, format, control and
// combining characters, dropping of separators between Japanese letters and between single
// Latin letters ("f u c k"), leetspeak digits inside Latin words (k1ll), the digit puns 4→し and
// 9→く before kana (4ね), and squeezing of repeated letters (ばかああああ → ばかあ; the run
// length is kept so that a term with a double letter still needs one).
type Folded struct {
	text  []byte
	start []int32 // per byte of text: first original rune of its source
	end   []int32 // per byte of text: original rune after its source
	run   []uint8 // per byte of text: how many equal runes were squeezed into this one
	flag  []uint8 // per byte of text: Flag bits

	plain  []byte
	pstart []int32
	pend   []int32

	runes int
	items []item
	seg   []byte
	iter  norm.Iter
}

// Flag bits say how a folded rune was derived, so that a match built on a guess can be treated
// with less confidence than a literal one.
const (
	FlagMask      uint8 = 1 << iota // a masking symbol (○, ＊ …) standing for an unknown letter
	FlagPun                         // a digit read as kana (4ね → しね)
	FlagLeet                        // a digit or symbol read as a Latin letter (k1ll)
	FlagHomoglyph                   // a look-alike from another script (Cyrillic а, kanji 口)
	FlagSplit                       // a Latin letter that followed a dropped separator ("f u c k"): a word may start here
)

// Mask is the rune the folded form uses for a masking symbol.
const Mask = '*'

type class uint8

const (
	clsDrop    class = iota // invisible: dropped without separating letters
	clsSepDrop              // a separator people insert between letters (space, ・, ., -, /)
	clsSepKeep              // punctuation that ends a word or sentence (、。!?「」)
	clsAlpha                // a Latin letter
	clsDigit                // an ASCII digit
	clsOther                // any other letter (kana, kanji, Hangul …)
	clsMask                 // a masking symbol
)

type item struct {
	r    rune
	a, b int32 // original rune span
	cls  class
	flag uint8
}

// Normalize returns the folded view of s. Use a reused Folded and Reset on hot paths.
func Normalize(s string) *Folded {
	f := &Folded{}
	f.Reset(s)
	return f
}

// Bytes returns the folded text.
func (f *Folded) Bytes() []byte { return f.text }

// Text returns a copy of the folded text.
func (f *Folded) Text() string { return string(f.text) }

// PlainBytes returns the plain view: NFKC, lower case and katakana → hiragana, nothing dropped
// except invalid UTF-8.
func (f *Folded) PlainBytes() []byte { return f.plain }

// Runes is the number of runes of the original text (each invalid UTF-8 byte counts as one, as
// in a Go range loop or []rune conversion).
func (f *Folded) Runes() int { return f.runes }

// Span maps the folded byte range [i, j) to the span [start, end) of rune offsets in the original
// text. An empty or out-of-range input gives an empty span clamped to the text.
func (f *Folded) Span(i, j int) (start, end int) {
	return spanOf(f.start, f.end, f.runes, i, j)
}

// PlainSpan is Span for the plain view.
func (f *Folded) PlainSpan(i, j int) (start, end int) {
	return spanOf(f.pstart, f.pend, f.runes, i, j)
}

func spanOf(st, en []int32, runes, i, j int) (int, int) {
	if i < 0 {
		i = 0
	}
	if j > len(st) {
		j = len(st)
	}
	if i >= j {
		if i < len(st) {
			return int(st[i]), int(st[i])
		}
		return runes, runes
	}
	return int(st[i]), int(en[j-1])
}

// Run returns how many equal runes were squeezed into the folded rune at byte i.
func (f *Folded) Run(i int) int {
	if i < 0 || i >= len(f.run) {
		return 0
	}
	return int(f.run[i])
}

// Flags returns the union of the Flag bits over the folded byte range [i, j).
func (f *Folded) Flags(i, j int) uint8 {
	var fl uint8
	for k := max(i, 0); k < j && k < len(f.flag); k++ {
		fl |= f.flag[k]
	}
	return fl
}

// Reset refills f with the folded view of s, reusing f's buffers.
func (f *Folded) Reset(s string) {
	f.text = f.text[:0]
	f.start, f.end, f.run, f.flag = f.start[:0], f.end[:0], f.run[:0], f.flag[:0]
	f.plain, f.pstart, f.pend = f.plain[:0], f.pstart[:0], f.pend[:0]
	f.items = f.items[:0]
	f.runes = 0

	// Pass 1: NFKC segment by segment, keeping the original rune span of each segment. The
	// prefix that is already NFKC (most typed text) is folded rune by rune without the iterator.
	quick := norm.NFKC.QuickSpanString(s)
	runeIdx := 0
	for i, r := range s[:quick] {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n <= 1 {
				runeIdx++
				continue
			}
		}
		r = FoldRune(r)
		f.appendPlain(r, int32(runeIdx), int32(runeIdx+1))
		f.items = append(f.items, classify(r, int32(runeIdx), int32(runeIdx+1)))
		runeIdx++
	}
	bytePos := quick
	f.iter.InitString(norm.NFKC, s[quick:])
	advance := func(to int) int { // rune index at byte offset to
		for bytePos < to {
			_, n := utf8.DecodeRuneInString(s[bytePos:])
			bytePos += n
			runeIdx++
		}
		return runeIdx
	}
	// Next may hand out one segment's output in pieces without moving Pos, so collect until Pos
	// moves past the segment.
	segStart := quick
	f.seg = f.seg[:0]
	for !f.iter.Done() {
		f.seg = append(f.seg, f.iter.Next()...)
		p1 := quick + f.iter.Pos()
		if p1 == segStart && !f.iter.Done() {
			continue
		}
		a := advance(segStart)
		b := advance(p1)
		f.segment(f.seg, s[segStart:p1], a, b)
		f.seg = f.seg[:0]
		segStart = p1
	}
	f.runes = advance(len(s))

	f.mapDigitsAndLookalikes()
	f.emit()
}

// segment folds the NFKC output out of the original runes [a, b) (bytes in).
func (f *Folded) segment(out []byte, in string, a, b int) {
	oneToOne := string(out) == in || utf8.RuneCount(out) == b-a
	k := a
	for len(out) > 0 {
		r, n := utf8.DecodeRune(out)
		out = out[n:]
		ra, rb := int32(a), int32(b)
		if oneToOne {
			ra, rb = int32(k), int32(k+1)
			k++
		}
		if r == utf8.RuneError && n <= 1 {
			continue
		}
		r = FoldRune(r)
		f.appendPlain(r, ra, rb)
		f.items = append(f.items, classify(r, ra, rb))
	}
}

func (f *Folded) appendPlain(r rune, a, b int32) {
	n := len(f.plain)
	f.plain = utf8.AppendRune(f.plain, r)
	for i := n; i < len(f.plain); i++ {
		f.pstart = append(f.pstart, a)
		f.pend = append(f.pend, b)
	}
}

// classify applies the per-rune folds and says what the rune is.
func classify(r rune, a, b int32) item {
	it := item{r: r, a: a, b: b}
	switch {
	case r >= 'a' && r <= 'z':
		it.cls = clsAlpha
		return it
	case r >= '0' && r <= '9':
		it.cls = clsDigit
		return it
	case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '.' || r == '_' || r == '-' || r == '/' ||
		r == '\\' || r == '|' || r == '~' || r == ':' || r == ';' || r == '\'' || r == '"' || r == '`' ||
		r == '^' || r == '=' || r == '+' || r == '#':
		it.cls = clsSepDrop
		return it
	case r == '*':
		it.cls = clsMask
		return it
	case r < 0x80:
		if r < 0x20 || r == 0x7f {
			it.cls = clsDrop
		} else {
			it.cls = clsSepKeep
		}
		return it
	}
	if (r == 0xD7 || (r >= 0x2000 && r <= 0x3007)) && maskRunes[r] {
		it.r, it.cls, it.flag = Mask, clsMask, FlagMask
		return it
	}
	if r >= 0x3041 && r <= 0x3096 { // hiragana: enlarge small kana
		if big := smallKana[r-0x3041]; big != 0 {
			it.r = big
		}
		it.cls = clsOther
		return it
	}
	switch r {
	case 0x30FC, 0xFF70, 0x309B, 0x309C: // ー, ｰ and spacing (han)dakuten: long-vowel marks and stray marks
		it.cls = clsDrop
		return it
	case 0x30FB, 0xFF65, 0x00B7, 0x2022, 0x2219, 0x301C, 0x3030, 0x2015, 0x2500, 0x2501, 0x3000:
		it.cls = clsSepDrop
		return it
	case 0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800, 0x180E, 0x17B4, 0x17B5, 0x034F:
		it.cls = clsDrop // fillers that render as nothing
		return it
	}
	if r >= 0x4E00 && r <= 0x9FFF { // CJK unified ideographs: the common case after kana
		it.cls = clsOther
		return it
	}
	if r >= 0x100 && r < 0x530 {
		if l, ok := lookalikeLatin[r]; ok {
			it.r, it.cls, it.flag = l, clsAlpha, FlagHomoglyph
			return it
		}
	}
	if r >= 0xC0 && r < 0x250 {
		if base := latinBase[r-0xC0]; base != 0 {
			it.r, it.cls = base, clsAlpha
			return it
		}
	}
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc, unicode.Cf, unicode.Cc, unicode.Co, unicode.Cs):
		it.cls = clsDrop
	case unicode.IsSpace(r) || unicode.Is(unicode.Pd, r):
		it.cls = clsSepDrop
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		it.cls = clsOther
	default:
		it.cls = clsSepKeep
	}
	return it
}

// mapDigitsAndLookalikes reads digits and symbols as letters where the context makes the intent
// clear, and look-alike kanji as kana next to kana.
func (f *Folded) mapDigitsAndLookalikes() {
	items := f.items
	// Look at most a few invisible items away, so that a flood of them stays linear.
	const reach = 8
	prev := func(i int) int { // index of the nearest visible item before i, or -1
		lim := i - reach
		for i--; i >= 0 && i >= lim; i-- {
			if items[i].cls != clsDrop {
				return i
			}
		}
		return -1
	}
	next := func(i int) int {
		lim := i + reach
		for i++; i < len(items) && i <= lim; i++ {
			if items[i].cls != clsDrop {
				return i
			}
		}
		return -1
	}
	isCls := func(i int, c class) bool { return i >= 0 && items[i].cls == c }
	isKana := func(i int) bool {
		return i >= 0 && items[i].cls == clsOther && items[i].r >= 0x3041 && items[i].r <= 0x3096
	}
	for i := 0; i < len(items); i++ {
		it := &items[i]
		switch it.cls {
		case clsDigit:
			// A run of at most two digits touching a Latin letter is leetspeak (k1ll, b00bs).
			j := i
			for j < len(items) && (items[j].cls == clsDigit || items[j].cls == clsDrop) {
				j++
			}
			p, n := prev(i), next(j-1)
			digits := 0
			for k := i; k < j; k++ {
				if items[k].cls == clsDigit {
					digits++
				}
			}
			switch {
			case (digits <= 2 && (isCls(p, clsAlpha) || isCls(n, clsAlpha))) || (digits <= 3 && isCls(p, clsAlpha) && isCls(n, clsAlpha)):
				for k := i; k < j; k++ {
					if l := leet[items[k].r]; items[k].cls == clsDigit && l != 0 {
						items[k].r, items[k].cls, items[k].flag = l, clsAlpha, FlagLeet
					}
				}
			case digits == 1 && isKana(n) && !isCls(p, clsAlpha) && !isCls(p, clsOther):
				if k := kanaPun[it.r]; k != 0 {
					it.r, it.cls, it.flag = k, clsOther, FlagPun
				}
			}
			i = j - 1
		case clsSepKeep:
			if l := leetSymbol[it.r]; l != 0 {
				p, n := prev(i), next(i)
				if isCls(n, clsAlpha) && (isCls(p, clsAlpha) || (it.r == '$' && !isCls(p, clsDigit))) {
					it.r, it.cls, it.flag = l, clsAlpha, FlagLeet
				}
			}
		case clsOther:
			if it.r < 0x4E00 || it.r > 0x6300 {
				continue
			}
			if k := kanjiKana[it.r]; k != 0 && (isKana(prev(i)) || isKana(next(i))) {
				it.r, it.flag = k, FlagHomoglyph
			}
		}
	}
}

// emit writes the folded text: separators between letters dropped or collapsed, repeats squeezed.
func (f *Folded) emit() {
	items := f.items
	isLetter := func(c class) bool { return c == clsAlpha || c == clsDigit || c == clsOther || c == clsMask }
	lastCls := clsDrop // class of the last emitted letter (clsDrop: nothing emitted yet)
	lastRune := rune(-1)
	lastAt := -1 // byte offset of the last emitted rune
	tokLen := 0  // letters in the current Latin token
	pendingSep := false
	pendingKeep := false
	var sepA, sepB int32
	for i := 0; i < len(items); i++ {
		it := items[i]
		switch {
		case it.cls == clsDrop:
			continue
		case it.cls == clsSepDrop || it.cls == clsSepKeep:
			if lastCls == clsDrop {
				continue // leading separators
			}
			if !pendingSep {
				sepA, sepB = it.a, it.b
			}
			pendingSep = true
			pendingKeep = pendingKeep || it.cls == clsSepKeep
			continue
		case !isLetter(it.cls):
			continue
		}
		if pendingSep {
			drop := false
			if !pendingKeep {
				prevJa := lastCls == clsOther || lastCls == clsMask
				curJa := it.cls == clsOther || it.cls == clsMask
				switch {
				case prevJa && curJa:
					drop = true
				case lastCls == clsAlpha && it.cls == clsAlpha && tokLen == 1 && nextTokenLen(items, i) == 1:
					drop = true // "f u c k", "k.i.l.l"
					it.flag |= FlagSplit
				}
			}
			if !drop {
				f.appendFolded(' ', sepA, sepB, 0)
				lastRune, lastAt = ' ', len(f.text)-1
			}
			tokLen = 0 // a token is what lies between separators, dropped or not
			pendingSep, pendingKeep = false, false
		}
		if it.cls == clsAlpha || it.cls == clsDigit {
			if lastCls == clsAlpha || lastCls == clsDigit {
				tokLen++
			} else {
				tokLen = 1
			}
		} else {
			tokLen = 0
		}
		lastCls = it.cls
		if it.r == lastRune && lastAt >= 0 {
			// Squeeze: widen the previous rune's span and count the repeat.
			for k := lastAt; k < len(f.text); k++ {
				f.end[k] = it.b
				if f.run[k] < 255 {
					f.run[k]++
				}
				f.flag[k] |= it.flag
			}
			continue
		}
		lastAt = len(f.text)
		f.appendFolded(it.r, it.a, it.b, it.flag)
		lastRune = it.r
	}
}

// nextTokenLen counts the Latin letters of the token starting at items[i].
func nextTokenLen(items []item, i int) int {
	n := 0
	for ; i < len(items); i++ {
		switch items[i].cls {
		case clsDrop:
		case clsAlpha, clsDigit:
			n++
		default:
			return n
		}
	}
	return n
}

func (f *Folded) appendFolded(r rune, a, b int32, flag uint8) {
	n := len(f.text)
	f.text = utf8.AppendRune(f.text, r)
	for i := n; i < len(f.text); i++ {
		f.start = append(f.start, a)
		f.end = append(f.end, b)
		f.run = append(f.run, 1)
		f.flag = append(f.flag, flag)
	}
}

// IsKanji reports whether r is a CJK ideograph (including 々).
func IsKanji(r rune) bool {
	return unicode.Is(unicode.Han, r) || r == '々'
}

var maskRunes = map[rune]bool{
	'○': true, '〇': true, '●': true, '◯': true, '◎': true, '×': true, '✕': true, '✖': true, '□': true,
	'■': true, '◇': true, '◆': true, '△': true, '▲': true, '☆': true, '★': true, '※': true, '⚪': true, '⚫': true,
}

// smallKana maps small hiragana (indexed from U+3041) to full size.
var smallKana = func() (t [0x3097 - 0x3041]rune) {
	for small, big := range map[rune]rune{
		'ぁ': 'あ', 'ぃ': 'い', 'ぅ': 'う', 'ぇ': 'え', 'ぉ': 'お', 'っ': 'つ', 'ゃ': 'や', 'ゅ': 'ゆ', 'ょ': 'よ',
		'ゎ': 'わ', 'ゕ': 'か', 'ゖ': 'け',
	} {
		t[small-0x3041] = big
	}
	return t
}()

// lookalikeLatin maps Cyrillic and Greek letters (already lower case) that look like Latin ones.
var lookalikeLatin = map[rune]rune{
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c',
	'т': 't', 'у': 'y', 'х': 'x', 'ѕ': 's', 'і': 'i', 'ї': 'i', 'ј': 'j', 'һ': 'h', 'ԁ': 'd', 'ԛ': 'q',
	'ԝ': 'w', 'ɡ': 'g', 'ı': 'i', 'ɑ': 'a',
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't',
	'υ': 'u', 'χ': 'x', 'ϲ': 'c', 'ω': 'w',
}

// kanjiKana maps kanji that look like katakana (folded to hiragana); used only next to kana.
var kanjiKana = map[rune]rune{
	'口': 'ろ', '工': 'え', '力': 'か', '夕': 'た', '卜': 'と', '八': 'は', '二': 'に', '三': 'み', '才': 'す',
	'乃': 'の', '七': 'ち', '匕': 'ひ', '亠': 'な',
}

var leet = map[rune]rune{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g'}

var leetSymbol = map[rune]rune{'@': 'a', '$': 's', '!': 'i', '€': 'e', '£': 'l'}

// kanaPun is the digit puns of Japanese net slang: 4ね (死ね), 9そ (くそ).
var kanaPun = map[rune]rune{'4': 'し', '9': 'く'}

// latinBase maps U+00C0..U+024F (lower case after FoldRune) to its base letter.
var latinBase = func() [0x250 - 0xC0]rune {
	var t [0x250 - 0xC0]rune
	for r := rune(0xC0); r < 0x250; r++ {
		d := norm.NFD.String(string(r))
		if base, _ := utf8.DecodeRuneInString(d); base < 0x80 && base != r {
			t[r-0xC0] = unicode.ToLower(base)
		}
	}
	t['ß'-0xC0] = 's'
	t['ø'-0xC0] = 'o'
	t['đ'-0xC0] = 'd'
	t['ł'-0xC0] = 'l'
	return t
}()

package moderation

import (
	"bufio"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/livehost/livehost/textnorm"
)

// The default lists, one file per category. A brand's list directory adds files of the same
// format; a file named like a default category extends it.
//
//go:embed lists/*.txt
var defaultLists embed.FS

// Categories the engine knows. A brand file may introduce another category by its file name.
const (
	CatProfanity      = "profanity"
	CatHarassment     = "harassment"
	CatDiscrimination = "discrimination"
	CatSexual         = "sexual"
	CatPersonalInfo   = "personal_info"
	CatSpam           = "spam"
	CatLink           = "link"
	CatCompetitor     = "competitor"
	CatYakkiho        = "yakkiho" // 薬機法: cure, erase, medical and body-change claims
	CatKeihyo         = "keihyo"  // 景品表示法: unfounded superlatives, prices, guarantees
	CatLength         = "length"
	CatIllegal        = "illegal" // 違法行為: drugs, piracy, fraud jobs, voyeurism, theft
)

// severity orders how bad a match is; it maps to an action per source.
type severity uint8

const (
	sevNone   severity = iota
	sevLow             // flagged, allowed in chat
	sevMedium          // held for a moderator
	sevHigh            // blocked
)

func (s severity) String() string {
	switch s {
	case sevLow:
		return "low"
	case sevMedium:
		return "medium"
	case sevHigh:
		return "high"
	}
	return "none"
}

func parseSeverity(s string) (severity, bool) {
	switch s {
	case "low", "allow":
		return sevLow, true
	case "medium", "hold":
		return sevMedium, true
	case "high", "block":
		return sevHigh, true
	}
	return sevNone, false
}

type entryKind uint8

const (
	kindLiteral   entryKind = iota
	kindWildcard            // contains '*': any run of up to wildcardSpan letters
	kindRegex               // "re:" prefix, over the folded text
	kindException           // "!" prefix: a phrase that keeps text allowed
	kindPair                // "A + B": a term of A followed within Gap characters by a term of B, same sentence
)

// defaultPairGap is how many characters may stand between the two sides of a pair entry
// (シミ|が本当に|消える): particles and an adverb, not a second clause.
const defaultPairGap = 8

// Source says whose words are being checked.
type Source uint8

const (
	SourceChat Source = 1 << iota // a viewer's chat message
	SourceHost                    // the host's transcribed speech
)

func (s Source) String() string {
	if s == SourceHost {
		return "host"
	}
	return "chat"
}

// ParseSource parses "chat" or "host".
func ParseSource(s string) (Source, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "chat", "":
		return SourceChat, nil
	case "host":
		return SourceHost, nil
	}
	return 0, fmt.Errorf("unknown source %q (want chat or host)", s)
}

// entry is one line of a list file.
type entry struct {
	ID         string
	Category   string
	Pattern    string // as written, without the "!", "re:" prefix
	Kind       entryKind
	Severity   severity
	Reading    bool
	Reason     string
	Suggestion string
	Sources    Source
	// Forms are the literals a verb term (消える~) expands to; nil means Pattern itself.
	Forms []string
	// Left and Right are the expanded terms of a pair entry; Gap bounds the characters between.
	Left, Right []string
	Gap         int
	// Unless holds folded words that, anywhere in the same sentence, make a pair innocent
	// (シミ near 洗剤 is a stain on cloth, not a spot on skin).
	Unless []string
	File   string
	Line   int
}

// listSet is every entry of the loaded files plus the link allow and deny lists.
type listSet struct {
	entries      []entry
	allowDomains map[string]bool
	groups       map[string][]string // @group NAME: expanded terms, used as @NAME in pair entries
}

// fileDefaults are what a file's "@" directives set for the entries below them.
type fileDefaults struct {
	category string
	severity severity
	sources  Source
	reading  bool
}

func defaultSources(category string) Source {
	switch category {
	case CatYakkiho, CatKeihyo:
		return SourceHost // a viewer's claim is not the brand's advertising
	case CatProfanity, CatDiscrimination, CatSexual, CatCompetitor:
		return SourceChat | SourceHost
	}
	return SourceChat
}

func defaultSeverity(category string) severity {
	switch category {
	case CatSpam, CatLink, CatPersonalInfo, CatCompetitor, CatYakkiho, CatKeihyo:
		return sevMedium
	}
	return sevHigh
}

// loadLists reads the embedded defaults (unless defaults is false) and then every *.txt file of dir (if dir is not empty),
// in name order.
func loadLists(dir string, defaults bool) (*listSet, error) {
	ls := &listSet{allowDomains: map[string]bool{}, groups: map[string][]string{}}
	pattern := "lists/*.txt"
	if !defaults {
		pattern = "lists/none"
	}
	names, err := fs.Glob(defaultLists, pattern)
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, n := range names {
		f, err := defaultLists.Open(n)
		if err != nil {
			return nil, err
		}
		err = ls.parse(f, "default:"+path.Base(n))
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	if dir == "" {
		return ls, nil
	}
	files, err := listFiles(dir)
	if err != nil {
		return nil, err
	}
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("open list: %w", err)
		}
		err = ls.parse(f, p)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return ls, nil
}

// listFiles returns the *.txt files of dir in name order.
func listFiles(dir string) ([]string, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read list directory: %w", err)
	}
	var out []string
	for _, de := range des {
		if !de.IsDir() && strings.HasSuffix(de.Name(), ".txt") {
			out = append(out, filepath.Join(dir, de.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

// parse reads one list file. Its format:
//
//	# comment
//	@category NAME        (default: the file name without .txt)
//	@severity low|medium|high   (or allow|hold|block; default per category)
//	@sources chat,host
//	@reading              (every term below also matches by kagome reading)
//	@allow-domain shop.example.com   (link allow-list)
//	term | high | reading | reason=… | suggest=… | id=…
//	te*rm                 ('*' stands for up to a few letters; at the end of a Latin word, any ending)
//	re:REGEX              (Go regular expression over the folded text)
//	!phrase               (exception: matches inside this phrase are not reported)
//	消える~               (a verb in dictionary form: matches its affirmative conjugations; ~1 ichidan, ~5 godan, ~s suru)
//	@group NAME a, b~, c  (a named set of terms for pair entries)
//	A, B + @NAME | gap=8 | unless=x, @g  (pair: a term of the left side, then within gap characters of the same
//	                      sentence a term of the right; unless one of the unless words is in that sentence)
//	-term                 (removes a term of the same category loaded before, e.g. a default)
func (ls *listSet) parse(r io.Reader, name string) error {
	def := fileDefaults{category: strings.TrimSuffix(path.Base(filepath.ToSlash(name)), ".txt")}
	def.category = strings.TrimPrefix(def.category, "default:")
	def.severity = defaultSeverity(def.category)
	def.sources = defaultSources(def.category)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if err := ls.parseLine(text, &def, name, line); err != nil {
			return fmt.Errorf("list %s line %d: %w", name, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("list %s: %w", name, err)
	}
	return nil
}

func (ls *listSet) parseLine(text string, def *fileDefaults, name string, line int) error {
	head, _, _ := strings.Cut(text, " | ")
	if strings.HasPrefix(text, "@") && !strings.Contains(head, " + ") { // "@group + …" is a pair entry
		key, val, _ := strings.Cut(text[1:], " ")
		val = strings.TrimSpace(val)
		switch key {
		case "category":
			if val == "" {
				return fmt.Errorf("@category needs a name")
			}
			def.category = val
			def.severity = defaultSeverity(val)
			def.sources = defaultSources(val)
		case "severity":
			s, ok := parseSeverity(val)
			if !ok {
				return fmt.Errorf("unknown severity %q (want low, medium, high)", val)
			}
			def.severity = s
		case "sources":
			var src Source
			for _, p := range strings.Split(val, ",") {
				s, err := ParseSource(p)
				if err != nil {
					return err
				}
				src |= s
			}
			def.sources = src
		case "reading":
			def.reading = val != "off"
		case "group":
			name, items, _ := strings.Cut(val, " ")
			if name == "" || strings.TrimSpace(items) == "" {
				return fmt.Errorf("@group needs a name and terms: @group NAME a, b~, c")
			}
			terms, err := ls.expandSide(items)
			if err != nil {
				return fmt.Errorf("@group %s: %w", name, err)
			}
			if ls.groups == nil {
				ls.groups = map[string][]string{}
			}
			ls.groups[name] = terms
		case "allow-domain":
			if val == "" {
				return fmt.Errorf("@allow-domain needs a domain")
			}
			ls.allowDomains[strings.ToLower(strings.TrimPrefix(val, "www."))] = true
		default:
			return fmt.Errorf("unknown directive @%s", key)
		}
		return nil
	}
	fields := strings.Split(text, " | ")
	pat := strings.TrimSpace(fields[0])
	e := entry{Category: def.category, Severity: def.severity, Sources: def.sources, Reading: def.reading, File: name, Line: line}
	switch {
	case strings.HasPrefix(pat, "-"):
		ls.remove(def.category, strings.TrimSpace(pat[1:]))
		return nil
	case strings.HasPrefix(pat, "!"):
		e.Kind, pat = kindException, strings.TrimSpace(pat[1:])
	case strings.HasPrefix(pat, "re:"):
		e.Kind, pat = kindRegex, pat[3:]
	case strings.Contains(pat, " + "):
		left, right, _ := strings.Cut(pat, " + ")
		var err error
		if e.Left, err = ls.expandSide(left); err != nil {
			return fmt.Errorf("pair %q, left side: %w", pat, err)
		}
		if e.Right, err = ls.expandSide(right); err != nil {
			return fmt.Errorf("pair %q, right side: %w", pat, err)
		}
		e.Kind, e.Gap = kindPair, defaultPairGap
	case strings.Contains(pat, "*"):
		e.Kind = kindWildcard
	case strings.Contains(pat, "~"):
		forms, err := expandTerm(pat)
		if err != nil {
			return err
		}
		e.Forms = forms
	}
	if pat == "" || strings.Trim(pat, "*") == "" {
		return fmt.Errorf("empty pattern")
	}
	e.Pattern = pat
	for _, f := range fields[1:] {
		f = strings.TrimSpace(f)
		if s, ok := parseSeverity(f); ok {
			e.Severity = s
			continue
		}
		k, v, ok := strings.Cut(f, "=")
		switch {
		case f == "reading":
			e.Reading = true
		case f == "noreading":
			e.Reading = false
		case ok && k == "reason":
			e.Reason = v
		case ok && (k == "suggest" || k == "suggestion"):
			e.Suggestion = v
		case ok && k == "id":
			e.ID = v
		case ok && k == "unless":
			if e.Kind != kindPair {
				return fmt.Errorf("unless= only applies to a pair entry (A + B)")
			}
			terms, err := ls.expandSide(v)
			if err != nil {
				return fmt.Errorf("unless=: %w", err)
			}
			for _, t := range terms {
				if ft := textnorm.Fold(t); ft != "" {
					e.Unless = append(e.Unless, ft)
				}
			}
		case ok && k == "gap":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 40 {
				return fmt.Errorf("gap=%s: want a number of characters from 0 to 40", v)
			}
			if e.Kind != kindPair {
				return fmt.Errorf("gap= only applies to a pair entry (A + B)")
			}
			e.Gap = n
		case ok && k == "sources":
			var src Source
			for _, p := range strings.Split(v, ",") {
				s, err := ParseSource(p)
				if err != nil {
					return err
				}
				src |= s
			}
			e.Sources = src
		default:
			return fmt.Errorf("unknown field %q (want a severity, reading, reason=, suggest=, id= or sources=)", f)
		}
	}
	if e.ID == "" {
		prefix := ""
		if e.Kind == kindException {
			prefix = "!"
		}
		e.ID = e.Category + ":" + prefix + pat
	}
	ls.entries = append(ls.entries, e)
	return nil
}

// expandSide turns "a, b~, @group" into literal terms (verbs conjugated, groups inlined).
func (ls *listSet) expandSide(side string) ([]string, error) {
	var out []string
	for _, item := range strings.Split(side, ",") {
		item = strings.TrimSpace(item)
		switch {
		case item == "":
			return nil, fmt.Errorf("empty term in %q", side)
		case strings.HasPrefix(item, "@"):
			g, ok := ls.groups[item[1:]]
			if !ok {
				return nil, fmt.Errorf("unknown group %s (define it above with @group)", item)
			}
			out = append(out, g...)
		case strings.ContainsAny(item, "*!"):
			return nil, fmt.Errorf("term %q: a pair side holds literals and verbs only", item)
		default:
			forms, err := expandTerm(item)
			if err != nil {
				return nil, err
			}
			out = append(out, forms...)
		}
	}
	return out, nil
}

func (ls *listSet) remove(category, pat string) {
	out := ls.entries[:0]
	for _, e := range ls.entries {
		if e.Category == category && e.Pattern == pat {
			continue
		}
		out = append(out, e)
	}
	ls.entries = out
}

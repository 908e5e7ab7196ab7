package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/livehost/livehost/agents/moderation"
	"github.com/livehost/livehost/internal/wire"
)

func init() {
	register(command{name: "moderate", summary: "moderate chat or host speech: JSON or plain text lines in, one verdict per line out", run: runModerate})
}

const moderateSummary = `Moderate chat messages or the host's transcribed speech.

Reads standard input one line at a time and writes one JSON verdict per input line, in the same
order. A line is either a JSON object with a "text" field (and optionally "user" and "ts", an
RFC 3339 time or Unix seconds), or, when its first non-space character is not "{", the message
text itself, with no user:

  {"text":"お前ｼﾈよ","user":"u1","ts":"2026-11-21T12:00:00Z"}
  お前ｼﾈよ

A verdict is {"line", "action" (allow|hold|block), "categories", "matches" [{term, category,
start, end, text, severity, reason, suggestion, rule, via}], "rules", "reason"}. start and end
are rune offsets into the original text (for a plain line, the line without its line ending).
A line that cannot be read gets a verdict with action "hold" and an "error" naming the line, so
the output stays aligned: an empty line, a line starting with "{" that is not a JSON object with
a string "text" (send text that starts with "{" as JSON), or a plain line that is not valid UTF-8.

--source chat (default) checks NG words (with evasions such as ｼﾈ, し ね, 4ね, 自○, k1ll), spam,
links, phone numbers, e-mail and SNS IDs, and, for lines with a "user", per-user flood and
copy-paste raids. --source host checks the host's words for 薬機法 and 景品表示法 claims and
profanity; every flag carries the reason it is risky and, where one exists, a compliant wording.

--escalate (off by default) also asks an OpenAI-compatible model (OPENAI_BASE_URL / OPENAI_API_KEY;
--escalate-model, "moderations" for /v1/moderations) about chat lines the lists allowed, and holds
those it flags (rule "model.escalation"; "escalation" tells what the model said or why it could
not). Checks run concurrently, each within --escalate-budget; a line's verdict is written when its
check ends, in input order. Without escalation a verdict never waits for anything.

--lists DIR adds a brand's list files (*.txt, one category per file, e.g. competitor.txt) to the
built-in lists. --test reports what would fire without acting: "action" stays "allow" and
"would_action" says what it would have been.`

// moderateInput is one line of input.
type moderateInput struct {
	Text *string         `json:"text"`
	User string          `json:"user"`
	TS   json.RawMessage `json:"ts"`
}

// moderateOutput is one line of output: the verdict plus the input line number.
type moderateOutput struct {
	Line int `json:"line"`
	moderation.Verdict
	Error      string            `json:"error,omitempty"`
	Escalation *escalationOutput `json:"escalation,omitempty"`
}

// escalationOutput says what the model made of a line the lists allowed.
type escalationOutput struct {
	Raised     bool     `json:"raised"`
	Categories []string `json:"categories,omitempty"`
	Reason     string   `json:"reason,omitempty"`
	Error      string   `json:"error,omitempty"`
	LatencyMS  float64  `json:"latency_ms"`
}

// pendingLine is a verdict waiting for its escalation (done is nil when there is none).
type pendingLine struct {
	out  moderateOutput
	done chan moderation.Escalation
}

func runModerate(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "moderate", "livehost moderate [--source chat|host] [--lists DIR] [--test] < messages.jsonl|messages.txt", moderateSummary)
	conf := env.config()
	source := fs.String("source", conf.ModerationSource, "whose words: chat (viewers) or host (the host's speech) (env LIVEHOST_MODERATION_SOURCE)")
	fs.StringVar(&conf.ModerationLists, "lists", conf.ModerationLists, "a brand's list directory of *.txt files added to the built-in lists (env LIVEHOST_MODERATION_LISTS)")
	test := fs.Bool("test", false, "test mode: report what would fire, keep action allow (would_action says)")
	noReadings := fs.Bool("no-readings", false, "skip kagome reading matches (faster start, misses kanji spellings such as 市ね)")
	maxRunes := fs.Int("max-runes", 0, "longest text accepted before it is blocked unread (default 500 for chat, 20000 for host)")
	escalate := fs.Bool("escalate", conf.ModerationEscalate, "ask an OpenAI-compatible model about chat lines the lists allowed (env LIVEHOST_MODERATION_ESCALATE=1)")
	fs.StringVar(&conf.ModerationModel, "escalate-model", conf.ModerationModel, "chat model for --escalate, or \"moderations\" for /v1/moderations (env LIVEHOST_MODERATION_MODEL)")
	escBudget := fs.Duration("escalate-budget", 2*time.Second, "time budget of one model check")
	logLevel := fs.String("log-level", conf.LogLevel, "log level on stderr: debug, info, warn, error")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return &exitError{2, fmt.Errorf("unexpected argument %q (messages come on standard input)", rest[0])}
	}
	src, err := moderation.ParseSource(*source)
	if err != nil {
		return &exitError{2, fmt.Errorf("--source: %w", err)}
	}
	if *maxRunes < 0 {
		return &exitError{2, fmt.Errorf("--max-runes %d: want 0 (default) or more", *maxRunes)}
	}
	log, err := newLogger(env, *logLevel)
	if err != nil {
		return err
	}
	start := time.Now()
	eng, err := wire.Moderation(conf, func(cfg *moderation.Config) {
		cfg.Test, cfg.NoReadings = *test, *noReadings
		if src == moderation.SourceHost {
			cfg.MaxHostRunes = *maxRunes
		} else {
			cfg.MaxChatRunes = *maxRunes
		}
	})
	if err != nil {
		return &exitError{1, err}
	}
	log.Debug("lists loaded", "terms", eng.Terms(), "patterns", eng.Patterns(), "took", time.Since(start))

	var esc *moderation.Escalator
	if *escalate {
		if esc, err = wire.Escalator(conf, *escBudget, nil); err != nil {
			return &exitError{2, err}
		}
		defer esc.Close()
	}

	in := bufio.NewReaderSize(env.stdin, 64*1024)
	out := bufio.NewWriterSize(env.stdout, 64*1024)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	counts := map[string]int{}
	line, errs := 0, 0
	var pending []pendingLine
	// write sends the oldest pending verdicts out, waiting for their escalation when wait is set
	// (or when too many lines are in flight); it stops at the first unfinished one otherwise.
	write := func(wait bool) error {
		for len(pending) > 0 {
			p := &pending[0]
			if p.done != nil {
				var es moderation.Escalation
				if wait || len(pending) > 256 {
					es = <-p.done
				} else {
					select {
					case es = <-p.done:
					default:
						return nil
					}
				}
				p.out.Verdict = moderation.Escalated(p.out.Verdict, es)
				eo := &escalationOutput{Raised: es.Raise && es.Err == nil, Categories: es.Categories, Reason: es.Reason,
					LatencyMS: float64(es.Latency.Microseconds()) / 1000}
				if es.Err != nil {
					eo.Error = es.Err.Error()
				}
				p.out.Escalation = eo
			}
			counts[p.out.Action]++
			if err := enc.Encode(p.out); err != nil {
				return fmt.Errorf("write verdict for line %d: %w", p.out.Line, err)
			}
			pending = pending[1:]
		}
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			out.Flush()
			return err
		}
		raw, readErr := in.ReadBytes('\n')
		if len(raw) == 0 && readErr != nil {
			if errors.Is(readErr, io.EOF) {
				break
			}
			out.Flush()
			return fmt.Errorf("read standard input after line %d: %w", line, readErr)
		}
		line++
		o, text := moderateLine(eng, src, line, raw)
		if o.Error != "" {
			errs++
		}
		p := pendingLine{out: o}
		allowed := o.Action == moderation.ActionAllow && (!o.Test || o.WouldAction == moderation.ActionAllow)
		if esc != nil && o.Error == "" && src == moderation.SourceChat && allowed && strings.TrimSpace(text) != "" {
			ch := make(chan moderation.Escalation, 1)
			if esc.Submit(text, func(es moderation.Escalation) { ch <- es }) {
				p.done = ch
			}
		}
		pending = append(pending, p)
		if err := write(false); err != nil {
			return err
		}
		if in.Buffered() == 0 { // a live pipe: let the reader see the verdicts now
			if err := write(true); err != nil {
				return err
			}
			if err := out.Flush(); err != nil {
				return fmt.Errorf("write verdict for line %d: %w", line, err)
			}
		}
		if env.isTerminal && line%1000 == 0 {
			fmt.Fprintf(env.stderr, "\rmoderated %d lines", line)
		}
		if readErr != nil {
			break
		}
	}
	if err := write(true); err != nil {
		return err
	}
	if env.isTerminal && line >= 1000 {
		fmt.Fprintln(env.stderr)
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write verdicts: %w", err)
	}
	log.Info("moderated", "lines", line, "allow", counts[moderation.ActionAllow], "hold", counts[moderation.ActionHold],
		"block", counts[moderation.ActionBlock], "malformed", errs, "source", src.String(), "test", *test)
	return nil
}

// moderateLine parses one input line and moderates it; a bad line gets a held error verdict.
// A line whose first non-space character is "{" is a JSON object; any other line is the text.
func moderateLine(eng *moderation.Engine, src moderation.Source, line int, raw []byte) (moderateOutput, string) {
	fail := func(format string, a ...any) (moderateOutput, string) {
		return moderateOutput{Line: line, Verdict: moderation.Verdict{Action: moderation.ActionHold,
			Categories: []string{}, Matches: []moderation.Match{}, Rules: []string{"input.malformed"},
			Reason: "malformed input line"}, Error: fmt.Sprintf("line %d: "+format, append([]any{line}, a...)...)}, ""
	}
	raw = bytes.TrimPrefix(raw, utf8BOM) // a file saved with a byte order mark
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return fail("empty line (want the message text or a JSON object with a \"text\" field)")
	}
	if trimmed[0] != '{' {
		text := bytes.TrimSuffix(bytes.TrimSuffix(raw, []byte("\n")), []byte("\r"))
		if !utf8.Valid(text) {
			return fail("not valid UTF-8 (first bad byte at offset %d)", invalidUTF8At(text))
		}
		return moderateOutput{Line: line, Verdict: eng.Moderate(string(text), src)}, string(text)
	}
	var msg moderateInput
	if err := json.Unmarshal(trimmed, &msg); err != nil {
		return fail("not a JSON object with a string \"text\": %v", err)
	}
	if msg.Text == nil {
		return fail("no \"text\" field")
	}
	at, err := parseTS(msg.TS)
	if err != nil {
		return fail("\"ts\": %v", err)
	}
	var v moderation.Verdict
	if src == moderation.SourceChat && msg.User != "" {
		v = eng.ModerateChat(moderation.Message{User: msg.User, Text: *msg.Text, At: at})
	} else {
		v = eng.Moderate(*msg.Text, src)
	}
	return moderateOutput{Line: line, Verdict: v}, *msg.Text
}

var utf8BOM = []byte("\xef\xbb\xbf")

// invalidUTF8At returns the byte offset of the first byte of b that does not start a valid rune.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// parseTS accepts an RFC 3339 string or Unix seconds (integer or fractional); absent is zero.
func parseTS(raw json.RawMessage) (time.Time, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return time.Time{}, nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return time.Time{}, err
		}
		if t, err := time.Parse(time.RFC3339Nano, str); err == nil {
			return t, nil
		}
		s = str
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s is neither an RFC 3339 time nor Unix seconds", s)
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), nil
}

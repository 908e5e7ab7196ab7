package server_test

import (
	"strings"
	"testing"
)

// hostScript is a host script of five lines; the talk below skips line 2 and ad-libs.
const hostScript = "皆さんこんばんは、春の新作コスメをご紹介します。\n" +
	"まずはうるツヤリップティントから見ていきましょう。\n" +
	"今日は特別にセット価格でのご案内です。\n" +
	"落ちにくいのに唇がしっとりするのが特長です。\n" +
	"最後にブリックレッドのマットリップスティックです。"

type scriptPos struct {
	Offset        int     `json:"offset"`
	Line          int     `json:"line"`
	Score         float64 `json:"score"`
	TranscriptSeq int64   `json:"transcript_seq"`
}

// TestScriptFollowsTheHost: final transcript segments move the host's place in the show's script
// (script.position events) through ad-libs and a skipped line; text off the script and interim
// text leave it; the place survives a restart and a new script starts again at the top.
func TestScriptFollowsTheHost(t *testing.T) {
	e := newEnv(t)
	tok := e.newShow("s1")
	if code, _ := e.do("PUT", "/api/shows/s1/script", tok["host"], map[string]string{"text": hostScript}, nil); code != 200 {
		t.Fatalf("put script: %d", code)
	}
	say := func(text string, final bool) *scriptPos {
		t.Helper()
		var out struct {
			Seq    int64      `json:"seq"`
			Script *scriptPos `json:"script"`
		}
		if code, _ := e.do("POST", "/api/shows/s1/transcript", tok["host"], map[string]any{"text": text, "final": final}, &out); code != 202 {
			t.Fatalf("transcript %q: %d", text, code)
		}
		if out.Script != nil && out.Script.TranscriptSeq != out.Seq {
			t.Errorf("position of %q is for segment %d, want %d", text, out.Script.TranscriptSeq, out.Seq)
		}
		return out.Script
	}
	lineEnd := func(line int) int { // rune offset of the end of a line of hostScript, before its 。
		n := 0
		for i, l := range splitLines(hostScript) {
			n += len([]rune(l))
			if i == line {
				return n - 1
			}
			n++
		}
		return -1
	}
	steps := []struct {
		text     string
		final    bool
		wantLine int // -1: the place does not move
		wantEnd  bool
	}{
		{"はい皆さんこんばんは！春の新作コスメをご紹介していきます", true, 0, false},
		{"うるツヤリップティント", false, -1, false},            // interim text is not followed
		{"いやー今日は暑いですね、エアコンつけましょうか", true, -1, false}, // ad-lib off the script
		{"今日はね特別にセット価格でご案内です", true, 2, true},        // line 1 skipped
		{"落ちにくいのに唇がしっとりする、これが特長なんです", true, 3, true}, // ad-libbed words inside
		{"最後にブリックレッドのマットリップスティックです", true, 4, true},
	}
	var last *scriptPos
	for _, st := range steps {
		p := say(st.text, st.final)
		if st.wantLine < 0 {
			if p != nil {
				t.Errorf("%q moved the place to %+v", st.text, *p)
			}
			continue
		}
		if p == nil {
			t.Fatalf("%q did not move the place (was %+v)", st.text, last)
		}
		if p.Line != st.wantLine || p.Score <= 0.3 || p.Score > 1 {
			t.Errorf("%q: place %+v, want line %d", st.text, *p, st.wantLine)
		}
		if st.wantEnd && p.Offset != lineEnd(st.wantLine) {
			t.Errorf("%q: offset %d, want %d (end of line %d)", st.text, p.Offset, lineEnd(st.wantLine), st.wantLine)
		}
		last = p
	}

	var log struct {
		Events []struct {
			Type string `json:"type"`
			scriptPos
		} `json:"events"`
	}
	e.do("GET", "/api/shows/s1/events?after=0", tok["host"], nil, &log)
	var lines []int
	for _, ev := range log.Events {
		if ev.Type == "script.position" {
			lines = append(lines, ev.Line)
		}
	}
	if len(lines) != 4 || lines[0] != 0 || lines[1] != 2 || lines[2] != 3 || lines[3] != 4 {
		t.Errorf("script.position lines in the log: %v, want [0 2 3 4]", lines)
	}

	// A restart rebuilds the place from the log: repeating the last line does not move it back,
	// and the state the pages load carries the script and the place.
	e.restart()
	var st struct {
		Script struct {
			Text   string `json:"text"`
			Offset int    `json:"offset"`
			Line   int    `json:"line"`
		} `json:"script"`
	}
	e.do("GET", "/api/shows/s1/state", tok["host"], nil, &st)
	if st.Script.Text != hostScript || st.Script.Line != 4 || st.Script.Offset != last.Offset {
		t.Fatalf("script in the state after restart: %+v", st.Script)
	}
	if p := say("マットリップスティックです", true); p != nil {
		t.Errorf("the place moved after restart: %+v", *p)
	}
	// Going back takes a clear repeat: the host says the start of the last line again.
	if p := say("もう一度、最後にブリックレッドの", true); p == nil || p.Line != 4 || p.Offset >= last.Offset {
		t.Errorf("a clear repeat of the start of line 4: %+v (was %+v)", p, *last)
	}

	// The host taps line 1 (skipped earlier) on the teleprompter: the place goes to its start and
	// speech is followed from there.
	var tap struct {
		Offset int `json:"offset"`
		Line   int `json:"line"`
	}
	if code, _ := e.do("POST", "/api/shows/s1/script/position", tok["host"], map[string]int{"line": 1}, &tap); code != 200 || tap.Line != 1 || tap.Offset != lineEnd(0)+2 {
		t.Fatalf("tap line 1: %d %+v, want offset %d", code, tap, lineEnd(0)+2)
	}
	if p := say("まずはうるツヤリップティントから見ていきましょう", true); p == nil || p.Line != 1 || p.Offset != lineEnd(1) {
		t.Errorf("line 1 after the tap: %+v", p)
	}

	// A new script starts at the top; "" removes it, and then nothing is followed.
	if code, _ := e.do("PUT", "/api/shows/s1/script", tok["host"], map[string]string{"text": "一行目の台本です。\n二行目の台本です。"}, nil); code != 200 {
		t.Fatalf("replace script: %d", code)
	}
	e.do("GET", "/api/shows/s1/state", tok["host"], nil, &st)
	if st.Script.Line != -1 || st.Script.Offset != 0 {
		t.Errorf("place after a new script: %+v", st.Script)
	}
	if p := say("えーと二行目の台本です", true); p == nil || p.Line != 1 {
		t.Errorf("new script line 2: %+v", p)
	}
	e.do("PUT", "/api/shows/s1/script", tok["host"], map[string]string{"text": ""}, nil)
	if p := say("一行目の台本です", true); p != nil {
		t.Errorf("followed with no script: %+v", *p)
	}
	if code, _ := e.do("POST", "/api/shows/s1/script/position", tok["host"], map[string]int{"line": 0}, nil); code != 409 {
		t.Errorf("tap with no script: %d, want 409", code)
	}
}

func TestScriptBadInput(t *testing.T) {
	e := newEnv(t)
	tok := e.newShow("s1")
	long := make([]rune, 50001)
	for i := range long {
		long[i] = 'あ'
	}
	tests := []struct {
		name, token string
		body        any
		code        int
	}{
		{"no text", tok["host"], map[string]any{}, 400},
		{"text not a string", tok["host"], map[string]any{"text": 3}, 400},
		{"too long", tok["host"], map[string]string{"text": string(long)}, 400},
		{"viewer overlay may not", tok["overlay"], map[string]string{"text": "x"}, 403},
		{"moderator may", tok["moderator"], map[string]string{"text": "台本"}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out struct {
				Error string `json:"error"`
			}
			code, _ := e.do("PUT", "/api/shows/s1/script", tt.token, tt.body, &out)
			if code != tt.code || (code >= 400 && out.Error == "") {
				t.Fatalf("status %d (%q), want %d with an error message", code, out.Error, tt.code)
			}
		})
	}
	for _, tt := range []struct {
		name string
		body any
		has  string
	}{
		{"no line", map[string]any{}, `"line" is required`},
		{"line past the end", map[string]int{"line": 1}, "outside the script (lines 0–0)"},
		{"negative line", map[string]int{"line": -1}, "outside the script"},
	} {
		var out struct {
			Error string `json:"error"`
		}
		if code, _ := e.do("POST", "/api/shows/s1/script/position", tok["host"], tt.body, &out); code != 400 || !strings.Contains(out.Error, tt.has) {
			t.Errorf("%s: %d %q, want 400 saying %q", tt.name, code, out.Error, tt.has)
		}
	}
	var out struct {
		Error string `json:"error"`
	}
	if code, _ := e.do("PUT", "/api/shows/nope/script", tok["host"], map[string]string{"text": "x"}, &out); code < 400 {
		t.Fatalf("unknown show: %d", code)
	}
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if r == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// TestScriptFollowsReadings: speech-to-text writes in kana what the script has in kanji; the
// server's follower compares readings, so the place still moves.
func TestScriptFollowsReadings(t *testing.T) {
	e := newEnv(t)
	tok := e.newShow("s1")
	e.do("PUT", "/api/shows/s1/script", tok["host"], map[string]string{"text": "皆さんこんばんは。\n唇の体温で発色して、艶が長持ちします。\n今夜十二時までなので、お見逃しなく。"}, nil)
	for i, text := range []string{"みなさんこんばんは", "くちびるのたいおんではっしょくしてつやがながもちします", "今夜12時までなのでお見のがしなく"} {
		var out struct {
			Script *scriptPos `json:"script"`
		}
		e.do("POST", "/api/shows/s1/transcript", tok["host"], map[string]any{"text": text, "final": true}, &out)
		if out.Script == nil || out.Script.Line != i {
			t.Fatalf("%q: place %+v, want line %d", text, out.Script, i)
		}
	}
}

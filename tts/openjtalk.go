package tts

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Debian's paths of Open JTalk's dictionary and the voice of hts-voice-nitech-jp-atr503-m001.
const (
	DefaultJTalkDict  = "/var/lib/mecab/dic/open-jtalk/naist-jdic"
	DefaultJTalkVoice = "/usr/share/hts-voice/nitech-jp-atr503-m001/nitech_jp_atr503_m001.htsvoice"
)

// OpenJTalk speaks Japanese with the open_jtalk command; its trace (-ot) gives each phoneme's
// start, which becomes the mouth timing.
type OpenJTalk struct {
	Bin       string // "open_jtalk" on PATH when empty
	Dict      string
	VoiceFile string
	Speed     float64 // -r; 0 means 1
}

func (o *OpenJTalk) Name() string { return "openjtalk" }

// Voice names the voice file (without its directory).
func (o *OpenJTalk) Voice() string { return o.voiceName() }

func (o *OpenJTalk) voiceName() string {
	return strings.TrimSuffix(filepath.Base(o.voice()), ".htsvoice")
}

func (o *OpenJTalk) voice() string {
	if o.VoiceFile == "" {
		return DefaultJTalkVoice
	}
	return o.VoiceFile
}

func (o *OpenJTalk) Speaks(lang string) bool { return lang == "ja" || lang == "" }

// Available says whether the command, dictionary and voice are installed.
func (o *OpenJTalk) Available() error {
	if _, err := exec.LookPath(o.bin()); err != nil {
		return fmt.Errorf("open_jtalk: %w (install open-jtalk)", err)
	}
	for _, p := range []string{o.dict(), o.voice()} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("open_jtalk: %w (install open-jtalk-mecab-naist-jdic and hts-voice-nitech-jp-atr503-m001)", err)
		}
	}
	return nil
}

func (o *OpenJTalk) bin() string {
	if o.Bin == "" {
		return "open_jtalk"
	}
	return o.Bin
}

func (o *OpenJTalk) dict() string {
	if o.Dict == "" {
		return DefaultJTalkDict
	}
	return o.Dict
}

func (o *OpenJTalk) Synthesize(ctx context.Context, req Request) (Speech, error) {
	if !o.Speaks(req.Lang) {
		return Speech{}, ErrLanguage
	}
	text := strings.Join(strings.Fields(req.Text), " ")
	if text == "" {
		return Speech{}, fmt.Errorf("open_jtalk: empty text")
	}
	dir, err := os.MkdirTemp("", "livehost-jtalk-")
	if err != nil {
		return Speech{}, fmt.Errorf("open_jtalk: %w", err)
	}
	defer os.RemoveAll(dir)
	wav, trace := filepath.Join(dir, "out.wav"), filepath.Join(dir, "trace.txt")
	args := []string{"-x", o.dict(), "-m", o.voice(), "-ow", wav, "-ot", trace}
	if o.Speed > 0 && o.Speed != 1 {
		args = append(args, "-r", strconv.FormatFloat(o.Speed, 'f', 2, 64))
	}
	cmd := exec.CommandContext(ctx, o.bin(), args...)
	cmd.Stdin = strings.NewReader(text + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return Speech{}, fmt.Errorf("open_jtalk: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	audio, err := os.ReadFile(wav)
	if err != nil {
		return Speech{}, fmt.Errorf("open_jtalk: read audio: %w", err)
	}
	tr, err := os.ReadFile(trace)
	if err != nil {
		return Speech{}, fmt.Errorf("open_jtalk: read trace: %w", err)
	}
	marks, end := ParseJTalkTrace(tr)
	breaks := JTalkBreaks(tr)
	d, err := wavDuration(audio)
	if err != nil {
		return Speech{}, fmt.Errorf("open_jtalk: %w", err)
	}
	if d == 0 {
		d = end
	}
	return Speech{Audio: audio, ContentType: "audio/wav", Duration: d, Marks: marks, Breaks: breaks, Engine: o.Name(), Voice: o.voiceName()}, nil
}

// jtalkLabel is one line of an open_jtalk trace's "[Output label]" section: a phoneme's start and
// end in units of 100 ns and its full-context label.
type jtalkLabel struct {
	start, stop int64
	phoneme     string // between '-' and '+' of the label
	label       string
}

// jtalkLabels reads the "[Output label]" section of an open_jtalk trace, passing over lines that
// are not "start end label" with a phoneme and times in order.
func jtalkLabels(trace []byte) []jtalkLabel {
	var out []jtalkLabel
	in := false
	sc := bufio.NewScanner(bytes.NewReader(trace))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			in = line == "[Output label]"
			continue
		}
		f := strings.Fields(line)
		if !in || len(f) != 3 {
			continue
		}
		start, err1 := strconv.ParseInt(f[0], 10, 64)
		stop, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil || start < 0 || stop < start {
			continue
		}
		if ph := phonemeOf(f[2]); ph != "" {
			out = append(out, jtalkLabel{start: start, stop: stop, phoneme: ph, label: f[2]})
		}
	}
	return out
}

// ParseJTalkTrace reads an open_jtalk trace's labels into mouth marks, and returns the end of the
// last label.
func ParseJTalkTrace(trace []byte) ([]Mark, time.Duration) {
	var marks []Mark
	var end time.Duration
	for _, l := range jtalkLabels(trace) {
		marks = append(marks, Mark{MS: l.start / 10000, Shape: vowelShape(l.phoneme)})
		end = max(end, time.Duration(l.stop)*100)
	}
	return compact(marks), end
}

// JTalkBreaks reads the ends of the accent phrases of an open_jtalk trace, in milliseconds, all but
// the last: the places where speech may stop with no word cut in two. A phoneme's accent phrase is
// the label's "/F:" field, which counts the phrase's position in its breath group and in the
// sentence, so it differs from one phrase to the next.
func JTalkBreaks(trace []byte) []int64 {
	var breaks []int64
	var phrase string
	var spokenEnd int64
	for _, l := range jtalkLabels(trace) {
		if l.phoneme == "sil" || l.phoneme == "pau" {
			continue
		}
		ap := labelField(l.label, "/F:")
		if ap == "" {
			continue
		}
		if phrase != "" && ap != phrase {
			if ms := spokenEnd / 10000; len(breaks) == 0 || ms > breaks[len(breaks)-1] {
				breaks = append(breaks, ms)
			}
		}
		phrase, spokenEnd = ap, l.stop
	}
	return breaks
}

// labelField is one field of a full-context label: from its key ("/F:") to the next '/'.
func labelField(label, key string) string {
	i := strings.Index(label, key)
	if i < 0 {
		return ""
	}
	rest := label[i+len(key):]
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		rest = rest[:j]
	}
	if rest == "" || strings.HasPrefix(rest, "xx") {
		return ""
	}
	return rest
}

// phonemeOf takes the current phoneme out of a full-context label "p1^p2-p3+p4=p5/A:…".
func phonemeOf(label string) string {
	i := strings.IndexByte(label, '-')
	j := strings.IndexByte(label, '+')
	if i < 0 || j < i {
		return ""
	}
	return label[i+1 : j]
}

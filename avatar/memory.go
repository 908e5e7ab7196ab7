package avatar

import (
	"fmt"
	"sort"
	"strings"

	"github.com/livehost/livehost/show"
)

// memory is what the LLM writer knows of the show so far: the last lines said, word for word, and
// a running summary of everything before (lines per product, answers given, the last questions).
// Both are bounded, so the prompt and the process stay the same size however many days the show
// runs. It is folded from the log's utterances, so a restart remembers the same.
type memory struct {
	size      int
	lines     []string
	total     int
	perSKU    map[string]int
	answers   int
	questions []string
}

const (
	memorySKUs      = 50 // products counted by name in the summary; the rest as "others"
	memoryQuestions = 5
)

func newMemory(size int) *memory {
	if size <= 0 {
		size = 20
	}
	return &memory{size: size, perSKU: map[string]int{}}
}

// add remembers one spoken utterance (a whole sentence, or the first clause of one).
func (m *memory) add(u show.AvatarUtterance) {
	if u.Part > 0 {
		return
	}
	m.total++
	key := u.SKU
	if _, ok := m.perSKU[key]; !ok && len(m.perSKU) >= memorySKUs {
		key = "*"
	}
	m.perSKU[key]++
	if u.Kind == KindAnswer {
		m.answers++
		if u.Question != "" && (len(m.questions) == 0 || m.questions[len(m.questions)-1] != u.Question) {
			m.questions = append(m.questions, truncate(u.Question, 80))
			if len(m.questions) > memoryQuestions {
				m.questions = append(m.questions[:0:0], m.questions[1:]...)
			}
		}
	}
	m.lines = append(m.lines, spokenSentence(u))
	if len(m.lines) > m.size {
		// Copy down rather than reslice, so the array never grows past size.
		copy(m.lines, m.lines[1:])
		m.lines = m.lines[:m.size]
	}
}

// recent is the last lines said, oldest first.
func (m *memory) recent() []string { return append([]string(nil), m.lines...) }

// summary is the running summary of the show before the recent lines.
func (m *memory) summary() string {
	if m.total == 0 {
		return "The show has just begun: nothing has been said yet."
	}
	keys := make([]string, 0, len(m.perSKU))
	for k := range m.perSKU {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m.perSKU[keys[i]] != m.perSKU[keys[j]] {
			return m.perSKU[keys[i]] > m.perSKU[keys[j]]
		}
		return keys[i] < keys[j]
	})
	var parts []string
	for _, k := range keys {
		name := k
		switch k {
		case "":
			name = "free talk"
		case "*":
			name = "other products"
		}
		parts = append(parts, fmt.Sprintf("%s: %d", name, m.perSKU[k]))
	}
	s := fmt.Sprintf("%d lines said so far (by product: %s); %d viewer questions answered in voice.", m.total, strings.Join(parts, ", "), m.answers)
	if len(m.questions) > 0 {
		s += " Latest questions: " + strings.Join(m.questions, " / ")
	}
	return s
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

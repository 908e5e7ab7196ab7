// Package voicevoxtest is an in-process VOICEVOX engine for tests: it speaks the engine's HTTP
// API (POST /audio_query?text&speaker → AudioQuery JSON, POST /synthesis?speaker with that JSON →
// WAV) with one mora per character of text, and can be made to fail.
package voicevoxtest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"unicode"

	"github.com/livehost/livehost/internal/wav"
)

// Server is a fake VOICEVOX engine on a loopback port.
type Server struct {
	URL string
	ts  *httptest.Server

	mu       sync.Mutex
	failNext int
	queries  int
	synths   int
	speed    float64
}

// New starts a fake engine; Close it.
func New() *Server {
	s := &Server{speed: 1}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /audio_query", s.audioQuery)
	mux.HandleFunc("POST /synthesis", s.synthesis)
	s.ts = httptest.NewServer(mux)
	s.URL = s.ts.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.ts.Close() }

// FailNext makes the next n requests answer 500.
func (s *Server) FailNext(n int) { s.mu.Lock(); s.failNext = n; s.mu.Unlock() }

// SetSpeed sets the speedScale /audio_query answers with.
func (s *Server) SetSpeed(v float64) { s.mu.Lock(); s.speed = v; s.mu.Unlock() }

// Counts returns how many queries and syntheses were answered.
func (s *Server) Counts() (queries, synths int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries, s.synths
}

func (s *Server) fail(w http.ResponseWriter) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext > 0 {
		s.failNext--
		http.Error(w, `{"detail":"internal error"}`, http.StatusInternalServerError)
		return true
	}
	return false
}

type mora struct {
	Text            string   `json:"text"`
	Consonant       *string  `json:"consonant"`
	ConsonantLength *float64 `json:"consonant_length"`
	Vowel           string   `json:"vowel"`
	VowelLength     float64  `json:"vowel_length"`
	Pitch           float64  `json:"pitch"`
}

type accentPhrase struct {
	Moras           []mora `json:"moras"`
	Accent          int    `json:"accent"`
	PauseMora       *mora  `json:"pause_mora"`
	IsInterrogative bool   `json:"is_interrogative"`
}

type audioQuery struct {
	AccentPhrases      []accentPhrase `json:"accent_phrases"`
	SpeedScale         float64        `json:"speedScale"`
	PitchScale         float64        `json:"pitchScale"`
	IntonationScale    float64        `json:"intonationScale"`
	VolumeScale        float64        `json:"volumeScale"`
	PrePhonemeLength   float64        `json:"prePhonemeLength"`
	PostPhonemeLength  float64        `json:"postPhonemeLength"`
	OutputSamplingRate int            `json:"outputSamplingRate"`
	OutputStereo       bool           `json:"outputStereo"`
	Kana               string         `json:"kana"`
}

func speaker(w http.ResponseWriter, r *http.Request) (int, bool) {
	sp, err := strconv.Atoi(r.URL.Query().Get("speaker"))
	if err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprint(w, `{"detail":[{"loc":["query","speaker"],"msg":"field required","type":"value_error.missing"}]}`)
		return 0, false
	}
	return sp, true
}

func (s *Server) audioQuery(w http.ResponseWriter, r *http.Request) {
	if s.fail(w) {
		return
	}
	if _, ok := speaker(w, r); !ok {
		return
	}
	text := r.URL.Query().Get("text")
	s.mu.Lock()
	s.queries++
	speed := s.speed
	s.mu.Unlock()
	vowels := []string{"a", "i", "u", "e", "o"}
	var ap accentPhrase
	var phrases []accentPhrase
	for i, c := range []rune(text) {
		if unicode.IsPunct(c) || unicode.IsSpace(c) {
			if len(ap.Moras) > 0 {
				ap.PauseMora = &mora{Text: "、", Vowel: "pau", VowelLength: 0.3}
				phrases = append(phrases, ap)
				ap = accentPhrase{}
			}
			continue
		}
		k, cl := "k", 0.05
		ap.Moras = append(ap.Moras, mora{Text: string(c), Consonant: &k, ConsonantLength: &cl, Vowel: vowels[i%5], VowelLength: 0.1, Pitch: 5.5})
		ap.Accent = 1
	}
	if len(ap.Moras) > 0 {
		phrases = append(phrases, ap)
	}
	if phrases == nil {
		phrases = []accentPhrase{}
	}
	q := audioQuery{AccentPhrases: phrases, SpeedScale: speed, PitchScale: 0, IntonationScale: 1, VolumeScale: 1,
		PrePhonemeLength: 0.1, PostPhonemeLength: 0.1, OutputSamplingRate: 24000, Kana: text}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(q)
}

func (s *Server) synthesis(w http.ResponseWriter, r *http.Request) {
	if s.fail(w) {
		return
	}
	if _, ok := speaker(w, r); !ok {
		return
	}
	var q audioQuery
	if err := json.NewDecoder(r.Body).Decode(&q); err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprintf(w, `{"detail":[{"loc":["body"],"msg":%q}]}`, err.Error())
		return
	}
	s.mu.Lock()
	s.synths++
	s.mu.Unlock()
	speed := q.SpeedScale
	if speed <= 0 {
		speed = 1
	}
	rate := q.OutputSamplingRate
	if rate <= 0 {
		rate = 24000
	}
	sec := q.PrePhonemeLength + q.PostPhonemeLength
	for _, ap := range q.AccentPhrases {
		for _, m := range ap.Moras {
			if m.ConsonantLength != nil {
				sec += *m.ConsonantLength
			}
			sec += m.VowelLength
		}
		if ap.PauseMora != nil {
			sec += ap.PauseMora.VowelLength
		}
	}
	n := int(sec / speed * float64(rate))
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = int16(6000 * math.Sin(2*math.Pi*220*float64(i)/float64(rate)))
	}
	b := wav.Mono16(pcm, rate)
	w.Header().Set("Content-Type", "audio/wav")
	_, _ = w.Write(b)
}

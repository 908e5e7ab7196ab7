package openaitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// DefaultModeration flags input containing ModerationMarker as harassment.
func DefaultModeration(input string) openai.Result {
	var res openai.Result
	if strings.Contains(input, ModerationMarker) {
		res.Flagged = true
		res.Categories.Harassment = true
		res.CategoryScores.Harassment = 0.99
	}
	return res
}

func (s *Server) handleModeration(w http.ResponseWriter, r *http.Request, rec *Request, malformed bool) {
	var wire struct {
		Input json.RawMessage `json:"input"`
		Model string          `json:"model"`
	}
	if err := json.Unmarshal(rec.Body, &wire); err != nil {
		badRequest(w, "", "We could not parse the JSON body of your request: %v", err)
		return
	}
	inputs, msg := parseInputs(wire.Input)
	if msg != "" {
		badRequest(w, "input", "%s", msg)
		return
	}
	model := wire.Model
	if model == "" {
		model = openai.ModerationOmniLatest
	}
	s.update(func() { rec.Moderation = &ModerationRequest{Model: model, Input: inputs} })
	s.mu.Lock()
	h := s.moderate
	s.mu.Unlock()
	if h == nil {
		h = DefaultModeration
	}
	results := make([]openai.Result, len(inputs))
	for i, in := range inputs {
		results[i] = h(in)
	}
	writeJSON(w, map[string]any{
		"id":      fmt.Sprintf("modr-openaitest%06d", s.nextSeq()),
		"model":   model,
		"results": results,
	}, malformed)
}

type modelWire struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// modelsCreated is a fixed creation time so that listings are deterministic.
var modelsCreated = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix()

func (s *Server) handleModels(w http.ResponseWriter, r *http.Request, rec *Request, malformed bool) {
	s.mu.Lock()
	ids := append([]string(nil), s.models...)
	s.mu.Unlock()
	if id, ok := strings.CutPrefix(r.URL.Path, "/v1/models/"); ok {
		for _, m := range ids {
			if m == id {
				writeJSON(w, modelWire{ID: m, Object: "model", Created: modelsCreated, OwnedBy: "openaitest"}, malformed)
				return
			}
		}
		writeError(w, http.StatusNotFound, fmt.Sprintf("The model '%s' does not exist", id), "model", 0)
		return
	}
	data := make([]modelWire, len(ids))
	for i, m := range ids {
		data[i] = modelWire{ID: m, Object: "model", Created: modelsCreated, OwnedBy: "openaitest"}
	}
	writeJSON(w, map[string]any{"object": "list", "data": data}, malformed)
}

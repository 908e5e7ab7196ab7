package openaitest

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
)

// DefaultEmbeddingDim is the vector size of embedding models without "-large" in their name.
const DefaultEmbeddingDim = 1536

// Embedding returns the vector the server answers for text with dim dimensions: normally
// distributed components from a generator seeded by the FNV-1a hash of the text, L2-normalised.
// Shorter vectors are prefixes of longer ones, renormalised, so asking for dimensions gives the
// same answer as truncating, like OpenAI's text-embedding-3 models.
func Embedding(text string, dim int) []float32 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(text))
	seed := h.Sum64()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	v := make([]float32, dim)
	var sum float64
	for i := range v {
		x := rng.NormFloat64()
		v[i] = float32(x)
		sum += x * x
	}
	norm := math.Sqrt(sum)
	if norm == 0 {
		return v
	}
	for i := range v {
		v[i] = float32(float64(v[i]) / norm)
	}
	return v
}

func modelDim(model string) int {
	if strings.Contains(model, "-large") {
		return 3072
	}
	return DefaultEmbeddingDim
}

type (
	embeddingWire struct {
		Input          json.RawMessage `json:"input"`
		Model          string          `json:"model"`
		EncodingFormat string          `json:"encoding_format"`
		Dimensions     *int            `json:"dimensions"`
		User           string          `json:"user"`
	}
	embeddingItem struct {
		Object    string `json:"object"`
		Index     int    `json:"index"`
		Embedding any    `json:"embedding"`
	}
	embeddingResponse struct {
		Object string          `json:"object"`
		Data   []embeddingItem `json:"data"`
		Model  string          `json:"model"`
		Usage  struct {
			PromptTokens int `json:"prompt_tokens"`
			TotalTokens  int `json:"total_tokens"`
		} `json:"usage"`
	}
)

// maxEmbeddingInputs is OpenAI's limit on inputs per request.
const maxEmbeddingInputs = 2048

func (s *Server) handleEmbeddings(w http.ResponseWriter, r *http.Request, rec *Request, malformed bool) {
	var wire embeddingWire
	if err := json.Unmarshal(rec.Body, &wire); err != nil {
		badRequest(w, "", "We could not parse the JSON body of your request: %v", err)
		return
	}
	if wire.Model == "" {
		badRequest(w, "model", "you must provide a model parameter")
		return
	}
	inputs, msg := parseInputs(wire.Input)
	if msg != "" {
		badRequest(w, "input", "%s", msg)
		return
	}
	if len(inputs) > maxEmbeddingInputs {
		badRequest(w, "input", "'$.input' is invalid: at most %d inputs per request, got %d", maxEmbeddingInputs, len(inputs))
		return
	}
	dim := modelDim(wire.Model)
	if wire.Dimensions != nil {
		switch {
		case strings.Contains(wire.Model, "ada-002"):
			badRequest(w, "dimensions", "This model does not support specifying dimensions.")
			return
		case *wire.Dimensions < 1 || *wire.Dimensions > dim:
			badRequest(w, "dimensions", "Invalid value for 'dimensions': %d; it must be between 1 and %d for %s.", *wire.Dimensions, dim, wire.Model)
			return
		}
		dim = *wire.Dimensions
	}
	format := wire.EncodingFormat
	if format != "" && format != "float" && format != "base64" {
		badRequest(w, "encoding_format", "Invalid value for 'encoding_format': '%s'. Supported values are: 'float' and 'base64'.", format)
		return
	}
	parsed := &EmbeddingRequest{Model: wire.Model, Input: inputs, Dimensions: dim, EncodingFormat: format, User: wire.User}
	s.update(func() { rec.Embedding = parsed })

	resp := embeddingResponse{Object: "list", Model: wire.Model, Data: make([]embeddingItem, len(inputs))}
	for i, in := range inputs {
		v := Embedding(in, dim)
		item := embeddingItem{Object: "embedding", Index: i, Embedding: v}
		if format == "base64" {
			buf := make([]byte, 4*len(v))
			for j, x := range v {
				binary.LittleEndian.PutUint32(buf[4*j:], math.Float32bits(x))
			}
			item.Embedding = base64.StdEncoding.EncodeToString(buf)
		}
		resp.Data[i] = item
		resp.Usage.PromptTokens += CountTokens(in)
	}
	resp.Usage.TotalTokens = resp.Usage.PromptTokens
	writeJSON(w, resp, malformed)
}

// parseInputs accepts a string or an array of strings, as the API does for text. Token arrays are
// refused: the server has no tokenizer to decode them. The message says what is wrong.
func parseInputs(raw json.RawMessage) ([]string, string) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, "Missing required parameter: 'input'."
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		if one == "" {
			return nil, "'$.input' is invalid: the input must not be an empty string."
		}
		return []string{one}, ""
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, "'$.input' is invalid: expected a string or an array of strings."
	}
	if len(list) == 0 {
		return nil, "'$.input' is invalid: the input array must not be empty."
	}
	out := make([]string, len(list))
	for i, item := range list {
		if err := json.Unmarshal(item, &out[i]); err != nil {
			if t := strings.TrimSpace(string(item)); t != "" && (t[0] == '[' || t[0] == '-' || t[0] >= '0' && t[0] <= '9') {
				return nil, "'$.input' is invalid: token arrays are not supported by this test server; send strings (item " + itoa(i) + ")."
			}
			return nil, "'$.input' is invalid: item " + itoa(i) + " is not a string."
		}
		if out[i] == "" {
			return nil, "'$.input' is invalid: item " + itoa(i) + " is an empty string."
		}
	}
	return out, ""
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

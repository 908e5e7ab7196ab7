package openaitest_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/livehost/livehost/openaitest"
)

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func TestEmbeddings(t *testing.T) {
	s, c := newClient(t)
	tests := []struct {
		name   string
		req    openai.EmbeddingRequestConverter
		inputs []string
		dim    int
	}{
		{"string", openai.EmbeddingRequest{Input: "リップティント", Model: openai.SmallEmbedding3}, []string{"リップティント"}, 1536},
		{"strings", openai.EmbeddingRequestStrings{Input: []string{"a", "b", "a"}, Model: openai.SmallEmbedding3}, []string{"a", "b", "a"}, 1536},
		{"large", openai.EmbeddingRequest{Input: "x", Model: openai.LargeEmbedding3}, []string{"x"}, 3072},
		{"dimensions", openai.EmbeddingRequest{Input: "x", Model: openai.SmallEmbedding3, Dimensions: 256}, []string{"x"}, 256},
		{"base64", openai.EmbeddingRequest{Input: []string{"x", "y"}, Model: openai.SmallEmbedding3, EncodingFormat: openai.EmbeddingEncodingFormatBase64, Dimensions: 64}, []string{"x", "y"}, 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := c.CreateEmbeddings(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Data) != len(tt.inputs) || resp.Object != "list" {
				t.Fatalf("data = %d items, want %d", len(resp.Data), len(tt.inputs))
			}
			for i, d := range resp.Data {
				if d.Index != i || len(d.Embedding) != tt.dim {
					t.Fatalf("item %d: index %d dim %d", i, d.Index, len(d.Embedding))
				}
				if n := norm(d.Embedding); math.Abs(n-1) > 1e-5 {
					t.Errorf("item %d: norm %v", i, n)
				}
				want := openaitest.Embedding(tt.inputs[i], tt.dim)
				for j := range want {
					if want[j] != d.Embedding[j] {
						t.Fatalf("item %d differs from Embedding() at %d", i, j)
					}
				}
			}
			if resp.Usage.PromptTokens == 0 || resp.Usage.TotalTokens != resp.Usage.PromptTokens {
				t.Errorf("usage = %+v", resp.Usage)
			}
		})
	}
	if got := s.Requests()[3].Embedding; got == nil || got.Dimensions != 256 || got.Input[0] != "x" {
		t.Errorf("recorded %+v", got)
	}
}

func TestEmbeddingDeterministicAndDistinct(t *testing.T) {
	a, b := openaitest.Embedding("hello", 1536), openaitest.Embedding("hello", 1536)
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("not deterministic")
		}
	}
	var dot float64
	for i, x := range openaitest.Embedding("world", 1536) {
		dot += float64(x) * float64(a[i])
	}
	if math.Abs(dot) > 0.2 {
		t.Errorf("different texts have cosine %v", dot)
	}
	// A shorter vector is the renormalised prefix of the longer one.
	short := openaitest.Embedding("hello", 8)
	n := norm(a[:8])
	for i := range short {
		if math.Abs(float64(short[i])-float64(a[i])/n) > 1e-6 {
			t.Fatalf("prefix rule broken at %d", i)
		}
	}
}

func TestEmbeddingsBadInput(t *testing.T) {
	_, c := newClient(t)
	tests := []struct {
		name  string
		req   openai.EmbeddingRequestConverter
		param string
		msg   string
	}{
		{"tokens", openai.EmbeddingRequestTokens{Input: [][]int{{1, 2, 3}}, Model: openai.SmallEmbedding3}, "input", "token arrays"},
		{"not strings", openai.EmbeddingRequest{Input: []any{"a", true}, Model: openai.SmallEmbedding3}, "input", "item 1 is not a string"},
		{"empty string", openai.EmbeddingRequest{Input: "", Model: openai.SmallEmbedding3}, "input", "empty"},
		{"empty list", openai.EmbeddingRequestStrings{Input: []string{}, Model: openai.SmallEmbedding3}, "input", "empty"},
		{"no model", openai.EmbeddingRequest{Input: "x"}, "model", "model"},
		{"too many dims", openai.EmbeddingRequest{Input: "x", Model: openai.SmallEmbedding3, Dimensions: 2000}, "dimensions", "1536"},
		{"ada dims", openai.EmbeddingRequest{Input: "x", Model: openai.AdaEmbeddingV2, Dimensions: 10}, "dimensions", "does not support"},
		{"format", openai.EmbeddingRequest{Input: "x", Model: openai.SmallEmbedding3, EncodingFormat: "hex"}, "encoding_format", "hex"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateEmbeddings(context.Background(), tt.req)
			var apiErr *openai.APIError
			if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusBadRequest || apiErr.Param == nil || *apiErr.Param != tt.param || !strings.Contains(apiErr.Message, tt.msg) {
				t.Fatalf("err = %#v", err)
			}
		})
	}
}

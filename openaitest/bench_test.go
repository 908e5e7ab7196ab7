package openaitest_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/livehost/livehost/openaitest"
)

// BenchmarkChatStream measures a 100-token streamed reply through go-openai over loopback: the
// floor under any streaming-latency figure measured against this server.
func BenchmarkChatStream(b *testing.B) {
	s := openaitest.New()
	defer s.Close()
	c := openai.NewClientWithConfig(s.Config())
	content := strings.TrimSpace(strings.Repeat(" word", 100))
	s.SetChat(func(openai.ChatCompletionRequest) openaitest.ChatReply { return openaitest.ChatReply{Content: content} })
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		st, err := c.CreateChatCompletionStream(ctx, userReq("x"))
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := st.Recv(); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
		st.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/token")
}

// BenchmarkEmbeddings measures one request of 16 inputs at 1536 dimensions.
func BenchmarkEmbeddings(b *testing.B) {
	s := openaitest.New()
	defer s.Close()
	c := openai.NewClientWithConfig(s.Config())
	in := make([]string, 16)
	for i := range in {
		in[i] = strings.Repeat("リップティント ", i+1)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.CreateEmbeddings(context.Background(), openai.EmbeddingRequestStrings{Input: in, Model: openai.SmallEmbedding3}); err != nil {
			b.Fatal(err)
		}
	}
}

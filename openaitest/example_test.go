package openaitest_test

import (
	"context"
	"fmt"

	openai "github.com/sashabaranov/go-openai"

	"github.com/livehost/livehost/openaitest"
)

func Example() {
	s := openaitest.New()
	defer s.Close()
	s.SetChat(func(req openai.ChatCompletionRequest) openaitest.ChatReply {
		return openaitest.ChatReply{Content: "1,980円です。"} // a wrong price, to test a fact guard
	})
	s.FailNext(1, 429) // the first call is rate limited

	cfg := openai.DefaultConfig("test-key")
	cfg.BaseURL = s.URL
	c := openai.NewClientWithConfig(cfg)
	req := openai.ChatCompletionRequest{Model: "gpt-4o-mini", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "いくら？"}}}
	_, err := c.CreateChatCompletion(context.Background(), req)
	fmt.Println(err)
	resp, _ := c.CreateChatCompletion(context.Background(), req)
	fmt.Println(resp.Choices[0].Message.Content, len(s.Requests()))
	// Output:
	// error, status code: 429, status: 429 Too Many Requests, message: Rate limit reached for requests. Please try again later.
	// 1,980円です。 2
}

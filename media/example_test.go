package media_test

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/media"
	"github.com/livehost/livehost/speech"
)

// ExampleNewWHIP mounts the WHIP endpoint on a server: each show's sessions transcribe through the
// configured STT server with a prompt from the show's lineup, and transcripts go to the show's log.
func ExampleNewWHIP() {
	lineup := func(showID string) []catalog.Product { return nil } // the show's products
	whip, err := media.NewWHIP(media.WHIPConfig{
		Authorize: func(r *http.Request, showID string) error {
			return nil // check the bearer token's grant for showID here
		},
		Speech: func(ctx context.Context, showID string) (speech.PipelineConfig, error) {
			tr, err := speech.NewOpenAITranscriber(speech.OpenAIConfig{BaseURL: os.Getenv("STT_BASE_URL"), Model: "whisper-1"})
			if err != nil {
				return speech.PipelineConfig{}, err // speech.ErrNoSTT: answered with 503 and the reason
			}
			return speech.PipelineConfig{Transcriber: tr, Language: "ja", Prompt: speech.Prompt(lineup(showID), nil)}, nil
		},
		OnTranscript: func(ctx context.Context, showID string, t speech.Transcript) {
			log.Printf("show %s %d–%d ms: %q dropped=%v", showID, t.StartMS, t.EndMS, t.Text, t.Dropped)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer whip.Close()
	mux := http.NewServeMux()
	mux.Handle("/whip/", whip) // with echo: e.Any("/whip/*", echo.WrapHandler(whip))
	_ = mux
}

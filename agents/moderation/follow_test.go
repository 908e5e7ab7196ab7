package moderation

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestFollowAppliesANewTermToTheNextMessage(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	dir := t.TempDir()
	file := filepath.Join(dir, "competitor.txt")
	if err := os.WriteFile(file, []byte("ライバル堂 | medium\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Dir: dir, NoReadings: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	errs := make(chan error, 4)
	go func() { done <- e.Follow(ctx, func(err error) { errs <- err }) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Follow: %v", err)
		}
	}()
	msg := Message{User: "u", Text: "ホシゾラ商店のほうが安いよ"}
	if v := e.ModerateChat(msg); v.Action != "allow" {
		t.Fatalf("before the edit: %s", v.Action)
	}
	// Give the watch time to be in place: Follow starts in its own goroutine.
	time.Sleep(100 * time.Millisecond)
	if err := os.WriteFile(file, []byte("ライバル堂 | medium\nホシゾラ商店 | medium\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The change is seen asynchronously; once it is, the next message must reload before judging.
	waitStale(t, e)
	if v := e.ModerateChat(Message{User: "u2", Text: msg.Text}); v.Action != "hold" {
		t.Fatalf("the message right after the edit: %s %+v", v.Action, v.Matches)
	}
	// A broken file keeps the old lists and reports the error.
	if err := os.WriteFile(file, []byte("re:([ | medium\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitStale(t, e)
	if v := e.ModerateChat(Message{User: "u3", Text: "x"}); v.Action != "allow" {
		t.Fatalf("clean message after a broken edit: %s", v.Action)
	}
	select {
	case err := <-errs:
		t.Logf("reload error reported: %v", err)
	default:
		t.Fatal("a broken list file reported no error")
	}
	if v := e.ModerateChat(Message{User: "u4", Text: msg.Text}); v.Action != "hold" {
		t.Fatalf("after a broken edit the old lists must stay: %s", v.Action)
	}
}

func waitStale(t *testing.T, e *Engine) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !e.stale.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the list change was never noticed")
		}
		time.Sleep(time.Millisecond)
	}
}

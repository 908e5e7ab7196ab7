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
	// Follow starts in its own goroutine: wait for the watch to be in place.
	for deadline := time.Now().Add(5 * time.Second); !e.Watching(); {
		if time.Now().After(deadline) {
			t.Fatal("the watch never started")
		}
		time.Sleep(time.Millisecond)
	}
	if err := os.WriteFile(file, []byte("ライバル堂 | medium\nホシゾラ商店 | medium\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The very next message sees the change: no waiting.
	if v := e.ModerateChat(Message{User: "u2", Text: msg.Text}); v.Action != "hold" {
		t.Fatalf("the message right after the edit: %s %+v", v.Action, v.Matches)
	}
	// A broken file keeps the old lists and reports the error.
	if err := os.WriteFile(file, []byte("re:([ | medium\n"), 0o644); err != nil {
		t.Fatal(err)
	}
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

package show

import (
	"context"
	"errors"
	"testing"

	"github.com/livehost/livehost/internal/pgtest"
)

// A node that lost a show's lease without noticing is fenced off: once another node claims the
// show, the first node's appends are refused, and nothing of them is written.
func TestClaimFencesTheOldOwner(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	a, err := OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	sh, err := a.CreateShow(ctx, Show{Title: "fenced"})
	if err != nil {
		t.Fatal(err)
	}
	if node, err := b.Owner(ctx, sh.ID); err != nil || node != "" {
		t.Fatalf("owner before any claim = %q, %v", node, err)
	}
	ca, err := a.Claim(ctx, sh.ID, "a")
	if err != nil || ca.Epoch != 1 {
		t.Fatalf("claim a: %+v, %v", ca, err)
	}
	ev := NewEvent{Type: "test.note", Data: []byte(`{}`)}
	if _, err := a.Append(ctx, sh.ID, ev); err != nil {
		t.Fatalf("append under a's claim: %v", err)
	}
	cb, err := b.Claim(ctx, sh.ID, "b")
	if err != nil || cb.Epoch != 2 {
		t.Fatalf("claim b: %+v, %v", cb, err)
	}
	if _, err := a.Append(ctx, sh.ID, ev); !errors.Is(err, ErrFenced) {
		t.Fatalf("append of the old owner: %v, want ErrFenced", err)
	}
	out, err := b.Append(ctx, sh.ID, ev)
	if err != nil {
		t.Fatalf("append of the new owner: %v", err)
	}
	if out[0].Seq != 3 { // show.created, a's note, b's note: a's refused append wrote nothing
		t.Fatalf("the new owner's event has seq %d, want 3", out[0].Seq)
	}
	if node, _ := a.Owner(ctx, sh.ID); node != "b" {
		t.Fatalf("owner = %q, want b", node)
	}
	// A store that appends without a claim (a single process) is not fenced.
	b.Unclaim(sh.ID)
	if _, err := b.Append(ctx, sh.ID, ev); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Claim(ctx, "sh_nosuchshow", "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("claim of an unknown show: %v", err)
	}
}

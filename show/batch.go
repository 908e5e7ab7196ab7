package show

import (
	"context"
	"errors"
	"fmt"
)

// txWriter is what a backend does inside its commit transaction; applyBatch decides the order.
type txWriter interface {
	// insertShow inserts a new show row with last_seq 0; false if the ID is taken.
	insertShow(ctx context.Context, sh *Show) (bool, error)
	updateShow(ctx context.Context, sh *Show) error
	// advance adds n to the show's last_seq (and sets status when not ""), returning the row
	// after; ErrNotFound when there is no such show, ErrFenced when f is set and the show's
	// claim is no longer f. Its row lock serializes a show's appends.
	advance(ctx context.Context, showID string, n int, status string, f *Claim) (Show, error)
	insertEvents(ctx context.Context, evs []Event) error
}

// applyBatch writes a group commit. Plain appends to the same show are merged so that each show
// costs one advance and one multi-row insert per transaction; a create or update is written on
// its own, after the appends queued before it, so that seqs follow the order of the calls.
func applyBatch(ctx context.Context, w txWriter, reqs []*request) error {
	type group struct {
		reqs []*request
		n    int
	}
	pending := map[string]*group{}
	var order []string
	flush := func(showID string) error {
		g := pending[showID]
		if g == nil {
			return nil
		}
		delete(pending, showID)
		return writeGroup(ctx, w, showID, g.reqs, g.n)
	}
	for _, r := range reqs {
		if r.create == nil && r.update == nil {
			g := pending[r.showID]
			if g == nil {
				g = &group{}
				pending[r.showID] = g
				order = append(order, r.showID)
			}
			g.reqs = append(g.reqs, r)
			g.n += len(r.evs)
			continue
		}
		if err := flush(r.showID); err != nil {
			return err
		}
		if r.create != nil {
			ok, err := w.insertShow(ctx, r.create)
			if err != nil {
				return fmt.Errorf("insert show %s: %w", r.showID, err)
			}
			if !ok {
				r.err = fmt.Errorf("show %s: %w", r.showID, ErrExists)
				continue
			}
		}
		if r.update != nil {
			if err := w.updateShow(ctx, r.update); err != nil {
				return fmt.Errorf("update show %s: %w", r.showID, err)
			}
		}
		if err := writeGroup(ctx, w, r.showID, []*request{r}, len(r.evs)); err != nil {
			return err
		}
	}
	for _, id := range order {
		if err := flush(id); err != nil {
			return err
		}
	}
	return nil
}

func writeGroup(ctx context.Context, w txWriter, showID string, reqs []*request, n int) error {
	status := ""
	for _, r := range reqs {
		if st := statusAfter(r); st != "" {
			status = st
		}
	}
	sh, err := w.advance(ctx, showID, n, status, reqs[0].claim)
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrFenced) {
		for _, r := range reqs {
			r.err = fmt.Errorf("show %s: %w", showID, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("advance show %s: %w", showID, err)
	}
	seq := sh.LastSeq - int64(n)
	all := make([]Event, 0, n)
	for _, r := range reqs {
		r.out = make([]Event, len(r.evs))
		for i, ne := range r.evs {
			seq++
			r.out[i] = Event{Seq: seq, Show: showID, Type: ne.Type, At: ne.At, V: ne.V, Data: ne.Data}
		}
		all = append(all, r.out...)
		r.show = sh
	}
	if err := w.insertEvents(ctx, all); err != nil {
		return fmt.Errorf("insert events %s#%d..%d: %w", showID, sh.LastSeq-int64(n)+1, sh.LastSeq, err)
	}
	return nil
}

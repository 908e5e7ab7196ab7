package show

import (
	"context"
	"fmt"
)

// With several nodes on one PostgreSQL log, each show has one writer at a time. The node that
// takes a show's lease claims it here; from then on this store's appends to the show go through
// only while the claim is still the newest, checked in the append's own transaction. A node that
// lost its lease without noticing yet is fenced off instead of writing beside the new owner.

// Claim is a node's claim on a show: the node and the claim's epoch (1 for the first).
type Claim struct {
	Node  string
	Epoch int64
}

// claimer is the part of a backend that keeps claims (PostgreSQL only).
type claimer interface {
	claim(ctx context.Context, showID, node string) (int64, error)
	owner(ctx context.Context, showID string) (string, error)
}

// Claim makes node the show's writer with a new epoch and fences this store's appends to the
// show by it. It waits for an append in flight on the show, from any node, to commit.
func (s *Store) Claim(ctx context.Context, showID, node string) (Claim, error) {
	c, ok := s.db.(claimer)
	if !ok {
		return Claim{}, fmt.Errorf("claim show %s: several nodes need the PostgreSQL store", showID)
	}
	epoch, err := c.claim(ctx, showID, node)
	if err != nil {
		return Claim{}, fmt.Errorf("claim show %s: %w", showID, err)
	}
	cl := Claim{Node: node, Epoch: epoch}
	s.claimMu.Lock()
	s.claims[showID] = cl
	s.claimMu.Unlock()
	return cl, nil
}

// Unclaim stops appending under the show's claim (the show was handed over).
func (s *Store) Unclaim(showID string) {
	s.claimMu.Lock()
	delete(s.claims, showID)
	s.claimMu.Unlock()
}

// Owner names the node with the newest claim on the show, "" when none has claimed it.
func (s *Store) Owner(ctx context.Context, showID string) (string, error) {
	c, ok := s.db.(claimer)
	if !ok {
		return "", nil
	}
	node, err := c.owner(ctx, showID)
	if err != nil {
		return "", fmt.Errorf("owner of show %s: %w", showID, err)
	}
	return node, nil
}

func (s *Store) claimOf(showID string) *Claim {
	s.claimMu.Lock()
	defer s.claimMu.Unlock()
	if c, ok := s.claims[showID]; ok {
		return &c
	}
	return nil
}

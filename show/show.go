package show

import (
	"errors"
	"fmt"
	"time"
)

// Show is one live show: its lineup of products (SKUs) and whether a person or the avatar hosts it.
type Show struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Lineup    []string  `json:"lineup"`
	Mode      string    `json:"mode"` // ModeHost | ModeAvatar
	CreatedAt time.Time `json:"created_at"`
	Status    string    `json:"status"` // StatusCreated | StatusLive | StatusStopped
	LastSeq   int64     `json:"last_seq"`
}

// Token is a stored API token. The server hashes the secret; the store keeps only Hash.
type Token struct {
	Hash      string    `json:"hash"`
	Role      string    `json:"role"`
	ShowID    string    `json:"show_id,omitempty"` // empty: every show
	Label     string    `json:"label,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at,omitzero"` // zero: until revoked
}

// Errors the store returns (wrapped; test with errors.Is).
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	ErrClosed   = errors.New("show store is closed")
	ErrInvalid  = errors.New("invalid show")
	// ErrFenced: another node claimed the show (Claim) since this store's claim; its appends
	// are refused so that a node that lost its lease never writes beside the new owner.
	ErrFenced = errors.New("another node claimed the show")
)

// Limits on show fields.
const (
	MaxTitleLen  = 200
	MaxLineup    = 500
	MaxSKULen    = 128
	MaxTokenHash = 256
)

func (s *Show) validate() error {
	if err := ValidShowID(s.ID); err != nil {
		return err
	}
	if len(s.Title) > MaxTitleLen {
		return fmt.Errorf("show %s: title is longer than %d bytes", s.ID, MaxTitleLen)
	}
	switch s.Mode {
	case "":
		s.Mode = ModeHost
	case ModeHost, ModeAvatar:
	default:
		return fmt.Errorf("show %s: mode %q is neither %q nor %q", s.ID, s.Mode, ModeHost, ModeAvatar)
	}
	switch s.Status {
	case "":
		s.Status = StatusCreated
	case StatusCreated, StatusLive, StatusStopped:
	default:
		return fmt.Errorf("show %s: status %q is not one of created, live, stopped", s.ID, s.Status)
	}
	if len(s.Lineup) > MaxLineup {
		return fmt.Errorf("show %s: lineup has %d products, more than %d", s.ID, len(s.Lineup), MaxLineup)
	}
	for i, sku := range s.Lineup {
		if sku == "" || len(sku) > MaxSKULen {
			return fmt.Errorf("show %s: lineup[%d]: SKU must be 1 to %d bytes", s.ID, i, MaxSKULen)
		}
	}
	if s.Lineup == nil {
		s.Lineup = []string{}
	}
	return nil
}

func (t *Token) validate() error {
	if t.Hash == "" || len(t.Hash) > MaxTokenHash {
		return fmt.Errorf("token hash must be 1 to %d bytes", MaxTokenHash)
	}
	if t.Role == "" {
		return errors.New("token role is empty")
	}
	if t.ShowID != "" {
		if err := ValidShowID(t.ShowID); err != nil {
			return fmt.Errorf("token scope: %w", err)
		}
	}
	return nil
}

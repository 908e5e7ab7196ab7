package catalog

import (
	"context"
	"testing"
)

// The embedded store and the in-memory store pass the same contract as the PostgreSQL store.
func TestEmbeddedStoreContract(t *testing.T) {
	testStoreContract(t, func(t *testing.T) Store {
		s, err := OpenEmbedded(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestMemoryStoreContract(t *testing.T) {
	testStoreContract(t, func(t *testing.T) Store { return NewMemoryStore() })
}
